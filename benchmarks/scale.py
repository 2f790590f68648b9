"""Scale-out benchmark: the local streaming engine against the Dask engine on a large grid.

Seeded synthetic inputs: a square grid of ``--side`` cells at 10 m (11,200: four times the
West-Flanders grid; ``--quick``: 2,800) with 8 smooth criterion rasters and 2 exclusion rasters
as tiled float32 / uint8 GeoTIFFs (DEFLATE with predictor), generated once into the work folder
(removed at the end unless ``--workdir`` is given), and the same inputs on a grid of half the
side to see whether memory grows with the grid.

Measured in one run; every comparison is timed in alternating rounds (one warm-up run of each
side, then ``--rounds`` rounds, the order swapped every round; see ``bench_support.py``), and
each side's median, minimum and maximum are reported with the load average around every run:

- the score raster by :func:`geo.engine.score` in process (its default threads:
  ``min(4, cores)``) and with a :class:`geo.runners.DaskRunner` on a loopback ``LocalCluster``
  of 2 worker processes of 1 thread, every run in a fresh process: the wall time of the
  scoring call (the cluster's start is reported apart), of the COG conversion after the last
  block, the mean worker time per block, the peak resident memory (``VmHWM``) of the driver
  and of each worker, and the largest absolute difference between the two rasters;
- in one process with one cluster: zonal statistics of ``--sites`` polygons on the score
  raster, and the Monte Carlo robustness of ``--draws`` weight vectors over ``--sites`` sites
  (8 criteria), local against Dask, with the check that both give the same table;
- the sites' raw-value profiles (16 quantiles of each criterion raster) and the Monte Carlo
  that also varies the transforms (σ = 0.1), local against Dask, with the same checks.

The last line printed is a JSON object with the figures.

Usage::

    python benchmarks/scale.py [--quick] [--side N] [--workdir DIR] [--sites N] [--draws N]
                               [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import bench_support  # benchmarks/bench_support.py, beside this script
import numpy as np
import suitability as suitability_benchmark  # benchmarks/suitability.py, beside this script

SEED = 20_261_122
CELL_M = 10.0
X_MIN, Y_MAX = 20_000.0, 240_000.0
CRS = "EPSG:31370"
TILE = 512
WORKERS = 2

#: The model of the suitability benchmark: 8 criteria (raw values 0–100) and 2 exclusions.
CRITERIA, EXCLUSIONS = suitability_benchmark.CRITERIA, suitability_benchmark.EXCLUSIONS


# ----------------------------------------------------------------------------- inputs


def free_disk_gb(folder: Path) -> float:
    return shutil.disk_usage(folder).free / 1e9


def needed_disk_gb(side: int) -> float:
    """Room for the inputs (at most half their float32 size once compressed) and, per engine,
    the output's uncompressed staging file and its COG: generous on purpose."""
    float32_gb = side * side * 4 / 1e9
    return float32_gb * (0.5 * (len(CRITERIA) + len(EXCLUSIONS)) + 2 * 2)


def make_inputs(folder: Path, side: int) -> None:
    """Write the 10 seeded rasters of a ``side`` x ``side`` grid: smooth waves (separable, so
    a tile costs a few outer products), one nodata hole pattern, a uint8 flood flag."""
    import rasterio
    from rasterio.windows import Window

    folder.mkdir(parents=True, exist_ok=True)
    profile = {
        "driver": "GTiff",
        "width": side,
        "height": side,
        "count": 1,
        "crs": CRS,
        "transform": rasterio.Affine(CELL_M, 0, X_MIN, 0, -CELL_M, Y_MAX),
        "tiled": True,
        "blockxsize": TILE,
        "blockysize": TILE,
        "compress": "DEFLATE",
    }
    for k, name in enumerate([*CRITERIA, *EXCLUSIONS]):
        is_flag = name == "flood"
        options = {
            **profile,
            "dtype": "uint8" if is_flag else "float32",
            "nodata": None if is_flag else -9999.0,
            "predictor": 2 if is_flag else 3,
        }
        rng = np.random.default_rng(SEED + k)
        phase = rng.uniform(0, 2 * np.pi, 3)
        wavelength = rng.uniform(800, 4000, 2) / CELL_M
        cells = np.arange(side)
        a_col, a_row = (
            np.sin(cells / wavelength[0] + phase[0]),
            np.cos(cells / wavelength[1] + phase[1]),
        )
        diagonal = cells / (wavelength[0] * 0.37)
        s_row, c_row = np.sin(diagonal + phase[2]), np.cos(diagonal + phase[2])
        s_col, c_col = np.sin(diagonal), np.cos(diagonal)
        with rasterio.open(folder / f"{name}.tif", "w", **options) as dst:
            for row in range(0, side, TILE):
                for col in range(0, side, TILE):
                    r, c = slice(row, row + TILE), slice(col, col + TILE)
                    # 50 + 28 sin(x) cos(y) + 15 sin(x' + y'), the last one expanded
                    field = (
                        50
                        + 28 * np.outer(a_row[r], a_col[c])
                        + 15 * (np.outer(s_row[r], c_col[c]) + np.outer(c_row[r], s_col[c]))
                    )
                    if is_flag:
                        data = (field > 88).astype(np.uint8)
                    else:
                        data = np.clip(field, 0, 100).astype(np.float32)
                        if k == 0:  # nodata holes in one criterion
                            rows, cols = np.ix_(cells[r] % 1500 < 40, cells[c] % 1700 < 60)
                            data[rows & cols] = -9999.0
                    h, w = data.shape
                    dst.write(data, 1, window=Window(col, row, w, h))


def blocks(side: int) -> int:
    return math.ceil(side / TILE) ** 2


def model(data: Path):
    import rasterio

    from geo.criteria import RasterCriterion
    from geo.exclusions import RasterExclusion
    from geo.grid import Grid
    from geo.transforms import Transform

    with rasterio.open(data / "motorway.tif") as src:
        grid = Grid(CRS, X_MIN, Y_MAX, CELL_M, src.width, src.height)
    criteria = [
        RasterCriterion(n, data / f"{n}.tif", Transform(**t)) for n, (t, _) in CRITERIA.items()
    ]
    exclusions = [RasterExclusion(n, data / f"{n}.tif", op, v) for n, (op, v) in EXCLUSIONS.items()]
    return grid, criteria, {n: w for n, (_, w) in CRITERIA.items()}, exclusions


def make_sites(side: int, count: int):
    """``count`` seeded elongated polygons of 0.5–20 ha inside the grid."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(SEED)
    extent = side * CELL_M
    radius = np.sqrt(rng.uniform(0.5, 20.0, count) * 10_000 / np.pi)
    x = X_MIN + rng.uniform(radius.max(), extent - radius.max(), count)
    y = Y_MAX - rng.uniform(radius.max(), extent - radius.max(), count)
    angle = rng.uniform(0, np.pi, count)[:, None] + np.linspace(0, 2 * np.pi, 13)[None, :-1]
    stretch = rng.uniform(0.5, 2.0, count)[:, None]
    ring = np.stack(
        [
            x[:, None] + radius[:, None] * stretch * np.cos(angle),
            y[:, None] + radius[:, None] / stretch * np.sin(angle),
        ],
        axis=-1,
    )
    return gpd.GeoDataFrame(
        {"site_id": np.arange(1, count + 1)}, geometry=shapely.polygons(ring), crs=CRS
    )


def site_table(count: int):
    """``count`` sites with a seeded mean standardised value per criterion."""
    import pandas as pd

    rng = np.random.default_rng(SEED + 1)
    table = pd.DataFrame(
        rng.beta(4, 3, (count, len(CRITERIA))), columns=[f"c_{n}" for n in CRITERIA]
    )
    table.insert(0, "site_id", np.arange(1, count + 1))
    return table


# ----------------------------------------------------------------------------- children


def peak_rss_mb() -> float:
    """This process's peak resident memory (MB): ``VmHWM`` of the running image on Linux
    (``ru_maxrss`` would carry over the parent's peak through fork + exec)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class LastBlock:
    """A progress callback that remembers when the last block was written: what follows is
    the driver's conversion of the output to a COG."""

    def __init__(self) -> None:
        self.at = 0.0

    def __call__(self, done: int, total: int) -> None:
        if done == total:
            self.at = time.perf_counter()


def scored(score, grid, criteria, weights, exclusions, out: Path, **engine):
    """Wall time of one scoring run, with its COG conversion time."""
    last = LastBlock()
    started = time.perf_counter()
    result = score(
        grid, criteria, weights, exclusions=exclusions, out_path=out, progress=last, **engine
    )
    ended = time.perf_counter()
    return {
        "seconds": ended - started,
        "cog_s": ended - last.at,
        "mean_score": result.stats.mean,
        "share_excluded": result.stats.share_excluded,
    }


def child_local(data: Path, out: Path) -> dict:
    from geo.engine import score

    figures = scored(score, *model(data), out)
    return {**figures, "peak_rss_mb": peak_rss_mb()}


def child_dask(data: Path, out: Path) -> dict:
    from distributed import get_task_stream

    from geo.engine import score
    from geo.runners import DaskRunner, dask_client

    started = time.perf_counter()
    with dask_client(n_workers=WORKERS, threads_per_worker=1) as client:
        ready = time.perf_counter()
        with get_task_stream(client) as stream:
            figures = scored(score, *model(data), out, runner=DaskRunner(client))
        workers = client.run(peak_rss_mb)
    compute_s = [
        part["stop"] - part["start"]
        for task in stream.data
        for part in task["startstops"]
        if part["action"] == "compute"
    ]
    return {
        **figures,
        "cluster_start_s": ready - started,
        "block_compute_s": float(np.mean(compute_s)),
        "peak_rss_mb": peak_rss_mb(),
        "worker_peak_rss_mb": sorted(workers.values()),
    }


def child_sites(data: Path, score_path: Path, rounds: int, sites: int, draws: int) -> dict:
    from geo.robustness import TransformJitter, weight_monte_carlo
    from geo.runners import DaskRunner, dask_client
    from geo.zonal import site_profiles, zonal_scores

    grid, criteria, weights, _ = model(data)
    polygons, table = make_sites(grid.width, sites), site_table(sites)
    raw = {c.name: c.raster for c in criteria}  # the inputs are the criteria's raw values
    options = {"draws": draws, "concentration": 50.0, "top_k": 3, "seed": 7}
    kept: dict = {}

    def keep(name: str, compute):
        def side() -> float:
            started = time.perf_counter()
            kept[name] = compute()
            return time.perf_counter() - started

        return side

    def pair(local, dask) -> dict:
        case = bench_support.alternate(
            {"local": keep("local", local), "dask": keep("dask", dask)}, rounds
        )
        case["ratio_dask_to_local"] = bench_support.ratio(case, "dask", "local")
        return case

    out: dict = {}
    with dask_client(n_workers=WORKERS, threads_per_worker=1) as client:
        dask = DaskRunner(client)
        out["zonal"] = pair(
            lambda: zonal_scores(polygons, grid, score_path),
            lambda: zonal_scores(polygons, grid, score_path, runner=dask),
        )
        local, ours = kept["local"], kept["dask"]
        out["zonal"]["max_abs_diff"] = float(np.nanmax(np.abs(ours["score"] - local["score"])))
        out["zonal"]["same_ranks"] = bool((ours["rank"] == local["rank"]).all())
        out["monte_carlo"] = pair(
            lambda: weight_monte_carlo(table, weights, **options),
            lambda: weight_monte_carlo(table, weights, runner=dask, **options),
        )
        mc_local = kept["local"]
        out["monte_carlo"]["identical"] = bool(kept["dask"].table.equals(mc_local.table))
        out["profiles"] = pair(
            lambda: site_profiles(polygons, grid, score_path, raw),
            lambda: site_profiles(polygons, grid, score_path, raw, runner=dask),
        )
        profiles = kept["local"]
        out["profiles"]["identical"] = bool(
            np.array_equal(profiles.values, kept["dask"].values, equal_nan=True)
        )
        transforms = {c.name: c.raw_transform for c in criteria}
        jitter = TransformJitter(profiles, transforms, dict.fromkeys(raw, 0.1))
        varied = {**options, "transform_jitter": jitter}
        out["monte_carlo_transforms"] = pair(
            lambda: weight_monte_carlo(table, weights, **varied),
            lambda: weight_monte_carlo(table, weights, runner=dask, **varied),
        )
        jitter_local = kept["local"]
        out["monte_carlo_transforms"]["identical"] = bool(
            kept["dask"].table.equals(jitter_local.table)
        )
    out["p_first_leader_weights_only"] = float(mc_local.table["p_first"].iloc[0])
    out["p_first_leader_with_transforms"] = float(jitter_local.table["p_first"].iloc[0])
    return out


def run_child(*args: str) -> dict:
    """One child of this script in a fresh process (see :func:`bench_support.run_child`)."""
    return bench_support.run_child([sys.executable, __file__, "--child", *args])


def compare_rasters(ours: Path, theirs: Path) -> float:
    """Largest absolute difference of two score rasters (inf when their nodata differs)."""
    import rasterio

    worst = 0.0
    with rasterio.Env(GDAL_CACHEMAX=64), rasterio.open(ours) as a, rasterio.open(theirs) as b:
        for _, window in a.block_windows(1):
            x = a.read(1, window=window, masked=True).filled(np.nan)
            y = b.read(1, window=window, masked=True).filled(np.nan)
            if not np.array_equal(np.isnan(x), np.isnan(y)):
                return float("inf")
            if np.any(~np.isnan(x)):
                worst = max(worst, float(np.nanmax(np.abs(x - y))))
    return worst


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 2,800-cell grid side")
    parser.add_argument("--side", type=int, help="grid side in cells (default 11,200)")
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--draws", type=int, default=1_000)
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating rounds after one warm-up run each"
    )
    parser.add_argument("--workdir", type=Path, help="keep the inputs here (default: temporary)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, data, out, *rest = args.child
        work = {"local": child_local, "dask": child_dask, "sites": child_sites}[kind]
        print(json.dumps(work(Path(data), Path(out), *map(int, rest))))
        return
    side = args.side or (2800 if args.quick else 11_200)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="parkplan-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        bench_support.print_result(run(side, workdir, args))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


def run(side: int, workdir: Path, args: argparse.Namespace) -> dict:
    needed, free = needed_disk_gb(side) + needed_disk_gb(side // 2), free_disk_gb(workdir)
    if free < needed:
        sys.exit(f"scale: {free:.1f} GB free in {workdir}; this run needs about {needed:.1f} GB.")
    results: dict = {
        "side": side,
        "cells": side * side,
        "blocks": blocks(side),
        "workers": WORKERS,
        "cpu_count": os.cpu_count(),
        "free_disk_gb": free,
        "load_start": bench_support.load_average(),
    }
    for n in (side, side // 2):
        data = workdir / f"inputs_{n}"
        if not (data / "flood.tif").exists():
            started = time.perf_counter()
            make_inputs(data, n)
            size_mb = sum(f.stat().st_size for f in data.iterdir()) / 1e6
            print(
                f"inputs {n} x {n}: {time.perf_counter() - started:.1f} s, {size_mb:.0f} MB",
                file=sys.stderr,
            )
        outputs = {kind: workdir / f"{kind}_{n}.tif" for kind in ("local", "dask")}
        case = bench_support.alternate(
            {
                kind: (
                    lambda kind=kind, out=outputs[kind], data=data: run_child(
                        kind, str(data), str(out)
                    )
                )
                for kind in outputs
            },
            args.rounds,
        )
        print(f"engines {n}: {json.dumps(case)}", file=sys.stderr)
        case["max_abs_diff"] = compare_rasters(outputs["dask"], outputs["local"])
        case["ratio_dask_to_local"] = bench_support.ratio(case, "dask", "local")
        case["dask_s_per_block_per_worker"] = (
            case["sides"]["dask"]["median_s"] * WORKERS / blocks(n)
        )
        results[str(n)] = case
        outputs["local"].unlink()
        if n != side:
            outputs["dask"].unlink()
    sites = run_child(
        "sites",
        str(workdir / f"inputs_{side}"),
        str(workdir / f"dask_{side}.tif"),
        str(args.rounds),
        str(args.sites),
        str(args.draws),
    )
    print(f"sites: {sites}", file=sys.stderr)
    results.update(sites=args.sites, draws=args.draws, site_figures=sites)
    results["load_end"] = bench_support.load_average()
    return results


if __name__ == "__main__":
    main()
