"""Candidate regions: contiguous suitable areas extracted from the score raster.

1. Cells scoring at least ``threshold`` are *suitable* (NaN never is).
2. Suitable cells sharing an edge form a region (4-connectivity: a park cannot be joined at a
   single corner).
3. With ``target_area_ha``, each region is sized to the target: starting from its best cell,
   the best neighbouring suitable cell is added until the target is reached (best-first region
   growing, so the result stays contiguous); regions smaller than the target are dropped.
4. With a target and ``sites_per_region`` k > 1, a region is *carved* into up to k sites: after
   a site is grown, its cells and every cell whose outline comes within ``separation_m`` of the
   site's outline (gap between the cell squares, so 0 m removes the site only and any positive
   distance also its 8 neighbours) leave the region's free cells; free pieces (4-connected)
   smaller than the target are dropped; the next site is grown the same way from the best free
   cell, until k sites or no piece of the target's size is left. Two sites of one region are
   therefore at least ``separation_m`` apart (before simplification); sites of different
   regions are parted by unsuitable land, and no distance is imposed between them (they may
   touch at a corner). The first site is the one k = 1 gives. Without a target a site is its
   whole region, so k > 1 is refused.
5. Sites under ``min_area_ha`` are dropped; the ``max_sites`` best by mean score are kept.
6. Each site becomes a polygon (cell outlines, optionally simplified by ``simplify_m`` and
   kept valid); compactness is the Polsby–Popper ratio 4πA/P² of the cell outline (1 for a
   disc, π/4 for a square).

Ties: a region's best cell (and a carved region's best free cell) is its first maximal cell in
row-major order; growth takes the best frontier cell, ties by ``(row, col)``; sites rank by
``(-mean, min row, min col)``, then by their region's first cell in row-major order, then by
the order they were carved in (the only tie-break within a region).

The raster is never held whole. Pass 1 streams it in square blocks of ``block_size`` cells,
row-major, the next block read in a thread meanwhile. Each block is labelled on its own, and
its pieces join the pieces facing them across its west and north edges (the pieces and their
joins form a graph whose connected components are the regions). Only summaries are kept: per
piece its cell count, score sum (float64), minimum, maximum, best cell, first cell and
bounding box; a piece that touches no edge shared with another block is a whole region and is
dropped at once when it cannot qualify. Pass 2 reads one region at a time: its bounding box (a
region lies inside its box, and so do the paths joining its cells, so the box's component
holding the best cell is the region), or with a target the part of that box within ``n − 1``
rows and columns of the best cell (growth to ``n`` cells never leaves it). A region carved into
k > 1 sites is read whole (its box: a later site may lie anywhere in it), and only when it
holds at least ``2n`` cells (else it has room for one site and is grown as above). Regions are
grown lazily, in decreasing order of an upper bound of their grown mean (it bounds every site
carved from them too), until no ungrown region can enter the ``max_sites`` best; carving a
region stops early when its best free cell is below the ``max_sites``-th best mean.

Memory: two blocks (scores, labels and sort buffers: at most about 50 bytes per cell, 13 MB for
512²), one row of piece ids (8 bytes per column) and the summaries (about 100 bytes per piece
kept), then one region box at a time (about 11 bytes per cell; carved into several sites:
about 14 bytes per cell of the box with float64 scores, 10 with float32, for the scores, the
free cells and their labels) and the ``max_sites`` kept sites; never the whole raster. The box
of a region follows its extent, not the grid's (a region spanning the grid has the grid as box).
"""

from __future__ import annotations

import bisect
import heapq
import logging
import math
import operator
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import shapely
from rasterio.windows import Window
from scipy import ndimage, sparse
from scipy.sparse import csgraph

from geo.errors import ModelError
from geo.grid import Grid
from geo.layers.blocks import RasterReader, check_aligned, streaming_env, window_transform

log = logging.getLogger(__name__)

#: Side of the blocks read and labelled at once in pass 1 (the tiles of the engine's COG).
BLOCK_SIZE = 512

_FOUR_NEIGHBOURS = ndimage.generate_binary_structure(2, 1)
#: Relative tolerance when comparing a growth bound with a grown mean (rounding of sums).
_BOUND_RTOL = 1e-9
_RANK = operator.attrgetter("rank")
#: Rows of labels counted at once when sizing the free pieces of a carved region.
_COUNT_ROWS = 256

#: A row of the region summaries (:meth:`pandas.DataFrame.itertuples`): ``n_cells``,
#: ``score_sum``, ``score_min``, ``score_max``, ``best_row``, ``best_col``, ``first_col`` and
#: the box ``row_min``, ``row_max``, ``col_min``, ``col_max``.
_Summary = Any
#: Cell counts: an array, or a column of the region summaries.
_Counts = TypeVar("_Counts", np.ndarray, pd.Series)


@dataclass(frozen=True)
class _Rule:
    """Which regions qualify: ``n · cell_ha ≥ min_area_ha``; with a target, ``n ≥ target_cells``
    and the grown region (``target_cells`` cells) must meet the minimum area."""

    cell_ha: float
    min_area_ha: float
    target_cells: int | None

    def qualifies(self, n_cells: _Counts) -> _Counts:
        if self.target_cells is None:
            return n_cells * self.cell_ha >= self.min_area_ha
        grown_ok = self.target_cells * self.cell_ha >= self.min_area_ha
        return (n_cells >= self.target_cells) & grown_ok


@dataclass(frozen=True)
class _Carving:
    """How many sites a region may give and how far apart: ``per_region`` sites of
    ``target_cells`` cells, their outlines at least ``separation_cells`` cell sides apart."""

    target_cells: int
    per_region: int = 1
    separation_cells: float = 0.0


@dataclass(frozen=True)
class _Site:
    """One extracted region: its statistics and its (unsimplified) cell outline."""

    n_cells: int
    score_mean: float
    score_min: float
    outline: shapely.Geometry


@dataclass(frozen=True)
class _Grown:
    """A site grown to the target, with its rank key ``(-mean, min row, min col, first cell of
    its region, order carved in its region)``."""

    rows: np.ndarray
    cols: np.ndarray
    scores: np.ndarray
    first_cell: tuple[int, int]
    order: int = 0

    @property
    def rank(self) -> tuple[float, int, int, int, int, int]:
        return (
            -self.mean,
            int(self.rows.min()),
            int(self.cols.min()),
            *self.first_cell,
            self.order,
        )

    @property
    def mean(self) -> float:
        return float(self.scores.mean())


def extract_regions(
    grid: Grid,
    score_raster_path: str | os.PathLike[str],
    *,
    threshold: float,
    min_area_ha: float,
    max_sites: int,
    target_area_ha: float | None = None,
    sites_per_region: int = 1,
    separation_m: float = 200.0,
    simplify_m: float | None = None,
    block_size: int = BLOCK_SIZE,
) -> gpd.GeoDataFrame:
    """Contiguous areas scoring ≥ ``threshold`` of at least ``min_area_ha`` (see module doc).

    With ``target_area_ha``, up to ``sites_per_region`` sites of that area are carved from
    each region, at least ``separation_m`` apart (1: one site per region, ``separation_m``
    unused). Returns a GeoDataFrame in the grid CRS with ``site_id`` (1 = best), ``area_ha``,
    ``score_mean``, ``score_min``, ``compactness`` and ``n_cells``, best first. The raster is
    read in blocks of ``block_size`` × ``block_size`` cells, then one region box at a time.
    """
    if max_sites < 1 or min_area_ha < 0 or (target_area_ha is not None and target_area_ha <= 0):
        raise ModelError(
            f"max_sites {max_sites}, min_area_ha {min_area_ha}, target_area_ha {target_area_ha}; "
            "expected max_sites ≥ 1, min_area_ha ≥ 0 and a positive target area."
        )
    if block_size < 1:
        raise ModelError(f"block_size {block_size}; expected at least 1 cell (e.g. 512).")
    _check_carving(sites_per_region, separation_m, target_area_ha)
    check_aligned(score_raster_path, grid, what="the score raster")
    cell_ha = grid.cell_area_m2 / 10_000.0
    target_cells = None if target_area_ha is None else int(np.ceil(target_area_ha / cell_ha - 1e-9))
    rule = _Rule(cell_ha, min_area_ha, target_cells)
    with streaming_env(), RasterReader(score_raster_path) as reader:
        regions, count = _summarise(reader, threshold, rule, block_size)
        if target_cells is None:
            sites = _whole_sites(reader, grid, regions, threshold, max_sites)
        else:
            carving = _Carving(target_cells, sites_per_region, separation_m / grid.cell_size_m)
            sites = _grown_sites(reader, grid, regions, threshold, max_sites, carving)
    log.info("%d regions above %.3f, %d kept", count, threshold, len(sites))
    return _site_frame(grid, sites, cell_ha, simplify_m)


def _check_carving(
    sites_per_region: int, separation_m: float, target_area_ha: float | None
) -> None:
    if sites_per_region < 1:
        raise ModelError(
            f"sites_per_region {sites_per_region}; expected at least 1 (1: one site per region)."
        )
    if not (separation_m >= 0 and math.isfinite(separation_m)):
        raise ModelError(f"separation_m {separation_m}; expected a distance ≥ 0 m (e.g. 200).")
    if sites_per_region > 1 and target_area_ha is None:
        raise ModelError(
            f"sites_per_region {sites_per_region} without target_area_ha; several sites per "
            "region need a site area: set target_area_ha, or sites_per_region = 1."
        )


# ----------------------------------------------------------------------------- pass 1


def _summarise(
    reader: RasterReader, threshold: float, rule: _Rule, block_size: int
) -> tuple[pd.DataFrame, int]:
    """Pass 1: the qualifying regions (one summary row each) and the number of all regions."""
    height, width = reader.shape
    seams, kept, next_id, dropped = _Seams(width), [], 1, 0
    for box, scores in _read_ahead(reader, _blocks(height, width, block_size)):
        labels, count = _label(scores, threshold)
        seams.stitch(box, labels, next_id)
        pieces = _block_pieces(scores, labels, box, next_id)
        keep = _on_inner_edge(pieces, box, height, width) | rule.qualifies(pieces["n_cells"])
        kept.append({name: column[keep] for name, column in pieces.items()})
        dropped += count - int(keep.sum())
        next_id += count
    columns = {name: np.concatenate([block[name] for block in kept]) for name in kept[0]}
    regions = _join_pieces(pd.DataFrame(columns), np.concatenate(seams.joins))
    return regions[rule.qualifies(regions["n_cells"])], dropped + len(regions)


class _Seams:
    """Piece ids along the seams streamed so far (the bottom row of the blocks above, the east
    column of the block to the west) and the joins found across them."""

    def __init__(self, width: int) -> None:
        self._above = np.zeros(width, np.int64)
        self._west = np.zeros(0, np.int64)
        self.joins: list[np.ndarray] = [np.zeros((0, 2), np.int64)]

    def stitch(self, box: Window, labels: np.ndarray, first_id: int) -> None:
        """Join the block's pieces (ids ``first_id + label − 1``) to those facing them."""

        def ids(line: np.ndarray) -> np.ndarray:
            return np.where(line > 0, line + (first_id - 1), 0).astype(np.int64)

        cols = slice(box.col_off, box.col_off + box.width)
        west = self._west if box.col_off > 0 else np.zeros(box.height, np.int64)
        self.joins += [_pairs(self._above[cols], ids(labels[0])), _pairs(west, ids(labels[:, 0]))]
        self._above[cols], self._west = ids(labels[-1]), ids(labels[:, -1])


def _blocks(height: int, width: int, block_size: int) -> list[Window]:
    """Windows of at most ``block_size`` × ``block_size`` cells covering the raster, row-major."""
    return [
        Window(col, row, min(block_size, width - col), min(block_size, height - row))
        for row in range(0, height, block_size)
        for col in range(0, width, block_size)
    ]


def _read_ahead(reader: RasterReader, boxes: list[Window]) -> Iterator[tuple[Window, np.ndarray]]:
    """The blocks of ``boxes`` in order, each read in a thread while the one before is worked
    on (GDAL decodes while numpy labels); at most two blocks are held."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="regions") as pool:
        pending = pool.submit(reader.read, boxes[0], dtype=reader.float_dtype)
        for box, following in zip(boxes, [*boxes[1:], None], strict=True):
            scores = pending.result()
            if following is not None:
                pending = pool.submit(reader.read, following, dtype=reader.float_dtype)
            yield box, scores


def _pairs(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """The distinct ``(id, id)`` pairs of suitable cells facing each other across an edge."""
    facing = (before > 0) & (after > 0)
    return np.unique(np.column_stack([before[facing], after[facing]]), axis=0)


def _on_inner_edge(
    pieces: dict[str, np.ndarray], box: Window, height: int, width: int
) -> np.ndarray:
    """Pieces touching an edge of the block shared with another block (they may join)."""
    row1, col1 = box.row_off + box.height, box.col_off + box.width
    return (
        ((pieces["row_min"] == box.row_off) & (box.row_off > 0))
        | ((pieces["row_max"] == row1 - 1) & (row1 < height))
        | ((pieces["col_min"] == box.col_off) & (box.col_off > 0))
        | ((pieces["col_max"] == col1 - 1) & (col1 < width))
    )


def _label(scores: np.ndarray, threshold: float) -> tuple[np.ndarray, int]:
    """4-connected labels of the suitable cells."""
    return ndimage.label(_suitable(scores, threshold), structure=_FOUR_NEIGHBOURS)


def _suitable(scores: np.ndarray, threshold: float) -> np.ndarray:
    """``score ≥ threshold``, compared in float64 whatever the raster's float type (NaN: no)."""
    with np.errstate(invalid="ignore"):
        return scores >= np.float64(threshold)


def _block_pieces(
    scores: np.ndarray, labels: np.ndarray, box: Window, first_id: int
) -> dict[str, np.ndarray]:
    """Summaries of a block's labelled pieces, with ids ``first_id + label − 1``.

    The suitable cells are grouped by a stable sort of their labels, so each group keeps
    row-major order: its first cell is the piece's first, its first maximal cell the best.
    """
    width = labels.shape[1]
    cells = np.flatnonzero(labels)
    cells = cells[np.argsort(labels.ravel()[cells], kind="stable")]
    piece = labels.ravel()[cells]
    values = scores.ravel()[cells]
    starts = np.flatnonzero(np.diff(piece, prepend=0))
    sizes = np.diff(np.append(starts, len(cells)))
    high = np.maximum.reduceat(values, starts)
    at_max = np.flatnonzero(values == np.repeat(high, sizes))
    best = cells[at_max[np.diff(piece[at_max], prepend=0) > 0]]
    rows, cols = np.divmod(cells, width)
    rows += box.row_off
    cols += box.col_off
    return {
        "piece": piece[starts].astype(np.int64) + (first_id - 1),
        "n_cells": sizes,
        "score_sum": np.add.reduceat(values.astype(np.float64), starts),
        "score_min": np.minimum.reduceat(values, starts).astype(np.float64),
        "score_max": high.astype(np.float64),
        "best_row": best // width + box.row_off,
        "best_col": best % width + box.col_off,
        "first_col": cols[starts],
        "row_min": rows[starts],
        "row_max": rows[starts + sizes - 1],
        "col_min": np.minimum.reduceat(cols, starts),
        "col_max": np.maximum.reduceat(cols, starts),
    }


def _join_pieces(pieces: pd.DataFrame, joins: np.ndarray) -> pd.DataFrame:
    """One summary per region: the connected components of the pieces joined across blocks.

    ``n_cells`` and ``score_sum`` add up, the extremes and the box combine, the best cell is
    the best piece's (ties: smallest ``(row, col)``), the first cell the earliest piece's.
    """
    ends = np.searchsorted(pieces["piece"].to_numpy(), joins)  # pieces come in id order
    graph = sparse.coo_array(
        (np.ones(len(ends), np.int8), (ends[:, 0], ends[:, 1])), shape=(len(pieces),) * 2
    )
    pieces = pieces.assign(region=csgraph.connected_components(graph, directed=False)[1])
    by_region = pieces.groupby("region")
    totals = by_region.agg(
        n_cells=("n_cells", "sum"),
        score_sum=("score_sum", "sum"),
        score_min=("score_min", "min"),
        row_min=("row_min", "min"),
        row_max=("row_max", "max"),
        col_min=("col_min", "min"),
        col_max=("col_max", "max"),
    )
    best = _first_by(pieces, ["score_max", "best_row", "best_col"], [False, True, True])
    first = _first_by(pieces, ["row_min", "first_col"], [True, True])
    return totals.join(best[["score_max", "best_row", "best_col"]]).join(first[["first_col"]])


def _first_by(pieces: pd.DataFrame, columns: list[str], ascending: list[bool]) -> pd.DataFrame:
    """Per region, the piece that sorts first by ``columns``."""
    ordered = pieces.sort_values(columns, ascending=ascending, kind="stable")
    return ordered.drop_duplicates("region").set_index("region")


# ----------------------------------------------------------------------------- pass 2


def _whole_sites(
    reader: RasterReader, grid: Grid, regions: pd.DataFrame, threshold: float, max_sites: int
) -> list[_Site]:
    """The ``max_sites`` best regions by ``(-mean, min row, min col, first col)``, outlined."""
    ranked = regions.assign(score_mean=regions["score_sum"] / regions["n_cells"]).sort_values(
        ["score_mean", "row_min", "col_min", "first_col"], ascending=[False, True, True, True]
    )
    return [_whole_site(reader, grid, r, threshold) for r in ranked.head(max_sites).itertuples()]


def _whole_site(reader: RasterReader, grid: Grid, region: _Summary, threshold: float) -> _Site:
    """A region's cells: the component of its best cell in its bounding box."""
    box = Window(
        region.col_min,
        region.row_min,
        region.col_max - region.col_min + 1,
        region.row_max - region.row_min + 1,
    )
    labels, _ = _label(reader.read(box, dtype=reader.float_dtype), threshold)
    mask = labels == labels[region.best_row - region.row_min, region.best_col - region.col_min]
    outline = _outline(grid, mask, box)
    return _Site(int(region.n_cells), float(region.score_mean), float(region.score_min), outline)


def _grown_sites(
    reader: RasterReader,
    grid: Grid,
    regions: pd.DataFrame,
    threshold: float,
    max_sites: int,
    carving: _Carving,
) -> list[_Site]:
    """The ``max_sites`` best sites of ``carving.target_cells`` cells, growing lazily.

    Regions are grown (or carved) in decreasing order of a bound of their sites' means: any
    ``t`` of a region's ``n`` cells have a mean of at most ``min(max, (sum − (n − t)·min) / t)``.
    Growth stops when the next bound is below the mean of the ``max_sites``-th best site.
    """
    target_cells = carving.target_cells
    bound = np.minimum(
        regions["score_max"],
        (regions["score_sum"] - (regions["n_cells"] - target_cells) * regions["score_min"])
        / target_cells,
    )
    kept: list[_Grown] = []
    region: _Summary

    def floor() -> float:
        """The mean a site must beat to be kept (−∞ while fewer than ``max_sites``)."""
        return kept[-1].mean if len(kept) == max_sites else -math.inf

    for region in regions.assign(bound=bound).sort_values("bound", ascending=False).itertuples():
        if _below(region.bound, floor()):
            break
        if carving.per_region > 1 and region.n_cells >= 2 * target_cells:
            grown: Iterator[_Grown] = _carve(reader, region, threshold, carving, floor)
        else:
            grown = iter([_grow(reader, region, threshold, target_cells)])
        for site in grown:
            bisect.insort(kept, site, key=_RANK)
            del kept[max_sites:]
    return [_grown_site(grid, grown) for grown in kept]


def _below(bound: float, mean: float) -> bool:
    """``bound < mean`` beyond the rounding of the sums behind them."""
    return bound < mean and not math.isclose(bound, mean, rel_tol=_BOUND_RTOL)


def _grow(reader: RasterReader, region: _Summary, threshold: float, target_cells: int) -> _Grown:
    """Best-first growth of a region from its best cell to ``target_cells`` cells.

    Reads the region's box within ``target_cells − 1`` rows and columns of the best cell: the
    k-th cell taken is at most k − 1 steps from it, and so is every frontier cell before the
    target is reached.
    """
    reach = target_cells - 1
    row0, col0 = (
        max(region.row_min, region.best_row - reach),
        max(region.col_min, region.best_col - reach),
    )
    row1, col1 = (
        min(region.row_max, region.best_row + reach),
        min(region.col_max, region.best_col + reach),
    )
    box = Window(col0, row0, col1 - col0 + 1, row1 - row0 + 1)
    scores = reader.read(box, dtype=reader.float_dtype)
    suitable = _suitable(scores, threshold)
    rows, cols = _best_first(
        scores, suitable, (region.best_row - row0, region.best_col - col0), target_cells
    )
    return _Grown(
        rows + row0,
        cols + col0,
        scores[rows, cols].astype(np.float64),
        (int(region.row_min), int(region.first_col)),
    )


def _carve(
    reader: RasterReader,
    region: _Summary,
    threshold: float,
    carving: _Carving,
    floor: Callable[[], float],
) -> Iterator[_Grown]:
    """Up to ``carving.per_region`` sites carved from a region, in the order carved (module doc,
    rule 4); stops early when the best free cell is below ``floor()``.

    Reads the region's whole box; the free cells are the region's (the box's component of the
    best cell) less each site and its ring, less the pieces too small for a site. The scores
    off the free cells are set to −∞ in place, so the best free cell is their first argmax.
    """
    box = Window(
        region.col_min,
        region.row_min,
        region.col_max - region.col_min + 1,
        region.row_max - region.row_min + 1,
    )
    scores = reader.read(box, dtype=reader.float_dtype)
    labels, _ = _label(scores, threshold)
    free = labels == labels[region.best_row - region.row_min, region.best_col - region.col_min]
    del labels
    first_cell = (int(region.row_min), int(region.first_col))
    for order in range(carving.per_region):
        if order > 0:
            _drop_small_pieces(free, carving.target_cells)
        np.copyto(scores, -np.inf, where=~free)  # in place: the free cells keep their scores
        start = divmod(int(np.argmax(scores)), scores.shape[1])  # the first maximal cell
        if not free[start] or _below(float(scores[start]), floor()):
            return
        rows, cols = _best_first(scores, free, start, carving.target_cells)
        yield _Grown(
            rows + int(region.row_min),
            cols + int(region.col_min),
            scores[rows, cols].astype(np.float64),
            first_cell,
            order,
        )
        if order + 1 < carving.per_region:
            _clear_ring(free, rows, cols, carving.separation_cells)


def _clear_ring(
    free: np.ndarray, rows: np.ndarray, cols: np.ndarray, separation_cells: float
) -> None:
    """Unmark a site's cells and those whose square is less than ``separation_cells`` cell
    sides from a site cell's square.

    The gap between two cell squares is the centre distance to the nearest cell of the 3 × 3
    block around the other (``hypot(max(0, |Δrow| − 1), max(0, |Δcol| − 1))``), so it is the
    Euclidean distance transform of the site dilated by one cell, computed in the site's box
    widened by the ring (that block lies between the two cells, hence inside ``free``).
    """
    free[rows, cols] = False
    if separation_cells <= 0:
        return
    reach = math.ceil(separation_cells) + 1
    height, width = free.shape
    row0, col0 = max(0, int(rows.min()) - reach), max(0, int(cols.min()) - reach)
    row1 = min(height, int(rows.max()) + reach + 1)
    col1 = min(width, int(cols.max()) + reach + 1)
    site = np.zeros((row1 - row0, col1 - col0), bool)
    site[rows - row0, cols - col0] = True
    touching = ndimage.binary_dilation(site, structure=np.ones((3, 3), bool))
    gap_cells = ndimage.distance_transform_edt(~touching)
    free[row0:row1, col0:col1] &= gap_cells >= separation_cells


def _drop_small_pieces(free: np.ndarray, target_cells: int) -> None:
    """Unmark the 4-connected pieces of ``free`` with fewer than ``target_cells`` cells."""
    labels, count = ndimage.label(free, structure=_FOUR_NEIGHBOURS)
    sizes = np.zeros(count + 1, np.int64)
    for row in range(0, labels.shape[0], _COUNT_ROWS):  # bincount copies to int64: by rows
        sizes += np.bincount(labels[row : row + _COUNT_ROWS].ravel(), minlength=count + 1)
    small = sizes < target_cells
    small[0] = False
    free[small[labels]] = False


def _best_first(
    scores: np.ndarray, suitable: np.ndarray, start: tuple[int, int], n_cells: int
) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of ``n_cells`` cells taken best first from ``start`` over suitable
    4-neighbours (a heap keyed ``(-score, row, col)``), in the order taken."""
    height, width = scores.shape
    frontier = [(-float(scores[start]), *start)]
    seen, taken = {start}, list[tuple[int, int]]()
    while frontier and len(taken) < n_cells:
        _, row, col = heapq.heappop(frontier)
        taken.append((row, col))
        for step in ((row - 1, col), (row + 1, col), (row, col - 1), (row, col + 1)):
            if (
                step not in seen
                and 0 <= step[0] < height
                and 0 <= step[1] < width
                and suitable[step]
            ):
                seen.add(step)
                heapq.heappush(frontier, (-float(scores[step]), *step))
    rows, cols = np.array(taken).T
    return rows, cols


def _grown_site(grid: Grid, grown: _Grown) -> _Site:
    row0, col0 = int(grown.rows.min()), int(grown.cols.min())
    mask = np.zeros((int(grown.rows.max()) - row0 + 1, int(grown.cols.max()) - col0 + 1), bool)
    mask[grown.rows - row0, grown.cols - col0] = True
    box = Window(col0, row0, mask.shape[1], mask.shape[0])
    return _Site(len(grown.rows), grown.mean, float(grown.scores.min()), _outline(grid, mask, box))


# ----------------------------------------------------------------------------- polygons


def _outline(grid: Grid, mask: np.ndarray, box: Window) -> shapely.Geometry:
    """Union of the cell outlines of ``mask`` (the cells of ``box``)."""
    shapes = rasterio.features.shapes(
        mask.astype(np.uint8), mask=mask, connectivity=4, transform=window_transform(grid, box)
    )
    return shapely.union_all([_polygon(geom) for geom, _ in shapes])


def _polygon(geometry: dict) -> shapely.Polygon:
    """A GeoJSON-like polygon from :func:`rasterio.features.shapes` (rings as arrays)."""
    shell, *holes = (_ring(ring) for ring in geometry["coordinates"])
    return shapely.polygons(shell, holes or None)


def _ring(coordinates: Any) -> shapely.LinearRing:
    # types-shapely gives array inputs "LinearRing | array": one ring's (n, 2) array gives one
    return cast(shapely.LinearRing, shapely.linearrings(np.asarray(coordinates)))


def _site_frame(
    grid: Grid, sites: list[_Site], cell_ha: float, simplify_m: float | None
) -> gpd.GeoDataFrame:
    outlines = [site.outline for site in sites]
    simplified = [
        shapely.make_valid(shapely.simplify(o, simplify_m)) if simplify_m else o for o in outlines
    ]
    return gpd.GeoDataFrame(
        {
            "site_id": np.arange(1, len(sites) + 1),
            "area_ha": [site.n_cells * cell_ha for site in sites],
            "score_mean": [site.score_mean for site in sites],
            "score_min": [site.score_min for site in sites],
            "compactness": [_polsby_popper(o) for o in outlines],
            "n_cells": [site.n_cells for site in sites],
        },
        geometry=simplified,
        crs=grid.crs,
    )


def _polsby_popper(polygon: shapely.Geometry) -> float:
    perimeter = float(shapely.length(polygon))
    return float(4.0 * np.pi * shapely.area(polygon) / perimeter**2) if perimeter > 0 else 0.0
