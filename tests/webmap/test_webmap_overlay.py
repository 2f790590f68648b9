"""The suitability raster lands where it belongs on a Web Mercator map."""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine
from pyproj import Transformer
from rasterio.transform import rowcol

from webmap.errors import MapDataError
from webmap.map_data import ScoreOverlay
from webmap.overlay import overlay_image

CELL_M = 100.0
EARTH_RADIUS_M = 6_378_137.0


def leaflet_latlon(bounds_latlon, shape, row: float, col: float) -> tuple[float, float]:
    """Where Leaflet draws image pixel (row, col): linear in Web Mercator between the corners."""
    (south, west), (north, east) = bounds_latlon
    rows, cols = shape
    lon = west + (col + 0.5) / cols * (east - west)
    y_north, y_south = (
        EARTH_RADIUS_M * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
        for lat in (north, south)
    )
    y = y_north - (row + 0.5) / rows * (y_north - y_south)
    lat = math.degrees(2 * math.atan(math.exp(y / EARTH_RADIUS_M)) - math.pi / 2)
    return lat, lon


def one_cell_overlay(x_m: float, y_m: float) -> ScoreOverlay:
    """A 200 x 300 grid of 100 m cells, NaN except the cell containing (x_m, y_m)."""
    transform = Affine(CELL_M, 0, 57_000, 0, -CELL_M, 193_000)
    values = np.full((200, 300), np.nan)
    values[rowcol(transform, x_m, y_m)] = 1.0
    return ScoreOverlay(values, "EPSG:31370", transform)


@pytest.mark.parametrize(
    ("x_m", "y_m"), [(60_050.0, 190_050.0), (57_050.0, 173_050.0), (86_950.0, 192_950.0)]
)
def test_known_lambert72_cell_lands_at_its_latlon(x_m, y_m):
    image = overlay_image(one_cell_overlay(x_m, y_m))
    rows, cols = np.nonzero(np.isfinite(image.values))
    assert len(rows) > 0
    drawn = [
        leaflet_latlon(image.bounds_latlon, image.values.shape, r, c)
        for r, c in zip(rows, cols, strict=True)
    ]
    lat, lon = np.mean(drawn, axis=0)
    expected_lon, expected_lat = Transformer.from_crs(
        "EPSG:31370", "EPSG:4326", always_xy=True
    ).transform(x_m, y_m)
    # within one cell (placing the raw Lambert grid between its corners would be ~450 m off);
    # 100 m is ~0.0009 deg of latitude and ~0.0014 deg of longitude here
    assert abs(lat - expected_lat) < CELL_M / 111_320
    assert abs(lon - expected_lon) < CELL_M / (111_320 * math.cos(math.radians(expected_lat)))
    # and the lit pixels are coloured opaque green (score 1), the rest transparent
    assert (image.rgba[rows, cols, 3] == 255).all()
    assert image.rgba[..., 3].sum() == 255 * len(rows)


def test_large_rasters_are_capped():
    values = np.random.default_rng(1).uniform(size=(600, 900))
    overlay = ScoreOverlay(values, "EPSG:31370", Affine(10, 0, 50_000, 0, -10, 195_000))
    image = overlay_image(overlay, max_pixels=256)
    assert max(image.rgba.shape[:2]) <= 256
    finite = image.values[np.isfinite(image.values)]
    assert finite.min() >= 0 and finite.max() <= 1


def test_bad_shape_is_refused():
    with pytest.raises(MapDataError, match="non-empty 2-D"):
        overlay_image(ScoreOverlay(np.zeros(5), "EPSG:31370", Affine.identity()))
