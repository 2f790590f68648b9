"""The map of a real run (the reduced demo): every exclusion drawn as what it excludes, the cell
lookup equal to the engine's rasters, and the popups in Chromium at desktop and phone size."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import rasterio
import shapely

from geo.exclusions import BufferExclusion
from parkplan import views
from parkplan.demo import run_demo
from parkplan.run_facts import RunFacts, read_run_facts
from parkplan.study import load_study
from parkplan.workspace import Workspace
from webmap.browser import block_network
from webmap.i18n import term
from webmap.lookup import decode_lookup, lookup_grid, sample_cells
from webmap.maps import map_html

VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
#: What the cell lookup may add to the demo's page (it is about 0.5 MB at full scale).
MAX_LOOKUP_CHARS = 1_000_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The reduced demo, run once: its folder, its map data and its Dutch map page."""
    out = tmp_path_factory.mktemp("demo") / "parkplan-demo"
    patch = pytest.MonkeyPatch()
    patch.setenv("PARKPLAN_CACHE", str(tmp_path_factory.mktemp("cache")))
    try:
        run_demo(out, scale=0.3, lang="nl")
    finally:
        patch.undo()
    data = views.stored_map_data(out)
    return out, data, map_html(data, lang="nl")


def run_folder(out: Path) -> Path:
    return (out / "sites.gpkg").resolve().parent


def layer_control_names(page: str) -> list[str]:
    """The overlay names of ``parkplan.layers(map, base, overlays, …)``."""
    overlays = re.search(r"parkplan\.layers\(\w+, \{.*?\}, \{(.*?)\}, \{", page).group(1)
    return [json.loads(name) for name in re.findall(r'("(?:[^"\\]|\\.)*"): \w+,', overlays)]


def embedded_lookup(page: str) -> dict:
    return json.loads(re.search(r"parkplan\.cellLookup\(\w+, (\{.*?\})\);", page).group(1))


def test_every_exclusion_of_the_demo_is_a_layer(demo):
    out, data, page = demo
    study = load_study(out)
    names = layer_control_names(page)
    assert "Buiten het studiegebied" in names
    for exclusion in study.exclusions:
        assert term("exclusion", exclusion.name, "nl") in names, exclusion.name
    kinds = {e.name: e.kind for e in study.exclusions}
    drawn = {*data.exclusions, *data.exclusion_masks}
    assert drawn == set(kinds)
    assert set(data.exclusion_masks) == {n for n, k in kinds.items() if k == "raster"}


def test_a_buffer_exclusion_is_drawn_as_its_buffer(demo):
    out, data, _ = demo
    study = load_study(out)
    config = next(e for e in study.exclusions if e.kind == "buffer")
    cores = Workspace.open(out).read_vector(config.layer)
    engine = BufferExclusion(config.name, cores, config.buffer_m)
    expected = shapely.union_all(engine._buffered)
    drawn = data.exclusions[config.name].union_all()
    clipped = expected.intersection(shapely.box(*views.run_grid(run_facts(out)).bounds))
    assert drawn.symmetric_difference(clipped).area < 1e-6 * clipped.area
    core = cores.union_all()
    assert drawn.buffer(0.01).contains(core) and drawn.area > 1.2 * core.area  # not the cores


def test_a_zoning_exclusion_is_drawn_as_the_zones_not_allowed(demo):
    out, data, _ = demo
    study = load_study(out)
    config = next(e for e in study.exclusions if e.kind == "zoning")
    drawn = data.exclusions[config.name]
    assert len(drawn) > 0
    assert not set(drawn["name"].astype(str)) & set(config.allowed)


def run_facts(out: Path) -> RunFacts:
    facts = read_run_facts(run_folder(out))
    assert facts is not None
    return facts


def test_the_cell_lookup_returns_the_engines_values(demo):
    out, data, page = demo
    payload = embedded_lookup(page)
    assert len(payload["data"]) < MAX_LOOKUP_CHARS
    layers = decode_lookup(payload)
    folder = run_folder(out)
    with rasterio.open(folder / "suitability.tif") as src:
        crs, transform, shape = src.crs.to_string(), src.transform, (src.height, src.width)
    grid, grid_shape = lookup_grid(crs, transform, shape)
    assert list(grid_shape) == payload["shape"] and max(grid_shape) <= 200
    assert payload["transform"] == pytest.approx([grid.a, grid.b, grid.c, grid.d, grid.e, grid.f])
    rows, cols, inside = sample_cells(grid, grid_shape, crs, transform, shape)

    def engine(path: Path) -> np.ndarray:
        with rasterio.open(path) as src:
            values = src.read(1, masked=True).astype(np.float64).filled(np.nan)
        return np.where(inside, values[rows, cols], np.nan)

    step = 1e-4  # the quantisation step of scores and standardised values
    np.testing.assert_allclose(
        layers[("score", None)], engine(folder / "suitability.tif"), atol=step / 2 + 1e-7
    )
    for name in data.criteria:
        np.testing.assert_allclose(
            layers[("z", name)], engine(folder / "criteria" / f"{name}.tif"), atol=step / 2 + 1e-7
        )
        raw = next(a for a in payload["layers"] if a.get("name") == name and a["layer"] == "raw")
        np.testing.assert_allclose(
            layers[("raw", name)],
            engine(folder / "raw" / f"{name}.tif"),
            atol=raw["scale"] / 2 + 1e-6,
        )
    codes = layers[("exclusion", None)]
    expected = np.nan_to_num(engine(folder / "exclusions.tif")).astype(np.uint8)
    np.testing.assert_array_equal(codes, expected)
    assert tuple(payload["exclusions"]) == run_facts(out).exclusions.names
    # the lookup is of some use: cells that score, and cells each exclusion removes
    assert np.isfinite(layers[("score", None)]).sum() > 0.2 * codes.size
    assert set(np.unique(codes)) >= {0, 1}


#: A point of the screen on the score raster where no site, marker or control is.
FREE_SPOT_JS = """
() => {
  const image = document.querySelector('.leaflet-ppScore-pane img').getBoundingClientRect();
  const top = Math.max(image.top, 0) + 40, bottom = Math.min(image.bottom, innerHeight) - 40;
  const left = Math.max(image.left, 0) + 40, right = Math.min(image.right, innerWidth) - 40;
  const skip = '.leaflet-control, .leaflet-ppSites-pane, .leaflet-marker-pane, .pp-title';
  const middle = (a, b, k, step) => (a + b) / 2 + (k % 2 ? 1 : -1) * step * Math.ceil(k / 2);
  for (let k = 0; k < 400; k++) {
    const y = middle(top, bottom, k, 13);
    if (y < top || y > bottom) continue;
    for (let j = 0; j < 60; j++) {
      const x = middle(left, right, j, 19);
      if (x < left || x > right) continue;
      const e = document.elementFromPoint(x, y);
      if (e && e.closest('.leaflet-container') && !e.closest(skip)) return [x, y];
    }
  }
  return null;
}
"""


def open_page(browser, page_html: str, folder: Path, size: tuple[int, int]):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    block_network(page)
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    path = folder / "map.html"
    path.write_text(page_html, encoding="utf-8")
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_selector(".leaflet-container")
    return context, page, problems


def number(text: str) -> float:
    return float(text.strip().replace(".", "").replace(",", "."))


@pytest.mark.browser
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_best_site_popup_fits_and_adds_up_and_a_cell_answers(
    browser, assets, demo, tmp_path, viewport
):
    _, data, _ = demo
    size = VIEWPORTS[viewport]
    context, page, problems = open_page(browser, map_html(data, assets=assets), tmp_path, size)
    try:
        if page.locator(".pp-sitelist.pp-folded").count():
            page.locator(".pp-sitelist-toggle").click()
        page.locator(".pp-sitelist-item").first.click()
        popup = page.locator(".leaflet-popup")
        popup.wait_for()
        page.wait_for_timeout(400)  # panned into view
        top, bottom = popup.evaluate(
            "(e) => [e.getBoundingClientRect().top, e.getBoundingClientRect().bottom]"
        )
        assert top >= 0 and bottom <= size[1]
        assert "Rang 1" in popup.inner_text()
        parts = [number(t) for t in popup.locator("td.pp-contribution").all_inner_texts()]
        score = number(popup.locator("td.pp-score-sum").inner_text())
        best = data.sites.sort_values("rank").iloc[0]
        assert len(parts) == len(data.criteria)
        assert round(sum(parts), 6) == score == round(float(best["score"]), 3)
        page.locator(".leaflet-popup-close-button").click()
        page.wait_for_selector(".leaflet-popup", state="detached")
        # a click beside the best site: what the lookup knows of that cell
        page.evaluate(
            "() => { const m = Object.values(window).find(v => v instanceof L.Map);"
            " m.setView(m.getCenter(), m.getZoom() - 2, {animate: false}); }"
        )
        page.mouse.click(*page.evaluate(FREE_SPOT_JS))
        cell = page.locator(".pp-cell-popup")
        cell.wait_for(timeout=5_000)
        text = cell.inner_text()
        assert "Op deze plek" in text
        assert "Uitgesloten door" in text or "Geen uitsluiting" in text
        page.wait_for_timeout(200)
        assert problems == []
    finally:
        context.close()
