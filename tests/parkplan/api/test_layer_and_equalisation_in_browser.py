"""The layers and equalisation pages in Debian's Chromium, with every request outside the server
aborted, at desktop and phone width: a layer uploaded by drag and drop (and by the file picker
and the keyboard) is listed with its report, shown on the map and removed; moving the discount
rate with the keyboard recomputes the ledger; no console error and no page error."""

from __future__ import annotations

from functools import partial

import geopandas as gpd
import pytest
from server_support import offline_page, served
from shapely.geometry import Point
from study_support import X0, Y0, make_small_study

from parkplan.run import run_study

TOKEN = "operator-token-0123456789-browser"
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = make_small_study(tmp_path_factory.mktemp("browser") / "study")
    run_study(root, lang="nl")
    with served(root, env={"PARKPLAN_OPERATOR_TOKENS": TOKEN}) as base:
        yield base


def wells_geojson() -> str:
    frame = gpd.GeoDataFrame(
        {"label": ["<b>put</b>", "put 2"]},
        geometry=[Point(X0 + 800, Y0 + 900), Point(X0 + 2_500, Y0 + 1_500)],
        crs="EPSG:31370",
    )
    return frame.to_crs("EPSG:4326").to_json()


#: A page of a given size as an operator, offline but for the app (see ``offline_page``).
open_offline = partial(offline_page, token=TOKEN)


DROP = """([fileName, text]) => {
  const transfer = new DataTransfer();
  transfer.items.add(new File([text], fileName, { type: "application/geo+json" }));
  const zone = document.getElementById("drop-zone");
  for (const type of ["dragenter", "dragover", "drop"]) {
    const options = { dataTransfer: transfer, bubbles: true, cancelable: true };
    zone.dispatchEvent(new DragEvent(type, options));
  }
}"""


@pytest.mark.browser
@pytest.mark.timeout(300)
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_layer_is_uploaded_listed_shown_and_removed(browser, server, assets, viewport, tmp_path):
    name = f"wells_{viewport}"
    context, page, problems = open_offline(browser, server, VIEWPORTS[viewport])
    try:
        page.goto(f"{server}/layers", wait_until="networkidle")
        page.wait_for_selector("#preview-map .leaflet-interactive", timeout=20_000)
        if viewport == "desktop":
            page.evaluate(DROP, [f"{name}.geojson", wells_geojson()])
        else:  # the file picker, then the keyboard
            source = tmp_path / f"{name}.geojson"
            source.write_text(wells_geojson(), encoding="utf-8")
            page.set_input_files("#upload-file", str(source))
        assert page.input_value("#upload-name") == name  # named after the file
        assert f"{name}.geojson" in page.inner_text("#file-chosen")
        if viewport == "desktop":
            page.click("#upload-submit")
        else:
            page.focus("#upload-name")
            page.keyboard.press("Enter")
        page.wait_for_url(f"**/layers?loaded={name}#loaded-report", timeout=30_000)
        report = page.inner_text("#loaded-report")
        assert f"Laag {name} geladen." in report and "2 punten" in report
        row = page.locator(f"#layer-{name}")
        assert "niet gebruikt in het model" in row.inner_text()
        page.wait_for_function(
            "name => document.getElementById('preview-caption').textContent.startsWith(name)",
            arg=name,
        )
        assert page.locator("#preview-map path.leaflet-interactive").count() >= 2
        row.locator("button[data-action=remove]").click()
        row.locator("button.danger").click()
        page.wait_for_selector(f"#layer-{name}", state="detached")
        assert f"Laag {name} verwijderd." in page.inner_text("#list-status")
        page.screenshot(path=str(tmp_path / f"layers-{viewport}.png"), full_page=True)
        assert problems == []
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.timeout(300)
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_moving_the_discount_rate_recomputes_the_ledger(
    browser, server, assets, viewport, lang, tmp_path
):
    context, page, problems = open_offline(browser, server, VIEWPORTS[viewport])
    try:
        page.goto(f"{server}/equalisation?lang={lang}", wait_until="networkidle")
        facts, ledger = "#results .facts", "#results .key.chosen table.money"
        before = page.inner_text(facts), page.inner_text(ledger)
        page.focus("#discount_rate_per_year")
        for _ in range(8):  # 3 % + 8 × 0.25 %
            page.keyboard.press("ArrowRight")
        assert page.inner_text("#discount_rate_per_year-out") == "5\u00a0%"
        page.wait_for_function(
            "([selector, old]) => document.querySelector(selector).innerText !== old",
            arg=[ledger, before[1]],
            timeout=20_000,
        )
        assert page.inner_text(facts) != before[0]
        assert "discount_rate_per_year=0.05" in page.url
        changed = page.inner_text("#results .settings li.changed")
        assert ("gewijzigd" if lang == "nl" else "changed") in changed
        page.select_option("#key", "equal")
        page.wait_for_function(
            "() => document.querySelector('#results .key.chosen').dataset.key === 'equal'",
            timeout=20_000,
        )
        assert page.locator("#core-check tbody tr").count() >= 3
        page.screenshot(path=str(tmp_path / f"equalisation-{viewport}.png"), full_page=True)
        assert problems == []
    finally:
        context.close()
