"""The bad-input corpus through the real CLI: exit code 2, one line on stderr, study unchanged."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import tempfile
from pathlib import Path

import pyogrio
import pytest

from parkplan.cli import main
from parkplan.workspace import Workspace

_GENERATOR = Path(__file__).resolve().parents[1] / "data" / "make_bad_corpus.py"
_spec = importlib.util.spec_from_file_location("make_bad_corpus", _GENERATOR)
corpus = importlib.util.module_from_spec(_spec)
sys.modules["make_bad_corpus"] = corpus
_spec.loader.exec_module(corpus)


def run_cli(capsys, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def corpus_files(tmp_path_factory) -> dict[str, Path]:
    return corpus.build_corpus(tmp_path_factory.mktemp("bad"))


@pytest.fixture(scope="module")
def template_study(tmp_path_factory) -> Path:
    """A study with a region and one layer, ``parcels``."""
    folder = tmp_path_factory.mktemp("template")
    region = folder / "region.gpkg"
    pyogrio.write_dataframe(corpus.region_frame(), region, layer="region", driver="GPKG")
    parcels = folder / "parcels.gpkg"
    pyogrio.write_dataframe(corpus.parcels_frame(), parcels, layer="parcels", driver="GPKG")
    study = folder / "study"
    assert main(["init", str(study), "--region", str(region)]) == 0
    assert main(["layers", "add", str(study), str(parcels), "--name", "parcels"]) == 0
    return study


def snapshot(capsys, study: Path) -> tuple[str, list[str]]:
    """``layers list --json`` and the files of the workspace."""
    code, out, _ = run_cli(capsys, "layers", "list", study, "--json")
    assert code == 0
    files = sorted(str(p.relative_to(study)) for p in study.rglob("*") if p.name != ".lock")
    return out, files


def test_corpus_is_large_enough():
    assert len(corpus.CASES) >= 25
    assert len({case.name for case in corpus.CASES}) == len(corpus.CASES)


@pytest.mark.parametrize("case", corpus.CASES, ids=lambda case: case.name)
def test_case_through_the_cli(capsys, tmp_path, corpus_files, template_study, case):
    study = shutil.copytree(template_study, tmp_path / "study")
    before = snapshot(capsys, study)
    args = ["layers", "add", study, corpus_files[case.name], "--name", case.layer_name]
    code, out, err = run_cli(capsys, *args, *case.options)
    if case.expect == "refused":
        assert code == 2, out + err
        assert err.startswith("parkplan: ") and err.count("\n") == 1, err
        assert "Traceback" not in err and "internal error" not in err
        assert case.reason in err.lower(), err
        assert snapshot(capsys, study) == before
    else:
        assert code == 0, err
        assert case.reason in out.lower(), out
        listed = json.loads(snapshot(capsys, study)[0])
        assert [info["name"] for info in listed] == ["incoming", "parcels", "region"]


def test_self_intersecting_polygon_is_repaired_and_counted(
    capsys, tmp_path, corpus_files, template_study
):
    study = shutil.copytree(template_study, tmp_path / "study")
    source = corpus_files["self_intersecting_repaired"]
    assert main(["layers", "add", str(study), str(source), "--name", "bowtie"]) == 0
    capsys.readouterr()
    _, out, _ = run_cli(capsys, "layers", "list", study, "--json")
    entry = next(info for info in json.loads(out) if info["name"] == "bowtie")
    assert entry["validation"]["repaired_invalid"] == 1
    assert entry["feature_count"] == 2
    assert entry["geometry_type"] == "MultiPolygon"  # the repaired bow-tie is two triangles


@pytest.mark.parametrize("case", ["latin1_shapefile_without_cpg", "utf8_shapefile_without_cpg"])
def test_names_survive_either_encoding(tmp_path, corpus_files, template_study, case):
    study = shutil.copytree(template_study, tmp_path / "study")
    assert main(["layers", "add", str(study), str(corpus_files[case]), "--name", "names"]) == 0
    names = Workspace.open(study).read_vector("names")["name"]
    assert list(names) == ["Lo-Reninge", "Sint-Eloois-Vijve (Wielsbeke) é"]


def test_zip_slip_writes_nothing_outside(capsys, tmp_path, corpus_files, template_study):
    study = shutil.copytree(template_study, tmp_path / "study")
    for name in ("zip_slip_dotdot", "zip_slip_absolute"):
        assert main(["layers", "add", str(study), str(corpus_files[name]), "--name", "x"]) == 2
    capsys.readouterr()
    source = corpus_files["zip_slip_dotdot"]
    assert not (source.parent.parent / "evil.geojson").exists()
    assert not (Path(tempfile.gettempdir()).parent / "evil.geojson").exists()
    assert not (Path(tempfile.gettempdir()) / "evil.geojson").exists()
