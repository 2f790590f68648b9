"""Hostile vector files: nothing in a GeoJSON, GeoPackage or file name may make GDAL fetch a URL
or read another file into the study.

Payloads: a GeoJSON ``crs`` member of type ``link``/``url`` (GDAL downloads it), spelled in
any case or with ``\\u`` escapes; a GeoPackage whose schema declares a SpatiaLite virtual table
(``VirtualText``, ``VirtualDbf``...) reading a local file, exposed through a view; a file name
with ``!`` (read by pyogrio as ``archive!member``); an OGR VRT disguised as GeoJSON.
"""

from __future__ import annotations

import json
import sqlite3

import geopandas as gpd
import pytest
from hostile_support import L72, SECRET_BYTES, zip_of
from shapely.geometry import Point

from geo.errors import LayerError
from parkplan.workspace import Workspace

FEATURES = [
    {
        "type": "Feature",
        "properties": {"name": "Roeselare"},
        "geometry": {"type": "Point", "coordinates": [60_500, 190_500]},
    }
]


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    return Workspace.create(tmp_path / "study", crs=L72)


def geojson_text(crs_member: str) -> str:
    """A FeatureCollection whose members include the raw JSON text ``crs_member``."""
    features = json.dumps(FEATURES)
    return f'{{"type": "FeatureCollection", {crs_member}, "features": {features}}}'


def linked_crs_payloads(url: str) -> dict[str, str]:
    return {
        "link-href": f'"crs": {{"type": "link", "properties": {{"href": "{url}/a.prj"}}}}',
        "url-url": f'"crs": {{"type": "url", "properties": {{"url": "{url}/b.wkt"}}}}',
        "upper-case": f'"CRS": {{"type": "LINK", "properties": {{"href": "{url}/c.prj"}}}}',
        "escaped": (
            f'"\\u0063rs": {{"type": "\\u006cink", "properties": {{"href": "{url}/d.prj"}}}}'
        ),
        "type-prefix": f'"crs": {{"type": "Link ", "properties": {{"href": "{url}/e.prj"}}}}',
    }


@pytest.mark.parametrize("case", ["link-href", "url-url", "upper-case", "escaped", "type-prefix"])
@pytest.mark.parametrize("zipped", [False, True])
def test_geojson_linked_crs_is_refused_without_fetching(
    tmp_path, workspace, loopback, case, zipped
):
    url, hits = loopback
    path = tmp_path / "parcels.geojson"
    path.write_text(geojson_text(linked_crs_payloads(url)[case]), encoding="utf-8")
    source = zip_of(tmp_path / "parcels.zip", {path.name: path}) if zipped else path
    with pytest.raises(LayerError) as caught:
        workspace.add_layer(source, "parcels", assume_crs=L72)
    message = str(caught.value)
    assert "\n" not in message and "parcels.geojson" in message and "crs" in message
    assert hits == []
    assert workspace.list_layers() == []


def test_geojson_named_crs_url_is_not_fetched(tmp_path, workspace, loopback):
    url, hits = loopback
    path = tmp_path / "named.geojson"
    path.write_text(geojson_text(f'"crs": {{"type": "name", "properties": {{"name": "{url}"}}}}'))
    with pytest.raises(Exception):  # noqa: B017 (any refusal will do; the point is no request)
        workspace.add_layer(path, "named")
    assert hits == []


def test_accented_geojson_with_an_ordinary_crs_still_loads(tmp_path, workspace):
    """Escapes and a ``url`` property do not make an ordinary file suspicious."""
    features = [dict(FEATURES[0], properties={"name": "Li\u00e8ge", "url": "https://example.org"})]
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::31370"}}
    path = tmp_path / "accented.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "crs": crs, "features": features}))
    info = workspace.add_layer(path, "accented")
    assert info.feature_count == 1
    assert workspace.read_vector("accented")["name"].tolist() == ["Li\u00e8ge"]


def geopackage_reading(tmp_path, secret_file, module: str) -> tuple:
    """A GeoPackage whose view ``leak`` joins a real layer to a virtual table reading a file."""
    path = tmp_path / f"{module.lower()}.gpkg"
    frame = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(60_500, 190_500)], crs=L72)
    frame.to_file(path, layer="base", engine="pyogrio")
    arguments = {
        "VirtualText": f"'{secret_file}', 'UTF-8', 0",
        "VirtualDbf": f"'{secret_file}', 'UTF-8'",
        "VirtualGeoJSON": f"'{secret_file}'",
    }[module]
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA writable_schema=ON")
        db.execute(
            "INSERT INTO sqlite_master(type, name, tbl_name, rootpage, sql) "
            "VALUES('table', 'stolen', 'stolen', 0, ?)",
            (f"CREATE VIRTUAL TABLE stolen USING {module}({arguments})",),
        )
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE VIEW leak AS SELECT b.fid AS fid, b.geom AS geom, s.* FROM base b, stolen s"
        )
        db.execute(
            "INSERT INTO gpkg_contents(table_name, data_type, identifier, srs_id) "
            "VALUES('leak', 'features', 'leak', 31370)"
        )
        db.execute("INSERT INTO gpkg_geometry_columns VALUES('leak', 'geom', 'POINT', 31370, 0, 0)")
    return path


@pytest.mark.parametrize("module", ["VirtualText", "VirtualDbf", "VirtualGeoJSON"])
@pytest.mark.parametrize("zipped", [False, True])
def test_geopackage_virtual_tables_are_refused(tmp_path, workspace, secret_file, module, zipped):
    path = geopackage_reading(tmp_path, secret_file, module)
    source = zip_of(tmp_path / "upload.zip", {path.name: path}) if zipped else path
    with pytest.raises(LayerError) as caught:
        workspace.add_layer(source, "leak", source_layer="leak")
    message = str(caught.value)
    assert "\n" not in message and "stolen" in message and module in message
    for stored in workspace.folder.rglob("*"):
        if stored.is_file():
            assert SECRET_BYTES[:9] not in stored.read_bytes()


def test_geopackage_spatial_index_is_fine(tmp_path, workspace):
    """GeoPackages index geometries with ``rtree`` virtual tables: those are allowed."""
    path = tmp_path / "indexed.gpkg"
    frame = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(60_500, 190_500)], crs=L72)
    frame.to_file(path, layer="indexed", engine="pyogrio", SPATIAL_INDEX="YES")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM sqlite_master WHERE sql LIKE '%rtree%'").fetchone()
    assert workspace.add_layer(path, "indexed").feature_count == 1


def test_exclamation_mark_in_a_path_is_refused(tmp_path, workspace, monkeypatch):
    """pyogrio reads ``a!b.geojson`` as member ``b.geojson`` of archive ``a``: a decoy in the
    working folder would be loaded instead of the file named."""
    decoy_folder = tmp_path / "cwd"
    decoy_folder.mkdir()
    decoy = gpd.GeoDataFrame({"name": ["decoy"]}, geometry=[Point(61_000, 191_000)], crs=L72)
    decoy.to_file(decoy_folder / "b.geojson", engine="pyogrio")
    monkeypatch.chdir(decoy_folder)
    path = tmp_path / "a!b.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": FEATURES}))
    with pytest.raises(LayerError) as caught:
        workspace.add_layer(path, "bang", assume_crs=L72)
    assert "!" in str(caught.value) and "\n" not in str(caught.value)


def test_ogr_vrt_disguised_as_geojson_is_refused(tmp_path, workspace, secret_file):
    path = tmp_path / "parcels.geojson"
    path.write_text(
        f'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>{secret_file}'
        "</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"
    )
    with pytest.raises(LayerError, match="is not a GeoJSON"):
        workspace.add_layer(path, "parcels")
