"""Flemish property tax, checked by hand against the published rules and coefficients."""

from __future__ import annotations

import pytest

from equalisation.errors import InputError
from equalisation.tax import park_property_tax, property_tax, tax_rate


def test_standard_2024_by_hand():
    # 1000 × 2.1763 = 2176.3 -> 2176; × 3.97 % = 86.3872 -> 86.39; × 8.99 = 776.6461 -> 776.65
    tax = property_tax(ki_eur=1000, year=2024, municipal_opcentiemen=899, provincial_opcentiemen=0)
    assert (tax.indexed_ki_eur, tax.base_levy_eur) == (2176.0, 86.39)
    assert (tax.municipal_eur, tax.provincial_eur, tax.total_eur) == (776.65, 0.0, 863.04)


def test_standard_2019_with_a_provincial_surcharge():
    # 1234.56 × 1.8230 = 2250.60 -> 2251; × 3.97 % = 89.3647 -> 89.36
    # municipal 89.36 × 12.28 = 1097.3408 -> 1097.34; provincial 89.36 × 0.275 = 24.574 -> 24.57
    tax = property_tax(
        ki_eur=1234.56, year=2019, municipal_opcentiemen=1228, provincial_opcentiemen=27.5
    )
    assert tax.indexed_ki_eur == 2251.0
    assert tax.base_levy_eur == 89.36
    assert tax.municipal_eur == 1097.34
    assert tax.provincial_eur == 24.57
    assert tax.total_eur == pytest.approx(1211.27, abs=1e-9)


def test_indexed_ki_rounds_half_up():
    # 3000 × 2.0915 = 6274.5 -> 6275 (half-even would give 6274); × 3.97 % = 249.1175 -> 249.12
    tax = property_tax(ki_eur=3000, year=2023, municipal_opcentiemen=0, provincial_opcentiemen=0)
    assert (tax.indexed_ki_eur, tax.base_levy_eur) == (6275.0, 249.12)


def test_before_2018_the_rate_is_2_5_percent_with_a_given_coefficient():
    # 1000 × 1.7057 = 1705.7 -> 1706; × 2.5 % = 42.65; × 10.00 = 426.50
    tax = property_tax(
        ki_eur=1000,
        year=2016,
        municipal_opcentiemen=1000,
        provincial_opcentiemen=0,
        indexation_coefficient=1.7057,
    )
    assert (tax.rate, tax.base_levy_eur, tax.municipal_eur) == (0.025, 42.65, 426.5)


def test_plant_and_equipment_2018_and_2022_by_hand():
    # 2018: 1786 × (3.97 % × 0.6765 = 2.685705 %) = 47.9667 -> 47.97; × 8.99 = 431.2503 -> 431.25
    tax = property_tax(
        ki_eur=1000,
        year=2018,
        municipal_opcentiemen=899,
        provincial_opcentiemen=0,
        kind="plant_equipment",
    )
    assert tax.indexed_ki_eur == 1786.0
    assert tax.rate == pytest.approx(0.02685705, abs=1e-12)
    assert (tax.base_levy_eur, tax.municipal_eur) == (47.97, 431.25)
    # 2022: 500 × 1.9084 = 954.2 -> 954; × (3.97 % × 0.6332 = 2.513804 %) = 23.9817 -> 23.98
    tax = property_tax(
        ki_eur=500,
        year=2022,
        municipal_opcentiemen=0,
        provincial_opcentiemen=0,
        kind="plant_equipment",
    )
    assert (tax.indexed_ki_eur, tax.base_levy_eur) == (954.0, 23.98)


@pytest.mark.parametrize(
    ("year", "percent"), [(2018, 2.69), (2019, 2.63), (2020, 2.59), (2021, 2.58), (2022, 2.51)]
)
def test_reduced_rates_match_the_published_percentages(year, percent):
    assert round(float(tax_rate(year, "plant_equipment")) * 100, 2) == percent


def test_unknown_year_asks_for_the_coefficient():
    with pytest.raises(ValueError, match="indexation_coefficient"):
        property_tax(ki_eur=1000, year=2025, municipal_opcentiemen=0, provincial_opcentiemen=0)
    with pytest.raises(InputError, match="deindexation_coefficient"):
        property_tax(
            ki_eur=1000,
            year=2024,
            municipal_opcentiemen=0,
            provincial_opcentiemen=0,
            kind="plant_equipment",
        )
    given = property_tax(
        ki_eur=1000,
        year=2025,
        municipal_opcentiemen=0,
        provincial_opcentiemen=0,
        indexation_coefficient=2.2,
    )
    assert given.indexed_ki_eur == 2200.0


def test_refuses_bad_inputs():
    with pytest.raises(InputError):
        property_tax(ki_eur=-1, year=2024, municipal_opcentiemen=0, provincial_opcentiemen=0)
    with pytest.raises(InputError, match="kind"):
        property_tax(
            ki_eur=1, year=2024, municipal_opcentiemen=0, provincial_opcentiemen=0, kind="shop"
        )


def test_park_tax_splits_by_municipality_exempts_equipment_and_indexes():
    tax = park_property_tax(
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
    assert tax.municipal_eur("A")[0] == 0.0
    # A: KI 30,000: standard 22,500, taxable equipment 30,000 × 0.25 × 0.5 = 3,750
    standard = property_tax(
        ki_eur=22_500, year=2022, municipal_opcentiemen=899, provincial_opcentiemen=0
    )
    equipment = property_tax(
        ki_eur=3_750,
        year=2022,
        municipal_opcentiemen=899,
        provincial_opcentiemen=0,
        kind="plant_equipment",
    )
    expected = round((standard.municipal_eur + equipment.municipal_eur) * 1.02, 2)
    assert tax.municipal_eur("A")[1] == pytest.approx(expected, abs=0.006)
    row = next(r for r in tax.rows if r.municipality == "B" and r.year == 2027)
    assert row.ki_eur == 10_000.0 and row.exempt_ki_eur == 1_250.0
    assert tax.plant_equipment_rate_year == 2022


def test_park_tax_uses_the_latest_published_equipment_rate_and_says_so():
    tax = park_property_tax(
        built_ki_eur_by_year=[1000.0],
        start_year=2026,
        share_by_municipality={"A": 1.0},
        municipal_opcentiemen={"A": 899},
        provincial_opcentiemen=0,
        tax_year=2024,
        plant_equipment_share_of_ki=1.0,
    )
    assert tax.plant_equipment_rate_year == 2022
    by_hand = property_tax(
        ki_eur=1000,
        year=2024,
        municipal_opcentiemen=899,
        provincial_opcentiemen=0,
        kind="plant_equipment",
        deindexation_coefficient=0.6332,
    )
    assert tax.municipal_eur("A") == (by_hand.municipal_eur,)
