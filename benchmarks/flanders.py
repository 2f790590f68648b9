"""All of Flanders at 10 m, end to end: a generated Flanders-sized study, cold and warm.

The region is a wavy band 250 km wide and about 60 km high (15,342 km² with the default
seed; Flanders: about 13,600 km²) in a 250 km × 88 km bounding box, so that at 10 m the
analysis grid has 25,000 × 8,800 = 2.2 × 10⁸ cells. ``--scale S`` shrinks every length by
``S`` (``S = 0.25`` has 1/16 of the cells); feature counts follow the area (``S²``) with
small minimums, so the feature density stays that of the full-size region.

Generated with a seed, through the project's public API (``Workspace.create``,
``Workspace.add_layer``, ``parse_study``, ``save_study``):

- ~300 municipalities (Voronoi cells clipped to the region); 12 contiguous partners among
  them (12 = ``NUCLEOLUS_MAX_PARTNERS``: every game method of the run, the nucleolus and the
  exact Shapley value included, is computed; more partners would drop the nucleolus and
  above 25 the Shapley value is sampled);
- ``[study_area] layer`` = the region's outline, so that the grid, the exclusions, the
  distance rasters, the score and the search for candidate regions cover the whole
  Flanders-sized region (with the default study area, the partners' municipalities, the grid
  would only cover the partners' bounding box); the other municipalities' land, widened by
  30 m, is an ``inside`` exclusion, so that every site lies on the partners' land, clear of
  their border (a site clipped to the partners' territory by the run can keep a part of
  ~1e-13 ha in a neighbour, which the equalisation then refuses: see results/flanders.md);
- a few hundred stations (points), roads (lines), nature areas (polygons: an exclusion and a
  distance criterion), housing cores (polygons: a 150 m buffer exclusion and a distance
  criterion): 4 distance criteria, 3 exclusions (nature, housing buffer, other
  municipalities) and the study area;
- robustness with 200 draws, the partners' facts, keys and finance (equalisation), the map
  and the dossier: the normal ``parkplan run``.

Then ``parkplan -v run STUDY -q`` in a child process (cold: empty caches), the weights
changed in ``study.toml``, and the same again (warm: the standardised criterion rasters and
the exclusion raster are linked from the workspace's cache, only the score raster is
written). ``--compression`` sets ``[outputs] compression`` (default ``deflate``). Wall time
and the peak RSS of the process tree (psutil, every 0.2 s) of each run; the run's log lines
with the seconds since its start; the load average. The last line is JSON: ``{scale,
compression, cells, cold_s, cold_peak_mb, warm_s, warm_peak_mb, ...}``.

``--profile`` runs the cold run under cProfile instead (in the child) and prints the top 15
cumulative entries (use a small scale: the profiler slows the run down).

    .venv/bin/python benchmarks/flanders.py [--scale S] [--seed N] [--profile] [--keep DIR]
        [--compression deflate|zstd|lzw]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import psutil
import shapely
from shapely import affinity
from shapely.geometry import LineString, MultiPoint, Point, Polygon, box

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
# The benchmark scripts' names must not shadow the packages (benchmarks/equalisation.py).
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from parkplan.demo import DEMO_FINANCE_AND_KEYS  # noqa: E402
from parkplan.study import parse_study, save_study  # noqa: E402
from parkplan.workspace import Workspace  # noqa: E402

CRS = "EPSG:31370"
#: South-west corner of the bounding box (Lambert 72, roughly that of Flanders).
X0, Y0 = 22_000.0, 153_000.0
#: Full-size bounding box (m): 250 km × 88 km ≈ 2.2 × 10⁸ cells of 10 m.
WIDTH_M, HEIGHT_M = 250_000.0, 88_000.0
CELL_M = 10.0
#: Full-size feature counts (scaled by S², with the minimums below).
FULL = {"municipalities": 300, "stations": 300, "roads": 300, "nature": 400, "housing": 600}
MINIMUM = {"municipalities": 24, "stations": 3, "roads": 3, "nature": 3, "housing": 4}
PARTNERS = 12
WEIGHTS_COLD = {"station": 0.30, "road": 0.35, "nature": 0.15, "housing": 0.20}
WEIGHTS_WARM = {"station": 0.40, "road": 0.25, "nature": 0.15, "housing": 0.20}
DRAWS = 200
#: The land of the other municipalities, widened by this, is excluded (sites stay clear of
#: the partners' border: see the module's docstring).
BORDER_M = 30.0


def counts(scale: float) -> dict[str, int]:
    return {k: max(MINIMUM[k], round(n * scale * scale)) for k, n in FULL.items()}


# --------------------------------------------------------------------------- generation


def band(rng: np.random.Generator, scale: float) -> Polygon:
    """A wavy band filling the bounding box's width, ~62 % of its area."""
    w, h = WIDTH_M * scale, HEIGHT_M * scale
    x = np.linspace(0.0, w, 400)
    t = x / w

    def wave(mean: float) -> np.ndarray:
        y = np.full_like(t, mean)
        for k, amp in ((1, 0.09), (2, 0.05), (5, 0.025), (11, 0.012)):
            y += amp * np.sin(2 * math.pi * k * t + rng.uniform(0, 2 * math.pi))
        return y

    low, high = wave(0.19), wave(0.81)
    lo, hi = low.min(), high.max()  # the band touches the box's bottom and top
    low, high = (low - lo) / (hi - lo), (high - lo) / (hi - lo)
    high = np.maximum(high, low + 0.25)
    coords = [(X0 + xi, Y0 + yi * h) for xi, yi in zip(x, low, strict=True)]
    coords += [(X0 + xi, Y0 + yi * h) for xi, yi in zip(x[::-1], high[::-1], strict=True)]
    return shapely.make_valid(Polygon(coords))


def points_inside(rng: np.random.Generator, region, n: int) -> list[Point]:
    minx, miny, maxx, maxy = region.bounds
    shapely.prepare(region)
    found: list[Point] = []
    while len(found) < n:
        xs = rng.uniform(minx, maxx, 4 * n)
        ys = rng.uniform(miny, maxy, 4 * n)
        pts = shapely.points(xs, ys)
        found += [p for p in pts[shapely.contains(region, pts)]]
    return found[:n]


def municipalities(rng, region, n: int) -> gpd.GeoDataFrame:
    seeds = points_inside(rng, region, n)
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=box(*region.bounds))
    shapes = [c.intersection(region) for c in cells.geoms]
    shapes = [s for s in shapes if not s.is_empty and s.area > 0]
    shapes.sort(key=lambda s: (round(s.centroid.x, -2), s.centroid.y))
    return gpd.GeoDataFrame(
        {
            "name": [f"Gemeente {i + 1:03d}" for i in range(len(shapes))],
            "nis": [f"{10000 + i}" for i in range(len(shapes))],
        },
        geometry=shapes,
        crs=CRS,
    )


def contiguous_group(towns: gpd.GeoDataFrame, size: int) -> list[int]:
    """``size`` municipalities grown from the one nearest the region's centre (by adjacency)."""
    centre = towns.union_all().centroid
    start = int(towns.distance(centre).idxmin())
    group = [start]
    while len(group) < size:
        current = towns.geometry.iloc[group].union_all()
        touching = towns.index[towns.intersects(current.buffer(1.0)) & ~towns.index.isin(group)]
        if len(touching) == 0:
            break
        nearest = towns.loc[touching].distance(towns.geometry.iloc[start].centroid).idxmin()
        group.append(int(nearest))
    return group


def roads(rng, region, n: int) -> list[LineString]:
    starts = points_inside(rng, region, n)
    minx, miny, maxx, maxy = region.bounds
    lines = []
    for p in starts:
        x, y = p.x, p.y
        heading = rng.uniform(0, 2 * math.pi)
        coords = [(x, y)]
        for _ in range(int(rng.integers(6, 14))):
            heading += rng.normal(0, 0.35)
            step = rng.uniform(1_500, 4_000)
            x = float(np.clip(x + step * math.cos(heading), minx, maxx))
            y = float(np.clip(y + step * math.sin(heading), miny, maxy))
            coords.append((x, y))
        lines.append(LineString(coords))
    return lines


def blobs(rng, centres: list[Point], r_min: float, r_max: float) -> list[Polygon]:
    out = []
    for c in centres:
        r = rng.uniform(r_min, r_max)
        shape = affinity.scale(c.buffer(r, quad_segs=6), rng.uniform(0.5, 1.6), 1.0)
        out.append(affinity.rotate(shape, rng.uniform(0, 180)))
    return out


def generate(
    root: Path, sources: Path, *, scale: float, seed: int, compression: str = "deflate"
) -> dict:
    """Write the layers, create the study at ``root`` and save ``study.toml``; its figures."""
    rng = np.random.default_rng(seed)
    n = counts(scale)
    region = band(rng, scale)
    towns = municipalities(rng, region, n["municipalities"])
    group = contiguous_group(towns, min(PARTNERS, len(towns)))
    partner_land = towns.geometry.iloc[group].union_all()
    station_pts = points_inside(rng, region, n["stations"] - 2)
    station_pts += points_inside(rng, partner_land, 2)  # the group has its stations
    road_lines = roads(rng, region, n["roads"] - 1)
    # and a road through the group (a park is planned along a road)
    c = partner_land.centroid
    west = (c.x - 30_000 * scale, c.y - 4_000 * scale)
    east = (c.x + 30_000 * scale, c.y + 3_000 * scale)
    road_lines.append(LineString([west, (c.x, c.y), east]))
    nature = blobs(rng, points_inside(rng, region, n["nature"]), 250, 1_500)
    housing = blobs(rng, points_inside(rng, region, n["housing"]), 250, 1_000)
    others = towns.geometry.drop(towns.index[group]).union_all().buffer(BORDER_M)
    layers = {
        "flanders": gpd.GeoDataFrame({"name": ["region"]}, geometry=[region], crs=CRS),
        "beyond_partners": gpd.GeoDataFrame(
            {"name": ["other municipalities"]}, geometry=[others.intersection(region)], crs=CRS
        ),
        "municipalities": towns,
        "stations": gpd.GeoDataFrame(
            {"name": [f"Station {i + 1}" for i in range(len(station_pts))]},
            geometry=station_pts,
            crs=CRS,
        ),
        "roads": gpd.GeoDataFrame(
            {"name": [f"N{i + 1}" for i in range(len(road_lines))]}, geometry=road_lines, crs=CRS
        ),
        "nature": gpd.GeoDataFrame(
            {"name": [f"Natuur {i + 1}" for i in range(len(nature))]}, geometry=nature, crs=CRS
        ),
        "housing": gpd.GeoDataFrame(
            {"name": [f"Kern {i + 1}" for i in range(len(housing))]}, geometry=housing, crs=CRS
        ),
    }
    workspace = Workspace.create(root, crs=CRS)
    for name, frame in layers.items():
        path = sources / f"{name}.gpkg"
        frame.to_file(path, layer=name, engine="pyogrio")
        workspace.add_layer(path, name)
    partners = []
    for i in group:
        population = int(rng.integers(8_000, 60_000))
        partners.append(
            {
                "name": str(towns["name"].iloc[i]),
                "population": population,
                "demand_ha": round(float(rng.uniform(2.0, 12.0)), 1),
                "municipal_opcentiemen": round(float(rng.uniform(700, 1_600)), 0),
                "fiscal_capacity_eur": round(population * float(rng.uniform(600, 1_100)), 0),
            }
        )
    table = study_table(partners, WEIGHTS_COLD) | {"outputs": {"compression": compression}}
    save_study(parse_study(table, source="generated"), root)
    bounds = region.bounds
    width = math.ceil((bounds[2] - bounds[0]) / CELL_M)
    height = math.ceil((bounds[3] - bounds[1]) / CELL_M)
    return {
        "region_km2": round(region.area / 1e6, 1),
        "bbox_km": [
            round((bounds[2] - bounds[0]) / 1000, 1),
            round((bounds[3] - bounds[1]) / 1000, 1),
        ],
        "grid_estimate": [width, height],
        "features": {name: len(frame) for name, frame in layers.items()},
        "partners": [p["name"] for p in partners],
        "partners_km2": round(partner_land.area / 1e6, 1),
        "_partners": partners,
    }


def study_table(partners: list[dict], weights: dict[str, float]) -> dict:
    pooled = sum(p["demand_ha"] for p in partners)
    transforms = {
        "station": {"kind": "linear", "direction": "decreasing", "c": 1_000.0, "d": 8_000.0},
        "road": {"kind": "sigmoid", "direction": "decreasing", "c": 500.0, "d": 5_000.0},
        "nature": {"kind": "linear", "direction": "increasing", "a": 100.0, "b": 2_000.0},
        "housing": {"kind": "linear", "direction": "increasing", "a": 150.0, "b": 1_500.0},
    }
    layer = {"station": "stations", "road": "roads", "nature": "nature", "housing": "housing"}
    return {
        "name": "Flanders-sized benchmark study",
        "crs": CRS,
        "cell_size_m": CELL_M,
        "study_area": {"layer": "flanders"},
        "exclusions": [
            {"name": "nature", "kind": "inside", "layer": "nature"},
            {"name": "housing_buffer", "kind": "buffer", "layer": "housing", "buffer_m": 150.0},
            {"name": "beyond_partners", "kind": "inside", "layer": "beyond_partners"},
        ],
        "criteria": [
            {
                "name": name,
                "kind": "distance",
                "layer": layer[name],
                "weight": weights[name],
                "transform": transforms[name],
            }
            for name in weights
        ],
        "weights": {"method": "direct"},
        "aggregation": {"method": "wlc"},
        "sites": {
            "source": "regions",
            "threshold": 0.5,
            "min_area_ha": 5.0,
            "max_sites": 20,
            "sites_per_region": 4,
            "separation_m": 300.0,
            "target_area_ha": round(pooled / 0.7, 1),
            "simplify_m": 10.0,
        },
        "robustness": {"draws": DRAWS, "concentration": 50.0, "seed": 20261203},
        "partners": partners,
        **DEMO_FINANCE_AND_KEYS,
    }


# --------------------------------------------------------------------------- measurement


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def run_measured(command: list[str], label: str, log_path: Path) -> dict:
    """Run ``command``; wall time, peak tree RSS (0.2 s polling), its stderr lines timed."""
    load_before = [round(x, 2) for x in os.getloadavg()]
    start = time.perf_counter()
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT
    )
    lines: list[str] = []
    marks: dict[str, float] = {}

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            now = time.perf_counter() - start
            for name, marker in MARKERS:
                if name not in marks and marker in line:
                    marks[name] = now
            stamped = f"[{now:7.1f} s] {line.rstrip()}"
            lines.append(stamped)
            print(f"  {label} {stamped}", flush=True)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    proc = psutil.Process(child.pid)
    peak = 0
    by_phase: dict[str, int] = {}
    while child.poll() is None:
        try:
            rss = tree_rss(proc)
        except psutil.Error:
            rss = 0
        peak = max(peak, rss)
        reached = [name for name, _ in MARKERS if name in marks]
        current = max(reached, key=marks.get) if reached else "start"
        by_phase[current] = max(by_phase.get(current, 0), rss)
        time.sleep(0.2)
    wall = time.perf_counter() - start
    reader.join(timeout=5)
    log_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {
        "seconds": round(wall, 1),
        "peak_mb": round(peak / 2**20),
        "phases_s": phases(marks, wall),
        "phase_peak_mb": {PHASE_NAMES[k]: round(v / 2**20) for k, v in by_phase.items()},
        "returncode": child.returncode,
        "load_before": load_before,
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }


#: Log lines that open a phase of the run (the first line containing the text).
MARKERS = (
    ("distances", "computing distances"),
    ("distances", "reusing the distance raster"),
    ("distances", "parkplan.score_cache: "),
    ("score", "geo.engine: scoring"),
    ("sites", "geo.regions:"),
    ("robustness_done", "geo.robustness:"),
    ("published", "parkplan.runs: published"),
)


#: The phase that starts at each marker (the log line arrives when its step begins, except
#: for the regions and robustness lines, which arrive when theirs end).
PHASE_NAMES = {
    "start": "startup_layers_exclusions",
    "distances": "distance_rasters",
    "score": "score_criteria_rasters_regions",
    "sites": "zonal_split_robustness",
    "robustness_done": "equalisation_outputs_map_dossier",
    "published": "publish_exit",
}


def phases(marks: dict[str, float], wall: float) -> dict[str, float]:
    """Seconds per phase, from the times the markers' log lines arrived."""
    order = ["start", "distances", "score", "sites", "robustness_done", "published", "end"]
    at = {"start": 0.0, **marks, "end": wall}
    known = [k for k in order if k in at]
    return {PHASE_NAMES[a]: round(at[b] - at[a], 1) for a, b in itertools.pairwise(known)}


def grid_cells(study: Path) -> tuple[int, int] | None:
    import rasterio

    found = sorted(study.rglob("suitability.tif"))
    if not found:
        return None
    with rasterio.open(found[-1]) as src:
        return src.width, src.height


def change_weights(study: Path) -> None:
    from parkplan.study import read_study

    current, _ = read_study(study)
    table = json.loads(current.model_dump_json(exclude_none=True))
    for c in table["criteria"]:
        c["weight"] = WEIGHTS_WARM[c["name"]]
    save_study(parse_study(table, source="changed"), study)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="linear fraction of Flanders")
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--profile", action="store_true", help="cold run under cProfile only")
    parser.add_argument("--keep", type=Path, help="keep the study in this (new) folder")
    parser.add_argument(
        "--compression", default="deflate", help="[outputs] compression of the study"
    )
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.1f} GB")
    print(f"load average at start: {[round(x, 2) for x in os.getloadavg()]}")
    tmp = Path(tempfile.mkdtemp(prefix="parkplan-flanders-"))
    try:
        study = (args.keep or tmp / "study").resolve()
        sources = tmp / "sources"
        sources.mkdir()
        t0 = time.perf_counter()
        facts = generate(
            study, sources, scale=args.scale, seed=args.seed, compression=args.compression
        )
        facts.pop("_partners")
        generate_s = time.perf_counter() - t0
        print(f"generated in {generate_s:.1f} s: {json.dumps(facts)}", flush=True)
        cli = [sys.executable, "-m", "parkplan", "-v", "run", str(study), "-q"]
        if args.profile:
            prof = tmp / "cold.prof"
            command = [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "parkplan",
                       "-v", "run", str(study), "-q"]  # fmt: skip
            result = run_measured(command, "profile", tmp / "profile.log")
            print(f"profiled cold run: {json.dumps(result)}")
            stats = pstats.Stats(str(prof))
            stats.sort_stats("cumulative").print_stats(15)
            # the project's own functions (the entries above are mostly the call chain)
            stats.sort_stats("cumulative").print_stats(r"/(parkplan|geo|equalisation|webmap)/", 30)
            stats.sort_stats("tottime").print_stats(15)
            return
        cold = run_measured(cli, "cold", tmp / "cold.log")
        print(f"cold: {json.dumps(cold)}", flush=True)
        size = grid_cells(study)
        change_weights(study)
        warm = run_measured(cli, "warm", tmp / "warm.log")
        print(f"warm: {json.dumps(warm)}", flush=True)
        print(f"load average at end: {[round(x, 2) for x in os.getloadavg()]}")
        width, height = size or facts["grid_estimate"]
        line = {
            "scale": args.scale,
            "compression": args.compression,
            "cells": width * height,
            "grid": [width, height],
            "cold_s": cold["seconds"],
            "cold_peak_mb": cold["peak_mb"],
            "warm_s": warm["seconds"],
            "warm_peak_mb": warm["peak_mb"],
            "cold_rc": cold["returncode"],
            "warm_rc": warm["returncode"],
            "generate_s": round(generate_s, 1),
            "load_start": cold["load_before"],
            "load_end": warm["load_after"],
        }
        print(json.dumps(line))
        if cold["returncode"] or warm["returncode"]:
            sys.exit(1)
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept: the study in {study}, its sources and the run logs in {tmp}")


if __name__ == "__main__":
    main()
