"""The fairness model on the demo: the old game reproduced as a regression, the new one checked.

The old game sold 2 ha a year whatever a park's size and priced every coalition without a site
as a hypothetical park, without the property tax: on the demo, 23,064 pairs of disjoint
coalitions were cheaper apart than together. With take-up proportional to each park's own
size and coalitions without a site building no park, none are, and the nucleolus lies in the
core. With the property tax inside the game, a pair can still be cheaper apart only because a
part of it would host its park at a higher surcharge than the pooled park's host: the test
checks that this is the reason for every such pair. The demo's site games are also solved by
coopgame-py (another implementation) and agree to 1e-6.
"""

from __future__ import annotations

import dataclasses

import coopgame
import numpy as np
import pandas as pd
import pytest

from equalisation import games
from equalisation.site_game import GameRules, site_cost_game
from parkplan import pipeline
from parkplan.demo import run_demo
from parkplan.facts import resolve_facts
from parkplan.study import load_study

LEVY = 0.06


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("fairness") / "demo"
    run_demo(root, scale=1.0)
    study = load_study(root)
    sites = pd.read_csv(root / "sites.csv", dtype={"site_id": str})
    parts = pd.read_csv(root / "site_municipalities.csv", dtype={"site_id": str})
    partners = resolve_facts(study).partners({})
    return study, sites, pipeline.candidate_options(sites, parts), partners


def game_of(demo, *, rules: GameRules, assumptions=None):
    study, _, options, partners = demo
    return site_cost_game(
        partners=partners,
        candidate_sites=options,
        assumptions=assumptions or pipeline.finance_assumptions(study),
        horizon_years=study.finance.horizon_years,
        rules=rules,
    )


def pairs_cheaper_apart(table: np.ndarray, n: int) -> list[tuple[int, int]]:
    """Unordered pairs (S, T) of disjoint coalitions with c(S) + c(T) < c(S ∪ T)."""
    full, found = (1 << n) - 1, []
    for s in range(1, full + 1):
        rest = full ^ s
        t = rest
        while t:
            if t > s and table[s] + table[t] < table[s | t] - 1e-6:
                found.append((s, t))
            t = (t - 1) & rest
    return found


def test_the_old_game_had_23064_pairs_cheaper_apart(demo):
    study = demo[0]
    old = dataclasses.replace(pipeline.finance_assumptions(study), take_up_model="fixed")
    rules = GameRules(no_site="hypothetical_park", property_tax=False)
    game = game_of(demo, rules=rules, assumptions=old).game
    assert len(pairs_cheaper_apart(game.table, game.n)) == 23_064
    assert games.solve(game, "nucleolus").in_core is False


def test_with_take_up_by_size_no_pair_is_cheaper_apart_and_the_core_holds(demo):
    sites = demo[1]
    rules = GameRules(property_tax=False, grand_site=str(sites["site_id"].iloc[0]))
    game = game_of(demo, rules=rules).game
    assert pairs_cheaper_apart(game.table, game.n) == []
    assert game.grand_value < game.stand_alone.sum()  # pooling gains
    assert games.solve(game, "nucleolus").in_core is True


def test_with_the_tax_a_pair_is_cheaper_apart_only_through_a_higher_surcharge(demo):
    _, sites, _, partners = demo
    site_game = game_of(demo, rules=GameRules(levy_per_ki_eur=LEVY))
    game = site_game.game
    surcharge = dict(zip(sites["site_id"], sites["host"], strict=True))
    rate = {p.name: p.municipal_opcentiemen for p in partners}

    def host_rate(mask: int) -> float:
        site = site_game.site_by_coalition[mask]
        return rate.get(surcharge.get(site, ""), 0.0)

    for s, t in pairs_cheaper_apart(game.table, game.n):
        assert max(host_rate(s), host_rate(t)) > host_rate(s | t), (s, t)
    equal = [dataclasses.replace(p, municipal_opcentiemen=900.0) for p in partners]
    flat = site_cost_game(
        partners=equal,
        candidate_sites=demo[2],
        assumptions=pipeline.finance_assumptions(demo[0]),
        horizon_years=30,
        rules=GameRules(levy_per_ki_eur=LEVY),
    ).game
    assert pairs_cheaper_apart(flat.table, flat.n) == []


@pytest.mark.parametrize("tax", [False, True])
def test_the_demo_game_agrees_with_coopgame(demo, tax):
    game = game_of(demo, rules=GameRules(levy_per_ki_eur=LEVY, property_tax=tax)).game
    theirs = coopgame.Game(list(game.table[1:]))
    ours = games.solve(game, "shapley").values
    np.testing.assert_allclose(ours, coopgame.shapley(theirs), rtol=0, atol=1e-6)
    nucleolus = games.solve(game, "nucleolus").values
    np.testing.assert_allclose(nucleolus, coopgame.cost_nucleolus(theirs), rtol=0, atol=1e-6)
