"""The cost game of a pooled park, priced from the candidate sites."""

from __future__ import annotations

import numpy as np
import pytest

from equalisation.finance import FinanceAssumptions, net_cost_eur
from equalisation.keys import Partner
from equalisation.site_game import FALLBACK, site_cost_game

ASSUMPTIONS = FinanceAssumptions()
PARTNERS = [
    Partner("A", 1000, demand_ha=3.5),
    Partner("B", 1000, demand_ha=3.5),
    Partner("C", 1000, demand_ha=0.0),
]
SITES = [
    {"site_id": "a-only", "score": 0.5, "area_ha": 10.0, "area_ha_by_municipality": {"A": 10.0}},
    {
        "site_id": "a-and-b",
        "score": 0.9,
        "area_ha": 12.0,
        "area_ha_by_municipality": {"A": 4.0, "B": 8.0},
    },
    {
        "site_id": "with-outsider",
        "score": 1.0,
        "area_ha": 50.0,
        "area_ha_by_municipality": {"A": 10.0, "Elsewhere": 40.0},
    },
]


def cost(gross_ha: float, assumptions: FinanceAssumptions = ASSUMPTIONS) -> float:
    return float(net_cost_eur(np.array([gross_ha]), assumptions, horizon_years=30)[0])


def test_coalitions_use_their_own_sites_or_the_fallback():
    result = site_cost_game(
        partners=PARTNERS, candidate_sites=SITES, assumptions=ASSUMPTIONS, horizon_years=30
    )
    game = result.game
    assert game.kind == "cost"
    assert game.value(["A"]) == pytest.approx(cost(3.5 / 0.7))
    assert result.site_of(["A"]) == "a-only"
    assert result.site_of(["B"]) == FALLBACK  # no site lies wholly in B
    assert game.value(["B"]) == pytest.approx(cost(5.0))
    # A+B needs 10 ha gross: both sites fit and cost the same; the higher score wins
    assert result.site_of(["A", "B"]) == "a-and-b"
    assert game.value(["A", "B"]) == pytest.approx(cost(10.0))
    assert game.value(["C"]) == 0.0  # no demand, no park
    assert game.value(["A", "B", "C"]) == game.value(["A", "B"])


def test_a_cheaper_site_wins_over_a_better_score():
    cheap = dict(SITES[0], land_price_eur_per_m2=1.0)
    result = site_cost_game(
        partners=PARTNERS,
        candidate_sites=[cheap, SITES[1]],
        assumptions=ASSUMPTIONS,
        horizon_years=30,
    )
    assert result.site_of(["A", "B"]) == "a-only"
    cheaper = FinanceAssumptions(land_price_eur_per_m2=1.0)
    assert result.game.value(["A", "B"]) == pytest.approx(cost(10.0, cheaper))


def test_pooling_is_cheaper_than_going_alone_with_the_defaults():
    result = site_cost_game(
        partners=PARTNERS[:2], candidate_sites=SITES, assumptions=ASSUMPTIONS, horizon_years=30
    )
    game = result.game
    assert game.value(["A", "B"]) < game.value(["A"]) + game.value(["B"])
