"""Site scores: coverage-weighted statistics of the score raster over candidate polygons.

Every cell counts with the share of its area inside the polygon (its *coverage fraction*):
1 for interior cells, the exact intersection area / cell area on the boundary.

Coverage fractions, exactly and vectorised
------------------------------------------
In cell units (u = column, v = row, v growing southwards) a polygon's area is ∮ v du along
its rings (exterior counter-clockwise on the map, holes clockwise). Restricted to the cell
(r, c), the area inside is the same integral over the boundary pieces in column c with v
clamped to [r, r + 1], minus r. Cutting every edge where it crosses a grid line leaves pieces
inside one cell each; a piece with horizontal extent du and mean row position v̄ in cell
(r', c) then adds du·(v̄ − r') to its own cell and du to every cell above it in that column
(rows r < r'). The latter is a suffix sum along each column, so all fractions of a batch of
polygons follow from a few array operations, with no per-cell geometry.

The statistics per site (NaN cells: excluded, no data, or off the grid):

- ``score``: Σ f·s / Σ f over scored cells (f the coverage fraction, s the score);
- ``score_min``: the lowest score of a scored cell the site touches (f > 0);
- ``score_p10``: the coverage-weighted 10th percentile of the scores;
- ``share_excluded``: Σ f over NaN cells / Σ f over all cells;
- ``c_<criterion>``: coverage-weighted mean of the standardised criterion over the *scored*
  cells, so that for a weighted linear combination Σ_i w_i c_i equals ``score``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import partial

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio.windows import Window

from geo.criteria import check_same_crs
from geo.errors import ColumnError, GeometryError, ModelError
from geo.grid import Grid, projected_crs
from geo.layers.blocks import ThreadLocalReader, check_aligned, streaming_env
from geo.runners import IN_PROCESS, Runner

log = logging.getLogger(__name__)

_TINY = 1e-12


@dataclass(frozen=True)
class CellCoverage:
    """Cells touched by polygons: for each, the polygon index, row, column and fraction."""

    polygon: np.ndarray
    row: np.ndarray
    col: np.ndarray
    fraction: np.ndarray


def coverage_fractions(polygons: np.ndarray, grid: Grid) -> CellCoverage:
    """Exact coverage fractions of the grid cells under each polygon (see module docstring).

    Cells come sorted by polygon; rows and columns may lie off the grid (negative or beyond
    its size) where a polygon does.
    """
    polygons = shapely.orient_polygons(np.asarray(polygons, dtype=object))
    cell = grid.cell_size_m
    x0, y0, x1, y1 = shapely.bounds(polygons).T
    col0, col1 = np.floor((x0 - grid.x_min) / cell), np.ceil((x1 - grid.x_min) / cell)
    row0, row1 = np.floor((grid.y_max - y1) / cell), np.ceil((grid.y_max - y0) / cell)
    empty = shapely.is_empty(polygons)
    col0, row0 = (
        np.where(empty, 0, col0).astype(np.int64),
        np.where(empty, 0, row0).astype(np.int64),
    )
    width = np.where(empty, 0, np.maximum(col1 - col0, 1)).astype(np.int64)
    height = np.where(empty, 0, np.maximum(row1 - row0, 1)).astype(np.int64)
    offset = np.concatenate([[0], np.cumsum(width * height)])

    polygon, u0, v0, u1, v1 = _edges(polygons, grid)
    piece_polygon, du, v_mean, u_mid = _pieces(polygon, u0, v0, u1, v1)
    col = np.floor(u_mid).astype(np.int64)
    # a piece lying on a row boundary may go to either row: both give the same fractions
    row = np.clip(
        np.floor(v_mean).astype(np.int64),
        row0[piece_polygon],
        row0[piece_polygon] + height[piece_polygon] - 1,
    )
    # column-major within each polygon's window: each column is a contiguous run of rows
    flat = (
        offset[piece_polygon]
        + (col - col0[piece_polygon]) * height[piece_polygon]
        + (row - row0[piece_polygon])
    )
    total = int(offset[-1])
    own = np.bincount(flat, weights=du * (v_mean - row), minlength=total)
    full = np.bincount(flat, weights=du, minlength=total)
    fraction = own + _suffix_sums(full, np.repeat(height, width))

    del own, full  # only the covered cells from here: memory follows them, not the windows
    kept = np.flatnonzero(fraction > _TINY)
    cell_polygon = np.searchsorted(offset, kept, side="right") - 1
    local = kept - offset[cell_polygon]
    rows = np.maximum(height[cell_polygon], 1)
    return CellCoverage(
        polygon=cell_polygon,
        row=row0[cell_polygon] + local % rows,
        col=col0[cell_polygon] + local // rows,
        fraction=np.minimum(fraction[kept], 1.0),
    )


def _edges(polygons: np.ndarray, grid: Grid) -> tuple[np.ndarray, ...]:
    parts, part_polygon = shapely.get_parts(polygons, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    u = (coords[:, 0] - grid.x_min) / grid.cell_size_m
    v = (grid.y_max - coords[:, 1]) / grid.cell_size_m
    same_ring = ring[1:] == ring[:-1]
    polygon = part_polygon[ring_part[ring[:-1][same_ring]]]
    return polygon, u[:-1][same_ring], v[:-1][same_ring], u[1:][same_ring], v[1:][same_ring]


def _grid_crossings(a0: np.ndarray, a1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(edge, t) for every integer value strictly between a0 and a1, at a = a0 + t(a1 − a0)."""
    lo, hi = np.minimum(a0, a1), np.maximum(a0, a1)
    count = np.maximum(np.ceil(hi) - np.floor(lo) - 1, 0).astype(np.int64)
    edge = np.repeat(np.arange(a0.size), count)
    step = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    k = np.floor(lo)[edge] + 1 + step
    return edge, (k - a0[edge]) / (a1[edge] - a0[edge])


def _pieces(
    polygon: np.ndarray, u0: np.ndarray, v0: np.ndarray, u1: np.ndarray, v1: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Cut edges at grid lines; per non-vertical piece: polygon, du, mean v, mid u."""
    n = u0.size
    edge_u, t_u = _grid_crossings(u0, u1)
    edge_v, t_v = _grid_crossings(v0, v1)
    edge = np.concatenate([np.arange(n), np.arange(n), edge_u, edge_v])
    t = np.concatenate([np.zeros(n), np.ones(n), t_u, t_v])
    order = np.lexsort((t, edge))
    edge, t = edge[order], t[order]
    same = edge[1:] == edge[:-1]
    e, ta, tb = edge[:-1][same], t[:-1][same], t[1:][same]
    ua, ub = u0[e] + ta * (u1[e] - u0[e]), u0[e] + tb * (u1[e] - u0[e])
    va, vb = v0[e] + ta * (v1[e] - v0[e]), v0[e] + tb * (v1[e] - v0[e])
    du = ub - ua
    moving = du != 0.0
    v_mean = (va + vb) / 2.0
    u_mid = (ua + ub) / 2.0
    return polygon[e][moving], du[moving], v_mean[moving], u_mid[moving]


def _suffix_sums(values: np.ndarray, run_lengths: np.ndarray) -> np.ndarray:
    """For each position, the sum of the values after it within its run (exclusive)."""
    inclusive = np.cumsum(values)
    run_end = np.repeat(np.cumsum(run_lengths), run_lengths) - 1
    return inclusive[run_end] - inclusive if values.size else values


def zonal_scores(
    sites: gpd.GeoDataFrame,
    grid: Grid,
    score_raster_path: str | os.PathLike[str],
    *,
    criterion_rasters: Mapping[str, str | os.PathLike[str]] | None = None,
    id_column: str = "site_id",
    batch_size: int = 1000,
    runner: Runner = IN_PROCESS,
) -> pd.DataFrame:
    """Score every site polygon: columns ``site_id``, ``area_ha``, ``score``, ``score_min``,
    ``score_p10``, ``share_excluded``, ``c_<criterion>`` …, ``rank`` (1 = best; ties by id).

    Sites are processed by ``runner`` in batches of ``batch_size``, sorted north to south;
    each batch reads only the band of rows and columns its polygons cover. The sites are
    ranked here, over all batches.
    """
    geometries, ids = checked_sites(sites, grid, id_column)
    criterion_rasters = dict(criterion_rasters or {})
    columns = ["score", "score_min", "score_p10", "share_excluded"]
    columns += [f"c_{name}" for name in criterion_rasters]
    table = _per_site(
        geometries,
        grid,
        score_raster_path,
        criterion_rasters,
        _batch_statistics,
        len(columns),
        batch_size,
        runner,
    )
    frame = pd.DataFrame(table, columns=columns)
    frame.insert(0, "area_ha", shapely.area(geometries) / 10_000.0)
    frame.insert(0, "site_id", ids)
    return rank_sites(frame)


@dataclass(frozen=True)
class SiteProfiles:
    """The distribution of raw criterion values over each site's scored cells, as quantiles.

    ``values[s, i, j]`` is the coverage-weighted quantile of criterion ``criteria[i]`` at level
    ``levels[j] = (j + ½)/nodes`` over the scored cells of site ``ids[s]``: the smallest value
    whose cumulative coverage reaches that share of the site's scored coverage. The mean of
    any function f over the site is then ≈ (1/nodes) Σ_j f(values[s, i, j]) (NaN: no scored
    cells).
    """

    ids: np.ndarray
    criteria: tuple[str, ...]
    values: np.ndarray

    @property
    def levels(self) -> np.ndarray:
        nodes = self.values.shape[2]
        return (np.arange(nodes) + 0.5) / nodes

    def aligned(self, ids: np.ndarray, criteria: Sequence[str]) -> np.ndarray:
        """``values`` for the sites ``ids`` and ``criteria``, in that order; refuses any not
        profiled."""
        position = pd.Index(self.ids).get_indexer(ids)
        missing_criteria = [c for c in criteria if c not in self.criteria]
        if (position < 0).any() or missing_criteria:
            raise ColumnError(
                f"site profiles lack sites {list(np.asarray(ids)[position < 0][:5])} or "
                f"criteria {missing_criteria}; expected profiles of the same sites and criteria."
            )
        return self.values[position][:, [self.criteria.index(c) for c in criteria]]


def site_profiles(
    sites: gpd.GeoDataFrame,
    grid: Grid,
    score_raster_path: str | os.PathLike[str],
    raw_rasters: Mapping[str, str | os.PathLike[str]],
    *,
    nodes: int = 16,
    id_column: str = "site_id",
    batch_size: int = 1000,
    runner: Runner = IN_PROCESS,
) -> SiteProfiles:
    """The :class:`SiteProfiles` of the sites: ``nodes`` quantiles of each raw raster over
    each site's scored cells (the cells where the score raster is not NaN), computed by
    ``runner`` in batches of ``batch_size`` sites as :func:`zonal_scores`."""
    if nodes < 1:
        raise ModelError(f"{nodes} profile nodes; expected at least 1.")
    geometries, ids = checked_sites(sites, grid, id_column)
    names = tuple(raw_rasters)
    quantiles = partial(_batch_quantiles, levels=(np.arange(nodes) + 0.5) / nodes)
    width = len(names) * nodes
    flat = _per_site(
        geometries, grid, score_raster_path, raw_rasters, quantiles, width, batch_size, runner
    )
    return SiteProfiles(ids, names, flat.reshape(len(ids), len(names), nodes))


#: The statistics of a batch of sites: ``(cover, sites, score, rasters) -> (sites, width)``.
BatchStatistics = Callable[
    [CellCoverage, int, ThreadLocalReader, Mapping[str, ThreadLocalReader]], np.ndarray
]


@dataclass(frozen=True)
class SiteRasters:
    """What every batch of sites is measured on: the grid, the score raster, other rasters by
    name (each thread or worker opens its own datasets) and the batch's statistics."""

    grid: Grid
    score: ThreadLocalReader
    rasters: Mapping[str, ThreadLocalReader]
    statistics: BatchStatistics

    def batch_table(self, geometries: np.ndarray) -> np.ndarray:
        """The statistics of one batch of sites, a row per site (in the given order)."""
        cover = coverage_fractions(geometries, self.grid)
        return self.statistics(cover, len(geometries), self.score, self.rasters)

    def close(self) -> None:
        """Close the readers of every thread."""
        for reader in (self.score, *self.rasters.values()):
            reader.close()


def _per_site(
    geometries: np.ndarray,
    grid: Grid,
    score_raster_path: str | os.PathLike[str],
    rasters: Mapping[str, str | os.PathLike[str]],
    statistics: BatchStatistics,
    width: int,
    batch_size: int,
    runner: Runner = IN_PROCESS,
) -> np.ndarray:
    """``statistics`` of each batch of sites (north to south, so that each batch reads one
    band of the rasters), mapped by ``runner``: one (sites, width) table in the sites' order."""
    check_aligned(score_raster_path, grid, what="the score raster")
    for name, path in rasters.items():
        check_aligned(path, grid, what=f"the raster of criterion {name!r}")
    top = shapely.bounds(geometries)[:, 3]
    order = np.argsort(-np.nan_to_num(top, nan=-np.inf), kind="stable")
    batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    readers = {name: ThreadLocalReader(path) for name, path in rasters.items()}
    shared = SiteRasters(grid, ThreadLocalReader(score_raster_path), readers, statistics)
    parts = (geometries[batch] for batch in batches)
    table = np.full((len(geometries), width), np.nan)
    with (
        streaming_env(),
        closing(shared),
        closing(runner.run(SiteRasters.batch_table, parts, shared=shared)) as tables,
    ):
        for batch, rows in zip(batches, tables, strict=True):
            table[batch] = rows
    return table


def rank_sites(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a ``rank`` column: 1 for the highest ``score``, ties by ``site_id``,
    sites without a score last."""
    ranked = frame.sort_values(["score", "site_id"], ascending=[False, True], na_position="last")
    frame.loc[ranked.index, "rank"] = np.arange(1, len(frame) + 1)
    return frame.astype({"rank": np.int64})


def checked_sites(
    sites: gpd.GeoDataFrame, grid: Grid, id_column: str
) -> tuple[np.ndarray, np.ndarray]:
    """``(geometries, ids)`` of the sites; refuses another CRS, a missing or repeated id,
    and geometries other than polygons."""
    check_same_crs(projected_crs(sites.crs, what="the sites"), grid, what="the sites")
    if id_column not in sites.columns:
        raise ColumnError(
            f"sites have no column {id_column!r}; expected an id column such as 'site_id' "
            f"among {list(sites.columns)}."
        )
    ids = sites[id_column].to_numpy()
    if pd.Series(ids).duplicated().any():
        raise ColumnError(f"site ids in {id_column!r} repeat; expected one row per site.")
    geometries = np.asarray(sites.geometry.values, dtype=object)
    kinds = shapely.get_type_id(geometries)
    if np.any(~np.isin(kinds, [3, 6]) & ~shapely.is_empty(geometries)):
        raise GeometryError("sites include non-polygon geometries; expected polygons.")
    return geometries, ids


class _BatchCells:
    """The cells of a batch of sites: one window of the rasters, and each cell's place in it."""

    def __init__(self, cover: CellCoverage) -> None:
        self.cover = cover
        row0, col0 = int(cover.row.min()), int(cover.col.min())
        self.window = Window(
            col0, row0, int(cover.col.max()) + 1 - col0, int(cover.row.max()) + 1 - row0
        )

    def values(self, reader: ThreadLocalReader) -> np.ndarray:
        """The raster's value at each covered cell (NaN off the raster)."""
        band = reader.read(self.window, boundless=True, smallest_float=True)
        return band[
            self.cover.row - int(self.window.row_off), self.cover.col - int(self.window.col_off)
        ]


def _batch_statistics(
    cover: CellCoverage,
    n: int,
    score_reader: ThreadLocalReader,
    readers: Mapping[str, ThreadLocalReader],
) -> np.ndarray:
    out = np.full((n, 4 + len(readers)), np.nan)
    if cover.fraction.size == 0:
        return out
    cells = _BatchCells(cover)
    scores = cells.values(score_reader)
    f, site = cover.fraction, cover.polygon
    scored = ~np.isnan(scores)
    total = np.bincount(site, weights=f, minlength=n)
    scored_weight = np.bincount(site[scored], weights=f[scored], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[:, 0] = np.bincount(site[scored], weights=f[scored] * scores[scored], minlength=n)
        out[:, 0] /= scored_weight
        out[:, 3] = 1.0 - scored_weight / total
        out[:, 1], p10 = _weighted_quantiles(site[scored], scores[scored], f[scored], n, [0.10])
        out[:, 2] = p10[:, 0]
        for k, reader in enumerate(readers.values(), start=4):
            values = cells.values(reader)[scored]
            out[:, k] = np.bincount(site[scored], weights=f[scored] * values, minlength=n)
            out[:, k] /= scored_weight
    return out


def _batch_quantiles(
    cover: CellCoverage,
    n: int,
    score_reader: ThreadLocalReader,
    readers: Mapping[str, ThreadLocalReader],
    levels: np.ndarray,
) -> np.ndarray:
    out = np.full((n, len(readers), levels.size), np.nan)
    if cover.fraction.size == 0:
        return out.reshape(n, -1)
    cells = _BatchCells(cover)
    scored = ~np.isnan(cells.values(score_reader))
    site, f = cover.polygon[scored], cover.fraction[scored]
    for k, reader in enumerate(readers.values()):
        values = cells.values(reader)[scored].astype(np.float64)
        known = ~np.isnan(values)  # a raw value is known wherever the cell has a score
        out[:, k, :] = _weighted_quantiles(site[known], values[known], f[known], n, levels)[1]
    return out.reshape(n, -1)


def _weighted_quantiles(
    group: np.ndarray,
    values: np.ndarray,
    weights: np.ndarray,
    n: int,
    levels: Sequence[float] | np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per group: the minimum, and for each level q the smallest value whose cumulative weight
    reaches q of the group's total (the weighted q-quantile; shape (n, levels)), from one
    sort by (group, value)."""
    qs = np.asarray(levels, dtype=np.float64)
    minimum, quantile = np.full(n, np.nan), np.full((n, qs.size), np.nan)
    if values.size == 0:
        return minimum, quantile
    # one float sort instead of a two-key lexsort: group k maps to [2k, 2k + 1]
    low, high = float(values.min()), float(values.max())
    order = np.argsort(2.0 * group + (values - low) / max(high - low, 1e-300))
    values, weights = values[order], weights[order]
    cumulative = np.cumsum(weights)
    counts = np.bincount(group, minlength=n)
    ends = np.cumsum(counts)
    starts = ends - counts
    present = counts > 0
    minimum[present] = values[starts[present]]
    before = np.where(starts > 0, cumulative[np.maximum(starts - 1, 0)], 0.0)[present]
    group_total = (cumulative[ends[present] - 1] - before)[:, None]
    target = before[:, None] + qs[None, :] * group_total
    index = np.searchsorted(cumulative, target - 1e-12 * group_total, side="left")
    index = np.clip(index, starts[present][:, None], ends[present][:, None] - 1)
    quantile[present] = values[index]
    return minimum, quantile
