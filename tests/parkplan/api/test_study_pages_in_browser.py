"""The home, runs and compare pages in Debian's Chromium, with every request outside the server
aborted, in Dutch and English at desktop and phone width: no console error, no page error, no
page wider than the screen; the comparison's three maps are drawn; a run started from the runs
page shows its stages one by one and lands in the list of kept runs."""

from __future__ import annotations

from functools import partial

import pytest
from server_support import offline_page, served
from study_support import CRS, make_small_study, model

from parkplan.run import run_study
from parkplan.study import parse_study, save_study

TOKEN = "operator-token-0123456789-pages"
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
#: path -> a CSS selector that matches once the page has drawn what it is for.
PAGES = {
    "/": "table.partners",
    "/runs": "#run-stages li",
    "/compare": "iframe.compare-maps",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = make_small_study(tmp_path_factory.mktemp("pages-browser") / "study", draws=20)
    scenarios = [{"name": "stations", "weights": {"station": 0.9, "road": 0.1}}]
    data = {"name": "Kleine studie", "crs": CRS, **model(draws=20), "scenarios": scenarios}
    save_study(parse_study(data, source="study.toml"), root)
    run_study(root)
    run_study(root, scenario="stations")
    with served(root, env={"PARKPLAN_OPERATOR_TOKENS": TOKEN}) as base:
        yield base


#: A page of a given size as an operator, offline but for the app (see ``offline_page``).
open_offline = partial(offline_page, token=TOKEN)


@pytest.mark.browser
@pytest.mark.timeout(300)
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("path", list(PAGES))
def test_page_works_offline_and_fits_the_screen(browser, server, assets, path, lang, viewport):
    context, page, problems = open_offline(browser, server, VIEWPORTS[viewport])
    try:
        response = page.goto(f"{server}{path}?lang={lang}", wait_until="networkidle")
        assert response.status == 200
        page.wait_for_selector(PAGES[path], state="attached", timeout=20_000)
        if path == "/compare":
            maps = page.frames[1]
            maps.wait_for_selector(".leaflet-control-layers >> nth=2", timeout=30_000)
            assert maps.evaluate("document.querySelectorAll('.pp-legend').length") == 3
        page.wait_for_timeout(300)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"the page is {width[0]} px wide on a {width[1]} px screen"
        assert page.evaluate("document.documentElement.lang") == lang
        assert problems == []
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_a_run_started_on_the_page_shows_its_stages_and_is_listed(browser, server, assets):
    context, page, problems = open_offline(browser, server, VIEWPORTS["desktop"])
    try:
        page.goto(f"{server}/runs?lang=en", wait_until="networkidle")
        before = page.locator("table.runs tbody tr").count()
        page.select_option("#run-scenario", "stations")
        page.click("#run-start")
        page.wait_for_selector("#run-progress-section:not([hidden])", timeout=10_000)
        # (selectors, not wait_for_function: the page's CSP forbids evaluating strings)
        page.wait_for_selector("#run-stages li.done:nth-child(9)", timeout=120_000)
        assert page.locator("#run-stages li.done").count() == 9
        assert "Done" in page.text_content("#run-message")
        page.wait_for_selector(f"table.runs tbody tr:nth-child({before + 1})", timeout=30_000)
        # the page reloaded with the new run at the top of the kept runs
        assert "current: Scenario ‘stations’" in page.text_content("table.runs tbody tr")
        assert problems == []
    finally:
        context.close()
