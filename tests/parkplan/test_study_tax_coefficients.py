"""``[finance.tax_coefficients]``: property-tax coefficients of years not built in, with their
source, checked when the study loads and passed down to the tax by the pipeline."""

from __future__ import annotations

import tomllib

import pandas as pd
import pytest

from equalisation.errors import UnknownCoefficientError
from parkplan import pipeline
from parkplan.study import InvalidStudyError, parse_study

PARTNERS = """
[[partners]]
name = "Host"
population = 9000
demand_ha = 3
municipal_opcentiemen = 900
capital_eur = 0
fiscal_capacity_eur = 1000000

[[partners]]
name = "North"
population = 4000
demand_ha = 2
municipal_opcentiemen = 1200
capital_eur = 0
fiscal_capacity_eur = 500000
"""


def study(finance: str):
    text = f'name = "tax"\n{PARTNERS}\n[finance]\ntax_year = 2025\n{finance}'
    return parse_study(tomllib.loads(text), text=text)


def test_a_year_not_built_in_is_given_with_its_source():
    loaded = study(
        "[finance.tax_coefficients]\n"
        '2025 = { indexation = 2.2, deindexation = 0.55, source = "test publication" }\n'
    )
    given = loaded.finance.tax_coefficients[2025]
    assert (given.indexation, given.deindexation, given.source) == (2.2, 0.55, "test publication")


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("2025 = { indexation = 2.2 }", "source"),
        ('2025 = { source = "x" }', "no coefficient given"),
        ('2024 = { indexation = 2.2, source = "x" }', "built-in indexation coefficient of 2024"),
        ('2025 = { deindexation = 1.5, source = "x" }', "less than or equal to 1"),
        ('1800 = { indexation = 2.2, source = "x" }', "greater than or equal to 1990"),
    ],
)
def test_bad_coefficients_are_placed_problems_of_the_study(entry, words):
    with pytest.raises(InvalidStudyError) as caught:
        study(f"[finance.tax_coefficients]\n{entry}\n")
    assert words in str(caught.value) and "tax_coefficients" in str(caught.value)


def test_the_pipeline_passes_the_coefficients_to_the_tax():
    sites = pd.DataFrame({"site_id": ["s1"], "host": ["Host"], "score": [0.8], "area_ha": [10.0]})
    parts = pd.DataFrame(
        {"site_id": ["s1", "s1"], "municipality": ["Host", "North"], "area_ha": [8.0, 2.0]}
    )
    with pytest.raises(UnknownCoefficientError, match="tax year 2025"):
        pipeline.equalise(study(""), sites, parts)
    given = study(
        "[finance.tax_coefficients]\n"
        '2025 = { indexation = 2.2, deindexation = 0.55, source = "test publication" }\n'
    )
    result = pipeline.equalise(given, sites, parts).result
    assert result.to_dict()["property_tax"]["coefficient_sources"] == [
        "indexation 2025: test publication",
        "plant and equipment 2025: test publication",
    ]
