"""Distance rasters: the Euclidean distance from every cell centre to vector features.

The distance d(x) = min over the features of |x - p| is computed for every cell centre x of a
grid, tile by tile, within a stated tolerance τ of the exact value, and never below it:
``d(x) <= value(x) <= d(x) + τ``; 0 inside polygons (cell-centre rule). The time grows
linearly with the cells, the memory with one tile and the features.

Method
------
1. The features become straight segments: the edges of lines and polygon rings; a point is a
   segment of length 0.
2. Sites: points along every segment at most ``δ`` (:attr:`DistanceField.spacing_m`) apart,
   its ends included.
3. The nearest site s of every cell centre: the Voronoi polygons of the sites (GEOS),
   rasterised tile by tile with each site's segment as the burn value (GDAL, cell-centre rule).
4. The value is the exact distance from x to that segment, ``d_s(x) = dist(x, seg(s))``. Let
   p* (on segment t) be the point of the features nearest to x, d = |x - p*|: some site q of t
   lies within δ/2 of p* along t, and x - p* is orthogonal to t (or p* is an end of t, a site),
   so ``d <= d_s(x) <= |x - s| <= |x - q| <= sqrt(d² + δ²/4)``.
5. Near band: every segment within ``T`` of a cell centre is measured exactly, so cells with
   d <= T are exact, and elsewhere the error is at most ``sqrt(T² + δ²/4) - T``; with
   ``T = (δ²/4 - τ²) / (2τ)`` that is τ (T is taken for τ less :data:`JITTER_SLACK_M`, what
   moving the sites to break ties can add).

Examples
--------
>>> import shapely
>>> from geo.grid import Grid
>>> grid = Grid("EPSG:31370", 0.0, 40.0, 10.0, 4, 4)
>>> field = DistanceField([shapely.Point(0.0, 0.0)], grid)
>>> field.tile(grid_window(grid))[3].astype(float).round(2).tolist()
[7.07, 15.81, 25.5, 35.36]
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.features
import shapely
from rasterio.windows import Window
from scipy.spatial import cKDTree

from geo.atomic import atomic_path
from geo.errors import GeometryError
from geo.grid import Grid
from geo.layers.blocks import window_bounds, window_transform

log = logging.getLogger(__name__)

#: Bumped whenever the values this module computes change: part of the cache key.
ALGORITHM_VERSION = "voronoi-segments-2"
#: Largest error of the distances (m) unless another is asked for.
DEFAULT_TOLERANCE_M = 1.0
#: Cells a side of the square tiles computed at a time (a tile's arrays take ~40 MB).
DEFAULT_TILE_CELLS = 1024
#: Cells computed at a time within a tile (their temporaries stay in the CPU cache).
STRIP_CELLS = 32_768
#: (cell, segment) pairs of the near band measured at a time (bounds their memory).
PAIRS_AT_A_TIME = 1 << 18
#: Creation options of the stored distance raster: tiled float32, lightly compressed.
STORE_OPTIONS = {
    "driver": "GTiff",
    "dtype": "float32",
    "tiled": True,
    "blockxsize": 256,
    "blockysize": 256,
    "compress": "ZSTD",
    "zstd_level": 1,
    "predictor": 3,
    "BIGTIFF": "IF_SAFER",
}
_COMPOUND = (4, 5, 6, 7)  # multi-parts and collections
#: How far (m) the sites are moved along x and y to break GEOS's ties between co-circular
#: sites (the first, then the second if the diagram fails its check).
JITTERS_M = (1e-3, 1e-2)
#: What the moves can add to a distance: the nearest moved site and the one it stands for
#: each lie up to sqrt(2) j from their true place.
JITTER_SLACK_M = 2 * math.sqrt(2) * max(JITTERS_M)
#: Smallest tolerance (m) accepted: twice the slack.
MIN_TOLERANCE_M = 2 * JITTER_SLACK_M


@dataclass(frozen=True)
class Segments:
    """Straight segments ``(ax, ay) -> (bx, by)`` in the grid's CRS (metres)."""

    ax: np.ndarray
    ay: np.ndarray
    bx: np.ndarray
    by: np.ndarray

    def __len__(self) -> int:
        return self.ax.size

    @property
    def length_m(self) -> np.ndarray:
        return np.hypot(self.bx - self.ax, self.by - self.ay)

    @functools.cached_property
    def inverse_length2(self) -> np.ndarray:
        """``1 / |b - a|²`` (0 for a segment of length 0)."""
        length2 = (self.bx - self.ax) ** 2 + (self.by - self.ay) ** 2
        return np.divide(1.0, length2, out=np.zeros_like(length2), where=length2 > 0)


def feature_segments(geometries: Sequence[Any] | np.ndarray) -> Segments:
    """The segments of points, lines and polygon rings (exterior and holes), parts flattened.

    >>> feature_segments([shapely.LineString([(0, 0), (3, 4), (3, 0)])]).length_m.tolist()
    [5.0, 4.0]
    """
    parts = flat_parts(geometries)
    kinds = shapely.get_type_id(parts)
    points = shapely.get_coordinates(parts[kinds == 0])
    rings = shapely.get_rings(parts[kinds == 3])
    paths = np.concatenate([parts[(kinds == 1) | (kinds == 2)], rings])
    xy, index = shapely.get_coordinates(paths, return_index=True)
    inner = index[1:] == index[:-1]  # consecutive vertices of the same path
    start = np.concatenate([points, xy[:-1][inner]])
    end = np.concatenate([points, xy[1:][inner]])
    return Segments(start[:, 0], start[:, 1], end[:, 0], end[:, 1])


def flat_parts(geometries: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Single-part geometries of ``geometries``, multi-parts and collections taken apart."""
    parts = np.asarray(geometries, dtype=object)
    while np.isin(shapely.get_type_id(parts), _COMPOUND).any():
        parts = shapely.get_parts(parts)
    return parts[~shapely.is_empty(parts)]


def segment_distance_m(
    x: np.ndarray, y: np.ndarray, index: np.ndarray, segments: Segments
) -> np.ndarray:
    """Exact distance from points ``(x, y)`` to the segments ``index`` (broadcast together).

    ``t = clip(((p - a) · (b - a)) / |b - a|², 0, 1)``, distance ``|p - a - t (b - a)|``
    (``t = 0`` for a segment of length 0).
    """
    ax, ay = segments.ax[index], segments.ay[index]
    dx, dy = segments.bx[index] - ax, segments.by[index] - ay
    px, py = np.subtract(x, ax), np.subtract(y, ay)
    t = px * dx
    t += py * dy
    t *= segments.inverse_length2[index]
    np.maximum(t, 0.0, out=t)
    np.minimum(t, 1.0, out=t)
    dx *= t
    dy *= t
    px -= dx
    py -= dy
    px *= px
    py *= py
    px += py
    return np.sqrt(px, out=px)


def float32_up(values: np.ndarray) -> np.ndarray:
    """``values`` (>= 0) as float32, never below them: an upper bound stays one (raised by at
    most 2.4e-7 of the value, 2 cm at 80 km).

    >>> float(float32_up(np.array([0.1]))[0]) >= 0.1
    True
    """
    # |round(w) - w| <= 2**-24 w, so w = v (1 + 2**-23) rounds to at least v
    return (values * (1.0 + 2.0**-23)).astype(np.float32)


def near_band_m(tolerance_m: float, spacing_m: float) -> float:
    """T such that ``sqrt(T² + δ²/4) - T = τ``: ``T = (δ²/4 - τ²) / (2τ)`` (0 when δ <= 2τ)."""
    return max(spacing_m**2 / 4 - tolerance_m**2, 0.0) / (2 * tolerance_m)


def default_spacing_m(cell_size_m: float) -> float:
    """Site spacing δ: two cells, so the near band T = (δ²/4 - τ²) / (2τ) is about five cells
    at τ = 1 m and 10 m cells (half the sites of one cell for a band a few cells wider)."""
    return 2.0 * float(cell_size_m)


def grid_window(grid: Grid) -> Window:
    """The window of the whole grid."""
    return Window(0, 0, grid.width, grid.height)


class DistanceField:
    """Distances from the cell centres of ``grid`` to ``geometries``, computed tile by tile.

    ``tolerance_m`` (τ) bounds the error; ``spacing_m`` (δ) is the site spacing (default: two
    cells). Safe to use from several threads (``rasterise_lock`` serialises GDAL's
    rasterisation with other users of the lock, see :mod:`geo.criteria`).
    """

    def __init__(
        self,
        geometries: Sequence[Any] | np.ndarray,
        grid: Grid,
        *,
        tolerance_m: float = DEFAULT_TOLERANCE_M,
        spacing_m: float | None = None,
        rasterise_lock: threading.Lock | None = None,
    ) -> None:
        geometries = _checked_geometries(geometries)
        if not (tolerance_m > MIN_TOLERANCE_M and math.isfinite(tolerance_m)):
            raise GeometryError(
                f"distance tolerance {tolerance_m!r} m; expected more than {MIN_TOLERANCE_M:.3f} m."
            )
        self.grid = grid
        self.tolerance_m = float(tolerance_m)
        self.spacing_m = float(spacing_m or default_spacing_m(grid.cell_size_m))
        self.band_m = near_band_m(self.tolerance_m - JITTER_SLACK_M, self.spacing_m)
        self.segments = feature_segments(geometries)
        parts = flat_parts(geometries)
        self.polygons = parts[shapely.get_type_id(parts) == 3]
        self._polygon_tree = shapely.STRtree(self.polygons)
        self._lock = rasterise_lock or nullcontext()
        sites, site_segment = _sites(self.segments, self.spacing_m)
        self._sites = sites
        self._regions, self._region_segment = _voronoi_regions(sites, site_segment, grid)
        self._region_tree = shapely.STRtree(self._regions)
        self._kdtree: cKDTree | None = None
        self._site_segment = site_segment

    def tile(self, window: Window) -> np.ndarray:
        """float32 distances (m) of the cell centres of ``window``; 0 inside polygons."""
        shape = (int(window.height), int(window.width))
        xs, ys = _centres(self.grid, window)
        segment = self._nearest_site_segment(window, shape)
        values = np.empty(shape)
        step = max(1, STRIP_CELLS // shape[1])
        for row in range(0, shape[0], step):  # strips that stay in the CPU cache
            rows = slice(row, row + step)
            values[rows] = segment_distance_m(
                xs[None, :], ys[rows, None], segment[rows], self.segments
            )
        if self.band_m > 0:
            _refine_near_band(values, self.segments, xs, ys, self.band_m, self.grid.cell_size_m)
        if self.polygons.size:
            values[self._inside(window, shape)] = 0.0
        return float32_up(values)

    def _nearest_site_segment(self, window: Window, shape: tuple[int, int]) -> np.ndarray:
        """The segment of each cell's nearest site: the rasterised Voronoi regions."""
        hits = self._region_tree.query(shapely.box(*window_bounds(self.grid, window)))
        order = np.argsort(self._region_segment[hits], kind="stable")
        with self._lock:
            segment = rasterio.features.rasterize(
                _grouped_shapes(self._regions[hits[order]], self._region_segment[hits[order]]),
                out_shape=shape,
                transform=window_transform(self.grid, window),
                fill=-1,
                dtype="int32",
            )
        missing = segment < 0  # not covered: only by a numerical accident of the diagram
        if missing.any():
            segment[missing] = self._kd_nearest(window, missing)
        return segment

    def _kd_nearest(self, window: Window, missing: np.ndarray) -> np.ndarray:
        if self._kdtree is None:
            self._kdtree = cKDTree(self._sites)
        xs, ys = _centres(self.grid, window)
        rows, cols = np.nonzero(missing)
        _, site = self._kdtree.query(np.column_stack([xs[cols], ys[rows]]), workers=1)
        return self._site_segment[site]

    def _inside(self, window: Window, shape: tuple[int, int]) -> np.ndarray:
        box = shapely.box(*window_bounds(self.grid, window))
        polygons = self.polygons[np.sort(self._polygon_tree.query(box, predicate="intersects"))]
        if polygons.size == 0:
            return np.zeros(shape, dtype=bool)
        with self._lock:
            burnt = rasterio.features.rasterize(
                ((p, 1) for p in polygons),
                out_shape=shape,
                transform=window_transform(self.grid, window),
                fill=0,
                dtype="uint8",
            )
        return burnt.astype(bool)


def _checked_geometries(geometries: Sequence[Any] | np.ndarray) -> np.ndarray:
    array = np.asarray(geometries, dtype=object).ravel()
    keep = ~(shapely.is_missing(array) | shapely.is_empty(array))
    if not keep.any():
        raise GeometryError(
            f"no features to measure distances to (got {array.size} geometries, all missing or "
            "empty); expected at least one point, line or polygon."
        )
    if not np.isfinite(shapely.get_coordinates(array[keep])).all():
        raise GeometryError(
            "features with NaN or infinite coordinates; expected finite coordinates (repair or "
            "drop those features)."
        )
    return array[keep]


def _sites(segments: Segments, spacing_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Points along each segment at most ``spacing_m`` apart (ends included), deduplicated,
    with the segment of each."""
    pieces = np.maximum(np.ceil(segments.length_m / spacing_m), 1).astype(np.int64)
    segment = np.repeat(np.arange(len(segments)), pieces + 1)
    first = np.repeat(np.cumsum(pieces + 1) - (pieces + 1), pieces + 1)
    t = (np.arange(segment.size) - first) / pieces[segment]
    end = t == 1.0  # the end itself, not a + 1 * (b - a): shared vertices must coincide
    x = segments.ax[segment] + t * (segments.bx[segment] - segments.ax[segment])
    y = segments.ay[segment] + t * (segments.by[segment] - segments.ay[segment])
    x[end], y[end] = segments.bx[segment[end]], segments.by[segment[end]]
    sites, unique = np.unique(np.column_stack([x, y]), axis=0, return_index=True)
    return sites, segment[unique]


def _voronoi_regions(
    sites: np.ndarray, site_segment: np.ndarray, grid: Grid
) -> tuple[np.ndarray, np.ndarray]:
    """The Voronoi polygon of every site (covering the grid and the sites), with its segment.

    The sites are moved by at most :data:`JITTERS_M` along x and y (seeded) first: four or
    more sites on a circle (the corners of a rectangle, the vertices of a buffer) make GEOS's
    diagram overlap; the diagram is checked (one polygon per site, areas adding up to the
    frame's) and made again with a larger jitter if it fails.
    """
    x0, y0, x1, y1 = grid.bounds
    sx0, sy0 = sites.min(axis=0)
    sx1, sy1 = sites.max(axis=0)
    frame = shapely.box(min(x0, sx0) - 1, min(y0, sy0) - 1, max(x1, sx1) + 1, max(y1, sy1) + 1)
    if len(sites) == 1:
        return np.array([frame]), site_segment
    for jitter_m in JITTERS_M:
        moved = sites + np.random.default_rng(0).uniform(-jitter_m, jitter_m, sites.shape)
        diagram = shapely.voronoi_polygons(
            shapely.multipoints(moved), extend_to=frame, ordered=True
        )
        regions = shapely.get_parts(diagram)
        if _is_partition(regions, len(sites)):
            return regions, site_segment
    raise GeometryError(
        f"the Voronoi diagram of {len(sites)} distance sites is not a partition of the plane; "
        "expected one polygon per site (report this with the features)."
    )


def _is_partition(regions: np.ndarray, sites: int) -> bool:
    """One polygon per site, together as large as their envelope (no overlaps)."""
    if regions.size != sites or not np.all(shapely.get_type_id(regions) == 3):
        return False
    x0, y0, x1, y1 = shapely.total_bounds(regions)
    return bool(abs(shapely.area(regions).sum() / ((x1 - x0) * (y1 - y0)) - 1.0) < 1e-9)


def _grouped_shapes(regions: np.ndarray, segment: np.ndarray) -> Iterator[tuple[dict, int]]:
    """GeoJSON multipolygons, one per segment (``segment`` sorted), for GDAL's rasteriser:
    far fewer Python objects than one per site."""
    exteriors = shapely.get_exterior_ring(regions)
    coordinates = shapely.get_coordinates(exteriors).tolist()
    ends = np.cumsum(shapely.get_num_coordinates(exteriors)).tolist()  # 0: an empty region
    rings = [coordinates[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    group_starts = np.flatnonzero(np.diff(segment)) + 1
    for first, last in zip(
        np.concatenate([[0], group_starts]),
        np.concatenate([group_starts, [segment.size]]),
        strict=True,
    ):
        polygons = [[ring] for ring in rings[first:last] if ring]
        if polygons:
            yield {"type": "MultiPolygon", "coordinates": polygons}, int(segment[first])


def _centres(grid: Grid, window: Window) -> tuple[np.ndarray, np.ndarray]:
    """x of the window's columns and y of its rows (cell centres)."""
    cols = window.col_off + np.arange(int(window.width)) + 0.5
    rows = window.row_off + np.arange(int(window.height)) + 0.5
    return grid.x_min + cols * grid.cell_size_m, grid.y_max - rows * grid.cell_size_m


def _refine_near_band(
    values: np.ndarray,
    segments: Segments,
    xs: np.ndarray,
    ys: np.ndarray,
    band_m: float,
    cell_m: float,
) -> None:
    """Lower ``values`` to the exact distance to every segment within ``band_m`` of a cell
    centre (in place): pairs (cell, segment) from each segment's envelope widened by the band,
    the segments cut into pieces of at most four cells first so the envelopes stay tight,
    about :data:`PAIRS_AT_A_TIME` pairs at a time."""
    index, ax, ay, bx, by = _pieces(segments, 4 * cell_m, xs, ys, band_m)
    if index.size == 0:
        return
    cell = cell_m
    col0 = np.clip(np.ceil((np.minimum(ax, bx) - band_m - xs[0]) / cell), 0, xs.size)
    col1 = np.clip(np.floor((np.maximum(ax, bx) + band_m - xs[0]) / cell) + 1, 0, xs.size)
    row0 = np.clip(np.ceil((ys[0] - np.maximum(ay, by) - band_m) / cell), 0, ys.size)
    row1 = np.clip(np.floor((ys[0] - np.minimum(ay, by) + band_m) / cell) + 1, 0, ys.size)
    width = np.maximum(col1 - col0, 0).astype(np.int64)
    count = width * np.maximum(row1 - row0, 0).astype(np.int64)
    total = np.cumsum(count)
    splits = np.searchsorted(total, np.arange(PAIRS_AT_A_TIME, total[-1], PAIRS_AT_A_TIME))
    flat = values.reshape(-1)
    for part in np.split(np.arange(index.size), np.unique(splits)):
        piece = np.repeat(part, count[part])
        first = np.cumsum(count[part]) - count[part]
        local = np.arange(piece.size) - np.repeat(first, count[part])
        rows = (row0[piece] + local // width[piece]).astype(np.int64)
        cols = (col0[piece] + local % width[piece]).astype(np.int64)
        distance = segment_distance_m(xs[cols], ys[rows], index[piece], segments)
        near = distance <= band_m
        np.minimum.at(flat, rows[near] * xs.size + cols[near], distance[near])


def _pieces(
    segments: Segments, piece_m: float, xs: np.ndarray, ys: np.ndarray, band_m: float
) -> tuple[np.ndarray, ...]:
    """The segments near the tile, cut into pieces of at most ``piece_m``: (segment, ends)."""
    reach = band_m + 1.0  # metres: a margin for rounding
    near = (
        (np.maximum(segments.ax, segments.bx) >= xs.min() - reach)
        & (np.minimum(segments.ax, segments.bx) <= xs.max() + reach)
        & (np.maximum(segments.ay, segments.by) >= ys.min() - reach)
        & (np.minimum(segments.ay, segments.by) <= ys.max() + reach)
    )
    index = np.flatnonzero(near)
    count = np.maximum(np.ceil(segments.length_m[index] / piece_m), 1).astype(np.int64)
    parent = np.repeat(index, count)
    k = np.arange(parent.size) - np.repeat(np.cumsum(count) - count, count)
    t0, t1 = k / count.repeat(count), (k + 1) / count.repeat(count)
    dx, dy = segments.bx[parent] - segments.ax[parent], segments.by[parent] - segments.ay[parent]
    return (
        parent,
        segments.ax[parent] + t0 * dx,
        segments.ay[parent] + t0 * dy,
        segments.ax[parent] + t1 * dx,
        segments.ay[parent] + t1 * dy,
    )


def tiles(grid: Grid, tile_cells: int = DEFAULT_TILE_CELLS) -> list[Window]:
    """Square windows of ``tile_cells`` covering the grid, row-major."""
    if tile_cells < 16:
        raise GeometryError(f"distance tile of {tile_cells} cells; expected at least 16.")
    return [
        Window(col, row, min(tile_cells, grid.width - col), min(tile_cells, grid.height - row))
        for row in range(0, grid.height, tile_cells)
        for col in range(0, grid.width, tile_cells)
    ]


def write_distance_raster(
    field: DistanceField,
    path: str | os.PathLike[str],
    *,
    tile_cells: int = DEFAULT_TILE_CELLS,
) -> Path:
    """Compute ``field`` tile by tile and store it as a float32 GeoTIFF at ``path``, atomically
    (:func:`~geo.layers.write.atomic_path`). Tiles are computed one after the other in
    the calling thread (no thread pool of its own: the caller may run in one)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    grid = field.grid
    windows = tiles(grid, tile_cells)
    with (
        atomic_path(path) as staged,
        rasterio.open(
            staged,
            "w",
            width=grid.width,
            height=grid.height,
            count=1,
            crs=grid.crs,
            transform=grid.transform,
            **STORE_OPTIONS,
        ) as dst,
    ):
        for window, values in zip(windows, map(field.tile, windows), strict=True):
            dst.write(values, 1, window=window)
    log.debug("distance raster of %d x %d cells at %s", grid.width, grid.height, path)
    return path


def cache_key(
    geometries: Sequence[Any] | np.ndarray, grid: Grid, *, tolerance_m: float, spacing_m: float
) -> str:
    """sha256 of everything the raster depends on: the features' WKB (in order), the grid
    (CRS, origin, cell size, shape), the tolerance, the site spacing and the algorithm."""
    digest = hashlib.sha256()
    header = (
        ALGORITHM_VERSION,
        grid.crs,
        repr(grid.x_min),
        repr(grid.y_max),
        repr(grid.cell_size_m),
        grid.width,
        grid.height,
        repr(float(tolerance_m)),
        repr(float(spacing_m)),
    )
    digest.update(repr(header).encode())
    for wkb in shapely.to_wkb(_checked_geometries(geometries)):
        digest.update(len(wkb).to_bytes(8, "little"))
        digest.update(wkb)
    return digest.hexdigest()
