"""The sites of a run as the API serves them: one GeoJSON FeatureCollection in WGS84, and its gzip.

A run writes both into its folder (:func:`write_site_geojson`), so the API serves them as they
are; for a run without them the API makes the same bytes once with :func:`encode_sites`.
Features keep the order of ``sites.gpkg``; each has the site's ``site_id`` as its ``id`` and
every column of the table as properties (missing and non-finite numbers as ``null``, dates
as ISO 8601 text).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.atomic import atomic_path
from parkplan.errors import StudyError

WGS84 = "EPSG:4326"
SITES_GPKG = "sites.gpkg"
SITES_GEOJSON = "sites.geojson"
SITES_GEOJSON_GZ = "sites.geojson.gz"
#: zlib level of the gzip copy (level 9 takes about 1.6 times as long for 0.4 % fewer bytes).
GZIP_LEVEL = 6


def _json_default(value: object) -> str:
    """Dates and times as ISO 8601 text; any other value the encoder does not know is refused."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise StudyError(f"a site property of type {type(value).__name__} cannot be written as JSON")


_encode = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_json_default
).encode


@dataclass(frozen=True)
class EncodedSites:
    """A FeatureCollection of sites, plain and gzip-compressed."""

    body: bytes
    body_gzip: bytes


def read_sites_wgs84(path: Path) -> gpd.GeoDataFrame:
    """The ``sites`` layer of ``path`` in file order, reprojected to WGS84."""
    if not path.is_file():
        raise StudyError(f"{path.name} is missing from the run; run the study again")
    return gpd.read_file(path, layer="sites", engine="pyogrio").to_crs(WGS84)


def feature_collection(sites: gpd.GeoDataFrame) -> bytes:
    """``sites`` (in WGS84) as a UTF-8 GeoJSON FeatureCollection, written in one pass: GEOS
    writes each geometry, the standard encoder each feature's properties."""
    geometries = shapely.to_geojson(np.asarray(sites.geometry.values))
    rows = property_rows(sites)
    features = ",".join(
        feature_text(row, geometry, index)
        for index, (row, geometry) in enumerate(zip(rows, geometries, strict=True))
    )
    return f'{{"type":"FeatureCollection","features":[{features}]}}'.encode()


def property_rows(sites: gpd.GeoDataFrame) -> list[dict]:
    """The attribute rows of ``sites`` as plain Python values, ``None`` where a value is
    missing or not finite."""
    table = pd.DataFrame(sites.drop(columns=sites.geometry.name))
    table = table.replace([np.inf, -np.inf], np.nan).astype(object)
    return table.where(table.notna(), None).to_dict("records")


def feature_text(properties: dict, geometry: str | None, index: int) -> str:
    """One feature; its ``id`` is the ``site_id`` (else its position in the file)."""
    site_id = _encode(str(properties.get("site_id", index)))
    return (
        f'{{"type":"Feature","id":{site_id},"properties":{_encode(properties)},'
        f'"geometry":{geometry or "null"}}}'
    )


def encode_sites(gpkg: Path) -> EncodedSites:
    """The sites in ``gpkg`` as the API serves them: GeoJSON and its gzip (:data:`GZIP_LEVEL`)."""
    body = feature_collection(read_sites_wgs84(gpkg))
    return EncodedSites(body=body, body_gzip=gzip.compress(body, GZIP_LEVEL, mtime=0))


def write_site_geojson(folder: Path) -> tuple[str, str]:
    """Write the API's copy of the sites of the run in ``folder`` (``sites.geojson`` and
    ``sites.geojson.gz``, each atomically, after ``sites.gpkg``); return their names."""
    encoded = encode_sites(folder / SITES_GPKG)
    for name, data in ((SITES_GEOJSON, encoded.body), (SITES_GEOJSON_GZ, encoded.body_gzip)):
        with atomic_path(folder / name) as temp:
            temp.write_bytes(data)
    return SITES_GEOJSON, SITES_GEOJSON_GZ


def read_site_geojson(folder: Path) -> EncodedSites | None:
    """The copy :func:`write_site_geojson` left in ``folder``; ``None`` when either file is
    missing or older than ``sites.gpkg`` (written before it, so not made from it)."""
    try:
        source = (folder / SITES_GPKG).stat().st_mtime_ns
        plain, packed = folder / SITES_GEOJSON, folder / SITES_GEOJSON_GZ
        if min(plain.stat().st_mtime_ns, packed.stat().st_mtime_ns) < source:
            return None
        return EncodedSites(body=plain.read_bytes(), body_gzip=packed.read_bytes())
    except FileNotFoundError:
        return None
