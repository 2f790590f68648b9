"""Site cash flows against a park priced by hand."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from equalisation.errors import InputError
from equalisation.finance import FinanceAssumptions, net_cost_eur, site_finance

PLAIN = FinanceAssumptions(
    net_share=0.7,
    land_price_eur_per_m2=10,
    preparation_eur_per_m2_gross=0,
    infrastructure_eur_per_m2_net=50,
    access_works_eur=0,
    studies_eur=100_000,
    financing_rate_per_year=0,
    subsidy_share_of_public_works=0.5,
    subsidy_share_of_studies=0,
    sale_price_eur_per_m2_net=80,
    take_up_model="fixed",
    take_up_ha_net_per_year=3,
    built_share=0.5,
    ki_eur_per_m2_built=6,
    maintenance_eur_per_ha_gross_per_year=2_000,
    asset_lifespan_years=30,
    renewal_share=0.5,
    indexation_per_year=0,
    discount_rate_per_year=0.05,
)


def plain(**changes):
    return site_finance(
        gross_area_ha=10,
        assumptions=dataclasses.replace(PLAIN, **changes),
        horizon_years=5,
        start_year=2026,
    )


def test_cash_flows_npv_and_payback_by_hand():
    finance = plain()
    # t0: studies 100k + land 100,000 m² × 10; t1: works 70,000 m² × 50, half subsidised;
    # t2, t3: 3 ha sold × 80 EUR/m², t4: the last 1 ha; upkeep 10 ha × 2,000 from t2
    expected = [-1_100_000, -1_750_000, 2_380_000, 2_380_000, 780_000]
    assert finance.net_eur == pytest.approx(expected)
    assert finance.line("sales").values_eur == pytest.approx([0, 0, 2.4e6, 2.4e6, 0.8e6])
    assert finance.npv_eur == pytest.approx(sum(v / 1.05**t for t, v in enumerate(expected)))
    assert finance.payback_year == 2029  # cumulative −1.1, −2.85, −0.47, +1.91 M
    assert finance.net_area_ha == pytest.approx(7.0)
    assert finance.sold_net_ha == pytest.approx((0, 0, 3, 3, 1))
    # KI of the buildings on the plots sold up to the year before: 30,000 m² × 0.5 × 6
    assert finance.built_ki_eur == pytest.approx((0, 0, 0, 90_000, 180_000))


def test_financing_charges_the_negative_balance_of_the_year_before():
    finance = plain(financing_rate_per_year=0.1)
    # balances: −1.1 M; −1.1 − 1.75 − 0.11 = −2.96 M; −2.96 + 2.38 − 0.296 = −0.876 M
    assert finance.line("financing").values_eur == pytest.approx(
        [0, -110_000, -296_000, -87_600, 0]
    )


def test_indexation_subsidy_cap_and_renewal():
    finance = site_finance(
        gross_area_ha=10,
        assumptions=dataclasses.replace(
            PLAIN,
            indexation_per_year=0.02,
            asset_lifespan_years=2,
            subsidy_share_of_studies=0.5,
            subsidy_cap_studies_eur=30_000,
        ),
        horizon_years=6,
        start_year=2026,
    )
    assert finance.line("works").values_eur[1] == pytest.approx(-3_500_000 * 1.02)
    assert finance.line("studies_subsidy").values_eur[0] == pytest.approx(30_000)
    renewal = finance.line("renewal").values_eur
    assert renewal == pytest.approx([0, 0, 0, -1_750_000 * 1.02**3, 0, -1_750_000 * 1.02**5])


def test_director_role_keeps_studies_and_public_domain_only():
    finance = plain(role="director")
    for name in ("land", "preparation", "works", "works_subsidy", "sales"):
        assert not any(finance.line(name).values_eur)
    assert finance.net_eur == pytest.approx([-100_000, 0, -20_000, -20_000, -20_000])
    assert finance.payback_year is None


def test_vectorised_cost_matches_the_single_park():
    areas = np.array([0.0, 4.0, 10.0, 25.0])
    costs = net_cost_eur(areas, FinanceAssumptions(), horizon_years=30)
    assert costs[0] == 0.0
    for area, cost in zip(areas[1:], costs[1:], strict=True):
        one = site_finance(
            gross_area_ha=area, assumptions=FinanceAssumptions(), horizon_years=30, start_year=2026
        )
        assert cost == pytest.approx(-one.npv_eur)


def test_every_default_is_labelled_with_its_range():
    described = FinanceAssumptions().describe()
    assert all(d["illustrative"] for d in described.values())
    assert described["net_share"]["range"] == "0.65–0.75"
    assert not FinanceAssumptions(net_share=0.68).describe()["net_share"]["illustrative"]


@pytest.mark.parametrize(
    "changes",
    [
        {"net_share": 1.5},
        {"land_price_eur_per_m2": -1},
        {"role": "owner"},
        {"asset_lifespan_years": 0},
        {"take_up_ha_net_per_year": 0},
        {"sale_price_eur_per_m2_net": float("nan")},
    ],
)
def test_refuses_bad_assumptions(changes):
    with pytest.raises(InputError):
        FinanceAssumptions(**changes)


def test_refuses_bad_area_and_horizon():
    with pytest.raises(InputError, match="gross_area_ha"):
        site_finance(gross_area_ha=0, assumptions=PLAIN, horizon_years=5, start_year=2026)
    with pytest.raises(InputError, match="horizon_years"):
        site_finance(gross_area_ha=1, assumptions=PLAIN, horizon_years=0, start_year=2026)


def test_proportional_take_up_sells_every_park_in_the_same_years():
    """Take-up scales with a park's own size: a 1.5 ha and a 30 ha park sell out together."""
    assumptions = dataclasses.replace(PLAIN, take_up_model="proportional", sell_out_years=5)
    small, large = (
        site_finance(gross_area_ha=area, assumptions=assumptions, horizon_years=12, start_year=0)
        for area in (1.5, 30.0)
    )
    for park in (small, large):
        per_year = park.net_area_ha / 5
        assert park.sold_net_ha == pytest.approx([0, 0] + [per_year] * 5 + [0] * 5)
    studies_eur = 100_000  # the only fixed amount of PLAIN: everything else scales with size
    assert large.npv_eur + studies_eur == pytest.approx(20 * (small.npv_eur + studies_eur))


def test_with_fixed_costs_the_cost_per_hectare_falls_with_size_under_proportional_take_up():
    assumptions = FinanceAssumptions()  # the defaults: access works and studies are fixed
    costs = net_cost_eur(np.array([2.0, 10.0, 20.0, 40.0]), assumptions, horizon_years=30)
    per_ha = costs / np.array([2.0, 10.0, 20.0, 40.0])
    assert (np.diff(per_ha) < 0).all()
