"""Display geometry and GeoJSON features for the maps.

Geometry is simplified in metres (Douglas-Peucker with ``tolerance_m``, topology preserved),
reprojected to EPSG:4326 and rounded (6 decimals of a degree ~ 0.1 m, 5 ~ 1 m), so that a map
of thousands of sites stays small. Properties are reduced to what the map's script reads, and
the figures a popup adds up are rounded here so that they do add up: the split of a site by
municipality in percentages summing to 100, and the contributions of the criteria (weight ×
value) summing to the score as shown (largest remainder, :func:`rounded_parts`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely
from geopandas import GeoDataFrame, GeoSeries
from shapely.geometry import mapping

from webmap.colours import score_hex
from webmap.errors import MapDataError
from webmap.map_data import CRITERION_PREFIX, MapData, criterion_names

logger = logging.getLogger(__name__)

WGS84 = "EPSG:4326"
#: Decimals of a degree kept for outlines (~0.1 m) and for sites (~1 m).
OUTLINE_DECIMALS = 6
SITE_DECIMALS = 5
#: The simplification tolerance is the region's extent divided by this, within the bounds below.
TOLERANCE_DIVISOR = 20_000
TOLERANCE_BOUNDS_M = (0.5, 25.0)
#: Decimals of the score and of each criterion's contribution in a popup.
SCORE_DECIMALS = 3


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, what: str) -> None:
    """Raise :class:`MapDataError` naming the columns of ``frame`` that are missing."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MapDataError(
            f"{what} lacks the column(s) {missing}; it has {list(map(str, frame.columns))}. "
            "Add them before drawing the map."
        )


def require_crs(frame: GeoDataFrame, *, what: str) -> None:
    """Raise :class:`MapDataError` when ``frame`` has no CRS."""
    if frame.crs is None:
        raise MapDataError(
            f"{what} has no CRS; expected e.g. EPSG:31370. Set it with .set_crs() first."
        )


def display_tolerance_m(frames: Iterable[GeoDataFrame]) -> float:
    """Simplification tolerance: ``clip(max(width, height) / 20000, 0.5 m, 25 m)`` of the data."""
    extents = []
    for frame in frames:
        if len(frame) and frame.crs is not None:
            x0, y0, x1, y1 = frame.to_crs(_metric_crs(frame)).total_bounds
            extents.append(max(x1 - x0, y1 - y0))
    extent_m = max(extents, default=0.0)
    low, high = TOLERANCE_BOUNDS_M
    return float(min(max(extent_m / TOLERANCE_DIVISOR, low), high))


def _metric_crs(frame: GeoDataFrame) -> Any:
    return frame.crs if frame.crs.is_projected else frame.estimate_utm_crs()


def display_geometry(frame: GeoDataFrame, *, tolerance_m: float, decimals: int) -> GeoSeries:
    """Simplified, rounded WGS84 geometry of ``frame`` (empty or missing geometries dropped)."""
    geometry = frame.geometry
    keep = ~(geometry.isna() | geometry.is_empty)
    if not keep.all():
        logger.info("dropping %d empty geometries from display", int((~keep).sum()))
    metric = geometry[keep].to_crs(_metric_crs(frame))
    simplified = shapely.simplify(metric.values, tolerance_m, preserve_topology=True)
    lonlat = GeoSeries(simplified, index=metric.index, crs=metric.crs).to_crs(WGS84)
    rounded = shapely.transform(lonlat.values, lambda xy: np.round(xy, decimals))
    return GeoSeries(rounded, index=lonlat.index, crs=WGS84)


def feature_collection(geometry: GeoSeries, properties: Mapping[Any, Mapping[str, Any]]) -> dict:
    """A GeoJSON FeatureCollection of ``geometry`` with ``properties[index]`` per feature."""
    features = [
        {"type": "Feature", "geometry": mapping(geom), "properties": dict(properties.get(i, {}))}
        for i, geom in geometry.items()
    ]
    return {"type": "FeatureCollection", "features": features}


def plain(value: Any, digits: int | None = None) -> Any:
    """A JSON-ready scalar: numpy -> Python, NaN/None -> None, floats rounded to ``digits``."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(value, digits) if digits is not None else value
    if isinstance(value, (int, str, bool)):
        return value
    return str(value)


def jsonable(value: Any) -> Any:
    """``value`` with nested mappings and sequences made JSON-ready (see :func:`plain`)."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return [jsonable(v) for v in value]
    return plain(value)


def rounded_parts(values: Sequence[float], total: int) -> list[int]:
    """Whole parts of ``total`` in proportion to ``values`` that add up to ``total`` exactly
    (largest remainder: each takes the floor of its quota, the largest remainders one more;
    ties go to the first). Negative values count as 0.

    >>> rounded_parts([0.9447, 0.0553], 100)
    [94, 6]
    """
    weights = [max(float(v), 0.0) if math.isfinite(v) else 0.0 for v in values]
    whole = math.fsum(weights)
    if not weights or whole <= 0 or total <= 0:
        return [0] * len(weights)
    quotas = [total * w / whole for w in weights]
    parts = [math.floor(q) for q in quotas]
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def share_percents(shares: Sequence[float]) -> tuple[list[float], int]:
    """Percentages of ``shares`` that add up to exactly 100, and their decimals: whole
    percentages, or tenths when a share above 0 would otherwise show as 0 %."""
    for digits in (0, 1):
        parts = rounded_parts(shares, 100 * 10**digits)
        if all(p > 0 for p, s in zip(parts, shares, strict=True) if s > 0):
            break
    return [p / 10**digits if digits else p for p in parts], digits


def site_splits(site_municipalities: pd.DataFrame) -> dict[Any, list[list[Any]]]:
    """``site_id -> [[municipality, area_ha, percent, decimals], ...]``, largest share first;
    the percentages of a site add up to exactly 100 (:func:`share_percents`)."""
    require_columns(
        site_municipalities,
        ("site_id", "municipality", "area_ha", "share"),
        what="site_municipalities",
    )
    ordered = site_municipalities.sort_values(["site_id", "share"], ascending=[True, False])
    splits: dict[Any, list[list[Any]]] = {}
    for site_id, rows in ordered.groupby("site_id", sort=False):
        percents, digits = share_percents(rows["share"].astype(float).tolist())
        splits[plain(site_id)] = [
            [plain(municipality), plain(area_ha, 1), percent, digits]
            for municipality, area_ha, percent in zip(
                rows["municipality"], rows["area_ha"], percents, strict=True
            )
        ]
    return splits


def contributions(
    values: Sequence[float | None], weights: Sequence[float], score: float | None
) -> list[float] | None:
    """Each criterion's weight × value, rounded to :data:`SCORE_DECIMALS` so that they add up
    to the score as shown (``round(score, 3)``); ``None`` when a value or the score is missing.

    Valid for a weighted linear combination, where the site's score is Σ weight × value.
    """
    given = [v for v in values if v is not None]
    if score is None or not math.isfinite(score) or len(given) < len(values):
        return None
    scale = 10**SCORE_DECIMALS
    exact = [w * float(v) for w, v in zip(weights, given, strict=True)]
    parts = rounded_parts(exact, round(score * scale))
    return [p / scale for p in parts]


def label_points(geometry: GeoSeries) -> dict[Any, list[float]]:
    """``index -> [lat, lon]`` of a point inside each (displayed, WGS84) geometry, where its
    rank is drawn (:func:`shapely.point_on_surface`: inside even a concave polygon)."""
    points = shapely.point_on_surface(geometry.values)
    return {
        i: [round(float(p.y), SITE_DECIMALS), round(float(p.x), SITE_DECIMALS)]
        for i, p in zip(geometry.index, points, strict=True)
    }


def site_features(data: MapData, *, tolerance_m: float) -> dict:
    """GeoJSON of the sites with the properties the popup reads.

    ``site_id``, ``score``, ``rank``, ``area_ha``, ``host``, ``p_first``, ``p_top3`` (when present),
    ``c`` (criterion values in the order of ``data.criteria``), ``k`` (their contributions,
    weight × value, adding up to the score; only for a weighted linear combination), ``split``,
    ``fill`` (the score's colour) and ``at`` (``[lat, lon]`` inside the site, for its rank).
    """
    sites = data.sites
    require_columns(sites, ("site_id", "score"), what="sites")
    require_crs(sites, what="sites")
    names = criterion_names(sites)
    criteria = [CRITERION_PREFIX + name for name in names]
    weights = [data.weights[name] for name in names if name in data.weights]
    additive = data.aggregation == "wlc" and bool(names) and len(weights) == len(names)
    splits = site_splits(data.site_municipalities)
    fills = score_hex(sites["score"].to_numpy(dtype=float), data.ramp)
    optional = [c for c in ("rank", "area_ha", "host", "p_first", "p_top3") if c in sites]
    digits = {"rank": None, "area_ha": 1, "host": None, "p_first": 3, "p_top3": 3}
    records = sites[["site_id", "score", *optional, *criteria]].to_dict("records")
    geometry = display_geometry(sites, tolerance_m=tolerance_m, decimals=SITE_DECIMALS)
    points = label_points(geometry)
    properties = {}
    for index, row, fill in zip(sites.index, records, fills, strict=True):
        site_id = plain(row["site_id"])
        score = plain(row["score"])
        props = {"site_id": site_id, "score": plain(row["score"], SCORE_DECIMALS), "fill": fill}
        props.update({c: plain(row[c], digits[c]) for c in optional})
        props["c"] = [plain(row[c], SCORE_DECIMALS) for c in criteria]
        if additive:
            props["k"] = contributions([plain(row[c]) for c in criteria], weights, score)
        props["split"] = splits.get(site_id, [])
        props["at"] = points.get(index)
        properties[index] = props
    return feature_collection(geometry, properties)


def named_features(
    frame: GeoDataFrame, *, tolerance_m: float, name_column: str | None = "name"
) -> dict:
    """GeoJSON of ``frame`` keeping only its ``name`` (when that column exists)."""
    require_crs(frame, what="layer")
    geometry = display_geometry(frame, tolerance_m=tolerance_m, decimals=OUTLINE_DECIMALS)
    has_name = name_column is not None and name_column in frame.columns
    properties = {
        i: ({"name": plain(frame.at[i, name_column])} if has_name else {}) for i in geometry.index
    }
    return feature_collection(geometry, properties)


def bounds_latlon(frames: Iterable[GeoDataFrame]) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` of all non-empty ``frames``, or None."""
    boxes = [f.to_crs(WGS84).total_bounds for f in frames if len(f) and f.crs is not None]
    if not boxes:
        return None
    stacked = np.vstack(boxes)
    west, south = stacked[:, :2].min(axis=0)
    east, north = stacked[:, 2:].max(axis=0)
    return [[float(south), float(west)], [float(north), float(east)]]
