"""CRS where data enters: detected, never guessed; reprojected right; refused when misplaced."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS, Transformer
from shapely.geometry import Point

from geo.errors import CRSError
from geo.layers.crs import OutsideRegionWarning, check_lands_inside, crs_label, source_crs
from geo.layers.load import prepare_vector

L72, L08, WGS84 = "EPSG:31370", "EPSG:3812", "EPSG:4326"

#: Points over Flanders in Lambert 72 (metres).
flemish_points = st.lists(
    st.tuples(st.floats(25_000, 250_000), st.floats(160_000, 240_000)), min_size=1, max_size=20
)


def frame_of(xy, crs) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": range(len(xy))}, geometry=[Point(p) for p in xy], crs=crs)


def load(read_of, xy, crs, study_crs):
    return prepare_vector(read_of(frame_of(xy, crs)), study_crs=study_crs).frame


def coords(frame) -> np.ndarray:
    return np.column_stack([frame.geometry.x, frame.geometry.y])


@settings(max_examples=30, deadline=None)
@given(flemish_points, st.sampled_from([WGS84, L08]))
def test_loading_matches_pyproj_and_round_trips(read_of, xy, via):
    """31370 -> via -> (load into a 31370 study) equals pyproj and returns within 1 cm."""
    there = Transformer.from_crs(L72, via, always_xy=True)
    xs, ys = there.transform(*np.array(xy).T)
    loaded = load(read_of, list(zip(xs, ys, strict=True)), via, L72)
    expected = np.column_stack(Transformer.from_crs(via, L72, always_xy=True).transform(xs, ys))
    assert np.abs(coords(loaded) - expected).max() < 1.0
    assert np.abs(coords(loaded) - np.array(xy)).max() < 0.01


@settings(max_examples=30, deadline=None)
@given(flemish_points)
def test_lambert72_into_a_lambert2008_study_and_back(read_of, xy):
    in_2008 = load(read_of, xy, L72, L08)
    back = load(read_of, coords(in_2008).tolist(), L08, L72)
    assert np.abs(coords(back) - np.array(xy)).max() < 0.01


def test_missing_crs_is_refused_unless_assumed():
    with pytest.raises(CRSError, match=r"declares no CRS.*--assume-crs"):
        source_crs(None, assume_crs=None, what="a.shp")
    assert crs_label(source_crs(None, assume_crs=L08, what="a.shp")) == L08


def test_assumed_crs_may_not_contradict_the_file():
    assert crs_label(source_crs(L72, assume_crs=L72, what="a.shp")) == L72
    with pytest.raises(CRSError, match="declares EPSG:31370 but --assume-crs says EPSG:3812"):
        source_crs(L72, assume_crs=L08, what="a.shp")


def test_esri_style_lambert72_is_recognised():
    esri = CRS.from_epsg(31370).to_wkt(version="WKT1_ESRI")
    assert crs_label(source_crs(esri, assume_crs=None, what="a.shp")) == L72


def test_outside_the_area_of_use_is_refused_with_the_cause(read_of):
    lon, lat = Transformer.from_crs(L72, WGS84, always_xy=True).transform(60_000, 190_000)
    with pytest.raises(CRSError, match=r"area of use of EPSG:31370.*swapped"):
        load(read_of, [(lat, lon)], WGS84, L72)


def test_a_region_narrows_where_data_may_land():
    region = (40_000, 170_000, 80_000, 210_000)
    inside = (70_000, 180_000, 90_000, 200_000)  # overlaps the region: accepted silently
    check_lands_inside(
        inside, CRS(L72), region=region, source_bounds=inside, src=CRS(L72), what="x"
    )
    antwerp = (150_000, 210_000, 155_000, 215_000)  # in Belgium, 70 km from the region
    with pytest.warns(OutsideRegionWarning, match=r"outside the study region.* 70\.0 km"):
        check_lands_inside(
            antwerp, CRS(L72), region=region, source_bounds=antwerp, src=CRS(L72), what="x"
        )
