"""A planner's whole job in the web app, in one sitting, in Debian's Chromium with every request
outside the server aborted, signed in with an account (a session cookie, no token): upload a
layer; add a criterion on it and an exclusion; edit a transform curve and save the base model;
move a weight, see the ranking change and save that as a scenario found in ``study.toml``; run
the scenario and watch its stages; compare it with the earlier run; move the discount rate; download
the new run's zip and open its files; sign out. Every page is looked at 1280×800 and 390×844,
with no console error, page error or dialog, and no page wider than the screen."""

from __future__ import annotations

import json
import tomllib
import zipfile

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import rasterio
from model_support import PASSWORD, make_model_study
from server_support import offline_page, served
from shapely.geometry import box
from study_support import CRS, X0, Y0

from parkplan.accounts import open_accounts
from parkplan.run import run_study
from parkplan.study import STUDY_FILE

DESKTOP, PHONE = (1280, 800), (390, 844)
LAYER = "wetlands"


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = make_model_study(tmp_path_factory.mktemp("journey") / "study")
    run_study(root)
    open_accounts(root).add("otto", "operator", PASSWORD)
    with served(root) as base:
        yield base, root


@pytest.fixture
def page(browser, study):
    """A desktop page that may only reach the server, and the problems it records."""
    base, _ = study
    context, page, problems = offline_page(browser, base, DESKTOP)
    page.problems = problems
    yield page
    context.close()


def wetlands_geojson() -> str:
    """Two wet meadows inside the study area, in WGS84 as a browser upload would be."""
    shapes = [box(X0 + 1_200, Y0 + 600, X0 + 1_700, Y0 + 1_000), box(X0 + 4_000, Y0 + 2_500,
              X0 + 4_400, Y0 + 2_900)]  # fmt: skip
    frame = gpd.GeoDataFrame({"naam": ["Broek", "Meers"]}, geometry=shapes, crs=CRS)
    return frame.to_crs("EPSG:4326").to_json()


def looked_at_both_sizes(page) -> None:
    """The page as it is now fits a desktop and a phone screen, with nothing gone wrong."""
    for size in (PHONE, DESKTOP):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        page.wait_for_timeout(250)
        wide, screen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert wide <= screen, f"{page.url} is {wide} px wide on a {screen} px screen"
    assert page.problems == [], page.url


def ranking(page) -> list[str]:
    return page.eval_on_selector_all("#ranking tbody tr", "rows => rows.map(r => r.dataset.site)")


def settled(page) -> None:
    """Wait until the model builder's preview has answered the last change."""
    page.wait_for_function("() => !document.querySelector('.pending')", timeout=60_000)


def saved(page) -> str:
    """Send the save form; the message it answers with (an error fails the test)."""
    page.click("#save-button")
    page.wait_for_function(
        "() => document.querySelector('#save-message').className !== ''", timeout=20_000
    )
    assert page.locator("#save-message.ok").count() == 1, page.inner_text("#save-message")
    return page.inner_text("#save-message")


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_a_planner_does_the_whole_job_in_the_browser(page, study, assets, tmp_path):
    base, root = study

    # sign in: the sign-in page, then the study's home page
    page.goto(f"{base}/")
    page.wait_for_url("**/login*")
    looked_at_both_sizes(page)
    page.fill('input[name="name"]', "otto")
    page.fill('input[name="password"]', PASSWORD)
    page.click('form button[type="submit"]')
    page.wait_for_selector("table.partners")
    assert "otto" in page.inner_text("header")
    looked_at_both_sizes(page)

    # upload a layer with the file picker; its report in plain words
    page.goto(f"{base}/layers", wait_until="networkidle")
    source = tmp_path / f"{LAYER}.geojson"
    source.write_text(wetlands_geojson(), encoding="utf-8")
    page.set_input_files("#upload-file", str(source))
    assert page.input_value("#upload-name") == LAYER
    page.click("#upload-submit")
    page.wait_for_url(f"**/layers?loaded={LAYER}#loaded-report", timeout=30_000)
    assert f"Laag {LAYER} geladen." in page.inner_text("#loaded-report")
    looked_at_both_sizes(page)

    # the model builder: a criterion on the new layer and an exclusion of it
    page.goto(f"{base}/model", wait_until="networkidle")
    page.wait_for_selector("#ranking tbody tr", timeout=60_000)
    settled(page)
    page.click("#add-criterion")
    card = page.locator("details[data-criterion='criterion_6']")
    card.locator("select[name='layer']").select_option(LAYER)
    card = page.locator("details[data-criterion='criterion_6']")
    card.locator("input[name='name']").fill("wet_distance")
    card.locator("input[name='name']").press("Tab")
    page.wait_for_selector("details[data-criterion='wet_distance']")
    page.click("#add-exclusion")
    exclusion = page.locator("details[data-exclusion='exclusion_5']")
    exclusion.locator("select[name='layer']").select_option(LAYER)
    settled(page)

    # a transform curve edited with the keyboard: the curve is redrawn
    road = page.locator("details[data-criterion='road']")
    road.locator("summary").click()
    curve = road.locator("polyline.curve-line")
    page.wait_for_function("node => node.getAttribute('points') !== ''", arg=curve.element_handle())
    drawn = curve.get_attribute("points")
    field = road.locator(".point input").nth(1)
    before = float(field.input_value())
    road.locator('circle.knob[aria-label^="d"]').focus()
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    assert float(field.input_value()) < before
    page.wait_for_function(
        "args => args[0].getAttribute('points') !== args[1]",
        arg=[curve.element_handle(), drawn],
        timeout=20_000,
    )
    settled(page)
    looked_at_both_sizes(page)
    text_before = (root / STUDY_FILE).read_text(encoding="utf-8")
    saved(page)  # as the base model (the form's default)
    text_after = (root / STUDY_FILE).read_text(encoding="utf-8")
    written = tomllib.loads(text_after)
    criteria = {c["name"]: c for c in written["criteria"]}
    assert criteria["wet_distance"]["layer"] == LAYER
    assert criteria["road"]["transform"]["d"] == float(field.input_value()) < before
    assert {e["layer"] for e in written["exclusions"]} >= {LAYER}
    for comment in ("# criteria: stations first", "# how the criteria are weighed"):
        assert comment in text_before and comment in text_after

    # a weight moved: the ranking follows; saved as a scenario, found in study.toml
    page.wait_for_selector("#ranking tbody tr", timeout=60_000)
    settled(page)
    first = ranking(page)
    slider = page.locator('input[data-weight="station"]')
    slider.focus()
    page.keyboard.press("Home")
    page.wait_for_function(
        "before => JSON.stringify([...document.querySelectorAll('#ranking tbody tr')]"
        ".map(r => r.dataset.site)) !== before && !document.querySelector('.pending')",
        arg=json.dumps(first, separators=(",", ":")),
        timeout=30_000,
    )
    assert ranking(page) != first
    page.check('#save-form input[value="scenario"]')
    page.fill("#save-name", "zonder_station")
    page.fill("#save-description", "het station telt niet mee")
    saved(page)
    scenarios = tomllib.loads((root / STUDY_FILE).read_text(encoding="utf-8"))["scenarios"]
    scenario = {s["name"]: s for s in scenarios}["zonder_station"]
    assert scenario["weights"]["station"] == 0.0
    looked_at_both_sizes(page)

    # run the scenario and watch its stages (selectors: the page's CSP forbids string code)
    page.goto(f"{base}/runs", wait_until="networkidle")
    kept = page.locator("table.runs tbody tr").count()
    page.select_option("#run-scenario", "zonder_station")
    page.click("#run-start")
    page.wait_for_selector("#run-progress-section:not([hidden])", timeout=10_000)
    page.wait_for_selector("#run-stages li.done:nth-child(2)", timeout=120_000)
    page.wait_for_selector("#run-stages li.done:nth-child(9)", timeout=300_000)
    page.wait_for_selector(f"table.runs tbody tr:nth-child({kept + 1})", timeout=30_000)
    newest = page.locator("table.runs tbody tr").first
    assert "zonder_station" in newest.inner_text()
    run_id = newest.locator("code.run-id").inner_text()
    looked_at_both_sizes(page)

    # compare the scenario's run with the base model's run, chosen from the lists
    page.goto(f"{base}/compare", wait_until="networkidle")
    options = page.eval_on_selector_all("#compare-left option", "os => os.map(o => o.value)")
    assert len(options) >= 2
    page.select_option("#compare-left", options[0])
    scenario_option = next(o for o in options if "zonder_station" in o)
    page.select_option("#compare-right", scenario_option)
    page.click("form.compare-form button[type='submit']")
    page.wait_for_selector("iframe.compare-maps")
    maps = page.frame_locator("iframe.compare-maps")
    maps.locator(".pp-legend").nth(2).wait_for(state="attached", timeout=30_000)
    assert page.locator("table.ranks tbody tr").count() >= 1
    looked_at_both_sizes(page)

    # the discount rate moved with the keyboard: the ledger is recomputed
    page.goto(f"{base}/equalisation", wait_until="networkidle")
    ledger = "#results .key.chosen table.money"
    old = page.inner_text(ledger)
    page.focus("#discount_rate_per_year")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([selector, old]) => document.querySelector(selector).innerText !== old",
        arg=[ledger, old],
        timeout=20_000,
    )
    looked_at_both_sizes(page)

    # the new run's zip downloaded from the runs page, and its files opened
    page.goto(f"{base}/runs", wait_until="networkidle")
    row = page.locator("table.runs tbody tr").first
    row.locator("td:last-child details summary").click()
    with page.expect_download(timeout=120_000) as download:
        row.locator("ul.downloads a").first.click()
    archive_path = tmp_path / "run.zip"
    download.value.save_as(archive_path)
    opened = tmp_path / "opened"
    with zipfile.ZipFile(archive_path) as archive:
        archive.extractall(opened)
        names = {name.split("/", 1)[1] for name in archive.namelist()}
    assert {"sites.gpkg", "sites.csv", "ledger.xlsx", "suitability.tif", "dossier.pdf"} <= names
    folder = opened / f"parkplan-{run_id}"
    sites = gpd.read_file(folder / "sites.gpkg", layer="sites")
    table = pd.read_csv(folder / "sites.csv")
    assert len(sites) == len(table) >= 1 and sorted(table["rank"]) == list(range(1, len(table) + 1))
    assert json.loads((folder / "run.json").read_text(encoding="utf-8"))["scenario"] == (
        "zonder_station"
    )
    assert openpyxl.load_workbook(folder / "ledger.xlsx").sheetnames
    with rasterio.open(folder / "suitability.tif") as raster:
        assert raster.crs.to_epsg() == 31370
    assert (folder / "dossier.pdf").read_bytes().startswith(b"%PDF-")
    assert (folder / "report.html").read_text(encoding="utf-8").lower().startswith("<!doctype")

    # sign out: back to the sign-in page, and the pages ask to sign in again
    page.click("header form[action^='/logout'] button")
    page.wait_for_url("**/login*")
    page.goto(f"{base}/runs")
    page.wait_for_url("**/login*")
    assert page.locator('input[name="password"]').count() == 1
    looked_at_both_sizes(page)
