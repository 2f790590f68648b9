"""The map's cell lookup reads only the sampled cells, window by window, in the raster's own
type: the values are those of the whole raster read at once, and no window is wider than a run
of tiles or taller than a row of them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from parkplan.views import CELL_READ_TILES, cell_windows, read_cells

TILE = 64
SHAPE = (300, 1_100)  # 5 rows of tiles, 18 columns: partial tiles at the edges


def write(path: Path, values: np.ndarray, nodata) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=SHAPE[1],
        height=SHAPE[0],
        count=1,
        dtype=values.dtype.name,
        crs="EPSG:31370",
        transform=Affine(10.0, 0.0, 100_000.0, 0.0, -10.0, 200_000.0),
        nodata=nodata,
        tiled=True,
        blockxsize=TILE,
        blockysize=TILE,
        compress="deflate",
    ) as dst:
        dst.write(values, 1)
    return path


def whole(path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read(1, masked=True).astype(np.float64).filled(np.nan)


@pytest.fixture
def samples():
    """Sampled cells in random order, repeats included, about a tenth of them outside."""
    rng = np.random.default_rng(11)
    rows = rng.integers(0, SHAPE[0], 4_000)
    cols = rng.integers(0, SHAPE[1], 4_000)
    inside = rng.random(4_000) > 0.1
    return np.where(inside, rows, 0), np.where(inside, cols, 0), inside


@pytest.mark.parametrize(
    ("dtype", "nodata"), [("float32", np.nan), ("float64", -9999.0), ("uint8", None)]
)
def test_the_sampled_cells_are_the_rasters_values(tmp_path, samples, dtype, nodata):
    rng = np.random.default_rng(5)
    values = (rng.random(SHAPE) * 200).astype(dtype)
    if nodata is not None:
        values[rng.random(SHAPE) < 0.2] = nodata
    path = write(tmp_path / f"{dtype}.tif", values, nodata)
    rows, cols, inside = samples
    got = read_cells(path, rows, cols, inside)
    expected = np.where(inside, whole(path)[rows, cols], np.nan)
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == np.float64 and np.isnan(got[~inside]).all()


def test_windows_stay_within_a_run_of_tiles_and_cover_each_cell_once(samples):
    rows, cols, inside = samples
    r, c = rows[inside], cols[inside]
    windows = cell_windows((TILE, TILE), r, c)
    seen = np.concatenate([picked for _, picked in windows])
    assert sorted(seen.tolist()) == list(range(r.size))
    for window, picked in windows:
        assert window.height <= TILE and window.width <= TILE * CELL_READ_TILES
        assert int(window.row_off) // TILE == (int(window.row_off) + window.height - 1) // TILE
        assert (r[picked] >= window.row_off).all() and (
            r[picked] < window.row_off + window.height
        ).all()
        assert (c[picked] >= window.col_off).all() and (
            c[picked] < window.col_off + window.width
        ).all()
    assert cell_windows((TILE, TILE), r[:0], c[:0]) == []
