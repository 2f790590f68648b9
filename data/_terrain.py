"""Relief of the demo region: elevation, slope and the flood-prone lowlands.

The relief is modelled on a coarse grid (4 × the cell size) and interpolated by cubic splines to
the study grid, so that a region of several million cells is drawn in about a second:

``z = max(0.5, (4 + 46 t^1.2 + 7 n₁ + 3.5 n₂ + n₃) · (1 - 0.75 v_c) + 2 v_c - 3 v_s)``

with ``t ∈ [0, 1]`` the position along a north-west (polders) to south-east (hills) trend,
``n_i`` smooth Gaussian noise of decreasing wavelength, ``v_c = exp(-(d_canal/1500 m)²)`` the canal
valley and ``v_s = exp(-(d_stream/300 m)²)`` the stream valleys.
"""

from __future__ import annotations

import math

import numpy as np
import rasterio.features
import shapely
from scipy import ndimage

from data._shapes import singleparts
from geo.grid import Grid

COARSE_FACTOR = 4


def coarse_grid(grid: Grid) -> Grid:
    """The grid with cells ``COARSE_FACTOR`` times larger sharing ``grid``'s top-left corner."""
    return Grid(
        grid.crs,
        grid.x_min,
        grid.y_max,
        grid.cell_size_m * COARSE_FACTOR,
        math.ceil(grid.width / COARSE_FACTOR),
        math.ceil(grid.height / COARSE_FACTOR),
    )


def inside(geometry, grid: Grid) -> np.ndarray:
    """Boolean raster: True where the cell centre lies in ``geometry``."""
    return rasterio.features.geometry_mask(
        [geometry], out_shape=grid.shape, transform=grid.transform, invert=True
    )


def distance_m(lines, grid: Grid) -> np.ndarray:
    """Euclidean distance in metres from every cell to the nearest cell touched by ``lines``."""
    touched = rasterio.features.rasterize(
        [(g, 1) for g in lines if not g.is_empty],
        out_shape=grid.shape,
        transform=grid.transform,
        all_touched=True,
        dtype="uint8",
    )
    if not touched.any():
        return np.full(grid.shape, np.inf)
    return ndimage.distance_transform_edt(touched == 0) * grid.cell_size_m


def smooth_noise(rng: np.random.Generator, shape, sigma_cells: float) -> np.ndarray:
    """Gaussian-filtered white noise rescaled to zero mean and unit standard deviation."""
    field = ndimage.gaussian_filter(rng.standard_normal(shape), sigma_cells, mode="reflect")
    return (field - field.mean()) / field.std()


def uphill_position(grid: Grid, angle_rad: float) -> np.ndarray:
    """Position ``t ∈ [0, 1]`` of every cell centre along the direction ``angle_rad``."""
    xs, ys = grid.cell_centres()
    along = xs * math.cos(angle_rad) + ys * math.sin(angle_rad)
    return (along - along.min()) / np.ptp(along)


def coarse_elevation_m(grid: Grid, canal, streams, rng: np.random.Generator) -> np.ndarray:
    """Elevation in metres on :func:`coarse_grid` (see the module docstring for the formula)."""
    coarse = coarse_grid(grid)
    cell = coarse.cell_size_m
    trend = uphill_position(coarse, -math.pi / 4 + rng.uniform(-0.4, 0.4))
    noise = sum(
        weight * smooth_noise(rng, coarse.shape, wavelength_m / cell)
        for weight, wavelength_m in ((7.0, 1800.0), (3.5, 600.0), (1.0, 200.0))
    )
    land = 4.0 + 46.0 * trend**1.2 + noise
    canal_valley = np.exp(-((distance_m([canal], coarse) / 1500.0) ** 2))
    stream_valley = np.exp(-((distance_m(streams, coarse) / 300.0) ** 2))
    valleys = land * (1.0 - 0.75 * canal_valley) + 2.0 * canal_valley - 3.0 * stream_valley
    return np.maximum(0.5, valleys)


def refine(coarse_values: np.ndarray, grid: Grid) -> np.ndarray:
    """Cubic-spline interpolation of a :func:`coarse_grid` raster onto ``grid`` (float32)."""
    fine = ndimage.zoom(coarse_values, COARSE_FACTOR, order=3, mode="nearest", grid_mode=True)
    return fine[: grid.height, : grid.width].astype(np.float32)


def slope_pct(elevation_m: np.ndarray, cell_size_m: float) -> np.ndarray:
    """Slope in percent, ``100 · √((∂z/∂x)² + (∂z/∂y)²)``, by central differences (np.gradient)."""
    dz_drow, dz_dcol = np.gradient(elevation_m.astype(np.float64), cell_size_m)
    return (100.0 * np.hypot(dz_drow, dz_dcol)).astype(np.float32)


def flood_zones(grid: Grid, region, canal, streams, rng: np.random.Generator) -> list:
    """Flood-prone polygons: a band of 500 ± 300 m along the canal and 120 ± 80 m along streams.

    The band widths vary smoothly (Gaussian noise); the mask is traced on the coarse grid,
    simplified by 20 m and clipped to the region.
    """
    coarse = coarse_grid(grid)
    wobble_canal = np.clip(smooth_noise(rng, coarse.shape, 1500.0 / coarse.cell_size_m), -1, 1)
    wobble_stream = np.clip(smooth_noise(rng, coarse.shape, 600.0 / coarse.cell_size_m), -1, 1)
    prone = (distance_m([canal], coarse) < 500.0 + 300.0 * wobble_canal) | (
        distance_m(streams, coarse) < 120.0 + 80.0 * wobble_stream
    )
    prone &= inside(region, coarse)
    traced = [
        shapely.geometry.shape(geom)
        for geom, value in rasterio.features.shapes(
            prone.astype(np.uint8), mask=prone, transform=coarse.transform
        )
        if value == 1
    ]
    smoothed = shapely.simplify(shapely.union_all(traced), 20.0)
    return singleparts(shapely.intersection(shapely.make_valid(smoothed), region))
