"""Latency of ``GET /api/sites`` for 1,000 seeded sites, served by uvicorn on loopback.

Builds a study with 1,000 candidate sites (polygons of 33 vertices in Lambert 72 with the
columns of a real site table), starts ``create_app`` under uvicorn in a subprocess on
127.0.0.1, sends a bounded number of requests with httpx and reports the first (cold:
reads the GeoPackage and reprojects) and the p50/p95/max of the rest (served from the
cache). Target: p95 <= 100 ms. The last line printed is a JSON summary.

    .venv/bin/python benchmarks/api.py [--sites 1000] [--requests 300]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import httpx
import numpy as np
from shapely import points

from parkplan.study import write_new_study
from parkplan.workspace import Workspace

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


def make_study(root: Path, count: int) -> Path:
    write_new_study(root, name="benchmark")
    Workspace.create(root)
    seeded_sites(count).to_file(root / "sites.gpkg", layer="sites", driver="GPKG", engine="pyogrio")
    return root


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(client: httpx.Client, server: subprocess.Popen, timeout_s: float = 60) -> None:
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


def measure(count: int, requests: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        root = make_study(Path(folder) / "study", count)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(root), str(port)])
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                wait_until_up(client, server)
                cold_ms, size = timed_get(client, "/api/sites")
                features = len(client.get("/api/sites").json()["features"])
                warm_ms = np.array([timed_get(client, "/api/sites")[0] for _ in range(requests)])
                packed = [timed_get(client, "/api/sites", encoding="gzip") for _ in range(requests)]
                gzip_ms = np.array([elapsed_ms for elapsed_ms, _ in packed])
                gzip_size = packed[0][1]
                one_ms = np.array([timed_get(client, "/api/sites/S0500")[0] for _ in range(50)])
        finally:
            server.terminate()
            server.wait(timeout=10)
    p95 = float(np.percentile(warm_ms, 95))
    return {
        "benchmark": "api_sites",
        "sites": count,
        "features": features,
        "requests": requests,
        "response_bytes": size,
        "cold_ms": round(cold_ms, 1),
        "p50_ms": round(float(np.percentile(warm_ms, 50)), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(float(warm_ms.max()), 2),
        "gzip_bytes": gzip_size,
        "gzip_p95_ms": round(float(np.percentile(gzip_ms, 95)), 2),
        "one_site_p95_ms": round(float(np.percentile(one_ms, 95)), 2),
        "p95_limit_ms": P95_LIMIT_MS,
        "ok": p95 <= P95_LIMIT_MS,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    summary = measure(args.sites, args.requests)
    print(json.dumps(summary))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
