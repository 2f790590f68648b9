"""Benchmark: a self-contained map of 10 000 candidate sites — file size and load time.

Seeded synthetic study in Lambert 72 (EPSG:31370): 12 municipalities on a 60 km x 40 km region,
10 000 irregular octagonal sites of 1-30 ha with five criterion scores, robustness figures and a
split by municipality, and a 100 m suitability raster. The map is rendered with the web assets
inlined and opened in headless Chromium (Debian's, driven by Playwright) with every request
that is not a ``file:``/``data:``/``blob:`` URL aborted, each run in a fresh browser context.

The page time is the wall time from ``page.goto`` until both Playwright's ``networkidle`` (no
request for 500 ms: that quiet window is part of the figure) and the load event are reached
(for a ``file:`` page network idle can come first); also reported per run: navigation start to
the load event (Navigation Timing). With several
``--sites`` the pages are timed in alternating rounds (one warm-up run each, then ``--runs``
rounds, the order rotated every round; see ``bench_support.py``): median, minimum, maximum and
the load average around every run. Then the site polygons drawn on the map are counted.

Run:  .venv/bin/python benchmarks/webmap.py [--sites 10000,1000] [--runs 5]
The last line printed is JSON with the figures. Targets: file <= 5 MB, page <= 1.5 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would hide the
# ``webmap`` package: move that entry to the end (``bench_support`` is still found there).
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.append(sys.path.pop(0))

import bench_support  # benchmarks/bench_support.py, beside this script
import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from shapely.geometry import Polygon, box

from webmap.assets import AssetSource, fetch_assets, map_asset_urls
from webmap.browser import block_network, chromium_browser
from webmap.errors import AssetError
from webmap.map_data import MapData, ScoreOverlay
from webmap.maps import map_html

CRS = "EPSG:31370"
X0, Y0, WIDTH_M, HEIGHT_M = 30_000.0, 170_000.0, 60_000.0, 40_000.0
TARGET_BYTES, TARGET_LOAD_S = 5_000_000, 1.5
CRITERIA = ("motorway", "station", "quay", "substation", "nuisance")

#: Site polygons drawn (with a fill) on every Leaflet map of the page.
DRAWN_SITES_JS = """
() => {
  let drawn = 0;
  for (const key of Object.keys(window)) {
    const map = window[key];
    if (!(map instanceof L.Map)) continue;
    map.eachLayer(l => {
      if (l.feature && l.feature.properties && l.feature.properties.fill && (l._path || l._parts))
        drawn += 1;
    });
  }
  return drawn;
}
"""
LOAD_MS_JS = "() => performance.timing.loadEventEnd - performance.timing.navigationStart"


def synthetic_study(n_sites: int, seed: int = 42) -> MapData:
    rng = np.random.default_rng(seed)
    cols, rows = 4, 3
    cell_w, cell_h = WIDTH_M / cols, HEIGHT_M / rows
    towns = gpd.GeoDataFrame(
        {"name": [f"Gemeente {i + 1}" for i in range(cols * rows)]},
        geometry=[
            box(X0 + c * cell_w, Y0 + r * cell_h, X0 + (c + 1) * cell_w, Y0 + (r + 1) * cell_h)
            for r in range(rows)
            for c in range(cols)
        ],
        crs=CRS,
    )
    centres = np.column_stack(
        [
            rng.uniform(X0 + 500, X0 + WIDTH_M - 500, n_sites),
            rng.uniform(Y0 + 500, Y0 + HEIGHT_M - 500, n_sites),
        ]
    )
    radii = np.sqrt(rng.uniform(1, 30, n_sites) * 10_000 / np.pi)
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    shapes = [
        Polygon(
            np.column_stack(
                [
                    cx + r * rng.uniform(0.7, 1.0, 8) * np.cos(angles),
                    cy + r * rng.uniform(0.7, 1.0, 8) * np.sin(angles),
                ]
            )
        )
        for (cx, cy), r in zip(centres, radii, strict=True)
    ]
    scores = rng.beta(2, 2, n_sites)
    sites = gpd.GeoDataFrame(
        {
            "site_id": np.arange(1, n_sites + 1),
            "score": scores,
            "rank": scores.argsort()[::-1].argsort() + 1,
            **{f"c_{name}": rng.uniform(0, 1, n_sites) for name in CRITERIA},
            "p_first": rng.dirichlet(np.ones(n_sites)),
            "p_top3": rng.uniform(0, 1, n_sites),
        },
        geometry=shapes,
        crs=CRS,
    )
    sites["area_ha"] = sites.area / 10_000
    pieces = gpd.overlay(sites[["site_id", "geometry"]], towns, keep_geom_type=True)
    pieces["area_ha"] = pieces.area / 10_000
    pieces["share"] = pieces["area_ha"] / pieces.groupby("site_id")["area_ha"].transform("sum")
    split = pd.DataFrame(pieces.rename(columns={"name": "municipality"}).drop(columns="geometry"))
    host = split.sort_values("share").groupby("site_id")["municipality"].last()
    sites["host"] = sites["site_id"].map(host)
    values = smooth_field(rng, rows=int(HEIGHT_M / 100), cols=int(WIDTH_M / 100))
    score = ScoreOverlay(values, CRS, Affine(100.0, 0, X0, 0, -100.0, Y0 + HEIGHT_M))
    return MapData(towns, sites, split, score=score, title=f"{n_sites} sites")


def smooth_field(rng: np.random.Generator, *, rows: int, cols: int) -> np.ndarray:
    """Scores 0..1 that vary smoothly, like distance-based criteria: a sum of 40 Gaussian bumps
    (sigma 1-5 km) over a west-east gradient, rescaled; cells in 5 lakes of NaN."""
    y, x = np.mgrid[0:rows, 0:cols] * 100.0
    field = x / x.max()
    for _ in range(40):
        cx, cy, sigma = (
            rng.uniform(0, cols * 100),
            rng.uniform(0, rows * 100),
            rng.uniform(1e3, 5e3),
        )
        field += rng.uniform(-1, 1) * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma**2))
    field = (field - field.min()) / (field.max() - field.min())
    for _ in range(5):
        cx, cy = rng.uniform(0, cols * 100), rng.uniform(0, rows * 100)
        field[(x - cx) ** 2 + (y - cy) ** 2 < rng.uniform(300, 900) ** 2] = np.nan
    return field


def asset_source() -> AssetSource:
    source = AssetSource.default()
    try:
        for url in map_asset_urls():
            source.path(url)
    except AssetError:
        fetch_assets(source.cache_dir)
    return source


def page(n_sites: int, folder: Path) -> dict:
    """Render the map of ``n_sites`` sites into ``folder``: its path, size and render time."""
    data = synthetic_study(n_sites)
    started = time.perf_counter()
    html = map_html(data, assets=asset_source())
    render_s = time.perf_counter() - started
    path = folder / f"map_{n_sites}.html"
    path.write_text(html, encoding="utf-8")
    return {"path": path, "render_s": render_s, "size_bytes": len(html.encode("utf-8"))}


def open_page(browser, path: Path) -> dict:
    """Open ``path`` in a fresh context until network idle: the figures of one run."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    block_network(tab)
    aborted: list[str] = []
    tab.on("requestfailed", lambda request: aborted.append(request.url))
    started = time.perf_counter()
    tab.goto(path.as_uri(), wait_until="networkidle")
    tab.wait_for_load_state("load")  # for a file: page, network idle can come before the load
    seconds = time.perf_counter() - started
    figures = {
        "seconds": seconds,
        "load_event_s": tab.evaluate(LOAD_MS_JS) / 1000,
        "sites_drawn": tab.evaluate(DRAWN_SITES_JS),
        "requests_aborted": len(aborted),
    }
    context.close()
    return figures


def measure(sizes: list[int], runs: int) -> dict:
    results: dict = {"benchmark": "webmap", "load_start": bench_support.load_average()}
    with tempfile.TemporaryDirectory() as folder, chromium_browser() as browser:
        pages = {n: page(n, Path(folder)) for n in sizes}
        per_run: dict[int, list[dict]] = {n: [] for n in sizes}

        def side(n: int):
            def run() -> dict:
                figures = open_page(browser, pages[n]["path"])
                per_run[n].append(figures)
                return figures

            return run

        case = bench_support.alternate({str(n): side(n) for n in sizes}, runs)
    for n in sizes:
        timed = per_run[n][1:]  # the first run is the warm-up
        summary = case["sides"][str(n)]
        load_event = [r["load_event_s"] for r in timed]
        summary.update(
            sites=n,
            render_s=round(pages[n]["render_s"], 2),
            size_bytes=pages[n]["size_bytes"],
            size_ok=pages[n]["size_bytes"] <= TARGET_BYTES,
            page_ok=summary["median_s"] <= TARGET_LOAD_S,
            load_event_median_s=round(statistics.median(load_event), 3),
            load_event_range_s=[round(min(load_event), 3), round(max(load_event), 3)],
            sites_drawn=min(r["sites_drawn"] for r in timed),
        )
    results.update(case)
    results["load_end"] = bench_support.load_average()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sites", default="10000,1000", help="comma-separated site counts, timed alternately"
    )
    parser.add_argument("--runs", type=int, default=5, help="alternating rounds after a warm-up")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sites.split(",")]
    bench_support.print_result(measure(sizes, args.runs))


if __name__ == "__main__":
    main()
