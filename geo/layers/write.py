"""Writing layers without ever leaving a half-written file (through :mod:`geo.atomic`)."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import pyogrio
import pyogrio.errors

from geo.errors import LayerError

logger = logging.getLogger(__name__)

#: Dataset creation options of every GeoPackage: version 1.2, which GDAL from 2.2 on (and
#: QGIS, ArcGIS) opens without a warning; newer GDAL writes 1.4 by default, which older
#: GDAL reports as "may only be partially supported".
GPKG_OPTIONS = {"VERSION": "1.2"}
#: Vector export formats by extension: (OGR driver, creation options).
VECTOR_DRIVERS = {
    ".gpkg": ("GPKG", GPKG_OPTIONS),
    ".geojson": ("GeoJSON", {"RFC7946": "YES"}),
    ".fgb": ("FlatGeobuf", {}),
}


def write_gpkg(frame: gpd.GeoDataFrame, path: Path, *, layer: str) -> None:
    """Write ``frame`` as the single layer ``layer`` of a new GeoPackage at ``path``."""
    try:
        pyogrio.write_dataframe(
            frame, path, layer=layer, driver="GPKG", dataset_options=GPKG_OPTIONS
        )
    except (pyogrio.errors.DataSourceError, pyogrio.errors.FieldError, ValueError) as exc:
        raise LayerError(f"layer {layer!r} cannot be written as GeoPackage ({exc}).") from exc


def export_vector(frame: gpd.GeoDataFrame, out: Path, *, layer: str) -> None:
    """Write ``frame`` to ``out`` in the format of its extension (.gpkg, .geojson, .fgb).

    GeoJSON is written in WGS84 as RFC 7946 requires.
    """
    driver, options = VECTOR_DRIVERS[out.suffix.lower()]
    if driver == "GeoJSON":
        frame = frame.to_crs("EPSG:4326")
    pyogrio.write_dataframe(frame, out, layer=layer, driver=driver, **options)
