"""The read routes on a study whose results were written by the fixture."""

from __future__ import annotations

import shutil

import pytest
from api_support import (
    BRUSSELS_XY,
    MAP_BODY,
    client_for,
    make_study,
    settings,
    site_frame,
    write_results,
)
from pyproj import Transformer
from run_support import publish_run


@pytest.fixture(scope="module")
def reader(shared_study):
    with client_for(shared_study, settings()) as test_client:
        yield test_client


def test_health_answers_ok(reader):
    response = reader.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "read_only": False}


def test_layers_lists_the_workspace_layers(reader):
    assert reader.get("/api/layers").json() == []


def test_sites_are_a_feature_collection_with_the_table_columns(reader):
    response = reader.get("/api/sites")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert [f["id"] for f in collection["features"]] == ["S1", "S2", "S3"]
    first = collection["features"][0]["properties"]
    assert set(first) == {
        "site_id",
        "area_ha",
        "score",
        "rank",
        "host",
        "c_access",
        "p_first",
        "p_top3",
    }
    assert first["area_ha"] == pytest.approx(4.0)
    assert first["rank"] == 1


def test_sites_are_compressed_for_clients_that_accept_gzip(reader):
    plain = reader.get("/api/sites", headers={"Accept-Encoding": "identity"})
    packed = reader.get("/api/sites", headers={"Accept-Encoding": "gzip, deflate"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) < len(plain.content)
    assert packed.content == plain.content  # httpx decodes the gzip body


def test_sites_are_in_wgs84_at_the_right_place(reader):
    feature = reader.get("/api/sites/S1").json()
    ring = feature["geometry"]["coordinates"][0]
    lon = sum(x for x, _ in ring[:-1]) / 4
    lat = sum(y for _, y in ring[:-1]) / 4
    # Lambert 72 (150 000, 170 000) is central Brussels: about 4.37 E, 50.84 N (lon first)
    assert lon == pytest.approx(4.37, abs=0.02)
    assert lat == pytest.approx(50.84, abs=0.02)
    expected = Transformer.from_crs(31370, 4326, always_xy=True).transform(*BRUSSELS_XY)
    assert (lon, lat) == pytest.approx(expected, abs=1e-6)


def test_one_site_and_an_unknown_one(reader):
    feature = reader.get("/api/sites/S2").json()
    assert feature["type"] == "Feature"
    assert feature["properties"]["site_id"] == "S2"
    missing = reader.get("/api/sites/S99")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"


def test_sites_of_a_scenario(reader):
    collection = reader.get("/api/sites", params={"scenario": "alt"}).json()
    assert [f["id"] for f in collection["features"]] == ["S1"]


@pytest.mark.parametrize("scenario", ["../..", "ALT", "a/b", "..%2F.."])
def test_a_scenario_name_cannot_leave_the_study(reader, scenario):
    response = reader.get("/api/sites", params={"scenario": scenario})
    assert response.status_code == 422
    assert set(response.json()) == {"error", "detail"}


def test_an_unknown_scenario_is_404(reader):
    assert reader.get("/api/sites", params={"scenario": "nope"}).status_code == 404


def test_sites_cache_follows_the_file(study):
    from api_support import site_frame, write_results

    with client_for(study, settings()) as test_client:
        first = test_client.get("/api/sites")
        assert len(first.json()["features"]) == 3
        unchanged = test_client.get("/api/sites", headers={"If-None-Match": first.headers["ETag"]})
        assert (unchanged.status_code, unchanged.content) == (304, b"")
        write_results(study, site_frame(5))
        changed = test_client.get("/api/sites", headers={"If-None-Match": first.headers["ETag"]})
        assert changed.status_code == 200
        assert len(changed.json()["features"]) == 5


def test_equalisation_is_the_runs_json(reader):
    response = reader.get("/api/equalisation")
    assert response.status_code == 200
    assert response.json()["partners"]["Westdorp"]["net_eur"] == -1250.5


def test_results_missing_before_a_run(tmp_path):
    root = make_study(tmp_path / "fresh")
    shutil.rmtree(root / "runs")  # a study that was never run
    with client_for(root, settings()) as test_client:
        for path in ("/api/sites", "/api/sites/S1", "/api/equalisation"):
            response = test_client.get(path)
            assert response.status_code == 404, path
            assert "run" in response.json()["detail"]
            assert str(tmp_path) not in response.text
        for path, words in (("/map", "heeft nog geen berekening"), ("/report?lang=en", "no run")):
            response = test_client.get(path)  # a page: said in the page's language
            assert response.status_code == 404, path
            assert response.headers["content-type"].startswith("text/html")
            assert words in response.text and str(tmp_path) not in response.text


def test_results_missing_from_the_current_run(tmp_path):
    root = make_study(tmp_path / "partial")
    publish_run(root, None, lambda folder: write_results(folder, site_frame(1)))  # no report
    with client_for(root, settings()) as test_client:
        assert test_client.get("/api/sites").status_code == 200
        response = test_client.get("/report")
        assert response.status_code == 404
        assert "heeft geen report.html" in response.text


def test_map_and_report_pages(reader):
    page = reader.get("/map")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.text == MAP_BODY
    assert reader.get("/map", params={"scenario": "alt"}).text == "<p>alt map</p>"
    assert "Rapport" in reader.get("/report").text


def test_compare_escapes_the_study_name(tmp_path):
    root = make_study(tmp_path / "xss", name='<script>alert("x")</script>')
    with client_for(root, settings()) as test_client:
        page = test_client.get("/compare").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_openapi_docs(reader):
    assert reader.get("/docs").status_code == 200
    paths = reader.get("/openapi.json").json()["paths"]
    assert {"/api/sites", "/api/layers", "/api/runs", "/api/runs/{run_id}", "/map"} <= set(paths)
