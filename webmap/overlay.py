"""The suitability raster as an image placed on a Web Mercator map.

Leaflet stretches an image overlay linearly between its corner coordinates in Web Mercator
pixels, so the scores are first warped into EPSG:3857 (nearest neighbour, NaN kept as nodata),
then coloured; the corners are the warped raster's bounds converted to latitude/longitude.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from affine import Affine
from pyproj import Transformer
from rasterio.enums import Resampling
from rasterio.transform import array_bounds
from rasterio.warp import calculate_default_transform, reproject

from webmap.colours import colour_scores
from webmap.errors import MapDataError
from webmap.model import ScoreOverlay

WEB_MERCATOR = "EPSG:3857"
#: Longest side of the overlay image in pixels: larger rasters are warped to a coarser grid,
#: smaller ones to a finer one (nearest neighbour keeps the cells, with smoother edges).
MAX_PIXELS = 2048
MIN_PIXELS = 512


@dataclass(frozen=True)
class OverlayImage:
    """The warped, coloured raster and where it goes.

    ``rgba`` is (rows, cols, 4) uint8 in EPSG:3857 with ``transform``; ``bounds_latlon`` is
    ``((south, west), (north, east))`` in degrees, as Leaflet's ImageOverlay expects.
    """

    rgba: np.ndarray
    values: np.ndarray
    transform: Affine
    bounds_latlon: tuple[tuple[float, float], tuple[float, float]]
    overlay: ScoreOverlay


def warp_to_web_mercator(
    overlay: ScoreOverlay, *, max_pixels: int = MAX_PIXELS
) -> tuple[np.ndarray, Affine]:
    """Scores warped to EPSG:3857 (nearest neighbour), at most ``max_pixels`` on a side."""
    values = np.asarray(overlay.values, dtype=np.float64)
    if values.ndim != 2 or 0 in values.shape:
        raise MapDataError(
            f"the score overlay has shape {values.shape}; expected a non-empty 2-D array."
        )
    rows, cols = values.shape
    bounds = array_bounds(rows, cols, overlay.transform)  # (west, south, east, north)
    transform, width, height = calculate_default_transform(
        overlay.crs, WEB_MERCATOR, cols, rows, *bounds
    )
    longest = max(width, height)
    scale = max(longest / max_pixels, min(longest / min(MIN_PIXELS, max_pixels), 1.0))
    if scale != 1:
        width, height = int(np.ceil(width / scale)), int(np.ceil(height / scale))
        transform = transform @ Affine.scale(scale)
    warped = np.full((height, width), np.nan, dtype=np.float64)
    reproject(
        source=values,
        destination=warped,
        src_transform=overlay.transform,
        src_crs=overlay.crs,
        src_nodata=np.nan,
        dst_transform=transform,
        dst_crs=WEB_MERCATOR,
        dst_nodata=np.nan,
        resampling=Resampling.nearest,
    )
    return warped, transform


def overlay_image(overlay: ScoreOverlay, *, max_pixels: int = MAX_PIXELS) -> OverlayImage:
    """Warp, colour and locate the score raster for a Leaflet image overlay."""
    warped, transform = warp_to_web_mercator(overlay, max_pixels=max_pixels)
    west, south, east, north = array_bounds(*warped.shape, transform)
    to_lonlat = Transformer.from_crs(WEB_MERCATOR, "EPSG:4326", always_xy=True)
    (lon_w, lon_e), (lat_s, lat_n) = to_lonlat.transform([west, east], [south, north])
    return OverlayImage(
        rgba=colour_scores(warped),
        values=warped,
        transform=transform,
        bounds_latlon=((float(lat_s), float(lon_w)), (float(lat_n), float(lon_e))),
        overlay=overlay,
    )
