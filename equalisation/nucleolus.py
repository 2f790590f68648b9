"""Nucleolus, prenucleolus and least core by a sequence of linear programs.

Write every game as a worth ``w = sign × value`` (``w = v`` for savings, ``w = −c`` for cost) and an
allocation as ``y = sign × x``; the excess of a coalition is ``e(S) = w(S) − y(S)`` (how much
``S`` would gain by leaving). The nucleolus lexicographically minimises the largest excesses:

stage k:  minimise t  subject to  e(S) ≤ t           for the free coalitions,
                                  e(S) = t_j          for the coalitions fixed at stage j < k,
                                  y(N) = w(N),  and  y_i ≥ w(i)  (imputations; not for the
                                  prenucleolus).

After each stage a coalition is fixed at ``t*`` **only if it is tight in every optimum** of the
stage, not merely in the optimum the solver returned (fixing those is the classic mistake that
gives a wrong answer). A coalition is tight in every optimum when

- its dual price is positive (complementary slackness), or
- its characteristic vector lies in the span of coalitions already known to be tight everywhere
  (its excess is then constant on the optimal face), or
- an extra LP that minimises its excess over the optimal face cannot push it below ``t*``.

Coalitions in the span of the fixed ones drop out of later stages (their excess is determined).
Every stage raises the rank of the fixed set, so at most ``n`` stages are needed. The LPs are
solved by HiGHS (:func:`scipy.optimize.linprog`) on values scaled to at most 1 in magnitude.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from equalisation.coalitions import Allocation, Game, make_allocation, membership_matrix
from equalisation.errors import GameError, SolverError

log = logging.getLogger(__name__)

#: Most players for the nucleolus: the LP has one row per coalition (2^n).
MAX_PLAYERS = 16
#: Tightness tolerance on scaled values.
TOLERANCE = 1e-7


@dataclass(frozen=True)
class LeastCore:
    """The least-core value ``ε*`` and one allocation in the least core.

    ``ε* = min_x max_{S ≠ ∅, N} e(S, x)``, where ``e(S, x) = x(S) − c(S)`` for a cost game and
    ``v(S) − x(S)`` for a savings game: the core is non-empty exactly when ``ε* ≤ 0``.
    """

    value: float
    allocation: Allocation


def nucleolus(game: Game) -> Allocation:
    """The nucleolus over the imputations (nobody worse off than alone); see the module docstring.

    Examples
    --------
    >>> game = Game(("1", "2", "3"), "savings", {
    ...     frozenset("1"): 0, frozenset("2"): 0, frozenset("3"): 0, frozenset("12"): 4,
    ...     frozenset("13"): 6, frozenset("23"): 8, frozenset("123"): 12})
    >>> [round(v, 6) for v in nucleolus(game).values]
    [2.0, 4.0, 6.0]
    """
    return _solve(game, imputations=True)


def prenucleolus(game: Game) -> Allocation:
    """The prenucleolus: as :func:`nucleolus` over all efficient allocations."""
    return _solve(game, imputations=False)


def least_core(game: Game) -> LeastCore:
    """The least-core value and an allocation attaining it (first stage of the prenucleolus)."""
    problem = _Problem(game, imputations=False)
    t, y = problem.stage()
    x = game.sign * y * problem.scale
    return LeastCore(
        value=float(t * problem.scale), allocation=make_allocation(game, "least_core", x)
    )


def _solve(game: Game, *, imputations: bool) -> Allocation:
    problem = _Problem(game, imputations=imputations)
    if game.n == 1:
        return make_allocation(
            game,
            "nucleolus" if imputations else "prenucleolus",
            np.array([game.grand_value]),
            lp_stages=0,
        )
    stages = 0
    while problem.free.any():
        t, y = problem.stage()
        problem.fix_tight_everywhere(t, y)
        stages += 1
    y = problem.y
    method = "nucleolus" if imputations else "prenucleolus"
    log.debug("%s of %d players in %d stages", method, game.n, stages)
    return make_allocation(game, method, game.sign * y * problem.scale, lp_stages=stages)


class _Problem:
    """The LP sequence of one game: coalitions (rows), which are free, which fixed and at what."""

    def __init__(self, game: Game, *, imputations: bool) -> None:
        if game.n > MAX_PLAYERS:
            raise GameError(
                f"the nucleolus of {game.n} players needs an LP with 2^{game.n} rows; at most "
                f"{MAX_PLAYERS} players; use shapley or scrb"
            )
        worth = game.sign * game.table
        self.scale = max(1.0, float(np.max(np.abs(worth))))
        worth = worth / self.scale
        n = game.n
        masks = np.arange(1, (1 << n) - 1, dtype=np.int64)
        self.n = n
        self.A = membership_matrix(n, masks).astype(float)
        self.w = worth[masks]
        self.w_grand = float(worth[-1])
        self.free = np.ones(len(masks), dtype=bool)
        self.fixed_at = np.full(len(masks), np.nan)
        self.basis = np.ones((1, n)) / np.sqrt(n)  # orthonormal rows spanning the fixed set
        stand_alone = worth[1 << np.arange(n)]
        if imputations and stand_alone.sum() > self.w_grand + TOLERANCE:
            raise GameError(
                "the game has no imputation: the stand-alone values are better than the grand "
                "coalition's; use prenucleolus"
            )
        self.bounds = [(w, None) for w in stand_alone] if imputations else [(None, None)] * n
        self.y = np.full(n, np.nan)

    def stage(self) -> tuple[float, np.ndarray]:
        """Solve ``min t`` over the current free and fixed coalitions."""
        result = self._linprog(np.r_[np.zeros(self.n), 1.0], t_bounds=(None, None))
        t, y = float(result.x[-1]), result.x[:-1]
        self.y, self._duals = y, -result.ineqlin.marginals
        return t, y

    def fix_tight_everywhere(self, t: float, y: np.ndarray) -> None:
        """Fix the free coalitions tight in every optimum of the stage at ``t``."""
        free = np.flatnonzero(self.free)
        tight = self.w[free] - self.A[free] @ y >= t - TOLERANCE
        candidates = free[tight]
        self._fix(candidates[self._duals[tight] > TOLERANCE], t)
        ruled_out = np.zeros(self.free.size, dtype=bool)
        for row in candidates:
            if not self.free[row] or ruled_out[row]:
                continue
            if self._in_span(self.A[[row]])[0]:
                self._fix(np.array([row]), t)
                continue
            lowest, y_other = self._lowest_excess(row, t)
            if lowest >= t - TOLERANCE:
                self._fix(np.array([row]), t)
            else:  # candidates slack at this other optimum are not tight everywhere
                slack = self.w[candidates] - self.A[candidates] @ y_other < t - TOLERANCE
                ruled_out[candidates[slack]] = True
        self._drop_determined()

    def _lowest_excess(self, row: int, t: float) -> tuple[float, np.ndarray]:
        """Minimise ``e(row)`` over the optimal face of the stage (``t`` fixed)."""
        result = self._linprog(np.r_[-self.A[row], 0.0], t_bounds=(t, t))
        y = result.x[:-1]
        return float(self.w[row] - self.A[row] @ y), y

    def _linprog(self, objective: np.ndarray, *, t_bounds):
        free = np.flatnonzero(self.free)
        fixed = np.flatnonzero(~np.isnan(self.fixed_at))
        A_ub = np.c_[-self.A[free], -np.ones(free.size)]
        b_ub = -self.w[free]
        A_eq = np.r_[np.c_[self.A[fixed], np.zeros(fixed.size)], [np.r_[np.ones(self.n), 0.0]]]
        b_eq = np.r_[self.w[fixed] - self.fixed_at[fixed], self.w_grand]
        result = linprog(
            objective,
            A_ub=A_ub if free.size else None,
            b_ub=b_ub if free.size else None,
            A_eq=A_eq,
            b_eq=b_eq,
            bounds=[*self.bounds, t_bounds],
            method="highs",
        )
        if result.status != 0:
            raise SolverError(
                f"the nucleolus LP stopped with status {result.status} ({result.message}); "
                "check the game's values for extreme magnitudes"
            )
        return result

    def _fix(self, rows: np.ndarray, t: float) -> None:
        if rows.size == 0:
            return
        self.free[rows] = False
        self.fixed_at[rows] = t
        stacked = np.r_[self.basis, self.A[rows]]
        _, s, vt = np.linalg.svd(stacked, full_matrices=False)
        self.basis = vt[s > 1e-9 * s[0]]

    def _in_span(self, rows: np.ndarray) -> np.ndarray:
        residual = rows - (rows @ self.basis.T) @ self.basis
        return np.linalg.norm(residual, axis=1) < 1e-9

    def _drop_determined(self) -> None:
        """Free coalitions in the span of the fixed ones have a determined excess: drop them."""
        free = np.flatnonzero(self.free)
        if len(self.basis) >= self.n:
            self.free[free] = False
            return
        self.free[free[self._in_span(self.A[free])]] = False
