"""The maps in headless Chromium, with every network request aborted and assets inlined."""

from __future__ import annotations

import re
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from map_fixtures import full_map_data, latlon
from webmap_fixtures import XSS, map_data

from webmap.browser import block_network
from webmap.i18n import label
from webmap.map_data import BlockingCoalition, CoreCheck
from webmap.maps import compare_html, map_html

pytestmark = pytest.mark.browser

#: screenshots for a person to look at, in the system temporary folder
SCREENSHOTS = str(Path(tempfile.gettempdir()) / "parkplan-webmap-{}.png")

#: The outlines of the sites (features with a "fill" property, interactive: not the halo),
#: wherever they are nested in the page's layer groups.
SITE_OUTLINES_JS = """
() => {
  const found = [], seen = new Set();
  const visit = (layer) => {
    if (!layer || seen.has(layer)) return;
    seen.add(layer);
    if (layer instanceof L.LayerGroup) { layer.eachLayer(visit); return; }
    const p = layer.feature && layer.feature.properties;
    if (p && p.fill && layer.options.interactive !== false) found.push(layer);
  };
  for (const key of Object.keys(window)) {
    if (window[key] instanceof L.LayerGroup) visit(window[key]);
  }
  return found;
}
"""
DRAWN_SITES_JS = f"""
() => ({SITE_OUTLINES_JS})().filter(l => l._path && l._path.isConnected).length
"""
SITE_CENTRE_JS = f"""
(siteId) => {{
  const l = ({SITE_OUTLINES_JS})().find(l => l.feature.properties.site_id === siteId);
  if (!l) return null;
  const box = l._path.getBoundingClientRect();
  return [box.x + box.width / 2, box.y + box.height / 2];
}}
"""
#: Where on the screen a lat/lon is, on the page's (first) map.
POINT_JS = """
([lat, lon]) => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  const p = map.latLngToContainerPoint([lat, lon]);
  const box = map.getContainer().getBoundingClientRect();
  return [box.x + p.x, box.y + p.y];
}
"""
#: The screen box of an element: [left, top, right, bottom].
BOX_JS = (
    "(e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"
)


def open_map(offline_page, tmp_path, page_html):
    offline_page.open(page_html, tmp_path)
    offline_page.page.wait_for_selector(".leaflet-container")
    return offline_page.page


def click_site(page, site_id):
    x, y = page.evaluate(SITE_CENTRE_JS, site_id)
    page.mouse.click(x, y)
    page.wait_for_selector(".leaflet-popup-content")
    return page.locator(".leaflet-popup-content")


def number(text: str) -> float:
    """A number as the page shows it in English (0.784) or Dutch (0,784)."""
    return float(text.strip().replace(",", "."))


def breakdown_sum(popup) -> tuple[float, float]:
    """The contributions shown in a popup's breakdown, added up, and the score shown as their
    sum (both as the DOM text says)."""
    parts = [number(t) for t in popup.locator("td.pp-contribution").all_inner_texts()]
    return round(sum(parts), 6), number(popup.locator("td.pp-score-sum").inner_text())


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_map_loads_offline_and_draws_every_site(offline_page, tmp_path, data, assets):
    page = open_map(offline_page, tmp_path, map_html(data, assets=assets))
    assert page.evaluate(DRAWN_SITES_JS) == len(data.sites)
    assert page.locator(".pp-rank-marker:not(.pp-rank-small)").count() == len(data.sites)
    assert page.locator(".pp-legend").count() == 1
    assert page.locator(".pp-label").all_inner_texts() == list(data.municipalities["name"])
    assert page.locator("img.leaflet-image-layer").count() == 1  # the suitability raster
    assert offline_page.errors == []
    page.screenshot(path=SCREENSHOTS.format("map"))


def test_popup_shows_breakdown_split_and_equalisation(offline_page, tmp_path, assets):
    data = full_map_data()
    page = open_map(offline_page, tmp_path, map_html(data, lang="en", assets=assets))
    popup = click_site(page, 1)
    text = popup.inner_text()
    for expected in (
        "Site 1",
        "Score per criterion",
        "Snelweg dichtbij",  # the label study.toml gives
        "Near a railway station",  # the catalogue's name for a built-in criterion
        "Split by municipality",
        "Westdorp",
        "Middelkerke-Oost",
        "50 %",
        "Equalisation",
        "Population",  # the sharing key, by the catalogue's name
    ):
        assert expected in text
    assert "62 %" in text  # p_first
    assert label("core_ok", "en") in text
    total, score = breakdown_sum(popup)
    assert total == score == round(float(data.sites.set_index("site_id").at[1, "score"]), 3)
    page.wait_for_timeout(400)  # let the popup finish panning into view
    page.screenshot(path=SCREENSHOTS.format("popup"))
    # a site other than the best has no equalisation block
    page.locator(".leaflet-popup-close-button").click()
    page.wait_for_selector(".leaflet-popup-content", state="detached")
    other = click_site(page, 3).inner_text()
    assert "Site 3" in other and "Equalisation" not in other
    assert offline_page.errors == []


@pytest.mark.parametrize(
    ("lang", "saving"),
    [("en", "would save € 1,234,568 by leaving now"), ("nl", "zou € 1.234.568 besparen")],
)
def test_popup_names_what_blocking_coalitions_would_save(
    offline_page, tmp_path, assets, lang, saving
):
    data = full_map_data()
    blocking = tuple(
        BlockingCoalition(coalition, cents)
        for coalition, cents in ((("Westdorp", "Oostveld"), 123_456_789), (("Oostveld",), 5_000))
    )
    core = CoreCheck("nucleolus", blocking, blocking_count=5)
    data = replace(data, equalisation=replace(data.equalisation, core=core))
    page = open_map(offline_page, tmp_path, map_html(data, lang=lang, assets=assets))
    line = click_site(page, 1).locator(".pp-core-bad").inner_text()
    assert line.startswith(label("core_violated", lang))
    assert f"Westdorp + Oostveld {saving}" in line
    assert line.endswith("(+3)")  # five coalitions in all, two listed
    assert offline_page.errors == []


def test_list_of_best_sites_zooms_to_each_and_opens_its_popup(offline_page, tmp_path, assets):
    data = full_map_data()
    page = open_map(offline_page, tmp_path, map_html(data, lang="en", assets=assets))
    items = page.locator(".pp-sitelist-item")
    ranked = data.sites.sort_values("rank")
    assert items.count() == len(data.sites)
    assert re.sub(r"\s+", " ", items.first.inner_text()).startswith("1 Site 1 0.83")
    items.nth(2).click()
    popup = page.locator(".leaflet-popup-content")
    assert f"Site {ranked.iloc[2]['site_id']} · Rank 3" in popup.inner_text()
    zoom = page.evaluate("() => Object.values(window).find(v => v instanceof L.Map).getZoom()")
    assert zoom >= 13
    assert offline_page.errors == []


def test_click_on_a_cell_shows_its_values_and_exclusion(offline_page, tmp_path, assets):
    data = full_map_data()
    page = open_map(offline_page, tmp_path, map_html(data, lang="en", assets=assets))
    # a cell of the steep mask: grid rows 40..49, cols 60..79 of 100 m from (55 000, 195 000)
    page.mouse.click(*page.evaluate(POINT_JS, latlon(62_050, 190_550)))
    popup = page.locator(".pp-cell-popup")
    popup.wait_for()
    assert "Excluded by: Too steep" in popup.inner_text()
    page.locator(".leaflet-popup-close-button").click()
    popup.wait_for(state="detached")
    # a cell that scores: measured distances, values, contributions adding up to its score
    page.mouse.click(*page.evaluate(POINT_JS, latlon(66_050, 190_550)))
    popup.wait_for()
    text = popup.inner_text()
    assert "No exclusion applies." in text and " m" in text
    assert "raw value not kept" in text  # "nuisance" has no raw values
    total, score = breakdown_sum(popup)
    assert total == score > 0
    assert offline_page.errors == []


def test_layer_control_toggles_layers(offline_page, tmp_path, data, assets):
    page = open_map(offline_page, tmp_path, map_html(data, lang="en", assets=assets))
    circles = "path.leaflet-interactive"
    before = page.locator(circles).count()
    page.get_by_label("Candidate sites").uncheck()
    assert page.evaluate(DRAWN_SITES_JS) == 0
    assert page.locator(".pp-rank").count() == 0
    page.get_by_label("Candidate sites").check()
    assert page.evaluate(DRAWN_SITES_JS) == len(data.sites)
    page.get_by_label("Motorway exits").check()  # off by default
    assert page.locator(circles).count() == before + 2


def test_criterion_surface_is_off_until_switched_on_with_its_legend(offline_page, tmp_path, assets):
    page = open_map(offline_page, tmp_path, map_html(full_map_data(), assets=assets))
    images = page.locator("img.leaflet-image-layer")
    assert images.count() == 2  # the score and the steep mask
    assert "Criterium" not in page.locator(".pp-legend").inner_text()
    page.get_by_label("Snelweg dichtbij").check()
    assert images.count() == 3
    assert "Snelweg dichtbij" in page.locator(".pp-legend").inner_text()
    assert offline_page.errors == []


def test_phone_width_folds_the_controls_and_fits_the_popup(browser, tmp_path, assets):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    block_network(page)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    path = tmp_path / "phone.html"
    path.write_text(map_html(full_map_data(title="Een lange titel voor een kleine gsm"),
                             assets=assets), encoding="utf-8")  # fmt: skip
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_selector(".leaflet-container")
    try:
        assert page.locator(".leaflet-control-layers-expanded").count() == 0
        assert page.locator(".pp-sitelist.pp-folded").count() == 1
        assert page.locator(".pp-legend.pp-folded").count() == 1
        title = page.locator(".pp-title").evaluate(BOX_JS)
        for control in page.locator(".leaflet-control").all():
            assert not overlaps(title, control.evaluate(BOX_JS))
        page.locator(".pp-sitelist-toggle").click()
        page.locator(".pp-sitelist-item").first.click()
        page.wait_for_timeout(400)
        box = page.locator(".leaflet-popup").evaluate(BOX_JS)
        assert box[0] >= 0 and box[1] >= 0 and box[2] <= 390 and box[3] <= 844
        page.screenshot(path=SCREENSHOTS.format("phone"))
        assert errors == []
    finally:
        context.close()


def test_xss_payload_never_runs(offline_page, tmp_path, assets):
    data = map_data(names=(XSS, "Middelkerke-Oost", "Oostveld"), title=XSS, host=XSS)
    object.__setattr__(data, "exclusions", {XSS: data.exclusions["Natura 2000"]})
    page = open_map(offline_page, tmp_path, map_html(data, assets=assets))
    popup = click_site(page, 1)
    page.wait_for_timeout(200)
    assert XSS in popup.inner_text()  # shown as text
    assert XSS in page.locator(".pp-title").inner_text()
    assert XSS in page.locator(".leaflet-control-layers").inner_text()
    assert XSS in page.locator(".pp-legend").inner_text()
    assert page.evaluate("() => document.querySelectorAll('img[onerror]').length") == 0
    assert offline_page.dialogs == []
    assert offline_page.errors == []
    page.screenshot(path=SCREENSHOTS.format("xss"))


def test_comparison_shows_two_synchronised_maps(offline_page, tmp_path, data, assets):
    right = map_data(title="B")
    right.sites["score"] = 1.0 - right.sites["score"]  # another weighting, another ranking
    page_html = compare_html(
        data, right, left_title="Scenario A", right_title="Scenario B", assets=assets
    )
    page = open_map(offline_page, tmp_path, page_html)
    assert page.locator(".leaflet-container").count() == 2
    assert page.locator(".pp-title").all_inner_texts() == ["Scenario A", "Scenario B"]
    maps = page.evaluate(
        "() => Object.keys(window).filter(k => k.startsWith('map_') && window[k] instanceof L.Map)"
    )
    assert len(maps) == 2
    left, right_map = maps
    page.screenshot(path=SCREENSHOTS.format("compare"))
    page.evaluate(f"() => {left}.setView([51.0, 2.8], 14, {{animate: false}})")
    centre = page.evaluate(
        f"() => [{right_map}.getCenter().lat, {right_map}.getCenter().lng, {right_map}.getZoom()]"
    )
    assert centre == pytest.approx([51.0, 2.8, 14], abs=1e-6)
    assert offline_page.errors == []
