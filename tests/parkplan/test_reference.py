"""The reference of ``study.toml``: generated from the schema, committed, never stale."""

from __future__ import annotations

import dataclasses
import json

from pydantic import BaseModel

from equalisation import finance, keys, mechanisms
from geo import aggregation, transforms, weights
from parkplan.cli import main
from parkplan.reference import (
    DOCS_DIR,
    JSON_SCHEMA,
    MARKDOWN,
    reference_files,
    reference_markdown,
    stale_files,
    study_json_schema,
)
from parkplan.study import Study
from parkplan.study_problems import annotation_at, models_in


def models(model: type[BaseModel] = Study, seen: set | None = None):
    """``model`` and every model its fields hold (unions too), once each."""
    seen = set() if seen is None else seen
    if model in seen:
        return
    seen.add(model)
    yield model
    for name in model.model_fields:
        for candidate in (annotation_at(model, (name,)), annotation_at(model, (name, 0))):
            for inner in models_in(candidate):
                yield from models(inner, seen)


def test_committed_reference_is_what_the_schema_generates():
    stale = stale_files(DOCS_DIR)
    assert not stale, f"{stale} in docs/ are out of date: run python -m parkplan.reference"


def test_every_key_of_the_schema_has_a_description_and_a_row():
    text = reference_markdown()
    for model in models():
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no Field(description=...)"
            shown = (f"| `{name}` |", f"## `[{name}]`", f"## `[[{name}]]`")
            assert any(form in text for form in shown), f"{model.__name__}.{name} is missing"


def test_the_libraries_option_sets_are_all_documented():
    text = reference_markdown()
    options = [
        *transforms.KINDS,
        *transforms.DIRECTIONS,
        *aggregation.METHODS,
        *weights.RANK_METHODS,
        *keys.KINDS,
        *mechanisms.REGISTRY,
        *(f.name for f in dataclasses.fields(finance.FinanceAssumptions)),
    ]
    for option in options:
        assert f"`{option}`" in text, f"{option} is not documented"


def test_units_come_from_the_names():
    text = reference_markdown()
    assert "| `cell_size_m` | number | metres | `10.0` | ≥ 0.1, ≤ 10 000 |" in text
    assert "| `min_area_ha` | number | hectares | `5.0` |" in text
    assert '| `capital_eur` | number | euros | — | ≥ 0, ≤ 1e+13; or `"unknown"` |' in text


def test_json_schema_is_the_models_with_the_libraries_option_sets():
    schema = study_json_schema()
    defs = schema["$defs"]
    population = defs["PartnerConfig"]["properties"]["population"]
    assert {"const": "unknown"} in population["anyOf"]
    assumptions = defs["FinanceAssumptionsConfig"]
    assert set(assumptions["properties"]) == {
        f.name for f in dataclasses.fields(finance.FinanceAssumptions)
    }
    assert assumptions["additionalProperties"] is False
    kinds = []
    for model in ("FactKey", "CustomKey", "StackedKey"):
        kind = defs[model]["properties"]["kind"]
        kinds += kind.get("enum", [kind.get("const")])
    assert kinds == list(keys.KINDS)
    assert set(defs["MechanismsConfig"]["properties"]) == set(mechanisms.REGISTRY)
    assert set(schema["properties"]) == set(Study.model_fields)


def test_cli_writes_the_same_files(tmp_path, capsys):
    assert main(["reference", "--write", str(tmp_path)]) == 0
    for name, text in reference_files().items():
        assert (tmp_path / name).read_text(encoding="utf-8") == text
    json.loads((tmp_path / JSON_SCHEMA).read_text(encoding="utf-8"))
    assert main(["reference"]) == 0
    assert capsys.readouterr().out.endswith(reference_files()[MARKDOWN])
