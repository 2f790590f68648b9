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
    sites_per_region: int = 1,
    separation_m: float = 200.0,
    simplify_m: float | None = None,
) -> gpd.GeoDataFrame:
    """The whole-raster algorithm: one label of the whole score array, every region in memory;
    with ``sites_per_region`` > 1 regions are carved cell by cell in Python sets."""
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
        separation_cells = separation_m / grid.cell_size_m
        regions = [
            site
            for r in regions
            if len(r[2]) >= target_cells
            for site in _reference_carved(r, target_cells, sites_per_region, separation_cells)
        ]
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


def _reference_carved(region, target_cells, sites_per_region, separation_cells):
    """Sites carved from a region in order: grow from the best free cell, free the site and
    every cell less than the separation from it (gap between the squares, pair by pair), drop
    the free pieces smaller than the target (found by a breadth-first walk)."""
    rows, cols, scores = region
    score_of = dict(
        zip(zip(rows.tolist(), cols.tolist(), strict=True), scores.tolist(), strict=True)
    )
    free, sites = set(score_of), []
    while free and len(sites) < sites_per_region:
        cells = sorted(free)  # row-major: the grower starts at the first maximal cell
        site = _reference_grown(
            (
                np.array([r for r, _ in cells]),
                np.array([c for _, c in cells]),
                np.array([score_of[cell] for cell in cells]),
            ),
            target_cells,
        )
        sites.append(site)
        taken = list(zip(site[0].tolist(), site[1].tolist(), strict=True))
        free = {
            cell
            for cell in free - set(taken)
            if min(
                np.hypot(max(0, abs(cell[0] - r) - 1), max(0, abs(cell[1] - c) - 1))
                for r, c in taken
            )
            >= separation_cells
        }
        free -= {cell for piece in _pieces(free) if len(piece) < target_cells for cell in piece}
    return sites


def _pieces(cells):
    """The 4-connected pieces of a set of cells."""
    left, pieces = set(cells), []
    while left:
        queue = [left.pop()]
        piece = set(queue)
        while queue:
            r, c = queue.pop()
            for step in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
                if step in left:
                    left.remove(step)
                    piece.add(step)
                    queue.append(step)
        pieces.append(piece)
    return pieces


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


# ----------------------------------------------------------------------------- several per region


def site_masks(grid: Grid, sites: gpd.GeoDataFrame) -> list[np.ndarray]:
    """Each site's cells (its cell centres inside its unsimplified outline)."""
    xs, ys = grid.cell_centres()
    return [shapely.contains_xy(geometry, xs, ys) for geometry in sites.geometry]


def plateau(seed: int = 11) -> np.ndarray:
    """One large suitable plateau (90 × 100 cells, a hole in it), scores smooth and noisy."""
    rng = np.random.default_rng(seed)
    field = ndimage.gaussian_filter(rng.standard_normal((110, 120)), 6)
    scores = np.full((110, 120), 0.2)
    scores[10:100, 10:110] = 0.7 + 0.25 * (field[10:100, 10:110] - field.min()) / np.ptp(field)
    scores[50:60, 50:70] = 0.3  # a hole
    return scores


@pytest.mark.parametrize("simplify_m", [None, 10.0])
def test_carves_several_sites_from_one_plateau(tmp_path, simplify_m):
    scores = plateau()
    grid = write_scores(tmp_path / "score.tif", scores)
    separation_m, options = 200.0, {"threshold": 0.5, "min_area_ha": 1.0, "max_sites": 10}
    sites = extract_regions(
        grid,
        tmp_path / "score.tif",
        target_area_ha=4.0,
        sites_per_region=3,
        separation_m=separation_m,
        simplify_m=simplify_m,
        **options,
    )
    assert sites["n_cells"].tolist() == [400, 400, 400]
    assert sites["area_ha"].tolist() == [4.0, 4.0, 4.0]
    assert sites["score_mean"].is_monotonic_decreasing
    exact = extract_regions(
        grid, tmp_path / "score.tif", target_area_ha=4.0, sites_per_region=3, **options
    )
    masks = site_masks(grid, exact)
    for mask in masks:
        assert mask.sum() == 400 and ndimage.label(mask, structure=FOUR)[1] == 1
        assert (scores[mask] >= 0.5).all()  # inside the one region
    assert not (masks[0] & masks[1]).any() and not (masks[0] & masks[2]).any()
    assert not (masks[1] & masks[2]).any()
    diagonal_m = 10.0 * np.sqrt(2)
    for a, b in ((0, 1), (0, 2), (1, 2)):
        assert exact.geometry.iloc[a].distance(exact.geometry.iloc[b]) >= separation_m
        assert sites.geometry.iloc[a].distance(sites.geometry.iloc[b]) >= separation_m - diagonal_m
    assert_same_sites(
        exact,
        reference_regions(grid, scores, target_area_ha=4.0, sites_per_region=3, **options),
    )


def test_first_carved_site_is_the_single_site(tmp_path):
    scores = plateau(5)
    grid = write_scores(tmp_path / "score.tif", scores)
    options = {"threshold": 0.5, "min_area_ha": 0.0, "max_sites": 5, "target_area_ha": 3.0}
    one = extract_regions(grid, tmp_path / "score.tif", **options)
    three = extract_regions(grid, tmp_path / "score.tif", sites_per_region=3, **options)
    assert len(one) == 1 and len(three) == 3
    assert any(geometry.equals(one.geometry.iloc[0]) for geometry in three.geometry)


def test_carving_stops_when_no_piece_of_the_target_is_left(tmp_path):
    """A 10 × 30 strip holds two 100-cell sites 5 cells apart, not three."""
    scores = np.full((14, 34), 0.1)
    scores[2:12, 2:32] = np.linspace(0.9, 0.6, 30)  # best at the west end
    grid = write_scores(tmp_path / "score.tif", scores)
    options = {"threshold": 0.5, "min_area_ha": 0.0, "max_sites": 10, "target_area_ha": 1.0}
    sites = extract_regions(
        grid, tmp_path / "score.tif", sites_per_region=3, separation_m=50.0, **options
    )
    assert sites["n_cells"].tolist() == [100, 100]
    west, east = sites.geometry
    assert west.bounds[0] == grid.x_min + 20 and east.bounds[0] == grid.x_min + 170
    assert west.distance(east) == 50.0
    touching = extract_regions(
        grid, tmp_path / "score.tif", sites_per_region=3, separation_m=0.0, **options
    )
    assert touching["n_cells"].tolist() == [100, 100, 100]
    assert touching.geometry.iloc[0].distance(touching.geometry.iloc[1]) == 0.0


@pytest.mark.parametrize("block_size", [1, 7, 512])
def test_default_is_one_site_per_region(tmp_path, read_windows, block_size):
    """``sites_per_region = 1`` is the old algorithm whatever the separation, reads included."""
    scores = random_scores(9, (40, 50), 0.6, dyadic=True)
    grid = write_scores(tmp_path / "score.tif", scores)
    options = {"threshold": 0.5, "min_area_ha": 0.0, "max_sites": 6, "target_area_ha": 0.12}
    default = extract_regions(grid, tmp_path / "score.tif", block_size=block_size, **options)
    reads = list(read_windows)
    for separation_m in (0.0, 35.0, 1000.0):
        explicit = extract_regions(
            grid,
            tmp_path / "score.tif",
            block_size=block_size,
            sites_per_region=1,
            separation_m=separation_m,
            **options,
        )
        assert_same_sites(explicit, default)
    assert read_windows == reads * 4
    assert_same_sites(default, reference_regions(grid, scores, **options))


def test_carving_reads_whole_boxes_of_large_regions_only(tmp_path, read_windows):
    scores = np.full((30, 60), 0.1)
    scores[2:12, 2:50] = 0.8  # 480 cells: room for several 40-cell sites
    scores[20, 5:55] = 0.85  # 50 cells, under 2 × 40: grown within 39 cells of its best cell
    scores[25:30, 5:12] = 0.9  # 35 cells: too small, never read again
    grid = write_scores(tmp_path / "score.tif", scores)
    sites = extract_regions(
        grid,
        tmp_path / "score.tif",
        threshold=0.5,
        min_area_ha=0.0,
        max_sites=10,
        target_area_ha=0.4,
        sites_per_region=3,
        separation_m=30.0,
        block_size=512,
    )
    assert sites["n_cells"].tolist() == [40, 40, 40, 40]
    assert read_windows[1:] == [(20, 5, 1, 40), (2, 2, 10, 48)]


def test_carving_stops_once_no_free_cell_can_enter(tmp_path, read_windows):
    scores = np.full((30, 60), 0.1)
    scores[2:12, 2:50] = 0.8
    scores[2:4, 2:4] = 0.99  # the best site holds these
    grid = write_scores(tmp_path / "score.tif", scores)
    options = {"threshold": 0.5, "min_area_ha": 0.0, "target_area_ha": 0.2}
    best = extract_regions(
        grid, tmp_path / "score.tif", max_sites=1, sites_per_region=5, separation_m=0, **options
    )
    assert best["n_cells"].tolist() == [20]
    assert best["score_mean"].iloc[0] == pytest.approx((4 * 0.99 + 16 * 0.8) / 20)
    assert_same_sites(
        best,
        reference_regions(grid, scores, max_sites=1, sites_per_region=5, separation_m=0, **options),
    )


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.tuples(st.integers(1, 29), st.integers(1, 31)),
    density=st.sampled_from([0.55, 0.6, 0.75, 0.9]),
    dyadic=st.booleans(),
    min_area_ha=st.sampled_from([0.0, 0.03, 0.2]),
    max_sites=st.sampled_from([1, 3, 1000]),
    target_cells=st.sampled_from([1, 3, 12, 40]),
    sites_per_region=st.sampled_from([2, 3, 50]),
    separation_m=st.sampled_from([0.0, 10.0, 14.0, 25.0, 60.0]),
)
def test_carved_sites_are_suitable_apart_and_within_limits(
    tmp_path_factory,
    seed,
    shape,
    density,
    dyadic,
    min_area_ha,
    max_sites,
    target_cells,
    sites_per_region,
    separation_m,
):
    scores = random_scores(seed, shape, density, dyadic)
    path = tmp_path_factory.mktemp("carved") / "score.tif"
    grid = write_scores(path, scores)
    options = {
        "threshold": 0.5,
        "min_area_ha": min_area_ha,
        "max_sites": max_sites,
        "target_area_ha": target_cells * CELL_HA,
        "sites_per_region": sites_per_region,
        "separation_m": separation_m,
    }
    by_block = [extract_regions(grid, path, block_size=b, **options) for b in (1, 7, 512)]
    for other in by_block[1:]:
        assert_same_sites(other, by_block[0])
    sites = by_block[0]
    assert_same_sites(sites, reference_regions(grid, scores, **options))
    assert len(sites) <= max_sites
    labels, _ = ndimage.label(scores >= 0.5, structure=FOUR)
    masks = site_masks(grid, sites)
    per_region = np.zeros(labels.max() + 1, int)
    for k, mask in enumerate(masks):
        assert mask.sum() == target_cells and (scores[mask] >= 0.5).all()
        (region,) = np.unique(labels[mask])
        per_region[region] += 1
        for other, other_mask in zip(sites.geometry[:k], masks[:k], strict=True):
            assert not (mask & other_mask).any()
            if labels[other_mask][0] == region:
                # GEOS measures a diagonal of whole cells to within rounding (59.99999999999999)
                assert sites.geometry.iloc[k].distance(other) >= separation_m - 1e-9
    assert per_region.max(initial=0) <= sites_per_region


def test_invalid_carving(landscape):
    grid, path, _ = landscape
    options = {"threshold": 0.5, "min_area_ha": 1, "max_sites": 3}
    with pytest.raises(ModelError, match="sites_per_region 3 without target_area_ha"):
        extract_regions(grid, path, sites_per_region=3, **options)
    with pytest.raises(ModelError, match="sites_per_region 0"):
        extract_regions(grid, path, target_area_ha=1.0, sites_per_region=0, **options)
    with pytest.raises(ModelError, match="separation_m -5"):
        extract_regions(
            grid, path, target_area_ha=1.0, sites_per_region=2, separation_m=-5.0, **options
        )
