"""Benchmark of the distance rasters (:mod:`geo.distance`) against ``gdal_proximity.py`` and
SciPy's exact Euclidean distance transform.

Seeded synthetic features on a square 10 m grid in EPSG:31370 (5,600 cells a side;
``--quick``: 1,500): 40 points, 150 lines (random walks of 12 vertices) and 300 polygons
(octagons and rotated rectangles, 30–400 m), some crossing the grid's edge or lying outside it.
For each kind, in fresh processes and alternating, at least 3 runs each:

- parkplan: :class:`geo.distance.DistanceField` written by
  :func:`geo.distance.write_distance_raster` (one thread; the features are read before the
  clock starts); peak memory is the process's ``VmHWM``;
- GDAL: ``gdal_rasterize`` of the features on the same grid, then ``gdal_proximity.py
  -distunits GEO`` (the time covers both; the output uses the same creation options);
- once, SciPy: rasterised by rasterio, then ``scipy.ndimage.distance_transform_edt``.

The error is ``computed - exact`` with the exact distance from shapely (0 inside polygons) on
20,000 seeded random cells plus every cell of three 64² windows around features; for GDAL and
SciPy the exact distance is to the features clipped to the grid, since a raster method cannot
see what lies outside it (parkplan is measured against the whole features). The last
line printed is a JSON object; its top-level ``parkplan_s``, ``gdal_proximity_s`` and
``max_error_m`` are those of the kind with the largest parkplan/GDAL ratio.

Usage::

    python benchmarks/distance.py [--quick] [--runs 3] [--workdir DIR]
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
import time
from pathlib import Path

import numpy as np

SEED = 20_261_203
CELL_M = 10.0
X_MIN, Y_MAX = 20_000.0, 240_000.0
CRS = "EPSG:31370"
KINDS = ("points", "lines", "polygons")
SAMPLE_CELLS = 20_000
WINDOW_CELLS = 64
GDAL_PROXIMITY = shutil.which("gdal_proximity.py") or "gdal_proximity.py"
GDAL_RASTERIZE = shutil.which("gdal_rasterize") or "gdal_rasterize"
#: the creation options of parkplan's stored distance raster, spelt for the GTiff driver
OUTPUT_OPTIONS = ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=ZSTD"]
OUTPUT_OPTIONS += ["ZSTD_LEVEL=1", "PREDICTOR=3", "BIGTIFF=IF_SAFER"]


def grid_of(side: int):
    from geo.grid import Grid

    return Grid(CRS, X_MIN, Y_MAX, CELL_M, side, side)


def make_features(kind: str, side: int) -> list:
    """Seeded features of ``kind`` spread over the grid and 5 % beyond each edge."""
    import shapely
    from shapely import affinity

    rng = np.random.default_rng([SEED, KINDS.index(kind)])
    span_m = side * CELL_M

    def anchors(count: int) -> np.ndarray:
        u = rng.uniform(-0.05, 1.05, (count, 2))
        return np.column_stack([X_MIN + u[:, 0] * span_m, Y_MAX - u[:, 1] * span_m])

    if kind == "points":
        return list(shapely.points(anchors(40)))
    if kind == "lines":
        step_m = 300.0 * side / 5_600
        return [
            shapely.LineString(start + rng.normal(0.0, step_m, (12, 2)).cumsum(axis=0))
            for start in anchors(150)
        ]
    shapes = []
    for i, (x, y) in enumerate(anchors(300)):
        size_m = rng.uniform(30.0, 400.0)
        if i % 2:
            shapes.append(shapely.Point(x, y).buffer(size_m, quad_segs=2))
        else:
            box = shapely.box(x - size_m, y - size_m / 3, x + size_m, y + size_m / 3)
            shapes.append(affinity.rotate(box, rng.uniform(0, 180)))
    return shapes


def write_inputs(folder: Path, side: int) -> None:
    import geopandas as gpd

    for kind in KINDS:
        frame = gpd.GeoDataFrame(geometry=make_features(kind, side), crs=CRS)
        frame.to_file(folder / f"{kind}.gpkg", layer=kind, driver="GPKG")


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child_parkplan(folder: Path, kind: str, side: int, out: Path) -> dict:
    import geopandas as gpd

    from geo.distance import DistanceField, write_distance_raster

    geometries = gpd.read_file(folder / f"{kind}.gpkg").geometry.values
    before_mb = peak_rss_mb()
    start = time.perf_counter()
    write_distance_raster(DistanceField(geometries, grid_of(side)), out)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "rss_before_mb": before_mb}


def child_edt(folder: Path, kind: str, side: int, out: Path) -> dict:
    import geopandas as gpd
    import rasterio
    import rasterio.features
    from scipy import ndimage

    geometries = gpd.read_file(folder / f"{kind}.gpkg").geometry.values
    grid = grid_of(side)
    start = time.perf_counter()
    burnt = rasterio.features.rasterize(
        ((g, 1) for g in geometries), out_shape=grid.shape, transform=grid.transform, fill=0
    )
    distance_m = ndimage.distance_transform_edt(burnt == 0, sampling=CELL_M).astype(np.float32)
    seconds = time.perf_counter() - start
    profile = {"driver": "GTiff", "width": side, "height": side, "count": 1, "dtype": "float32"}
    with rasterio.open(out, "w", crs=grid.crs, transform=grid.transform, **profile) as dst:
        dst.write(distance_m, 1)
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb()}


def run_child(mode: str, folder: Path, kind: str, side: int, out: Path) -> dict:
    command = [sys.executable, __file__, "--child", mode, str(folder), kind, str(side), str(out)]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_gdal(folder: Path, kind: str, side: int, out: Path) -> dict:
    """gdal_rasterize then gdal_proximity.py, timed together; peak RSS of either process."""
    source = out.with_suffix(".src.tif")
    x_max, y_min = X_MIN + side * CELL_M, Y_MAX - side * CELL_M
    rasterise = [GDAL_RASTERIZE, "-q", "-burn", "1", "-init", "0", "-ot", "Byte"]
    rasterise += ["-te", str(X_MIN), str(y_min), str(x_max), str(Y_MAX)]
    rasterise += ["-tr", str(CELL_M), str(CELL_M), "-co", "TILED=YES", "-co", "COMPRESS=ZSTD"]
    rasterise += ["-l", kind, str(folder / f"{kind}.gpkg"), str(source)]
    proximity = [GDAL_PROXIMITY, "-q", str(source), str(out), "-values", "1"]
    proximity += ["-distunits", "GEO", "-ot", "Float32", "-of", "GTiff"]
    for option in OUTPUT_OPTIONS:
        proximity += ["-co", option]
    for path in (source, out):
        path.unlink(missing_ok=True)
    start = time.perf_counter()
    peaks_mb = [timed_process(rasterise), timed_process(proximity)]
    return {"seconds": time.perf_counter() - start, "peak_rss_mb": max(peaks_mb)}


def timed_process(command: list[str]) -> float:
    """Run ``command``; its peak RSS (MB) from wait4."""
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return usage.ru_maxrss / 1024


def check_cells(kind: str, side: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns: a seeded random sample plus three windows around features."""
    import shapely

    rng = np.random.default_rng([SEED, 99, KINDS.index(kind)])
    rows = [rng.integers(0, side, SAMPLE_CELLS)]
    cols = [rng.integers(0, side, SAMPLE_CELLS)]
    xy = shapely.get_coordinates(make_features(kind, side))
    inside = (xy[:, 0] > X_MIN) & (xy[:, 0] < X_MIN + side * CELL_M)
    inside &= (xy[:, 1] < Y_MAX) & (xy[:, 1] > Y_MAX - side * CELL_M)
    for x, y in xy[inside][rng.choice(int(inside.sum()), 3, replace=False)]:
        row0 = int(np.clip((Y_MAX - y) / CELL_M - WINDOW_CELLS / 2, 0, side - WINDOW_CELLS))
        col0 = int(np.clip((x - X_MIN) / CELL_M - WINDOW_CELLS / 2, 0, side - WINDOW_CELLS))
        r, c = np.mgrid[row0 : row0 + WINDOW_CELLS, col0 : col0 + WINDOW_CELLS]
        rows.append(r.ravel())
        cols.append(c.ravel())
    return np.concatenate(rows), np.concatenate(cols)


def exact_m(
    kind: str, side: int, rows: np.ndarray, cols: np.ndarray, *, clipped: bool = False
) -> np.ndarray:
    """shapely's distance from the cell centres to the nearest feature (0 inside polygons);
    ``clipped``: to the features' parts inside the grid (all a raster method can see)."""
    import shapely

    features = np.asarray(make_features(kind, side), dtype=object)
    if clipped:
        bounds = (X_MIN, Y_MAX - side * CELL_M, X_MIN + side * CELL_M, Y_MAX)
        features = shapely.clip_by_rect(features, *bounds)
        features = features[~shapely.is_empty(features)]
    tree = shapely.STRtree(features)
    centres = shapely.points(X_MIN + (cols + 0.5) * CELL_M, Y_MAX - (rows + 0.5) * CELL_M)
    (_, _), distance_m = tree.query_nearest(centres, return_distance=True, all_matches=False)
    return distance_m


def errors_m(path: Path, rows: np.ndarray, cols: np.ndarray, exact: np.ndarray) -> dict:
    import rasterio

    with rasterio.open(path) as src:
        values = src.read(1)[rows, cols].astype(np.float64)
    error = values - exact
    return {"max_error_m": float(error.max()), "min_error_m": float(error.min())}


def summary(seconds: list[float]) -> dict:
    return {
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "runs_s": [round(s, 3) for s in seconds],
    }


def bench_kind(folder: Path, kind: str, side: int, runs: int) -> dict:
    parkplan_out, gdal_out = folder / f"{kind}.parkplan.tif", folder / f"{kind}.gdal.tif"
    parkplan, gdal, load = [], [], [os.getloadavg()]
    for _ in range(runs):
        parkplan.append(run_child("parkplan", folder, kind, side, parkplan_out))
        gdal.append(run_gdal(folder, kind, side, gdal_out))
        load.append(os.getloadavg())
    edt_out = folder / f"{kind}.edt.tif"
    edt = run_child("edt", folder, kind, side, edt_out)
    rows, cols = check_cells(kind, side)
    exact = exact_m(kind, side, rows, cols)
    exact_in_grid = exact_m(kind, side, rows, cols, clipped=True)
    result = {
        "parkplan": summary([r["seconds"] for r in parkplan]),
        "gdal_proximity": summary([r["seconds"] for r in gdal]),
        "edt_s": edt["seconds"],
        "parkplan_peak_rss_mb": max(r["peak_rss_mb"] for r in parkplan),
        "parkplan_rss_before_mb": max(r["rss_before_mb"] for r in parkplan),
        "gdal_peak_rss_mb": max(r["peak_rss_mb"] for r in gdal),
        "edt_peak_rss_mb": edt["peak_rss_mb"],
        "checked_cells": int(rows.size),
        "error": {
            "parkplan": errors_m(parkplan_out, rows, cols, exact),
            "gdal_proximity": errors_m(gdal_out, rows, cols, exact_in_grid),
            "edt": errors_m(edt_out, rows, cols, exact_in_grid),
        },
        "loadavg_1_5_15": [list(map(round, triple, [2] * 3)) for triple in load],
    }
    result["ratio"] = result["parkplan"]["median_s"] / result["gdal_proximity"]["median_s"]
    return result


def report(side: int, kinds: dict) -> dict:
    worst = max(kinds, key=lambda kind: kinds[kind]["ratio"])
    return {
        "benchmark": "distance",
        "side_cells": side,
        "cell_m": CELL_M,
        "kind": worst,
        "parkplan_s": round(kinds[worst]["parkplan"]["median_s"], 3),
        "gdal_proximity_s": round(kinds[worst]["gdal_proximity"]["median_s"], 3),
        "ratio": round(kinds[worst]["ratio"], 3),
        "max_error_m": round(max(k["error"]["parkplan"]["max_error_m"] for k in kinds.values()), 4),
        "min_error_m": round(min(k["error"]["parkplan"]["min_error_m"] for k in kinds.values()), 4),
        "peak_rss_mb": round(max(k["parkplan_peak_rss_mb"] for k in kinds.values()), 1),
        "cpus": os.cpu_count(),
        "kinds": kinds,
    }


def print_table(kinds: dict) -> None:
    print(
        f"{'kind':<9} {'parkplan s':>11} {'gdal s':>8} {'ratio':>6} {'EDT s':>7} "
        f"{'err pp m':>9} {'err gdal':>9} {'err EDT':>8} {'RSS MB':>7}"
    )
    for kind, r in kinds.items():
        e = r["error"]
        print(
            f"{kind:<9} {r['parkplan']['median_s']:>11.2f} {r['gdal_proximity']['median_s']:>8.2f} "
            f"{r['ratio']:>6.2f} {r['edt_s']:>7.2f} {e['parkplan']['max_error_m']:>9.3f} "
            f"{e['gdal_proximity']['max_error_m']:>9.2f} {e['edt']['max_error_m']:>8.2f} "
            f"{r['parkplan_peak_rss_mb']:>7.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 1,500² grid instead of 5,600²")
    parser.add_argument("--runs", type=int, default=3, help="runs of each tool per kind")
    parser.add_argument("--workdir", type=Path, help="keep the inputs and outputs here")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, folder, kind, side, out = args.child
        child = child_parkplan if mode == "parkplan" else child_edt
        print(json.dumps(child(Path(folder), kind, int(side), Path(out))))
        return
    side = 1_500 if args.quick else 5_600
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="distance-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        write_inputs(folder, side)
        kinds = {kind: bench_kind(folder, kind, side, max(args.runs, 1)) for kind in KINDS}
    finally:
        if args.workdir is None:
            shutil.rmtree(folder, ignore_errors=True)
    print_table(kinds)
    print(json.dumps(report(side, kinds)))


if __name__ == "__main__":
    main()
