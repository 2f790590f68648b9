"""Small generated fixtures for the suitability model (EPSG:31370, 10 m cells)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio

from geo.grid import Grid

CRS = "EPSG:31370"


@pytest.fixture
def grid() -> Grid:
    """A 10 m grid whose sides are not multiples of the block sizes used in the tests."""
    return Grid(CRS, 100_000.0, 200_000.0, 10.0, 203, 157)


def _write_raster(
    path: Path, values: np.ndarray, grid: Grid, *, nodata: float | None = -9999.0
) -> Path:
    """Write ``values`` (NaN -> ``nodata``) as a tiled GeoTIFF on ``grid``."""
    data = np.asarray(values, dtype=np.float64).copy()
    if nodata is not None:
        data[np.isnan(data)] = nodata
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=grid.width,
        height=grid.height,
        count=1,
        dtype="float64",
        crs=grid.crs,
        transform=grid.transform,
        nodata=nodata,
        tiled=True,
        blockxsize=64,
        blockysize=64,
    ) as dst:
        dst.write(data, 1)
    return path


def _read_raster(path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read(1, out_dtype=np.float64, masked=True).filled(np.nan)


@pytest.fixture
def write_raster():
    """``write_raster(path, values, grid, nodata=-9999.0)`` writes a test raster."""
    return _write_raster


@pytest.fixture
def read_raster():
    """``read_raster(path)`` reads band 1 as float64 with NaN for nodata."""
    return _read_raster
