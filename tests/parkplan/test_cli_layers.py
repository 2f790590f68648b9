"""``parkplan init`` and ``parkplan layers ...`` through the real command line."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point, box

from parkplan.cli import main

L72 = "EPSG:31370"


def run_cli(capsys, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def region_file(tmp_path) -> Path:
    frame = gpd.GeoDataFrame(
        {"nis": ["1"], "name": ["Sint-Eloois-Vijve"]},
        geometry=[box(40_000, 170_000, 80_000, 210_000)],
        crs=L72,
    )
    path = tmp_path / "region.geojson"
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    return path


@pytest.fixture
def stations_csv(tmp_path) -> Path:
    path = tmp_path / "stations.csv"
    path.write_text("name;x;y\nRuiselede;65000;195000\nLo-Reninge;45000;180000\n", encoding="utf-8")
    return path


@pytest.fixture
def study(capsys, tmp_path, region_file) -> Path:
    root = tmp_path / "study"
    code, out, err = run_cli(capsys, "init", root, "--region", region_file)
    assert code == 0, err
    assert "created study" in out and "region: 1" in out
    return root


def test_init_writes_study_toml_and_workspace(study):
    settings = tomllib.loads((study / "study.toml").read_text(encoding="utf-8"))
    assert settings["crs"] == L72
    assert (study / "workspace" / "catalog.json").is_file()


def test_init_with_another_crs(capsys, tmp_path):
    code, _, err = run_cli(capsys, "init", tmp_path / "s", "--crs", "EPSG:3812")
    assert code == 0, err
    assert tomllib.loads((tmp_path / "s" / "study.toml").read_text())["crs"] == "EPSG:3812"


def test_init_refuses_an_existing_study(capsys, study):
    before = sorted(study.rglob("*"))
    code, _, err = run_cli(capsys, "init", study)
    assert code == 2 and err.count("\n") == 1 and "already" in err
    assert sorted(study.rglob("*")) == before


def test_init_refuses_a_folder_with_a_study_toml(capsys, tmp_path):
    root = tmp_path / "s"
    root.mkdir()
    (root / "study.toml").write_text("name = 'mine'\n")
    code, _, err = run_cli(capsys, "init", root)
    assert code == 2 and "study.toml" in err
    assert sorted(p.name for p in root.iterdir()) == ["study.toml"]


def test_init_refuses_a_point_region(capsys, tmp_path):
    path = tmp_path / "points.geojson"
    frame = gpd.GeoDataFrame({"id": [1]}, geometry=[Point(60_000, 190_000)], crs=L72)
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    code, _, err = run_cli(capsys, "init", tmp_path / "s", "--region", path)
    assert code == 2 and "expected polygons" in err
    assert not (tmp_path / "s").exists()


def test_add_list_show_remove(capsys, study, stations_csv):
    code, out, err = run_cli(
        capsys, "layers", "add", study, stations_csv, "--name", "stations", "--assume-crs", L72
    )
    assert code == 0, err
    assert "loaded stations: 2 Point features, EPSG:31370 -> EPSG:31370" in out
    assert "geometry from columns x/y" in out

    code, out, _ = run_cli(capsys, "layers", "list", study)
    lines = out.splitlines()
    assert lines[0].split() == ["name", "kind", "geometry", "features", "crs", "sha256", "source"]
    digest = hashlib.sha256(stations_csv.read_bytes()).hexdigest()
    assert lines[2].split()[:6] == ["stations", "vector", "Point", "2", L72, digest[:12]]

    code, out, _ = run_cli(capsys, "layers", "list", study, "--json")
    listed = {entry["name"]: entry for entry in json.loads(out)}
    assert listed["stations"]["sha256"] == digest
    assert listed["stations"]["source"] == str(stations_csv.resolve())

    code, out, _ = run_cli(capsys, "layers", "show", study, "stations")
    assert code == 0
    assert f"sha256:          {digest}" in out
    assert "source_crs:      EPSG:31370" in out
    assert "repaired_invalid:" in out and "encoding:" in out

    code, out, _ = run_cli(capsys, "layers", "remove", study, "stations")
    assert code == 0 and "removed stations" in out
    code, out, _ = run_cli(capsys, "layers", "list", study, "--json")
    assert [entry["name"] for entry in json.loads(out)] == ["region"]


def test_replace_flag(capsys, study, stations_csv):
    args = ("layers", "add", study, stations_csv, "--name", "stations", "--assume-crs", L72)
    assert run_cli(capsys, *args)[0] == 0
    code, _, err = run_cli(capsys, *args)
    assert code == 2 and "--replace" in err
    assert run_cli(capsys, *args, "--replace")[0] == 0


def test_export(capsys, study, tmp_path):
    out_file = tmp_path / "region.fgb"
    code, out, _ = run_cli(capsys, "layers", "export", study, "region", "-o", out_file)
    assert code == 0 and str(out_file) in out
    back = gpd.read_file(out_file)
    assert back.crs.to_epsg() == 31370 and back.geometry.iloc[0].area == pytest.approx(1.6e9)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("layers", "show", "{study}", "roads"), "no layer 'roads'"),
        (("layers", "remove", "{study}", "roads"), "no layer 'roads'"),
        (("layers", "export", "{study}", "region", "-o", "{tmp}/r.tif"), "expected an extension"),
        (("layers", "list", "{tmp}"), "not a study"),
    ],
)
def test_errors_are_one_line_with_exit_2(capsys, study, tmp_path, args, reason):
    filled = [a.format(study=study, tmp=tmp_path) for a in args]
    code, _, err = run_cli(capsys, *filled)
    assert code == 2 and err.count("\n") == 1 and reason in err, err
