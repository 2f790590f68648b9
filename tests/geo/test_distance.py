"""Distance rasters against brute-force shapely distances, the cache and its atomic writes."""

from __future__ import annotations

import os
import pickle

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely

import geo.criteria
import geo.distance
from geo.criteria import DistanceCriterion
from geo.distance import (
    DistanceField,
    cache_key,
    feature_segments,
    grid_window,
    write_distance_raster,
)
from geo.errors import GeometryError, ModelError
from geo.grid import Grid
from geo.transforms import Transform

CRS = "EPSG:31370"
LINEAR = Transform("linear", a=0, b=1)
#: 7.5 m cells, not square, the origin no multiple of the cell size
ODD = Grid(CRS, 100_003.3, 200_001.7, 7.5, 97, 61)
#: GEOS and numpy may round the same exact distance differently in the last bits
ROUNDING_M = 1e-6


def exact_m(geometries, grid: Grid) -> np.ndarray:
    """shapely's distance from every cell centre to the nearest geometry (0 inside polygons)."""
    xs, ys = grid.cell_centres()
    return shapely.distance(shapely.points(xs, ys), shapely.union_all(geometries))


def stored_m(geometries, grid: Grid, path, **options) -> np.ndarray:
    """The distances written tile by tile (small tiles, so that features cross tiles)."""
    field = DistanceField(geometries, grid, **options)
    write_distance_raster(field, path, tile_cells=32)
    with rasterio.open(path) as src:
        assert src.nodata is None and src.dtypes == ("float32",)
        return src.read(1).astype(np.float64)


def assert_within(computed: np.ndarray, exact: np.ndarray, tolerance_m: float) -> None:
    error = computed - exact
    assert np.isfinite(computed).all()
    assert error.min() >= -ROUNDING_M, f"below exact by {-error.min()} m"
    assert error.max() <= tolerance_m, f"above exact by {error.max()} m"


def random_points(rng, grid: Grid, count: int, margin_m: float = 0.0) -> np.ndarray:
    x0, y0, x1, y1 = grid.bounds
    return np.column_stack(
        [
            rng.uniform(x0 - margin_m, x1 + margin_m, count),
            rng.uniform(y0 - margin_m, y1 + margin_m, count),
        ]
    )


def points(rng, grid):
    return list(shapely.points(random_points(rng, grid, 25, margin_m=50)))


def lines(rng, grid):
    return [
        shapely.LineString(start + rng.normal(0, 60, (8, 2)).cumsum(axis=0))
        for start in random_points(rng, grid, 12, margin_m=50)
    ]


def polygons(rng, grid):
    shapes = []
    for i, (x, y) in enumerate(random_points(rng, grid, 10, margin_m=30)):
        size_m = rng.uniform(8, 80)
        if i % 3 == 0:  # rectangle: co-circular corners
            shapes.append(shapely.box(x - size_m, y - size_m / 2, x + size_m, y + size_m / 2))
        elif i % 3 == 1:  # with a hole
            shapes.append(
                shapely.Point(x, y)
                .buffer(size_m)
                .difference(shapely.Point(x, y).buffer(size_m / 2))
            )
        else:
            shapes.append(shapely.Point(x, y).buffer(size_m, quad_segs=3))
    return shapes


def crossing_edges(rng, grid):
    x0, y0, x1, y1 = grid.bounds
    return [
        shapely.LineString([(x0 - 300, y0 + 100), (x1 + 200, y1 - 90)]),
        shapely.box(x1 - 40, y0 - 40, x1 + 60, y0 + 50),
        shapely.MultiPoint([(x0 - 5, y1 + 5), (x1 + 17, (y0 + y1) / 2)]),
    ]


def far_outside(rng, grid):
    _, y0, x1, _ = grid.bounds
    return [shapely.LineString([(x1 + 9_000, y0 - 4_000), (x1 + 9_500, y0 - 4_300)])]


def mixed(rng, grid):
    x0, y0, x1, y1 = grid.bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return [
        shapely.GeometryCollection(
            [shapely.Point(x0 + 20, y0 + 20), shapely.box(cx, cy, cx + 60, cy + 40)]
        ),
        shapely.MultiPolygon(
            [shapely.box(x0, cy, x0 + 30, cy + 30), shapely.box(x1 - 9, y1 - 9, x1 + 9, y1 + 9)]
        ),
        shapely.LinearRing([(cx - 100, cy), (cx - 60, cy + 20), (cx - 80, cy - 30)]),
        shapely.LineString([(x0 + 3, y1 - 3), (x1 - 3, y1 - 3)]),  # collinear sites
    ]


FIXTURES = [points, lines, polygons, crossing_edges, far_outside, mixed]


@pytest.mark.parametrize("make", FIXTURES, ids=lambda make: make.__name__)
@pytest.mark.parametrize("grid", [ODD, Grid(CRS, 100_000.0, 200_000.0, 10.0, 83, 120)])
def test_distance_is_never_below_and_at_most_the_tolerance_above_exact(tmp_path, make, grid):
    geometries = make(np.random.default_rng(7), grid)
    computed = stored_m(geometries, grid, tmp_path / "d.tif")
    assert_within(computed, exact_m(geometries, grid), 1.0)


@pytest.mark.parametrize("tolerance_m", [0.06, 0.3, 2.0])
def test_other_tolerances_hold(tmp_path, tolerance_m):
    geometries = lines(np.random.default_rng(3), ODD) + polygons(np.random.default_rng(4), ODD)
    computed = stored_m(geometries, ODD, tmp_path / "d.tif", tolerance_m=tolerance_m)
    assert_within(computed, exact_m(geometries, ODD), tolerance_m)


def test_polygons_are_zero_inside_by_the_cell_centre_rule():
    x0, y0, _, _ = ODD.bounds
    polygon = shapely.box(x0 + 100, y0 + 100, x0 + 400, y0 + 300).difference(
        shapely.box(x0 + 200, y0 + 150, x0 + 300, y0 + 250)
    )
    values = DistanceField([polygon], ODD).tile(grid_window(ODD))
    xs, ys = ODD.cell_centres()
    inside = shapely.contains_xy(polygon, xs, ys)
    assert inside.any() and (values[inside] == 0).all()
    assert (values[~inside & ~shapely.intersects_xy(polygon, xs, ys)] > 0).all()


def test_tiles_agree_with_the_whole_grid(tmp_path):
    geometries = lines(np.random.default_rng(5), ODD)
    whole = DistanceField(geometries, ODD).tile(grid_window(ODD))
    np.testing.assert_array_equal(stored_m(geometries, ODD, tmp_path / "d.tif"), whole)


def test_segments_of_each_kind():
    segments = feature_segments(
        [shapely.Point(1, 2), shapely.box(0, 0, 1, 1), shapely.MultiLineString([[(0, 0), (0, 3)]])]
    )
    assert sorted(segments.length_m.tolist()) == [0.0, 1.0, 1.0, 1.0, 1.0, 3.0]


@pytest.mark.parametrize(
    "geometries",
    [[], [None], [shapely.Point()]],
    ids=["none", "missing", "empty"],
)
def test_no_usable_features_is_a_clear_error(geometries):
    with pytest.raises(GeometryError, match="no features"):
        DistanceField(geometries, ODD)


def test_non_finite_coordinates_are_refused():
    line = shapely.set_coordinates(shapely.LineString([(0, 0), (1, 1)]), [[0, 0], [np.nan, 1]])
    with pytest.raises(GeometryError, match="NaN or infinite"):
        DistanceField([line], ODD)


def test_bad_tolerance_and_tile_are_refused(tmp_path):
    with pytest.raises(GeometryError, match="tolerance"):
        DistanceField([shapely.Point(0, 0)], ODD, tolerance_m=0.0)
    with pytest.raises(ModelError, match="tolerance"):
        DistanceCriterion("d", frame([shapely.Point(0, 0)]), LINEAR, tolerance_m=float("nan"))
    with pytest.raises(GeometryError, match="tile"):
        write_distance_raster(
            DistanceField([shapely.Point(0, 0)], ODD), tmp_path / "d.tif", tile_cells=4
        )


def frame(geometries) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=list(geometries), crs=CRS)


def key(geometries, grid=ODD, tolerance_m=1.0, spacing_m=15.0) -> str:
    return cache_key(geometries, grid, tolerance_m=tolerance_m, spacing_m=spacing_m)


def test_cache_key_covers_geometry_grid_and_tolerance():
    geometries = [
        shapely.Point(100_050.0, 199_950.0),
        shapely.box(100_100, 199_800, 100_200, 199_900),
    ]
    moved = [geometries[0], shapely.box(100_100, 199_800, 100_200, 199_900.5)]
    shifted = Grid(CRS, ODD.x_min + 7.5, ODD.y_max, ODD.cell_size_m, ODD.width, ODD.height)
    keys = {
        key(geometries),
        key(moved),
        key(geometries, grid=shifted),
        key(geometries, tolerance_m=0.5),
        key(geometries, spacing_m=7.5),
    }
    assert len(keys) == 5
    assert key(list(geometries)) == key(np.asarray(geometries, dtype=object))


def test_cached_raster_is_reused_unchanged(tmp_path, monkeypatch):
    features = frame(lines(np.random.default_rng(1), ODD))
    first = DistanceCriterion("d", features, LINEAR, cache_dir=tmp_path)
    first.check(ODD)
    (path,) = tmp_path.iterdir()
    assert path.name.startswith("distance-") and path.suffix == ".tif"
    written_ns = path.stat().st_mtime_ns
    second = DistanceCriterion("d", features, LINEAR, cache_dir=tmp_path)
    with monkeypatch.context() as patch:
        patch.setattr(geo.criteria, "DistanceField", None)  # a hit computes nothing
        assert second.raster_path(ODD) == path
    np.testing.assert_array_equal(
        second.raw_block(ODD, grid_window(ODD)), first.raw_block(ODD, grid_window(ODD))
    )
    assert path.stat().st_mtime_ns == written_ns
    assert list(tmp_path.iterdir()) == [path]
    other = DistanceCriterion("d", features, LINEAR, cache_dir=tmp_path, tolerance_m=0.5)
    assert other.raster_path(ODD) != path
    for criterion in (first, second, other):
        criterion.close()


def test_failed_write_leaves_no_file(tmp_path, monkeypatch):
    def broken(self, window):
        raise RuntimeError("disk full")

    monkeypatch.setattr(geo.distance.DistanceField, "tile", broken)
    criterion = DistanceCriterion(
        "d", frame([shapely.Point(100_050.0, 199_950.0)]), LINEAR, cache_dir=tmp_path
    )
    with pytest.raises(RuntimeError, match="disk full"):
        criterion.check(ODD)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    criterion.check(ODD)  # a later run computes it
    assert len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize("cached", [True, False])
def test_criterion_pickles_with_its_values(tmp_path, cached):
    features = frame(polygons(np.random.default_rng(2), ODD))
    criterion = DistanceCriterion("d", features, LINEAR, cache_dir=tmp_path if cached else None)
    fresh = pickle.loads(pickle.dumps(criterion))  # before any raster exists
    criterion.check(ODD)
    copy = pickle.loads(pickle.dumps(criterion))
    window = grid_window(ODD)
    expected = criterion.raw_block(ODD, window)
    assert expected.dtype == np.float64
    for other in (copy, fresh):
        np.testing.assert_array_equal(other.raw_block(ODD, window), expected)
        other.close()
    assert_within(expected, exact_m(features.geometry.values, ODD), 1.0)
    criterion.close()
    assert os.path.exists(criterion.raster_path(ODD))


def test_near_band_in_small_batches_gives_the_same_values(monkeypatch):
    geometries = lines(np.random.default_rng(6), ODD)
    whole = DistanceField(geometries, ODD).tile(grid_window(ODD))
    monkeypatch.setattr(geo.distance, "PAIRS_AT_A_TIME", 37)
    np.testing.assert_array_equal(DistanceField(geometries, ODD).tile(grid_window(ODD)), whole)
