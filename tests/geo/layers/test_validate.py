"""Validation: repair counted, empties dropped, mixed and NaN refused, keys reported."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Point, Polygon, box

from geo.errors import GeometryError, LayerError
from geo.layers.validate import ValidationReport, validate_vector

L72 = "EPSG:31370"
BOWTIE = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])


def frame(geoms, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=L72)


def test_bowtie_is_repaired_into_two_triangles_and_counted():
    cleaned, report = validate_vector(frame([BOWTIE, box(20, 0, 30, 10)], id=[1, 2]))
    assert report.repaired_invalid == 1
    assert cleaned.geometry.iloc[0].area == pytest.approx(50.0)  # two 25 m² triangles
    assert shapely.is_valid(cleaned.geometry.values).all()
    assert report.mixed_types.startswith("1 single polygon(s) promoted to MultiPolygon")
    assert set(cleaned.geom_type) == {"MultiPolygon"}
    assert "1 invalid geometry repaired" in report.messages


def test_empty_and_missing_geometries_are_dropped_and_counted():
    cleaned, report = validate_vector(frame([box(0, 0, 1, 1), None, Polygon()], id=[1, 2, 3]))
    assert list(cleaned["id"]) == [1] and report.dropped_empty == 2
    assert report.repaired_invalid == 0


def test_zero_features_and_all_empty_are_refused():
    with pytest.raises(LayerError, match="no features"):
        validate_vector(frame([], id=[]))
    with pytest.raises(GeometryError, match="all with empty geometries"):
        validate_vector(frame([None, Point()], id=[1, 2]))


def test_nan_coordinates_are_refused():
    with pytest.raises(GeometryError, match=r"1 feature\(s\) with NaN.*first: feature 2"):
        validate_vector(frame([None, Point(1, 1), Point(np.nan, 2)], id=[0, 1, 2]))


def test_mixed_families_are_refused():
    with pytest.raises(GeometryError, match="1 Point, 1 Polygon"):
        validate_vector(frame([Point(0, 0), box(0, 0, 1, 1)], id=[1, 2]))


def test_duplicate_ids_and_null_keys_are_reported_not_refused():
    geoms = [Point(i, i) for i in range(4)]
    cleaned, report = validate_vector(frame(geoms, nis=["1", "1", None, "2"], name=list("abcd")))
    assert len(cleaned) == 4
    assert report.duplicate_ids == {"nis": 1} and report.null_key_values == {"nis": 1}
    assert ValidationReport.from_dict(report.to_dict()) == report


coordinate = st.floats(0, 100, allow_nan=False)
random_polygon = st.lists(st.tuples(coordinate, coordinate), min_size=3, max_size=8).map(
    lambda ring: Polygon(ring)
)


@settings(max_examples=60, deadline=None)
@given(st.lists(random_polygon, min_size=1, max_size=6))
def test_repair_of_random_polygons(polygons):
    """Output always valid and polygonal; valid input kept exactly (so its area too)."""
    source = frame(polygons, id=range(len(polygons)))
    valid = shapely.is_valid(source.geometry.values) & ~shapely.is_empty(source.geometry.values)
    try:
        cleaned, report = validate_vector(source)
    except GeometryError:  # every polygon degenerate (collapsed to nothing)
        assert not valid.any()
        return
    assert shapely.is_valid(cleaned.geometry.values).all()
    assert set(cleaned.geom_type) <= {"Polygon", "MultiPolygon"}
    assert report.repaired_invalid == int((~shapely.is_valid(source.geometry.values)).sum())
    for i in np.flatnonzero(valid):
        kept = cleaned.geometry.loc[i]
        assert kept.area == pytest.approx(polygons[i].area)
        assert kept.equals(polygons[i]) or kept.equals(MultiPolygon([polygons[i]]))
