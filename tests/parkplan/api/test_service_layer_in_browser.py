"""The layers page's form "Laag uit een webdienst" in Debian's Chromium, with every request of
the page outside the server aborted: an operator fetches a layer from MapServer's WFS on
loopback (allowed by ``PARKPLAN_SERVICE_HOSTS``) and sees it listed with its service; a host
not allowed is refused with the sentence in the page's language; no console or page error."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_support import served
from service_support import mapserver_server
from study_support import make_small_study
from test_layer_and_equalisation_in_browser import TOKEN, VIEWPORTS, open_offline

SCREENSHOTS = Path("/tmp/pages2")
REFUSED = {
    "nl": "Van dit adres mag de server niets ophalen",
    "en": "The server may not fetch anything from this address",
}


@pytest.fixture(scope="module")
def wfs_server(tmp_path_factory) -> str:
    with mapserver_server(tmp_path_factory.mktemp("mapserver")) as base:
        yield base


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = make_small_study(tmp_path_factory.mktemp("service-browser") / "study")
    env = {"PARKPLAN_OPERATOR_TOKENS": TOKEN, "PARKPLAN_SERVICE_HOSTS": "127.0.0.1"}
    with served(root, env=env) as base:
        yield base


@pytest.mark.browser
@pytest.mark.timeout(300)
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_layer_is_fetched_from_a_wfs_and_listed_with_its_service(
    browser, server, wfs_server, assets, viewport
):
    name = f"grid_{viewport}"
    url = f"{wfs_server}/wfs"
    context, page, problems = open_offline(browser, server, VIEWPORTS[viewport])
    try:
        page.goto(f"{server}/layers", wait_until="networkidle")
        assert page.inner_text("#service-title") == "Laag uit een webdienst"
        assert "PARKPLAN_SERVICE_HOSTS" in page.inner_text("#service-hint")
        page.select_option("#service-kind", "wfs")
        page.fill("#service-url", url)
        page.fill("#service-layer", "grid_points")
        page.keyboard.press("Tab")  # leaving the layer names the layer after it
        assert page.input_value("#service-name") == "grid_points"
        page.fill("#service-name", name)
        page.click("#service-form details.options summary")
        page.fill("#service-page-size", "50")
        if viewport == "desktop":
            page.click("#service-submit")
        else:  # the keyboard
            page.focus("#service-name")
            page.keyboard.press("Enter")
        page.wait_for_url(f"**/layers?loaded={name}#loaded-report", timeout=60_000)
        assert f"Laag {name} geladen." in page.inner_text("#loaded-report")
        source = page.inner_text(f"#layer-{name} td.source")
        assert f"{url} · WFS 2.0" in source  # listed with its service
        assert problems == []
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.timeout(300)
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_host_not_allowed_is_refused_in_the_page_language(browser, server, assets, lang):
    context, page, problems = open_offline(browser, server, VIEWPORTS["phone"])
    try:
        page.goto(f"{server}/layers?lang={lang}", wait_until="networkidle")
        page.fill("#service-url", "https://10.20.30.40/wfs")
        page.fill("#service-layer", "grid_points")
        page.locator("#service-layer").dispatch_event("change")
        assert page.input_value("#service-name") == "grid_points"  # named after the layer
        page.click("#service-submit")
        page.wait_for_selector("#service-status .error", timeout=20_000)
        status = page.inner_text("#service-status")
        assert REFUSED[lang] in status
        assert "grid_points" not in page.inner_text("#list-title ~ *")
        if lang == "nl":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.locator("#service-title").scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENSHOTS / "layers-service-nl-390.png"), full_page=True)
        # the refusal from the server is a 422: Chromium logs the failed resource as an error
        assert [p for p in problems if "422" not in p] == []
    finally:
        context.close()
