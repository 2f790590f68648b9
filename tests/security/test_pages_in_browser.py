"""Every HTML page of the web app works in Chromium under the app's own Content-Security-Policy
with the network cut (only the server answers): no console error and no page error, and each
page shows what it is for (the map's layer control, Swagger UI, the dossier), in Dutch
and in English, at desktop and phone width.

Before, Chromium blocked leaflet-measure's ``eval`` on ``/map`` and ``/compare`` and the rest of
the map script stopped; without internet ``/map``, ``/compare``, ``/docs`` and ``/redoc`` were
blank (Leaflet and Swagger came from a CDN). ``/redoc`` is gone: ReDoc loads its logo from its
vendor's server.
"""

from __future__ import annotations

import pytest
from server_support import offline_page, served
from study_support import make_small_study

from parkplan.run import run_study

VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
#: path -> a CSS selector that only matches once the page has drawn what it is for.
PAGES = {
    "/map": ".leaflet-control-layers .leaflet-control-layers-overlays label",
    "/map?lang=en": ".leaflet-control-layers",
    "/compare": "iframe",
    "/report": "#provenance",
    "/docs": ".swagger-ui .opblock",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = make_small_study(tmp_path_factory.mktemp("pages") / "study")
    run_study(root, lang="nl")
    with served(root, "--read-only") as base:
        yield base


@pytest.mark.browser
@pytest.mark.timeout(300)
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("path", list(PAGES))
def test_page_works_offline_under_the_csp(browser, server, assets, path, viewport):
    context, page, problems = offline_page(browser, server, VIEWPORTS[viewport])
    try:
        response = page.goto(server + path, wait_until="networkidle")
        assert response.status == 200
        assert "default-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector(PAGES[path], state="attached", timeout=20_000)
        page.wait_for_timeout(300)
        assert problems == []
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_compared_maps_draw_their_layer_controls(browser, server, assets):
    context, page, problems = offline_page(browser, server, VIEWPORTS["desktop"])
    try:
        page.goto(server + "/compare", wait_until="networkidle")
        assert len(page.frames) == 2  # one frame: the two runs and their difference, in step
        maps = page.frames[1]
        maps.wait_for_selector(".leaflet-control-layers >> nth=2", state="attached", timeout=20_000)
        assert maps.locator(".leaflet-control-layers").count() == 3 and problems == []
    finally:
        context.close()


def test_assets_are_served_without_leaving_their_folder(server):
    import httpx

    for path in ("/assets/manifest.json", "/assets/../pyproject.toml", "/assets/%2e%2e/x"):
        assert httpx.get(server + path).status_code == 404, path
