"""Benchmark of the suitability engine, zonal statistics and the municipality split.

Seeded synthetic inputs: a square grid (5,600 cells a side at 10 m; ``--quick``: 1,400) with
8 criterion rasters and 2 exclusion rasters as tiled, DEFLATE-compressed GeoTIFFs.

Every side of a comparison runs in a fresh process (peak memory is that process's maximum
RSS), with one warm-up run each and then ``--rounds`` alternating rounds (A B C, B C A, …;
see ``bench_support.py``): the median, minimum and maximum of each side, and the load average
around every run, are reported.

Engine case, three sides; each child times its work alone (after its imports, up to the
output closed), its process's wall and CPU time are kept too:

(a) the I/O floor: read every input block by block with as many threads as parkplan's engine
    (:func:`geo.engine.score` uses ``min(4, cores)`` block threads, each with its own GDAL
    datasets opened with ``NUM_THREADS=ALL_CPUS``, at most ``threads + 1`` blocks in flight)
    and write one float32 output of the same size (tiled, parkplan's codec, predictor and
    compression threads), nothing computed, no overviews;
(b) parkplan: :func:`geo.engine.score` with the same threads (standardise 8 criteria,
    2 exclusions, WLC, write a COG with overviews);
(c) ``gdal_calc.py`` computing the same standardised weighted sum, run by the interpreter of
    its ``#!`` line through ``osgeo_utils.gdal_calc.main`` so that its imports are not timed
    (skipped when missing); it evaluates the expression on one thread.

Then, once, parkplan on a grid of half the side to see whether memory grows.

Zonal case, four sides on the score raster and 10,000 sites (0.5–20 ha), the time of the work
alone (sites already read) and the process's peak memory:

- parkplan :func:`geo.zonal.zonal_scores`, which always computes four statistics: the
  coverage-weighted mean, minimum, 10th percentile and excluded share;
- exactextract (``raster-sequential``) asked for the same four: ``mean``, ``min``,
  ``quantile(q=0.10)`` and ``count`` (the excluded share is 1 - count / covered cells, the
  covered cells being the polygon's area over the cell's);
- parkplan's coverage and batching code asked for the mean alone (no public API does this;
  the same loop as ``zonal_scores`` with only the weighted mean);
- exactextract asked for the mean alone.

Then the split of the 10,000 sites over 60 municipalities (Voronoi cells; the real West
Flanders municipalities when available): median of 5 runs in this process.

The last line printed is a JSON object with the figures.

Usage::

    python benchmarks/suitability.py [--quick] [--rounds N] [--workdir DIR]
                                     [--compare-python PYTHON]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import bench_support  # benchmarks/bench_support.py, beside this script
import numpy as np

from geo.layers.blocks import COG_OPTIONS, STREAMING_CACHE_MB

#: the block threads of :func:`geo.engine.score` when none are given (``min(4, cores)``);
#: the floor and parkplan both get exactly this many
ENGINE_THREADS = min(4, os.cpu_count() or 1)
SEED = 20_240_601
CELL_M = 10.0
X_MIN, Y_MAX = 20_000.0, 240_000.0
CRS = "EPSG:31370"
TILE = 512
#: compression of every output (the I/O floor's, gdal_calc's): parkplan's own COG settings,
#: spelt for the GTiff driver (which calls the ZSTD level ZSTD_LEVEL)
OUTPUT_OPTIONS = {
    "COMPRESS": COG_OPTIONS["COMPRESS"],
    "ZSTD_LEVEL": COG_OPTIONS["LEVEL"],
    "PREDICTOR": COG_OPTIONS["PREDICTOR"],
    "NUM_THREADS": COG_OPTIONS["NUM_THREADS"],
}

#: name -> (transform keyword arguments, weight); raw values are 0–100.
CRITERIA = {
    "motorway": ({"kind": "sigmoid", "direction": "decreasing", "c": 10, "d": 60}, 3.0),
    "station": ({"kind": "linear", "direction": "decreasing", "c": 20, "d": 80}, 1.0),
    "quay": ({"kind": "j_shaped", "a": 20, "b": 70}, 1.0),
    "residential": ({"kind": "linear", "a": 15, "b": 45}, 2.0),
    "slope": ({"kind": "sigmoid", "direction": "decreasing", "c": 30, "d": 90}, 2.0),
    "soil": (
        {"kind": "gaussian", "direction": "symmetric", "a": 10, "b": 40, "c": 60, "d": 90},
        1.0,
    ),
    "grid_power": ({"kind": "linear", "a": 5, "b": 95}, 1.0),
    "parks": ({"kind": "sigmoid", "a": 25, "b": 75}, 1.0),
}
EXCLUSIONS = {"steep": (">", 92.0), "flood": ("==", 1.0)}


# ----------------------------------------------------------------------------- inputs


def make_inputs(folder: Path, side: int) -> None:
    """Write the 10 seeded input rasters for a ``side`` x ``side`` grid into ``folder``."""
    import rasterio
    from rasterio.windows import Window

    folder.mkdir(parents=True, exist_ok=True)
    transform = rasterio.Affine(CELL_M, 0, X_MIN, 0, -CELL_M, Y_MAX)
    profile = {
        "driver": "GTiff",
        "width": side,
        "height": side,
        "count": 1,
        "crs": CRS,
        "transform": transform,
        "tiled": True,
        "blockxsize": TILE,
        "blockysize": TILE,
        "compress": "DEFLATE",
    }
    names = [*CRITERIA, *EXCLUSIONS]
    for k, name in enumerate(names):
        is_flag = name == "flood"
        options = {
            **profile,
            "dtype": "uint8" if is_flag else "float32",
            "nodata": None if is_flag else -9999.0,
            "predictor": 2 if is_flag else 3,
        }
        rng = np.random.default_rng(SEED + k)
        phase = rng.uniform(0, 2 * np.pi, 4)
        wavelength = rng.uniform(800, 4000, 2) / CELL_M
        with rasterio.open(folder / f"{name}.tif", "w", **options) as dst:
            for row in range(0, side, TILE):
                for col in range(0, side, TILE):
                    h, w = min(TILE, side - row), min(TILE, side - col)
                    rows, cols = np.mgrid[row : row + h, col : col + w]
                    field = (
                        50
                        + 28
                        * np.sin(cols / wavelength[0] + phase[0])
                        * np.cos(rows / wavelength[1] + phase[1])
                        + 15 * np.sin((rows + cols) / (wavelength[0] * 0.37) + phase[2])
                        + rng.normal(0, 3, (h, w))
                    )
                    if is_flag:
                        data = (field > 88).astype(np.uint8)
                    else:
                        data = np.round(np.clip(field, 0, 100), 1).astype(np.float32)
                        if k == 0:  # a nodata hole in one criterion
                            data[(rows % 1500 < 40) & (cols % 1700 < 60)] = -9999.0
                    dst.write(data, 1, window=Window(col, row, w, h))


# ----------------------------------------------------------------------------- children


def child_io_floor(data: Path, out: Path) -> dict:
    """Read the 10 inputs block by block on :data:`ENGINE_THREADS` threads (each with its own
    datasets, like the engine's readers) and write the first one's blocks, in order."""
    import threading

    import rasterio
    from rasterio.windows import Window

    start = time.perf_counter()
    names = [*CRITERIA, *EXCLUSIONS]
    local = threading.local()
    opened: list = []
    lock = threading.Lock()

    def sources() -> list:
        if not hasattr(local, "sources"):
            local.sources = [
                rasterio.open(data / f"{n}.tif", NUM_THREADS="ALL_CPUS") for n in names
            ]
            with lock:
                opened.extend(local.sources)
        return local.sources

    def read(window: Window) -> np.ndarray:
        blocks = [src.read(1, window=window, out_dtype=np.float32) for src in sources()]
        return blocks[0]

    with rasterio.open(data / f"{names[0]}.tif") as first:
        width, height, crs, transform = first.width, first.height, first.crs, first.transform
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 1,
        "dtype": "float32",
        "crs": crs,
        "transform": transform,
        "nodata": np.nan,
        "tiled": True,
        "blockxsize": TILE,
        "blockysize": TILE,
        **OUTPUT_OPTIONS,
    }
    windows = [
        Window(col, row, min(TILE, width - col), min(TILE, height - row))
        for row in range(0, height, TILE)
        for col in range(0, width, TILE)
    ]
    with (
        rasterio.Env(GDAL_CACHEMAX=STREAMING_CACHE_MB),
        rasterio.open(out, "w", **profile) as dst,
        ThreadPoolExecutor(max_workers=ENGINE_THREADS) as pool,
    ):
        pending: list = []
        for window in windows:
            pending.append((window, pool.submit(read, window)))
            if len(pending) > ENGINE_THREADS:
                done_window, block = pending.pop(0)
                dst.write(block.result(), 1, window=done_window)
        for done_window, block in pending:
            dst.write(block.result(), 1, window=done_window)
    for src in opened:
        src.close()
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "threads": ENGINE_THREADS,
        "peak_rss_mb": bench_support.peak_rss_mb(),
    }


def child_score(data: Path, out: Path) -> dict:
    import rasterio

    from geo.criteria import RasterCriterion
    from geo.engine import score
    from geo.exclusions import RasterExclusion
    from geo.grid import Grid
    from geo.runners import InProcess
    from geo.transforms import Transform

    start = time.perf_counter()
    with rasterio.open(data / "motorway.tif") as src:
        grid = Grid(CRS, X_MIN, Y_MAX, CELL_M, src.width, src.height)
    criteria = [
        RasterCriterion(n, data / f"{n}.tif", Transform(**t)) for n, (t, _) in CRITERIA.items()
    ]
    exclusions = [RasterExclusion(n, data / f"{n}.tif", op, v) for n, (op, v) in EXCLUSIONS.items()]
    score(
        grid,
        criteria,
        {n: w for n, (_, w) in CRITERIA.items()},
        exclusions=exclusions,
        out_path=out,
        block_size=TILE,
        runner=InProcess(ENGINE_THREADS),
    )
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "threads": ENGINE_THREADS,
        "peak_rss_mb": bench_support.peak_rss_mb(),
    }


def child_zonal(data: Path, out: Path, which: str) -> dict:
    """parkplan's zonal statistics of ``data/sites.gpkg`` on ``data/score.tif`` (``which``:
    ``four``, the public :func:`geo.zonal.zonal_scores`; ``mean``, the same loop computing
    the weighted mean only), written to ``out`` (CSV)."""
    import geopandas as gpd
    import pandas as pd
    import rasterio

    from geo.grid import Grid
    from geo.zonal import _BatchCells, _per_site, checked_sites, zonal_scores

    sites = gpd.read_file(data / "sites.gpkg")
    raster = data / "score.tif"
    with rasterio.open(raster) as src:
        grid = Grid(CRS, X_MIN, Y_MAX, CELL_M, src.width, src.height)

    def mean_only(cover, n, score_reader, readers):
        out = np.full((n, 1), np.nan)
        if cover.fraction.size == 0:
            return out
        scores = _BatchCells(cover).values(score_reader)
        scored = ~np.isnan(scores)
        f, site = cover.fraction[scored], cover.polygon[scored]
        with np.errstate(invalid="ignore", divide="ignore"):
            total = np.bincount(site, weights=f * scores[scored], minlength=n)
            out[:, 0] = total / np.bincount(site, weights=f, minlength=n)
        return out

    start = time.perf_counter()
    if which == "four":
        table = zonal_scores(sites, grid, raster)
    else:
        geometries, ids = checked_sites(sites, grid, "site_id")
        means = _per_site(geometries, grid, raster, {}, mean_only, 1, 1000)
        table = pd.DataFrame({"site_id": ids, "score": means[:, 0]})
    seconds = time.perf_counter() - start
    table.to_csv(out, index=False)
    return {"seconds": seconds, "peak_rss_mb": bench_support.peak_rss_mb()}


GDAL_CALC = bench_support.PEAK_RSS_SOURCE + textwrap.dedent("""
    import json, sys, time
    from osgeo_utils.gdal_calc import main
    start = time.perf_counter()
    main(["gdal_calc.py", *sys.argv[1:]])
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb()}))
""")


def gdal_calc_command(data: Path, out: Path) -> list[str] | None:
    """gdal_calc.py on the same model, run by the interpreter of its ``#!`` line so that the
    work alone is timed (after the imports, like the other sides)."""
    program = shutil.which("gdal_calc.py") or shutil.which("gdal_calc")
    if program is None:
        return None
    first = Path(program).read_text(errors="replace").splitlines()[0]
    interpreter = first[2:].strip().split() if first.startswith("#!") else [sys.executable]
    args, expression = gdal_calc_expression()
    command = [
        *interpreter,
        "-c",
        GDAL_CALC,
        *[a if a.startswith("-") else str(data / a) for a in args],
        f"--outfile={out}",
        f"--calc={expression}",
        "--type=Float32",
        "--NoDataValue=-9999",
        "--overwrite",
        "--quiet",
    ]
    command += [
        f"--co={k}={v}"
        for k, v in {
            **OUTPUT_OPTIONS,
            "TILED": "YES",
            "BLOCKXSIZE": TILE,
            "BLOCKYSIZE": TILE,
        }.items()
    ]
    return command


def child_command(kind: str, data: Path, out: Path) -> list[str]:
    return [sys.executable, __file__, "--child", kind, "--data", str(data), "--out", str(out)]


def whole_process(command: list[str]) -> dict:
    """Run ``command`` in a fresh process: its seconds are the work alone, as the child
    reports them (after its imports); the process's wall and CPU time and peak RSS are kept."""
    return bench_support.run_child(command)


def gdal_calc_expression() -> tuple[list[str], str]:
    """Inputs and the numpy expression of the same model for gdal_calc.py."""
    letters = "ABCDEFGHIJ"
    names = [*CRITERIA, *EXCLUSIONS]
    terms = []
    total = sum(w for _, w in CRITERIA.values())
    for letter, (transform, weight) in zip(letters, CRITERIA.values(), strict=False):
        terms.append(f"{weight / total!r}*({_numpy_transform(letter, transform)})")
    steep, flood = letters[len(CRITERIA)], letters[len(CRITERIA) + 1]
    expression = f"where(({steep}>92)|({flood}==1),-9999,{'+'.join(terms)})"
    args = []
    for letter, name in zip(letters, names, strict=True):
        args += [f"-{letter}", f"{name}.tif"]
    return args, expression


def _numpy_transform(x: str, t: dict) -> str:
    kind, direction = t["kind"], t.get("direction", "increasing")
    a, b, c, d = (t.get(k) for k in "abcd")
    rise = {
        "linear": f"clip(({x}-{a})/({b}-{a}),0,1)",
        "sigmoid": f"sin(clip(({x}-{a})/({b}-{a}),0,1)*pi/2)**2",
        "j_shaped": f"1/(1+(minimum({x}-{b},0)/({b}-{a}))**2)",
        "gaussian": f"exp(-log(2)*(minimum({x}-{b},0)/({b}-{a}))**2)",
    }[kind]
    fall = {
        "linear": f"clip(({d}-{x})/({d}-{c}),0,1)",
        "sigmoid": f"sin(clip(({d}-{x})/({d}-{c}),0,1)*pi/2)**2",
        "j_shaped": f"1/(1+(minimum({c}-{x},0)/({d}-{c}))**2)",
        "gaussian": f"exp(-log(2)*(minimum({c}-{x},0)/({d}-{c}))**2)",
    }[kind]
    return {"increasing": rise, "decreasing": fall, "symmetric": f"minimum({rise},{fall})"}[
        direction
    ]


def compare_rasters(ours: Path, theirs: Path) -> float:
    """Largest absolute difference of the two score rasters (nodata must match)."""
    import rasterio

    worst = 0.0
    with rasterio.open(ours) as a, rasterio.open(theirs) as b:
        for _, window in a.block_windows(1):
            x = a.read(1, window=window, masked=True).filled(np.nan)
            y = b.read(1, window=window, masked=True).filled(np.nan)
            if not np.array_equal(np.isnan(x), np.isnan(y)):
                return float("inf")
            if np.any(~np.isnan(x)):
                worst = max(worst, float(np.nanmax(np.abs(x - y))))
    return worst


# ----------------------------------------------------------------------------- sites


def make_sites(side: int, count: int):
    import geopandas as gpd
    import shapely
    import shapely.affinity

    rng = np.random.default_rng(SEED)
    extent = side * CELL_M
    area_m2 = rng.uniform(0.5, 20.0, count) * 10_000
    radius = np.sqrt(area_m2 / np.pi)
    x = X_MIN + rng.uniform(radius.max(), extent - radius.max(), count)
    y = Y_MAX - rng.uniform(radius.max(), extent - radius.max(), count)
    discs = shapely.buffer(shapely.points(x, y), radius, quad_segs=3)
    stretch = rng.uniform(0.5, 2.0, count)
    angle = rng.uniform(0, 180, count)
    geometries = [
        shapely.affinity.rotate(shapely.affinity.scale(g, s, 1 / s), a)
        for g, s, a in zip(discs, stretch, angle, strict=True)
    ]
    return gpd.GeoDataFrame({"site_id": np.arange(1, count + 1)}, geometry=geometries, crs=CRS)


def make_municipalities(side: int, count: int = 60):
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(SEED + 99)
    extent = side * CELL_M
    frame = shapely.box(X_MIN, Y_MAX - extent, X_MIN + extent, Y_MAX)
    seeds = shapely.MultiPoint(
        np.column_stack(
            [X_MIN + rng.uniform(0, extent, count), Y_MAX - rng.uniform(0, extent, count)]
        )
    )
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=frame))
    cells = shapely.segmentize(shapely.intersection(cells, frame), 50.0)  # realistic detail
    return gpd.GeoDataFrame(
        {"name": [f"M{k:02d}" for k in range(len(cells))]}, geometry=cells, crs=CRS
    )


# ----------------------------------------------------------------------------- zonal

EXACTEXTRACT = bench_support.PEAK_RSS_SOURCE + textwrap.dedent("""
    import json, sys, time
    import geopandas as gpd
    from exactextract import exact_extract
    sites = gpd.read_file(sys.argv[1]); raster, which, out = sys.argv[2], sys.argv[3], sys.argv[4]
    cell_area = float(sys.argv[5])
    ops = ["mean", "min", "quantile(q=0.10)", "count"] if which == "four" else ["mean"]
    start = time.perf_counter()
    table = exact_extract(raster, sites, ops, include_cols=["site_id"],
                          strategy="raster-sequential", output="pandas")
    if which == "four":
        covered = sites.geometry.area.to_numpy() / cell_area
        table["share_excluded"] = 1.0 - table["count"].to_numpy() / covered
    seconds = time.perf_counter() - start
    table.to_csv(out, index=False)
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb()}))
""")


def exactextract_command(python: str, workdir: Path, which: str) -> list[str] | None:
    probe = subprocess.run([python, "-c", "import exactextract"], capture_output=True)
    if probe.returncode != 0:
        return None
    return [
        python,
        "-c",
        EXACTEXTRACT,
        str(workdir / "sites.gpkg"),
        str(workdir / "score.tif"),
        which,
        str(workdir / f"exactextract_{which}.csv"),
        str(CELL_M * CELL_M),
    ]


def zonal_differences(workdir: Path) -> dict:
    """Largest absolute differences between parkplan's and exactextract's tables."""
    import pandas as pd

    ours = pd.read_csv(workdir / "parkplan_four.csv").set_index("site_id")
    out: dict = {}
    four = workdir / "exactextract_four.csv"
    if four.exists():
        theirs = pd.read_csv(four).set_index("site_id").reindex(ours.index)
        pairs = {
            "mean": ("score", "mean"),
            "min": ("score_min", "min"),
            "p10": ("score_p10", "quantile_10"),
            "share_excluded": ("share_excluded", "share_excluded"),
        }
        for name, (a, b) in pairs.items():
            out[name] = float(np.nanmax(np.abs(ours[a].to_numpy() - theirs[b].to_numpy())))
    mean = workdir / "exactextract_mean.csv"
    if mean.exists():
        theirs = pd.read_csv(mean).set_index("site_id").reindex(ours.index)
        mine = pd.read_csv(workdir / "parkplan_mean.csv").set_index("site_id").reindex(ours.index)
        out["mean_only"] = float(
            np.nanmax(np.abs(mine["score"].to_numpy() - theirs["mean"].to_numpy()))
        )
    return out


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 1,400-cell grid side")
    parser.add_argument("--side", type=int, help="grid side in cells (overrides --quick)")
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument(
        "--rounds", type=int, default=5, help="alternating rounds after one warm-up run each"
    )
    parser.add_argument("--engine-only", action="store_true", help="skip zonal and split")
    parser.add_argument("--workdir", type=Path, help="keep the data here (default: temporary)")
    parser.add_argument(
        "--compare-python",
        default=sys.executable,
        help="interpreter that has exactextract",
    )
    parser.add_argument(
        "--child", choices=["io-floor", "score", "zonal-four", "zonal-mean"], help=argparse.SUPPRESS
    )
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child == "io-floor":
            figures = child_io_floor(args.data, args.out)
        elif args.child == "score":
            figures = child_score(args.data, args.out)
        else:
            figures = child_zonal(args.data, args.out, args.child.removeprefix("zonal-"))
        print(json.dumps(figures))
        return
    side = args.side or (1400 if args.quick else 5600)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="parkplan-bench-"))
    try:
        bench_support.print_result(run(side, workdir, args))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


def run(side: int, workdir: Path, args: argparse.Namespace) -> dict:
    full, half = workdir / f"inputs_{side}", workdir / f"inputs_{side // 2}"
    for folder, n in ((full, side), (half, side // 2)):
        if not (folder / "flood.tif").exists():
            started = time.perf_counter()
            make_inputs(folder, n)
            print(f"inputs {n} x {n}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    results: dict = {
        "side": side,
        "cells": side * side,
        "engine_threads": ENGINE_THREADS,
        "load_start": bench_support.load_average(),
    }
    sides = {
        "io_floor": lambda: whole_process(child_command("io-floor", full, workdir / "floor.tif")),
        "parkplan": lambda: whole_process(child_command("score", full, workdir / "score.tif")),
    }
    calc = gdal_calc_command(full, workdir / "gdal_calc.tif")
    if calc is not None:
        sides["gdal_calc"] = lambda: whole_process(calc)
    engine = bench_support.alternate(sides, args.rounds)
    engine["ratio_parkplan_to_io_floor"] = bench_support.ratio(engine, "parkplan", "io_floor")
    walls = engine["sides"]
    engine["ratio_parkplan_to_io_floor_process_wall"] = round(
        walls["parkplan"]["wall_s_median"] / walls["io_floor"]["wall_s_median"], 3
    )
    if calc is not None:
        engine["ratio_parkplan_to_gdal_calc"] = bench_support.ratio(engine, "parkplan", "gdal_calc")
        engine["max_abs_diff_vs_gdal_calc"] = compare_rasters(
            workdir / "score.tif", workdir / "gdal_calc.tif"
        )
    half_run = whole_process(child_command("score", half, workdir / "score_half.tif"))
    engine["parkplan_peak_rss_half_side_mb"] = round(half_run["peak_rss_mb"], 1)
    results["engine"] = engine
    print(json.dumps(engine), file=sys.stderr)
    if args.engine_only:
        results["load_end"] = bench_support.load_average()
        return results

    sites = make_sites(side, args.sites)
    sites.to_file(workdir / "sites.gpkg")
    zonal_sides = {
        "parkplan_four": lambda: bench_support.run_child(
            child_command("zonal-four", workdir, workdir / "parkplan_four.csv")
        ),
        "parkplan_mean": lambda: bench_support.run_child(
            child_command("zonal-mean", workdir, workdir / "parkplan_mean.csv")
        ),
    }
    for which in ("four", "mean"):
        command = exactextract_command(args.compare_python, workdir, which)
        if command is not None:
            zonal_sides[f"exactextract_{which}"] = lambda command=command: bench_support.run_child(
                command
            )
    zonal = bench_support.alternate(zonal_sides, args.rounds)
    zonal["sites"] = len(sites)
    if "exactextract_four" in zonal_sides:
        zonal["ratio_four_stats"] = bench_support.ratio(zonal, "parkplan_four", "exactextract_four")
        zonal["ratio_mean_only"] = bench_support.ratio(zonal, "parkplan_mean", "exactextract_mean")
        zonal["ratio_zonal_scores_to_exactextract_mean"] = bench_support.ratio(
            zonal, "parkplan_four", "exactextract_mean"
        )
        zonal["max_abs_diff_vs_exactextract"] = zonal_differences(workdir)
    results["zonal"] = zonal
    print(json.dumps(zonal), file=sys.stderr)
    results["split"] = split_figures(sites, side)
    results["load_end"] = bench_support.load_average()
    return results


def split_figures(sites, side: int) -> dict:
    """Median and range of 5 splits of the sites over 60 municipalities (and the real West
    Flanders municipalities when available), with the load."""
    import geopandas as gpd

    from geo.split import split_by_municipality

    def timed(frame, municipalities) -> list[float]:
        split_by_municipality(frame.iloc[:100], municipalities)  # warm up
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            split_by_municipality(frame, municipalities)
            runs.append(time.perf_counter() - started)
        return runs

    out: dict = {"load_start": bench_support.load_average()}
    runs = timed(sites, make_municipalities(side))
    out["split_median_s"], out["split_range_s"] = statistics.median(runs), [min(runs), max(runs)]
    realdata = Path(__file__).resolve().parents[1] / ".." / "shared" / "realdata"
    real = realdata / "west_flanders_municipalities_2025_lambert72.geojson"
    if real.exists():
        flanders = gpd.read_file(real)
        moved = sites.copy()
        x0, y0, _, _ = flanders.total_bounds
        moved["geometry"] = moved.geometry.translate(
            x0 + 5_000 - X_MIN, y0 + 5_000 + side * CELL_M - Y_MAX
        )
        runs = timed(moved, flanders)
        out["split_west_flanders_median_s"] = statistics.median(runs)
        out["split_west_flanders_range_s"] = [min(runs), max(runs)]
    out["load_end"] = bench_support.load_average()
    return out


if __name__ == "__main__":
    main()
