"""Benchmark: a self-contained map of 10 000 candidate sites — file size and load time.

Seeded synthetic study in Lambert 72 (EPSG:31370): 12 municipalities on a 60 km x 40 km region,
10 000 irregular octagonal sites of 1-30 ha with five criterion scores, robustness figures and a
split by municipality, and a 100 m suitability raster. The map is rendered with the web assets
inlined and opened in headless Chromium with all network requests aborted; the load time is
the median over a few runs of navigation start -> load event, after which every site is drawn.

Run:  .venv/bin/python benchmarks/webmap.py [--sites 10000] [--runs 3]
The last line printed is JSON with the figures. Targets: file <= 5 MB, load <= 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would hide the
# ``webmap`` package: drop that entry before importing it.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from shapely.geometry import Polygon, box

from webmap.assets import AssetSource, fetch_assets, map_asset_urls
from webmap.browser import block_network, chromium_browser
from webmap.errors import AssetError
from webmap.maps import map_html
from webmap.model import MapData, ScoreOverlay

CRS = "EPSG:31370"
X0, Y0, WIDTH_M, HEIGHT_M = 30_000.0, 170_000.0, 60_000.0, 40_000.0
TARGET_BYTES, TARGET_LOAD_S = 5_000_000, 1.5
CRITERIA = ("motorway", "station", "quay", "substation", "nuisance")

DRAWN_SITES_JS = """
() => {
  let drawn = 0;
  for (const key of Object.keys(window)) {
    const group = window[key];
    if (!(group instanceof L.GeoJSON)) continue;
    group.eachLayer(l => { if (l.feature.properties.fill && (l._path || l._parts)) drawn += 1; });
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


def measure(n_sites: int, runs: int) -> dict:
    data = synthetic_study(n_sites)
    started = time.perf_counter()
    page = map_html(data, assets=asset_source(), tiles=None)
    render_s = time.perf_counter() - started
    size_bytes = len(page.encode("utf-8"))
    loads_ms, drawn = [], 0
    with tempfile.TemporaryDirectory() as folder, chromium_browser() as browser:
        path = Path(folder) / "map.html"
        path.write_text(page, encoding="utf-8")
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            tab = context.new_page()
            block_network(tab)
            tab.goto(path.as_uri(), wait_until="load")
            loads_ms.append(tab.evaluate(LOAD_MS_JS))
            drawn = tab.evaluate(DRAWN_SITES_JS)
            context.close()
    load_s = statistics.median(loads_ms) / 1000
    return {
        "benchmark": "webmap",
        "sites": n_sites,
        "render_s": round(render_s, 2),
        "size_bytes": size_bytes,
        "size_ok": size_bytes <= TARGET_BYTES,
        "load_s": round(load_s, 3),
        "load_runs_s": [round(ms / 1000, 3) for ms in loads_ms],
        "load_ok": load_s <= TARGET_LOAD_S,
        "sites_drawn": drawn,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(measure(args.sites, args.runs)))


if __name__ == "__main__":
    main()
