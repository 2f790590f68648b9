"""``parkplan init`` and ``parkplan layers ...`` through the real command line."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin
from shapely.geometry import MultiPoint, Point, box

from parkplan.cli import main
from parkplan.workspace import Workspace

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


def test_a_layer_the_study_uses_is_removed_only_with_force(capsys, study):
    code, _, err = run_cli(capsys, "layers", "remove", study, "region")
    assert code == 2
    assert "layer 'region' is used by the region; take them out of study.toml first" in err
    assert "--force" in err and len(err.strip().splitlines()) == 1
    code, out, _ = run_cli(capsys, "layers", "list", study, "--json")
    assert [entry["name"] for entry in json.loads(out)] == ["region"]
    code, out, err = run_cli(capsys, "layers", "remove", study, "region", "--force")
    assert code == 0 and "removed region" in out, err


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


# -- layers outside the study region ---------------------------------------------------------

TO_WGS84 = Transformer.from_crs(L72, "EPSG:4326", always_xy=True)
#: Points near Münster and Osnabrück, about 330 km east of the region of ``study``.
GERMANY = [(7.6, 51.95), (8.05, 52.28)]


def write_points(path: Path, lon_lat, crs: str | None = None) -> Path:
    """WGS84 points as GeoJSON (without a ``crs`` member: the RFC 7946 default) or else."""
    frame = gpd.GeoDataFrame(
        {"node": range(len(lon_lat))}, geometry=[Point(p) for p in lon_lat], crs="EPSG:4326"
    )
    if path.suffix == ".geojson":  # written as text, so that no 'crs' member is added
        path.write_text(frame.to_json(drop_id=True), encoding="utf-8")
    else:
        pyogrio.write_dataframe(frame, path)
    return path


def east_of_study(km: tuple[float, ...]) -> list[tuple[float, float]]:
    """WGS84 points ``km`` east of the region box of ``study`` (its east edge is x = 80 km)."""
    lon, lat = TO_WGS84.transform([80_000 + 1000 * k for k in km], [190_000] * len(km))
    return list(zip(lon, lat, strict=True))


def assert_warned(err: str, pattern: str) -> None:
    """``err`` is one warning line matching ``pattern``."""
    assert err.startswith("parkplan: warning: ") and err.count("\n") == 1, err
    assert re.search(pattern, err), err


def write_raster_east(path: Path, km: float) -> Path:
    """A 2 km Lambert 72 raster ``km`` east of the region box of ``study``."""
    profile = {"driver": "GTiff", "width": 20, "height": 20, "count": 1, "dtype": "uint8"}
    transform = from_origin(80_000 + 1000 * km, 191_000, 100, 100)
    with rasterio.open(path, "w", crs=L72, transform=transform, **profile) as dst:
        dst.write(np.ones((1, 20, 20), dtype="uint8"))
    return path


@pytest.mark.parametrize("kind", ["vector", "raster"])
def test_a_layer_far_away_is_loaded_with_a_one_line_warning(capsys, study, tmp_path, kind):
    if kind == "vector":
        path = write_points(tmp_path / "hv_nodes.geojson", east_of_study((30, 45, 60)))
    else:
        path = write_raster_east(tmp_path / "hv_nodes.tif", 30)
    code, out, err = run_cli(capsys, "layers", "add", study, path, "--name", "hv_nodes")
    assert code == 0, err
    assert_warned(err, rf"{path.name} lies entirely outside the study region: .* 30\.0 km")
    code, out, _ = run_cli(capsys, "layers", "show", study, "hv_nodes")
    assert code == 0 and re.search(rf"  - {path.name} lies entirely .* 30\.0 km away", out)


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"], ids=["geojson_default", "declared"])
def test_allow_outside_loads_points_300_km_away(capsys, study, tmp_path, suffix):
    far = write_points(tmp_path / f"germany{suffix}", GERMANY)
    args = ("layers", "add", study, far, "--name", "far_nodes")
    code, _, err = run_cli(capsys, *args)
    assert code == 2 and err.count("\n") == 1 and "--allow-outside" in err, err
    code, out, err = run_cli(capsys, *args, "--allow-outside")
    assert code == 0, err
    assert_warned(err, r"outside the study region: its nearest feature is 3\d\d\.\d km away")
    code, out, _ = run_cli(capsys, "layers", "show", study, "far_nodes")
    assert re.search(r"  - germany.* nearest feature is 3\d\d\.\d km away", out), out


# -- real data: a Westhoek study ---------------------------------------------------------------

WESTHOEK = ("Alveringem", "De Panne", "Koksijde", "Lo-Reninge", "Veurne", "Vleteren")


@pytest.fixture
def westhoek_study(capsys, tmp_path, realdata) -> Path:
    """A study whose region is the six Westhoek municipalities (real outlines)."""
    towns = gpd.read_file(realdata / "west_flanders_municipalities_2025_lambert72.geojson")
    region = tmp_path / "westhoek.gpkg"
    pyogrio.write_dataframe(towns[towns["name"].isin(WESTHOEK)], region)
    root = tmp_path / "westhoek"
    code, _, err = run_cli(capsys, "init", root, "--region", region)
    assert code == 0, err
    return root


def high_voltage_nodes(study: Path) -> tuple[list[tuple[float, float]], float]:
    """WGS84 points 30–60 km east of the Westhoek, and their distance to it in km."""
    region = Workspace.open(study).read_vector("region").geometry.union_all()
    x1, (y0, y1) = region.bounds[2], region.bounds[1::2]
    xs, ys = [x1 + 1000 * k for k in (30, 40, 50, 60)], [(y0 + y1) / 2] * 4
    distance_km = region.distance(MultiPoint(list(zip(xs, ys, strict=True)))) / 1000
    lon, lat = TO_WGS84.transform(xs, ys)
    return list(zip(lon, lat, strict=True)), distance_km


def test_westhoek_takes_the_stations_and_far_nodes_not_swapped_ones(
    capsys, westhoek_study, realdata, tmp_path
):
    stations = realdata / "flanders_brussels_railway_stations_irail_wgs84.geojson"
    code, out, err = run_cli(
        capsys, "layers", "add", westhoek_study, stations, "--name", "stations"
    )
    assert code == 0 and err == "" and "300 Point features" in out, err

    nodes, distance_km = high_voltage_nodes(westhoek_study)
    assert 30 <= distance_km < 35
    path = write_points(tmp_path / "hv_nodes.geojson", nodes)
    code, _, err = run_cli(capsys, "layers", "add", westhoek_study, path, "--name", "hv_nodes")
    assert code == 0, err
    assert_warned(err, rf"nearest feature is {distance_km:.1f} km away \(in EPSG:31370\)")

    swapped = write_points(tmp_path / "swapped.geojson", [(lat, lon) for lon, lat in nodes])
    code, _, err = run_cli(capsys, "layers", "add", westhoek_study, swapped, "--name", "swapped")
    assert code == 2 and err.count("\n") == 1 and "latitude and longitude look swapped" in err
