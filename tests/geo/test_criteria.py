"""Criteria: raw values per block against independent computations."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from rasterio.windows import Window

from geo.criteria import (
    DistanceCriterion,
    RasterCriterion,
    ZoneShareCriterion,
    ZoningCriterion,
    disc_kernel,
)
from geo.errors import CRSError, ModelError, RasterError
from geo.grid import Grid
from geo.layers.blocks import block_windows
from geo.transforms import Transform

LINEAR = Transform("linear", a=0, b=1)


def frame(geometries, crs="EPSG:31370", **columns):
    return gpd.GeoDataFrame(columns, geometry=list(geometries), crs=crs)


def whole(grid: Grid) -> Window:
    return Window(0, 0, grid.width, grid.height)


def centres(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    return grid.cell_centres()


@pytest.fixture
def features(grid):
    x0, y0, x1, y1 = grid.bounds
    return frame(
        [
            shapely.Point(x0 + 333.3, y0 + 777.7),
            shapely.LineString([(x0 - 50, y0 + 100), (x1 + 40, y1 - 300), (x1 - 200, y0)]),
            shapely.box(x0 + 1200, y0 + 1000, x0 + 1500, y0 + 1300),
        ]
    )


def test_distance_is_within_a_quarter_cell_of_exact(grid, features):
    criterion = DistanceCriterion("access", features, LINEAR)
    xs, ys = centres(grid)
    exact = shapely.distance(shapely.points(xs, ys), shapely.union_all(features.geometry.values))
    streamed = np.empty(grid.shape)
    for window in block_windows(grid, 64):
        rows, cols = window.toslices()
        streamed[rows, cols] = criterion.raw_block(grid, window)
    assert np.all(streamed >= exact - 1e-9)
    assert np.max(streamed - exact) <= grid.cell_size_m / 4
    inside = shapely.contains_xy(features.geometry.values[2], xs, ys)
    assert inside.any() and np.all(streamed[inside] == 0)


def test_distance_refuses_geographic_and_foreign_crs(grid, features):
    with pytest.raises(CRSError, match="geographic"):
        DistanceCriterion("d", features.set_crs("EPSG:4326", allow_override=True), LINEAR)
    other = DistanceCriterion("d", features.set_crs("EPSG:3812", allow_override=True), LINEAR)
    with pytest.raises(CRSError, match="expected the grid CRS EPSG:31370"):
        other.raw_block(grid, Window(0, 0, 16, 16))


def test_raster_criterion_reads_values_with_nan_nodata(grid, tmp_path, write_raster):
    values = np.random.default_rng(3).random(grid.shape)
    values[10:20, 30:40] = np.nan
    path = write_raster(tmp_path / "slope.tif", values, grid)
    criterion = RasterCriterion("slope", path, LINEAR)
    window = Window(25, 5, 30, 20)
    got = criterion.raw_block(grid, window)
    rows, cols = window.toslices()
    np.testing.assert_array_equal(got, values[rows, cols])
    criterion.close()


def test_raster_criterion_refuses_misaligned_raster(grid, tmp_path, write_raster):
    shifted = Grid(grid.crs, grid.x_min + 5, grid.y_max, grid.cell_size_m, grid.width, grid.height)
    path = write_raster(tmp_path / "off.tif", np.zeros(grid.shape), shifted)
    with pytest.raises(RasterError, match="Resample it onto the study grid"):
        RasterCriterion("off", path, LINEAR).raw_block(grid, Window(0, 0, 8, 8))
    other = Grid("EPSG:3812", grid.x_min, grid.y_max, 10, grid.width, grid.height)
    path = write_raster(tmp_path / "crs.tif", np.zeros(grid.shape), other)
    with pytest.raises(CRSError):
        RasterCriterion("crs", path, LINEAR).check(grid)


@pytest.fixture
def zones(grid):
    x0, y0, x1, y1 = grid.bounds
    xm = x0 + 1012.0  # not on a cell centre: the cell-centre rule is unambiguous
    return frame(
        [shapely.box(x0, y0, xm, y1 - 300), shapely.box(xm, y0, x1 - 100, y1 - 300)],
        zone=["industry", "housing"],
        code=[3, 7],
    )


def test_zoning_criterion_maps_categories_and_outside_is_zero(grid, zones):
    mapping = {"industry": 1.0, "housing": 0.1}
    criterion = ZoningCriterion("zoning", zones, "zone", Transform("categorical", mapping=mapping))
    mu = criterion.standardised_block(grid, whole(grid))
    xs, ys = centres(grid)
    in_industry = shapely.contains_xy(zones.geometry.values[0], xs, ys)
    in_housing = shapely.contains_xy(zones.geometry.values[1], xs, ys)
    expected = np.where(in_industry, 1.0, np.where(in_housing, 0.1, 0.0))
    np.testing.assert_array_equal(mu, expected)
    raw = criterion.raw_block(grid, whole(grid))
    assert set(np.unique(raw)) == {-1.0, 0.0, 1.0}
    assert criterion.categories == ("housing", "industry")


def test_zoning_numeric_column_accepts_text_keys(grid, zones):
    transform = Transform("categorical", mapping={"3": 0.9, "7": 0.2})
    mu = ZoningCriterion("z", zones, "code", transform).standardised_block(grid, whole(grid))
    assert set(np.unique(mu)) == {0.0, 0.2, 0.9}


def test_zoning_needs_categorical_transform(zones):
    with pytest.raises(ModelError, match="categorical transform"):
        ZoningCriterion("z", zones, "zone", LINEAR)


def test_zone_share_against_brute_force(grid, zones):
    radius_m = 55.0
    criterion = ZoneShareCriterion("share", zones, "zone", ["industry"], radius_m, LINEAR)
    window = Window(90, 20, 30, 25)  # straddles the industry/housing border and the top edge
    share = criterion.raw_block(grid, window)
    member = zones.geometry.values[0]
    offsets = np.argwhere(disc_kernel(radius_m, grid.cell_size_m) > 0) - int(radius_m // 10)
    for r in range(0, 25, 4):
        for c in range(0, 30, 3):
            row, col = int(window.row_off) + r, int(window.col_off) + c
            ys = grid.y_max - (row + offsets[:, 0] + 0.5) * grid.cell_size_m
            xs = grid.x_min + (col + offsets[:, 1] + 0.5) * grid.cell_size_m
            assert np.hypot(*(offsets * 10).T).max() <= radius_m
            expected = shapely.contains_xy(member, xs, ys).mean()
            assert share[r, c] == pytest.approx(expected, abs=1e-9)


def test_criterion_names_are_checked(features):
    with pytest.raises(ModelError, match="letters, digits"):
        DistanceCriterion("bad name!", features, LINEAR)
