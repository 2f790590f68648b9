"""``parkplan check``: every problem of a study, with its line, without computing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from postgis_support import (
    drop_schema,
    new_schema,
    postgres_url,
    unreachable_reason,
    write_postgis_study,
)
from study_support import make_small_study

from parkplan.check import check_study
from parkplan.cli import main
from parkplan.workspace import Workspace

BAD = """\
name = "Kleine studie"
crs = "EPSG:31370"
cell_size_m = 25.0

[[layers]]
name = "rivers"
source = "nowhere/rivers.gpkg"

[[exclusions]]
name = "nature"
kind = "inside"
layer = "nature"

[[exclusions]]
name = "zoning"
kind = "zoning"
layer = "housing"
column = "zone"
allowed = ["industry"]

[[criteria]]
name = "station"
kind = "distance"
layer = "stations"
weight = 0.5
transform = { kind = "linear", direction = "decreasing", c = 200.0, d = 4000.0 }

[[criteria]]
name = "road"
kind = "distance"
layer = "roads"
weight = 0.5
transform = { kind = "sigmoid", direction = "decreasing", c = 100.0 }

[[criteria]]
name = "rail"
kind = "distance"
layer = "stations"
weight = -1
transform = { kind = "linear", a = 0.0, b = 10.0 }

[[partners]]
name = "Aarbeke"
population = 6200
demand_ha = 3.0
municipal_opcentiemen = 900.0

[[partners]]
name = "Bovendyk"
population = 14800
demand_ha = 6.5
municipal_opcentiemen = 1300.0

[[partners]]
name = "Calvene"
population = 3900
demand_ha = 2.0
municipal_opcentiemen = "unknown"

[finance.assumptions]
net_shar = 0.7
sale_price_eur_per_m2_net = -70.0

[keys.population]
kind = "populaton"
"""


def line(fragment: str, after: str = "") -> int:
    """The line of ``BAD`` holding ``fragment`` (the first after the line holding ``after``)."""
    rows = BAD.split("\n")
    start = next(n for n, row in enumerate(rows) if after in row) if after else 0
    return next(n for n, row in enumerate(rows[start:], start + 1) if fragment in row)


#: (line, place, a fragment of the message) of every problem of ``BAD``.
EXPECTED = {
    (line("source = "), '[[layers]] #1 "rivers" → source', "does not exist"),
    (line('column = "zone"'), '[[exclusions]] #2 "zoning" → column', "no column 'zone'"),
    (line('layer = "roads"'), '[[criteria]] #2 "road" → layer', "did you mean 'road'?"),
    (line('kind = "sigmoid"'), '[[criteria]] #2 "road" → transform', "without d"),
    (line("weight = -1"), '[[criteria]] #3 "rail" → weight', "greater than or equal to 0"),
    (line('name = "Bovendyk"'), '[[partners]] #2 "Bovendyk" → name', "closest: Bovendijk"),
    (
        line('municipal_opcentiemen = "unknown"'),
        '[[partners]] #3 "Calvene" → municipal_opcentiemen',
        "a run needs it for the property tax",
    ),
    (line("net_shar ="), "[finance.assumptions] → net_shar", "did you mean 'net_share'?"),
    (
        line("sale_price"),
        "[finance.assumptions] → sale_price_eur_per_m2_net",
        "greater than or equal to 0",
    ),
    (line('kind = "populaton"'), "[keys.population] → kind", "'populaton' is unknown"),
}


@pytest.fixture(scope="module")
def good_study(tmp_path_factory) -> Path:
    return make_small_study(tmp_path_factory.mktemp("check") / "study")


@pytest.fixture
def bad_study(good_study: Path, tmp_path: Path) -> Path:
    root = tmp_path / "bad"
    shutil.copytree(good_study, root)
    (root / "study.toml").write_text(BAD, encoding="utf-8")
    return root


def test_every_problem_is_reported_with_its_line_place_and_fix(bad_study):
    report = check_study(bad_study)
    found = {(p.line, p.place) for p in report.problems}
    assert found == {(n, place) for n, place, _ in EXPECTED}
    for n, place, fragment in EXPECTED:
        (match,) = [p for p in report.problems if (p.line, p.place) == (n, place)]
        assert fragment in match.message, match
        assert match.fix
    assert [p.line for p in report.problems] == sorted(p.line for p in report.problems)
    assert not report.ok


@pytest.fixture
def postgis_schema() -> str:
    """A fresh schema on the test PostGIS server (skips without one), dropped afterwards."""
    if reason := unreachable_reason():
        pytest.skip(reason)
    schema = new_schema()
    yield schema
    drop_schema(schema)


def test_a_postgis_study_is_checked_from_its_tables(good_study, tmp_path, postgis_schema):
    """The columns and the municipality names come from the database, not from files."""
    root = tmp_path / "pg"
    write_postgis_study(root, schema=postgis_schema)
    workspace = Workspace.create(root)
    for source in sorted((good_study.parent / f"{good_study.name}-sources").glob("*.gpkg")):
        workspace.add_layer(source, source.stem)
    url = f"{postgres_url()}?schema={postgis_schema}"
    text = BAD.replace("cell_size_m = 25.0\n", f'cell_size_m = 25.0\nworkspace = "{url}"\n')
    (root / "study.toml").write_text(text, encoding="utf-8")
    report = check_study(root)
    assert not list(workspace.folder.glob("layers/*"))
    assert {(p.line, p.place) for p in report.problems} == {(n + 1, at) for n, at, _ in EXPECTED}
    for n, place, fragment in EXPECTED:
        (match,) = [p for p in report.problems if (p.line, p.place) == (n + 1, place)]
        assert fragment in match.message, match


def test_cli_lists_the_problems_one_per_line_and_exits_2(capsys, bad_study):
    code = main(["check", str(bad_study)])
    out, err = capsys.readouterr()
    assert code == 2
    problems = [row for row in out.splitlines() if not row.startswith("note: ")]
    assert len(problems) == len(EXPECTED)
    first = min(EXPECTED)
    assert problems[0] == (
        f"study.toml:{first[0]}: {first[1]}: layer 'rivers' is not in the workspace, and its "
        "source 'nowhere/rivers.gpkg' does not exist (relative to the folder the command runs "
        "in) (fix: correct the path, or load the layer with 'parkplan layers add')"
    )
    assert all(row.startswith("study.toml:") and "(fix: " in row for row in problems)
    assert err.count("\n") == 1
    assert err.startswith(f"parkplan: {len(EXPECTED)} problems in ")


def test_json_report(capsys, bad_study):
    code = main(["check", str(bad_study), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 2
    assert report["ok"] is False
    assert {(p["line"], p["place"]) for p in report["problems"]} == {
        (n, place) for n, place, _ in EXPECTED
    }
    assert set(report["problems"][0]) == {"line", "place", "message", "fix"}


def test_good_study_passes_with_notes(capsys, good_study):
    code = main(["check", str(good_study)])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert out.startswith("study OK")
    assert "note: " in out and "illustrative" in out
    assert err == ""


def test_assumed_facts_are_notes_not_problems(good_study, tmp_path):
    root = tmp_path / "median"
    shutil.copytree(good_study, root)
    text = (root / "study.toml").read_text(encoding="utf-8")
    text = text.replace("municipal_opcentiemen = 900.0", 'municipal_opcentiemen = "unknown"')
    text = text.replace('fallback = "refuse"', 'fallback = "median"')
    (root / "study.toml").write_text(text, encoding="utf-8")
    report = check_study(root)
    assert report.ok, report.problems
    assert any("Aarbeke: municipal_opcentiemen = 1200 (assumed" in note for note in report.notes)


def test_syntax_error_is_one_problem_with_its_line(tmp_path):
    (tmp_path / "study.toml").write_text('name = "x"\ncell_size_m = = 3\n', encoding="utf-8")
    (problem,) = check_study(tmp_path).problems
    assert problem.line == 2
    assert "not valid TOML" in problem.message


def test_study_without_workspace_says_how_to_make_one(tmp_path):
    (tmp_path / "study.toml").write_text('name = "x"\n', encoding="utf-8")
    places = {p.place: p for p in check_study(tmp_path).problems}
    assert "parkplan init" in places["(top level)"].fix
    assert "no [[criteria]]" in places["criteria"].message
