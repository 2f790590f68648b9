"""Aggregation of standardised criteria into one suitability score.

With criterion weights u (normalised to sum 1) and standardised values z_1 … z_n of a cell:

- ``wlc`` (weighted linear combination): S = Σ_i u_i z_i
- ``wgm`` (weighted geometric mean): S = Π_i z_i^u_i (0 as soon as a weighted criterion is 0)
- ``min``: S = min_i z_i (the weights are not used)
- ``owa`` (ordered weighted averaging): with the values sorted ascending z_(1) ≤ … ≤ z_(n),
  their criterion weights u_(i) and order weights v:
  S = Σ_i [u_(i) v_i / Σ_k u_(k) v_k] z_(i).
  v = (1, 0, …, 0) gives the minimum, (1/n, …, 1/n) the WLC, (0, …, 0, 1) the maximum.
  Tied values are ordered by criterion order (the formula depends on it when weights differ).

A cell with any criterion NaN scores NaN.

Order weights from ANDness and trade-off
----------------------------------------
ANDness = (1/(n−1)) Σ_i (n−i) v_i and trade-off = 1 − sqrt(n Σ_i (v_i − 1/n)² / (n−1)).
:func:`owa_weights` works on the order positions x_i = (i−1)/(n−1), where ANDness = 1 − Σ v_i x_i:

- the *most even* weights with the requested ANDness, argmin |v − 1/n|² subject to Σ v = 1,
  Σ v_i x_i = 1 − ANDness, v ≥ 0 (linear in x_i, truncated at 0): the highest trade-off any
  order weights with that ANDness reach; returned when no trade-off is asked for;
- the *focused* weights: all weight on the two positions next to 1 − ANDness, mixed to that
  ANDness: the lowest trade-off of the family;
- for a requested trade-off, the point on the segment between the two with that trade-off
  (ANDness is linear in v, so it stays exact; the distance to 1/n grows along the segment, so
  the point is unique and found in closed form).

A trade-off outside [focused, most even] for that ANDness is refused with the reachable range.

Examples
--------
>>> import numpy as np
>>> z = np.array([[0.2], [0.8]])
>>> aggregate(z, np.array([0.5, 0.5]), Aggregation("owa", order_weights=(1.0, 0.0))).tolist()
[0.2]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from geo.errors import ModelError

Method = Literal["wlc", "owa", "wgm", "min"]
METHODS: tuple[Method, ...] = get_args(Method)


@dataclass(frozen=True)
class Aggregation:
    """How standardised criteria combine; see the module docstring.

    For ``owa`` give either ``order_weights`` (one per criterion, ascending order of values) or
    ``andness`` (0 = maximum … 0.5 = WLC … 1 = minimum) with an optional ``tradeoff`` (0…1).
    """

    method: str = "wlc"
    order_weights: tuple[float, ...] | None = None
    andness: float | None = None
    tradeoff: float | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ModelError(
                f"aggregation method {self.method!r}; expected one of {', '.join(METHODS)}."
            )
        given_owa = [self.order_weights is not None, self.andness is not None]
        if self.method != "owa":
            if any(given_owa) or self.tradeoff is not None:
                raise ModelError(
                    f"order weights, ANDness or trade-off given for method {self.method!r}; "
                    "they belong to method 'owa'."
                )
            return
        if sum(given_owa) != 1:
            raise ModelError(
                "OWA needs either order_weights or andness (with an optional tradeoff), not "
                f"{'both' if all(given_owa) else 'neither'}."
            )
        if self.order_weights is not None:
            if self.tradeoff is not None:
                raise ModelError("OWA trade-off given with order_weights; give one or the other.")
            object.__setattr__(self, "order_weights", _checked_order_weights(self.order_weights))
        else:
            _check_unit("andness", self.andness)
            if self.tradeoff is not None:
                _check_unit("tradeoff", self.tradeoff)

    def order_weights_for(self, n: int) -> np.ndarray:
        """The order weights v for ``n`` criteria (given, or derived from ANDness/trade-off)."""
        if self.order_weights is None:
            return owa_weights(n, andness=self.andness, tradeoff=self.tradeoff)  # type: ignore[arg-type]
        if len(self.order_weights) != n:
            raise ModelError(
                f"{len(self.order_weights)} OWA order weights for {n} criteria; "
                "expected one order weight per criterion."
            )
        return np.asarray(self.order_weights, dtype=np.float64)


def _check_unit(name: str, value: object) -> None:
    if not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
        raise ModelError(f"OWA {name} {value!r}; expected a number within [0, 1].")


def _checked_order_weights(order_weights: object) -> tuple[float, ...]:
    v = np.asarray(order_weights, dtype=np.float64)
    if v.ndim != 1 or v.size == 0 or not np.all(np.isfinite(v)) or np.any(v < 0) or v.sum() == 0:
        raise ModelError(
            f"OWA order weights {order_weights!r}; expected non-negative numbers, not all zero."
        )
    return tuple((v / v.sum()).tolist())


def andness_of(order_weights: np.ndarray) -> float:
    """ANDness = (1/(n−1)) Σ_i (n−i) v_i (1 for the minimum, 0 for the maximum)."""
    v = np.asarray(order_weights, dtype=np.float64)
    n = v.size
    return float(np.sum((n - np.arange(1, n + 1)) * v) / (n - 1)) if n > 1 else 0.5


def tradeoff_of(order_weights: np.ndarray) -> float:
    """Trade-off = 1 − sqrt(n Σ_i (v_i − 1/n)² / (n − 1)) (1 for WLC, 0 for min or max)."""
    v = np.asarray(order_weights, dtype=np.float64)
    n = v.size
    return max(0.0, 1.0 - math.sqrt(n * np.sum((v - 1.0 / n) ** 2) / (n - 1))) if n > 1 else 1.0


def owa_weights(n: int, *, andness: float, tradeoff: float | None = None) -> np.ndarray:
    """Order weights for ``n`` criteria with the given ANDness (and trade-off), see module doc."""
    _check_unit("andness", andness)
    if n == 1:
        return np.ones(1)
    x = np.linspace(0.0, 1.0, n)
    mean_x = 1.0 - andness
    even = _most_even(x, mean_x)
    if tradeoff is None:
        return even
    _check_unit("tradeoff", tradeoff)
    focused = _focused(x, mean_x)
    highest, lowest = tradeoff_of(even), tradeoff_of(focused)
    if not lowest - 1e-12 <= tradeoff <= highest + 1e-12:
        raise ModelError(
            f"OWA trade-off {tradeoff} at ANDness {andness} with {n} criteria; expected a "
            f"trade-off within [{lowest:.3f}, {highest:.3f}] for that ANDness."
        )
    # |even − 1/n + s (focused − even)|² = (1 − t)² (n − 1)/n, solved for s in [0, 1]
    a, b = even - 1.0 / n, focused - even
    target = (1.0 - tradeoff) ** 2 * (n - 1) / n
    bb, ab = float(b @ b), float(a @ b)
    if bb == 0.0:
        return even
    s = (-ab + math.sqrt(max(ab * ab - bb * (float(a @ a) - target), 0.0))) / bb
    return even + min(max(s, 0.0), 1.0) * b


def _most_even(x: np.ndarray, mean_x: float) -> np.ndarray:
    """argmin |v − 1/n|² subject to Σ v = 1, Σ v x = mean_x, v ≥ 0 (truncated linear weights)."""
    n = x.size
    heavy_low = mean_x < 0.5
    for k in range(n, 0, -1):
        support = np.arange(k) if heavy_low else np.arange(n - k, n)
        xs = x[support]
        if k == 1:
            v = np.zeros(n)
            v[support] = 1.0
            return v
        lam, mu = np.linalg.solve([[k, xs.sum()], [xs.sum(), xs @ xs]], [1.0, mean_x])
        if np.all(lam + mu * xs >= -1e-12) and np.all(lam + mu * np.delete(x, support) <= 1e-12):
            v = np.zeros(n)
            v[support] = np.maximum(lam + mu * xs, 0.0)
            return v / v.sum()
    raise AssertionError("unreachable: a single position always fits")


def _focused(x: np.ndarray, mean_x: float) -> np.ndarray:
    """All weight on the two order positions next to ``mean_x``, mixed to that mean."""
    k = min(int(np.searchsorted(x, mean_x, side="right")) - 1, x.size - 2)
    share_upper = (mean_x - x[k]) / (x[k + 1] - x[k])
    v = np.zeros(x.size)
    v[k], v[k + 1] = 1.0 - share_upper, share_upper
    return v


def aggregate(stack: np.ndarray, weights: np.ndarray, aggregation: Aggregation) -> np.ndarray:
    """Combine a stack of standardised criteria (shape ``(n, ...)``) into float64 scores in
    [0, 1] with one weight per criterion (checked, normalised to sum 1 here, where they enter);
    a float32 stack is read as it is and summed in float64. See :func:`combine`."""
    z = np.asarray(stack)
    if z.dtype != np.float32:
        z = z.astype(np.float64, copy=False)
    u = _checked_weights(weights, z.shape[0], aggregation.method)
    return combine(z, u, aggregation)


def combine(z: np.ndarray, u: np.ndarray, aggregation: Aggregation) -> np.ndarray:
    """The scoring kernel, the one implementation of the formulas of this module.

    ``z`` holds the standardised criteria on its first axis, ``(n, ...)``; ``u`` the weights,
    summing to 1 over its first axis, either one per criterion ``(n,)`` or broadcastable
    against ``z`` with the criterion axis first, e.g. ``(n, draws, 1)`` against
    ``(n, draws, sites)`` for a Monte Carlo over the weights. A criterion of weight 0 takes no
    part (not even in the geometric mean's ``0^0``); a NaN criterion makes the score NaN.
    """
    u = np.asarray(u, dtype=np.float64)
    u = u.reshape(u.shape + (1,) * (z.ndim - u.ndim))
    with np.errstate(invalid="ignore", divide="ignore"):
        if aggregation.method == "wlc":
            score = _weighted_sum(u, z)
        elif aggregation.method == "wgm":
            score = np.exp(_weighted_sum(u, np.log(z), skip_zero=True))
        elif aggregation.method == "min":
            shape = np.broadcast_shapes(u.shape[1:], z.shape[1:])
            score = np.array(np.broadcast_to(z.min(axis=0), shape), dtype=np.float64)
        else:
            score = _owa(z, u, aggregation.order_weights_for(z.shape[0]))
    missing = np.isnan(z).any(axis=0)
    if missing.any():
        score = np.where(missing, np.nan, score)
    return np.clip(score, 0.0, 1.0, out=score)


def _weighted_sum(u: np.ndarray, z: np.ndarray, *, skip_zero: bool = False) -> np.ndarray:
    """Σ u_i·z_i over the first axis, in float64, one layer at a time; with ``skip_zero`` a
    term of weight 0 counts 0 whatever z_i (log 0 = −inf in the geometric mean).

    Not ``tensordot``: that goes through BLAS, whose threads spin beside the engine's own
    block threads and took a core from them.
    """
    shape = np.broadcast_shapes(u.shape[1:], z.shape[1:])
    total = np.zeros(shape, dtype=np.float64)
    term = np.empty(shape, dtype=np.float64)
    for weight, layer in zip(u, z, strict=True):
        if weight.size == 1 and float(weight.flat[0]) == 0.0:
            continue
        np.multiply(layer, weight, out=term, dtype=np.float64)
        if skip_zero and weight.size > 1:
            term[np.broadcast_to(weight == 0, shape)] = 0.0
        total += term
    return total


def _owa(z: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    order = np.argsort(z, axis=0, kind="stable")
    z_sorted = np.take_along_axis(z, order, axis=0)
    u_sorted = np.take_along_axis(
        np.broadcast_to(u, np.broadcast_shapes(u.shape, z.shape)), order, axis=0
    )
    uv = u_sorted * v.reshape((-1,) + (1,) * (z.ndim - 1))
    return np.sum(uv * z_sorted, axis=0) / np.sum(uv, axis=0)


def _checked_weights(weights: np.ndarray, n: int, method: str) -> np.ndarray:
    u = np.asarray(weights, dtype=np.float64)
    if u.shape != (n,) or not np.all(np.isfinite(u)) or np.any(u < 0) or u.sum() == 0:
        raise ModelError(
            f"criterion weights {u.tolist()} for {n} criteria; expected {n} non-negative "
            "numbers, not all zero."
        )
    if method == "owa" and np.any(u == 0):
        raise ModelError(
            f"OWA with a zero criterion weight {u.tolist()}; expected every weight > 0 "
            "(remove the criterion instead)."
        )
    return u / u.sum()
