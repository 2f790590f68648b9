"""Land use of the demo region: village cores, nature, business parks, recreation and zoning.

Land near the motorway exits is kept free of new nature and hamlets, so that the suitability model
finds agricultural land to propose there.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import Point, Polygon

from data._municipalities import PRECISION_M, Municipalities
from data._networks import Exit
from data._shapes import blob, rng_for, singleparts

#: Zoning categories, the first winning where layers overlap; agriculture fills the rest.
ZONES = ("industry", "residential", "nature", "recreation", "agriculture")
EXIT_CLEARANCE_M = 1600.0


def core_radius_m(population: int) -> float:
    """Radius of a village core: ``350 + 4.5 √population`` m (≈ 600 m for 3,000 inhabitants,
    ≈ 1,450 m for 60,000)."""
    return 350.0 + 4.5 * math.sqrt(population)


def village_cores(seed: int, scale: float, municipalities: Municipalities, region) -> list[Polygon]:
    """The main residential core around each village centre, shrunk by ``(1 + scale) / 2`` in
    regions drawn at a smaller scale so that they leave room for open land."""
    rng = rng_for(seed, "cores")
    shrink = 0.5 * (1.0 + scale)
    cores = [
        blob(centre, shrink * core_radius_m(pop), rng, roughness=0.25)
        for centre, pop in zip(municipalities.centres, municipalities.population, strict=True)
    ]
    return [core.intersection(region) for core in cores]


def hamlets(
    seed: int, municipalities: Municipalities, motorway, exits: list[Exit]
) -> list[Polygon]:
    """One or two small residential hamlets per municipality, away from its centre, the
    motorway (400 m) and the exits."""
    rng = rng_for(seed, "hamlets")
    exit_points = shapely.union_all([e.point for e in exits])
    found = []
    for polygon, centre in zip(municipalities.polygons, municipalities.centres, strict=True):
        x0, y0, x1, y1 = polygon.bounds
        inner = polygon.buffer(-300.0)
        wanted = 1 + int(rng.random() < 0.5)
        for _ in range(40 * wanted):
            spot = Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
            if (
                inner.contains(spot)
                and spot.distance(centre) > 1800.0
                and spot.distance(motorway) > 400.0
                and spot.distance(exit_points) > EXIT_CLEARANCE_M
            ):
                found.append(blob(spot, rng.uniform(180.0, 330.0), rng, roughness=0.3))
                wanted -= 1
                if wanted == 0:
                    break
    return found


def nature_areas(
    seed: int, scale: float, region, cores, motorway, exits: list[Exit]
) -> list[Polygon]:
    """Protected woods and wetlands (≈ 0.5–3 km² each), away from the exits, the motorway and
    150 m clear of the residential cores."""
    rng = rng_for(seed, "nature")
    wanted = max(2, round(7 * scale**2))
    exit_points = shapely.union_all([e.point for e in exits])
    settled = shapely.union_all(cores)
    x0, y0, x1, y1 = region.bounds
    found: list[Polygon] = []
    for _ in range(60 * wanted):
        if len(found) == wanted:
            break
        spot = Point(rng.uniform(x0, x1), rng.uniform(y0, y1))
        radius = rng.uniform(350.0, 900.0)
        if (
            region.contains(spot)
            and spot.distance(exit_points) > EXIT_CLEARANCE_M + radius
            and spot.distance(motorway) > 400.0 + radius
            and spot.distance(settled) > 500.0
        ):
            area = blob(spot, radius, rng, roughness=0.3).difference(settled.buffer(150.0))
            found.extend(singleparts(area.intersection(region)))
    return found


def harbour(canal, municipalities: Municipalities, settled) -> Point:
    """The canal point nearest to the largest town that lies 300 m or more from any village core
    and 1 km or more from the region edge: where the canal-side business park and quay sit."""
    town = municipalities.centres[int(np.argmax(municipalities.population))]
    points = [canal.interpolate(d) for d in np.arange(0.0, canal.length, 100.0)]
    free = (shapely.distance(points, shapely.union_all(settled)) >= 300.0) & (
        shapely.distance(points, municipalities.region.boundary) >= 1000.0
    )
    candidates = [p for p, ok in zip(points, free, strict=True) if ok] or points
    return min(candidates, key=town.distance)


def business_parks(
    quay: Point, canal, exits: list[Exit], municipalities: Municipalities, settled, nature
) -> list[tuple[Polygon, str]]:
    """Existing business parks: a canal-side park of ~35 ha at ``quay`` and, with three exits or
    more, a ~20 ha park beside the exit nearest to the largest town.

    A park is a rectangle along the canal (or across the line exit→town), on the side where it
    overlaps the village cores and nature least, minus those. Returns ``(polygon, kind)`` pairs.
    """
    taken = shapely.union_all([*settled, *nature])
    s = canal.project(quay)
    tangent = np.subtract(canal.interpolate(s + 50).coords[0], canal.interpolate(s - 50).coords[0])
    parks = [(_rectangle(quay, tangent, 700.0, 500.0, 60.0, taken), "canal-side")]
    if len(exits) >= 3:
        town = municipalities.centres[int(np.argmax(municipalities.population))]
        exit_point = min((e.point for e in exits), key=town.distance)
        dx, dy = np.subtract(town.coords[0], exit_point.coords[0])
        parks.append((_rectangle(exit_point, (-dy, dx), 500.0, 400.0, 150.0, taken), "motorway"))
    return [
        (max(singleparts(park.difference(taken)), key=lambda p: p.area), kind)
        for park, kind in parks
    ]


def _rectangle(anchor: Point, along_xy, length_m: float, depth_m: float, gap_m: float, taken):
    """A ``length_m × depth_m`` rectangle with its long side parallel to ``along_xy``, ``gap_m``
    beside ``anchor``, on the side where it overlaps ``taken`` least."""
    u = np.asarray(along_xy, float) / np.hypot(*along_xy)
    half = 0.5 * length_m * u
    sides = []
    for normal in (np.array([-u[1], u[0]]), np.array([u[1], -u[0]])):
        base = np.array(anchor.coords[0]) + gap_m * normal
        deep = depth_m * normal
        sides.append(Polygon([base - half, base + half, base + half + deep, base - half + deep]))
    return min(sides, key=lambda side: side.intersection(taken).area)


def recreation_areas(seed: int, municipalities: Municipalities, exits: list[Exit]) -> list[Polygon]:
    """A sports ground or park (≈ 5–15 ha) on the edge of each village core."""
    rng = rng_for(seed, "recreation")
    exit_points = shapely.union_all([e.point for e in exits])
    found = []
    for centre, pop in zip(municipalities.centres, municipalities.population, strict=True):
        angle = rng.uniform(0.0, 2.0 * math.pi)
        reach = 0.9 * core_radius_m(pop) + 120.0
        spot = Point(centre.x + reach * math.cos(angle), centre.y + reach * math.sin(angle))
        if spot.distance(exit_points) > EXIT_CLEARANCE_M:
            found.append(blob(spot, rng.uniform(130.0, 220.0), rng, roughness=0.2))
    return found


def zoning(
    municipalities: Municipalities, layers: dict[str, list]
) -> list[tuple[Polygon, str, int]]:
    """Zoning polygons covering every municipality without overlap.

    Within each municipality each zone of :data:`ZONES` takes its layer's area not yet taken by
    an earlier zone and agriculture takes what remains. The overlays run on a 1 mm precision
    grid so that neighbouring pieces share their vertices exactly. Returns
    ``(polygon, zone, municipality index)`` triples.
    """
    unions = {zone: shapely.union_all(layers[zone], grid_size=PRECISION_M) for zone in layers}
    pieces: list[tuple[Polygon, str, int]] = []
    for index, territory in enumerate(municipalities.polygons):
        rest = territory
        for zone in ZONES:
            if zone == "agriculture":
                area = rest
            else:
                area = shapely.intersection(unions[zone], rest, grid_size=PRECISION_M)
                rest = shapely.difference(rest, area, grid_size=PRECISION_M)
            pieces.extend((part, zone, index) for part in singleparts(area))
    return pieces
