"""The cost game of a pooled park, priced from the candidate sites."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from equalisation.finance import FinanceAssumptions, ki_present_value_eur, net_cost_eur
from equalisation.keys import Partner
from equalisation.site_game import FALLBACK, NO_PARK, GameRules, site_cost_game

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


HYPOTHETICAL = GameRules(no_site="hypothetical_park", property_tax=False)


def test_coalitions_use_their_own_sites_or_the_fallback():
    result = site_cost_game(
        partners=PARTNERS,
        candidate_sites=SITES,
        assumptions=ASSUMPTIONS,
        horizon_years=30,
        rules=HYPOTHETICAL,
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
        rules=HYPOTHETICAL,
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


def test_without_a_site_of_its_own_a_coalition_builds_no_park_by_default():
    result = site_cost_game(
        partners=PARTNERS, candidate_sites=SITES, assumptions=ASSUMPTIONS, horizon_years=30
    )
    assert result.site_of(["B"]) == NO_PARK and result.game.value(["B"]) == 0.0
    assert "builds no park" in result.rule
    assert result.coalitions_without_site == 2  # B, and B+C (C has no demand: 0, with no site)


def test_the_property_tax_of_a_park_enters_at_each_members_own_surcharge():
    partners = [
        Partner("A", 1000, demand_ha=3.5, municipal_opcentiemen=1000.0),
        Partner("B", 1000, demand_ha=3.5, municipal_opcentiemen=500.0),
    ]
    levy = 0.06
    rules = GameRules(levy_per_ki_eur=levy)
    taxed = site_cost_game(
        partners=partners,
        candidate_sites=SITES,
        assumptions=ASSUMPTIONS,
        horizon_years=30,
        rules=rules,
    ).game
    untaxed = site_cost_game(
        partners=partners,
        candidate_sites=SITES,
        assumptions=ASSUMPTIONS,
        horizon_years=30,
        rules=GameRules(property_tax=False),
    ).game
    ki_pv = float(ki_present_value_eur(np.array([5.0]), ASSUMPTIONS, horizon_years=30)[0])
    assert taxed.value(["A"]) == pytest.approx(untaxed.value(["A"]) - levy * ki_pv * 10.0)
    # A+B need 10 ha: on a-only all of it is in A (1000 opc.); on a-and-b 4 of 12 ha are in A
    # and 8 in B (500 opc.): with the tax, a-only is worth more to them
    ki_pv = float(ki_present_value_eur(np.array([10.0]), ASSUMPTIONS, horizon_years=30)[0])
    assert taxed.value(["A", "B"]) == pytest.approx(cost(10.0) - levy * ki_pv * 10.0)
    on_both = cost(10.0) - levy * ki_pv * ((4 / 12) * 10.0 + (8 / 12) * 5.0)
    assert taxed.value(["A", "B"]) < on_both


def test_the_grand_coalition_prices_the_chosen_site_at_its_own_area():
    result = site_cost_game(
        partners=PARTNERS[:2],
        candidate_sites=SITES,
        assumptions=ASSUMPTIONS,
        horizon_years=30,
        rules=GameRules(property_tax=False, grand_site="a-and-b"),
    )
    assert result.game.value(["A", "B"]) == pytest.approx(cost(12.0))  # the site's 12 ha
    assert result.site_of(["A", "B"]) == "a-and-b"


def identical_partners(count: int, demand_ha: float, surcharge: float) -> list[Partner]:
    return [
        Partner(f"P{i}", 1000, demand_ha=demand_ha, municipal_opcentiemen=surcharge)
        for i in range(count)
    ]


@settings(max_examples=40, deadline=None)
@given(
    count=st.integers(2, 6),
    demand_ha=st.floats(0.5, 15.0),
    surcharge=st.floats(0.0, 2000.0),
    access_works_eur=st.floats(0.0, 2_000_000.0),
    studies_eur=st.floats(0.0, 300_000.0),
    tax=st.booleans(),
)
def test_pooling_identical_partners_never_costs_more_than_parks_alone(
    count, demand_ha, surcharge, access_works_eur, studies_eur, tax
):
    """With take-up proportional to demand and every partner's own site as its option, one
    pooled park on a site of them all never costs more than each building its own."""
    assumptions = FinanceAssumptions(access_works_eur=access_works_eur, studies_eur=studies_eur)
    partners = identical_partners(count, demand_ha, surcharge)
    need_ha = demand_ha / assumptions.net_share
    own = [
        {
            "site_id": p.name,
            "score": 0.5,
            "area_ha": need_ha,
            "area_ha_by_municipality": {p.name: need_ha},
        }
        for p in partners
    ]
    pooled = {
        "site_id": "pooled",
        "score": 0.9,
        "area_ha": need_ha * count,
        "area_ha_by_municipality": {p.name: need_ha for p in partners},
    }
    rules = GameRules(levy_per_ki_eur=0.06 if tax else 0.0, property_tax=tax)
    game = site_cost_game(
        partners=partners,
        candidate_sites=[*own, pooled],
        assumptions=assumptions,
        horizon_years=30,
        rules=rules,
    ).game
    assert game.grand_value <= count * game.value(["P0"]) + 1e-6 * max(1, abs(game.grand_value))


@settings(max_examples=25, deadline=None)
@given(
    demands=st.lists(st.floats(0.5, 12.0), min_size=2, max_size=4),
    access_works_eur=st.floats(10_000.0, 2_000_000.0),
    studies_eur=st.floats(0.0, 300_000.0),
    surcharge=st.floats(0.0, 2000.0),
)
def test_the_game_is_subadditive_when_the_cost_per_hectare_falls_with_size(
    demands, access_works_eur, studies_eur, surcharge
):
    """Every coalition has a site of its own (one site per group of municipalities) and the
    surcharges are equal: then c(S ∪ T) ≤ c(S) + c(T) for every pair of disjoint coalitions
    whenever the development cost per hectare falls with the park's size."""
    assumptions = FinanceAssumptions(access_works_eur=access_works_eur, studies_eur=studies_eur)
    sizes = np.linspace(0.5, 60.0, 200)
    per_ha = net_cost_eur(sizes, assumptions, horizon_years=30) / sizes
    assume(bool(np.all(np.diff(per_ha) <= 1e-9)))
    partners = [
        Partner(f"P{i}", 1000, demand_ha=d, municipal_opcentiemen=surcharge)
        for i, d in enumerate(demands)
    ]
    names = [p.name for p in partners]
    sites = []
    for mask in range(1, 1 << len(names)):
        members = [n for i, n in enumerate(names) if mask >> i & 1]
        area = sum(p.demand_ha for p in partners if p.name in members) / assumptions.net_share
        sites.append(
            {
                "site_id": "+".join(members),
                "score": 0.5,
                "area_ha": area,
                "area_ha_by_municipality": {m: area / len(members) for m in members},
            }
        )
    game = site_cost_game(
        partners=partners,
        candidate_sites=sites,
        assumptions=assumptions,
        horizon_years=30,
        rules=GameRules(levy_per_ki_eur=0.06),
    ).game
    table, full = game.table, (1 << len(names)) - 1
    for s in range(1, full + 1):
        rest = full ^ s
        t = rest
        while t:
            assert table[s | t] <= table[s] + table[t] + 1e-6 * max(1.0, abs(table[s | t]))
            t = (t - 1) & rest
