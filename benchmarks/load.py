"""Load test of ``parkplan serve`` on loopback: many readers and a few operator uploads at once.

A demo study (seeded, fictional) is built and run, served by ``parkplan serve`` (uvicorn) on
127.0.0.1 in a subprocess, and hit by ``--clients`` threads for ``--seconds`` (at most
``--max-requests`` in all) with a mix of ``GET /api/sites``, ``GET /api/sites/{id}``,
``GET /map``, ``GET /api/equalisation`` and, now and then, ``POST /api/layers`` by an operator.
Reports every error, the p50/p95/p99 latency per route, and the server's resident memory sampled
over time (first quarter vs last quarter). Stops by itself; the last line printed is JSON.

    .venv/bin/python benchmarks/load.py --clients 50 --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
import numpy as np
import psutil

REPO = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == REPO / "benchmarks":
    sys.path[0] = str(REPO)  # the benchmark scripts' names must not shadow the packages
ROUTES = ("sites", "site", "map", "equalisation", "upload")
#: Route mix for readers (weights); uploads are added every ``--upload-every`` requests.
MIX = {"sites": 0.35, "site": 0.30, "map": 0.15, "equalisation": 0.20}
UPLOAD = (
    b'{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": '
    b'"urn:ogc:def:crs:EPSG::31370"}}, "features": [{"type": "Feature", "properties": '
    b'{"n": 1}, "geometry": {"type": "Point", "coordinates": [45000.0, 195000.0]}}]}'
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_study(folder: Path, scale: float) -> Path:
    from parkplan.demo import run_demo

    root = folder / "study"
    run_demo(root, scale=scale, lang="en")
    return root


def start_server(root: Path, port: int, token: str) -> subprocess.Popen:
    env = os.environ | {"PARKPLAN_OPERATOR_TOKENS": token, "PARKPLAN_VIEWER_TOKENS": ""}
    server = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "parkplan"), "serve", str(root), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not answer within 60 s")


class Recorder:
    """Latencies and errors per route, shared by the client threads."""

    def __init__(self) -> None:
        self.latencies_ms: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.count = 0
        self.lock = threading.Lock()

    def add(self, route: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.count += 1
            self.latencies_ms[route].append(ms)
            if error:
                self.errors.append(f"{route}: {error}")


def client_loop(base: str, token: str, site_ids: list[str], recorder: Recorder, stop, args, seed):
    rng = random.Random(seed)
    routes, weights = zip(*MIX.items(), strict=True)
    with httpx.Client(base_url=base, timeout=30) as client:
        while not stop.is_set():
            with recorder.lock:
                n = recorder.count
                upload_now = args.upload_every and n % args.upload_every == 0 and n > 0
            route = "upload" if upload_now else rng.choices(routes, weights)[0]
            started = time.perf_counter()
            try:
                response = request(client, route, token, rng, site_ids)
                expected = 201 if route == "upload" else 200
                error = None if response.status_code == expected else str(response.status_code)
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            recorder.add(route, (time.perf_counter() - started) * 1000, error)
            if recorder.count >= args.max_requests:
                stop.set()


def request(client: httpx.Client, route: str, token: str, rng, site_ids) -> httpx.Response:
    if route == "sites":
        return client.get("/api/sites")
    if route == "site":
        return client.get(f"/api/sites/{rng.choice(site_ids)}")
    if route == "map":
        return client.get("/map")
    if route == "equalisation":
        return client.get("/api/equalisation")
    name = f"load_{secrets.token_hex(6)}"
    return client.post(
        "/api/layers",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": ("points.geojson", UPLOAD, "application/geo+json")},
        data={"name": name},
    )


def sample_memory(pid: int, samples: list[float], stop) -> None:
    process = psutil.Process(pid)
    while not stop.is_set():
        samples.append(process.memory_info().rss / 1024**2)
        stop.wait(0.5)


def summarise(recorder: Recorder, rss_mb: list[float], elapsed_s: float, args) -> dict:
    quarter = max(1, len(rss_mb) // 4)
    first, last = statistics.mean(rss_mb[:quarter]), statistics.mean(rss_mb[-quarter:])
    routes = {}
    for route in ROUTES:
        values = np.array(recorder.latencies_ms.get(route, []))
        if values.size:
            p50, p95, p99 = np.percentile(values, [50, 95, 99])
            routes[route] = {
                "requests": int(values.size),
                "p50_ms": round(float(p50), 1),
                "p95_ms": round(float(p95), 1),
                "p99_ms": round(float(p99), 1),
            }
    return {
        "clients": args.clients,
        "seconds": round(elapsed_s, 1),
        "requests": recorder.count,
        "requests_per_s": round(recorder.count / elapsed_s, 1),
        "errors": len(recorder.errors),
        "first_errors": recorder.errors[:5],
        "routes": routes,
        "rss_mb_first_quarter": round(first, 1),
        "rss_mb_last_quarter": round(last, 1),
        "rss_mb_max": round(max(rss_mb), 1),
        "rss_growth_ratio": round(last / first, 3),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--upload-every", type=int, default=500, help="0: no uploads")
    parser.add_argument("--scale", type=float, default=0.2, help="demo region scale (0.2-1)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="parkplan-load-"))
    token = secrets.token_urlsafe(24)
    server = None
    try:
        root = build_study(folder, args.scale)
        port = free_port()
        server = start_server(root, port, token)
        base = f"http://127.0.0.1:{port}"
        site_ids = [f["id"] for f in httpx.get(f"{base}/api/sites").json()["features"]]
        recorder, stop, rss_mb = Recorder(), threading.Event(), []
        sampler = threading.Thread(target=sample_memory, args=(server.pid, rss_mb, stop))
        sampler.start()
        threads = [
            threading.Thread(
                target=client_loop,
                args=(base, token, site_ids, recorder, stop, args, 1000 + i),
                daemon=True,
            )
            for i in range(args.clients)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        stop.wait(args.seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        elapsed_s = time.monotonic() - started
        sampler.join()
        result = summarise(recorder, rss_mb, elapsed_s, args)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
    for route, figures in result["routes"].items():
        print(f"{route:<13} {figures}", file=sys.stderr)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
