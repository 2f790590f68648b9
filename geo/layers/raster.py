"""Rasters entering a study: inspection, storage as Cloud-Optimised GeoTIFF, alignment on the
study grid, and rasterisation of vector layers.

A raster keeps its own CRS and resolution in the workspace (one resampling only, when it is
aligned). Alignment on a :class:`~geo.grid.Grid` uses nearest neighbour for categorical rasters
(integer classes) and bilinear for continuous ones, unless told otherwise.

Nodata on the grid: a continuous raster becomes floating point with NaN as nodata (the
engine's convention; source nodata cells and cells outside the source become NaN). A
categorical raster keeps its data type and its nodata value; without one, the largest value of
its data type marks "no data" outside the source.

Client rasters are opened with the GTiff driver only, and read with sidecar files, PAM
(``.aux.xml``) and ``/vsicurl/`` off (:func:`geo.layers.guards.untrusted_gdal`); the COG
writer ignores any overviews the source has and builds fresh ones from the base band, so only
the raster's own pixels are stored.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import rasterio.errors
import rasterio.features
import rasterio.shutil
from pyproj import CRS
from rasterio._err import CPLE_BaseError  # GDAL errors that rasterio does not wrap
from rasterio.enums import Resampling
from rasterio.warp import reproject, transform_bounds

from geo.errors import ColumnError, CRSError, RasterError
from geo.grid import Grid
from geo.layers.crs import Bounds, crs_label, source_crs
from geo.layers.guards import RASTER_DRIVER, untrusted_gdal

logger = logging.getLogger(__name__)

#: A raster declaring more cells than this (width × height × bands) is refused.
MAX_CELLS = 2**32
RESAMPLING = ("nearest", "bilinear", "cubic", "average", "mode", "min", "max")
#: How rasters are stored: DEFLATE COG whose overviews come from the base band only.
COG_OPTIONS = {"driver": "COG", "compress": "DEFLATE", "overviews": "IGNORE_EXISTING"}


@dataclass(frozen=True)
class RasterFacts:
    """What a raster declares. ``resolution`` is ``(x, y)`` in CRS units per cell."""

    crs: str
    width: int
    height: int
    count: int
    resolution: tuple[float, float]
    dtype: str
    nodata: float | None
    bounds: Bounds
    categorical: bool


@contextmanager
def _opened(path: Path) -> Iterator[rasterio.DatasetReader]:
    """``path`` open as a GeoTIFF, with the GDAL settings for client data in force throughout
    (overviews and masks are looked up lazily). A missing geotransform is refused by the caller,
    so it need not warn."""
    with untrusted_gdal():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
                src = rasterio.open(path, driver=RASTER_DRIVER)
        except rasterio.errors.RasterioIOError as exc:
            raise RasterError(
                f"{path.name} cannot be read as a GeoTIFF ({' '.join(str(exc).split())}); "
                "the file is corrupt or truncated. Export it again."
            ) from exc
        with src:
            yield src


def inspect_raster(
    path: Path,
    *,
    assume_crs: str | None = None,
    categorical: bool | None = None,
    max_cells: int = MAX_CELLS,
) -> tuple[RasterFacts, CRS]:
    """The facts of the raster at ``path`` and its CRS; refuse what cannot be used.

    Refused: no georeferencing (identity transform, or only ground control points), a declared
    size above ``max_cells``, no CRS without ``assume_crs``. ``categorical`` defaults to
    "integer data type".
    """
    with _opened(path) as src:
        cells = src.width * src.height * src.count
        if cells > max_cells:
            raise RasterError(
                f"{path.name} declares {src.width} x {src.height} cells x {src.count} band(s) "
                f"({cells:,}); expected at most {max_cells:,}. Clip or resample it first."
            )
        if src.transform.is_identity or src.gcps[0]:
            raise RasterError(
                f"{path.name} has no georeferencing (no geotransform); expected a GeoTIFF placed "
                "in a CRS. Georeference it first (e.g. gdalwarp with its control points)."
            )
        crs = source_crs(src.crs, assume_crs=assume_crs, what=path.name)
        x_res, y_res = src.res
        if not (math.isfinite(x_res) and math.isfinite(y_res) and x_res > 0 and y_res > 0):
            raise RasterError(f"{path.name} has a cell size of {src.res}; expected positive sizes.")
        is_int = np.issubdtype(np.dtype(src.dtypes[0]), np.integer)
        facts = RasterFacts(
            crs=crs_label(crs),
            width=src.width,
            height=src.height,
            count=src.count,
            resolution=(x_res, y_res),
            dtype=src.dtypes[0],
            nodata=src.nodata,
            bounds=tuple(src.bounds),
            categorical=is_int if categorical is None else categorical,
        )
    return facts, crs


def bounds_in(facts: RasterFacts, crs: CRS, target: str) -> Bounds:
    """The raster's bounds transformed to ``target``."""
    if crs.equals(CRS.from_user_input(target)):
        return facts.bounds
    return transform_bounds(crs, target, *facts.bounds, densify_pts=21)


def write_cog(path: Path, target: Path, *, crs: CRS | None = None) -> None:
    """Copy the raster at ``path`` to ``target`` as a DEFLATE-compressed COG (:data:`COG_OPTIONS`).

    ``crs`` sets the CRS when the source has none (the ``assume_crs`` case).
    """
    staging = target.with_name(target.name + ".staging.tif")
    try:
        source = _with_crs(path, staging, crs) if crs is not None else path
        with _opened(source) as src:
            rasterio.shutil.copy(src, target, **COG_OPTIONS)
    except (rasterio.errors.RasterioError, CPLE_BaseError) as exc:
        raise RasterError(
            f"{path.name} cannot be stored as COG ({' '.join(str(exc).split())}); the file is "
            "corrupt or truncated. Export it again."
        ) from exc
    finally:
        staging.unlink(missing_ok=True)


def _with_crs(path: Path, staging: Path, crs: CRS) -> Path:
    """A plain GeoTIFF copy of ``path`` at ``staging`` (base band only), with ``crs`` set."""
    with _opened(path) as src:
        rasterio.shutil.copy(src, staging, driver="GTiff")
    with untrusted_gdal(), rasterio.open(staging, "r+") as dst:
        dst.crs = crs
    return staging


def _grid_profile(grid: Grid, count: int, dtype: str, nodata: float | None) -> dict:
    return {
        "driver": "GTiff",
        "width": grid.width,
        "height": grid.height,
        "count": count,
        "dtype": dtype,
        "crs": grid.crs,
        "transform": grid.transform,
        "nodata": nodata,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
    }


def _out_dtype_nodata(dtype: str, nodata: float | None, categorical: bool) -> tuple[str, float]:
    if not categorical:
        return ("float64" if dtype == "float64" else "float32"), math.nan
    if nodata is not None:
        return dtype, nodata
    kind = np.dtype(dtype)
    return dtype, (np.iinfo(kind).max if np.issubdtype(kind, np.integer) else math.nan)


def align_raster(
    path: Path,
    grid: Grid,
    target: Path,
    *,
    categorical: bool,
    resampling: str | None = None,
) -> None:
    """Resample the raster at ``path`` onto ``grid``, written to ``target`` (tiled GeoTIFF).

    Bands are warped one at a time by GDAL in chunks, so memory stays bounded.
    """
    method = resampling or ("nearest" if categorical else "bilinear")
    if method not in RESAMPLING:
        raise RasterError(f"resampling {method!r}; expected one of {', '.join(RESAMPLING)}.")
    with _opened(path) as src:
        if src.crs is None:
            raise CRSError(f"{path.name} has no CRS; store it through the workspace first.")
        dtype, nodata = _out_dtype_nodata(src.dtypes[0], src.nodata, categorical)
        with rasterio.open(target, "w", **_grid_profile(grid, src.count, dtype, nodata)) as dst:
            for band in range(1, src.count + 1):
                reproject(
                    rasterio.band(src, band),
                    rasterio.band(dst, band),
                    src_nodata=src.nodata,
                    dst_nodata=nodata,
                    resampling=Resampling[method],
                )


def rasterize(
    frame: gpd.GeoDataFrame,
    grid: Grid,
    *,
    column: str | None = None,
    all_touched: bool = False,
) -> np.ndarray:
    """Burn ``frame`` (in the grid's CRS) onto ``grid``.

    Without ``column``: ``uint8``, 1 where a feature covers the cell centre (any touched cell
    with ``all_touched``), 0 elsewhere. With ``column``: ``float32`` values of that column,
    NaN where no feature (later features win where they overlap).
    """
    if frame.crs is None or not frame.crs.equals(CRS.from_user_input(grid.crs)):
        raise CRSError(f"layer CRS {frame.crs} differs from the grid CRS {grid.crs}; reproject it.")
    geoms = frame.geometry.to_numpy()
    common = {"out_shape": grid.shape, "transform": grid.transform, "all_touched": all_touched}
    if column is None:
        if not len(geoms):
            return np.zeros(grid.shape, dtype="uint8")
        return rasterio.features.rasterize(((g, 1) for g in geoms), fill=0, dtype="uint8", **common)
    if column not in frame.columns:
        raise ColumnError(
            f"column {column!r} not in the layer; expected one of {list(frame.columns)}."
        )
    values = _numeric_values(frame[column])
    keep = np.isfinite(values)
    if not keep.any():
        return np.full(grid.shape, np.nan, dtype="float32")
    return rasterio.features.rasterize(
        zip(geoms[keep], values[keep], strict=True), fill=np.nan, dtype="float32", **common
    )


def _numeric_values(series: pd.Series) -> np.ndarray:
    """A column as float values; refuse text."""
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    if np.isnan(values).all() and series.notna().any():
        raise ColumnError(f"column {series.name!r} is not numeric; expected numbers to rasterise.")
    return values
