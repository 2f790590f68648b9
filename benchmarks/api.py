"""``GET /api/sites`` served by uvicorn on loopback: the first request after a run, then warm.

Builds two copies of one study whose current run holds seeded sites (33-vertex polygons in
Lambert 72 with the columns of a real site table): the *after* run is published as
``parkplan run`` writes it (``sites.gpkg`` plus the API's ``sites.geojson`` and its gzip), the
*before* run has only ``sites.gpkg`` (as a run made before the API files existed), so the
server converts it on the first request (the fallback). Each round starts ``create_app``
under uvicorn in a subprocess on 127.0.0.1 for each copy (alternating which goes first) and
times the first ``GET /api/sites`` with ``Accept-Encoding: gzip``, as a browser sends it.
Reported: median, min and max per side, the load average, the cost the run pays to write the
files, the same conversion as the API did it before (JSON round trip, gzip level 9) for
reference, and warm p50/p95 against the precomputed run. The last line printed is JSON.

    .venv/bin/python benchmarks/api.py [--sites 10000] [--rounds 5] [--requests 100]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == REPO / "benchmarks":
    sys.path[0] = str(REPO)  # the benchmark scripts' names must not shadow the packages

import geopandas as gpd  # noqa: E402
import httpx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from shapely import points  # noqa: E402

from parkplan import site_geojson as geojson  # noqa: E402
from parkplan.run import write_site_tables  # noqa: E402
from parkplan.run_facts import RunIdentity  # noqa: E402
from parkplan.runs import RunStore  # noqa: E402
from parkplan.study import write_new_study  # noqa: E402
from parkplan.workspace import Workspace  # noqa: E402

SEED = 20261122
P95_LIMIT_MS = 100.0
CRITERIA = ("motorway", "rail", "water", "nature", "flood")
SERVER = """
import sys, uvicorn
from parkplan.api import Settings, create_app
app = create_app(sys.argv[1], Settings(read_only=True))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def seeded_sites(count: int, *, seed: int = SEED) -> gpd.GeoDataFrame:
    """``count`` round sites of 5–40 ha scattered over 40 km x 30 km of West Flanders."""
    rng = np.random.default_rng(seed)
    area_ha = rng.uniform(5, 40, count)
    radius_m = np.sqrt(area_ha * 10_000 / np.pi)
    centres = points(rng.uniform(40_000, 80_000, count), rng.uniform(170_000, 200_000, count))
    score = np.sort(rng.uniform(0.5, 1.0, count))[::-1]
    table = {
        "site_id": [f"S{i + 1:04d}" for i in range(count)],
        "area_ha": area_ha.round(3),
        "score": score.round(6),
        "rank": np.arange(1, count + 1),
        "host": rng.choice(["Westdorp", "Oostdorp", "Noordkerke", "Zuidhove"], count),
    }
    table |= {f"c_{name}": rng.uniform(0, 1, count).round(6) for name in CRITERIA}
    table |= {"p_first": np.zeros(count), "p_top3": np.zeros(count)}
    geometry = gpd.GeoSeries(centres, crs="EPSG:31370").buffer(radius_m, quad_segs=8)
    return gpd.GeoDataFrame(table, geometry=geometry, crs="EPSG:31370")


def publish(root: Path, sites: gpd.GeoDataFrame) -> None:
    """Publish a run of ``sites`` the way ``parkplan run`` writes its site tables."""
    identity = RunIdentity.start(scenario=None, study_sha256="0" * 64, inputs_sha256={})
    parts = pd.DataFrame({"site_id": sites["site_id"], "municipality": sites["host"], "share": 1})
    with RunStore(root).build(identity) as folder:
        write_site_tables(sites, parts, folder, identity)
        record = {"run": identity.to_dict() | {"finished_at": identity.started_at}}
        (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")


def run_write_seconds(gpkg: Path, scratch: Path) -> float:
    """What writing the API's GeoJSON and gzip costs a run (on a copy of its ``sites.gpkg``)."""
    scratch.mkdir()
    shutil.copy(gpkg, scratch / geojson.SITES_GPKG)
    start = time.perf_counter()
    geojson.write_site_geojson(scratch)
    return time.perf_counter() - start


def make_studies(base: Path, count: int) -> tuple[Path, Path, float]:
    """The *before* and *after* studies (same sites) and the run's cost of the API files."""
    after = base / "after"
    write_new_study(after, name="benchmark")
    Workspace.create(after)
    publish(after, seeded_sites(count))
    write_cost = run_write_seconds(RunStore(after).folder() / geojson.SITES_GPKG, base / "scratch")
    before = base / "before"
    shutil.copytree(after, before, symlinks=True)
    folder = RunStore(before).folder()
    for name in (geojson.SITES_GEOJSON, geojson.SITES_GEOJSON_GZ):
        (folder / name).unlink()
    return before, after, write_cost


def legacy_seconds(gpkg: Path) -> float:
    """The conversion as the API did it before: ``to_json``, parse, add ids, dump, gzip 9."""
    start = time.perf_counter()
    sites = gpd.read_file(gpkg, layer="sites", engine="pyogrio").to_crs(geojson.WGS84)
    collection = json.loads(sites.to_json(na="null", drop_id=True))
    for feature in collection["features"]:
        feature["id"] = str(feature["properties"]["site_id"])
    body = json.dumps(collection, ensure_ascii=False, allow_nan=False).encode("utf-8")
    gzip.compress(body, mtime=0)
    return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(client: httpx.Client, server: subprocess.Popen, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.returncode}")
        try:
            if client.get("/api/health").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within {timeout_s} s")


def timed_get(client: httpx.Client, path: str, *, encoding: str = "identity") -> tuple[float, int]:
    """Milliseconds until the whole (decoded) body is in, and the bytes on the wire."""
    start = time.perf_counter()
    response = client.get(path, headers={"Accept-Encoding": encoding})
    elapsed_ms = (time.perf_counter() - start) * 1000
    response.raise_for_status()
    return elapsed_ms, response.num_bytes_downloaded


def with_server(root: Path, use: Callable[[httpx.Client], dict]) -> dict:
    """``use`` a fresh server of the study at ``root`` once it answers."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(root), str(port)])
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            wait_until_up(client, server)
            return use(client)
    finally:
        server.terminate()
        server.wait(timeout=10)


def first_get(client: httpx.Client) -> dict:
    elapsed_ms, size = timed_get(client, "/api/sites", encoding="gzip")
    return {"ms": elapsed_ms, "gzip_bytes": size}


def warm_gets(requests: int) -> Callable[[httpx.Client], dict]:
    def use(client: httpx.Client) -> dict:
        first = first_get(client)
        warm = np.array([timed_get(client, "/api/sites")[0] for _ in range(requests)])
        features = len(client.get("/api/sites").json()["features"])
        plain_bytes = timed_get(client, "/api/sites")[1]
        return first | {
            "features": features,
            "plain_bytes": plain_bytes,
            "p50": float(np.percentile(warm, 50)),
            "p95": float(np.percentile(warm, 95)),
        }

    return use


def spread(values: list[float]) -> dict:
    return {
        "median_ms": round(statistics.median(values), 1),
        "min_ms": round(min(values), 1),
        "max_ms": round(max(values), 1),
    }


def measure(count: int, rounds: int, requests: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        before, after, write_cost = make_studies(Path(folder), count)
        legacy_ms = 1000 * legacy_seconds(RunStore(before).folder() / geojson.SITES_GPKG)
        load_start = os.getloadavg()
        times: dict[str, list[float]] = {"before": [], "after": []}
        for index in range(rounds):
            order = ("before", "after") if index % 2 == 0 else ("after", "before")
            for side in order:
                root = before if side == "before" else after
                times[side].append(with_server(root, first_get)["ms"])
        load_end = os.getloadavg()
        warm = with_server(after, warm_gets(requests))
    ratio = statistics.median(times["before"]) / statistics.median(times["after"])
    return {
        "benchmark": "api_sites_first_get",
        "sites": count,
        "features": warm["features"],
        "rounds": rounds,
        "before": spread(times["before"]),
        "after": spread(times["after"]),
        "ratio_median": round(ratio, 1),
        "legacy_conversion_ms": round(legacy_ms, 1),
        "run_write_ms": round(1000 * write_cost, 1),
        "plain_bytes": warm["plain_bytes"],
        "gzip_bytes": warm["gzip_bytes"],
        "warm_p50_ms": round(warm["p50"], 2),
        "warm_p95_ms": round(warm["p95"], 2),
        "load_average": [round(v, 2) for v in (*load_start, *load_end)],
        "p95_limit_ms": P95_LIMIT_MS,
        "ok": warm["p95"] <= P95_LIMIT_MS,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    summary = measure(args.sites, args.rounds, args.requests)
    print(json.dumps(summary))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
