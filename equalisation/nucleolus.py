"""Nucleolus, prenucleolus and least core: sequential linear programs with constraint generation.

Write every game as a worth ``w = sign × value`` (``w = v`` for savings, ``w = −c`` for cost) and an
allocation as ``y = sign × x``; the excess of a coalition is ``e(S) = w(S) − y(S)`` (how much
``S`` would gain by leaving). The nucleolus lexicographically minimises the largest excesses:

stage k:  minimise t  subject to  e(S) ≤ t           for the free coalitions,
                                  e(S) = t_j          for the coalitions fixed at stage j < k,
                                  y(N) = w(N),  and  y_i ≥ w(i)  (imputations; not for the
                                  prenucleolus).

**Fixing.** A coalition is fixed at ``t*`` **only if it is tight in every optimum** of the stage
(fixing every coalition tight at the optimum the solver returned is the classic mistake that gives
a wrong answer). A coalition with a positive dual is tight in every optimum (complementary
slackness), so the coalitions with a positive dual are fixed. One tight everywhere but with a zero
dual stays free: the next stage then finds the same ``t*`` and fixes it through its own duals. The
duals on the ``e(S) ≤ t`` rows sum to 1, so every stage fixes a coalition outside the span of the
fixed ones; coalitions in that span have a determined excess and drop out. The rank of the fixed
set rises at every stage: at most ``n − 1`` stages.

**Constraint generation.** An LP holds only a working set of free coalitions (closed under
complements, which keeps it bounded). The excesses of all ``2^n`` coalitions are computed in one
numpy pass at each solution; free coalitions above ``t*`` join the working set and the LP is solved
again. The restricted LP is a relaxation, so once a point ``y`` of its optimal face has every
coalition within ``t*``, ``t*`` is the stage's level, ``y`` an optimum and the restricted duals,
padded with zeros, optimal duals of the full stage: that scan is the certificate (a stage whose
scan still finds a coalition above ``t* + TOLERANCE`` raises :class:`SolverError`). The point
scanned first is the solver's vertex. A vertex of a large optimal face often breaks coalitions
outside the working set, so when it fails the next stage's LP on the working set (the tight
coalitions fixed, the others minimised) gives a second point of the same face; points between
the two are more central and usually pass, and that LP is then the next stage's first.

The LPs are solved by HiGHS (:mod:`equalisation.highs`) on values scaled to at most 1 in
magnitude.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

import numpy as np

from equalisation import highs
from equalisation.coalitions import (
    Allocation,
    Game,
    coalition_sizes,
    make_allocation,
    membership_matrix,
    membership_sums,
)
from equalisation.errors import GameError, SolverError

log = logging.getLogger(__name__)

#: Most players for the nucleolus: every LP's solution is checked against all 2^n coalitions.
MAX_PLAYERS = 16
#: Tightness tolerance on scaled values (positive duals; the optimality certificate).
TOLERANCE = 1e-7
#: A coalition whose excess exceeds the level by more than this (scaled) joins the working set.
VIOLATION = 1e-10
#: Coalitions added to a working set at once (largest excesses first).
BATCH = 64
#: Where the points tried between the next stage's optimum (0) and the vertex (1) lie.
SHARES = (0.0, 0.5, 0.25, 0.75)
#: Residual norm below which a coalition lies in the span of the fixed ones.
SPAN = 1e-9


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

    ``extra`` reports ``lp_stages`` (stages) and ``lp_solves`` (LPs solved in all).

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
    stage, _ = problem.certify(problem.first())
    x = game.sign * stage.y * problem.scale
    return LeastCore(
        value=float(stage.t * problem.scale), allocation=make_allocation(game, "least_core", x)
    )


def _solve(game: Game, *, imputations: bool) -> Allocation:
    method = "nucleolus" if imputations else "prenucleolus"
    problem = _Problem(game, imputations=imputations)
    if game.n == 1:
        return make_allocation(game, method, np.array([game.grand_value]), lp_stages=0, lp_solves=0)
    solve, stages = problem.first(), 0
    while True:
        stage, following = problem.certify(solve)
        problem.fix(stage)
        stages += 1
        if not problem.free.any():
            break
        solve = following if following is not None else problem.resume(stage)
    log.debug("%s of %d players: %d stages, %d LPs", method, game.n, stages, problem.solves)
    return make_allocation(
        game,
        method,
        game.sign * stage.y * problem.scale,
        lp_stages=stages,
        lp_solves=problem.solves,
    )


@dataclass(frozen=True)
class _Fixed:
    """Fixed coalitions as independent LP rows ``y(S) = w(S) − t_S``, with an orthonormal basis
    (rows) of their span; the grand coalition is the first."""

    masks: tuple[int, ...]
    rhs: tuple[float, ...]
    basis: np.ndarray

    @property
    def rank(self) -> int:
        return len(self.masks)

    def spans(self, n: int, masks: np.ndarray) -> np.ndarray:
        """Which coalitions lie in the span (residual norm below :data:`SPAN`)."""
        rows = membership_matrix(n, masks).astype(float)
        residual = rows - (rows @ self.basis.T) @ self.basis
        return np.linalg.norm(residual, axis=1) < SPAN

    def extended(self, n: int, masks: np.ndarray, rhs: np.ndarray) -> _Fixed:
        """With the coalitions ``masks`` (``y(S) = rhs``) that raise the rank."""
        fixed = self
        for mask, value in zip(masks.tolist(), rhs.tolist(), strict=True):
            row = membership_matrix(n, np.array([mask]))[0].astype(float)
            residual = row - (fixed.basis @ row) @ fixed.basis
            residual -= (fixed.basis @ residual) @ fixed.basis  # twice: stays orthogonal
            norm = float(np.linalg.norm(residual))
            if norm >= SPAN:
                fixed = _Fixed(
                    masks=(*fixed.masks, mask),
                    rhs=(*fixed.rhs, value),
                    basis=np.r_[fixed.basis, [residual / norm]],
                )
        return fixed


@dataclass(frozen=True)
class _Solve:
    """An optimum of ``min t`` over a working set (``rows``) under ``fixed``, with the duals."""

    t: float
    y: np.ndarray
    rows: np.ndarray
    duals: np.ndarray
    fixed: _Fixed

    @property
    def tight(self) -> np.ndarray:
        """Working coalitions with a positive dual: tight in every optimum."""
        return self.rows[self.duals > TOLERANCE]


class _Problem:
    """The LP sequence of one game: which coalitions (bit masks) are free, and the fixed ones."""

    def __init__(self, game: Game, *, imputations: bool) -> None:
        if game.n > MAX_PLAYERS:
            raise GameError(
                f"the nucleolus of {game.n} players checks 2^{game.n} coalitions per LP; at "
                f"most {MAX_PLAYERS} players; use shapley or scrb"
            )
        worth = game.sign * game.table
        self.scale = max(1.0, float(np.max(np.abs(worth))))
        self.worth = worth / self.scale
        self.n = n = game.n
        full = (1 << n) - 1
        self.sizes = coalition_sizes(n)
        self.free = np.ones(1 << n, dtype=bool)
        self.free[[0, full]] = False
        grand = np.full((1, n), 1 / np.sqrt(n))
        self.fixed = _Fixed(masks=(full,), rhs=(float(self.worth[full]),), basis=grand)
        self.solves = 0
        stand_alone = self.worth[1 << np.arange(n)]
        if imputations and stand_alone.sum() > self.worth[full] + TOLERANCE:
            raise GameError(
                "the game has no imputation: the stand-alone values are better than the grand "
                "coalition's; use prenucleolus"
            )
        self.lower = stand_alone if imputations else None

    def first(self) -> _Solve:
        """The first stage's LP on the singletons, their complements and the largest excesses at
        the stand-alone worths (or 0) plus an equal share of the rest."""
        base = np.zeros(self.n) if self.lower is None else self.lower
        y = base + (self.worth[-1] - base.sum()) / self.n
        singles = 1 << np.arange(self.n, dtype=np.int64)
        return self._min_level(self.fixed, self._closed(np.r_[singles, self._top(self._excess(y))]))

    def resume(self, stage: _Solve) -> _Solve:
        """The next stage's first LP: the free working coalitions and the largest excesses."""
        rows = np.r_[stage.rows, self._top(self._excess(stage.y))]
        return self._min_level(self.fixed, self._closed(rows))

    def certify(self, solve: _Solve) -> tuple[_Solve, _Solve | None]:
        """Add violated coalitions until a point of the optimal face is within ``t*`` for all.

        The points tried are the solver's vertex ``y``, then ``y2``, the optimum of the next
        stage's LP on the working set (:meth:`_following`), and points between the two (both
        lie on the restricted optimal face, so every point between does too; those are the most
        central). Returns the stage with the point that passed as ``y`` and, when ``y2`` was
        computed, that LP's optimum (the next stage's first LP).
        """
        while True:
            excess = self._excess(solve.y)
            added = self._violators(excess, solve.t, solve.rows)
            if added.size == 0:
                self._check(excess, solve.t)
                return solve, None
            following = self._following(solve)
            if following is not None:
                other = self._excess(following.y)
                for share in SHARES:
                    mixed = other + share * (excess - other)
                    if self._violators(mixed, solve.t, solve.rows).size == 0:
                        y = following.y + share * (solve.y - following.y)
                        self._check(self._excess(y), solve.t)
                        return dataclasses.replace(solve, y=y), following
                added = np.r_[added, self._violators(other, solve.t, solve.rows)]
            solve = self._min_level(solve.fixed, self._closed(np.r_[solve.rows, added]))

    def fix(self, stage: _Solve) -> None:
        """Fix the stage's tight coalitions; drop the free coalitions their span determines."""
        tight = stage.tight
        if tight.size == 0:  # the duals on the e(S) ≤ t rows sum to 1: cannot happen
            raise SolverError("a nucleolus stage found no coalition to fix; the LP duals are off")
        self.free[tight] = False
        self.fixed = self._fixed_with(stage)
        self._drop_determined()

    def _following(self, solve: _Solve) -> _Solve | None:
        """The next stage's LP on the working set, as if the tight coalitions were fixed."""
        fixed = self._fixed_with(solve)
        rows = solve.rows[~np.isin(solve.rows, solve.tight)]
        if fixed.rank >= self.n or rows.size == 0:
            return None
        rows = rows[~fixed.spans(self.n, rows)]
        return self._min_level(fixed, rows) if rows.size else None

    def _fixed_with(self, solve: _Solve) -> _Fixed:
        tight = solve.tight
        return solve.fixed.extended(self.n, tight, self.worth[tight] - solve.t)

    def _excess(self, y: np.ndarray) -> np.ndarray:
        """``e(S) = w(S) − y(S)`` for every coalition."""
        return self.worth - membership_sums(y)

    def _top(self, excess: np.ndarray) -> np.ndarray:
        """The :data:`BATCH` free coalitions with the largest excesses."""
        return _largest(np.flatnonzero(self.free), excess)

    def _closed(self, masks: np.ndarray) -> np.ndarray:
        """``masks`` with their complements, the free ones only, sorted and unique."""
        both = np.r_[masks, ((1 << self.n) - 1) ^ masks].astype(np.int64)
        return np.unique(both[self.free[both]])

    def _violators(self, excess: np.ndarray, t: float, rows: np.ndarray) -> np.ndarray:
        """If a free coalition outside ``rows`` has ``e(S) > t``: the :data:`BATCH` largest
        excesses outside ``rows`` (violated or nearly: the next to be violated); else none."""
        outside = self.free.copy()
        outside[rows] = False
        if not np.any(outside & (excess > t + VIOLATION)):
            return np.zeros(0, dtype=np.int64)
        return _largest(np.flatnonzero(outside), excess)

    def _check(self, excess: np.ndarray, t: float) -> None:
        """The certificate: every free coalition is within ``t`` (up to :data:`TOLERANCE`)."""
        worst = float(np.max(excess[self.free], initial=-np.inf)) - t
        if worst > TOLERANCE:
            raise SolverError(
                f"a nucleolus stage left a coalition {worst:.3g} above its level (scaled); "
                "check the game's values for extreme magnitudes"
            )

    def _min_level(self, fixed: _Fixed, rows: np.ndarray) -> _Solve:
        """``min t`` s.t. ``e(S) ≤ t`` on ``rows`` and the fixed rows."""
        n = self.n
        members = membership_matrix(n, rows).astype(float)
        equal = membership_matrix(n, np.array(fixed.masks)).astype(float)
        lower = np.full(n, -np.inf) if self.lower is None else self.lower
        self.solves += 1
        solution = highs.solve(
            np.r_[np.zeros(n), 1.0],
            np.c_[-members, -np.ones(rows.size)],
            -self.worth[rows],
            np.c_[equal, np.zeros(fixed.rank)],
            np.array(fixed.rhs),
            np.r_[lower, -np.inf],
        )
        x = solution.x
        return _Solve(t=float(x[-1]), y=x[:-1], rows=rows, duals=solution.duals, fixed=fixed)

    def _drop_determined(self) -> None:
        """Free coalitions in the span of the fixed ones have a determined excess: drop them.

        ``dist²(S) = |S| − Σ_j (b_j · 1_S)²`` over the orthonormal rows ``b_j``, for every
        coalition at once (one :func:`membership_sums` per row). In the span, ``dist²`` is 0 up
        to rounding (below ``1e-12``); outside, it is at least ``1 / det(B Bᵀ)`` for the 0/1
        fixed rows ``B``, above ``3e-12`` for 16 players (Cauchy–Binet with the largest 0/1
        minors); the few between ``1e-12`` and ``1e-6`` are decided on their own rows
        (:meth:`_Fixed.spans`).
        """
        if self.fixed.rank >= self.n:
            self.free[:] = False
            return
        projected = np.zeros(self.free.size)
        for row in self.fixed.basis:
            projected += membership_sums(row) ** 2
        distance = self.sizes - projected
        self.free &= distance >= 1e-12
        unsure = np.flatnonzero(self.free & (distance < 1e-6))
        if unsure.size:
            self.free[unsure[self.fixed.spans(self.n, unsure)]] = False


def _largest(masks: np.ndarray, excess: np.ndarray) -> np.ndarray:
    """The :data:`BATCH` coalitions among ``masks`` with the largest excesses."""
    if masks.size <= BATCH:
        return masks
    return masks[np.argpartition(-excess[masks], BATCH)[:BATCH]]
