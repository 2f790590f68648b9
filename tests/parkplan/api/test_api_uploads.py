"""Uploading a layer: the loader of the command line, size limits, bad files, hostile names."""

from __future__ import annotations

import geopandas as gpd
import pytest
from api_support import OPERATOR, auth, client_for, settings
from shapely.geometry import Point

from parkplan.api.routers.layers import upload_suffix


def geojson_bytes(count: int = 2) -> bytes:
    points = gpd.GeoDataFrame(
        {"name": [f"p{i}" for i in range(count)]},
        geometry=[Point(4.37 + 0.001 * i, 50.84) for i in range(count)],
        crs="EPSG:4326",
    )
    return points.to_json().encode("utf-8")


def post_layer(client, content: bytes, *, filename="stations.geojson", name="stations"):
    return client.post(
        "/api/layers",
        files={"file": (filename, content, "application/octet-stream")},
        data={"name": name},
        headers=auth(OPERATOR),
    )


def layer_names(client) -> list[str]:
    return [layer["name"] for layer in client.get("/api/layers").json()]


def test_upload_loads_the_layer_into_the_study_crs(client):
    response = post_layer(client, geojson_bytes(3))
    assert response.status_code == 201, response.text
    layer = response.json()
    assert (layer["name"], layer["kind"], layer["feature_count"]) == ("stations", "vector", 3)
    assert layer["crs"] == "EPSG:31370"
    assert layer["source"] == "stations.geojson"
    assert layer_names(client) == ["stations"]


def test_upload_of_an_existing_name_is_refused(client):
    assert post_layer(client, geojson_bytes()).status_code == 201
    again = post_layer(client, geojson_bytes())
    assert again.status_code == 400
    assert "already exists" in again.json()["detail"]


def test_too_large_upload_is_413_and_changes_nothing(study):
    with client_for(study, settings(max_upload_mb=0.01)) as client:
        response = post_layer(client, geojson_bytes(400))
        assert len(geojson_bytes(400)) > 0.01 * 1024 * 1024
        assert response.status_code == 413
        assert response.json()["error"] == "content_too_large"
        assert layer_names(client) == []


def test_too_large_upload_without_content_length_is_413(study):
    boundary = "parkplanboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nbig\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.geojson"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()

    def chunks():
        yield head
        for _ in range(64):
            yield b" " * 1024

    with client_for(study, settings(max_upload_mb=0.01)) as client:
        response = client.post(
            "/api/layers",
            content=chunks(),
            headers=auth(OPERATOR) | {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert "content-length" not in response.request.headers
        assert response.status_code == 413
        assert layer_names(client) == []


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("broken.gpkg", b"this is not a geopackage"),
        ("broken.geojson", b'{"type": "FeatureCollection", "features": ['),
        ("empty.geojson", b""),
        ("broken.zip", b"PK\x03\x04 not really a zip"),
        ("broken.tif", b"II*\x00 not a tiff"),
    ],
)
def test_bad_file_is_a_json_error_and_changes_nothing(client, study, filename, content):
    catalog = (study / "workspace" / "catalog.json").read_bytes()
    response = post_layer(client, content, filename=filename)
    assert response.status_code in (400, 422), response.text
    body = response.json()
    assert set(body) == {"error", "detail", "problem"}
    assert body["problem"] in ("unreadable", "raster")
    assert "/" not in body["detail"].replace("/api/", "")
    assert (study / "workspace" / "catalog.json").read_bytes() == catalog
    assert not list((study / "workspace").glob("layers/*"))


@pytest.mark.parametrize(
    "filename",
    [
        "../../../evil.geojson",
        "..\\..\\evil.geojson",
        "/etc/evil.geojson",
        "sub/../../evil.geojson",
    ],
)
def test_uploaded_filename_is_never_a_path(client, tmp_path, filename):
    response = post_layer(client, geojson_bytes(), filename=filename)
    assert response.status_code == 201, response.text
    assert response.json()["source"] == "stations.geojson"
    assert not [p for p in tmp_path.parent.rglob("evil*")]


@pytest.mark.parametrize("name", ["../evil", "Evil", "a b", "", "x" * 80])
def test_bad_layer_name_is_422(client, name):
    response = post_layer(client, geojson_bytes(), name=name)
    assert response.status_code == 422
    assert layer_names(client) == []


@pytest.mark.parametrize(
    ("filename", "suffix"),
    [("Roads.GPKG", ".gpkg"), ("a.b.geojson", ".geojson"), ("c:\\data\\x.tif", ".tif")],
)
def test_upload_suffix_keeps_only_a_known_suffix(filename, suffix):
    assert upload_suffix(filename) == suffix


@pytest.mark.parametrize("filename", ["x.exe", "noext", "x.", "x.geojson.sh", None])
def test_unknown_suffix_is_refused(client, filename):
    from fastapi import HTTPException

    with pytest.raises(HTTPException) as refused:
        upload_suffix(filename)
    assert refused.value.status_code == 422


def test_raster_declaring_more_cells_than_allowed_is_refused(study, tmp_path):
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    path = tmp_path / "dem.tif"
    profile = {"driver": "GTiff", "width": 300, "height": 200, "count": 1, "dtype": "float32"}
    transform = from_origin(60_000, 191_000, 10, 10)
    with rasterio.open(path, "w", **profile, crs="EPSG:31370", transform=transform) as dst:
        dst.write(np.zeros((1, 200, 300), dtype="float32"))
    with client_for(study, settings(max_raster_cells=50_000)) as client:
        response = post_layer(client, path.read_bytes(), filename="dem.tif", name="dem")
        assert response.status_code == 422, response.text
        assert "60,000" in response.json()["detail"]
        assert "50,000" in response.json()["detail"]
        assert layer_names(client) == []
    with client_for(study, settings(max_raster_cells=60_000)) as client:
        assert (
            post_layer(client, path.read_bytes(), filename="dem.tif", name="dem").status_code == 201
        )
