"""Standardisation: raw criterion values to a suitability μ in [0, 1].

A :class:`Transform` names a membership function and its control points; :func:`standardise`
applies it. NaN (nodata) stays NaN. With control points ``a ≤ b ≤ c ≤ d``:

``direction="increasing"`` uses the rising edge ``[a, b]`` (μ = 1 from ``b`` on),
``"decreasing"`` the falling edge ``[c, d]`` (μ = 1 up to ``c``), ``"symmetric"`` both, with
μ = 1 on ``[b, c]``.

=========  ===================================================================================
kind       rising edge ``x < b`` (t = (x − a)/(b − a)); the falling edge mirrors it on ``[c, d]``
=========  ===================================================================================
linear     μ = clip(t, 0, 1)
sigmoid    μ = cos²((1 − t)·π/2) on ``[a, b]``, 0 below ``a``
j_shaped   μ = 1 / (1 + ((x − b)/(b − a))²), 0.5 at ``a``, never 0
gaussian   μ = exp(−ln 2 · ((x − b)/(b − a))²), 0.5 at ``a`` ("near": a bell around ``[b, c]``;
           never below the smallest normal float)
=========  ===================================================================================

``piecewise`` interpolates linearly through user points ``((x, μ), ...)`` (constant beyond the
ends; ``direction`` is not used). ``categorical`` maps category values to μ (``mapping``); a
category not in the mapping scores 0 (it is a known value without suitability), NaN stays NaN.

:func:`perturbed` draws a transform near a given one, for Monte Carlo over the parameters.

Examples
--------
>>> import numpy as np
>>> t = Transform("linear", a=0.0, b=10.0)
>>> standardise(np.array([-5.0, 5.0, 20.0, np.nan]), t).tolist()
[0.0, 0.5, 1.0, nan]
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, get_args

import numpy as np

from geo.errors import ModelError

TransformKind = Literal["linear", "sigmoid", "j_shaped", "gaussian", "piecewise", "categorical"]
Direction = Literal["increasing", "decreasing", "symmetric"]
KINDS: tuple[TransformKind, ...] = get_args(TransformKind)
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)
#: The kinds with edges (control points a ≤ b ≤ c ≤ d), and the points each direction needs.
EDGE_KINDS = ("linear", "sigmoid", "j_shaped", "gaussian")
NEEDED_POINTS = {"increasing": ("a", "b"), "decreasing": ("c", "d"), "symmetric": "abcd"}


@dataclass(frozen=True)
class Transform:
    """A standardisation function and its parameters (see the module docstring for formulas)."""

    kind: str
    direction: str = "increasing"
    a: float | None = None
    b: float | None = None
    c: float | None = None
    d: float | None = None
    points: tuple[tuple[float, float], ...] | None = None
    mapping: Mapping[Any, float] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ModelError(f"transform kind {self.kind!r}; expected one of {', '.join(KINDS)}.")
        if self.direction not in DIRECTIONS:
            raise ModelError(
                f"transform direction {self.direction!r}; expected one of {', '.join(DIRECTIONS)}."
            )
        if self.kind in EDGE_KINDS:
            self._check_control_points()
        elif self.kind == "piecewise":
            object.__setattr__(self, "points", _checked_points(self.points))
        else:
            object.__setattr__(self, "mapping", _checked_mapping(self.mapping))

    def _check_control_points(self) -> None:
        needed = NEEDED_POINTS[self.direction]
        given = {name: getattr(self, name) for name in needed}
        missing = [name for name, value in given.items() if value is None]
        if missing:
            raise ModelError(
                f"{self.direction} {self.kind} transform without {', '.join(missing)}; expected "
                f"control points {', '.join(needed)} (a, b: rising edge; c, d: falling edge)."
            )
        values = [float(v) for v in given.values()]
        if not all(np.isfinite(values)) or values != sorted(values):
            raise ModelError(f"control points {given}; expected finite numbers with a ≤ b ≤ c ≤ d.")
        for lo, hi in (("a", "b"), ("c", "d")):
            if lo in given and given[lo] == given[hi]:
                raise ModelError(
                    f"control points {lo} = {hi} = {given[lo]}; expected {lo} < {hi} "
                    "(an edge needs a width; use a piecewise transform for a step)."
                )


def _checked_points(points: Iterable[Any] | None) -> tuple[tuple[float, float], ...]:
    try:
        if points is None:
            raise TypeError("no points")
        pairs = tuple((float(x), float(mu)) for x, mu in points)
    except (TypeError, ValueError) as exc:
        raise ModelError(
            f"piecewise points {points!r}; expected a sequence of (x, μ) pairs."
        ) from exc
    xs = [x for x, _ in pairs]
    if len(pairs) < 2 or any(x1 <= x0 for x0, x1 in itertools.pairwise(xs)):
        raise ModelError(
            f"piecewise points {points!r}; expected at least two pairs with increasing x."
        )
    if not all(0.0 <= mu <= 1.0 for _, mu in pairs):
        raise ModelError(f"piecewise points {points!r}; expected every μ within [0, 1].")
    return pairs


def _checked_mapping(mapping: object) -> dict[Any, float]:
    if not isinstance(mapping, Mapping) or not mapping:
        raise ModelError(
            f"categorical mapping {mapping!r}; expected a non-empty mapping category -> μ."
        )
    checked = {key: float(mu) for key, mu in mapping.items()}
    bad = {key: mu for key, mu in checked.items() if not 0.0 <= mu <= 1.0}
    if bad:
        raise ModelError(f"categorical mapping gives μ {bad}; expected values within [0, 1].")
    return checked


def standardise(
    values: np.ndarray, transform: Transform, *, dtype: type = np.float64
) -> np.ndarray:
    """Apply ``transform`` to raw ``values``: μ in [0, 1] as ``dtype`` (float64, or float32 for
    a float32 raster), NaN kept as NaN."""
    x = np.asarray(values)
    if transform.kind == "categorical":
        assert transform.mapping is not None  # checked by Transform
        return _categorical(x, transform.mapping, dtype)
    if transform.kind == "piecewise":
        assert transform.points is not None  # checked by Transform
        xs, mus = zip(*transform.points, strict=True)
        return np.interp(x, xs, mus).astype(dtype, copy=False)  # NaN stays NaN
    edge = _EDGES[transform.kind]
    # an edge runs from μ = 0 (or 0.5) at ``start`` to μ = 1 at ``end``: the rising edge from a
    # to b, the falling edge from d back to c; NaN propagates through every operation
    with np.errstate(over="ignore"):  # far from the edge: squares overflow to inf, μ to 0
        a, b, c, d = transform.a, transform.b, transform.c, transform.d
        # Transform checked that its direction's control points are given
        if transform.direction == "increasing":
            assert a is not None and b is not None
            return edge(x, a, b, dtype)
        assert c is not None and d is not None
        if transform.direction == "decreasing":
            return edge(x, d, c, dtype)
        assert a is not None and b is not None
        rising = edge(x, a, b, dtype)
        return np.minimum(rising, edge(x, d, c, dtype), out=rising)


def perturbed(transform: Transform, rng: np.random.Generator, sd: float) -> Transform:
    """A random transform near ``transform``: its parameters moved by Gaussian noise of
    relative size ``sd`` (0 gives the same parameters).

    - edge kinds: each control point p ← p + N(0, (sd·w)²), w the width of its edge (b − a
      for a and b, d − c for c and d); the points are then sorted again, so a ≤ b ≤ c ≤ d,
      and an edge that collapsed keeps a width of 10⁻⁶·w;
    - piecewise: each x ← x + N(0, (sd·g)²), g the mean gap between the points, sorted again
      with the same minimum gap; the μ values stay;
    - categorical: each μ ← clip(μ + N(0, sd²), 0, 1).

    The generator gives one normal number per parameter, in the order a, b, c, d, the points,
    or the mapping, whatever their values.
    """
    if not (np.isfinite(sd) and sd >= 0):
        raise ModelError(f"perturbation sd {sd!r}; expected a finite number ≥ 0.")
    if transform.kind == "categorical":
        mapping = transform.mapping or {}
        shifts = rng.normal(0.0, sd, len(mapping))
        moved = np.clip(np.fromiter(mapping.values(), float) + shifts, 0.0, 1.0)
        return replace(transform, mapping=dict(zip(mapping, moved.tolist(), strict=True)))
    if transform.kind == "piecewise":
        assert transform.points is not None  # checked by Transform
        xs, mus = (np.array(axis) for axis in zip(*transform.points, strict=True))
        gap = (xs[-1] - xs[0]) / (xs.size - 1)
        moved = _spread(np.sort(xs + rng.normal(0.0, sd * gap, xs.size)), 1e-6 * gap)
        return replace(transform, points=tuple(zip(moved.tolist(), mus.tolist(), strict=True)))
    names = NEEDED_POINTS[transform.direction]
    points = np.array([getattr(transform, name) for name in names], dtype=np.float64)
    widths = np.array([_edge_width(transform, name) for name in names])
    moved = np.sort(points + rng.normal(0.0, 1.0, points.size) * sd * widths)
    min_gaps = np.where(np.arange(points.size) % 2 == 1, 1e-6 * widths, 0.0)  # a < b, c < d
    return replace(transform, **dict(zip(names, _spread(moved, min_gaps).tolist(), strict=True)))


def _edge_width(transform: Transform, point: str) -> float:
    a, b, c, d = transform.a, transform.b, transform.c, transform.d
    if point in "ab":
        assert a is not None and b is not None  # the points of its edge are given
        return float(b - a)
    assert c is not None and d is not None
    return float(d - c)


def _spread(xs: np.ndarray, min_gaps: np.ndarray | float) -> np.ndarray:
    """Sorted ``xs`` pushed right where needed: y_i = max(x_i, y_(i−1) + gap_i) (values that
    keep their gaps stay exactly as they are)."""
    gaps = np.broadcast_to(min_gaps, xs.shape)
    ys = xs.astype(np.float64)
    for i in range(1, ys.size):
        ys[i] = max(ys[i], ys[i - 1] + gaps[i])
    return ys


def _position(x: np.ndarray, start: float, end: float, dtype: type) -> np.ndarray:
    """t = (x − start) / (end − start): 0 at ``start``, 1 at ``end`` (a new array)."""
    t = np.subtract(x, start, dtype=dtype)
    t /= dtype(end - start)
    return t


def _linear(x: np.ndarray, start: float, end: float, dtype: type) -> np.ndarray:
    t = _position(x, start, end, dtype)
    return np.clip(t, 0.0, 1.0, out=t)


def _sigmoid(x: np.ndarray, start: float, end: float, dtype: type) -> np.ndarray:
    # cos²((1 − t)·π/2) written as sin²(t·π/2): the same, and exactly 0 at a and 1 at b
    t = _linear(x, start, end, dtype)
    t *= dtype(np.pi / 2.0)
    np.sin(t, out=t)
    return np.square(t, out=t)


def _beyond_end(x: np.ndarray, start: float, end: float, dtype: type) -> np.ndarray:
    """min(t − 1, 0) = min(x − end, 0) / (end − start): how far short of ``end``, in widths."""
    t = _position(x, start, end, dtype)
    t -= dtype(1.0)
    return np.minimum(t, dtype(0.0), out=t)


def _j_shaped(x: np.ndarray, start: float, end: float, dtype: type) -> np.ndarray:
    s = _beyond_end(x, start, end, dtype)
    np.square(s, out=s)
    s += dtype(1.0)
    return np.reciprocal(s, out=s)


def _gaussian(x: np.ndarray, start: float, end: float, dtype: type) -> np.ndarray:
    s = _beyond_end(x, start, end, dtype)
    np.square(s, out=s)
    # μ = 2^(−s²) stays above the smallest normal number of ``dtype`` (μ ≥ 2^-1021 in
    # float64): subnormal numbers would slow every later operation on them a hundredfold
    np.minimum(s, dtype(-np.finfo(dtype).minexp - 1), out=s)
    s *= dtype(-np.log(2.0))
    return np.exp(s, out=s)


_EDGES = {"linear": _linear, "sigmoid": _sigmoid, "j_shaped": _j_shaped, "gaussian": _gaussian}


def _categorical(x: np.ndarray, mapping: Mapping[Any, float], dtype: type) -> np.ndarray:
    mu: np.ndarray = np.zeros(x.shape, dtype=dtype)
    for category, value in mapping.items():
        try:
            mu[x == float(category)] = value
        except (TypeError, ValueError) as exc:
            raise ModelError(
                f"categorical key {category!r} on numeric values; expected numeric keys "
                "(text categories are coded by the zoning criterion)."
            ) from exc
    mu[np.isnan(x)] = np.nan
    return mu
