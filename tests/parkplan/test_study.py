"""study.toml: schema validation, scenarios, round trip."""

from __future__ import annotations

import re
import tomllib

import pytest

from equalisation import keys
from geo import transforms
from parkplan.errors import StudyError
from parkplan.study import (
    SCHEMA_VERSION,
    InvalidStudyError,
    Study,
    load_study,
    parse_study,
    save_study,
    study_toml,
    write_new_study,
)

CRITERIA = [
    {
        "name": "motorway",
        "kind": "distance",
        "layer": "exits",
        "weight": 3.0,
        "transform": {"kind": "linear", "direction": "decreasing", "c": 0.0, "d": 5000.0},
    },
    {
        "name": "housing",
        "kind": "distance",
        "layer": "residential",
        "weight": 1.0,
        "transform": {"kind": "linear", "a": 100.0, "b": 1000.0},
    },
]


def minimal(**extra) -> dict:
    return {"name": "test", "criteria": CRITERIA, **extra}


def test_round_trip_keeps_every_value(tmp_path):
    study = parse_study(minimal(scenarios=[{"name": "alt", "weights": {"motorway": 1.0}}]))
    save_study(study, tmp_path)
    assert load_study(tmp_path) == study
    assert f"schema_version = {SCHEMA_VERSION}" in study_toml(study)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"cell_size_m": -10}, "cell_size_m"),
        ({"schema_version": 99}, "schema_version 99 is not supported"),
        ({"surprise": 1}, "surprise"),
        ({"criteria": [*CRITERIA, CRITERIA[0]]}, "duplicate names ['motorway']"),
        ({"scenarios": [{"name": "x", "weights": {"nope": 1.0}}]}, "unknown criteria ['nope']"),
        ({"exclusions": [{"name": "b", "kind": "buffer", "layer": "l"}]}, "buffer_m: is required"),
        ({"cell_size_m": float("nan")}, "cell_size_m"),
        ({"workspace": "postgresql://ana:secret@db:5432/parks"}, "holds a password"),
        ({"workspace": "mysql://ana@db/parks"}, "not a PostgreSQL URL"),
    ],
)
def test_bad_study_is_one_line_naming_the_place(change, fragment):
    with pytest.raises(StudyError) as caught:
        parse_study(minimal(**change))
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message


def test_scenario_applies_weights_and_drops_exclusions():
    study = parse_study(
        minimal(
            exclusions=[{"name": "flood", "kind": "inside", "layer": "flood"}],
            scenarios=[{"name": "alt", "weights": {"motorway": 0.5}, "drop_exclusions": ["flood"]}],
        )
    )
    variant = study.scenario("alt")
    assert [c.weight for c in variant.criteria] == [0.5, 1.0]
    assert variant.exclusions == []
    assert study.scenario(None) is study
    with pytest.raises(StudyError, match="unknown scenario 'other'; known scenarios: \\['alt'\\]"):
        study.scenario("other")


def test_missing_and_broken_files_are_study_errors(tmp_path):
    with pytest.raises(StudyError, match=r"study\.toml not found"):
        load_study(tmp_path)
    (tmp_path / "study.toml").write_text("name = [unclosed", encoding="utf-8")
    with pytest.raises(StudyError, match="not valid TOML"):
        load_study(tmp_path)


def test_new_study_refuses_to_overwrite(tmp_path):
    write_new_study(tmp_path, crs="EPSG:31370", name="one")
    assert load_study(tmp_path).name == "one"
    with pytest.raises(StudyError, match="already holds"):
        write_new_study(tmp_path)


BAD_STUDY = """\
name = "bad"
cell_size_m = -5
surprise = 1

[[criteria]]
name = "motorway"
kind = "distance"
layer = "exits"
weight = 1.0
transform = { kind = "linear", direction = "decreasing", c = 0.0, d = 5000.0 }

[[criteria]]
name = "rail"
kind = "distance"
layer = "stations"
transform = { kind = "linear", c = "near" }

[[criteria]]
name = "motorway"
kind = "distance"
layer = "exits"
transform.kind = "linear"

[[scenarios]]
name = "alt"
weights = { nope = 1.0 }

[sites]
source = "layer"
"""


def line_of(text: str, fragment: str) -> int:
    return next(n for n, row in enumerate(text.split("\n"), 1) if fragment in row)


def test_load_reports_every_problem_with_its_line_and_place(tmp_path):
    (tmp_path / "study.toml").write_text(BAD_STUDY, encoding="utf-8")
    with pytest.raises(InvalidStudyError) as caught:
        load_study(tmp_path)
    found = {(p.line, p.place) for p in caught.value.problems}
    assert found == {
        (2, "cell_size_m"),
        (3, "surprise"),
        (line_of(BAD_STUDY, 'c = "near"'), '[[criteria]] #2 "rail" → transform.c'),
        (19, '[[criteria]] #3 "motorway" → name'),
        (line_of(BAD_STUDY, "nope = 1.0"), '[[scenarios]] #1 "alt" → weights.nope'),
        (line_of(BAD_STUDY, "[sites]"), "[sites]"),
    }
    assert all(p.fix for p in caught.value.problems)
    lines = [p.line for p in caught.value.problems]
    assert lines == sorted(lines)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path / 'study.toml'} has 6 problems: line 2 cell_size_m: ")
    assert "given -5" in message and "(fix: " in message


def test_one_line_message_names_the_first_problems_and_counts_the_rest():
    criteria = [{**CRITERIA[0], "name": f"c{i}", "weight": -1.0} for i in range(12)]
    with pytest.raises(InvalidStudyError) as caught:
        parse_study({"name": "many", "criteria": criteria})
    assert len(caught.value.problems) == 12
    assert "has 12 problems" in str(caught.value)
    assert "and 4 more ('parkplan check' lists them all)" in str(caught.value)


def test_new_study_is_a_commented_template_that_loads_as_the_defaults(tmp_path):
    write_new_study(tmp_path, crs="EPSG:31370", name='Studie "Oost"')
    text = (tmp_path / "study.toml").read_text(encoding="utf-8")
    assert "docs/study-toml.md" in text
    assert "parkplan check" in text
    assert load_study(tmp_path) == Study(name='Studie "Oost"', crs="EPSG:31370")
    for section in Study.model_fields:
        assert section in text, f"the template does not mention {section}"
    for kind in (*transforms.KINDS, *keys.KINDS):
        assert kind in text, f"the template does not mention {kind}"


def test_uncommented_template_is_a_valid_study_with_every_optional_section(tmp_path):
    write_new_study(tmp_path, name="full")
    text = (tmp_path / "study.toml").read_text(encoding="utf-8")
    uncommented = re.sub(r"(?m)^# (?=\[|[a-z][a-z0-9_]* = )", "", text)
    study = parse_study(tomllib.loads(uncommented), text=uncommented)
    assert study.partners and study.criteria and study.exclusions and study.scenarios
    assert study.keys and study.layers and study.basemap is not None
    assert study.unknowns.assume and study.finance.assumptions.model_fields_set
    assert study.mechanisms.spec()
    commented = {m.group(1) for m in re.finditer(r"(?m)^# \[+([a-z_]+)", text)}
    assert {"partners", "keys", "basemap", "study_area", "unknowns"} <= commented
