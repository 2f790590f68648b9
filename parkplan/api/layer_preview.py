"""A layer as GeoJSON in EPSG:4326 for a preview map: thinned, simplified and small.

A vector layer keeps at most :data:`MAX_FEATURES` features (every k-th, spread over the
layer), each outline simplified in the study CRS with a tolerance of the layer's extent divided
by :data:`DETAIL` (topology kept), coordinates rounded to 6 decimals (about 0.1 m), and at most
:data:`MAX_PROPERTIES` attributes as short text or numbers. A raster is shown by its outline.
The collection says how many features the layer has (``total``), how many are shown and the
tolerance (``tolerance_m``).
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geo.layers import LayerInfo
from parkplan.workspace import Workspace
from webmap.display import plain

WGS84 = "EPSG:4326"
MAX_FEATURES = 2000
MAX_PROPERTIES = 8
MAX_TEXT_CHARS = 120
DETAIL = 2000
DECIMALS = 6


def preview(root: Path, info: LayerInfo) -> dict[str, Any]:
    """The preview of the layer ``info`` of the study at ``root`` (see the module docstring);
    kept for the layer's fingerprint and load time, so a replaced layer is read again."""
    return _cached(str(root), info.name, info.sha256, info.loaded_at)


@functools.lru_cache(maxsize=16)
def _cached(root: str, name: str, sha256: str, loaded_at: str) -> dict[str, Any]:
    workspace = Workspace.open(Path(root))
    info = workspace.layer(name)
    if info.kind == "raster":
        return raster_outline(info)
    return vector_preview(workspace.read_vector(name), info)


def tolerance_m(bounds: tuple[float, float, float, float]) -> float:
    """The simplification tolerance: ``extent / DETAIL``, the extent being the larger side."""
    minx, miny, maxx, maxy = bounds
    return max(maxx - minx, maxy - miny) / DETAIL


def vector_preview(frame: gpd.GeoDataFrame, info: LayerInfo) -> dict[str, Any]:
    """Features of ``frame`` (in the study CRS) thinned, simplified and in EPSG:4326."""
    total = len(frame)
    step = max(1, math.ceil(total / MAX_FEATURES))
    shown = frame.iloc[::step]
    tolerance = tolerance_m(info.bounds) if "Point" not in (info.geometry_type or "") else 0.0
    geoms = shapely.simplify(shown.geometry.to_numpy(), tolerance, preserve_topology=True)
    geoms = gpd.GeoSeries(geoms, crs=frame.crs).to_crs(WGS84).to_numpy()
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, DECIMALS))
    columns = [c for c in frame.columns if c != frame.geometry.name][:MAX_PROPERTIES]
    features = [
        {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(geometry),
            "properties": {str(c): _value(row[c]) for c in columns},
        }
        for geometry, (_, row) in zip(geoms, shown.iterrows(), strict=True)
    ]
    return _collection(info, features, total, tolerance)


def raster_outline(info: LayerInfo) -> dict[str, Any]:
    """The outline of a raster layer (its bounds, in EPSG:4326)."""
    outline = gpd.GeoSeries([shapely.box(*info.bounds)], crs=info.crs).to_crs(WGS84)
    geometry = shapely.transform(outline.to_numpy(), lambda xy: np.round(xy, DECIMALS))[0]
    feature = {"type": "Feature", "geometry": shapely.geometry.mapping(geometry), "properties": {}}
    return _collection(info, [feature], 1, 0.0)


def _collection(info: LayerInfo, features: list, total: int, tolerance: float) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "name": info.name,
        "kind": info.kind,
        "total": total,
        "shown": len(features),
        "tolerance_m": round(tolerance, 2),
        "features": features,
    }


def _value(value: Any) -> Any:
    """An attribute as JSON: numbers and booleans as they are, anything else as short text."""
    value = plain(value)
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        return value[: MAX_TEXT_CHARS - 1] + "…"
    return value
