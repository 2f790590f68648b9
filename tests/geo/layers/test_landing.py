"""Where a layer lands: a wrong CRS (or swapped axes) is refused, a right CRS far away is loaded
with a warning naming the distance, and beyond 200 km refused unless ``allow_outside``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import Point, Polygon, box

from geo.errors import CRSError
from geo.layers.crs import FAR_KM, OutsideRegionWarning, Region, nearest_distance_km
from geo.layers.load import PreparedVector, prepare_vector
from geo.layers.read import Dataset, VectorRead, read_vector, resolved_source

L72, WGS84 = "EPSG:31370", "EPSG:4326"
TO_WGS84 = Transformer.from_crs(L72, WGS84, always_xy=True)

#: Two Lambert 72 boxes around Diksmuide: the generated study region.
REGION_BOXES = (box(40_000, 180_000, 60_000, 200_000), box(60_000, 180_000, 80_000, 200_000))
MUNICIPALITIES = "west_flanders_municipalities_2025_lambert72.geojson"
STATIONS = "flanders_brussels_railway_stations_irail_wgs84.geojson"
WESTHOEK = ("Alveringem", "De Panne", "Koksijde", "Lo-Reninge", "Veurne", "Vleteren")


def region_of(shapes) -> Region:
    """A region whose shape is ``shapes`` (Lambert 72), as the workspace passes it."""
    collection = shapely.geometrycollections(list(shapes))
    return Region(tuple(collection.bounds), lambda: collection)


def degrees(xy_l72) -> list[tuple[float, float]]:
    """Lambert 72 points as WGS84 ``(lon, lat)``."""
    lon, lat = TO_WGS84.transform(*np.asarray(xy_l72, dtype=float).T)
    return list(zip(lon, lat, strict=True))


def read(xy, crs: str | None, *, implicit: bool = False) -> VectorRead:
    """Points as read from a file declaring ``crs`` (``implicit``: a GeoJSON without one)."""
    frame = gpd.GeoDataFrame({"id": range(len(xy))}, geometry=[Point(p) for p in xy], crs=crs)
    return VectorRead(frame, Dataset(Path("nodes.geojson"), "GeoJSON"), None, (), implicit)


def load(source: VectorRead, region: Region | None, **kwargs) -> PreparedVector:
    return prepare_vector(source, study_crs=L72, region=region, **kwargs)


def shown_km(message: str) -> float:
    return float(re.search(r"nearest feature is ([\d,.]+) km", message)[1].replace(",", ""))


def east_of(region: Region, km: tuple[float, ...]) -> np.ndarray:
    """Lambert 72 points ``km`` east of the region's eastern edge, along its middle."""
    _, y0, x1, y1 = region.bounds
    return np.column_stack([x1 + 1000 * np.array(km), np.full(len(km), (y0 + y1) / 2)])


# -- generated fixtures ----------------------------------------------------------------------


@pytest.mark.parametrize("implicit", [False, True], ids=["declared", "geojson_default"])
def test_points_in_the_region_load_without_a_warning(implicit):
    source = read(degrees([(50_000, 190_000), (75_000, 185_000)]), WGS84, implicit=implicit)
    assert load(source, region_of(REGION_BOXES)).validation.messages == ()


@pytest.mark.parametrize("implicit", [False, True], ids=["declared", "geojson_default"])
def test_right_crs_far_away_is_loaded_with_the_distance(implicit):
    region = region_of(REGION_BOXES)
    source = read(degrees(east_of(region, (25, 40, 55))), WGS84, implicit=implicit)
    with pytest.warns(OutsideRegionWarning, match=r"outside the study region.* 25\.0 km") as seen:
        prepared = load(source, region)
    assert len(prepared.frame) == 3
    assert prepared.validation.messages == (str(seen[0].message),)


def test_the_distance_is_to_the_region_polygons_not_their_box():
    triangle = Polygon([(40_000, 180_000), (80_000, 180_000), (40_000, 220_000)])
    corner = (100_000, 240_000)  # 28 km from the box's corner, 57 km from the hypotenuse
    with pytest.warns(OutsideRegionWarning) as seen:
        load(read([corner], L72), region_of([triangle]))
    expected_km = triangle.distance(Point(corner)) / 1000
    assert shown_km(str(seen[0].message)) == pytest.approx(expected_km, abs=0.05)
    assert expected_km > 50


def test_lambert72_far_in_belgium_is_loaded_with_a_warning():
    near_antwerp = [(152_000, 195_000)]  # 72 km east of the region
    with pytest.warns(OutsideRegionWarning, match=r"72\.0 km away \(in EPSG:31370\)"):
        load(read(near_antwerp, L72), region_of(REGION_BOXES))


def test_beyond_200_km_is_refused_unless_allowed():
    """Points near Münster, about 330 km east: a likely mistake, loaded only when asked."""
    region = region_of(REGION_BOXES)
    germany = [(7.6, 51.95), (7.8, 52.3)]
    with pytest.raises(CRSError, match=r"lies 3\d\d km from the study region.*--allow-outside"):
        load(read(germany, WGS84), region)
    with pytest.warns(OutsideRegionWarning, match=r"nearest feature is 3\d\d\.\d km"):
        prepared = load(read(germany, WGS84), region, allow_outside=True)
    assert shown_km(prepared.validation.messages[0]) > FAR_KM


@pytest.mark.parametrize("implicit", [False, True], ids=["declared", "geojson_default"])
def test_swapped_longitude_and_latitude_are_refused_as_swapped(implicit):
    region = region_of(REGION_BOXES)
    lat_lon = [(lat, lon) for lon, lat in degrees(east_of(region, (30, 45, 60)))]
    for allow_outside in (False, True):
        with pytest.raises(CRSError, match=r"latitude and longitude look swapped.*put longitude"):
            load(read(lat_lon, WGS84, implicit=implicit), region, allow_outside=allow_outside)


def test_swapped_lambert72_with_an_assumed_crs_is_refused_as_swapped():
    """With a stated CRS, x and y swapped would land in the region: refused."""
    region = region_of(REGION_BOXES)
    swapped = [(190_000, 50_000), (195_000, 70_000)]
    with pytest.raises(CRSError, match=r"would land in it with its axes swapped: x and y"):
        load(read(swapped, None), region, assume_crs=L72)


@pytest.mark.parametrize("how", ["declared", "assumed"])
def test_degrees_given_as_lambert72_are_refused_as_a_wrong_crs(how):
    region = region_of(REGION_BOXES)
    nodes = degrees(east_of(region, (30, 45, 60)))
    source = read(nodes, L72) if how == "declared" else read(nodes, WGS84, implicit=True)
    pattern = r"outside the area of use of EPSG:31370.*wrong CRS.*fit EPSG:4326"
    assumed = L72 if how == "assumed" else None
    for allow_outside in (False, True):
        with pytest.raises(CRSError, match=pattern):
            load(source, region, assume_crs=assumed, allow_outside=allow_outside)


def test_an_assumed_crs_landing_in_the_sea_is_refused_unless_allowed():
    """120 km off the coast: with the GeoJSON default CRS a likely mistake, declared it is not."""
    region, sea = region_of(REGION_BOXES), [(2.6, 52.2), (2.7, 52.25)]
    with pytest.raises(CRSError, match=r"in the sea or in another country.*--allow-outside"):
        load(read(sea, WGS84, implicit=True), region)
    with pytest.warns(OutsideRegionWarning, match=r"nearest feature is 1\d\d\.\d km"):
        load(read(sea, WGS84, implicit=True), region, allow_outside=True)
    with pytest.warns(OutsideRegionWarning, match=r"nearest feature is 1\d\d\.\d km"):
        load(read(sea, WGS84), region)


def test_without_a_region_the_distance_is_to_the_area_of_use():
    with pytest.warns(OutsideRegionWarning, match=r"outside the area of use of EPSG:31370"):
        load(read([(2.6, 52.2)], WGS84), None)


def test_the_distance_in_a_geographic_crs_is_measured_on_the_ellipsoid():
    a, b = Point(60_000, 190_000), Point(90_000, 230_000)
    planar_km = nearest_distance_km(np.array([a]), b, CRS(L72))
    (lon_a, lat_a), (lon_b, lat_b) = degrees([a.coords[0], b.coords[0]])
    geodesic_km = nearest_distance_km(
        np.array([Point(lon_a, lat_a)]), Point(lon_b, lat_b), CRS(WGS84)
    )
    assert planar_km == pytest.approx(50.0)
    assert geodesic_km == pytest.approx(planar_km, rel=2e-3)  # Lambert 72 scale error


# -- real data: the Westhoek -----------------------------------------------------------------


@pytest.fixture
def westhoek(realdata) -> Region:
    """The six Westhoek municipalities (real outlines, Lambert 72)."""
    towns = gpd.read_file(realdata / MUNICIPALITIES)
    return region_of(towns[towns["name"].isin(WESTHOEK)].geometry)


def write_geojson(path: Path, xy, crs: str | None = None) -> Path:
    features = [
        {
            "type": "Feature",
            "properties": {"node": i},
            "geometry": {"type": "Point", "coordinates": p},
        }
        for i, p in enumerate(map(list, xy))
    ]
    doc: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def load_file(path: Path, region: Region, **kwargs) -> PreparedVector:
    with resolved_source(path) as dataset:
        return prepare_vector(read_vector(dataset), study_crs=L72, region=region, **kwargs)


def test_real_stations_load_into_a_westhoek_study(realdata, westhoek):
    prepared = load_file(realdata / STATIONS, westhoek)
    assert len(prepared.frame) == 300 and prepared.validation.messages == ()
    inside = shapely.within(prepared.frame.geometry.to_numpy(), westhoek.shape())
    assert 3 <= inside.sum() < 300  # De Panne, Koksijde, Veurne... and the rest of Flanders


def test_real_high_voltage_nodes_30_to_60_km_east_warn_with_the_distance(tmp_path, westhoek):
    nodes = east_of(westhoek, (30, 40, 50, 60))
    path = write_geojson(tmp_path / "hv_nodes.geojson", degrees(nodes))
    with pytest.warns(OutsideRegionWarning, match="hv_nodes.geojson lies entirely outside"):
        prepared = load_file(path, westhoek)
    expected_km = shapely.distance(shapely.points(nodes), westhoek.shape()).min() / 1000
    assert shown_km(prepared.validation.messages[0]) == pytest.approx(expected_km, abs=0.05)
    assert 30 <= expected_km < 35  # the eastern edge of the region is not straight


def test_real_high_voltage_nodes_swapped_are_refused(tmp_path, westhoek):
    lat_lon = [(lat, lon) for lon, lat in degrees(east_of(westhoek, (30, 40, 50, 60)))]
    path = write_geojson(tmp_path / "hv_nodes.geojson", lat_lon)
    with pytest.raises(CRSError, match="latitude and longitude look swapped"):
        load_file(path, westhoek)


def test_real_high_voltage_nodes_declared_lambert72_are_refused(tmp_path, westhoek):
    nodes = degrees(east_of(westhoek, (30, 40, 50, 60)))
    path = write_geojson(tmp_path / "hv_nodes.geojson", nodes, crs="urn:ogc:def:crs:EPSG::31370")
    with pytest.raises(CRSError, match=r"area of use of EPSG:31370.*wrong CRS.*fit EPSG:4326"):
        load_file(path, westhoek)
