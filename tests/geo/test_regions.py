"""Candidate regions from the score raster."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from scipy import ndimage

from geo.errors import ModelError
from geo.grid import Grid
from geo.regions import extract_regions


@pytest.fixture
def landscape(tmp_path, write_raster):
    """Three suitable blobs: A 20x20 cells at 0.9, B 10x30 at 0.8 with a 0.95 core, C 5x5 at 0.99;
    two cells touching C only at a corner."""
    grid = Grid("EPSG:31370", 0.0, 10_000.0, 10.0, 120, 90)
    score = np.full(grid.shape, 0.2)
    score[5:25, 5:25] = 0.9  # A: 400 cells = 4 ha
    score[40:50, 10:40] = 0.8  # B: 300 cells = 3 ha
    score[44:46, 30:33] = 0.95
    score[60:65, 60:65] = 0.99  # C: 25 cells = 0.25 ha
    score[65, 65] = 0.95  # corner contact only: not part of C under 4-connectivity
    score[0, :] = np.nan
    path = write_raster(tmp_path / "score.tif", score, grid)
    return grid, path, score


def test_regions_above_threshold_and_min_area(landscape):
    grid, path, _ = landscape
    regions = extract_regions(grid, path, threshold=0.7, min_area_ha=1.0, max_sites=5)
    assert regions.crs.to_epsg() == 31370
    assert regions["area_ha"].tolist() == [4.0, 3.0]
    assert regions["site_id"].tolist() == [1, 2]
    assert regions["score_mean"].iloc[0] == pytest.approx(0.9)
    b_mean = (294 * 0.8 + 6 * 0.95) / 300
    assert regions["score_mean"].iloc[1] == pytest.approx(b_mean)
    assert regions.geometry.iloc[0].equals(shapely.box(50, 10_000 - 250, 250, 10_000 - 50))
    assert regions["compactness"].iloc[0] == pytest.approx(np.pi / 4)
    assert regions.geometry.is_valid.all()


def test_max_sites_and_four_connectivity(landscape):
    grid, path, _ = landscape
    regions = extract_regions(grid, path, threshold=0.7, min_area_ha=0.0, max_sites=1)
    assert regions["n_cells"].tolist() == [25]  # C is best; the corner cell is its own region
    everything = extract_regions(grid, path, threshold=0.7, min_area_ha=0.0, max_sites=10)
    assert sorted(everything["n_cells"]) == [1, 25, 300, 400]


def test_target_area_grows_a_contiguous_best_part(landscape):
    grid, path, _ = landscape
    regions = extract_regions(
        grid, path, threshold=0.7, min_area_ha=0.5, max_sites=5, target_area_ha=2.0, simplify_m=5.0
    )
    assert regions["area_ha"].tolist() == [2.0, 2.0]
    assert regions["n_cells"].tolist() == [200, 200]
    grown_b = regions.iloc[1]
    assert grown_b["score_mean"] == pytest.approx((194 * 0.8 + 6 * 0.95) / 200)  # keeps the core
    for geometry in regions.geometry:
        assert geometry.is_valid and geometry.geom_type == "Polygon"
    mask = np.zeros(grid.shape, bool)
    xs, ys = grid.cell_centres()
    mask |= shapely.contains_xy(regions.geometry.iloc[1], xs, ys)
    _, parts = ndimage.label(mask)
    assert parts == 1


def test_invalid_arguments(landscape):
    grid, path, _ = landscape
    with pytest.raises(ModelError):
        extract_regions(grid, path, threshold=0.5, min_area_ha=1, max_sites=0)
