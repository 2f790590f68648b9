"""Benchmark of the two study workspaces: loading and reading a vector layer.

Seeded synthetic input: ``--features`` parcels (default 50,000; ``--quick``: 5,000), squares of
20–80 m with an integer, a float and a text attribute, in Lambert 72, written as a GeoPackage.
Each backend loads it (:meth:`Workspace.add_layer`: read, validate, store, commit) and reads it
back (:meth:`Workspace.read_vector`); the baseline is pyogrio reading the source GeoPackage.
PostGIS needs ``PARKPLAN_TEST_POSTGRES_URL`` (``eval "$(scripts/postgis.sh start)"``).

The last line printed is a JSON object with the figures.

Usage::

    python benchmarks/workspace_backends.py [--quick] [--features N]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import psycopg
import pyogrio
import shapely

from parkplan.study import Study, save_study
from parkplan.workspace import Workspace

SEED = 20261122
URL_VARIABLE = "PARKPLAN_TEST_POSTGRES_URL"


def parcels(count: int) -> gpd.GeoDataFrame:
    """``count`` seeded squares inside 40..80 km x 170..210 km (Lambert 72)."""
    rng = np.random.default_rng(SEED)
    x = rng.uniform(40_000, 79_900, count)
    y = rng.uniform(170_000, 209_900, count)
    side = rng.uniform(20, 80, count)
    return gpd.GeoDataFrame(
        {
            "parcel_id": [f"P{i:07d}" for i in range(count)],
            "ki_eur": rng.integers(100, 100_000, count),
            "area_m2": side**2,
        },
        geometry=shapely.box(x, y, x + side, y + side),
        crs="EPSG:31370",
    )


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def measure(root: Path, source: Path) -> dict[str, float]:
    workspace = Workspace.create(root)
    load_s, _ = timed(lambda: workspace.add_layer(source, "parcels"))
    read_s, frame = timed(lambda: workspace.read_vector("parcels"))
    assert len(frame) == len(pyogrio.read_dataframe(source))
    return {"load_s": round(load_s, 3), "read_s": round(read_s, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--features", type=int, default=None)
    args = parser.parse_args()
    count = args.features or (5_000 if args.quick else 50_000)
    figures: dict[str, object] = {"features": count}
    with tempfile.TemporaryDirectory(prefix="parkplan-bench-") as folder:
        folder = Path(folder)
        source = folder / "parcels.gpkg"
        pyogrio.write_dataframe(parcels(count), source, layer="parcels", driver="GPKG")
        figures["pyogrio_read_s"] = round(timed(lambda: pyogrio.read_dataframe(source))[0], 3)
        figures["gpkg"] = measure(folder / "gpkg", source)
        url = os.environ.get(URL_VARIABLE)
        if url:
            schema = f"bench_{secrets.token_hex(4)}"
            (folder / "postgis").mkdir()
            save_study(Study(name="bench", workspace=f"{url}?schema={schema}"), folder / "postgis")
            try:
                figures["postgis"] = measure(folder / "postgis", source)
            finally:
                with psycopg.connect(url) as conn:
                    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        else:
            figures["postgis"] = f"skipped: {URL_VARIABLE} not set"
    for name, value in figures.items():
        print(f"{name:16} {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
