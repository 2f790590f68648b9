"""Exclusions: hard constraints that take cells out of the suitability map.

Each exclusion has a ``name`` and ``mask_block(grid, window)``: a boolean array of the window,
True where the cell is excluded. Polygons are put on the grid by the *cell-centre rule*: a
cell is inside a polygon when its centre is (GDAL's default rasterisation), so a cell is
excluded by :class:`InsideExclusion` when its centre lies in a feature, and by
:class:`BufferExclusion` when its centre lies within ``buffer_m`` of one (buffers are polygons
with 16 segments per quarter circle: at most 0.12 % of the buffer distance short).

:func:`exclusion_report` tells how much area (ha) each exclusion removes on its own, and in
sequence (what it adds to the ones listed before it); the engine builds the same report while
it scores.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio.windows import Window

from geo.criteria import Features, _column, check_name
from geo.errors import ModelError
from geo.grid import Grid
from geo.layers.blocks import ThreadLocalReader, block_windows, check_aligned

_OPERATORS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


class Exclusion:
    """Base of the exclusions: a name and a mask per window (True = excluded)."""

    def __init__(self, name: str) -> None:
        self.name = check_name(name, what="exclusion")

    def check(self, grid: Grid) -> None:
        """Refuse a grid this exclusion cannot be computed on."""

    def mask_block(self, grid: Grid, window: Window) -> np.ndarray:
        """Boolean array of ``window``: True where the cell is excluded."""
        raise NotImplementedError

    def close(self) -> None:
        """Release open files, if any."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class InsideExclusion(Exclusion):
    """Exclude cells whose centre lies inside a polygon of ``features``."""

    def __init__(self, name: str, features: gpd.GeoDataFrame) -> None:
        super().__init__(name)
        self.features = Features(features, what=f"features of exclusion {name!r}")
        self.features.polygonal()

    def check(self, grid: Grid) -> None:
        self.features.check_grid(grid)

    def mask_block(self, grid: Grid, window: Window) -> np.ndarray:
        self.check(grid)
        return self.features.burn(grid, window) > 0


class OutsideExclusion(Exclusion):
    """Exclude cells whose centre lies outside every polygon of ``area`` (the study area)."""

    def __init__(self, name: str, area: gpd.GeoDataFrame) -> None:
        super().__init__(name)
        self.features = Features(area, what=f"study area of exclusion {name!r}")
        self.features.polygonal()

    def check(self, grid: Grid) -> None:
        self.features.check_grid(grid)

    def mask_block(self, grid: Grid, window: Window) -> np.ndarray:
        self.check(grid)
        return self.features.burn(grid, window) == 0


class BufferExclusion(Exclusion):
    """Exclude cells whose centre lies within ``buffer_m`` of a feature (any geometry type)."""

    def __init__(self, name: str, features: gpd.GeoDataFrame, buffer_m: float) -> None:
        super().__init__(name)
        if not buffer_m >= 0:
            raise ModelError(f"exclusion {name!r}: buffer {buffer_m!r} m; expected ≥ 0.")
        self.features = Features(features, what=f"features of exclusion {name!r}")
        self.buffer_m = float(buffer_m)
        self._buffered = shapely.buffer(self.features.geometries, self.buffer_m, quad_segs=16)

    def check(self, grid: Grid) -> None:
        self.features.check_grid(grid)

    def mask_block(self, grid: Grid, window: Window) -> np.ndarray:
        self.check(grid)
        # envelopes grow by the buffer: look the features up on the window widened by it
        reach = int(np.ceil(self.buffer_m / grid.cell_size_m))
        wide = Window(
            window.col_off - reach,
            window.row_off - reach,
            window.width + 2 * reach,
            window.height + 2 * reach,
        )
        burnt = self.features.burn(grid, wide, geometries=self._buffered)
        return burnt[reach : reach + int(window.height), reach : reach + int(window.width)] > 0


class ZoningExclusion(Exclusion):
    """Exclude cells whose centre is not in a zone of an ``allowed`` category (or in no zone)."""

    def __init__(
        self, name: str, zones: gpd.GeoDataFrame, column: str, allowed: Iterable[object]
    ) -> None:
        super().__init__(name)
        self.features = Features(zones, what=f"zones of exclusion {name!r}")
        self.column = column
        self.allowed = frozenset(allowed)
        values = _column(self.features.frame, column, what=f"zones of exclusion {name!r}")
        wanted = {str(v) for v in self.allowed}
        self._allowed_zone = np.array([str(v) in wanted for v in values], dtype=np.float64)
        if not self._allowed_zone.any():
            raise ModelError(
                f"exclusion {name!r}: no zone has an allowed category {sorted(wanted)}; "
                f"the column {column!r} holds {sorted({str(v) for v in values})}."
            )

    def check(self, grid: Grid) -> None:
        self.features.check_grid(grid)

    def mask_block(self, grid: Grid, window: Window) -> np.ndarray:
        self.check(grid)
        in_allowed = self.features.burn(grid, window, values=self._allowed_zone, add=True)
        return in_allowed == 0


class RasterExclusion(Exclusion):
    """Exclude cells where ``raster op value`` holds (e.g. slope > 8); nodata never excludes."""

    def __init__(self, name: str, raster: str | os.PathLike[str], op: str, value: float) -> None:
        super().__init__(name)
        if op not in _OPERATORS:
            raise ModelError(
                f"exclusion {name!r}: operator {op!r}; expected one of {', '.join(_OPERATORS)}."
            )
        self.raster = Path(raster)
        self.op = op
        self.value = float(value)
        self._reader = ThreadLocalReader(self.raster)
        self._checked: Grid | None = None

    def check(self, grid: Grid) -> None:
        check_aligned(self.raster, grid, what=f"raster of exclusion {self.name!r}")
        self._checked = grid

    def mask_block(self, grid: Grid, window: Window) -> np.ndarray:
        if self._checked != grid:
            self.check(grid)
        values = self._reader.read(window, smallest_float=True)
        with np.errstate(invalid="ignore"):
            return _OPERATORS[self.op](values, self.value) & ~np.isnan(values)

    def close(self) -> None:
        self._reader.close()


@dataclass(frozen=True)
class ExclusionReport:
    """Area each exclusion removes alone and in sequence (after the ones listed before it)."""

    names: tuple[str, ...]
    alone_ha: tuple[float, ...]
    in_sequence_ha: tuple[float, ...]
    excluded_ha: float
    grid_ha: float

    @property
    def share_excluded(self) -> float:
        """Share of the grid's area excluded by at least one exclusion."""
        return self.excluded_ha / self.grid_ha

    def to_frame(self) -> pd.DataFrame:
        """One row per exclusion: ``exclusion``, ``alone_ha``, ``in_sequence_ha``."""
        return pd.DataFrame(
            {
                "exclusion": self.names,
                "alone_ha": self.alone_ha,
                "in_sequence_ha": self.in_sequence_ha,
            }
        )


class ExclusionTally:
    """Accumulates the cells each exclusion removes, block by block, into a report."""

    def __init__(self, names: Sequence[str], grid: Grid) -> None:
        self.names = tuple(names)
        self.grid = grid
        self.alone = np.zeros(len(self.names), dtype=np.int64)
        self.in_sequence = np.zeros(len(self.names), dtype=np.int64)
        self.excluded = 0

    def add(self, masks: Sequence[np.ndarray]) -> np.ndarray | None:
        """Count one block's masks; returns the union (True = excluded by any; ``None``
        without masks)."""
        union: np.ndarray | None = None
        for k, mask in enumerate(masks):
            self.alone[k] += int(np.count_nonzero(mask))
            new = mask if union is None else mask & ~union
            self.in_sequence[k] += int(np.count_nonzero(new))
            union = mask.copy() if union is None else union | mask
        if union is not None:
            self.excluded += int(np.count_nonzero(union))
        return union

    def merge(self, other: ExclusionTally) -> None:
        """Fold in the counts of other blocks of the same grid and exclusions."""
        self.alone += other.alone
        self.in_sequence += other.in_sequence
        self.excluded += other.excluded

    def report(self) -> ExclusionReport:
        cell_ha = self.grid.cell_area_m2 / 10_000.0
        return ExclusionReport(
            names=self.names,
            alone_ha=tuple((self.alone * cell_ha).tolist()),
            in_sequence_ha=tuple((self.in_sequence * cell_ha).tolist()),
            excluded_ha=self.excluded * cell_ha,
            grid_ha=self.grid.width * self.grid.height * cell_ha,
        )


def exclusion_report(
    grid: Grid, exclusions: Sequence[Exclusion], *, block_size: int = 512
) -> ExclusionReport:
    """Stream the exclusions over the grid and report the area each removes (ha)."""
    tally = ExclusionTally([e.name for e in exclusions], grid)
    for window in block_windows(grid, block_size):
        tally.add([e.mask_block(grid, window) for e in exclusions])
    return tally.report()
