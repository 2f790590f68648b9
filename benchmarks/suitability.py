"""Benchmark of the suitability engine, zonal statistics and the municipality split.

Seeded synthetic inputs: a square grid (5,600 cells a side at 10 m; ``--quick``: 1,400) with
8 criterion rasters and 2 exclusion rasters as tiled, DEFLATE-compressed GeoTIFFs.

Measured in one run, each in a fresh process (peak memory is that process's maximum RSS):

(a) the I/O floor: read every input block by block and write one float32 output of the same
    size (tiled, compressed with parkplan's codec, predictor and threads), nothing computed;
(b) parkplan: :func:`geo.engine.score` (standardise 8 criteria, 2 exclusions, WLC, write a
    COG with overviews), also on a grid of half the side to see whether memory grows;
(c) ``gdal_calc.py`` computing the same standardised weighted sum (skipped when missing);

then zonal statistics of 10,000 sites (0.5–20 ha) on the score raster with parkplan, with
exactextract (``raster-sequential``) and with rasterstats (when importable here or by the
interpreter given with ``--compare-python``), and the split of the 10,000 sites over 60
municipalities (Voronoi cells; the real West Flanders municipalities when available).

The last line printed is a JSON object with the figures.

Usage::

    python benchmarks/suitability.py [--quick] [--workdir DIR] [--compare-python PYTHON]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

from geo.layers.blocks import COG_OPTIONS

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


def child_io_floor(data: Path, out: Path) -> float:
    import rasterio
    from rasterio.windows import Window

    start = time.perf_counter()
    sources = [rasterio.open(data / f"{n}.tif") for n in [*CRITERIA, *EXCLUSIONS]]
    first = sources[0]
    profile = {
        "driver": "GTiff",
        "width": first.width,
        "height": first.height,
        "count": 1,
        "dtype": "float32",
        "crs": first.crs,
        "transform": first.transform,
        "nodata": np.nan,
        "tiled": True,
        "blockxsize": TILE,
        "blockysize": TILE,
        **OUTPUT_OPTIONS,
    }
    with rasterio.Env(GDAL_CACHEMAX=64), rasterio.open(out, "w", **profile) as dst:
        for row in range(0, first.height, TILE):
            for col in range(0, first.width, TILE):
                window = Window(
                    col, row, min(TILE, first.width - col), min(TILE, first.height - row)
                )
                blocks = [src.read(1, window=window, out_dtype=np.float32) for src in sources]
                dst.write(blocks[0], 1, window=window)
    for src in sources:
        src.close()
    return time.perf_counter() - start


def child_score(data: Path, out: Path) -> float:
    import rasterio

    from geo.criteria import RasterCriterion
    from geo.engine import score
    from geo.exclusions import RasterExclusion
    from geo.grid import Grid
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
    )
    return time.perf_counter() - start


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


def run_child(kind: str, data: Path, out: Path) -> tuple[float, float]:
    """Run a measurement in a fresh process: (seconds, peak RSS in MB)."""
    command = [sys.executable, __file__, "--child", kind, "--data", str(data), "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise RuntimeError(f"child {kind} failed with status {status}")
    return float(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024.0


def run_gdal_calc(data: Path, out: Path) -> float | None:
    program = shutil.which("gdal_calc.py") or shutil.which("gdal_calc")
    if program is None:
        return None
    args, expression = gdal_calc_expression()
    command = [
        program,
        *args,
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
    start = time.perf_counter()
    subprocess.run(command, cwd=data, check=True)
    return time.perf_counter() - start


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


COMPARE = textwrap.dedent("""
    import json, sys, time
    import geopandas as gpd
    sites = gpd.read_file(sys.argv[1]); raster = sys.argv[2]; which = sys.argv[3]
    start = time.perf_counter()
    if which == "exactextract":
        from exactextract import exact_extract
        table = exact_extract(raster, sites, ["mean"], include_cols=["site_id"],
                              strategy="raster-sequential", output="pandas")
        means = dict(zip(table["site_id"].tolist(), table["mean"].tolist()))
    else:
        from rasterstats import zonal_stats
        stats = zonal_stats(sites, raster, stats=["mean"], nodata=float("nan"))
        means = dict(zip(sites["site_id"].tolist(), [s["mean"] for s in stats]))
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "means": {str(k): v for k, v in means.items()}}))
""")


def compare_zonal(python: str, sites_path: Path, raster: Path, which: str) -> dict | None:
    probe = subprocess.run([python, "-c", f"import {which}"], capture_output=True)
    if probe.returncode != 0:
        return None
    done = subprocess.run(
        [python, "-c", COMPARE, str(sites_path), str(raster), which],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 1,400-cell grid side")
    parser.add_argument("--side", type=int, help="grid side in cells (overrides --quick)")
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of (a) and (b); best kept")
    parser.add_argument("--engine-only", action="store_true", help="skip zonal and split")
    parser.add_argument("--workdir", type=Path, help="keep the data here (default: temporary)")
    parser.add_argument(
        "--compare-python",
        default=sys.executable,
        help="interpreter that has exactextract / rasterstats",
    )
    parser.add_argument("--child", choices=["io-floor", "score"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        work = child_io_floor if args.child == "io-floor" else child_score
        print(work(args.data, args.out))
        return
    side = args.side or (1400 if args.quick else 5600)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="parkplan-bench-"))
    try:
        print(json.dumps(run(side, workdir, args)))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


def run(side: int, workdir: Path, args: argparse.Namespace) -> dict:
    import geopandas as gpd

    from geo.grid import Grid
    from geo.split import split_by_municipality
    from geo.zonal import zonal_scores

    full, half = workdir / f"inputs_{side}", workdir / f"inputs_{side // 2}"
    for folder, n in ((full, side), (half, side // 2)):
        if not (folder / "flood.tif").exists():
            started = time.perf_counter()
            make_inputs(folder, n)
            print(f"inputs {n} x {n}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    results: dict = {"side": side, "cells": side * side, "cpu_count": os.cpu_count()}
    run_child("io-floor", full, workdir / "warm.tif")  # warm the page cache
    floor = [run_child("io-floor", full, workdir / "floor.tif") for _ in range(args.repeat)]
    ours = [run_child("score", full, workdir / "score.tif") for _ in range(args.repeat)]
    _, half_rss = run_child("score", half, workdir / "score_half.tif")
    results["io_floor_s"] = min(s for s, _ in floor)
    results["parkplan_s"] = min(s for s, _ in ours)
    results["peak_rss_mb"] = max(m for _, m in ours)
    results["peak_rss_half_side_mb"] = half_rss
    results["io_floor_rss_mb"] = max(m for _, m in floor)
    calc = run_gdal_calc(full, workdir / "gdal_calc.tif")
    results["gdal_calc_s"] = calc
    results["max_abs_diff_vs_gdal_calc"] = (
        compare_rasters(workdir / "score.tif", workdir / "gdal_calc.tif") if calc else None
    )
    results["ratio_parkplan_to_io_floor"] = results["parkplan_s"] / results["io_floor_s"]
    results["ratio_parkplan_to_gdal_calc"] = results["parkplan_s"] / calc if calc else None
    print(json.dumps(results), file=sys.stderr)
    if args.engine_only:
        return results

    grid = Grid(CRS, X_MIN, Y_MAX, CELL_M, side, side)
    sites = make_sites(side, args.sites)
    sites_path = workdir / "sites.gpkg"
    sites.to_file(sites_path)
    zonal_runs, exact_runs, exact = [], [], None
    for _ in range(args.repeat):  # alternated, so both meet the same machine load
        started = time.perf_counter()
        table = zonal_scores(sites, grid, workdir / "score.tif")
        zonal_runs.append(time.perf_counter() - started)
        exact = compare_zonal(
            args.compare_python, sites_path, workdir / "score.tif", "exactextract"
        )
        if exact:
            exact_runs.append(exact["seconds"])
    results["zonal_s"] = min(zonal_runs)
    results["zonal_sites"] = len(sites)
    results["exactextract_s"] = min(exact_runs) if exact_runs else None
    if exact:
        theirs = np.array([exact["means"][str(i)] for i in table["site_id"]], dtype=float)
        diff = np.abs(theirs - table["score"].to_numpy())[(table["area_ha"] >= 0.5).to_numpy()]
        results["zonal_max_abs_diff_vs_exactextract"] = float(np.nanmax(diff))
    stats = compare_zonal(args.compare_python, sites_path, workdir / "score.tif", "rasterstats")
    results["rasterstats_s"] = stats["seconds"] if stats else None
    results["ratio_zonal_to_exactextract"] = (
        results["zonal_s"] / results["exactextract_s"] if results["exactextract_s"] else None
    )
    results["ratio_zonal_to_rasterstats"] = (
        results["zonal_s"] / results["rasterstats_s"] if results["rasterstats_s"] else None
    )

    municipalities = make_municipalities(side)
    split_by_municipality(sites.iloc[:100], municipalities)  # warm up
    started = time.perf_counter()
    split_by_municipality(sites, municipalities)
    results["split_s"] = time.perf_counter() - started
    realdata = Path(__file__).resolve().parents[1] / ".." / "shared" / "realdata"
    real = realdata / "west_flanders_municipalities_2025_lambert72.geojson"
    if real.exists():
        flanders = gpd.read_file(real)
        moved = sites.copy()
        x0, y0, _, _ = flanders.total_bounds
        moved["geometry"] = moved.geometry.translate(
            x0 + 5_000 - X_MIN, y0 + 5_000 + side * CELL_M - Y_MAX
        )
        started = time.perf_counter()
        split_by_municipality(moved, flanders)
        results["split_west_flanders_s"] = time.perf_counter() - started
    return results


if __name__ == "__main__":
    main()
