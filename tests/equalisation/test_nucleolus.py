"""The nucleolus by constraint generation: published values, coopgame-py, Kohlberg's criterion.

Published values: the glove game, and bankruptcy games, whose nucleolus is the Talmud rule
(Aumann & Maschler 1985, with the Talmud's own table for claims 100, 200, 300). Another
implementation: coopgame-py on random games of 3–16 players (to 1e-8), where the working set
matters in the larger ones, reached through HiGHS's bindings and through ``linprog`` alike. An
independent optimality certificate: Kohlberg's criterion (every set of coalitions with an excess
at least some level is balanced) on the prenucleolus.
"""

from __future__ import annotations

from fractions import Fraction

import coopgame
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from equalisation import highs
from equalisation.coalitions import Game, membership_matrix, membership_sums
from equalisation.nucleolus import MAX_PLAYERS, least_core, nucleolus, prenucleolus


def players(n: int) -> list[str]:
    return [f"P{i}" for i in range(n)]


def savings(table: np.ndarray) -> Game:
    return Game.from_table(players(int(table.size).bit_length() - 1), "savings", table)


def members(n: int) -> np.ndarray:
    return membership_matrix(n, np.arange(1 << n)).astype(int)


# --- published values ---------------------------------------------------------------------------


def test_glove_game_nucleolus_is_the_single_core_point():
    # one left glove (P0), two right gloves: v(S) = pairs S can make; the core is {(1, 0, 0)}
    m = members(3)
    game = savings(np.minimum(m[:, 0], m[:, 1] + m[:, 2]).astype(float))
    for method in (nucleolus, prenucleolus):
        assert method(game).values == pytest.approx((1, 0, 0), abs=1e-9)


def constrained_equal_awards(estate: Fraction, claims: list[Fraction]) -> list[Fraction]:
    """``x_i = min(c_i, λ)`` with ``Σ x_i = estate``, in exact arithmetic."""
    left, awards, level = estate, {}, Fraction(0)
    order = sorted(range(len(claims)), key=lambda i: claims[i])
    for k, i in enumerate(order):
        share = left / (len(claims) - k)
        level = min(claims[i], share)
        awards[i] = level
        left -= level
    return [awards[i] for i in range(len(claims))]


def talmud(estate: Fraction, claims: list[Fraction]) -> list[Fraction]:
    """Aumann & Maschler (1985): equal awards on half-claims, or equal losses beyond half."""
    half = [c / 2 for c in claims]
    if estate <= sum(half):
        return constrained_equal_awards(estate, half)
    losses = constrained_equal_awards(sum(claims) - estate, half)
    return [c - loss for c, loss in zip(claims, losses, strict=True)]


def bankruptcy_game(estate: float, claims: list[float]) -> Game:
    """``v(S) = max(0, E − Σ_{i∉S} d_i)``: what S gets once everyone else is paid in full."""
    n = len(claims)
    others = sum(claims) - membership_sums(np.array(claims, dtype=float))
    return Game.from_table(
        players(n), "savings", np.maximum(0.0, estate - others) * (np.arange(1 << n) > 0)
    )


@pytest.mark.parametrize(
    ("estate", "expected"),
    [(100, (100 / 3, 100 / 3, 100 / 3)), (200, (50, 75, 75)), (300, (50, 100, 150))],
)
def test_the_talmuds_own_table(estate, expected):
    game = bankruptcy_game(estate, [100, 200, 300])
    assert nucleolus(game).values == pytest.approx(expected, abs=1e-7)
    assert [float(x) for x in talmud(Fraction(estate), [Fraction(c) for c in (100, 200, 300)])] == (
        pytest.approx(expected)
    )


@settings(max_examples=15, deadline=None)
@given(
    st.lists(st.integers(1, 60), min_size=3, max_size=7),
    st.floats(0.05, 0.95),
)
def test_bankruptcy_nucleolus_is_the_talmud_rule(claims, share):
    estate = Fraction(round(share * sum(claims)))
    expected = [float(x) for x in talmud(estate, [Fraction(c) for c in claims])]
    game = bankruptcy_game(float(estate), [float(c) for c in claims])
    assert nucleolus(game).values == pytest.approx(expected, abs=1e-6)
    assert prenucleolus(game).values == pytest.approx(expected, abs=1e-6)  # convex game


# --- coopgame-py ---------------------------------------------------------------------------------


def random_table(n: int, kind: str, rng: np.random.Generator) -> np.ndarray:
    m = members(n)
    sizes = m.sum(axis=1)
    if kind == "uniform":
        table = rng.uniform(-10, 100, 1 << n)
    elif kind == "integer":  # many equal excesses: coalitions tight in one optimum, not all
        table = rng.integers(0, 6, 1 << n).astype(float)
    elif kind == "majority":
        weights = rng.integers(1, 6, n)
        table = (m @ weights >= weights.sum() // 2 + 1).astype(float)
    elif kind == "convex":  # a large core: the stages' optimal faces are large
        table = (m @ rng.uniform(0, 3, n)) ** 1.5
    else:  # superadditive with noise, as in the benchmark
        table = (m @ rng.uniform(1, 10, n)) * np.maximum(sizes - 1, 0) / n + rng.uniform(
            0, 5, 1 << n
        )
        table[sizes <= 1] = 0.0
    table[0] = 0.0
    return table


KINDS = ["uniform", "integer", "majority", "convex", "noisy"]


#: (players, kind) for the comparison: every size from 3 to 16, every kind of game.
SIZES = [(n, KINDS[n % len(KINDS)]) for n in range(3, 17)] + [
    (12, "convex"),
    (15, "noisy"),
    (16, "convex"),
]


@pytest.mark.parametrize(("n", "kind"), SIZES)
def test_nucleolus_and_prenucleolus_agree_with_coopgame(n, kind):
    table = random_table(n, kind, np.random.default_rng(100 + n))
    game, theirs = savings(table), coopgame.Game(table[1:])
    pre = prenucleolus(game)
    expected = coopgame.nucleolus(theirs, "preimputation")["allocation"]
    assert np.abs(np.array(pre.values) - expected).max() <= 1e-8
    assert 1 <= pre.extra["lp_stages"] <= n - 1 <= MAX_PLAYERS
    assert pre.extra["lp_solves"] >= pre.extra["lp_stages"]
    if table[1 << np.arange(n)].sum() <= table[-1]:  # imputations exist
        expected = coopgame.nucleolus(theirs, "imputation")["allocation"]
        assert np.abs(np.array(nucleolus(game).values) - expected).max() <= 1e-8


@pytest.mark.parametrize(("n", "kind"), [(6, "integer"), (9, "noisy"), (11, "convex")])
def test_both_ways_to_reach_highs_give_the_same_prenucleolus(n, kind, monkeypatch):
    game = savings(random_table(n, kind, np.random.default_rng(n)))
    direct = prenucleolus(game).values
    monkeypatch.setattr(highs, "DIRECT", False)
    assert prenucleolus(game).values == pytest.approx(direct, abs=1e-8)


def test_cost_game_nucleolus_agrees_with_coopgame():
    rng = np.random.default_rng(4)
    n = 9
    cost = 200 + 100 * (members(n) @ rng.uniform(1, 6, n)) ** 0.8
    cost[0] = 0.0
    result = nucleolus(Game.from_table(players(n), "cost", cost))
    expected = coopgame.cost_nucleolus(coopgame.Game(list(cost[1:])))
    assert np.abs(np.array(result.values) - expected).max() <= 1e-7 * cost.max()


def test_least_core_allocation_attains_the_least_core_value():
    table = random_table(10, "uniform", np.random.default_rng(8))
    least = least_core(savings(table))
    excess = (table - membership_sums(np.array(least.allocation.values)))[1:-1]
    assert excess.max() == pytest.approx(least.value, abs=1e-7 * np.abs(table).max())
    theirs = coopgame.least_core(coopgame.Game(list(table[1:])), "preimputation")
    assert least.value == pytest.approx(theirs["epsilon"], abs=1e-7 * np.abs(table).max())


# --- Kohlberg's criterion ------------------------------------------------------------------------


def balanced(collection: np.ndarray) -> bool:
    """Positive weights ``δ_S ≥ 1`` with ``Σ δ_S 1_S`` a multiple of ``1_N``."""
    rows, n = collection.shape
    result = linprog(
        np.zeros(rows + 1),
        A_eq=np.c_[collection.T, -np.ones(n)],
        b_eq=np.zeros(n),
        bounds=[(1, None)] * rows + [(0, None)],
        method="highs",
    )
    return result.status == 0


@settings(max_examples=12, deadline=None)
@given(
    st.integers(3, 5),
    st.integers(0, 2**32 - 1),
    st.sampled_from(["uniform", "integer", "majority"]),
)
def test_prenucleolus_meets_kohlbergs_criterion(n, seed, kind):
    """x is the prenucleolus iff every {S : e(S, x) ≥ α} is balanced (Kohlberg 1971)."""
    table = random_table(n, kind, np.random.default_rng(seed))
    x = np.array(prenucleolus(savings(table)).values)
    assert x.sum() == pytest.approx(table[-1], abs=1e-7)
    tolerance = 1e-6 * max(1.0, np.abs(table).max())
    excess = (table - membership_sums(x))[1:-1]
    rows = members(n)[1:-1]
    for level in np.unique(np.round(excess / tolerance)) * tolerance:
        assert balanced(rows[excess >= level - tolerance]), level
