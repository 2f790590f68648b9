"""Real West-Flanders data: municipalities (Lambert 72) and railway stations (WGS84)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geo.layers.load import PreparedVector, prepare_vector
from geo.layers.read import read_vector, resolved_source

MUNICIPALITIES = "west_flanders_municipalities_2025_lambert72.geojson"
STATIONS = "flanders_brussels_railway_stations_irail_wgs84.geojson"


def load(path, **kwargs) -> PreparedVector:
    with resolved_source(path) as dataset:
        return prepare_vector(read_vector(dataset), study_crs="EPSG:31370", **kwargs)


@pytest.fixture
def municipalities(realdata) -> PreparedVector:
    return load(realdata / MUNICIPALITIES)


@pytest.fixture
def stations(realdata, municipalities) -> PreparedVector:
    return load(realdata / STATIONS, region=municipalities.bounds)


def test_municipalities_keep_their_declared_crs(municipalities):
    assert municipalities.source_crs == "EPSG:31370"
    assert len(municipalities.frame) == 62
    assert municipalities.frame.is_valid.all()
    assert set(municipalities.frame.geom_type) == {"MultiPolygon"}


def test_stations_land_within_a_metre_of_pyproj_and_the_file(stations, realdata):
    frame = stations.frame
    assert stations.source_crs == "EPSG:4326" and len(frame) == 300
    source = gpd.read_file(realdata / STATIONS)
    xs, ys = Transformer.from_crs("EPSG:4326", "EPSG:31370", always_xy=True).transform(
        source.geometry.x, source.geometry.y
    )
    assert np.hypot(frame.geometry.x - xs, frame.geometry.y - ys).max() < 1.0
    offset = np.hypot(
        frame.geometry.x - frame["x_lambert72"], frame.geometry.y - frame["y_lambert72"]
    )
    assert offset.max() < 1.0


def test_stations_fall_in_their_municipality(stations, municipalities):
    polygons = municipalities.frame.set_index("nis").geometry
    west = stations.frame[stations.frame["nis_2025"].isin(polygons.index)]
    assert len(west) >= 30  # 37 stations in the province
    inside = shapely.within(west.geometry.to_numpy(), polygons.loc[west["nis_2025"]].to_numpy())
    assert inside.mean() >= 0.99
    names = municipalities.frame.set_index("nis")["name"]
    assert (names.loc[west["nis_2025"]].to_numpy() == west["municipality"].to_numpy()).all()


def test_stations_from_lambert2008_land_within_a_metre(realdata, municipalities, tmp_path):
    source = gpd.read_file(realdata / STATIONS).to_crs("EPSG:3812")
    path = tmp_path / "stations_3812.gpkg"
    source.to_file(path, driver="GPKG")
    frame = load(path, region=municipalities.bounds).frame
    offset = np.hypot(
        frame.geometry.x - frame["x_lambert72"], frame.geometry.y - frame["y_lambert72"]
    )
    assert load(path).source_crs == "EPSG:3812"
    assert offset.max() < 1.0
