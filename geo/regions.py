"""Candidate regions: contiguous suitable areas extracted from the score raster.

1. Cells scoring at least ``threshold`` are *suitable* (NaN never is).
2. Suitable cells sharing an edge form a region (4-connectivity: a park cannot be joined at a
   single corner).
3. With ``target_area_ha``, each region is sized to the target: starting from its best cell,
   the best neighbouring suitable cell is added until the target is reached (best-first region
   growing, so the result stays contiguous); regions smaller than the target are dropped.
4. Regions under ``min_area_ha`` are dropped; the ``max_sites`` best by mean score are kept.
5. Each region becomes a polygon (cell outlines, optionally simplified by ``simplify_m`` and
   kept valid); compactness is the Polsby–Popper ratio 4πA/P² of the cell outline (1 for a
   disc, π/4 for a square).
"""

from __future__ import annotations

import heapq
import logging
import os
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import rasterio.features
import shapely
from rasterio.windows import Window
from scipy import ndimage
from shapely.geometry import shape

from geo.errors import ModelError
from geo.grid import Grid
from geo.layers.blocks import check_aligned, read_raster, window_transform

log = logging.getLogger(__name__)

_FOUR_NEIGHBOURS = ndimage.generate_binary_structure(2, 1)


@dataclass(frozen=True)
class _Region:
    rows: np.ndarray
    cols: np.ndarray
    scores: np.ndarray


def extract_regions(
    grid: Grid,
    score_raster_path: str | os.PathLike[str],
    *,
    threshold: float,
    min_area_ha: float,
    max_sites: int,
    target_area_ha: float | None = None,
    simplify_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Contiguous areas scoring ≥ ``threshold`` of at least ``min_area_ha`` (see module doc).

    Returns a GeoDataFrame in the grid CRS with ``site_id`` (1 = best), ``area_ha``,
    ``score_mean``, ``score_min``, ``compactness`` and ``n_cells``, best first.
    """
    if max_sites < 1 or min_area_ha < 0 or (target_area_ha is not None and target_area_ha <= 0):
        raise ModelError(
            f"max_sites {max_sites}, min_area_ha {min_area_ha}, target_area_ha {target_area_ha}; "
            "expected max_sites ≥ 1, min_area_ha ≥ 0 and a positive target area."
        )
    check_aligned(score_raster_path, grid, what="the score raster")
    scores = read_raster(score_raster_path)
    with np.errstate(invalid="ignore"):
        suitable = scores >= threshold
    labels, count = ndimage.label(suitable, structure=_FOUR_NEIGHBOURS)
    cell_ha = grid.cell_area_m2 / 10_000.0
    regions = [
        _region_cells(labels, scores, sl, k + 1)
        for k, sl in enumerate(ndimage.find_objects(labels))
    ]
    if target_area_ha is not None:
        target_cells = int(np.ceil(target_area_ha / cell_ha - 1e-9))
        regions = [_grown(r, target_cells) for r in regions if r.scores.size >= target_cells]
    regions = [r for r in regions if r.scores.size * cell_ha >= min_area_ha]
    regions.sort(key=lambda r: (-float(r.scores.mean()), int(r.rows.min()), int(r.cols.min())))
    chosen = regions[:max_sites]
    log.info("%d regions above %.3f, %d kept", count, threshold, len(chosen))
    outlines = [_outline(grid, r) for r in chosen]
    simplified = [
        shapely.make_valid(shapely.simplify(o, simplify_m)) if simplify_m else o for o in outlines
    ]
    return gpd.GeoDataFrame(
        {
            "site_id": np.arange(1, len(chosen) + 1),
            "area_ha": [r.scores.size * cell_ha for r in chosen],
            "score_mean": [float(r.scores.mean()) for r in chosen],
            "score_min": [float(r.scores.min()) for r in chosen],
            "compactness": [_polsby_popper(o) for o in outlines],
            "n_cells": [int(r.scores.size) for r in chosen],
        },
        geometry=simplified,
        crs=grid.crs,
    )


def _region_cells(
    labels: np.ndarray, scores: np.ndarray, box: tuple[slice, slice], label: int
) -> _Region:
    rows, cols = np.nonzero(labels[box] == label)
    return _Region(rows + box[0].start, cols + box[1].start, scores[box][rows, cols])


def _grown(region: _Region, target_cells: int) -> _Region:
    """Best-first growth from the region's best cell to ``target_cells`` contiguous cells."""
    if region.scores.size <= target_cells:
        return region
    score_of = {
        (r, c): s
        for r, c, s in zip(
            region.rows.tolist(), region.cols.tolist(), region.scores.tolist(), strict=True
        )
    }
    best = int(np.argmax(region.scores))
    start = (int(region.rows[best]), int(region.cols[best]))
    frontier = [(-score_of[start], start)]
    seen, taken = {start}, []
    while frontier and len(taken) < target_cells:
        _, (r, c) = heapq.heappop(frontier)
        taken.append((r, c))
        for step in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if step in score_of and step not in seen:
                seen.add(step)
                heapq.heappush(frontier, (-score_of[step], step))
    rows, cols = (np.array(axis) for axis in zip(*taken, strict=True))
    return _Region(rows, cols, np.array([score_of[cell] for cell in taken]))


def _outline(grid: Grid, region: _Region) -> shapely.Geometry:
    r0, c0 = int(region.rows.min()), int(region.cols.min())
    mask = np.zeros((int(region.rows.max()) - r0 + 1, int(region.cols.max()) - c0 + 1), np.uint8)
    mask[region.rows - r0, region.cols - c0] = 1
    transform = window_transform(grid, Window(c0, r0, mask.shape[1], mask.shape[0]))
    shapes = rasterio.features.shapes(
        mask, mask=mask.astype(bool), connectivity=4, transform=transform
    )
    return shapely.union_all([shape(geom) for geom, _ in shapes])


def _polsby_popper(polygon: shapely.Geometry) -> float:
    perimeter = polygon.length
    return float(4.0 * np.pi * polygon.area / perimeter**2) if perimeter > 0 else 0.0
