"""Server memory under concurrent large uploads to ``POST /api/layers``.

Writes a seeded GeoJSON of ``--vertices`` vertices in polygons of ``--ring`` vertices (default:
one polygon of 10^6 vertices, which costs five to ten times the memory of the same vertices in
2,000 polygons) in Lambert 72 with one decimal, about 19 bytes a vertex (18 MB); serves an
empty study with ``parkplan serve`` on 127.0.0.1 in a subprocess, and posts the file
``--uploads`` times at once (one thread each).
A sampler reads every 50 ms the memory of the server process and of all its descendants
(psutil): the peak of the summed RSS, of the summed PSS (shared pages counted once), and of
the server process alone; the same before and 3 s after the uploads; every answer's status
and time. ``--env NAME=VALUE`` passes a setting to the server. The last line is JSON.

    .venv/bin/python benchmarks/uploads.py [--vertices 1000000] [--uploads 4]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import psutil

REPO = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == REPO / "benchmarks":
    sys.path[0] = str(REPO)  # the benchmark scripts' names must not shadow the packages
SEED = 20260515
SAMPLE_S = 0.05
MB = 1024 * 1024


def write_geojson(path: Path, vertices: int, ring: int, *, seed: int = SEED) -> int:
    """Polygons of ``ring`` vertices (closed rings) in Lambert 72; return the vertex count."""
    rng = np.random.default_rng(seed)
    count = max(1, vertices // ring)
    angles = np.linspace(0, 2 * math.pi, ring, endpoint=False)
    crs = '{"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::31370"}}'
    with path.open("w", encoding="ascii") as out:
        out.write(f'{{"type": "FeatureCollection", "crs": {crs}, "features": [\n')
        for i in range(count):
            x0, y0 = rng.uniform(30_000, 90_000), rng.uniform(160_000, 210_000)
            radius = rng.uniform(50, 400)
            xs, ys = x0 + radius * np.cos(angles), y0 + radius * np.sin(angles)
            points = [f"[{x:.1f},{y:.1f}]" for x, y in zip(xs, ys, strict=True)]
            points.append(points[0])
            geometry = f'{{"type":"Polygon","coordinates":[[{",".join(points)}]]}}'
            separator = ",\n" if i < count - 1 else "\n"
            out.write(f'{{"type":"Feature","properties":{{"n":{i}}},"geometry":{geometry}}}')
            out.write(separator)
        out.write("]}\n")
    return count * (ring + 1)


def make_study(root: Path) -> Path:
    from parkplan.study import write_new_study
    from parkplan.workspace import Workspace

    write_new_study(root, name="uploads")
    Workspace.create(root)
    return root


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(root: Path, port: int, env: dict[str, str]) -> subprocess.Popen:
    command = [str(REPO / ".venv" / "bin" / "parkplan"), "serve", str(root), "--port", str(port)]
    server = subprocess.Popen(
        command, env=os.environ | env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped: {server.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not answer within 90 s")


def tree_rss_mb(process: psutil.Process) -> tuple[float, float, float]:
    """RSS of ``process`` and its descendants, RSS of ``process`` alone, and the PSS of all.

    In MB. The sum of RSS counts twice the pages a forked child shares with its parent; the
    sum of PSS (proportional set size, Linux) shares them out and adds up to what is used.
    """
    own = process.memory_info().rss
    total, pss = own, _pss(process)
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
            pss += _pss(child)
        except psutil.NoSuchProcess:
            continue
    return total / MB, own / MB, pss / MB


def _pss(process: psutil.Process) -> int:
    return getattr(process.memory_full_info(), "pss", 0)


class Sampler(threading.Thread):
    """Peak resident memory of a process tree, sampled every ``SAMPLE_S`` seconds."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.stop = threading.Event()
        self.peak_tree_mb = 0.0
        self.peak_server_mb = 0.0
        self.peak_pss_mb = 0.0
        self.peak_children = 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                tree, own, pss = tree_rss_mb(self.process)
                children = len(self.process.children(recursive=True))
            except psutil.NoSuchProcess:
                return
            self.peak_tree_mb = max(self.peak_tree_mb, tree)
            self.peak_server_mb = max(self.peak_server_mb, own)
            self.peak_pss_mb = max(self.peak_pss_mb, pss)
            self.peak_children = max(self.peak_children, children)
            self.stop.wait(SAMPLE_S)


def post(base: str, token: str, path: Path, name: str, out: list) -> None:
    started = time.perf_counter()
    try:
        with path.open("rb") as data, httpx.Client(base_url=base, timeout=900) as client:
            response = client.post(
                "/api/layers",
                headers={"Authorization": f"Bearer {token}"},
                files={"file": (path.name, data, "application/geo+json")},
                data={"name": name},
            )
        detail = "" if response.status_code < 400 else response.json().get("detail", "")
        out.append((response.status_code, round(time.perf_counter() - started, 1), detail))
    except httpx.HTTPError as exc:
        out.append((type(exc).__name__, round(time.perf_counter() - started, 1), str(exc)))


def measure(base: str, token: str, path: Path, uploads: int, server: subprocess.Popen) -> dict:
    """Post ``uploads`` copies at once; the memory figures and answers."""
    time.sleep(1.0)
    before_mb, _, before_pss_mb = tree_rss_mb(psutil.Process(server.pid))
    sampler = Sampler(server.pid)
    sampler.start()
    answers: list = []
    threads = [
        threading.Thread(target=post, args=(base, token, path, f"big_{i}", answers))
        for i in range(uploads)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed_s = time.perf_counter() - started
    time.sleep(3.0)
    sampler.stop.set()
    sampler.join()
    after_mb, after_server_mb, after_pss_mb = tree_rss_mb(psutil.Process(server.pid))
    return {
        "rss_mb_before": round(before_mb, 1),
        "pss_mb_before": round(before_pss_mb, 1),
        "peak_rss_mb_with_children": round(sampler.peak_tree_mb, 1),
        "peak_pss_mb_with_children": round(sampler.peak_pss_mb, 1),
        "peak_rss_mb_server_only": round(sampler.peak_server_mb, 1),
        "peak_child_processes": sampler.peak_children,
        "rss_mb_after_3s": round(after_mb, 1),
        "pss_mb_after_3s": round(after_pss_mb, 1),
        "rss_mb_after_3s_server_only": round(after_server_mb, 1),
        "answers": sorted(answers, key=str),
        "elapsed_s": round(elapsed_s, 1),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vertices", type=int, default=1_000_000)
    parser.add_argument("--ring", type=int, default=1_000_000, help="vertices per polygon")
    parser.add_argument("--uploads", type=int, default=4, help="uploads sent at once")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server")
    args = parser.parse_args(argv)
    token = secrets.token_urlsafe(24)
    env = {"PARKPLAN_OPERATOR_TOKENS": token, "PARKPLAN_VIEWER_TOKENS": ""}
    env |= dict(item.split("=", 1) for item in args.env)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="parkplan-uploads-") as folder:
        source = Path(folder) / "big.geojson"
        vertices = write_geojson(source, args.vertices, args.ring)
        root = make_study(Path(folder) / "study")
        port = free_port()
        server = start_server(root, port, env)
        try:
            result = measure(f"http://127.0.0.1:{port}", token, source, args.uploads, server)
        finally:
            server.terminate()
            server.wait(timeout=60)
        result = {
            "benchmark": "uploads",
            "vertices": vertices,
            "file_mb": round(source.stat().st_size / MB, 1),
            "uploads": args.uploads,
            "server_env": {k: v for k, v in env.items() if "TOKEN" not in k},
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        } | result
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
