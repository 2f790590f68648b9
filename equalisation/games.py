"""Fair division: share a cooperative game's total among the players.

Methods (each returns an :class:`~equalisation.coalitions.Allocation` with its core check):

- :func:`shapley` — average marginal contribution over all orders of arrival
  ``φ_i = Σ_{S ⊆ N∖i} |S|!(n−|S|−1)!/n! · [v(S ∪ i) − v(S)]``; exact up to
  :data:`EXACT_SHAPLEY_MAX` (25) players, else (or when asked) estimated from random orders
  with a 95 % bound; ``extra["computation"]`` says which (``"exact"`` or ``"sampled"``);
- :func:`~equalisation.nucleolus.nucleolus` / :func:`~equalisation.nucleolus.prenucleolus` —
  lexicographic minimisation of the largest excesses (LP sequence with constraint generation);
- :func:`scrb` — separable costs, remaining benefits;
- :func:`proportional` — in proportion to the stand-alone values.

For a cost game the allocation shares ``c(N)``; for a savings game it shares ``v(N)``.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.special import comb

from equalisation.coalitions import (
    MAX_PLAYERS,
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

#: Most players for the exact Shapley value: every player's 2^(n−1) marginal contributions are
#: read from the game's table, which holds at most 2^25 values (268 MB, see
#: :data:`equalisation.coalitions.MAX_PLAYERS`); the computation itself adds blocks of 2^16.
EXACT_SHAPLEY_MAX = MAX_PLAYERS
#: Coalitions per row (players within a row) and values per block in the exact computation.
ROW_BITS = 12
BLOCK_BITS = 16
#: Random orders drawn by default when the Shapley value is sampled.
DEFAULT_SAMPLES = 2000
#: Orders evaluated per batch when sampling (bounds memory).
BATCH = 256
Z_95 = 1.959963984540054


def shapley(game: Game, *, samples: int | None = None, seed: int = 0) -> Allocation:
    """The Shapley value: exact up to :data:`EXACT_SHAPLEY_MAX` (25) players, else sampled.

    Exact: ``φ_i = Σ_{S ⊆ N∖i} |S|!(n−|S|−1)!/n! · [v(S ∪ i) − v(S)]`` over the game's table (a
    game given by a function is tabulated first: 2^n coalitions). Sampled when ``samples`` is
    given, or without it above 25 players: the estimate averages marginal contributions over
    ``samples`` (default :data:`DEFAULT_SAMPLES`) random orders drawn as antithetic pairs (an
    order and its reverse). ``extra`` always says which: ``computation`` is ``"exact"`` or
    ``"sampled"`` (and ``sampled`` ``False`` or ``True``); a sampled value adds ``samples``,
    ``seed``, ``exact_max_players`` (25), the 95 % ``half_width`` per player
    (``1.96 × s / √pairs``) and its maximum ``max_half_width``. Each order shares the total
    exactly, so the estimate is efficient too.

    Examples
    --------
    >>> game = Game(("1", "2", "3"), "savings", {
    ...     frozenset("1"): 0, frozenset("2"): 0, frozenset("3"): 0, frozenset("12"): 4,
    ...     frozenset("13"): 6, frozenset("23"): 8, frozenset("123"): 12})
    >>> [round(v, 9) for v in shapley(game).values]
    [3.0, 4.0, 5.0]
    """
    if samples is None and game.n <= EXACT_SHAPLEY_MAX:
        values = _exact_shapley(game.table, game.n)
        return make_allocation(game, "shapley", values, computation="exact", sampled=False)
    count = DEFAULT_SAMPLES if samples is None else int(samples)
    if count < 4:
        raise GameError(f"samples is {samples}; give at least 4 random orders")
    if samples is None:
        log.info(
            "Shapley value of %d players sampled from %d orders (exact up to %d players)",
            game.n,
            count,
            EXACT_SHAPLEY_MAX,
        )
    values, half_width = _sampled_shapley(game, count, seed)
    return make_allocation(
        game,
        "shapley",
        values,
        computation="sampled",
        sampled=True,
        samples=2 * (count // 2),
        seed=seed,
        exact_max_players=EXACT_SHAPLEY_MAX,
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
    """``φ_i = Σ_{S ⊆ N∖i} w(|S|) · [v(S ∪ i) − v(S)]``, ``w(s) = s!(n−s−1)!/n!``, block by block.

    The table is read as rows of ``2^ROW_BITS`` coalitions (players ``0 … ROW_BITS−1`` within a
    row, the others across rows), in blocks of about ``2^BLOCK_BITS`` values. Each block tabulates
    ``w(|S|)`` once (``|S|`` = the row's popcount + the column's) and takes every player's
    marginal contributions between its halves (a player within a row, or across rows inside the
    block) or against the partner block ``2^j`` rows on. Nothing of the table's size is
    allocated: each contribution is a difference of two table values (no cancellation).
    """
    low = min(n, ROW_BITS)
    rows = table.reshape(-1, 1 << low)
    weights = np.r_[1.0 / (n * comb(n - 1, np.arange(n))), 0.0]  # w(n): S = N never lacks i
    row_sizes, column_sizes = coalition_sizes(n - low), coalition_sizes(low)
    step = max(1, (1 << BLOCK_BITS) >> low)
    values = np.zeros(n)
    for start in range(0, len(rows), step):
        block = rows[start : start + step]
        w = weights[row_sizes[start : start + step, None] + column_sizes]
        values[:low] += _within_rows(block, w)
        values[low:] += _across_rows(rows, w, start)
    return values


def _within_rows(block: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``Σ w(|S|)·[v(S ∪ i) − v(S)]`` over a block, for the players ``i`` within a row."""
    count, width = block.shape
    sums = np.empty(width.bit_length() - 1)
    for i in range(len(sums)):
        shape = (count, -1, 2, 1 << i)  # axis 2 is player i's bit
        pairs, weight = block.reshape(shape), w.reshape(shape)
        marginal = pairs[:, :, 1] - pairs[:, :, 0]
        marginal *= weight[:, :, 0]
        sums[i] = marginal.sum()
    return sums


def _across_rows(rows: np.ndarray, w: np.ndarray, start: int) -> np.ndarray:
    """The same for the players across rows: row bit ``j`` is player ``ROW_BITS + j``."""
    count, width = w.shape
    sums = np.zeros(len(rows).bit_length() - 1)
    for j in range(len(sums)):
        bit = 1 << j
        if bit < count:  # both halves inside the block
            pairs = rows[start : start + count].reshape(-1, 2, bit, width)
            marginal = pairs[:, 1] - pairs[:, 0]
            marginal *= w.reshape(-1, 2, bit, width)[:, 0]
        elif start & bit:  # the block holds S ∪ i: counted from its partner
            continue
        else:
            marginal = rows[start + bit : start + bit + count] - rows[start : start + count]
            marginal *= w
        sums[j] = marginal.sum()
    return sums


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
