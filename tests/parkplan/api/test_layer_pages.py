"""The layers page and its routes: upload with a report in plain words, the preview in EPSG:4326,
removal refused for a layer the study uses (naming its users), replacement, escaping."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from api_support import OPERATOR, VIEWER, auth, client_for, settings
from shapely.geometry import Point, Polygon, box
from study_support import X0, Y0, make_small_study

from parkplan.api.layer_preview import MAX_FEATURES
from parkplan.api.layer_words import WORDS, say
from parkplan.check import _layer_uses
from parkplan.layer_uses import LayerUse, layer_uses
from parkplan.study import load_study
from parkplan.workspace import Workspace

HOSTILE = (
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "\"'><svg onload=alert(1)>",
)


@pytest.fixture
def study(tmp_path: Path) -> Path:
    return make_small_study(tmp_path / "study")


@pytest.fixture
def client(study: Path):
    with client_for(study, settings()) as test_client:
        yield test_client


def geojson(frame: gpd.GeoDataFrame) -> bytes:
    return frame.to_crs("EPSG:4326").to_json().encode()


def lambert(geometries, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=list(geometries), crs="EPSG:31370")


def upload(client, content: bytes, name: str, *, filename="upload.geojson", **form):
    files = {"file": (filename, content, "application/octet-stream")}
    data = {"name": name, **{k: str(v).lower() for k, v in form.items()}}
    return client.post("/api/layers", files=files, data=data, headers=auth(OPERATOR))


def config_of(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="layers-config">(.*?)</script>', page)
    assert found, "the page has no configuration for its script"
    return json.loads(found.group(1))


# --- upload and the report in words ------------------------------------------------------------


def messy_points() -> gpd.GeoDataFrame:
    """Three wells near the partners: two share an id, one has no geometry."""
    return lambert(
        [Point(X0 + 500, Y0 + 500), Point(X0 + 900, Y0 + 700), None], well_id=["w1", "w1", "w3"]
    )


def test_an_upload_is_listed_with_its_report_in_plain_words(client):
    response = upload(client, geojson(messy_points()), "wells")
    assert response.status_code == 201, response.text
    page = client.get("/layers", params={"loaded": "wells"}).text
    assert "Laag wells geladen." in page
    assert "2 punten, van EPSG:4326 omgezet naar EPSG:31370." in page
    assert "1 object zonder geometrie weggelaten." in page
    assert "Kolom ‘well_id’: 1 dubbele waarde (geladen, niet geweigerd)." in page
    assert 'id="layer-wells"' in page and "niet gebruikt in het model" in page
    english = client.get("/layers", params={"loaded": "wells", "lang": "en"}).text
    assert "Layer wells loaded." in english
    assert "Column ‘well_id’: 1 duplicate value (loaded, not refused)." in english


def test_repairs_mixed_parts_and_a_layer_far_outside_are_said_in_words(client, study, tmp_path):
    from study_support import municipalities

    region = tmp_path / "region.gpkg"
    municipalities(context=False).to_file(region, engine="pyogrio")
    Workspace.open(study).add_layer(region, "region", kind="vector")
    far = X0 + 40_000  # 40 km east of the region: loaded, with a warning
    bowtie = Polygon([(far, Y0), (far + 100, Y0 + 100), (far + 100, Y0), (far, Y0 + 100)])
    pair = shapely.MultiPolygon([box(far + 200, Y0, far + 250, Y0 + 50)])
    response = upload(client, geojson(lambert([bowtie, pair])), "far_away")
    assert response.status_code == 201, response.text
    page = client.get("/layers", params={"loaded": "far_away"}).text
    assert "1 ongeldige geometrie hersteld." in page
    assert "Enkelvoudige en meervoudige vormen stonden door elkaar" in page
    assert re.search(r"het dichtstbijzijnde object ligt op 3\d,\d km", page)
    assert '<p class="notes">' not in page and "<summary>Technische" not in page
    english = client.get("/layers", params={"loaded": "far_away", "lang": "en"}).text
    assert re.search(r"its nearest feature is 3\d\.\d km away", english)


@pytest.mark.parametrize(
    ("filename", "content", "problem"),
    [
        ("notes.txt", b"hello", "suffix"),
        ("broken.geojson", b'{"type": "FeatureCollection", "features": [', "unreadable"),
        (
            "mixed.geojson",
            None,  # points and polygons in one file
            "geometry",
        ),
    ],
)
def test_a_bad_upload_gets_a_problem_the_page_has_a_sentence_for(
    client, filename, content, problem
):
    if content is None:
        content = geojson(lambert([Point(X0, Y0), box(X0, Y0, X0 + 10, Y0 + 10)]))
    response = upload(client, content, "bad", filename=filename)
    assert response.status_code in (400, 422), response.text
    body = response.json()
    assert body["problem"] == problem
    sentences = config_of(client.get("/layers").text)["texts"]
    assert sentences[f"problem_{problem}"] == WORDS[f"problem_{problem}"][0]
    assert "Traceback" not in sentences[f"problem_{problem}"]
    assert [layer["name"] for layer in client.get("/api/layers").json()].count("bad") == 0


def test_every_problem_the_api_names_has_a_sentence_in_both_languages():
    from typing import get_args

    from parkplan.api.layer_problems import Problem

    for problem in get_args(Problem):
        for lang in ("nl", "en"):
            assert say(f"problem_{problem}", lang, uses="x").strip()


def test_coordinates_far_from_their_declared_crs_are_a_crs_problem(client):
    lambert_numbers = b'{"type": "FeatureCollection", "features": [{"type": "Feature", '
    lambert_numbers += b'"properties": {}, "geometry": {"type": "Point", "coordinates": '
    lambert_numbers += b"[70500, 180500]}}]}"
    body = upload(client, lambert_numbers, "lambert_as_degrees").json()
    assert body["problem"] == "crs", body


# --- replace --------------------------------------------------------------------------------------


def test_replace_swaps_the_layer_and_an_existing_name_without_it_is_refused(client, study):
    more = lambert([Point(X0 + 100 * i, Y0 + 300) for i in range(7)], name=list("abcdefg"))
    refused = upload(client, geojson(more), "stations")
    assert refused.status_code == 400 and refused.json()["problem"] == "name_taken"
    assert "--replace" not in refused.json()["detail"]
    replaced = upload(client, geojson(more), "stations", replace=True)
    assert replaced.status_code == 201, replaced.text
    assert Workspace.open(study).layer("stations").feature_count == 7
    preview = client.get("/api/layers/stations/preview").json()
    assert preview["total"] == 7  # the preview follows the new layer


# --- remove ---------------------------------------------------------------------------------------


def test_removing_a_used_layer_is_refused_with_what_uses_it(client, study):
    response = client.delete("/api/layers/stations", headers=auth(OPERATOR))
    assert response.status_code == 409
    body = response.json()
    assert body["problem"] == "in_use"
    assert "criterion 'station'" in body["detail"]
    municipalities = client.delete("/api/layers/municipalities", headers=auth(OPERATOR)).json()
    assert "the municipalities" in municipalities["detail"]
    assert "stations" in [info.name for info in Workspace.open(study).list_layers()]
    page = client.get("/layers").text
    assert "criterium ‘station’" in page and "uitsluiting ‘housing_buffer’" in page


def test_an_unused_layer_is_removed_and_unknown_names_are_404(client, study):
    assert upload(client, geojson(messy_points()), "wells").status_code == 201
    assert client.delete("/api/layers/wells", headers=auth(VIEWER)).status_code in (401, 403)
    removed = client.delete("/api/layers/wells", headers=auth(OPERATOR))
    assert removed.status_code == 200 and removed.json() == {"removed": "wells"}
    assert "wells" not in [info.name for info in Workspace.open(study).list_layers()]
    for name in ("wells", "../study", "Stations"):
        gone = client.delete(f"/api/layers/{name}", headers=auth(OPERATOR))
        assert gone.status_code == 404, name


def test_the_uses_cover_every_setting_that_check_knows_names_a_layer(study):
    model = load_study(study)
    for use in _layer_uses(model):
        assert layer_uses(model, use.layer), use.path
    assert layer_uses(model, "nature") == (LayerUse("exclusion", "nature"),)
    assert layer_uses(model, "region") == (LayerUse("region"),)


# --- preview -----------------------------------------------------------------------------------


def test_the_preview_is_the_layer_in_wgs84(client, study):
    for name in ("stations", "nature", "road", "municipalities"):
        preview = client.get(f"/api/layers/{name}/preview")
        assert preview.status_code == 200
        assert preview.headers["content-type"].startswith("application/geo+json")
        collection = preview.json()
        layer = Workspace.open(study).read_vector(name)
        assert collection["total"] == collection["shown"] == len(layer)
        shown = gpd.GeoDataFrame.from_features(collection["features"], crs="EPSG:4326")
        lon, lat = shown.geometry.get_coordinates().mean()
        assert 2.5 < lon < 6.5 and 49.4 < lat < 51.6  # degrees in Belgium, not metres
        back = shown.to_crs("EPSG:31370").geometry.to_numpy()
        tolerance = collection["tolerance_m"] + 0.2  # the simplification and 1e-6 degrees
        distances = shapely.hausdorff_distance(back, layer.geometry.to_numpy())
        assert np.all(distances <= tolerance), (name, distances)
        assert shown["name"].tolist() == layer["name"].tolist()


def test_a_large_layer_is_thinned_and_a_raster_is_its_outline(client, study, tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    many = lambert([Point(X0 + i % 100 * 20, Y0 + i // 100 * 20) for i in range(5000)])
    assert upload(client, geojson(many), "many").status_code == 201
    thinned = client.get("/api/layers/many/preview").json()
    assert thinned["total"] == 5000 and thinned["shown"] <= MAX_FEATURES
    path = tmp_path / "dem.tif"
    profile = {"driver": "GTiff", "width": 40, "height": 20, "count": 1, "dtype": "float32"}
    transform = from_origin(X0, Y0 + 2000, 50, 50)
    with rasterio.open(path, "w", **profile, crs="EPSG:31370", transform=transform) as dst:
        dst.write(np.ones((1, 20, 40), dtype="float32"))
    assert upload(client, path.read_bytes(), "dem", filename="dem.tif").status_code == 201
    outline = client.get("/api/layers/dem/preview").json()
    assert outline["kind"] == "raster" and outline["shown"] == 1
    ring = gpd.GeoDataFrame.from_features(outline["features"], crs="EPSG:4326").to_crs(31370)
    assert ring.total_bounds == pytest.approx((X0, Y0 + 1000, X0 + 2000, Y0 + 2000), abs=1.0)
    page = client.get("/layers").text
    assert "40 × 20 cellen" in page


# --- the page ----------------------------------------------------------------------------------


def test_the_page_in_dutch_and_english(client):
    dutch = client.get("/layers").text
    expected = ("Lagen", "Gebruikt door", "Controleverslag", "Sleep een bestand hierheen")
    expected += ("Kies een bestand…", "Voorbeeld op de kaart", "vlakken", "lijnen", "punten")
    for text in expected:
        assert text in dutch, text
    english = client.get("/layers?lang=en").text
    for text in ("Layers", "Used by", "Validation report", "Drag a file here", "polygons"):
        assert text in english, text
    assert config_of(english)["texts"]["load"] == "Load"
    assert '<script src="/assets/' in dutch  # Leaflet from the app's own copy


def test_a_viewer_and_a_read_only_server_get_no_change_buttons(study):
    with client_for(study, settings(viewer_tokens=[VIEWER])) as client:
        as_viewer = client.get("/layers", headers=auth(VIEWER)).text
        as_operator = client.get("/layers", headers=auth(OPERATOR)).text
    assert 'id="upload-form"' not in as_viewer and 'data-action="remove"' not in as_viewer
    assert 'id="upload-form"' in as_operator and 'data-action="replace"' in as_operator
    with client_for(study, settings(read_only=True)) as client:
        read_only = client.get("/layers").text
    assert 'id="upload-form"' not in read_only and "alleen-lezen" in read_only


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_hostile_text_from_data_is_escaped(client, study, tmp_path):
    frame = lambert(
        [Point(X0 + 100 * i, Y0 + 100) for i in range(4)],
        **{"nis_id": ["a", "a", "b", "c"], "label": [*HOSTILE, "ok"]},
    )
    hostile_file = tmp_path / f"{HOSTILE[2]}.geojson"
    hostile_file.write_bytes(geojson(frame))
    Workspace.open(study).add_layer(hostile_file, "hostile")
    page = client.get("/layers", params={"loaded": "hostile"}).text
    parsed = Elements()
    parsed.feed(page)
    for tag, attributes in parsed.tags:
        assert not any(name.startswith("on") for name in attributes), (tag, attributes)
        assert tag != "svg" and tag != "img"
    scripts = [a.get("src") for t, a in parsed.tags if t == "script"]
    assert all(src is None or src.startswith(("/assets/", "/app-static/")) for src in scripts)
    assert "&#34;&#39;&gt;&lt;svg onload=alert(1)&gt;.geojson" in page  # the file, as text
    preview = client.get("/api/layers/hostile/preview")
    assert preview.headers["content-security-policy"].startswith("default-src 'none'")
    assert sorted(f["properties"]["label"] for f in preview.json()["features"]) == sorted(
        [*HOSTILE, "ok"]
    )  # data stays data; the page's script sets it as text only
