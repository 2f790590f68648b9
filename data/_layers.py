"""Drawing the vector layers of the demo region in order, each step using what came before.

Municipalities → village cores → canal → motorway → exits → railway, roads, streams → hamlets,
nature → business parks → flood zones, quays, recreation → zoning → parcels. All polygon layers are
snapped to one precision grid, so the zoning overlays meet them exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from data import _landuse, _networks, _parcels, _terrain
from data import _municipalities as _towns
from data._shapes import rng_for, singleparts
from geo.grid import Grid

CRS = "EPSG:31370"
CELL_SIZE_M = 10.0


@dataclass(frozen=True)
class Drawing:
    """The vector layers, and what the rasters are drawn from: the grid, region, waterways."""

    vectors: dict[str, gpd.GeoDataFrame]
    grid: Grid
    region: shapely.Polygon
    canal: shapely.LineString
    streams: list


def draw(seed: int, scale: float) -> Drawing:
    """Draw every vector layer of the region for ``seed`` at ``scale``."""
    towns = _towns.draw(seed, scale)
    region = towns.region
    grid = Grid.covering(region.bounds, CELL_SIZE_M, CRS)
    cores = _landuse.village_cores(seed, scale, towns, region)
    canal = _networks.canal(seed, scale, region)
    motorway = _networks.motorway(seed, scale, region, cores)
    exits = _networks.exits(scale, motorway, canal, towns, cores)
    railway, stations = _networks.railway(seed, scale, region, towns, motorway)
    roads = [
        (_networks.longest_part(line.intersection(region)), name)
        for line, name in _networks.regional_roads(seed, towns, exits)
    ]
    streams = _networks.streams(seed, scale, region, canal, exits)
    cores = _snapped(cores)
    hamlets = _snapped(_landuse.hamlets(seed, towns, motorway, exits))
    settled = [*cores, *hamlets]
    nature = _snapped(_landuse.nature_areas(seed, scale, region, settled, motorway, exits))
    harbour = _landuse.harbour(canal, towns, settled)
    parks = [
        (_snapped([park])[0], kind)
        for park, kind in _landuse.business_parks(harbour, canal, exits, towns, settled, nature)
    ]
    park_area = shapely.union_all([park for park, _ in parks])
    flood = _terrain.flood_zones(grid, region, canal, streams, rng_for(seed, "flood"))
    flood = _snapped([zone.difference(park_area) for zone in flood])
    quays = _networks.quays(canal, towns, at=harbour)
    recreation = _snapped(_landuse.recreation_areas(seed, towns, exits))
    zoning = _landuse.zoning(
        towns,
        {
            "industry": [park for park, _ in parks],
            "residential": settled,
            "nature": nature,
            "recreation": recreation,
        },
    )

    frames = _Frames(towns)
    names = towns.names
    vectors = {
        "municipalities": frames.municipalities(),
        "motorway": frames.lines([motorway], name=["Demo motorway"]),
        "motorway_exits": frames.points(
            [e.point for e in exits],
            name=[f"exit {k + 1} {names[e.municipality]}" for k, e in enumerate(exits)],
        ),
        "regional_roads": frames.lines([r for r, _ in roads], name=[n for _, n in roads]),
        "railway": frames.lines([railway], name=["Demo railway line"]),
        "stations": frames.points([p for p, _ in stations], name=[names[i] for _, i in stations]),
        "canal": frames.lines([canal], name=["Demo canal"]),
        "quays": frames.points([p for p, _ in quays], name=[f"quay {names[i]}" for _, i in quays]),
        "streams": frames.lines(streams, name=_numbered("brook", streams)),
        "nature": frames.polygons(nature, name=_numbered("nature area", nature)),
        "flood_zones": frames.polygons(flood, kind=["flood-prone"] * len(flood)),
        "residential": frames.polygons(
            settled, kind=["village core"] * len(cores) + ["hamlet"] * len(hamlets)
        ),
        "zoning": frames.polygons([p for p, _, _ in zoning], zone=[z for _, z, _ in zoning]),
        "business_parks": frames.polygons(
            [p for p, _ in parks],
            name=[f"{kind} business park" for _, kind in parks],
            zone=["industry"] * len(parks),
        ),
    }
    vectors["parcels"] = fictional(
        _parcels.parcels(
            seed,
            vectors["municipalities"],
            vectors["zoning"],
            motorway,
            rights_of_way=[motorway, canal, railway, *(line for line, _ in roads)],
        )
    )
    return Drawing(vectors, grid, region, canal, streams)


def fictional(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with a ``fictional`` column set to True (before the geometry column)."""
    frame = frame.copy()
    frame.insert(len(frame.columns) - 1, "fictional", True)
    return frame


def _numbered(label: str, items) -> list[str]:
    """``label 1``, ``label 2``... one per item."""
    return [f"{label} {k}" for k in range(1, len(items) + 1)]


def _snapped(polygons) -> list:
    """The polygons snapped to the precision grid shared by all polygon layers."""
    snapped = shapely.set_precision(list(polygons), _towns.PRECISION_M)
    return [part for polygon in snapped for part in singleparts(polygon)]


class _Frames:
    """Builds the GeoDataFrames of the layers: EPSG:31370, a ``fictional`` flag, and for points
    and polygons the ``nis`` code of the municipality they lie in."""

    def __init__(self, towns: _towns.Municipalities):
        self.towns = towns
        self.nis = [f"{99_001 + i}" for i in range(len(towns.polygons))]

    def municipalities(self) -> gpd.GeoDataFrame:
        towns = self.towns
        return self._frame(
            towns.polygons,
            name=[str(n) for n in towns.names],
            nis=self.nis,
            population=towns.population,
            opcentiemen=towns.opcentiemen,
            area_km2=np.round(shapely.area(towns.polygons) / 1e6, 3),
            demand_ha=towns.demand_ha,
            fiscal_capacity_eur=towns.fiscal_capacity_eur,
        )

    def lines(self, geometries, **columns) -> gpd.GeoDataFrame:
        return self._frame(geometries, **columns)

    def points(self, geometries, **columns) -> gpd.GeoDataFrame:
        return self.polygons(geometries, **columns)

    def polygons(self, geometries, **columns) -> gpd.GeoDataFrame:
        where = [self.towns.index_at(shapely.point_on_surface(g)) for g in geometries]
        return self._frame(geometries, **columns, nis=[self.nis[i] for i in where])

    def _frame(self, geometries, **columns) -> gpd.GeoDataFrame:
        return fictional(gpd.GeoDataFrame(columns, geometry=list(geometries), crs=CRS))
