"""``GET /api/sites`` after a real run: served from the GeoJSON the run wrote, not computed."""

from __future__ import annotations

import gzip
import json
import math
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from api_support import client_for, make_study, settings, site_frame, write_results
from run_support import publish_run
from shapely.geometry import shape
from study_support import CRS, make_small_study, model

from parkplan import site_geojson as geojson
from parkplan.run import run_study
from parkplan.runs import RunStore
from parkplan.study import parse_study, save_study


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small study run for real: the base model, then scenario ``alt``."""
    root = make_small_study(tmp_path_factory.mktemp("precomputed") / "study")
    alt = {"name": "alt", "weights": {"station": 0.2, "road": 0.8}}
    study = parse_study(
        {"name": "Kleine studie", "crs": CRS, **model(), "scenarios": [alt]}, source="x"
    )
    save_study(study, root)
    run_study(root, lang="en")
    run_study(root, scenario="alt", lang="en")
    return root


@pytest.fixture
def no_computing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any attempt to convert ``sites.gpkg`` during a request."""

    def refuse(gpkg: Path) -> geojson.EncodedSites:
        raise AssertionError(f"computed {gpkg.name} on request")

    monkeypatch.setattr(geojson, "encode_sites", refuse)


def raw_get(client, params: dict, encoding: str):
    """The response with its body exactly as sent (not decoded)."""
    headers = {"Accept-Encoding": encoding}
    with client.stream("GET", "/api/sites", params=params, headers=headers) as response:
        return response, b"".join(response.iter_raw())


def legacy_collection(gpkg: Path) -> dict:
    """The collection as the API built it before runs wrote it (geopandas, ids added)."""
    collection = json.loads(
        gpd.read_file(gpkg, layer="sites", engine="pyogrio")
        .to_crs("EPSG:4326")
        .to_json(na="null", drop_id=True)
    )
    for feature in collection["features"]:
        feature["id"] = str(feature["properties"]["site_id"])
    return collection


@pytest.mark.parametrize("scenario", [None, "alt"])
def test_first_get_serves_the_files_of_the_run(ran, no_computing, scenario):
    folder = RunStore(ran).folder(scenario)
    params = {} if scenario is None else {"scenario": scenario}
    with client_for(ran, settings()) as client:
        plain, body = raw_get(client, params, "identity")
        packed, body_gzip = raw_get(client, params, "gzip")
    assert body == (folder / geojson.SITES_GEOJSON).read_bytes()
    assert body_gzip == (folder / geojson.SITES_GEOJSON_GZ).read_bytes()
    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) == len(body_gzip)
    assert int(plain.headers["content-length"]) == len(body)
    assert plain.headers["etag"] == packed.headers["etag"]
    assert json.loads(gzip.decompress(body_gzip)) == json.loads(body)


@pytest.mark.parametrize("scenario", [None, "alt"])
def test_the_files_hold_the_sites_of_the_gpkg(ran, scenario):
    folder = RunStore(ran).folder(scenario)
    collection = json.loads((folder / geojson.SITES_GEOJSON).read_bytes())
    sites = gpd.read_file(folder / "sites.gpkg", layer="sites", engine="pyogrio")
    wgs84 = sites.to_crs("EPSG:4326")
    features = collection["features"]
    assert len(features) == len(sites) > 0
    assert [f["id"] for f in features] == list(sites["site_id"].astype(str))
    assert [f["properties"]["score"] for f in features] == list(sites["score"])
    assert set(features[0]["properties"]) == set(sites.columns) - {"geometry"}
    for feature, geometry in zip(features, wgs84.geometry, strict=True):
        assert shape(feature["geometry"]).equals_exact(geometry, 1e-12)
    assert collection == legacy_collection(folder / "sites.gpkg")


def test_gzip_of_the_run_is_level_6(ran):
    packed = (RunStore(ran).folder() / geojson.SITES_GEOJSON_GZ).read_bytes()
    assert packed[8] == 0  # XFL: neither the fastest (4) nor the best compression (2)


def test_sites_of_one_site_from_the_files(ran, no_computing):
    folder = RunStore(ran).folder()
    first = json.loads((folder / geojson.SITES_GEOJSON).read_bytes())["features"][0]
    with client_for(ran, settings()) as client:
        assert client.get(f"/api/sites/{first['id']}").json() == first


def test_a_run_without_the_files_is_computed_once(tmp_path, monkeypatch):
    root = make_study(tmp_path / "older")
    folder = RunStore(root).folder()
    assert not (folder / geojson.SITES_GEOJSON).exists()
    made = []
    encode = geojson.encode_sites
    monkeypatch.setattr(geojson, "encode_sites", lambda gpkg: made.append(gpkg) or encode(gpkg))
    with client_for(root, settings()) as client:
        first = client.get("/api/sites")
        assert client.get("/api/sites").content == first.content
    assert made == [folder / "sites.gpkg"]
    assert json.loads(first.content) == legacy_collection(folder / "sites.gpkg")


def test_files_older_than_the_gpkg_are_not_served(tmp_path):
    root = make_study(tmp_path / "stale")

    def write(folder: Path) -> None:
        write_results(folder, site_frame(2))
        geojson.write_site_geojson(folder)
        write_results(folder, site_frame(4))
        later = (folder / "sites.geojson").stat().st_mtime_ns + 1_000_000_000
        os.utime(folder / "sites.gpkg", ns=(later, later))

    publish_run(root, None, write)
    with client_for(root, settings()) as client:
        assert len(client.get("/api/sites").json()["features"]) == 4


def test_missing_and_infinite_values_are_null_and_text_stays_utf8():
    frame = site_frame(3).to_crs("EPSG:4326")
    frame["score"] = [0.5, np.nan, np.inf]
    frame["host"] = ["Comines-Warneton", "Ésquelmes", None]
    body = geojson.feature_collection(frame)
    assert "Ésquelmes".encode() in body
    features = json.loads(body)["features"]
    assert [f["properties"]["score"] for f in features] == [0.5, None, None]
    assert features[2]["properties"]["host"] is None
    assert all(isinstance(f["properties"]["rank"], int) for f in features)


def test_without_site_ids_the_position_is_the_id():
    frame = site_frame(2).drop(columns="site_id").to_crs("EPSG:4326")
    frame.loc[1, "geometry"] = None
    features = json.loads(geojson.feature_collection(frame))["features"]
    assert [f["id"] for f in features] == ["0", "1"]
    assert features[1]["geometry"] is None
    assert not math.isnan(features[0]["properties"]["score"])


def test_dates_are_iso_text():
    frame = site_frame(1).to_crs("EPSG:4326")
    frame["surveyed"] = pd.to_datetime(["2026-05-04T10:30:00"])
    features = json.loads(geojson.feature_collection(frame))["features"]
    assert features[0]["properties"]["surveyed"] == "2026-05-04T10:30:00"
