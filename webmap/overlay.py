"""Rasters (the score, criterion surfaces, exclusion masks) as images placed on a Web Mercator map.

Leaflet stretches an image overlay linearly between its corner coordinates in Web Mercator
pixels, so the values are first warped into EPSG:3857 (nearest neighbour, NaN kept as nodata),
then coloured; the corners are the warped raster's bounds converted to latitude/longitude.
The images go into the page as PNG ``data:`` URLs (:func:`png_data_url`): with a palette of at
most 256 colours (a ramp has 256), a quarter of the bytes of RGBA.
"""

from __future__ import annotations

import base64
import struct
import zlib
from dataclasses import dataclass

import numpy as np
from affine import Affine
from pyproj import Transformer
from rasterio.enums import Resampling
from rasterio.transform import array_bounds
from rasterio.warp import calculate_default_transform, reproject

from webmap.colours import DEFAULT_RAMP, colour_values, hatched_mask, score_lut
from webmap.errors import MapDataError
from webmap.map_data import ScoreOverlay

WEB_MERCATOR = "EPSG:3857"
#: Longest side of the overlay image in pixels: larger rasters are warped to a coarser grid,
#: smaller ones to a finer one (nearest neighbour keeps the cells, with smoother edges).
MAX_PIXELS = 2048
MIN_PIXELS = 512
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: PNG scanline filters tried (0 none, 2 up: the difference from the row above).
PNG_FILTERS = (0, 2)
#: zlib level of the image data (9 is several times slower for a few per cent less).
PNG_LEVEL = 6


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


def overlay_image(
    overlay: ScoreOverlay,
    *,
    max_pixels: int = MAX_PIXELS,
    ramp: str = DEFAULT_RAMP,
    lut: np.ndarray | None = None,
) -> OverlayImage:
    """Warp, colour (the score ramp ``ramp``, or the RGBA table ``lut``) and locate a raster
    of values 0..1 for a Leaflet image overlay."""
    warped, transform = warp_to_web_mercator(overlay, max_pixels=max_pixels)
    rgba = colour_values(warped, score_lut(ramp) if lut is None else lut)
    return placed(rgba, warped, transform, overlay)


def mask_image(overlay: ScoreOverlay, colour: str, *, max_pixels: int = MAX_PIXELS) -> OverlayImage:
    """A mask (1 where true, NaN elsewhere) as a hatched image in ``colour``, located."""
    warped, transform = warp_to_web_mercator(overlay, max_pixels=max_pixels)
    return placed(hatched_mask(warped == 1, colour), warped, transform, overlay)


def placed(
    rgba: np.ndarray, warped: np.ndarray, transform: Affine, overlay: ScoreOverlay
) -> OverlayImage:
    """The image ``rgba`` of the warped raster with its corners in latitude/longitude."""
    west, south, east, north = array_bounds(*warped.shape, transform)
    to_lonlat = Transformer.from_crs(WEB_MERCATOR, "EPSG:4326", always_xy=True)
    (lon_w, lon_e), (lat_s, lat_n) = to_lonlat.transform([west, east], [south, north])
    return OverlayImage(
        rgba=rgba,
        values=warped,
        transform=transform,
        bounds_latlon=((float(lat_s), float(lon_w)), (float(lat_n), float(lon_e))),
        overlay=overlay,
    )


def png_chunk(tag: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, tag, data, CRC-32 of tag and data."""
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def scanlines(pixels: np.ndarray, method: int) -> bytes:
    """The rows of a uint8 image (rows, bytes per row), each after its filter-type byte."""
    rows = pixels.astype(np.uint8)
    if method == 2:
        rows = rows.copy()
        rows[1:] = pixels[1:] - pixels[:-1]  # uint8: modulo 256, as the PNG filter
        kinds = np.full((len(rows), 1), 2, dtype=np.uint8)
        kinds[0] = 0
        rows[0] = pixels[0]
    else:
        kinds = np.zeros((len(rows), 1), dtype=np.uint8)
    return np.hstack([kinds, rows]).tobytes()


def png_bytes(rgba: np.ndarray) -> bytes:
    """A PNG of an RGBA image (rows, cols, 4) uint8: 8-bit palette with transparency when it
    has at most 256 colours, else RGBA; of the filters :data:`PNG_FILTERS`, the smaller."""
    rows, cols = rgba.shape[:2]
    packed = np.ascontiguousarray(rgba, dtype=np.uint8).view(np.uint32).reshape(-1)
    codes, inverse = np.unique(packed, return_inverse=True)
    if len(codes) <= 256:
        colours = codes.view(np.uint8).reshape(-1, 4)
        pixels, kind = inverse.reshape(rows, cols).astype(np.uint8), 3
        extra = png_chunk(b"PLTE", colours[:, :3].tobytes())
        extra += png_chunk(b"tRNS", colours[:, 3].tobytes())
    else:
        pixels, kind, extra = rgba.reshape(rows, cols * 4), 6, b""
    header = struct.pack(">IIBBBBB", cols, rows, 8, kind, 0, 0, 0)
    data = min((zlib.compress(scanlines(pixels, f), PNG_LEVEL) for f in PNG_FILTERS), key=len)
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", header)
        + extra
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def png_data_url(rgba: np.ndarray) -> str:
    """The image as a ``data:image/png;base64,…`` URL."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(rgba)).decode("ascii")
