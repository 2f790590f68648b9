"""Criterion weights: direct, rank-based, and AHP pairwise comparison.

Every function returns weights that sum to 1, keyed by criterion name.

Rank weights, for criteria ordered from most (k = 1) to least (k = n) important:

- rank sum: w_k = 2(n + 1 − k) / (n(n + 1))
- rank reciprocal: w_k = (1/k) / Σ_i (1/i)
- rank-order centroid: w_k = (1/n) Σ_{i=k..n} 1/i

AHP (Saaty): a reciprocal pairwise matrix A (a_ji = 1/a_ij, 1–9 scale); the weights are its
principal eigenvector normalised to sum 1; CI = (λ_max − n)/(n − 1), CR = CI / RI(n), acceptable
when CR ≤ 0.10.

Examples
--------
>>> rank_weights(["access", "slope"], method="rank_sum")
{'access': 0.6666666666666666, 'slope': 0.3333333333333333}
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple, get_args

import numpy as np

from geo.errors import GeoWarning, ModelError

log = logging.getLogger(__name__)

RankMethod = Literal["rank_sum", "rank_reciprocal", "rank_order_centroid"]
RANK_METHODS: tuple[RankMethod, ...] = get_args(RankMethod)
#: Saaty's random consistency index RI(n) for n = 1…10.
RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
ACCEPTABLE_CR = 0.10


class InconsistentJudgementsWarning(GeoWarning):
    """An AHP pairwise matrix has a consistency ratio above 0.10."""


def direct_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Normalise given weights to sum 1; refuse negative, non-finite or all-zero weights."""
    if not weights:
        raise ModelError("no weights given; expected at least one criterion with a weight.")
    bad = {name: w for name, w in weights.items() if not (math.isfinite(w) and w >= 0)}
    if bad:
        raise ModelError(f"weights {bad}; expected finite numbers ≥ 0.")
    total = math.fsum(weights.values())
    if total == 0:
        raise ModelError(
            f"weights {dict(weights)} are all zero; give at least one positive weight."
        )
    return {name: float(w) / total for name, w in weights.items()}


def rank_weights(order: Sequence[str], method: str = "rank_sum") -> dict[str, float]:
    """Weights from an importance order (first = most important), see the module docstring."""
    if method not in RANK_METHODS:
        raise ModelError(f"rank method {method!r}; expected one of {', '.join(RANK_METHODS)}.")
    names = list(order)
    if not names or len(set(names)) != len(names):
        raise ModelError(f"rank order {names}; expected distinct criterion names, at least one.")
    n = len(names)
    k = np.arange(1, n + 1, dtype=np.float64)
    if method == "rank_sum":
        w = 2.0 * (n + 1 - k) / (n * (n + 1))
    elif method == "rank_reciprocal":
        w = (1.0 / k) / np.sum(1.0 / k)
    else:
        w = np.cumsum((1.0 / k)[::-1])[::-1] / n
    return dict(zip(names, w.tolist(), strict=True))


class Judgement(NamedTuple):
    """A pairwise judgement a_ij ("i over j") and the ratio w_i / w_j the weights imply."""

    i: str
    j: str
    judgement: float
    implied: float


@dataclass(frozen=True)
class AHPResult:
    """AHP weights with Saaty's consistency figures and the judgements that deviate most."""

    names: tuple[str, ...]
    matrix: tuple[tuple[float, ...], ...]
    weights: dict[str, float]
    lambda_max: float
    ci: float
    cr: float
    random_index: float
    acceptable: bool
    most_inconsistent: list[Judgement]


def ahp_weights(names: Sequence[str], matrix: Sequence[Sequence[float]]) -> AHPResult:
    """AHP weights from a reciprocal pairwise comparison matrix (rows and columns = ``names``).

    Warns with :class:`InconsistentJudgementsWarning` when CR > 0.10, naming the judgements
    farthest (in log ratio |ln(a_ij · w_j / w_i)|) from what the weights imply.
    """
    A = _checked_matrix(list(names), matrix)
    n = len(names)
    eigenvalues, eigenvectors = np.linalg.eig(A)
    k = int(np.argmax(eigenvalues.real))
    lambda_max = float(eigenvalues[k].real)
    w = np.abs(eigenvectors[:, k].real)
    w /= w.sum()
    ci = max(lambda_max - n, 0.0) / (n - 1) if n > 1 else 0.0
    random_index = RANDOM_INDEX[n - 1]
    cr = ci / random_index if random_index > 0 else 0.0
    result = AHPResult(
        names=tuple(names),
        matrix=tuple(tuple(float(v) for v in row) for row in A),
        weights=dict(zip(names, w.tolist(), strict=True)),
        lambda_max=lambda_max,
        ci=ci,
        cr=cr,
        random_index=random_index,
        acceptable=cr <= ACCEPTABLE_CR,
        most_inconsistent=_deviations(list(names), A, w),
    )
    if not result.acceptable:
        worst = "; ".join(
            f"{j.i} over {j.j}: given {j.judgement:.3g}, implied {j.implied:.3g}"
            for j in result.most_inconsistent[:3]
        )
        warnings.warn(
            f"AHP consistency ratio {cr:.3f} > {ACCEPTABLE_CR}; most inconsistent judgements: "
            f"{worst}. Revise these judgements.",
            InconsistentJudgementsWarning,
            stacklevel=2,
        )
    return result


def _checked_matrix(names: list[str], matrix: Sequence[Sequence[float]]) -> np.ndarray:
    n = len(names)
    if not 1 <= n <= len(RANDOM_INDEX) or len(set(names)) != n:
        raise ModelError(
            f"AHP with {n} criteria {names}; expected 1 to {len(RANDOM_INDEX)} distinct names "
            "(group more criteria hierarchically)."
        )
    A = np.asarray(matrix, dtype=np.float64)
    if A.shape != (n, n) or not np.all(np.isfinite(A)) or np.any(A <= 0):
        raise ModelError(
            f"AHP matrix of shape {A.shape}; expected {n} x {n} positive finite judgements."
        )
    if not np.allclose(A * A.T, 1.0, rtol=1e-3):
        i, j = np.unravel_index(np.argmax(np.abs(A * A.T - 1.0)), A.shape)
        raise ModelError(
            f"AHP matrix not reciprocal: a[{names[i]}][{names[j]}] = {A[i, j]:.4g} but "
            f"a[{names[j]}][{names[i]}] = {A[j, i]:.4g}; expected a_ji = 1/a_ij and a_ii = 1."
        )
    return A


def _deviations(names: list[str], A: np.ndarray, w: np.ndarray) -> list[Judgement]:
    implied = w[:, None] / w[None, :]
    rows, cols = np.triu_indices(len(names), k=1)
    distance = np.abs(np.log(A[rows, cols] / implied[rows, cols]))
    order = np.argsort(-distance, kind="stable")
    return [
        Judgement(
            names[rows[k]],
            names[cols[k]],
            float(A[rows[k], cols[k]]),
            float(implied[rows[k], cols[k]]),
        )
        for k in order
    ]
