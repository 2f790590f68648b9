"""The fictional municipalities of the demo region and their figures.

The region outline is an organic blob; it is cut into municipalities by a Voronoi diagram of seeded
points, evened out by Lloyd relaxation (each point moved to the centroid of its cell, a few times),
then every boundary is bent by one smooth invertible :class:`~data._shapes.Warp`, so the
municipalities still tessellate the region exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point

from data._shapes import Warp, blob, rng_for

#: Invented Flemish-sounding names, none of them a real municipality or railway station name.
NAMES = (
    "Haverbeke",
    "Oostveld",
    "Kleinmoere",
    "Wilgendamme",
    "Bezemkerke",
    "Rietegem",
    "Ganzevoorde",
    "Berkenhoutem",
    "Vlasbeke",
    "Klaverhem",
    "Eikenkapelle",
    "Hopstaden",
    "Leeuwerkele",
    "Mosselvoorde",
    "Turfhoek",
    "Zwanenbrugge",
)
FULL_SIDE_M = 26_000.0
CENTRE_XY = (58_000.0, 188_000.0)
FULL_COUNT = 10
LLOYD_ITERATIONS = 8
PRECISION_M = 0.001


@dataclass(frozen=True)
class Municipalities:
    """The municipal cells with their village centres and figures, ordered north to south."""

    polygons: list
    centres: list
    names: list
    population: np.ndarray
    opcentiemen: np.ndarray
    demand_ha: np.ndarray
    fiscal_capacity_eur: np.ndarray

    @property
    def region(self):
        """The union of all municipalities."""
        return shapely.union_all(self.polygons, grid_size=PRECISION_M)

    def index_at(self, point: Point) -> int:
        """Index of the municipality containing ``point`` (the nearest one when on no cell)."""
        return int(np.argmin(shapely.distance(self.polygons, point)))


def side_m(scale: float) -> float:
    """Side of the square frame the region is drawn in."""
    return FULL_SIDE_M * scale


def count(scale: float) -> int:
    """Number of municipalities: ``max(3, round(10 · scale²))``, following the area."""
    return max(3, round(FULL_COUNT * scale**2))


def draw(seed: int, scale: float) -> Municipalities:
    """Draw the municipalities of the region for ``seed`` at ``scale``."""
    rng = rng_for(seed, "municipalities")
    outline = blob(Point(CENTRE_XY), 0.42 * side_m(scale), rng, roughness=0.12)
    cells = _relaxed_voronoi(outline, count(scale), rng)
    warp = Warp(rng)
    polygons = [shapely.set_precision(warp(cell), PRECISION_M) for cell in cells]
    centres = [_centre(warp, cell, polygon) for cell, polygon in zip(cells, polygons, strict=True)]
    order = sorted(range(len(polygons)), key=lambda i: (-round(centres[i].y, -3), centres[i].x))
    n = len(order)
    population = _population(n, rng)
    return Municipalities(
        polygons=[polygons[i] for i in order],
        centres=[centres[i] for i in order],
        names=list(rng.choice(NAMES, n, replace=False)),
        population=population,
        opcentiemen=rng.integers(70, 151, n) * 10,
        demand_ha=_demand_ha(population, rng),
        fiscal_capacity_eur=np.round(population * rng.uniform(380.0, 620.0, n), -3).astype(int),
    )


def _relaxed_voronoi(outline, n: int, rng: np.random.Generator) -> list:
    """``n`` Voronoi cells clipped to ``outline`` after Lloyd relaxation."""
    x0, y0, x1, y1 = outline.bounds
    points: list[Point] = []
    while len(points) < n:
        candidate = Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        if outline.contains(candidate):
            points.append(candidate)
    frame = outline.envelope.buffer(x1 - x0)
    for _ in range(LLOYD_ITERATIONS):
        diagram = shapely.voronoi_polygons(MultiPoint(points), extend_to=frame, ordered=True)
        cells = shapely.intersection(shapely.get_parts(diagram), outline)
        points = list(shapely.centroid(cells))
    return list(cells)


def _centre(warp: Warp, cell, polygon) -> Point:
    """The village centre: the warped centroid of the cell, or a point surely on the polygon."""
    centre = Point(warp.displace(np.array([cell.centroid.coords[0]]))[0])
    return centre if polygon.contains(centre) else polygon.point_on_surface()


def _population(n: int, rng: np.random.Generator) -> np.ndarray:
    """One small town of 30,000–60,000 inhabitants, the rest log-uniform in 3,000–25,000."""
    population = np.exp(rng.uniform(np.log(3_000), np.log(25_000), n))
    population[rng.integers(n)] = rng.uniform(30_000, 60_000)
    return np.round(population, -1).astype(int)


def _demand_ha(population: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Business-land demand, 1–5 ha in steps of 0.5, growing with log population."""
    share = np.log(population / 3_000) / np.log(20)
    demand = 1.0 + 4.0 * share + rng.normal(0.0, 0.4, population.size)
    return np.clip(np.round(demand * 2) / 2, 1.0, 5.0)
