"""The layers near a shape: shortest distances against hand-computed values, nearest first,
the reach inclusive, overlap as 0, the layer's own CRS converted, geographic CRS refused."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from geo.errors import CRSError
from geo.proximity import NearbyLayer, layers_within

L72 = "EPSG:31370"
SITE = box(100_000, 200_000, 100_400, 200_300)  # 400 m × 300 m


def frame(*shapes, crs: str = L72) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=list(shapes), crs=crs)


def test_distances_are_the_shortest_to_any_feature_nearest_first():
    layers = {
        "wells": frame(Point(100_700, 200_700), Point(100_400 + 300, 200_300 + 400)),  # 500 m
        "river": frame(LineString([(99_000, 199_880), (101_000, 199_880)])),  # 120 m south
        "far": frame(Point(110_000, 210_000)),
        "empty": frame(),
    }
    found = layers_within(SITE, L72, layers, within_m=500)
    assert found == (NearbyLayer("river", 120.0), NearbyLayer("wells", 500.0))


def test_an_overlapping_layer_is_at_zero_and_other_crs_are_converted():
    inside = frame(box(100_100, 200_100, 100_200, 200_200))
    west = frame(Point(99_900, 200_150)).to_crs("EPSG:4326")  # 100 m west, given in WGS84
    found = layers_within(SITE, L72, {"nature": inside, "west": west}, within_m=150)
    assert found[0] == NearbyLayer("nature", 0.0)
    assert found[1].name == "west" and found[1].distance_m == pytest.approx(100.0, abs=1)


@pytest.mark.parametrize("crs", ["EPSG:4326", None])
def test_a_crs_without_metres_is_refused(crs):
    with pytest.raises(CRSError, match="projected CRS in metres"):
        layers_within(SITE, crs, {"x": frame(Point(0, 0))}, within_m=10)
