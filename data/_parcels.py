"""Cadastral parcels of the demo region, in a corridor along the motorway.

Each municipality has its own field orientation; in that rotated frame the land is cut into
strips 70–200 m wide and every strip into parcels 100–300 m long (0.7–6 ha), which are then cut
by the municipal boundary, the corridor and the zoning. Fragments under 0.3 ha are dropped,
as are residential plots (too small and too many for this scale).
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from data._shapes import rng_for

CORRIDOR_M = 2000.0
MIN_AREA_HA = 0.3
STRIP_WIDTH_M = (70.0, 200.0)
PARCEL_LENGTH_M = (100.0, 300.0)


def parcels(
    seed: int,
    municipalities: gpd.GeoDataFrame,
    zoning: gpd.GeoDataFrame,
    motorway,
    *,
    rights_of_way=(),
) -> gpd.GeoDataFrame:
    """Parcels within ``CORRIDOR_M`` of the motorway with ``parcel_id``, ``area_ha``, ``zone``
    and the ``nis`` code of their municipality; the ``rights_of_way`` lines (motorway, canal,
    railway, roads) with a 15 m strip either side are left out of every parcel."""
    rng = rng_for(seed, "parcels")
    strips = shapely.union_all([line.buffer(15.0) for line in rights_of_way])
    corridor = motorway.buffer(CORRIDOR_M).difference(strips)
    fields = []
    for nis, polygon in zip(municipalities["nis"], municipalities.geometry, strict=True):
        land = polygon.intersection(corridor)
        if land.is_empty:
            continue
        cut = shapely.intersection(_field_pattern(land, rng), land)
        cut = cut[~shapely.is_empty(cut)]
        frame = gpd.GeoDataFrame({"nis": [nis] * len(cut)}, geometry=cut, crs=municipalities.crs)
        fields.append(frame)
    fields = pd.concat(fields, ignore_index=True)
    open_land = zoning[zoning["zone"] != "residential"]
    pieces = gpd.overlay(fields, open_land[["zone", "geometry"]], keep_geom_type=True)
    pieces = pieces.explode(ignore_index=True)
    pieces["area_ha"] = pieces.area / 10_000.0
    pieces = pieces[pieces["area_ha"] >= MIN_AREA_HA]
    centroids = pieces.centroid
    pieces = pieces.assign(_y=-centroids.y.round(-1), _x=centroids.x.round(-1))
    pieces = pieces.sort_values(["nis", "_y", "_x"], kind="stable").reset_index(drop=True)
    pieces["parcel_id"] = [f"DEMO{n:05d}" for n in range(1, len(pieces) + 1)]
    return pieces[["parcel_id", "area_ha", "zone", "nis", "geometry"]]


def _field_pattern(land, rng: np.random.Generator) -> np.ndarray:
    """Rectangles tiling the bounding box of ``land`` in a randomly rotated frame."""
    angle = rng.uniform(0.0, np.pi)
    origin = np.array(land.centroid.coords[0])
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    local = shapely.transform(land, lambda xy: (xy - origin) @ rotation)
    x0, y0, x1, y1 = local.bounds
    boxes: list[tuple[float, float, float, float]] = []
    for left, right in _cuts(x0, x1, STRIP_WIDTH_M, rng):
        cuts = _cuts(y0, y1, PARCEL_LENGTH_M, rng)
        boxes.extend((left, bottom, right, top) for bottom, top in cuts)
    rectangles: np.ndarray = shapely.box(*np.array(boxes).T)
    return shapely.transform(rectangles, lambda xy: xy @ rotation.T + origin)


def _cuts(start: float, stop: float, size_range: tuple[float, float], rng) -> list:
    """Consecutive intervals covering ``[start, stop]`` with lengths drawn in ``size_range``."""
    sizes = rng.uniform(*size_range, int((stop - start) / size_range[0]) + 2)
    edges = start + np.concatenate([[0.0], np.cumsum(sizes)])
    edges = edges[: np.searchsorted(edges, stop) + 1]
    return list(itertools.pairwise(edges))
