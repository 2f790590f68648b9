"""study.toml: schema validation, scenarios, round trip."""

from __future__ import annotations

import pytest

from parkplan.errors import StudyError
from parkplan.study import (
    SCHEMA_VERSION,
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
        ({"exclusions": [{"name": "b", "kind": "buffer", "layer": "l"}]}, "needs ['buffer_m']"),
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
