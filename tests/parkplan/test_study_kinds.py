"""Criteria and exclusions told apart by their ``kind``: each kind's keys, and the study files
that use them."""

from __future__ import annotations

import tomllib

import pytest
from model_support import MODEL
from study_support import CRS
from study_support import model as small_model

from parkplan.demo import demo_model
from parkplan.examples import westhoek
from parkplan.study import (
    BufferExclusion,
    DistanceCriterion,
    InsideExclusion,
    RasterCriterion,
    RasterExclusion,
    ZoneShareCriterion,
    ZoningCriterion,
    ZoningExclusion,
    load_study,
    parse_study,
    save_study,
    validate_study,
    write_new_study,
)

TRANSFORM = 'transform = { kind = "linear", a = 0.0, b = 1.0 }'
#: Each kind with the keys it needs (TOML lines).
KINDS = [
    ("criteria", DistanceCriterion, "distance", [TRANSFORM]),
    ("criteria", RasterCriterion, "raster", [TRANSFORM]),
    ("criteria", ZoningCriterion, "zoning", [TRANSFORM, 'column = "zone"']),
    (
        "criteria",
        ZoneShareCriterion,
        "zone_share",
        [TRANSFORM, 'column = "zone"', 'categories = ["industrie"]', "radius_m = 300.0"],
    ),
    ("exclusions", InsideExclusion, "inside", []),
    ("exclusions", BufferExclusion, "buffer", ["buffer_m = 100.0"]),
    ("exclusions", ZoningExclusion, "zoning", ['column = "zone"', 'allowed = ["industrie"]']),
    ("exclusions", RasterExclusion, "raster", ['op = ">"', "value = 12.0"]),
]


#: The criterion a study of an exclusion needs.
CRITERION = ["[[criteria]]", 'name = "c"', 'kind = "distance"', 'layer = "l"', TRANSFORM, ""]


def item_text(section: str, kind: str, lines: list[str]) -> str:
    """A study with one item of ``section`` (and a criterion, which a study needs)."""
    other = [] if section == "criteria" else CRITERION
    item = [f"[[{section}]]", 'name = "item"', f'kind = "{kind}"', 'layer = "l"', *lines]
    return "\n".join(['name = "kinds"', "", *other, *item]) + "\n"


def problems(text: str) -> list[str]:
    return [p.text() for p in validate_study(tomllib.loads(text), text=text).problems]


@pytest.mark.parametrize(("section", "model", "kind", "lines"), KINDS)
def test_each_kind_reads_as_its_own_model(section, model, kind, lines):
    text = item_text(section, kind, lines)
    study = parse_study(tomllib.loads(text))
    (item,) = [i for i in getattr(study, section) if i.name == "item"]
    assert type(item) is model


@pytest.mark.parametrize(
    ("section", "kind", "lines", "left_out"),
    [
        (section, kind, lines, line.split(" =")[0])
        for section, _, kind, lines in KINDS
        for line in lines
        if line != TRANSFORM
    ],
)
def test_a_kind_without_a_key_it_needs_is_refused_at_its_place(section, kind, lines, left_out):
    text = item_text(section, kind, [line for line in lines if not line.startswith(left_out)])
    header = text.splitlines().index(f"[[{section}]]") + 1
    assert problems(text) == [
        f'study.toml:{header}: [[{section}]] #1 "item" → {left_out}: is required but missing '
        f"(fix: add {left_out} = …; see "
        f"docs/study-toml.md#{section})"
    ]


@pytest.mark.parametrize(
    ("section", "kind", "line", "owner"),
    [
        ("exclusions", "inside", "buffer_m = 100.0", "buffer"),
        ("exclusions", "buffer", 'op = ">"', "raster"),
        ("criteria", "distance", 'column = "zone"', "zoning' or 'zone_share"),
        ("criteria", "zoning", "radius_m = 300.0", "zone_share"),
    ],
)
def test_a_key_of_another_kind_is_refused_at_its_line(section, kind, line, owner):
    needed = next(lines for s, _, k, lines in KINDS if (s, k) == (section, kind))
    text = item_text(section, kind, [*needed, line])
    key = line.split(" =")[0]
    (found,) = problems(text)
    line_number = text.splitlines().index(line) + 1
    assert found.startswith(f'study.toml:{line_number}: [[{section}]] #1 "item" → {key}: ')
    assert f"{key} is a key of kind '{owner}', not of '{kind}'" in found
    assert "(fix: remove it, or set kind = " in found


def test_a_misspelt_key_of_another_kind_names_that_kind():
    text = item_text("criteria", "distance", [TRANSFORM, 'colum = "zone"'])
    (found,) = problems(text)
    assert "unknown key colum; column is a key of kind 'zoning' or 'zone_share'" in found


@pytest.mark.parametrize(
    ("section", "given", "meant"),
    [("criteria", "distanse", "distance"), ("exclusions", "bufer", "buffer")],
)
def test_an_unknown_kind_is_one_problem_at_the_kind_line(section, given, meant):
    text = item_text(section, given, [TRANSFORM] if section == "criteria" else [])
    (found,) = problems(text)
    line_number = text.splitlines().index(f'kind = "{given}"') + 1
    assert found.startswith(f'study.toml:{line_number}: [[{section}]] #1 "item" → kind: ')
    assert f"did you mean '{meant}'?" in found and "\n" not in found


def study_files(tmp_path) -> dict[str, dict]:
    """The studies of the tests, the demo, the Westhoek example and ``parkplan init``."""
    write_new_study(tmp_path / "init", crs=CRS, name="new")
    partners = [{"name": "Westdorp", "population": 6000, "demand_ha": 3.0}]
    small = {"name": "small", "crs": CRS, **small_model()}
    return {
        "small": small,
        "model": small | MODEL,
        "demo": {"name": "demo", **demo_model(partners)},
        "westhoek": {"name": "westhoek", **westhoek.model()},
        "init": tomllib.loads((tmp_path / "init" / "study.toml").read_text(encoding="utf-8")),
    }


def test_every_study_file_round_trips(tmp_path):
    for name, data in study_files(tmp_path).items():
        study = parse_study(data)
        root = tmp_path / "saved" / name
        root.mkdir(parents=True)
        save_study(study, root)
        assert load_study(root) == study, name
