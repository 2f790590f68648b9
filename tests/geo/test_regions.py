"""Candidate regions from the score raster, checked against the whole-raster algorithm."""

from __future__ import annotations

import heapq
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import rasterio.features
import shapely
import shapely.geometry
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.windows import Window
from scipy import ndimage

import geo.regions as regions_module
from geo.errors import ModelError
from geo.grid import Grid
from geo.layers.blocks import CogWriter, window_transform
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


# ----------------------------------------------------------------------------- the oracle

FOUR = ndimage.generate_binary_structure(2, 1)
CELL_HA = 0.01  # 10 m cells


def reference_regions(
    grid: Grid,
    scores: np.ndarray,
    *,
    threshold: float,
    min_area_ha: float,
    max_sites: int,
    target_area_ha: float | None = None,
    simplify_m: float | None = None,
) -> gpd.GeoDataFrame:
    """The whole-raster algorithm: one label of the whole score array, every region in memory."""
    with np.errstate(invalid="ignore"):
        suitable = scores >= threshold
    labels, _ = ndimage.label(suitable, structure=FOUR)
    cell_ha = grid.cell_area_m2 / 10_000.0
    regions = [
        _reference_cells(labels, scores, box, k + 1)
        for k, box in enumerate(ndimage.find_objects(labels))
    ]
    if target_area_ha is not None:
        target_cells = int(np.ceil(target_area_ha / cell_ha - 1e-9))
        regions = [_reference_grown(r, target_cells) for r in regions if len(r[2]) >= target_cells]
    regions = [r for r in regions if len(r[2]) * cell_ha >= min_area_ha]
    regions.sort(key=lambda r: (-float(r[2].mean()), int(r[0].min()), int(r[1].min())))
    chosen = regions[:max_sites]
    outlines = [_reference_outline(grid, rows, cols) for rows, cols, _ in chosen]
    simplified = [
        shapely.make_valid(shapely.simplify(o, simplify_m)) if simplify_m else o for o in outlines
    ]
    return gpd.GeoDataFrame(
        {
            "site_id": np.arange(1, len(chosen) + 1),
            "area_ha": [len(s) * cell_ha for _, _, s in chosen],
            "score_mean": [float(s.mean()) for _, _, s in chosen],
            "score_min": [float(s.min()) for _, _, s in chosen],
            "compactness": [
                4 * np.pi * o.area / o.length**2 if o.length > 0 else 0.0 for o in outlines
            ],
            "n_cells": [len(s) for _, _, s in chosen],
        },
        geometry=simplified,
        crs=grid.crs,
    )


def _reference_cells(labels, scores, box, label):
    rows, cols = np.nonzero(labels[box] == label)
    return rows + box[0].start, cols + box[1].start, scores[box][rows, cols]


def _reference_grown(region, target_cells):
    rows, cols, scores = region
    if len(scores) <= target_cells:
        return region
    score_of = dict(
        zip(zip(rows.tolist(), cols.tolist(), strict=True), scores.tolist(), strict=True)
    )
    best = int(np.argmax(scores))
    start = (int(rows[best]), int(cols[best]))
    frontier, seen, taken = [(-score_of[start], start)], {start}, []
    while frontier and len(taken) < target_cells:
        _, (r, c) = heapq.heappop(frontier)
        taken.append((r, c))
        for step in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if step in score_of and step not in seen:
                seen.add(step)
                heapq.heappush(frontier, (-score_of[step], step))
    grown_rows, grown_cols = (np.array(axis) for axis in zip(*taken, strict=True))
    return grown_rows, grown_cols, np.array([score_of[cell] for cell in taken])


def _reference_outline(grid, rows, cols):
    r0, c0 = int(rows.min()), int(cols.min())
    mask = np.zeros((int(rows.max()) - r0 + 1, int(cols.max()) - c0 + 1), np.uint8)
    mask[rows - r0, cols - c0] = 1
    transform = window_transform(grid, Window(c0, r0, mask.shape[1], mask.shape[0]))
    shapes = rasterio.features.shapes(
        mask, mask=mask.astype(bool), connectivity=4, transform=transform
    )
    return shapely.union_all([shapely.geometry.shape(g) for g, _ in shapes])


def assert_same_sites(ours: gpd.GeoDataFrame, expected: gpd.GeoDataFrame) -> None:
    assert list(ours.columns) == list(expected.columns)
    assert ours["site_id"].tolist() == expected["site_id"].tolist()
    assert ours["n_cells"].tolist() == expected["n_cells"].tolist()
    assert ours["area_ha"].tolist() == expected["area_ha"].tolist()
    assert ours["score_min"].tolist() == expected["score_min"].tolist()
    np.testing.assert_allclose(ours["score_mean"], expected["score_mean"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours["compactness"], expected["compactness"], rtol=0, atol=1e-12)
    for mine, theirs in zip(ours.geometry, expected.geometry, strict=True):
        assert mine.equals(theirs)


def write_scores(path: Path, scores: np.ndarray, *, dtype: str = "float64") -> Grid:
    """A score raster on a 10 m grid (NaN = nodata); returns its grid."""
    grid = Grid("EPSG:31370", 150_000.0, 200_000.0, 10.0, scores.shape[1], scores.shape[0])
    profile = {"driver": "GTiff", "count": 1, "dtype": dtype, "nodata": np.nan}
    with rasterio.open(
        path,
        "w",
        width=grid.width,
        height=grid.height,
        crs=grid.crs,
        transform=grid.transform,
        **profile,
    ) as dst:
        dst.write(scores.astype(dtype), 1)
    return grid


def check_against_reference(path: Path, scores: np.ndarray, block_size: int, **options) -> None:
    grid = write_scores(path, scores)
    ours = extract_regions(grid, path, block_size=block_size, **options)
    assert_same_sites(ours, reference_regions(grid, scores, **options))


def random_scores(seed: int, shape: tuple[int, int], density: float, dyadic: bool) -> np.ndarray:
    """Suitable (≥ 0.5) with probability ``density``, NaN holes; dyadic values tie often."""
    rng = np.random.default_rng(seed)
    above = 0.5 + rng.integers(0, 9, shape) / 16 if dyadic else rng.uniform(0.5, 1.0, shape)
    scores = np.where(rng.random(shape) < density, above, rng.uniform(0.0, 0.5, shape))
    scores[rng.random(shape) < 0.05] = np.nan
    return scores


# ----------------------------------------------------------------------------- equal to the oracle


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.tuples(st.integers(1, 29), st.integers(1, 31)),
    density=st.sampled_from([0.3, 0.55, 0.6, 0.75]),
    dyadic=st.booleans(),
    block_size=st.sampled_from([1, 2, 7, 512]),
    min_area_ha=st.sampled_from([0.0, 0.03, 0.2]),
    max_sites=st.sampled_from([1, 3, 1000]),
    target_cells=st.sampled_from([None, 1, 3, 12, 40]),
    simplify_m=st.sampled_from([None, 10.0]),
)
def test_equals_whole_raster_reference(
    tmp_path_factory,
    seed,
    shape,
    density,
    dyadic,
    block_size,
    min_area_ha,
    max_sites,
    target_cells,
    simplify_m,
):
    check_against_reference(
        tmp_path_factory.mktemp("random") / "score.tif",
        random_scores(seed, shape, density, dyadic),
        block_size,
        threshold=0.5,
        min_area_ha=min_area_ha,
        max_sites=max_sites,
        target_area_ha=None if target_cells is None else target_cells * CELL_HA,
        simplify_m=simplify_m,
    )


def u_shapes() -> np.ndarray:
    """Nested U-shapes and a comb: arms that meet only in a later block, several blocks tall."""
    scores = np.full((33, 41), 0.1)
    scores[2:30, 3] = scores[2:30, 13] = scores[29, 3:14] = 0.7  # U: arms join at row 29
    scores[5:27, 6] = scores[5:27, 10] = scores[26, 6:11] = 0.9  # a U inside the U
    scores[4:20, 18:39:2] = 0.8  # comb: teeth joined at row 19 only
    scores[19, 18:39] = 0.8
    scores[10, 18:39:4] = 0.95
    scores[31, :] = np.nan
    return scores


def spiral(size: int = 31) -> np.ndarray:
    """One corridor spiralling from the north-west corner to the centre, its score rising
    along the way (segments of size − 1, size − 1, size − 1, size − 3, size − 3, … cells)."""
    scores = np.full((size, size), 0.2)
    lengths = [size - 1, *np.repeat(np.arange(size - 1, 0, -2), 2)]
    turns = [(0, 1), (1, 0), (0, -1), (-1, 0)]
    row = col = 0
    path = [(row, col)]
    for k, length in enumerate(lengths):
        for _ in range(length):
            row, col = row + turns[k % 4][0], col + turns[k % 4][1]
            path.append((row, col))
    rows, cols = np.array(path).T
    scores[rows, cols] = np.linspace(0.6, 0.9, len(path))
    return scores


@pytest.mark.parametrize("block_size", [2, 3, 7, 512])  # 1 in the property test
@pytest.mark.parametrize(
    "layout",
    [u_shapes, lambda: np.rot90(u_shapes()), lambda: np.rot90(u_shapes(), 2), spiral],
    ids=["u_open_north", "u_open_west", "u_open_south", "spiral"],
)
def test_shapes_across_blocks_equal_reference(tmp_path, layout, block_size):
    for target_cells in (None, 5, 60):
        check_against_reference(
            tmp_path / f"score_{target_cells}.tif",
            layout(),
            block_size,
            threshold=0.5,
            min_area_ha=0.0,
            max_sites=50,
            target_area_ha=None if target_cells is None else target_cells * CELL_HA,
            simplify_m=15.0,
        )


@pytest.mark.parametrize("block_size", [1, 512])
def test_exact_ties_rank_by_first_cell(tmp_path, block_size):
    """A hook and a single cell in its corner: same mean, min row and min col; the region whose
    first cell comes first in row-major order (the single cell at (0, 0)) ranks first."""
    scores = np.full((5, 5), 0.1)
    hook = ([0, 0, 1, 2, 3, 3, 3, 3, 2], [2, 3, 3, 3, 3, 2, 1, 0, 0])
    scores[hook] = scores[0, 0] = 0.75
    options = {"threshold": 0.5, "min_area_ha": 0.0, "max_sites": 2}
    grid = write_scores(tmp_path / "score.tif", scores)
    sites = extract_regions(grid, tmp_path / "score.tif", block_size=block_size, **options)
    assert sites["n_cells"].tolist() == [1, 9]
    assert_same_sites(sites, reference_regions(grid, scores, **options))


def test_float32_cog_equals_reference(tmp_path):
    """A float32 COG (the engine's output) is compared with the threshold in float64."""
    rng = np.random.default_rng(7)
    field = ndimage.gaussian_filter(rng.standard_normal((150, 130)), 3)
    scores = (field / field.std() * 0.2 + 0.5).astype(np.float32).astype(np.float64)
    scores[40:60, 20:30] = np.nan
    threshold = float(np.float32(0.7))  # cells equal to it are suitable only in float64
    grid = Grid("EPSG:31370", 150_000.0, 200_000.0, 10.0, 130, 150)
    with CogWriter(tmp_path / "score.tif", grid, block_size=64) as writer:
        writer.write(Window(0, 0, 130, 150), scores)
    for target in (None, 0.3):
        options = {"threshold": threshold, "min_area_ha": 0.05, "max_sites": 8}
        ours = extract_regions(
            grid, tmp_path / "score.tif", block_size=64, target_area_ha=target, **options
        )
        expected = reference_regions(grid, scores, target_area_ha=target, **options)
        assert len(expected) == 8
        assert_same_sites(ours, expected)


# ----------------------------------------------------------------------------- what is read


@pytest.fixture
def read_windows(monkeypatch):
    """Every window read by the region extraction, as ``(row_off, col_off, height, width)``."""
    windows = []
    original = regions_module.RasterReader.read

    def spy(self, window, **kwargs):
        windows.append((window.row_off, window.col_off, window.height, window.width))
        return original(self, window, **kwargs)

    monkeypatch.setattr(regions_module.RasterReader, "read", spy)
    return windows


def test_reads_blocks_then_region_boxes_only(tmp_path, read_windows):
    scores = random_scores(3, (60, 45), 0.45, dyadic=False)
    grid = write_scores(tmp_path / "score.tif", scores)
    sites = extract_regions(
        grid, tmp_path / "score.tif", threshold=0.5, min_area_ha=0.0, max_sites=5, block_size=16
    )
    blocks = [
        (row, col, min(16, 60 - row), min(16, 45 - col))
        for row in range(0, 60, 16)
        for col in range(0, 45, 16)
    ]
    boxes = [
        (
            (grid.y_max - top) / 10,
            (left - grid.x_min) / 10,
            (top - bottom) / 10,
            (right - left) / 10,
        )
        for left, bottom, right, top in sites.geometry.bounds.to_numpy()
    ]
    assert len(sites) == 5 and read_windows == blocks + boxes


def test_growth_reads_only_the_reachable_part_of_a_long_region(tmp_path, read_windows):
    scores = np.full((5, 400), 0.1)
    scores[2, :] = np.linspace(0.6, 0.9, 400)  # one region 400 cells long, best at the east end
    grid = write_scores(tmp_path / "score.tif", scores)
    sites = extract_regions(
        grid, tmp_path / "score.tif", threshold=0.5, min_area_ha=0, max_sites=1, target_area_ha=0.04
    )
    assert sites["n_cells"].tolist() == [4]
    assert sites.geometry.iloc[0].bounds[2] == grid.x_min + 400 * 10.0
    assert read_windows[-1] == (2, 396, 1, 4)  # 3 cells west of the best cell, the box's end


def test_growth_stops_when_no_other_region_can_enter(tmp_path, read_windows):
    scores = np.full((40, 40), 0.1)
    scores[2:8, 2:8] = 0.99  # clearly the best
    for k in range(5):
        scores[12 + 5 * k : 15 + 5 * k, 5:35] = 0.6 + 0.01 * k  # five regions with lower maxima
    grid = write_scores(tmp_path / "score.tif", scores)
    options = {"threshold": 0.5, "min_area_ha": 0.0, "max_sites": 1, "target_area_ha": 0.09}
    sites = extract_regions(grid, tmp_path / "score.tif", block_size=512, **options)
    assert_same_sites(sites, reference_regions(grid, scores, **options))
    assert len(read_windows) == 2  # one block, then one growth: the others are bounded by 0.64


def test_no_region(tmp_path):
    grid = write_scores(tmp_path / "score.tif", np.full((9, 11), 0.2))
    sites = extract_regions(grid, tmp_path / "score.tif", threshold=0.5, min_area_ha=0, max_sites=3)
    assert sites.empty and list(sites.columns) == [
        "site_id",
        "area_ha",
        "score_mean",
        "score_min",
        "compactness",
        "n_cells",
        "geometry",
    ]


def test_invalid_block_size(landscape):
    grid, path, _ = landscape
    with pytest.raises(ModelError, match="block_size"):
        extract_regions(grid, path, threshold=0.5, min_area_ha=1, max_sites=3, block_size=0)
