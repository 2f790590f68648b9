"""``parkplan export``: a run's results as a self-describing folder, written all or nothing."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pyogrio
import pytest
import rasterio
from study_support import make_small_study, study_text

from parkplan import export as export_module
from parkplan.cli import main
from parkplan.export import MANIFEST_JSON, README_MD
from parkplan.run import run_study
from parkplan.study import STUDY_FILE
from webmap.browser import CHROMIUM_ENV
from webmap.errors import BrowserError

CHROMIUM = Path("/usr/bin/chromium")
#: A study name that would break a Markdown table taken literally.
AWKWARD_NAME = "Kleine | studie\nmet *regel*"
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    root = make_small_study(tmp_path_factory.mktemp("export") / "study")
    (root / STUDY_FILE).write_text(study_text(root, name=AWKWARD_NAME), encoding="utf-8")
    run_study(root)
    return root


@pytest.fixture(scope="module")
def exported(study, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("exported") / "out"
    assert main(["export", str(study), "--to", str(target), "--no-pdf"]) == 0
    return target


def run_cli(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().err


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / MANIFEST_JSON).read_text(encoding="utf-8"))


def table_rows(folder: Path) -> list[list[str]]:
    """The cells of every table row of the README (header and rule rows included)."""
    lines = (folder / README_MD).read_text(encoding="utf-8").splitlines()
    return [
        [c.strip() for c in UNESCAPED_PIPE.split(line)[1:-1]] for line in lines if line[:1] == "|"
    ]


def file_rows(folder: Path) -> dict[str, list[str]]:
    """The README's file table: file -> (what, CRS, source)."""
    rows = table_rows(folder)
    end = next(i for i, row in enumerate(rows[2:], start=2) if row[0] == "---")
    return {row[0].replace("\\", ""): row[1:] for row in rows[2 : end - 1]}


def test_every_listed_file_exists_with_its_sha256_and_size(exported):
    files = manifest_of(exported)["files"]
    for entry in files:
        path = exported / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], entry["file"]
        assert path.stat().st_size == entry["bytes"]
    listed = {entry["file"] for entry in files}
    assert set(file_rows(exported)) == listed
    on_disk = {p.relative_to(exported).as_posix() for p in exported.rglob("*") if p.is_file()}
    assert on_disk == listed | {README_MD, MANIFEST_JSON}
    assert {"sites.gpkg", "ledger.xlsx", "suitability.tif", "suitability.qml", "run.json"} <= listed
    assert "project.qgz" in listed
    assert any(name.startswith("criteria/") for name in listed)


def test_the_copies_are_the_current_run_files(study, exported):
    folder = (study / "runs" / "latest").resolve()
    manifest = manifest_of(exported)
    assert manifest["run_id"] == folder.name
    for entry in manifest["files"]:
        original = hashlib.sha256((folder / entry["file"]).read_bytes()).hexdigest()
        assert original == entry["sha256"], entry["file"]


def test_the_crs_is_read_from_each_spatial_file(exported):
    rows = file_rows(exported)
    kinds = {entry["file"]: entry for entry in manifest_of(exported)["files"]}
    assert pyogrio.read_info(exported / "sites.gpkg", layer="sites")["crs"] == "EPSG:31370"
    for name, entry in kinds.items():
        if name.endswith((".gpkg", ".tif")):
            assert entry["crs"] == "EPSG:31370", name
            assert rows[name][1] == "EPSG:31370", name
        else:
            assert entry["crs"] is None, name
            assert rows[name][1] == "geen", name
    with rasterio.open(exported / "suitability.tif") as raster:
        assert raster.crs.to_epsg() == 31370


def test_the_source_names_the_run_the_study_and_the_layers(study, exported):
    run = json.loads((study / "run.json").read_text(encoding="utf-8"))["run"]
    manifest = manifest_of(exported)
    for what, crs, source in file_rows(exported).values():
        assert run["run_id"] in source and what and crs
    layers = {layer["name"]: layer for layer in manifest["layers"]}
    assert {name: layer["sha256"] for name, layer in layers.items()} == run["inputs_sha256"]
    assert layers["stations"]["file_name"] == "stations.gpkg"
    assert layers["stations"]["loaded_at"]
    station = next(f for f in manifest["files"] if f["file"] == "criteria/station.tif")
    assert station["layers"] == ["stations"]
    layer_table = table_rows(exported)[-len(layers) :]
    assert [row[0] for row in layer_table] == sorted(layers)
    assert all(row[1] == f"{row[0]}.gpkg" and len(row[3]) == 64 for row in layer_table)


def test_a_study_name_with_a_pipe_and_a_newline_keeps_the_table_whole(exported):
    text = (exported / README_MD).read_text(encoding="utf-8")
    assert all(len(row) == 4 for row in table_rows(exported))
    assert "Kleine \\| studie met \\*regel\\*" in text
    assert not any(line.startswith("met ") for line in text.splitlines())
    assert manifest_of(exported)["study"] == AWKWARD_NAME
    assert "burgemeestersoverleg" in text and "Bronlagen" in text


def test_a_folder_that_is_not_empty_is_refused_and_left_alone(study, tmp_path, capsys):
    target = tmp_path / "out"
    target.mkdir()
    (target / "notes.txt").write_text("mine", encoding="utf-8")
    code, err = run_cli(capsys, "export", str(study), "--to", str(target), "--no-pdf")
    assert code == 2
    assert err.count("\n") == 1 and "not empty" in err
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_file_in_the_way_is_refused(study, tmp_path, capsys):
    target = tmp_path / "out"
    target.write_text("mine", encoding="utf-8")
    code, err = run_cli(capsys, "export", str(study), "--to", str(target), "--no-pdf")
    assert code == 2 and err.count("\n") == 1 and "not a folder" in err
    assert target.read_text(encoding="utf-8") == "mine"


def test_an_empty_folder_is_filled(study, tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    assert main(["export", str(study), "--to", str(target), "--no-pdf", "--lang", "en"]) == 0
    text = (target / README_MD).read_text(encoding="utf-8")
    assert "| file | what it is | CRS | source |" in text and "Source layers" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_no_pdf_needs_no_chromium(study, tmp_path, monkeypatch):
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "no-chromium"))
    target = tmp_path / "out"
    assert main(["export", str(study), "--to", str(target), "--no-pdf"]) == 0
    assert not (target / "dossier.pdf").exists()
    assert "dossier.pdf" not in {f["file"] for f in manifest_of(target)["files"]}


def test_a_missing_chromium_is_one_line_naming_both_ways_out(study, tmp_path, capsys):
    target = tmp_path / "out"
    missing = tmp_path / "no-chromium"
    code, err = run_cli(
        capsys, "export", str(study), "--to", str(target), "--chromium", str(missing)
    )
    assert code == 2 and err.count("\n") == 1
    assert "--chromium" in err and "--no-pdf" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.browser
def test_the_dossier_is_printed_as_a_pdf_of_several_pages(study, tmp_path):
    target = tmp_path / "out"
    args = ["export", str(study), "--to", str(target), "--chromium", str(CHROMIUM)]
    assert main(args) == 0
    pdf = target / "dossier.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert int(re.search(r"Pages:\s+(\d+)", info.stdout)[1]) > 1
    entry = next(f for f in manifest_of(target)["files"] if f["file"] == "dossier.pdf")
    assert entry["kind"] == "document" and entry["crs"] is None
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == entry["sha256"]
    assert "dossier.pdf" in file_rows(target)


def test_a_failure_midway_leaves_no_folder(study, tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise BrowserError("Chromium crashed while printing")

    monkeypatch.setattr(export_module, "html_to_pdf", broken)
    target = tmp_path / "out"
    code, err = run_cli(
        capsys, "export", str(study), "--to", str(target), "--chromium", str(CHROMIUM)
    )
    assert code == 2 and "crashed" in err
    assert list(tmp_path.iterdir()) == []


def test_a_failure_midway_leaves_an_empty_folder_empty(study, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_module, "write_manifest", broken)
    target = tmp_path / "out"
    target.mkdir()
    assert main(["export", str(study), "--to", str(target), "--no-pdf"]) == 1
    assert list(target.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
