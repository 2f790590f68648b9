"""Cooperative games: published checks, axioms as properties, and the LP nucleolus."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from equalisation.coalitions import Game, membership_matrix, membership_sums
from equalisation.errors import GameError
from equalisation.games import (
    core_violations,
    least_core,
    nucleolus,
    prenucleolus,
    proportional,
    read_game,
    scrb,
    shapley,
)

THREE = {"1": 0, "2": 0, "3": 0, "1+2": 4, "1+3": 6, "2+3": 8, "1+2+3": 12}


def three_player() -> Game:
    return read_game({"players": ["1", "2", "3"], "kind": "savings", "values": THREE})


def random_tables(n_min: int = 2, n_max: int = 5):
    @st.composite
    def build(draw):
        n = draw(st.integers(n_min, n_max))
        values = draw(
            st.lists(st.floats(-100, 100, allow_nan=False), min_size=2**n - 1, max_size=2**n - 1)
        )
        return n, np.r_[0.0, values]

    return build()


def players(n: int) -> list[str]:
    return [f"P{i}" for i in range(n)]


def brute_force_shapley(table: np.ndarray, n: int) -> np.ndarray:
    totals = np.zeros(n)
    for order in itertools.permutations(range(n)):
        mask = 0
        for player in order:
            totals[player] += table[mask | 1 << player] - table[mask]
            mask |= 1 << player
    return totals / math.factorial(n)


# --- published checks --------------------------------------------------------------------------


def test_three_player_game_shapley_and_nucleolus():
    game = three_player()
    assert shapley(game).values == pytest.approx((3, 4, 5))
    assert nucleolus(game).values == pytest.approx((2, 4, 6))
    assert prenucleolus(game).values == pytest.approx((2, 4, 6))
    assert nucleolus(game).in_core


def test_to_dict_has_exactly_the_documented_keys():
    result = shapley(three_player()).to_dict()
    documented = {"method", "allocation", "total", "in_core", "core_violations"}
    assert set(result) == documented | {"computation", "sampled"}  # Shapley says how it was got
    assert (result["computation"], result["sampled"]) == ("exact", False)
    assert set(nucleolus(three_player()).to_dict()) == documented | {"lp_stages", "lp_solves"}
    assert result["allocation"] == pytest.approx({"1": 3, "2": 4, "3": 5})
    assert result["total"] == 12


@pytest.mark.parametrize("seed", range(5))
def test_cost_and_savings_forms_give_the_same_split(seed):
    rng = np.random.default_rng(seed)
    n = 4
    cost = np.r_[0.0, rng.uniform(10, 100, 2**n - 1)]
    game = Game.from_table(players(n), "cost", cost)
    savings = game.savings_game()
    alone = game.stand_alone
    for method in (shapley, nucleolus, prenucleolus):
        assert np.array(method(game).values) == pytest.approx(
            alone - np.array(method(savings).values), abs=1e-6
        )


# --- Shapley axioms as properties -------------------------------------------------------------


@given(random_tables())
def test_shapley_matches_all_orders_and_is_efficient(drawn):
    n, table = drawn
    game = Game.from_table(players(n), "savings", table)
    values = np.array(shapley(game).values)
    assert values == pytest.approx(brute_force_shapley(table, n), abs=1e-7)
    assert values.sum() == pytest.approx(table[-1], abs=1e-7)


@given(random_tables(3, 5), st.data())
def test_shapley_symmetry(drawn, data):
    n, table = drawn
    i, j = data.draw(st.sampled_from(list(itertools.combinations(range(n), 2))))
    masks = np.arange(2**n)
    bit_i, bit_j = (masks >> i) & 1, (masks >> j) & 1
    swapped = masks & ~(1 << i) & ~(1 << j) | bit_i << j | bit_j << i
    symmetric = (table + table[swapped]) / 2
    values = shapley(Game.from_table(players(n), "savings", symmetric)).values
    assert values[i] == pytest.approx(values[j], abs=1e-7)


@given(random_tables(2, 4), st.floats(-50, 50))
def test_shapley_dummy_player_gets_its_own_value(drawn, alone):
    n, table = drawn
    with_dummy = np.r_[table, table + alone]  # the new last player adds exactly `alone`
    values = shapley(Game.from_table(players(n + 1), "savings", with_dummy)).values
    assert values[-1] == pytest.approx(alone, abs=1e-7)


@given(random_tables(2, 5), st.data())
def test_shapley_additivity(drawn, data):
    n, first = drawn
    second = np.r_[
        0.0, data.draw(st.lists(st.floats(-100, 100), min_size=2**n - 1, max_size=2**n - 1))
    ]
    one = np.array(shapley(Game.from_table(players(n), "savings", first)).values)
    two = np.array(shapley(Game.from_table(players(n), "savings", second)).values)
    both = np.array(shapley(Game.from_table(players(n), "savings", first + second)).values)
    assert both == pytest.approx(one + two, abs=1e-6)


def test_sampled_shapley_is_efficient_and_within_its_bound():
    rng = np.random.default_rng(3)
    n = 7
    table = np.r_[0.0, rng.uniform(0, 100, 2**n - 1)]
    game = Game.from_table(players(n), "savings", table)
    exact = np.array(shapley(game).values)
    sampled = shapley(game, samples=4000, seed=1)
    assert sum(sampled.values) == pytest.approx(table[-1])
    half_width = np.array(list(sampled.extra["half_width"].values()))
    assert np.all(np.abs(np.array(sampled.values) - exact) <= 2 * half_width)
    assert sampled.extra["samples"] == 4000 and sampled.extra["max_half_width"] > 0


def test_sampled_shapley_of_a_function_game_with_many_players():
    demand = np.linspace(1, 3, 40)
    game = Game.from_function(
        players(40), "cost", lambda m: np.where(m.any(axis=1), 10 + m @ demand, 0.0)
    )
    result = shapley(game)  # 40 players: sampled; c(S) = 10 + Σ d: exactly d + 10/40 each
    half_width = np.array(list(result.extra["half_width"].values()))
    error = np.abs(np.array(result.values) - (demand + 10 / 40))
    assert np.all(error <= 4 * half_width)
    assert half_width.max() < 0.01 * result.total
    assert sum(result.values) == pytest.approx(result.total)
    assert result.in_core is None


# --- nucleolus ----------------------------------------------------------------------------------


def excess_vector(table: np.ndarray, n: int, x: np.ndarray) -> np.ndarray:
    sums = membership_sums(x)
    return np.sort((table - sums)[1:-1])[::-1]


def lexicographically_not_worse(a: np.ndarray, b: np.ndarray, tol: float = 1e-6) -> bool:
    for left, right in zip(a, b, strict=True):
        if left < right - tol:
            return True
        if left > right + tol:
            return False
    return True


@settings(max_examples=30, deadline=None)
@given(random_tables(3, 4), st.integers(0, 2**32 - 1))
def test_nucleolus_beats_nearby_imputations(drawn, seed):
    n, table = drawn
    table = table.copy()
    table[1 << np.arange(n)] = np.minimum(table[1 << np.arange(n)], 0)
    table[-1] = max(table[-1], 1.0)
    game = Game.from_table(players(n), "savings", table)
    x = np.array(nucleolus(game).values)
    assert x.sum() == pytest.approx(table[-1], abs=1e-6)
    assert np.all(x >= table[1 << np.arange(n)] - 1e-6)
    best = excess_vector(table, n, x)
    rng = np.random.default_rng(seed)
    for _ in range(30):
        step = rng.normal(size=n) * rng.choice([1e-3, 1e-1, 1.0])
        y = x + step - step.mean()
        if np.all(y >= table[1 << np.arange(n)]):
            assert lexicographically_not_worse(best, excess_vector(table, n, y))


@settings(max_examples=30, deadline=None)
@given(st.integers(3, 6), st.integers(0, 2**32 - 1))
def test_nucleolus_is_in_the_core_when_the_core_is_not_empty(n, seed):
    rng = np.random.default_rng(seed)
    inside = rng.uniform(0, 50, n)
    table = membership_sums(inside) - rng.uniform(0, 30, 2**n) * (rng.random(2**n) < 0.7)
    table[0], table[-1] = 0.0, inside.sum()
    game = Game.from_table(players(n), "savings", table)
    assert least_core(game).value <= 1e-9
    assert nucleolus(game).in_core
    assert prenucleolus(game).values == pytest.approx(nucleolus(game).values, abs=1e-6)


def test_least_core_values():
    assert least_core(three_player()).value == pytest.approx(-2)
    majority = read_game(
        {
            "players": ["a", "b", "c"],
            "kind": "savings",
            "values": {"a": 0, "b": 0, "c": 0, "a+b": 1, "a+c": 1, "b+c": 1, "a+b+c": 1},
        }
    )
    least = least_core(majority)
    assert least.value == pytest.approx(1 / 3)  # the core is empty
    assert least.allocation.values == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert not least.allocation.in_core


def naive_nucleolus(table: np.ndarray, n: int) -> np.ndarray:
    """The classic mistake: fix every coalition tight at the optimum the solver picked."""
    masks = np.arange(1, 2**n - 1)
    A = membership_matrix(n, masks).astype(float)
    fixed: dict[int, float] = {}
    bounds = [(table[1 << i], None) for i in range(n)]
    while len(fixed) < len(masks):
        free = [k for k in range(len(masks)) if k not in fixed]
        keys = list(fixed)
        A_eq = np.vstack([np.r_[np.ones(n), 0], *(np.r_[A[k], 0] for k in keys)])
        b_eq = np.array([table[-1], *(table[masks[k]] - fixed[k] for k in keys)])
        A_ub, b_ub = np.c_[-A[free], -np.ones(len(free))], -table[masks[free]]
        first = linprog(
            np.r_[np.zeros(n), 1],
            A_ub=A_ub,
            b_ub=b_ub,
            A_eq=A_eq,
            b_eq=b_eq,
            bounds=[*bounds, (None, None)],
            method="highs",
        )
        t = first.x[-1]
        # any optimum is a valid pick for the naive method: take the one with the most for P0
        pick = linprog(
            np.r_[-1, np.zeros(n)],
            A_ub=A_ub,
            b_ub=b_ub,
            A_eq=A_eq,
            b_eq=b_eq,
            bounds=[*bounds, (t, t)],
            method="highs",
        )
        x = pick.x[:-1]
        for k in free:
            if table[masks[k]] - A[k] @ x >= t - 1e-9:
                fixed[k] = t
    return x


def test_naive_sequential_lp_fails_where_ours_is_right():
    game = read_game(
        {
            "players": ["1", "2", "3"],
            "kind": "savings",
            "values": {"1": 0, "2": 0, "3": 0, "1+2": 10, "1+3": 0, "2+3": 0, "1+2+3": 10},
        }
    )
    assert naive_nucleolus(game.table, 3) == pytest.approx([10, 0, 0])
    assert nucleolus(game).values == pytest.approx((5, 5, 0))


def test_nucleolus_refuses_games_without_imputations():
    game = read_game(
        {"players": ["a", "b"], "kind": "savings", "values": {"a": 5, "b": 5, "a+b": 6}}
    )
    with pytest.raises(GameError, match="prenucleolus"):
        nucleolus(game)
    assert prenucleolus(game).values == pytest.approx((3, 3))


# --- SCRB, proportional, core -------------------------------------------------------------------

COST = {"1": 10, "2": 8, "3": 7, "1+2": 15, "1+3": 14, "2+3": 12, "1+2+3": 19}


def cost_game() -> Game:
    return read_game({"players": ["1", "2", "3"], "kind": "cost", "values": COST})


def test_scrb_against_its_formula():
    # m = (19−12, 19−14, 19−15) = (7, 5, 4); r = c(i) − m = (3, 3, 3); 19 − 16 = 3 split by r
    result = scrb(cost_game())
    assert result.values == pytest.approx((8, 6, 5))
    assert result.extra["separable"] == {"1": 7, "2": 5, "3": 4}


def test_scrb_clips_a_negative_remaining_benefit_and_the_core_check_names_who_pays_more():
    # m = (17−12, 17−10, 17−11) = (5, 7, 6); r = (2−5, 9−7, 10−6) = (−3, 2, 4): r⁺ = (0, 2, 4)
    values = {"1": 2, "2": 9, "3": 10, "1+2": 11, "1+3": 10, "2+3": 12, "1+2+3": 17}
    game = read_game({"players": ["1", "2", "3"], "kind": "cost", "values": values})
    result = scrb(game)
    assert result.values == pytest.approx((5, 7 - 1 / 3, 6 - 2 / 3))
    assert result.extra["clipped_remaining"] == ["1"]
    assert ("1",) in [v.coalition for v in result.core_violations]  # 1 pays 5 > 2 alone


def test_proportional_to_stand_alone_costs():
    assert proportional(cost_game()).values == pytest.approx((7.6, 6.08, 5.32))
    with pytest.raises(GameError, match="proportional"):
        proportional(three_player())


def test_core_violations_list_who_would_leave():
    game = cost_game()
    violations = core_violations(game, {"1": 6.5, "2": 7, "3": 5.5})
    assert [v.coalition for v in violations] == [("2", "3")]
    assert violations[0].excess == pytest.approx(0.5)
    assert core_violations(game, {"1": 8, "2": 6, "3": 5}) == ()


# --- reading games ------------------------------------------------------------------------------


def test_keys_in_any_order_and_partition_pricing():
    game = read_game(
        {
            "players": ["A", "B", "C"],
            "kind": "cost",
            "missing": "partition",
            "values": {"A": 10, "B": 8, "C": 7, "B+A": 15, "A+B+C": 20},
        }
    )
    assert game.value(["A", "B"]) == 15
    assert game.value(["A", "C"]) == 17  # unlisted: A alone + C alone
    assert game.value(["B", "C"]) == 15
    savings = read_game(
        {
            "players": ["A", "B", "C"],
            "kind": "savings",
            "missing": "partition",
            "values": {"A": 1, "B": 1, "C": 1, "A+B": 5, "A+B+C": 6},
        }
    )
    assert savings.value(["A", "B"]) == 5
    assert savings.value(["A", "C"]) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"players": ["A"], "kind": "cost", "values": {"B": 1}}, "not players"),
        ({"players": ["A", "B"], "kind": "cost", "values": {"A+A": 1}}, "twice"),
        (
            {"players": ["A", "B"], "kind": "cost", "values": {"A": 1, "B": 1, "A+B": 1, "B+A": 2}},
            "listed twice",
        ),
        ({"players": ["A", "A"], "kind": "cost", "values": {"A": 1}}, "appear twice"),
        ({"players": ["A"], "kind": "cost", "values": {"A": float("nan")}}, "finite"),
        ({"players": ["A"], "kind": "cost", "values": {"A": float("inf")}}, "finite"),
        ({"players": ["A"], "kind": "cost", "values": {"A": "ten"}}, "number"),
        ({"players": ["A"], "kind": "cost", "values": {"A": True}}, "number"),
        (
            {"players": [f"P{i}" for i in range(26)], "kind": "cost", "values": {"P0": 1}},
            "at most 25",
        ),
        ({"players": ["A", "B"], "kind": "cost", "values": {"A": 1, "B": 1}}, "grand"),
        ({"players": ["A", "B"], "kind": "cost", "values": {"A": 1, "A+B": 1}}, "not listed"),
        (
            {"players": ["A", "B"], "kind": "cost", "values": {"A+B": 1}, "missing": "partition"},
            "cannot be split",
        ),
        ({"players": ["A"], "kind": "profit", "values": {"A": 1}}, "kind"),
        ({"players": ["A"], "kind": "cost", "values": {"A": 1}, "extra": 1}, "unknown"),
        ({"players": "A", "kind": "cost", "values": {"A": 1}}, "list"),
    ],
)
def test_bad_games_are_refused_in_one_line(data, message):
    with pytest.raises(GameError, match=message) as caught:
        game = read_game(data)
        game.table  # noqa: B018  (unlisted coalitions are found when the table is built)
    assert "\n" not in str(caught.value)


def test_partition_uses_listed_values_only():
    game = read_game(
        {
            "players": ["A", "B", "C"],
            "kind": "cost",
            "missing": "partition",
            "values": {"A": 5, "B": 5, "C": 5, "A+B": 6, "A+B+C": 30},
        }
    )
    assert game.value(["A", "B", "C"]) == 30  # listed: kept even though a split is cheaper
    assert game.value(["A", "C"]) == 10
