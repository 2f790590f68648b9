"""Suitability criteria: raw values on the grid, block by block, then standardised.

Each criterion has a ``name``, a :class:`~geo.transforms.Transform`, and
``raw_block(grid, window)`` giving float64 raw values of one window of the grid (NaN =
nodata); ``standardised_block`` applies the transform. Memory is bounded by the window and
the criterion's own features, never by the grid.

Vector features are put on the grid with the *cell-centre rule*: a cell belongs to a polygon
when its centre lies inside it (GDAL's default rasterisation). Features must be in the grid's
projected CRS; a geographic CRS or another CRS is refused.

- :class:`DistanceCriterion`: Euclidean distance (m) from each cell centre to the nearest
  feature; 0 inside polygons. Computed once for the whole grid by :mod:`geo.distance` (never
  below the exact distance, at most ``tolerance_m``, default 1 m, above it) and read from a
  stored raster, optionally cached across runs (``cache_dir``).
- :class:`RasterCriterion`: the value of a raster already aligned to the grid.
- :class:`StoredCriterion`: μ (and raw values) as an earlier run wrote them on the same grid.
- :class:`ZoningCriterion`: the category of the zone under the cell centre, coded as the
  index into :attr:`ZoningCriterion.categories` (−1: outside every zone); its categorical
  transform maps category -> μ (categories not mapped, and no zone, give μ = 0).
- :class:`ZoneShareCriterion`: the share of the cells within ``radius_m`` (centre distance)
  whose zone is one of ``categories``, in [0, 1].
"""

from __future__ import annotations

import functools
import logging
import math
import os
import re
import secrets
import shutil
import tempfile
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio.features
import shapely
from pyproj import CRS
from rasterio.enums import MergeAlg
from rasterio.windows import Window
from scipy.signal import fftconvolve

from geo.distance import (
    DEFAULT_TOLERANCE_M,
    MIN_TOLERANCE_M,
    DistanceField,
    cache_key,
    default_spacing_m,
    write_distance_raster,
)
from geo.errors import ColumnError, CRSError, GeometryError, ModelError
from geo.grid import Grid, projected_crs
from geo.layers.blocks import ThreadLocalReader, check_aligned, window_bounds, window_transform
from geo.transforms import Transform, standardise

log = logging.getLogger(__name__)

#: rasterio's rasterize silences a warning with ``warnings.catch_warnings``, which is not
#: thread-safe: serialise it (it is quick) so no spurious NotGeoreferencedWarning escapes.
_RASTERISE_LOCK = threading.Lock()
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")


def check_name(name: str, *, what: str = "criterion") -> str:
    """Refuse names that cannot serve as file and column names."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ModelError(
            f"{what} name {name!r}; expected letters, digits, '_' or '-' (e.g. 'motorway_exit')."
        )
    return name


@functools.lru_cache(maxsize=16)
def _parsed_crs(crs: str) -> CRS:
    return CRS.from_user_input(crs)


def check_same_crs(crs: CRS, grid: Grid, *, what: str) -> None:
    """Refuse data whose CRS is not the grid's."""
    if crs != _parsed_crs(grid.crs):
        raise CRSError(
            f"{what} is in {crs.to_string()}; expected the grid CRS {grid.crs}. "
            "Reproject it to the study CRS first."
        )


class Features:
    """Validated vector features in a projected CRS, indexed to burn them onto grid windows."""

    def __init__(self, frame: gpd.GeoDataFrame, *, what: str) -> None:
        if not isinstance(frame, gpd.GeoDataFrame):
            raise GeometryError(f"{what}: got {type(frame).__name__}; expected a GeoDataFrame.")
        self.what = what
        self.crs = projected_crs(frame.crs, what=what)
        geometries = np.asarray(frame.geometry.values, dtype=object)
        keep = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
        if not keep.any():
            raise GeometryError(f"{what} has no geometries; expected at least one feature.")
        self.frame = frame.loc[keep]
        self.geometries = geometries[keep]
        self.tree = shapely.STRtree(self.geometries)

    def check_grid(self, grid: Grid) -> None:
        check_same_crs(self.crs, grid, what=self.what)

    def polygonal(self) -> None:
        """Refuse anything but polygons (for 'inside' rules)."""
        kinds = set(shapely.get_type_id(self.geometries).tolist())
        if not kinds <= {3, 6}:  # Polygon, MultiPolygon
            raise GeometryError(
                f"{self.what} has non-polygon geometries; expected polygons (use a buffer "
                "exclusion or a distance criterion for points and lines)."
            )

    def in_window(self, grid: Grid, window: Window) -> np.ndarray:
        """Indices of the features whose envelope meets the window."""
        box = shapely.box(*window_bounds(grid, window))
        return self.tree.query(box)

    def burn(
        self,
        grid: Grid,
        window: Window,
        *,
        geometries: np.ndarray | None = None,
        values: Sequence[float] | np.ndarray | None = None,
        fill: float = 0.0,
        add: bool = False,
    ) -> np.ndarray:
        """Rasterise features onto ``window`` by the cell-centre rule.

        ``geometries`` replaces the features' own (same order, e.g. buffered); ``values``
        gives each feature's burn value (default 1); overlapping features: the later one wins,
        or with ``add`` their values add up.
        """
        geometries = self.geometries if geometries is None else geometries
        hits = np.sort(self.in_window(grid, window))
        shape = (int(window.height), int(window.width))
        if hits.size == 0:
            return np.full(shape, fill)
        burn_values = np.ones(hits.size) if values is None else np.asarray(values)[hits]
        with _RASTERISE_LOCK:
            return rasterio.features.rasterize(
                zip(geometries[hits], burn_values, strict=True),
                out_shape=shape,
                transform=window_transform(grid, window),
                fill=fill,
                all_touched=False,
                merge_alg=MergeAlg.add if add else MergeAlg.replace,
                dtype="float64",
            )


class Criterion:
    """Base of the criteria: a name, a transform, and raw values per window."""

    def __init__(self, name: str, transform: Transform) -> None:
        self.name = check_name(name)
        if not isinstance(transform, Transform):
            raise ModelError(f"criterion {name!r}: transform {transform!r}; expected a Transform.")
        self.transform = transform

    @property
    def raw_transform(self) -> Transform:
        """The transform from :meth:`raw_block` values to μ (the criterion's own transform,
        unless the raw values are codes)."""
        return self.transform

    def check(self, grid: Grid) -> None:
        """Refuse a grid this criterion cannot be computed on (CRS, alignment)."""

    def raw_block(self, grid: Grid, window: Window) -> np.ndarray:
        """Raw values of ``window`` as float64, NaN for nodata."""
        raise NotImplementedError

    def standardised_block(
        self, grid: Grid, window: Window, *, dtype: type = np.float64
    ) -> np.ndarray:
        """μ in [0, 1] of ``window`` as ``dtype`` (float64 or float32; NaN for nodata)."""
        return standardise(self.raw_block(grid, window), self.raw_transform, dtype=dtype)

    def close(self) -> None:
        """Release open files, if any."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class DistanceCriterion(Criterion):
    """Distance in metres from each cell centre to the nearest feature (0 inside polygons).

    The distances of the whole grid are computed once, before the blocks are read
    (:meth:`check`, or the first :meth:`raw_block`), by :mod:`geo.distance`: within
    ``tolerance_m`` of the exact distance and never below it, tile by tile. They are stored as
    a float32 GeoTIFF and read window by window: in ``cache_dir`` under
    ``distance-<sha256>.tif``, the key covering the features, the grid, the tolerance and the
    algorithm (a later criterion with the same inputs reuses the file), or without
    ``cache_dir`` in a temporary folder removed with the criterion.
    """

    def __init__(
        self,
        name: str,
        features: gpd.GeoDataFrame,
        transform: Transform,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        tolerance_m: float = DEFAULT_TOLERANCE_M,
    ) -> None:
        super().__init__(name, transform)
        self.features = Features(features, what=f"features of criterion {name!r}")
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        if not (tolerance_m > MIN_TOLERANCE_M and math.isfinite(tolerance_m)):
            raise ModelError(
                f"criterion {name!r}: distance tolerance {tolerance_m!r} m; expected a number "
                f"above {MIN_TOLERANCE_M:.3f} m (e.g. 1.0)."
            )
        self.tolerance_m = float(tolerance_m)
        self._paths: dict[Grid, Path] = {}
        self._readers: dict[Path, ThreadLocalReader] = {}
        self._lock = threading.Lock()
        self._scratch: Path | None = None

    def check(self, grid: Grid) -> None:
        self.features.check_grid(grid)
        self.raster_path(grid)  # computed once, before the blocks run in parallel

    def raster_path(self, grid: Grid) -> Path:
        """The stored distance raster of ``grid``, computed (single-threaded) if need be."""
        path = self._paths.get(grid)
        if path is not None:
            return path
        self.features.check_grid(grid)
        with self._lock:
            if grid not in self._paths:
                self._paths[grid] = self._stored(grid)
            return self._paths[grid]

    def _stored(self, grid: Grid) -> Path:
        if self.cache_dir is None:
            path = self._scratch_dir() / f"{secrets.token_hex(8)}.tif"
        else:
            key = cache_key(
                self.features.geometries,
                grid,
                tolerance_m=self.tolerance_m,
                spacing_m=default_spacing_m(grid.cell_size_m),
            )
            path = self.cache_dir / f"distance-{key}.tif"
            if path.exists():
                log.info("criterion %r: reusing the distance raster %s", self.name, path.name)
                return path
        log.info("criterion %r: computing distances on %d x %d cells", self.name, *grid.shape)
        field = DistanceField(
            self.features.geometries,
            grid,
            tolerance_m=self.tolerance_m,
            rasterise_lock=_RASTERISE_LOCK,
        )
        return write_distance_raster(field, path)

    def _scratch_dir(self) -> Path:
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="parkplan-distance-"))
            weakref.finalize(self, shutil.rmtree, self._scratch, ignore_errors=True)
        return self._scratch

    def raw_block(self, grid: Grid, window: Window) -> np.ndarray:
        path = self.raster_path(grid)
        reader = self._readers.get(path)
        if reader is None:
            with self._lock:
                reader = self._readers.setdefault(path, ThreadLocalReader(path))
        return reader.read(window)

    def close(self) -> None:
        with self._lock:
            for reader in self._readers.values():
                reader.close()
            self._readers.clear()

    def __getstate__(self) -> dict[str, object]:
        """Pickled without its lock, readers or temporary folder (the rasters' paths travel:
        a process that cannot see one computes it again)."""
        state = self.__dict__.copy()
        state.update(_lock=None, _readers={}, _scratch=None)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._paths = {grid: path for grid, path in self._paths.items() if path.exists()}
        self._lock = threading.Lock()


class RasterCriterion(Criterion):
    """The value of a raster aligned to the grid (its nodata becomes NaN)."""

    def __init__(self, name: str, raster: str | os.PathLike[str], transform: Transform) -> None:
        super().__init__(name, transform)
        self.raster = Path(raster)
        self._reader = ThreadLocalReader(self.raster)
        self._checked: Grid | None = None

    def check(self, grid: Grid) -> None:
        check_aligned(self.raster, grid, what=f"raster of criterion {self.name!r}")
        self._checked = grid

    def raw_block(self, grid: Grid, window: Window) -> np.ndarray:
        return self._read(grid, window, smallest_float=False)

    def standardised_block(
        self, grid: Grid, window: Window, *, dtype: type = np.float64
    ) -> np.ndarray:
        # a float32 raster is read as float32: one float64 copy fewer
        values = self._read(grid, window, smallest_float=True)
        return standardise(values, self.transform, dtype=dtype)

    def _read(self, grid: Grid, window: Window, *, smallest_float: bool) -> np.ndarray:
        if self._checked != grid:
            self.check(grid)
        return self._reader.read(window, smallest_float=smallest_float)

    def close(self) -> None:
        self._reader.close()


class StoredCriterion(Criterion):
    """A criterion as an earlier scoring run on the same grid wrote it: its μ raster
    (``standardised``, float32, or float64 for OWA) and, when kept, its raw values (``raw``);
    read window by window, never computed again.

    ``transform`` is the transform of the raw values (the original criterion's
    :attr:`Criterion.raw_transform`). μ is returned as stored: :meth:`standardised_block` gives
    the stored values (converted to ``dtype``), so a run on stored μ aggregates the very numbers
    the run that stored them aggregated when ``dtype`` is the stored one (:attr:`dtype`).
    """

    def __init__(
        self,
        name: str,
        transform: Transform,
        *,
        standardised: str | os.PathLike[str],
        raw: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(name, transform)
        self.standardised_path = Path(standardised)
        self.raw_path = None if raw is None else Path(raw)
        self._mu = ThreadLocalReader(self.standardised_path)
        self._raw = None if self.raw_path is None else ThreadLocalReader(self.raw_path)
        self.dtype: str | None = None

    def check(self, grid: Grid) -> None:
        what = f"stored raster of criterion {self.name!r}"
        self.dtype = check_aligned(self.standardised_path, grid, what=what).dtype
        if self.raw_path is not None:
            check_aligned(self.raw_path, grid, what=f"stored raw values of {self.name!r}")

    def standardised_block(
        self, grid: Grid, window: Window, *, dtype: type = np.float64
    ) -> np.ndarray:
        return self._mu.read(window, smallest_float=True).astype(dtype, copy=False)

    def raw_block(self, grid: Grid, window: Window) -> np.ndarray:
        if self._raw is None:
            raise ModelError(
                f"criterion {self.name!r} is stored without its raw values; compute it again "
                "to write them."
            )
        return self._raw.read(window)

    def close(self) -> None:
        self._mu.close()
        if self._raw is not None:
            self._raw.close()


class ZoningCriterion(Criterion):
    """The zoning category under each cell centre, standardised by a categorical mapping."""

    def __init__(
        self, name: str, zones: gpd.GeoDataFrame, column: str, transform: Transform
    ) -> None:
        super().__init__(name, transform)
        if transform.kind != "categorical":
            raise ModelError(
                f"zoning criterion {name!r} with a {transform.kind} transform; expected a "
                "categorical transform mapping each zoning category to μ."
            )
        self.features = Features(zones, what=f"zones of criterion {name!r}")
        self.column = column
        values = _column(self.features.frame, column, what=f"zones of criterion {name!r}")
        assert transform.mapping is not None  # a categorical transform has its mapping
        self.categories: tuple[object, ...] = tuple(sorted(set(values), key=str))
        self._codes = np.array([self.categories.index(v) for v in values], dtype=np.float64)
        self._coded = Transform(
            "categorical",
            mapping={
                code: _lookup(transform.mapping, category, name)
                for code, category in enumerate(self.categories)
            },
        )
        unknown = set(map(str, transform.mapping)) - set(map(str, self.categories))
        if unknown:
            log.warning("criterion %r: mapping categories %s are not in the zones", name, unknown)

    @property
    def raw_transform(self) -> Transform:
        """The categorical transform of the category codes."""
        return self._coded

    def check(self, grid: Grid) -> None:
        self.features.check_grid(grid)

    def raw_block(self, grid: Grid, window: Window) -> np.ndarray:
        self.check(grid)
        return self.features.burn(grid, window, values=self._codes, fill=-1.0)


class ZoneShareCriterion(Criterion):
    """Share of the cells within ``radius_m`` whose zone category is one of ``categories``."""

    def __init__(
        self,
        name: str,
        zones: gpd.GeoDataFrame,
        column: str,
        categories: Iterable[object],
        radius_m: float,
        transform: Transform,
    ) -> None:
        super().__init__(name, transform)
        if not radius_m > 0:
            raise ModelError(f"criterion {name!r}: radius {radius_m!r} m; expected > 0.")
        self.features = Features(zones, what=f"zones of criterion {name!r}")
        self.column = column
        self.categories = frozenset(categories)
        self.radius_m = float(radius_m)
        values = _column(self.features.frame, column, what=f"zones of criterion {name!r}")
        wanted = {str(c) for c in self.categories}
        self._member = np.array([str(v) in wanted for v in values], dtype=np.float64)

    def check(self, grid: Grid) -> None:
        self.features.check_grid(grid)

    def raw_block(self, grid: Grid, window: Window) -> np.ndarray:
        self.check(grid)
        kernel = disc_kernel(self.radius_m, grid.cell_size_m)
        halo = kernel.shape[0] // 2
        wider = Window(
            window.col_off - halo,
            window.row_off - halo,
            window.width + 2 * halo,
            window.height + 2 * halo,
        )
        member = self.features.burn(grid, wider, values=self._member)
        share = fftconvolve(member, kernel, mode="valid") / kernel.sum()
        return np.clip(np.round(share, 12), 0.0, 1.0)


def disc_kernel(radius_m: float, cell_size_m: float) -> np.ndarray:
    """Cells whose centre lies within ``radius_m`` of the central cell's centre (1) or not (0)."""
    reach = int(radius_m // cell_size_m)
    offsets = np.arange(-reach, reach + 1) * cell_size_m
    return (np.hypot(*np.meshgrid(offsets, offsets)) <= radius_m).astype(np.float64)


def _column(frame: gpd.GeoDataFrame, column: str, *, what: str) -> list[object]:
    if column not in frame.columns:
        raise ColumnError(
            f"{what} have no column {column!r}; expected one of {list(frame.columns)}."
        )
    return frame[column].tolist()


def _lookup(mapping: Mapping[Any, float] | None, category: object, name: str) -> float:
    assert mapping is not None
    if category in mapping:
        return mapping[category]
    return mapping.get(str(category), 0.0)
