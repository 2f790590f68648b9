"""The exact Shapley value up to 25 players, on games with a closed-form value, and coopgame-py.

Additive plus symmetric: ``v(S) = Σ_{i∈S} a_i + f(|S|)`` has ``φ_i = a_i + f(n)/n``. The airport
game ``c(S) = max_{i∈S} c_i`` (Littlechild & Owen 1973) has, with ``c_(1) ≤ … ≤ c_(n)``,
``φ_(k) = Σ_{j≤k} (c_(j) − c_(j−1)) / (n − j + 1)``.
"""

from __future__ import annotations

import coopgame
import numpy as np
import pytest

from equalisation.coalitions import Game, membership_sums
from equalisation.games import EXACT_SHAPLEY_MAX, shapley


def players(n: int) -> list[str]:
    return [f"P{i}" for i in range(n)]


def airport_table(costs: np.ndarray) -> np.ndarray:
    """``max_{i∈S} c_i`` for every bit mask (0 for the empty coalition), one player at a time."""
    table = np.zeros(1 << costs.size)
    for i, cost in enumerate(costs):
        np.maximum(table[: 1 << i], cost, out=table[1 << i : 2 << i])
    return table


def airport_shapley(costs: np.ndarray) -> np.ndarray:
    order = np.argsort(costs, kind="stable")
    steps = np.diff(np.r_[0.0, costs[order]]) / (costs.size - np.arange(costs.size))
    values = np.empty(costs.size)
    values[order] = np.cumsum(steps)
    return values


def test_airport_game_of_22_players_is_exact_and_agrees_with_coopgame():
    costs = np.random.default_rng(22).uniform(10, 100, 22).round(2)
    table = airport_table(costs)
    result = shapley(Game.from_table(players(22), "cost", table))
    assert (result.extra["computation"], result.extra["sampled"]) == ("exact", False)
    assert "samples" not in result.extra
    assert result.values == pytest.approx(airport_shapley(costs), abs=1e-8)
    assert result.values == pytest.approx(coopgame.shapley(coopgame.Game(table[1:])), abs=1e-8)
    assert result.in_core  # the airport game is concave: the Shapley value is in the core


def test_additive_plus_symmetric_game_of_25_players_is_exact():
    n = EXACT_SHAPLEY_MAX
    assert n == 25
    rng = np.random.default_rng(25)
    own, scale = rng.uniform(-5, 20, n), rng.uniform(1, 3, n + 1)
    symmetric = scale * np.sqrt(np.arange(n + 1))  # f(s) = g_s · √s
    table = membership_sums(own)
    sizes = np.zeros(1 << n, dtype=np.int8)  # |S|, one player at a time (small: 32 MB)
    for i in range(n):
        np.add(sizes[: 1 << i], 1, out=sizes[1 << i : 2 << i])
    table += symmetric[sizes]
    result = shapley(Game.from_table(players(n), "savings", table))
    assert result.extra["computation"] == "exact"
    expected = own + scale[n] * np.sqrt(n) / n
    assert result.values == pytest.approx(expected, abs=1e-8)


def test_sampled_only_when_asked_or_beyond_the_limit():
    table = airport_table(np.arange(1.0, 7.0))
    asked = shapley(Game.from_table(players(6), "cost", table), samples=100)
    assert (asked.extra["computation"], asked.extra["sampled"]) == ("sampled", True)
    assert asked.extra["samples"] == 100
    demand = np.arange(1.0, EXACT_SHAPLEY_MAX + 2)
    beyond = Game.from_function(
        players(EXACT_SHAPLEY_MAX + 1), "savings", lambda members: members @ demand
    )
    result = shapley(beyond)
    assert result.extra["computation"] == "sampled" and result.extra["samples"] > 0
    assert result.values == pytest.approx(demand)  # additive: every order gives a_i
