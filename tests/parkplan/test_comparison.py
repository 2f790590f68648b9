"""Two runs compared: the score difference on a common grid and the rank changes of their sites."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from shapely.geometry import box

from parkplan.comparison import RankedSite, rank_changes, score_difference

CRS = "EPSG:31370"


def write_raster(path: Path, values: np.ndarray, transform: Affine) -> Path:
    profile = {
        "driver": "GTiff",
        "width": values.shape[1],
        "height": values.shape[0],
        "count": 1,
        "dtype": "float32",
        "crs": CRS,
        "transform": transform,
        "nodata": np.nan,
    }
    with rasterio.open(path, "w", **profile) as target:
        target.write(values.astype("float32"), 1)
    return path


def cell_value(path: Path, x: float, y: float) -> float:
    """The value of the cell of ``path`` under (x, y), NaN outside it."""
    with rasterio.open(path) as source:
        row, col = source.index(x, y)
        if not (0 <= row < source.height and 0 <= col < source.width):
            return float("nan")
        return float(source.read(1)[row, col])


@pytest.fixture
def rasters(tmp_path: Path) -> tuple[Path, Path]:
    """Left: 30 x 40 cells of 10 m; right: 10 m cells on another extent (shifted by 5 cells
    east and 3 south, 32 x 36), with nodata cells in both."""
    rng = np.random.default_rng(3)
    left_values = rng.random((30, 40))
    left_values[0, :5] = np.nan
    right_values = rng.random((32, 36))
    right_values[10, 10] = np.nan
    left = write_raster(tmp_path / "left.tif", left_values, Affine(10, 0, 1000, 0, -10, 2000))
    right = write_raster(tmp_path / "right.tif", right_values, Affine(10, 0, 1050, 0, -10, 1970))
    return left, right


def test_the_difference_is_right_minus_left_at_every_sampled_cell(rasters):
    left, right = rasters
    difference = score_difference(left, right)
    overlay = difference.overlay
    assert overlay.values.shape == (30, 40) and overlay.transform == Affine(
        10, 0, 1000, 0, -10, 2000
    )
    rng = np.random.default_rng(11)
    checked = 0
    for row, col in zip(rng.integers(0, 30, 200), rng.integers(0, 40, 200), strict=True):
        x, y = overlay.transform @ (col + 0.5, row + 0.5)
        expected = cell_value(right, x, y) - cell_value(left, x, y)
        found = float(overlay.values[row, col])
        if np.isnan(expected):
            assert np.isnan(found), (row, col)
        else:
            assert found == pytest.approx(expected, abs=1e-6), (row, col)
            checked += 1
    assert checked > 100
    assert np.isnan(overlay.values[0, 0])  # nodata on the left
    assert np.isnan(overlay.values[29, 0])  # outside the right raster
    largest = np.nanmax(np.abs(overlay.values))
    assert largest <= difference.limit < largest + 0.05 + 1e-9


def test_the_overview_is_the_average_of_the_cells_it_covers(rasters):
    left, right = rasters
    coarse = score_difference(left, right, max_cells=300)  # 2 x 2 cells become one
    assert coarse.overlay.values.shape == (15, 20)
    assert coarse.overlay.transform == Affine(20, 0, 1000, 0, -20, 2000)
    fine = score_difference(left, right).overlay.values
    with rasterio.open(left) as source:
        left_values = source.read(1).astype(float)
    right_on_left = fine + left_values
    block = (slice(10, 12), slice(14, 16))  # coarse cell (5, 7), every cell valid
    expected = np.mean(right_on_left[block]) - np.mean(left_values[block])
    assert coarse.overlay.values[5, 7] == pytest.approx(expected, abs=1e-5)


def squares(*specs: tuple[str, int, float, float]) -> gpd.GeoDataFrame:
    """Sites ``(id, rank, score, x0)``: 100 m squares from x0 along y 0..100."""
    return gpd.GeoDataFrame(
        {
            "site_id": [s[0] for s in specs],
            "rank": [s[1] for s in specs],
            "score": [s[2] for s in specs],
        },
        geometry=[box(s[3], 0, s[3] + 100, 100) for s in specs],
        crs=CRS,
    )


def test_rank_changes_match_sites_by_overlap_as_computed_by_hand():
    left = squares(("A", 1, 0.9, 0), ("B", 2, 0.8, 200), ("C", 3, 0.7, 400))
    # X overlaps B by 90 m of 100 (IoU 9000 / 11000 = 0.82); Y is A; V touches C by 5 m
    # (IoU 500 / 19500 = 0.03, below 0.1: not the same site); Z overlaps nothing.
    right = squares(("X", 1, 0.95, 210), ("Y", 2, 0.85, 0), ("Z", 3, 0.6, 600), ("V", 4, 0.5, 495))
    rows = rank_changes(left, right)
    found = [
        (
            row.left and row.left.site_id,
            row.left and row.left.rank,
            row.right and row.right.site_id,
            row.right and row.right.rank,
            row.change,
        )
        for row in rows
    ]
    assert found == [
        ("B", 2, "X", 1, 1),
        ("A", 1, "Y", 2, -1),
        (None, None, "Z", 3, None),
        (None, None, "V", 4, None),
        ("C", 3, None, None, None),
    ]
    assert rows[0].left == RankedSite("B", 2, 0.8) and rows[0].right == RankedSite("X", 1, 0.95)


def test_each_site_is_matched_once_the_largest_overlap_first():
    left = squares(("A", 1, 0.9, 0))
    right = squares(("P", 1, 0.9, 50), ("Q", 2, 0.8, 10))  # Q overlaps A more than P does
    rows = rank_changes(left, right)
    assert [(r.left and r.left.site_id, r.right and r.right.site_id) for r in rows] == [
        (None, "P"),
        ("A", "Q"),
    ]
