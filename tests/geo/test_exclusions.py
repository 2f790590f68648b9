"""Exclusions: cell-centre rule, buffers, zoning, raster thresholds, and the area report."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from rasterio.windows import Window

from geo.errors import GeometryError, ModelError
from geo.exclusions import (
    BufferExclusion,
    InsideExclusion,
    RasterExclusion,
    ZoningExclusion,
    exclusion_report,
)


def frame(geometries, **columns):
    return gpd.GeoDataFrame(columns, geometry=list(geometries), crs="EPSG:31370")


def whole(grid):
    return Window(0, 0, grid.width, grid.height)


@pytest.fixture
def nature(grid):
    x0, y0, _, _ = grid.bounds
    return frame(
        [
            shapely.Point(x0 + 400, y0 + 500).buffer(203.7),
            shapely.box(x0 + 1000, y0 + 100, x0 + 1333, y0 + 420),
        ]
    )


def test_inside_uses_the_cell_centre_rule(grid, nature):
    mask = InsideExclusion("nature", nature).mask_block(grid, whole(grid))
    xs, ys = grid.cell_centres()
    expected = shapely.contains_xy(shapely.union_all(nature.geometry.values), xs, ys)
    np.testing.assert_array_equal(mask, expected)


def test_inside_refuses_lines(grid):
    with pytest.raises(GeometryError, match="polygons"):
        InsideExclusion("x", frame([shapely.LineString([(0, 0), (1, 1)])]))


def test_buffer_excludes_cells_within_distance(grid):
    x0, y0, x1, y1 = grid.bounds
    road = frame([shapely.LineString([(x0, y0 + 300), (x1, y1 - 200)])])
    buffer_m = 120.0
    mask = BufferExclusion("road", road, buffer_m).mask_block(grid, Window(17, 30, 64, 48))
    xs, ys = grid.cell_centres(slice(30, 78), slice(17, 81))
    distance = shapely.distance(road.geometry.values[0], shapely.points(xs, ys))
    tolerance = buffer_m * 0.0013
    assert np.all(mask[distance < buffer_m - tolerance])
    assert not np.any(mask[distance > buffer_m])


def test_zoning_excludes_other_categories_and_outside(grid):
    x0, y0, x1, y1 = grid.bounds
    zones = frame(
        [
            shapely.box(x0, y0, x0 + 800, y1),
            shapely.box(x0 + 800, y0, x1 - 300, y1),
            shapely.box(x0 + 700, y0, x0 + 900, y0 + 500),
        ],
        kind=["industry", "agriculture", "industry"],
    )
    mask = ZoningExclusion("zoning", zones, "kind", {"industry"}).mask_block(grid, whole(grid))
    xs, ys = grid.cell_centres()
    allowed = shapely.contains_xy(zones.geometry.values[0], xs, ys) | shapely.contains_xy(
        zones.geometry.values[2], xs, ys
    )
    np.testing.assert_array_equal(mask, ~allowed)
    with pytest.raises(ModelError, match="no zone has an allowed category"):
        ZoningExclusion("z", zones, "kind", {"housing"})


@pytest.mark.parametrize("op", [">", ">=", "<", "<=", "==", "!="])
def test_raster_exclusion_operators_and_nodata(grid, tmp_path, write_raster, op):
    values = np.round(np.random.default_rng(0).random(grid.shape) * 10)
    values[0, :] = np.nan
    path = write_raster(tmp_path / "slope.tif", values, grid)
    exclusion = RasterExclusion("slope", path, op, 5)
    mask = exclusion.mask_block(grid, whole(grid))
    exclusion.close()
    with np.errstate(invalid="ignore"):
        expected = eval(f"values {op} 5") & ~np.isnan(values)
    np.testing.assert_array_equal(mask, expected)
    assert not mask[0].any()


def test_raster_exclusion_refuses_unknown_operator(tmp_path):
    with pytest.raises(ModelError, match=">, >=, <, <=, ==, !="):
        RasterExclusion("slope", tmp_path / "x.tif", "=>", 5)


def test_report_alone_and_in_sequence(grid, nature):
    x0, y0, _, _ = grid.bounds
    overlapping = frame([shapely.box(x0 + 300, y0 + 300, x0 + 1100, y0 + 800)])
    exclusions = [InsideExclusion("nature", nature), InsideExclusion("flood", overlapping)]
    report = exclusion_report(grid, exclusions, block_size=48)
    xs, ys = grid.cell_centres()
    a = shapely.contains_xy(shapely.union_all(nature.geometry.values), xs, ys)
    b = shapely.contains_xy(overlapping.geometry.values[0], xs, ys)
    cell_ha = grid.cell_area_m2 / 10_000
    assert report.alone_ha == pytest.approx((a.sum() * cell_ha, b.sum() * cell_ha))
    assert report.in_sequence_ha == pytest.approx((a.sum() * cell_ha, (b & ~a).sum() * cell_ha))
    assert report.excluded_ha == pytest.approx((a | b).sum() * cell_ha)
    assert report.share_excluded == pytest.approx((a | b).mean())
    assert list(report.to_frame().columns) == ["exclusion", "alone_ha", "in_sequence_ha"]
