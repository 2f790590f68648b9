"""Raster inspection and rasterisation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import box

from geo.errors import CRSError, RasterError
from geo.grid import Grid
from geo.layers.raster import inspect_raster, rasterize

L72 = "EPSG:31370"


def write(path, *, crs=L72, dtype="int16"):
    profile = {"driver": "GTiff", "width": 4, "height": 3, "count": 1, "dtype": dtype}
    profile |= {"crs": crs, "transform": from_origin(60_000, 190_000, 10, 10)}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.arange(12, dtype=dtype).reshape(3, 4), 1)
    return path


def test_inspect_reports_the_facts(tmp_path):
    facts, crs = inspect_raster(write(tmp_path / "a.tif"))
    assert (facts.width, facts.height, facts.count, facts.dtype) == (4, 3, 1, "int16")
    assert facts.resolution == (10, 10) and facts.bounds == (60_000, 189_970, 60_040, 190_000)
    assert facts.categorical and crs.to_epsg() == 31370
    assert not inspect_raster(write(tmp_path / "b.tif", dtype="float32"))[0].categorical


def test_missing_crs_needs_assume_crs(tmp_path):
    path = write(tmp_path / "a.tif", crs=None)
    with pytest.raises(CRSError, match="declares no CRS"):
        inspect_raster(path)
    assert inspect_raster(path, assume_crs=L72)[0].crs == L72


def test_size_limit(tmp_path):
    with pytest.raises(RasterError, match=r"\(12\); expected at most 11"):
        inspect_raster(write(tmp_path / "a.tif"), max_cells=11)


def test_rasterize_presence_and_values():
    grid = Grid(L72, 0, 100, 10, 10, 10)
    frame = gpd.GeoDataFrame(
        {"score": [0.5, 2.0]}, geometry=[box(0, 0, 50, 100), box(50, 50, 100, 100)], crs=L72
    )
    presence = rasterize(frame, grid)
    assert presence.dtype == np.uint8 and presence.sum() == 50 + 25
    values = rasterize(frame, grid, column="score")
    assert np.nansum(values) == pytest.approx(50 * 0.5 + 25 * 2.0)
    assert np.isnan(values[5:, 5:]).all()
    with pytest.raises(CRSError):
        rasterize(frame.to_crs("EPSG:3812"), grid)
