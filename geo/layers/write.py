"""Writing layers without ever leaving a half-written file.

Everything is written to a temporary file in the target's own folder (same file system) and
moved into place with :func:`os.replace`, which is atomic: a reader sees the old file or the
new one, never a part. On failure the temporary file (and any SQLite side files) is removed.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
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
_SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def temporary_sibling(target: Path) -> Path:
    """A fresh hidden name beside ``target`` that keeps its extension (drivers look at it)."""
    return target.with_name(f".{target.stem}.{secrets.token_hex(6)}.tmp{target.suffix}")


def remove_quietly(path: Path) -> None:
    """Remove ``path`` and its SQLite side files, ignoring any that do not exist."""
    for candidate in (path, *(path.with_name(path.name + s) for s in _SIDE_SUFFIXES)):
        try:
            candidate.unlink(missing_ok=True)
        except OSError:
            logger.warning("could not remove %s", candidate)


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` when the block succeeds.

    The block must create the file at the yielded path. On any exception the temporary file is
    removed and ``target`` is left as it was.
    """
    target = Path(target)
    temporary = temporary_sibling(target)
    try:
        yield temporary
        if not temporary.exists():
            raise LayerError(f"nothing was written for {target.name}; expected a file.")
        os.replace(temporary, target)
    finally:
        remove_quietly(temporary)


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
