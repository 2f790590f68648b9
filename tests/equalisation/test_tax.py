"""Flemish property tax, checked by hand against reference/FACTS.md; coefficients never guessed;
every bad input a clean one-line error."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

import equalisation
from equalisation import FinanceAssumptions, Partner
from equalisation.errors import (
    EqualisationError,
    InputError,
    InputTypeError,
    OutOfRangeError,
    UnknownCoefficientError,
)
from equalisation.tax import (
    BASE_RATES,
    BUILT_IN_COEFFICIENTS,
    PLANT_EQUIPMENT_RULE,
    coefficient_table,
    park_property_tax,
    property_tax,
    tax_rate,
)


def tax(**changes):
    arguments = dict(ki_eur=1000, year=2024, municipal_opcentiemen=899, provincial_opcentiemen=0)
    return property_tax(**{**arguments, **changes})


def park(**changes):
    arguments = dict(
        built_ki_eur_by_year=[1000.0],
        start_year=2026,
        share_by_municipality={"A": 1.0},
        municipal_opcentiemen={"A": 899},
        provincial_opcentiemen=0,
        tax_year=2022,
        plant_equipment_share_of_ki=0.3,
        plant_equipment_exempt_share=0.5,
    )
    return park_property_tax(**{**arguments, **changes})


# --- known values from reference/FACTS.md ------------------------------------------------------

#: Typed from reference/FACTS.md ("Indexation coefficients by OV tax year", "Plant and equipment").
FACTS_INDEXATION = {
    2018: "1.7863",
    2019: "1.8230",
    2020: "1.8492",
    2021: "1.8630",
    2022: "1.9084",
    2023: "2.0915",
    2024: "2.1763",
}
FACTS_DEINDEXATION = {
    2018: "0.6765",
    2019: "0.6629",
    2020: "0.6535",
    2021: "0.6487",
    2022: "0.6332",
}


def test_the_built_in_table_is_reference_facts_with_a_source_per_year():
    assert sorted(BUILT_IN_COEFFICIENTS) == sorted(FACTS_INDEXATION)
    for year, coefficients in BUILT_IN_COEFFICIENTS.items():
        assert coefficients.indexation == Decimal(FACTS_INDEXATION[year])
        expected = FACTS_DEINDEXATION.get(year)
        assert coefficients.deindexation == (Decimal(expected) if expected else None)
        assert "reference/FACTS.md" in coefficients.source
    assert [(r.from_year, r.rate) for r in BASE_RATES] == [
        (2018, Decimal("0.0397")),
        (None, Decimal("0.025")),
    ]
    assert PLANT_EQUIPMENT_RULE.from_year == 2018
    assert "reference/FACTS.md" in PLANT_EQUIPMENT_RULE.source


def test_standard_2024_by_hand():
    # 1000 × 2.1763 = 2176.3 -> 2176; × 3.97 % = 86.3872 -> 86.39; × 8.99 = 776.6461 -> 776.65
    result = tax()
    assert (result.indexed_ki_eur, result.base_levy_eur) == (2176.0, 86.39)
    assert (result.municipal_eur, result.provincial_eur, result.total_eur) == (776.65, 0.0, 863.04)


def test_standard_2019_with_a_provincial_surcharge():
    # 1234.56 × 1.8230 = 2250.60 -> 2251; × 3.97 % = 89.3647 -> 89.36
    # municipal 89.36 × 12.28 = 1097.3408 -> 1097.34; provincial 89.36 × 0.275 = 24.574 -> 24.57
    result = tax(ki_eur=1234.56, year=2019, municipal_opcentiemen=1228, provincial_opcentiemen=27.5)
    assert result.indexed_ki_eur == 2251.0
    assert result.base_levy_eur == 89.36
    assert result.municipal_eur == 1097.34
    assert result.provincial_eur == 24.57
    assert result.total_eur == pytest.approx(1211.27, abs=1e-9)


def test_indexed_ki_rounds_half_up():
    # 3000 × 2.0915 = 6274.5 -> 6275 (half-even would give 6274); × 3.97 % = 249.1175 -> 249.12
    result = tax(ki_eur=3000, year=2023, municipal_opcentiemen=0)
    assert (result.indexed_ki_eur, result.base_levy_eur) == (6275.0, 249.12)


def test_before_2018_the_rate_is_2_5_percent_with_a_given_coefficient():
    # 1000 × 1.7057 = 1705.7 -> 1706; × 2.5 % = 42.65; × 10.00 = 426.50
    result = tax(year=2016, municipal_opcentiemen=1000, indexation_coefficient=1.7057)
    assert (result.rate, result.base_levy_eur, result.municipal_eur) == (0.025, 42.65, 426.5)


def test_plant_and_equipment_2018_and_2022_by_hand():
    # 2018: 1786 × (3.97 % × 0.6765 = 2.685705 %) = 47.9667 -> 47.97; × 8.99 = 431.2503 -> 431.25
    result = tax(year=2018, kind="plant_equipment")
    assert result.indexed_ki_eur == 1786.0
    assert result.rate == pytest.approx(0.02685705, abs=1e-12)
    assert (result.base_levy_eur, result.municipal_eur) == (47.97, 431.25)
    # 2022: 500 × 1.9084 = 954.2 -> 954; × (3.97 % × 0.6332 = 2.513804 %) = 23.9817 -> 23.98
    result = tax(ki_eur=500, year=2022, municipal_opcentiemen=0, kind="plant_equipment")
    assert (result.indexed_ki_eur, result.base_levy_eur) == (954.0, 23.98)


@pytest.mark.parametrize(
    ("year", "percent"), [(2018, 2.69), (2019, 2.63), (2020, 2.59), (2021, 2.58), (2022, 2.51)]
)
def test_reduced_rates_match_the_published_percentages(year, percent):
    # FACTS.md: 3.97 % × 0.6765 → 2.69 %, … × 0.6332 → 2.51 %
    assert round(float(tax_rate(year, "plant_equipment")) * 100, 2) == percent


# --- coefficients: never guessed -----------------------------------------------------------


def test_an_unknown_year_is_refused_naming_the_known_years_and_the_study_field():
    with pytest.raises(UnknownCoefficientError) as caught:
        tax(year=2025)
    message = str(caught.value)
    assert "tax year 2025" in message and "known: 2018–2024" in message
    assert "[finance.tax_coefficients] 2025 = { indexation = " in message
    assert "\n" not in message
    assert tax(year=2025, indexation_coefficient=2.2).indexed_ki_eur == 2200.0


def test_plant_and_equipment_in_2023_or_2024_is_refused_not_taken_from_2022():
    for year in (2023, 2024):
        with pytest.raises(UnknownCoefficientError, match=r"known: 2018–2022") as caught:
            tax(year=year, kind="plant_equipment")
        assert "deindexation" in str(caught.value)
        with pytest.raises(UnknownCoefficientError, match=r"2018–2022.*30% of the KI"):
            park(tax_year=year)


def test_a_park_in_2024_needs_no_equipment_coefficient_when_none_of_it_is_taxable():
    for changes in ({"plant_equipment_share_of_ki": 0.0}, {"plant_equipment_exempt_share": 1.0}):
        result = park(tax_year=2024, **changes)
        assert result.plant_equipment_rate_year == 2024
        assert len(result.coefficient_sources) == 1
    standard = tax(ki_eur=1000)
    assert park(tax_year=2024, plant_equipment_share_of_ki=0.0).municipal_eur("A") == (
        standard.municipal_eur,
    )


def test_tax_year_2017_is_a_clean_refusal_not_an_internal_type_error():
    with pytest.raises(UnknownCoefficientError, match=r"tax year 2017 \(known: 2018–2024\)"):
        park(tax_year=2017)
    given = {2017: {"indexation": 1.7, "source": "test value"}}
    with pytest.raises(UnknownCoefficientError, match="from 2018 only"):
        park(tax_year=2017, tax_coefficients=given)
    result = park(tax_year=2017, tax_coefficients=given, plant_equipment_share_of_ki=0.0)
    assert result.coefficient_sources == ("indexation 2017: test value",)


def test_coefficients_of_a_year_not_built_in_come_from_the_caller_with_their_source():
    given = {2025: {"indexation": 2.2, "deindexation": 0.55, "source": "test publication"}}
    result = park(tax_year=2025, tax_coefficients=given)
    standard = tax(ki_eur=700, year=2025, indexation_coefficient=2.2)
    equipment = tax(
        ki_eur=150,
        year=2025,
        kind="plant_equipment",
        indexation_coefficient=2.2,
        deindexation_coefficient=0.55,
    )
    assert result.municipal_eur("A") == (
        round(standard.municipal_eur + equipment.municipal_eur, 2),
    )
    assert result.coefficient_sources == (
        "indexation 2025: test publication",
        "plant and equipment 2025: test publication",
    )


def test_a_given_coefficient_completes_a_built_in_year_but_never_contradicts_it():
    table = coefficient_table({2024: {"deindexation": 0.5, "source": "test"}})
    year = table.deindexation(2024)
    assert (year.indexation, year.deindexation) == (Decimal("2.1763"), Decimal("0.5"))
    assert "reference/FACTS.md" in year.source and "test" in year.source
    with pytest.raises(InputError, match=r"built-in indexation coefficient of 2024 is 2\.1763"):
        coefficient_table({2024: {"indexation": 2.2, "source": "test"}})
    assert coefficient_table({2024: {"indexation": 2.1763, "source": "same"}}).indexation(2024)


@pytest.mark.parametrize(
    ("given", "error", "words"),
    [
        ({2025: {"indexation": 2.2}}, InputError, "source"),
        ({2025: {"indexation": 2.2, "source": " "}}, InputError, "source"),
        ({2025: {"source": "x"}}, InputError, "no coefficient"),
        ({2025: {"indexation": 2.2, "source": "x", "rate": 1}}, InputError, "['rate']"),
        ({2025: 2.2}, InputTypeError, "expected a table"),
        ({"2025": {"indexation": 2.2, "source": "x"}}, InputTypeError, "without quotes"),
        ({2025: {"indexation": "2.2", "source": "x"}}, InputTypeError, "indexation"),
        ({2025: {"indexation": 0, "source": "x"}}, OutOfRangeError, "zero"),
        ({2025: {"deindexation": 1.5, "source": "x"}}, OutOfRangeError, "at most 1"),
        ({2025: {"deindexation": math.nan, "source": "x"}}, OutOfRangeError, "finite"),
    ],
)
def test_given_coefficients_are_checked(given, error, words):
    with pytest.raises(error) as caught:
        coefficient_table(given)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_the_coefficients_reach_the_tax_through_equalise():
    arguments = dict(
        partners=[
            Partner("Host", population=9_000, demand_ha=3, municipal_opcentiemen=900),
            Partner("North", population=4_000, demand_ha=2, municipal_opcentiemen=1_200),
        ],
        site_area_ha_by_municipality={"Host": 8.0, "North": 2.0},
        host="Host",
        assumptions=FinanceAssumptions(),
        keys={},
        mechanisms=None,
        horizon_years=10,
        start_year=2026,
        tax_year=2025,
        provincial_opcentiemen=0.0,
    )
    with pytest.raises(UnknownCoefficientError, match="tax year 2025"):
        equalisation.equalise(**arguments)
    given = {2025: {"indexation": 2.2, "deindexation": 0.55, "source": "test publication"}}
    result = equalisation.equalise(**arguments, tax_coefficients=given)
    assert result.to_dict()["property_tax"]["coefficient_sources"] == [
        "indexation 2025: test publication",
        "plant and equipment 2025: test publication",
    ]


# --- bad values: what was given, what was expected, how to fix -----------------------------


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        (1e300, OutOfRangeError, "at most 1,000,000,000,000"),
        (10**12 + 1, OutOfRangeError, "at most 1,000,000,000,000"),
        ("abc", InputTypeError, "'abc' (text)"),
        ("1000", InputTypeError, "write 1000 without quotes"),
        (True, InputTypeError, "True (a yes/no value)"),
        (None, InputTypeError, "missing (None)"),
        ([1000], InputTypeError, "of type list"),
        (math.nan, OutOfRangeError, "a finite number"),
        (math.inf, OutOfRangeError, "a finite number"),
        (-math.inf, OutOfRangeError, "a finite number"),
        (Decimal("NaN"), OutOfRangeError, "a finite number"),
        (-1, OutOfRangeError, "cannot be negative"),
    ],
)
def test_a_bad_ki_is_a_clean_one_line_error(value, error, words):
    with pytest.raises(error) as caught:
        tax(ki_eur=value)
    message = str(caught.value)
    assert message.startswith("ki_eur is ") and words in message
    assert "expected a cadastral income (KI) in euros per year" in message
    assert "\n" not in message
    assert isinstance(caught.value, EqualisationError)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, TypeError) == (error is InputTypeError)


@pytest.mark.parametrize(
    ("changes", "error", "start"),
    [
        ({"year": "2024"}, InputTypeError, "year is '2024'"),
        ({"year": True}, InputTypeError, "year is True"),
        ({"year": 2024.0}, InputTypeError, "year is 2024.0"),
        ({"year": 3024}, OutOfRangeError, "year is 3024"),
        ({"municipal_opcentiemen": "899"}, InputTypeError, "municipal_opcentiemen is '899'"),
        ({"municipal_opcentiemen": -5}, OutOfRangeError, "municipal_opcentiemen is -5"),
        ({"provincial_opcentiemen": math.nan}, OutOfRangeError, "provincial_opcentiemen is nan"),
        ({"provincial_opcentiemen": None}, InputTypeError, "provincial_opcentiemen is missing"),
        ({"provincial_opcentiemen": 1e9}, OutOfRangeError, "provincial_opcentiemen is 1000000000"),
        ({"indexation_coefficient": "2.1"}, InputTypeError, "indexation_coefficient is '2.1'"),
        ({"indexation_coefficient": 0}, OutOfRangeError, "indexation_coefficient is 0"),
        ({"kind": "shop"}, InputError, "kind is 'shop'"),
        (
            {"kind": "plant_equipment", "year": 2022, "deindexation_coefficient": 2},
            OutOfRangeError,
            "deindexation_coefficient is 2",
        ),
    ],
)
def test_other_bad_values_are_clean_one_line_errors(changes, error, start):
    with pytest.raises(error) as caught:
        tax(**changes)
    message = str(caught.value)
    assert message.startswith(start) and "expected" in message and "\n" not in message


@pytest.mark.parametrize(
    ("changes", "start"),
    [
        ({"tax_year": "2022"}, "tax_year is '2022'"),
        ({"built_ki_eur_by_year": [1000.0, None]}, "built_ki_eur_by_year[1] is missing"),
        ({"built_ki_eur_by_year": [1e300]}, "built_ki_eur_by_year[0] is 1e+300"),
        ({"plant_equipment_share_of_ki": "0.3"}, "plant_equipment_share_of_ki is '0.3'"),
        ({"plant_equipment_exempt_share": 1.5}, "plant_equipment_exempt_share is 1.5"),
        ({"share_by_municipality": {"A": math.nan}}, "share_by_municipality['A'] is nan"),
    ],
)
def test_bad_park_inputs_are_clean_one_line_errors(changes, start):
    with pytest.raises(InputError) as caught:
        park(**changes)
    assert str(caught.value).startswith(start) and "\n" not in str(caught.value)


def test_no_negative_zero():
    assert str(tax(ki_eur=-0.0).total_eur) == "0.0"


# --- the park ------------------------------------------------------------------------------


def test_park_tax_splits_by_municipality_exempts_equipment_and_indexes():
    result = park_property_tax(
        built_ki_eur_by_year=[0.0, 40_000.0],
        start_year=2026,
        share_by_municipality={"A": 3.0, "B": 1.0},
        municipal_opcentiemen={"A": 899, "B": 1228},
        provincial_opcentiemen=0,
        tax_year=2022,
        plant_equipment_share_of_ki=0.25,
        plant_equipment_exempt_share=0.5,
        indexation_per_year=0.02,
    )
    assert result.municipal_eur("A")[0] == 0.0
    # A: KI 30,000: standard 22,500, taxable equipment 30,000 × 0.25 × 0.5 = 3,750
    standard = tax(ki_eur=22_500, year=2022)
    equipment = tax(ki_eur=3_750, year=2022, kind="plant_equipment")
    expected = round((standard.municipal_eur + equipment.municipal_eur) * 1.02, 2)
    assert result.municipal_eur("A")[1] == pytest.approx(expected, abs=0.006)
    row = next(r for r in result.rows if r.municipality == "B" and r.year == 2027)
    assert row.ki_eur == 10_000.0 and row.exempt_ki_eur == 1_250.0
    assert result.plant_equipment_rate_year == 2022
    assert all("reference/FACTS.md" in s for s in result.coefficient_sources)
