"""Benchmark of candidate-region extraction: streaming against the whole raster in memory.

Seeded synthetic input: a smooth random score field on a square 5 m grid (``--side`` cells,
default 5,600, and twice that side; ``--quick``: 1,400 and 2,800), the sum of two cubic
splines through seeded Gaussian noise on lattices of 256 and 48 cells plus fine noise, mapped
to [0, 1] by a logistic curve; written block by block as a float32 COG (ZSTD, 512² tiles) by
:class:`geo.layers.blocks.CogWriter`. At the threshold 0.75 a quarter of the cells are
suitable, in about a region per 100 cells: mostly specks, a few hundred over 1 ha and a few
of more than 1,000 ha.

Measured in one run, at both sides, each in a fresh process, the fastest of ``--repeat`` runs
(peak memory is the process's ``VmHWM``, the kernel's high-water mark of its resident memory,
the largest of the runs; every process first imports :mod:`geo.regions`, and ``imports``, a
process that does nothing else, gives the baseline subtracted as ``above_imports_mb``):

(a) ``floor``: read the whole raster (float32) and label it with one ``scipy.ndimage.label``
    call (4-connectivity), nothing else: the least an in-memory extraction holds;
(b) ``regions``: :func:`geo.regions.extract_regions`, min. area 1 ha, the 100 best regions;
(c) ``regions_best``: the same keeping only the best region: the streaming pass and one
    outline, the work comparable to (a);
(d) ``regions_target``: (b) with a target area of 5 ha (regions grown to 2,000 cells);
(e) ``regions_carved``: (d) with up to 3 sites carved from each region, 200 m apart (the boxes
    of the regions of at least 4,000 cells whose bound can still enter the 100 best are read
    whole);
(f) with ``--before FILE``, ``before`` and ``before_target``: (b) and (d) with another
    version of the module (e.g. an earlier ``geo/regions.py`` taken from version control).

The last line printed is a JSON object with the figures.

Usage::

    python benchmarks/regions.py [--quick] [--side N] [--workdir DIR] [--before FILE]
                                 [--repeat N]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SEED = 20_260_301
CELL_M = 5.0
X_MIN, Y_MAX = 20_000.0, 240_000.0
CRS = "EPSG:31370"
TILE = 512
#: (lattice spacing in cells, amplitude) of the smooth components of the field
SCALES = ((256, 1.6), (48, 0.8))
FINE_NOISE = 0.25
THRESHOLD = 0.75
MIN_AREA_HA = 1.0
MAX_SITES = 100
TARGET_AREA_HA = 5.0
SITES_PER_REGION = 3
SEPARATION_M = 200.0


# ----------------------------------------------------------------------------- input


def make_scores(path: Path, side: int) -> None:
    """Write the seeded score raster of a ``side`` x ``side`` grid to ``path`` (a COG)."""
    from scipy import ndimage

    from geo.layers.blocks import CogWriter, block_windows

    grid = make_grid(side)
    rng = np.random.default_rng([SEED, side])
    lattices = [
        (step, amplitude, ndimage.spline_filter(rng.standard_normal((side // step + 4,) * 2)))
        for step, amplitude in SCALES
    ]
    with CogWriter(path, grid, block_size=TILE) as writer:
        for window in block_windows(grid, TILE):
            rows, cols = np.mgrid[
                window.row_off : window.row_off + window.height,
                window.col_off : window.col_off + window.width,
            ]
            field = sum(
                amplitude
                * ndimage.map_coordinates(
                    lattice, [rows / step + 1, cols / step + 1], prefilter=False
                )
                for step, amplitude, lattice in lattices
            )
            noise = np.random.default_rng([SEED, side, window.row_off, window.col_off])
            field += noise.normal(0.0, FINE_NOISE, field.shape)
            writer.write(window, 1.0 / (1.0 + np.exp(-field)))


def make_grid(side: int):
    from geo.grid import Grid

    return Grid(CRS, X_MIN, Y_MAX, CELL_M, side, side)


# ----------------------------------------------------------------------------- children


def child_imports(path: Path, side: int, module: str | None) -> dict:
    load_regions(module)
    return {}


def child_floor(path: Path, side: int, module: str | None) -> dict:
    load_regions(None)  # the same imports as the other children: the same baseline
    from rasterio.windows import Window
    from scipy import ndimage

    from geo.layers.blocks import RasterReader, streaming_env

    start = time.perf_counter()
    with streaming_env(), RasterReader(path) as reader:
        scores = reader.read(Window(0, 0, side, side), dtype=np.float32)
    suitable = scores >= np.float64(THRESHOLD)
    labels, count = ndimage.label(suitable, structure=ndimage.generate_binary_structure(2, 1))
    seconds = time.perf_counter() - start
    sizes = np.bincount(labels.ravel())[1:]
    return {
        "seconds": seconds,
        "regions": int(count),
        "suitable_share": float(suitable.mean()),
        "largest_region_ha": float(sizes.max() * CELL_M**2 / 10_000),
        "regions_over_min_area": int((sizes * CELL_M**2 / 10_000 >= MIN_AREA_HA).sum()),
        "regions_over_target": int((sizes * CELL_M**2 / 10_000 >= TARGET_AREA_HA).sum()),
    }


def child_regions(
    path: Path,
    side: int,
    module: str | None,
    target: float | None,
    max_sites: int = MAX_SITES,
    sites_per_region: int = 1,
) -> dict:
    regions = load_regions(module)
    carving = (
        {"sites_per_region": sites_per_region, "separation_m": SEPARATION_M}
        if sites_per_region > 1
        else {}  # an earlier module may not know these settings
    )
    start = time.perf_counter()
    sites = regions.extract_regions(
        make_grid(side),
        path,
        threshold=THRESHOLD,
        min_area_ha=MIN_AREA_HA,
        max_sites=max_sites,
        target_area_ha=target,
        **carving,
    )
    return {
        "seconds": time.perf_counter() - start,
        "sites": len(sites),
        "best_mean": float(sites["score_mean"].iloc[0]),
        "last_mean": float(sites["score_mean"].iloc[-1]),
        "largest_site_ha": float(sites["area_ha"].max()),
        "checksum": float((sites["score_mean"] * sites["n_cells"]).sum()),
    }


def load_regions(module: str | None):
    """:mod:`geo.regions`, or the module in the file ``module``."""
    if module is None:
        import geo.regions

        return geo.regions
    spec = importlib.util.spec_from_file_location("regions_before", module)
    loaded = sys.modules["regions_before"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


CHILDREN = {
    "imports": child_imports,
    "floor": child_floor,
    "regions": lambda path, side, module: child_regions(path, side, module, None),
    "regions-best": lambda path, side, module: child_regions(path, side, module, None, 1),
    "regions-target": lambda path, side, module: child_regions(path, side, module, TARGET_AREA_HA),
    "regions-carved": lambda path, side, module: child_regions(
        path, side, module, TARGET_AREA_HA, sites_per_region=SITES_PER_REGION
    ),
}


def peak_rss_mb() -> float:
    """This process's peak resident memory (``VmHWM``; the ``ru_maxrss`` of a child would
    include its parent's memory at the fork)."""
    status = Path("/proc/self/status").read_text()
    return float(status.split("VmHWM:")[1].split()[0]) / 1024.0


def run_child(kind: str, path: Path, side: int, module: str | None = None) -> dict:
    """Run a measurement in a fresh process: its figures, with ``peak_rss_mb``."""
    command = [sys.executable, __file__, "--child", kind, "--data", str(path), "--side", str(side)]
    if module:
        command += ["--module", module]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sides 1,400 and 2,800")
    parser.add_argument("--side", type=int, help="the smaller grid side in cells (default 5,600)")
    parser.add_argument("--workdir", type=Path, help="keep the rasters here (default: temporary)")
    parser.add_argument("--before", help="a file with another version of geo/regions.py to time")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the fastest kept")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--module", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        figures = CHILDREN[args.child](args.data, args.side, args.module)
        print(json.dumps({**figures, "peak_rss_mb": peak_rss_mb()}))
        return
    side = args.side or (1400 if args.quick else 5600)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="parkplan-bench-"))
    try:
        print(json.dumps(run(side, workdir, args.before, args.repeat)))
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


def run(side: int, workdir: Path, before: str | None, repeat: int) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    results: dict = {"sides": [side, 2 * side], "cpu_count": os.cpu_count(), "repeat": repeat}
    measures = [  # (name, child process, module file)
        ("imports", "imports", None),
        ("floor", "floor", None),
        ("regions", "regions", None),
        ("regions_best", "regions-best", None),
        ("regions_target", "regions-target", None),
        ("regions_carved", "regions-carved", None),
    ]
    if before:
        measures += [("before", "regions", before), ("before_target", "regions-target", before)]
    for n in (side, 2 * side):
        path = workdir / f"score_{n}.tif"
        if not path.exists():
            started = time.perf_counter()
            make_scores(path, n)
            print(f"score raster {n} x {n}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
        run_child("floor", path, n)  # warm the page cache
        figures = {"cells": n * n, "file_mb": path.stat().st_size / 1e6}
        for name, child, module in measures:
            figures[name] = best_of(repeat, child, path, n, module)
            extra = figures[name]["peak_rss_mb"] - figures["imports"]["peak_rss_mb"]
            figures[name]["above_imports_mb"] = extra
        for name, *_ in measures[2:]:
            figures[f"{name}_to_floor_s"] = figures[name]["seconds"] / figures["floor"]["seconds"]
            figures[f"{name}_to_floor_mb"] = (
                figures[name]["above_imports_mb"] / figures["floor"]["above_imports_mb"]
            )
        results[str(n)] = figures
        print(json.dumps({str(n): figures}), file=sys.stderr)
    small, large = results[str(side)], results[str(2 * side)]
    results["growth_above_imports_when_side_doubles"] = {
        name: large[name]["above_imports_mb"] / small[name]["above_imports_mb"]
        for name, *_ in measures[1:]
    }
    return results


def best_of(repeat: int, kind: str, path: Path, side: int, module: str | None) -> dict:
    """The fastest of ``repeat`` runs, with the largest peak memory of them."""
    runs = [run_child(kind, path, side, module) for _ in range(repeat)]
    best = min(runs, key=lambda figures: figures.get("seconds", 0.0))
    return {**best, "peak_rss_mb": max(figures["peak_rss_mb"] for figures in runs)}


if __name__ == "__main__":
    main()
