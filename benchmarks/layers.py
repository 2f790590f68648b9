"""Benchmark: loading a parcel layer into a study vs a plain pyogrio read + write.

The floor is what any loader must do: read the GeoPackage and write it again
(``pyogrio.read_dataframe`` + ``pyogrio.write_dataframe``). ``Workspace.add_layer`` adds
format and CRS checks, validation (emptiness, finite coordinates, validity, keys), the source's
SHA-256 and the catalogue commit. Both run in the same process on the same file; the best of
``--repeat`` rounds (taken in turn) is kept for each, and the ratio is reported.

Usage: ``python benchmarks/layers.py [--parcels 100000] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from parkplan.workspace import Workspace

CRS = "EPSG:31370"
ORIGIN = (50_000.0, 180_000.0)


def make_parcels(count: int, *, seed: int = 20_240_601) -> gpd.GeoDataFrame:
    """``count`` parcels: the Voronoi cells of jittered grid points (about 2,000 m² each)."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(count)))
    spacing_m = 45.0
    cols, rows = np.meshgrid(np.arange(side), np.arange(side))
    xs = ORIGIN[0] + (cols.ravel() + rng.uniform(-0.35, 0.35, side * side)) * spacing_m
    ys = ORIGIN[1] + (rows.ravel() + rng.uniform(-0.35, 0.35, side * side)) * spacing_m
    seeds = shapely.points(xs, ys)[:count]
    extent = shapely.box(
        ORIGIN[0], ORIGIN[1], ORIGIN[0] + side * spacing_m, ORIGIN[1] + side * spacing_m
    )
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=extent)
    )
    cells = shapely.intersection(cells, extent)
    order = shapely.STRtree(cells).query(seeds, predicate="within")
    polygons = np.empty(count, dtype=object)
    polygons[order[0]] = cells[order[1]]
    return gpd.GeoDataFrame(
        {
            "capakey": [f"{31000 + i // 5000}A{i:07d}/00A000" for i in range(count)],
            "landuse": rng.choice(["agriculture", "industry", "housing", "nature"], count),
            "value_eur_per_m2": np.round(rng.uniform(5, 250, count), 2),
        },
        geometry=polygons,
        crs=CRS,
    )


def best_of(repeat: int, *runs) -> list[float]:
    """The best time of each of ``runs`` over ``repeat`` rounds, run in turn (fair to both)."""
    best = [float("inf")] * len(runs)
    for _ in range(repeat):
        for i, run in enumerate(runs):
            start = time.perf_counter()
            run()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "parcels.gpkg"
        start = time.perf_counter()
        parcels = make_parcels(args.parcels)
        pyogrio.write_dataframe(parcels, source, layer="parcels", driver="GPKG")
        made_s = time.perf_counter() - start
        vertices = int(shapely.get_num_coordinates(parcels.geometry.values).sum())
        size_mb = source.stat().st_size / 1e6

        def floor() -> None:
            frame = pyogrio.read_dataframe(source)
            out = folder / "floor.gpkg"
            out.unlink(missing_ok=True)
            pyogrio.write_dataframe(frame, out, layer="parcels", driver="GPKG")

        runs = iter(range(10_000))

        def load() -> None:
            workspace = Workspace.create(folder / f"study{next(runs)}")
            workspace.add_layer(source, "parcels")

        floor_s, load_s = best_of(args.repeat, floor, load)
    print(
        f"parcels: {args.parcels:,} ({vertices:,} vertices, {size_mb:.1f} MB GeoPackage, "
        f"made in {made_s:.1f} s)"
    )
    print(f"| step | best of {args.repeat} (s) |")
    print("|---|---|")
    print(f"| floor: pyogrio read + write | {floor_s:.2f} |")
    print(f"| Workspace.add_layer (validated) | {load_s:.2f} |")
    print(f"| ratio | {load_s / floor_s:.2f}x |")


if __name__ == "__main__":
    main()
