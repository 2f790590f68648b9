"""The study grid: the raster frame every criterion, exclusion and score is computed on.

A :class:`Grid` is a north-up raster frame in a projected CRS with square cells in metres.
Cell ``(row, col)`` covers ``x in [x_min + col*cell, x_min + (col+1)*cell)`` and
``y in (y_max - (row+1)*cell, y_max - row*cell]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from affine import Affine
from pyproj import CRS

from geo.errors import CRSError, RasterError


def projected_crs(crs: object, *, what: str = "data") -> CRS:
    """Return ``crs`` as a :class:`pyproj.CRS`, refusing missing or geographic ones.

    Distances and areas in metres need a projected CRS; a geographic one (degrees) is refused,
    and so is a definition naming a file or grid (see :func:`geo.layers.crs.parse_crs`).
    """
    from geo.layers.crs import parse_crs  # not at the top: geo.layers imports this module

    if crs is None:
        raise CRSError(
            f"{what} has no CRS; expected a projected CRS in metres such as EPSG:31370. "
            "Declare the CRS of the source (e.g. --assume-crs EPSG:31370)."
        )
    parsed = parse_crs(crs, what=what)
    if not parsed.is_projected:
        raise CRSError(
            f"{what} is in the geographic CRS {parsed.to_string()} (degrees); distances and areas "
            "need a projected CRS in metres. Reproject to the study CRS (EPSG:31370) first."
        )
    return parsed


@dataclass(frozen=True)
class Grid:
    """A north-up raster frame: origin at the top-left corner, square cells of ``cell_size_m``."""

    crs: str
    x_min: float
    y_max: float
    cell_size_m: float
    width: int
    height: int

    def __post_init__(self) -> None:
        projected_crs(self.crs, what="the grid")
        if not (self.cell_size_m > 0 and math.isfinite(self.cell_size_m)):
            raise RasterError(f"cell size {self.cell_size_m!r} m; expected a positive number.")
        if self.width < 1 or self.height < 1:
            raise RasterError(
                f"grid of {self.width} x {self.height} cells; expected at least 1 x 1."
            )

    @classmethod
    def covering(
        cls, bounds: tuple[float, float, float, float], cell_size_m: float, crs: str
    ) -> Grid:
        """The smallest grid with cells aligned on multiples of ``cell_size_m`` covering ``bounds``
        ``(x_min, y_min, x_max, y_max)``."""
        x0, y0, x1, y1 = bounds
        if not all(math.isfinite(v) for v in bounds) or x1 <= x0 or y1 <= y0:
            raise RasterError(f"bounds {bounds!r}; expected finite (x_min, y_min, x_max, y_max).")
        x_min = math.floor(x0 / cell_size_m) * cell_size_m
        y_max = math.ceil(y1 / cell_size_m) * cell_size_m
        width = math.ceil((x1 - x_min) / cell_size_m)
        height = math.ceil((y_max - y0) / cell_size_m)
        return cls(crs, x_min, y_max, cell_size_m, max(width, 1), max(height, 1))

    @property
    def transform(self) -> Affine:
        """The affine transform from (col, row) to (x, y) of the cell's top-left corner."""
        return Affine(self.cell_size_m, 0.0, self.x_min, 0.0, -self.cell_size_m, self.y_max)

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)``, the NumPy shape of a raster on this grid."""
        return (self.height, self.width)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(x_min, y_min, x_max, y_max)`` in the grid's CRS."""
        return (
            self.x_min,
            self.y_max - self.height * self.cell_size_m,
            self.x_min + self.width * self.cell_size_m,
            self.y_max,
        )

    @property
    def cell_area_m2(self) -> float:
        """Area of one cell in square metres."""
        return self.cell_size_m * self.cell_size_m

    def cell_centres(
        self, rows: slice = slice(None), cols: slice = slice(None)
    ) -> tuple[np.ndarray, np.ndarray]:
        """The x and y coordinates of cell centres of a window, as two 2-D arrays."""
        r = np.arange(self.height)[rows]
        c = np.arange(self.width)[cols]
        xs = self.x_min + (c + 0.5) * self.cell_size_m
        ys = self.y_max - (r + 0.5) * self.cell_size_m
        return np.meshgrid(xs, ys)
