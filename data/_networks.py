"""Lines and points of the demo region: canal, motorway and exits, railway and stations, roads,
streams.

The motorway is "planned": of several seeded candidate routes the one that cuts least through the
village cores is kept; exits are spaced along it, away from the canal valley and the region edge,
in different municipalities where possible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay
from shapely.geometry import LineString, Point

from data._municipalities import Municipalities, side_m
from data._shapes import chaikin, crossing_line, rng_for, wandering_line

MOTORWAY_CANDIDATES = 16


@dataclass(frozen=True)
class Exit:
    """A motorway exit and the municipality it lies in."""

    point: Point
    municipality: int


def longest_part(geometry) -> LineString:
    """The longest line of a (multi)line."""
    return max(shapely.get_parts(geometry), key=lambda part: part.length)


def canal(seed: int, scale: float, region) -> LineString:
    """A canal crossing the region roughly west to east, in long straight-ish reaches."""
    rng = rng_for(seed, "canal")
    side = side_m(scale)
    centre = np.array(region.centroid.coords[0]) + rng.uniform(-0.12, 0.12, 2) * side
    line = crossing_line(centre, rng.uniform(-0.5, 0.5), side, rng, wiggle=0.02)
    return longest_part(line.intersection(region))


def motorway(seed: int, scale: float, region, cores) -> LineString:
    """A motorway crossing the region roughly north to south, the candidate route that cuts
    least through the village cores (buffered by 300 m) and stays near the middle."""
    rng = rng_for(seed, "motorway")
    side = side_m(scale)
    middle = np.array(region.centroid.coords[0])
    avoid = shapely.union_all(cores).buffer(300.0)
    best, best_cost = None, math.inf
    for _ in range(MOTORWAY_CANDIDATES):
        centre = middle + rng.uniform(-0.2, 0.2, 2) * side
        line = crossing_line(centre, math.pi / 2 + rng.uniform(-0.4, 0.4), side, rng)
        route = longest_part(line.intersection(region))
        cost = route.intersection(avoid).length + 0.05 * float(np.hypot(*(centre - middle)))
        if cost < best_cost:
            best, best_cost = route, cost
    assert best is not None  # every candidate's cost is finite
    return best


def exits(
    scale: float, motorway: LineString, canal: LineString, municipalities: Municipalities, cores
) -> list[Exit]:
    """2–3 exits spread along the motorway, clear of the canal, the region edge and the cores.

    A candidate point (every 200 m) is *clear* when it lies at least 2.5 km from the canal,
    1.5 km from the region edge and 400 m from a core, and *spaced* when 3 km or more from the
    exits already chosen (distances shrink with ``scale`` below 2/3). For each target position
    ``(i + ½)/n`` of the route, the candidate of least cost wins, the cost being the distance
    to the target plus 4 km in a municipality that already has an exit, 20 km when not clear
    and 50 km when not spaced.
    """
    n = 3 if scale >= 0.6 else 2
    shrink = min(1.0, 1.5 * scale)
    positions = np.arange(100.0, motorway.length, 200.0)
    points = [motorway.interpolate(p) for p in positions]
    clear = (
        (shapely.distance(points, canal) >= 2500.0 * shrink)
        & (shapely.distance(points, municipalities.region.boundary) >= 1500.0 * shrink)
        & (shapely.distance(points, shapely.union_all(cores)) >= 400.0 * shrink)
    )
    owner = np.array([municipalities.index_at(p) for p in points])
    chosen: list[int] = []
    for target in (np.arange(n) + 0.5) / n * motorway.length:
        spaced = np.ones(len(points), bool)
        for c in chosen:
            spaced &= np.abs(positions - positions[c]) >= 3000.0 * shrink
        cost = (
            np.abs(positions - target)
            + 4000.0 * np.isin(owner, owner[chosen])
            + 20000.0 * ~clear
            + 50000.0 * ~spaced
        )
        cost[chosen] = np.inf
        chosen.append(int(np.argmin(cost)))
    return [Exit(points[i], int(owner[i])) for i in sorted(chosen)]


def railway(seed: int, scale: float, region, municipalities: Municipalities, motorway):
    """A railway through the two largest villages whose link crosses the motorway's direction
    (|sin| ≥ 0.5), with 2–4 stations: those two villages and others within 1 km of the line.

    Returns the line (clipped to the region) and ``(point, municipality index)`` per station.
    """
    rng = rng_for(seed, "railway")
    centres = np.array([c.coords[0] for c in municipalities.centres])
    heading = np.subtract(motorway.coords[-1], motorway.coords[0])
    by_size = [int(i) for i in np.argsort(-municipalities.population, kind="stable")]
    pairs = [(a, b) for i, a in enumerate(by_size) for b in by_size[i + 1 :]]
    crossing = [(a, b) for a, b in pairs if _sin_between(centres[b] - centres[a], heading) >= 0.5]
    a, b = (crossing or pairs)[0]
    direction = (centres[b] - centres[a]) / np.hypot(*(centres[b] - centres[a]))
    reach = side_m(scale)
    control = [
        centres[a] - _turned(direction, rng.uniform(-0.15, 0.15)) * reach,
        centres[a],
        centres[b],
        centres[b] + _turned(direction, rng.uniform(-0.15, 0.15)) * reach,
    ]
    line = longest_part(LineString(chaikin(np.array(control))).intersection(region))
    served = [i for i in by_size if i in (a, b) or line.distance(municipalities.centres[i]) <= 1e3]
    stations = [(line.interpolate(line.project(municipalities.centres[i])), i) for i in served[:4]]
    return line, stations


def regional_roads(seed: int, municipalities: Municipalities, exits: list[Exit]) -> list:
    """Roads linking the village centres and the exits: the minimum spanning tree of their
    Delaunay triangulation plus its shortest other edges (loops), and a road from every exit
    to the nearest centre. Returns ``(line, name)`` pairs; each road wanders a little.
    """
    rng = rng_for(seed, "roads")
    nodes = [*municipalities.centres, *(e.point for e in exits)]
    labels = [*municipalities.names, *(f"exit {k + 1}" for k in range(len(exits)))]
    xy = np.array([p.coords[0] for p in nodes])
    edges = _delaunay_edges(xy)
    length = np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T)
    tree = minimum_spanning_tree(
        coo_matrix((length, (edges[:, 0], edges[:, 1])), shape=(len(xy), len(xy)))
    ).tocoo()
    kept = {tuple(sorted(e)) for e in zip(tree.row.tolist(), tree.col.tolist(), strict=True)}
    loops = [tuple(e) for e in edges[np.argsort(length)].tolist() if tuple(e) not in kept]
    kept |= set(loops[: len(municipalities.centres) // 2])
    n_centres = len(municipalities.centres)
    for k in range(len(exits)):
        node = n_centres + k
        nearest = int(np.argmin(np.hypot(*(xy[:n_centres] - xy[node]).T)))
        kept.add((nearest, node))
    return [
        (wandering_line(xy[i], xy[j], rng, bends=2, wiggle=0.06, smooth=2), f"{a}–{b}")
        for i, j in sorted(kept)
        for a, b in [(labels[i], labels[j])]
    ]


def streams(seed: int, scale: float, region, canal: LineString, exits: list[Exit]) -> list:
    """Brooks running from the higher ground to the canal, kept 1 km away from the exits."""
    rng = rng_for(seed, "streams")
    wanted = max(1, round(5 * scale))
    x0, y0, x1, y1 = region.bounds
    exit_points = shapely.union_all([e.point for e in exits])
    inner = region.buffer(-300.0)
    found: list[LineString] = []
    for _ in range(50 * wanted):
        if len(found) == wanted:
            break
        source = Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        if not inner.contains(source) or source.distance(canal) < 0.2 * side_m(scale):
            continue
        mouth = canal.interpolate(canal.project(source))
        brook = wandering_line(source.coords[0], mouth.coords[0], rng, bends=4, wiggle=0.07)
        if brook.distance(exit_points) >= 1000.0 and all(brook.distance(f) > 800.0 for f in found):
            found.append(brook)
    return [longest_part(brook.intersection(region)) for brook in found]


def quays(canal: LineString, municipalities: Municipalities, *, at: Point) -> list:
    """Quays on the canal: one at ``at`` and one facing each other village within 2.5 km of the
    canal, at most 4, at least 1.5 km apart. Returns ``(point, municipality index)`` pairs."""
    points = [canal.interpolate(canal.project(at))]
    order = np.argsort(-municipalities.population, kind="stable")
    for i in order:
        centre = municipalities.centres[i]
        quay = canal.interpolate(canal.project(centre))
        if (
            len(points) < 4
            and centre.distance(canal) <= 2500.0
            and min(quay.distance(p) for p in points) >= 1500.0
        ):
            points.append(quay)
    return [(p, municipalities.index_at(p)) for p in points]


def _delaunay_edges(xy: np.ndarray) -> np.ndarray:
    """The unique edges ``(i, j)``, ``i < j``, of the Delaunay triangulation of points ``xy``."""
    triangles = Delaunay(xy).simplices
    pairs = np.vstack([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [0, 2]]])
    return np.unique(np.sort(pairs, axis=1), axis=0)


def _sin_between(u: np.ndarray, v: np.ndarray) -> float:
    """|sin| of the angle between two directions."""
    return abs(float(u[0] * v[1] - u[1] * v[0])) / (np.hypot(*u) * np.hypot(*v))


def _turned(vector: np.ndarray, angle_rad: float) -> np.ndarray:
    """``vector`` rotated counter-clockwise by ``angle_rad``."""
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    return np.array([c * vector[0] - s * vector[1], s * vector[0] + c * vector[1]])
