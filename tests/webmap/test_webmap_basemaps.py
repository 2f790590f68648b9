"""Base maps of the web map (XYZ, WMS, WMTS) and the pictures under the dossier's maps.

The study's text (layer, style, attribution, label) stays data: it reaches the page through the
map's data slots, escaped for the script and, where Leaflet shows it as HTML, for HTML. In
headless Chromium the map asks the loopback WMS for its tiles and shows them without an error.
"""

from __future__ import annotations

import base64
import json
import re
import warnings
from dataclasses import replace

import numpy as np
import pytest
import shapely
from basemap_support import basemap_server
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile
from server_support import free_port
from webmap_fixtures import map_data, municipalities

from webmap.basemap_urls import tile_template
from webmap.map_data import Basemap
from webmap.maps import map_html
from webmap.report_model import MapBackground
from webmap.svg import SnapshotView, overview_map, site_snapshot

HOSTILE = 'Ortho","x</script><script>alert(1)</script>{{ 7*7 }}'
ATTRIBUTION = "© Digitaal Vlaanderen <img src=x onerror=alert(1)>"


def script_call(page: str, opening: str, count: int = 2) -> list:
    """The first ``count`` JSON arguments of the first ``opening(...)`` call in the page."""
    decoder, at, found = json.JSONDecoder(), page.index(opening) + len(opening), []
    for _ in range(count):
        at += len(page[at:]) - len(page[at:].lstrip(" \n,"))
        value, at = decoder.raw_decode(page, at)
        found.append(value)
    return found


def test_a_wms_base_map_is_a_wms_layer_whose_settings_stay_data(data):
    wms = Basemap(
        "https://geo.example.be/wms",
        ATTRIBUTION,
        'Luchtfoto "2024"',
        kind="wms",
        layers=HOSTILE,
        format="image/jpeg",
        style="default",
    )
    page = map_html(replace(data, basemap=wms))
    url, options = script_call(page, "L.tileLayer.wms(")
    assert url == "https://geo.example.be/wms"
    assert options["layers"] == HOSTILE and options["styles"] == "default"
    assert options["format"] == "image/jpeg" and options["transparent"] is False
    assert options["version"] == "1.3.0"
    assert options["attribution"] == "© Digitaal Vlaanderen &lt;img src=x onerror=alert(1)&gt;"
    assert "</script><script>alert(1)" not in page and "{{ 7*7 }}" in page
    assert page.count("L.tileLayer.wms(") == 2  # the map and its minimap
    assert "parkplan.tileNotice(" in page


def test_a_wmts_base_map_is_a_kvp_gettile_template_with_its_settings_encoded(data):
    wmts = Basemap(
        "https://geo.api.vlaanderen.be/GRB/wmts",
        "© Digitaal Vlaanderen",
        kind="wmts",
        layers=HOSTILE,
        tile_matrix_set="GoogleMapsVL",
    )
    template = tile_template(wmts)
    assert template.startswith(
        "https://geo.api.vlaanderen.be/GRB/wmts?SERVICE=WMTS&REQUEST=GetTile"
    )
    assert template.endswith("&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}")
    assert "&STYLE=default&FORMAT=image%2Fpng&TILEMATRIXSET=GoogleMapsVL&" in template
    assert re.findall(r"\{\w+\}", template) == ["{z}", "{y}", "{x}"]  # the layer holds none
    page = map_html(replace(data, basemap=wmts))
    (url,) = script_call(page, "L.tileLayer(", 1)
    assert url == template and "L.tileLayer.wms(" not in page


def test_an_endpoint_with_its_own_query_keeps_it():
    wmts = Basemap("https://example.org/cgi?map=grb", "x", kind="wmts", layers="a")
    assert tile_template(wmts).startswith("https://example.org/cgi?map=grb&SERVICE=WMTS&")


def test_the_offline_default_has_no_background(data):
    page = map_html(data)
    assert "L.tileLayer" not in page and "L.Control.MiniMap" not in page


# -- the dossier's maps ------------------------------------------------------------------------


def one_pixel_png() -> bytes:
    """A tiny grey PNG (the pictures' bytes are placed as they are)."""
    with warnings.catch_warnings(), MemoryFile() as memory:
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with memory.open(driver="PNG", width=1, height=1, count=3, dtype="uint8") as out:
            out.write(np.full((3, 1, 1), 200, dtype=np.uint8))
        return memory.read()


def test_a_snapshot_lies_on_its_picture_with_the_attribution_printed():
    towns = municipalities()
    site = shapely.box(59_600, 189_600, 60_400, 190_200)
    view = SnapshotView.around(site, size=300, margin_factor=1.5)
    x0, y0, x1, y1 = view.bounds
    half = (x0, y0, (x0 + x1) / 2, y1)  # a picture of the west half only
    picture = MapBackground(one_pixel_png(), half, "Bron <GRB> & Digitaal Vlaanderen")
    svg = str(site_snapshot(site, towns.crs, towns, title="t", size=300, background=picture))
    image = re.search(r"<image ([^>]*)/>", svg)[1]
    attributes = dict(re.findall(r"(\w+)='([^']*)'", image))
    assert [attributes[k] for k in ("x", "y", "width", "height")] == [
        "0.00",
        "0.00",
        "150.00",
        "300.00",
    ]
    data = attributes["href"].removeprefix("data:image/png;base64,")
    assert base64.b64decode(data) == picture.png
    assert svg.index("<image") < svg.index("fill='#1a9641'")  # under the site
    assert "Bron &lt;GRB&gt; &amp; Digitaal Vlaanderen" in svg and "translate='no'" in svg


def test_a_long_attribution_is_wrapped_inside_the_map():
    towns = municipalities()
    site = shapely.box(59_600, 189_600, 60_400, 190_200)
    view = SnapshotView.around(site, size=300, margin_factor=1.5)
    picture = MapBackground(one_pixel_png(), view.bounds, "Orthofotomozaïek " * 12)
    svg = str(site_snapshot(site, towns.crs, towns, title="t", size=300, background=picture))
    lines = re.findall(r"<text [^>]*translate='no'[^>]*>([^<]*)</text>", svg)
    assert 1 < len(lines) <= 4 and all(len(line) <= 40 for line in lines)


def test_the_overview_map_draws_its_picture_under_the_municipalities():
    data = map_data()
    towns = data.municipalities
    picture = MapBackground(one_pixel_png(), (55_000, 185_000, 70_000, 195_000), "x")
    svg = str(overview_map(towns, [], data.sites, title="t", background=picture))
    assert svg.index("<image") < svg.index("fill='#e5f2d9'")
    assert "fill-opacity='0.4'" in svg
    assert "<image" not in str(overview_map(towns, [], data.sites, title="t"))


# -- in Chromium, from the loopback server ---------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with basemap_server(tmp_path_factory.mktemp("basemap")) as served:
        yield served


def open_map(browser, page_html: str, folder, server):
    """The page in a context that trusts the loopback server's certificate and reaches
    nothing else; with its console errors and the server's answers."""
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 900, "height": 700})
    page = context.new_page()

    def route(request_route):
        url = request_route.request.url
        allowed = url.startswith(("file:", "data:", "blob:", "about:", server.base))
        request_route.continue_() if allowed else request_route.abort()

    page.route("**/*", route)
    errors: list[str] = []
    answers: list[tuple[str, int, str]] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: answers.append((r.url, r.status, r.headers.get("content-type", ""))),
    )
    path = folder / "map.html"
    path.write_text(page_html, encoding="utf-8")
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_selector(".leaflet-container")
    return context, page, errors, answers


@pytest.mark.browser
def test_the_map_loads_the_wms_tiles_from_the_server(browser, assets, server, tmp_path):
    wms = Basemap(server.wms, "© test", "Kleuren", kind="wms", layers="colours")
    page_html = map_html(replace(map_data(), basemap=wms), assets=assets)
    context, page, errors, answers = open_map(browser, page_html, tmp_path, server)
    try:
        page.wait_for_load_state("networkidle")
        tiles = [a for a in answers if "/wms?" in a[0] and "request=GetMap" in a[0]]
        assert tiles and all(status == 200 for _, status, _ in tiles)
        assert all(kind == "image/png" for _, _, kind in tiles)
        assert any("crs=EPSG%3A3857" in url for url, _, _ in tiles)
        shown = page.locator(".leaflet-tile-loaded").count()
        assert shown >= len(tiles) // 2 > 0
        assert page.locator(".pp-notice").count() == 0
        assert errors == []
    finally:
        context.close()


@pytest.mark.browser
def test_the_map_says_so_when_the_wms_cannot_be_reached(browser, assets, server, tmp_path):
    away = Basemap(f"https://127.0.0.1:{free_port()}/wms", "© test", kind="wms", layers="colours")
    page_html = map_html(replace(map_data(), basemap=away), assets=assets)
    context, page, _, _ = open_map(browser, page_html, tmp_path, server)
    try:
        page.locator(".pp-notice").wait_for(timeout=10_000)
        assert "achtergrondkaart" in page.locator(".pp-notice").inner_text().lower()
    finally:
        context.close()
