"""Small geometric building blocks of the demo region: random streams, organic shapes, warps.

Everything here is a pure function of its arguments (and of the random generator passed in), so
the region is reproducible for a given seed.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon


def rng_for(seed: int, part: str) -> np.random.Generator:
    """An independent random generator for one part of the region.

    Each part (``"municipalities"``, ``"terrain"``...) draws from its own stream, seeded by
    ``(seed, crc32(part))``, so changing how one part is drawn leaves the others unchanged.
    """
    return np.random.default_rng([seed, zlib.crc32(part.encode())])


def blob(centre: Point, radius_m: float, rng: np.random.Generator, *, roughness: float = 0.2):
    """An organic, star-shaped polygon around ``centre``.

    The radius at angle θ is ``r(θ) = radius_m · (1 + Σ_k a_k cos(kθ + φ_k))`` for k = 2..5 with
    ``Σ a_k ≤ roughness``, so the shape stays within ``radius_m · (1 ± roughness)``.
    """
    theta = np.linspace(0.0, 2.0 * np.pi, 96, endpoint=False)
    harmonics = np.arange(2, 6)
    amplitudes = rng.dirichlet(np.ones(harmonics.size)) * roughness
    phases = rng.uniform(0.0, 2.0 * np.pi, harmonics.size)
    wobble = (amplitudes[:, None] * np.cos(harmonics[:, None] * theta + phases[:, None])).sum(0)
    radius = radius_m * (1.0 + wobble)
    return Polygon(
        np.column_stack([centre.x + radius * np.cos(theta), centre.y + radius * np.sin(theta)])
    )


def chaikin(points: np.ndarray, *, iterations: int = 3) -> np.ndarray:
    """Smooth an open polyline by Chaikin corner cutting, keeping both end points.

    Each pass replaces segment ``(p, q)`` by the points ``¾p + ¼q`` and ``¼p + ¾q``.
    """
    pts = np.asarray(points, dtype=float)
    for _ in range(iterations):
        p, q = pts[:-1], pts[1:]
        cut = np.empty((2 * len(p), 2))
        cut[0::2] = 0.75 * p + 0.25 * q
        cut[1::2] = 0.25 * p + 0.75 * q
        pts = np.vstack([pts[:1], cut, pts[-1:]])
    return pts


def wandering_line(
    start: np.ndarray | Sequence[float],
    end: np.ndarray | Sequence[float],
    rng: np.random.Generator,
    *,
    bends: int = 3,
    wiggle: float = 0.08,
    smooth: int = 3,
) -> LineString:
    """A smooth line from ``start`` to ``end`` through ``bends`` inner control points.

    The control points sit evenly along the chord, pushed sideways by a normal deviate of
    ``wiggle × chord length``; Chaikin smoothing then rounds the corners.
    """
    start, end = np.asarray(start, float), np.asarray(end, float)
    chord = end - start
    length = float(np.hypot(*chord))
    normal = np.array([-chord[1], chord[0]]) / length
    t = np.linspace(0.0, 1.0, bends + 2)[1:-1]
    offsets = rng.normal(0.0, wiggle * length, bends)
    inner = start + t[:, None] * chord + offsets[:, None] * normal
    return LineString(chaikin(np.vstack([start, inner, end]), iterations=smooth))


def crossing_line(
    centre: np.ndarray, angle_rad: float, half_length_m: float, rng, *, wiggle: float = 0.03
) -> LineString:
    """A gently bending line through (about) ``centre`` in direction ``angle_rad``."""
    direction = np.array([np.cos(angle_rad), np.sin(angle_rad)])
    return wandering_line(
        centre - half_length_m * direction, centre + half_length_m * direction, rng, wiggle=wiggle
    )


class Warp:
    """A smooth, invertible displacement of the plane that makes straight boundaries organic.

    ``p ↦ p + d(p)`` with ``d_i(p) = Σ_k a_k sin(u_k · p + φ_k)`` for each axis ``i``; the sum of
    ``a_k |u_k|`` over both axes stays below 1/√2, so the Jacobian ``I + ∇d`` never folds and the
    warp maps a tessellation onto a tessellation.
    """

    #: (wavelength_m, amplitude_m) of the superposed waves.
    WAVES = ((5000.0, 170.0), (1800.0, 70.0), (700.0, 25.0))

    def __init__(self, rng: np.random.Generator):
        n = len(self.WAVES)
        wavelength = np.array([w for w, _ in self.WAVES])
        self.amplitude = np.array([[a for _, a in self.WAVES]] * 2)
        angle = rng.uniform(0.0, 2.0 * np.pi, (2, n))
        wavenumber = 2.0 * np.pi / wavelength
        self.u = np.stack([wavenumber * np.cos(angle), wavenumber * np.sin(angle)], axis=-1)
        self.phase = rng.uniform(0.0, 2.0 * np.pi, (2, n))

    def displace(self, xy: np.ndarray) -> np.ndarray:
        """The warped coordinates of an ``(N, 2)`` array of points."""
        arg = np.einsum("akj,nj->ank", self.u, xy) + self.phase[:, None, :]
        shift = (self.amplitude[:, None, :] * np.sin(arg)).sum(-1)
        return xy + shift.T

    def __call__(self, geometry, *, spacing_m: float = 100.0):
        """Warp a geometry after densifying it to ``spacing_m`` so its edges bend smoothly."""
        return shapely.transform(shapely.segmentize(geometry, spacing_m), self.displace)


def singleparts(geometry) -> list:
    """The non-empty polygons of a (multi)polygon or collection."""
    parts = shapely.get_parts(shapely.make_valid(geometry))
    return [p for p in parts if p.geom_type == "Polygon" and not p.is_empty]
