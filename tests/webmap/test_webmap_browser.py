"""The maps in headless Chromium, with every network request aborted and assets inlined."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from webmap_fixtures import XSS, map_data

from webmap.i18n import label
from webmap.maps import compare_html, map_html

pytestmark = pytest.mark.browser

#: screenshots for a person to look at, in the system temporary folder
SCREENSHOTS = str(Path(tempfile.gettempdir()) / "parkplan-webmap-{}.png")

#: Sites are the features with a "fill" property.
DRAWN_SITES_JS = """
() => {
  let drawn = 0;
  for (const key of Object.keys(window)) {
    const group = window[key];
    if (!(group instanceof L.GeoJSON)) continue;
    group.eachLayer(l => {
      if (l.feature.properties.fill && l._path && l._path.isConnected) drawn += 1;
    });
  }
  return drawn;
}
"""
SITE_CENTRE_JS = """
(siteId) => {
  for (const key of Object.keys(window)) {
    const group = window[key];
    if (!(group instanceof L.GeoJSON)) continue;
    for (const l of group.getLayers()) {
      if (l.feature.properties.fill && l.feature.properties.site_id === siteId) {
        const box = l._path.getBoundingClientRect();
        return [box.x + box.width / 2, box.y + box.height / 2];
      }
    }
  }
  return null;
}
"""


def open_map(offline_page, tmp_path, page_html):
    offline_page.open(page_html, tmp_path)
    offline_page.page.wait_for_selector(".leaflet-container")
    return offline_page.page


def click_site(page, site_id):
    x, y = page.evaluate(SITE_CENTRE_JS, site_id)
    page.mouse.click(x, y)
    page.wait_for_selector(".leaflet-popup-content")
    return page.locator(".leaflet-popup-content")


def test_map_loads_offline_and_draws_every_site(offline_page, tmp_path, data, assets):
    page = open_map(offline_page, tmp_path, map_html(data, assets=assets))
    assert page.evaluate(DRAWN_SITES_JS) == len(data.sites)
    assert page.locator(".pp-legend").count() == 1
    assert page.locator(".pp-label").all_inner_texts() == list(data.municipalities["name"])
    assert page.locator("img.leaflet-image-layer").count() == 1  # the suitability raster
    assert offline_page.errors == []
    page.screenshot(path=SCREENSHOTS.format("map"))


def test_popup_shows_breakdown_split_and_equalisation(offline_page, tmp_path, data, assets):
    page = open_map(offline_page, tmp_path, map_html(data, lang="en", assets=assets))
    popup = click_site(page, 1)
    text = popup.inner_text()
    for expected in (
        "Site 1",
        "Score per criterion",
        "motorway",
        "Split by municipality",
        "Westdorp",
        "Middelkerke-Oost",
        "50 %",
        "Equalisation",
        "population",
    ):
        assert expected in text
    assert popup.locator("svg.pp-bars rect.pp-bar").count() == len(data.criteria)
    assert "62 %" in text  # p_first
    assert label("core_ok", "en") in text
    page.wait_for_timeout(400)  # let the popup finish panning into view
    page.screenshot(path=SCREENSHOTS.format("popup"))
    # a site other than the best has no equalisation block
    page.locator(".leaflet-popup-close-button").click()
    page.wait_for_selector(".leaflet-popup-content", state="detached")
    other = click_site(page, 3).inner_text()
    assert "Site 3" in other and "Equalisation" not in other


def test_layer_control_toggles_layers(offline_page, tmp_path, data, assets):
    page = open_map(offline_page, tmp_path, map_html(data, lang="en", assets=assets))
    circles = "path.leaflet-interactive"
    before = page.locator(circles).count()
    page.get_by_label("Candidate sites").uncheck()
    assert page.evaluate(DRAWN_SITES_JS) == 0
    page.get_by_label("Candidate sites").check()
    assert page.evaluate(DRAWN_SITES_JS) == len(data.sites)
    page.get_by_label("Criterion: motorway exits").check()  # off by default
    assert page.locator(circles).count() == before + 2


def test_xss_payload_never_runs(offline_page, tmp_path, assets):
    data = map_data(names=(XSS, "Middelkerke-Oost", "Oostveld"), title=XSS, host=XSS)
    object.__setattr__(data, "exclusions", {XSS: data.exclusions["Natura 2000"]})
    page = open_map(offline_page, tmp_path, map_html(data, assets=assets))
    popup = click_site(page, 1)
    page.wait_for_timeout(200)
    assert XSS in popup.inner_text()  # shown as text
    assert XSS in page.locator(".pp-title").inner_text()
    assert XSS in page.locator(".leaflet-control-layers").inner_text()
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
