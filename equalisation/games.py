"""Fair division: share a cooperative game's total among the players.

Methods (each returns an :class:`~equalisation.coalitions.Allocation` with its core check):

- :func:`shapley` — average marginal contribution over all orders of arrival
  ``φ_i = Σ_{S ⊆ N∖i} |S|!(n−|S|−1)!/n! · [v(S ∪ i) − v(S)]``; exact up to
  :data:`EXACT_SHAPLEY_MAX` players, else estimated from random orders with a 95 % bound;
- :func:`~equalisation.nucleolus.nucleolus` / :func:`~equalisation.nucleolus.prenucleolus` —
  lexicographic minimisation of the largest excesses (LP sequence);
- :func:`scrb` — separable costs, remaining benefits;
- :func:`proportional` — in proportion to the stand-alone values.

For a cost game the allocation shares ``c(N)``; for a savings game it shares ``v(N)``.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.special import comb

from equalisation.coalitions import (
    Allocation,
    CoreViolation,
    Game,
    coalition_sizes,
    core_violations,
    make_allocation,
    read_game,
)
from equalisation.errors import GameError
from equalisation.nucleolus import LeastCore, least_core, nucleolus, prenucleolus

__all__ = [
    "METHODS",
    "Allocation",
    "CoreViolation",
    "Game",
    "LeastCore",
    "core_violations",
    "least_core",
    "nucleolus",
    "prenucleolus",
    "proportional",
    "read_game",
    "scrb",
    "shapley",
    "solve",
]

log = logging.getLogger(__name__)

#: Most players for the exact Shapley value (2^n marginal contributions per player).
EXACT_SHAPLEY_MAX = 20
#: Random orders drawn by default when the Shapley value is sampled.
DEFAULT_SAMPLES = 2000
#: Orders evaluated per batch when sampling (bounds memory).
BATCH = 256
Z_95 = 1.959963984540054


def shapley(game: Game, *, samples: int | None = None, seed: int = 0) -> Allocation:
    """The Shapley value: exact, or sampled when ``samples`` is given or ``n`` > 20.

    The sampled estimate averages marginal contributions over ``samples`` random orders drawn as
    antithetic pairs (an order and its reverse); ``extra`` reports ``samples``, the 95 %
    ``half_width`` per player (``1.96 × s / √pairs``) and its maximum ``max_half_width``. Each order
    shares the total exactly, so the estimate is efficient too.

    Examples
    --------
    >>> game = Game(("1", "2", "3"), "savings", {
    ...     frozenset("1"): 0, frozenset("2"): 0, frozenset("3"): 0, frozenset("12"): 4,
    ...     frozenset("13"): 6, frozenset("23"): 8, frozenset("123"): 12})
    >>> [round(v, 9) for v in shapley(game).values]
    [3.0, 4.0, 5.0]
    """
    if samples is None and game.n <= EXACT_SHAPLEY_MAX:
        return make_allocation(game, "shapley", _exact_shapley(game.table, game.n))
    count = DEFAULT_SAMPLES if samples is None else int(samples)
    if count < 4:
        raise GameError(f"samples is {samples}; give at least 4 random orders")
    values, half_width = _sampled_shapley(game, count, seed)
    return make_allocation(
        game,
        "shapley",
        values,
        sampled=True,
        samples=2 * (count // 2),
        seed=seed,
        half_width=dict(zip(game.players, half_width.tolist(), strict=True)),
        max_half_width=float(half_width.max()),
    )


def scrb(game: Game) -> Allocation:
    """Separable costs, remaining benefits.

    ``m_i = c(N) − c(N∖i)`` (separable cost), ``r_i = c(i) − m_i`` (remaining benefit),
    ``x_i = m_i + r⁺_i / Σ r⁺ · (c(N) − Σ m)`` with ``r⁺_i = max(r_i, 0)``: a negative remaining
    benefit (the partner's separable cost exceeds its stand-alone cost) is clipped to 0, so it
    takes no share of the non-separable part (the partners clipped are reported; the core check
    shows who still pays more than alone). The non-separable part is split equally when every
    ``r⁺_i`` is 0. A savings game uses ``v`` for ``c`` with the benefit ``−r_i``.
    """
    table, n = game.table, game.n
    grand = table[-1]
    full = (1 << n) - 1
    separable = grand - table[full ^ (1 << np.arange(n))]
    remaining = table[1 << np.arange(n)] - separable
    benefit = -game.sign * remaining  # a cost saved (cost game) or a gain given up (savings)
    clipped = np.maximum(benefit, 0.0)
    non_separable = grand - separable.sum()
    if np.isclose(clipped.sum(), 0.0, atol=1e-12 * max(1.0, abs(grand))):
        weights = np.full(n, 1.0 / n)
    else:
        weights = clipped / clipped.sum()
    negative = [p for p, b in zip(game.players, benefit, strict=True) if b < 0]
    return make_allocation(
        game,
        "scrb",
        separable + weights * non_separable,
        separable=dict(zip(game.players, separable.tolist(), strict=True)),
        remaining=dict(zip(game.players, remaining.tolist(), strict=True)),
        clipped_remaining=negative,
        rule="negative remaining benefits are clipped to 0 (no share of the non-separable cost)",
    )


def proportional(game: Game) -> Allocation:
    """Share the total in proportion to the stand-alone values: ``x_i = total × c(i) / Σ c(j)``."""
    alone = game.stand_alone
    if np.isclose(alone.sum(), 0.0) or (alone.min() < 0 < alone.max()):
        raise GameError(
            f"stand-alone values range from {alone.min():,.2f} to {alone.max():,.2f}: they sum "
            "to 0 or differ in sign, so a proportional split is undefined; use shapley or nucleolus"
        )
    return make_allocation(game, "proportional", game.grand_value * alone / alone.sum())


METHODS = {
    "shapley": shapley,
    "nucleolus": nucleolus,
    "prenucleolus": prenucleolus,
    "scrb": scrb,
    "proportional": proportional,
}


def solve(game: Game, method: str) -> Allocation:
    """Allocate ``game`` by the named method (one of :data:`METHODS`)."""
    if method not in METHODS:
        raise GameError(f"method {method!r} is unknown; use one of {list(METHODS)}")
    return METHODS[method](game)


def _exact_shapley(table: np.ndarray, n: int) -> np.ndarray:
    """Σ over coalitions without ``i`` of the weighted marginal contribution, per player."""
    cube = table.reshape((2,) * n)  # axis n − 1 − i is player i's bit
    sizes = coalition_sizes(n).reshape((2,) * n)
    weights = 1.0 / (n * comb(n - 1, np.arange(n)))
    values = np.empty(n)
    for i in range(n):
        axis = n - 1 - i
        marginal = np.take(cube, 1, axis=axis) - np.take(cube, 0, axis=axis)
        values[i] = np.sum(weights[np.take(sizes, 0, axis=axis)] * marginal)
    return values


def _sampled_shapley(game: Game, samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean marginal contributions over antithetic random orders, and their 95 % half-widths."""
    rng = np.random.default_rng(seed)
    n, pairs = game.n, max(2, samples // 2)
    total = np.zeros(n)
    total_sq = np.zeros(n)
    for start in range(0, pairs, BATCH):
        size = min(BATCH, pairs - start)
        orders = np.argsort(rng.random((size, n)), axis=1)
        forward = _marginals(game, orders)
        backward = _marginals(game, orders[:, ::-1])
        pair_means = (forward + backward) / 2
        total += pair_means.sum(axis=0)
        total_sq += (pair_means**2).sum(axis=0)
    mean = total / pairs
    variance = np.maximum(total_sq / pairs - mean**2, 0.0) * pairs / (pairs - 1)
    half_width = Z_95 * np.sqrt(variance / pairs)
    log.debug("sampled Shapley: %d orders, max half-width %.4g", 2 * pairs, half_width.max())
    return mean, half_width


def _marginals(game: Game, orders: np.ndarray) -> np.ndarray:
    """Marginal contribution of each player in each order: ``(orders, n)``."""
    count, n = orders.shape
    rank = np.empty_like(orders)
    rank[np.arange(count)[:, None], orders] = np.arange(n)
    if n <= 62 and (game.worth is None or "table" in game.__dict__):
        prefix_masks = np.cumsum(np.int64(1) << orders.astype(np.int64), axis=1)
        worth = game.table[prefix_masks]
    else:
        prefixes = rank[:, None, :] <= np.arange(n)[None, :, None]  # (orders, position, player)
        worth = game.values_of(prefixes.reshape(-1, n)).reshape(count, n)
    step = np.diff(worth, axis=1, prepend=0.0)  # contribution of the player at each position
    return np.take_along_axis(step, rank, axis=1)
