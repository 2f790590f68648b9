"""Live-preview latency of the model builder: from a weight change to the new ranking and map.

Two studies: the demo (``parkplan demo --out DIR``: 2,199 × 2,321 cells of 10 m) and the same
generated region at 3.927 m cells, 5,600 × 5,911 cells (its layers copied from the demo,
``cell_size_m`` changed, then scored with ``parkplan score`` so that it has its own candidate
sites). For each, ``parkplan serve`` runs in a child process on loopback (uvicorn; reads are
public: no token, no account), and a client sends ``--changes`` previews over one keep-alive
HTTP connection, each with one criterion's weight set to a seeded random value: the time is
the whole round trip, request sent to the JSON answer (the overview PNG, the ranked sites with
their robustness, the curves) received and parsed. The first preview, which computes the
overview inputs (distance rasters on the overview grid, masks, the sites' coverage), is
reported apart. Then headless Chromium opens ``/model`` with the network cut to the server
and counts the bytes of every response the page loads up to its first preview. The load
average is taken before and after each study; the last line printed is JSON.

    .venv/bin/python benchmarks/preview.py [--changes 100] [--keep DIR] [--demo DIR] [--big DIR]

``--keep DIR`` makes the two studies in ``DIR/demo`` and ``DIR/big`` and leaves them there;
``--demo`` / ``--big`` reuse studies made so.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == REPO / "benchmarks":
    sys.path[0] = str(REPO)  # the benchmark scripts' names must not shadow the packages
sys.path.insert(0, str(REPO / "tests"))

BIG_CELL_M = 3.927  # the demo's 21,990 m width in 5,600 cells
PARKPLAN = [sys.executable, "-m", "parkplan"]


def make_demo(folder: Path) -> Path:
    """The demo study, built and run by ``parkplan demo``."""
    subprocess.run([*PARKPLAN, "demo", "--out", str(folder), "-q"], check=True)
    return folder


def make_big(demo: Path, folder: Path) -> Path:
    """The demo region at :data:`BIG_CELL_M` m cells, scored (``parkplan score``)."""
    folder.mkdir(parents=True)
    shutil.copy2(demo / "study.toml", folder / "study.toml")
    shutil.copytree(demo / "workspace", folder / "workspace", symlinks=True)
    text = (folder / "study.toml").read_text(encoding="utf-8")
    text = text.replace("cell_size_m = 10.0", f"cell_size_m = {BIG_CELL_M}")
    (folder / "study.toml").write_text(text, encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([*PARKPLAN, "score", str(folder), "-q"], check=True)
    print(f"scored the {BIG_CELL_M} m study in {time.perf_counter() - started:.0f} s", flush=True)
    return folder


def weight_changes(model: dict, count: int, seed: int = 20261204) -> list[dict]:
    """``count`` drafts, each with one criterion's weight at a random value in [0.05, 0.6]."""
    rng = np.random.default_rng(seed)
    drafts = []
    for _ in range(count):
        draft = json.loads(json.dumps(model))
        criterion = draft["criteria"][int(rng.integers(len(draft["criteria"])))]
        criterion["weight"] = round(float(rng.uniform(0.05, 0.6)), 2)
        drafts.append(draft)
    return drafts


def percentiles(times: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(float(np.percentile(times, 50)), 1),
        "p95_ms": round(float(np.percentile(times, 95)), 1),
        "max_ms": round(max(times), 1),
    }


def measure(base: str, count: int) -> dict:
    """The cold first preview, then ``count`` weight changes, each a full round trip."""
    with httpx.Client(base_url=base, timeout=120) as client:
        state = client.get("/api/model").json()
        domains = {c["name"]: [0.0, 10_000.0] for c in state["model"]["criteria"]}
        started = time.perf_counter()
        first = client.post(
            "/api/model/preview", json={"model": state["model"], "domains": domains}
        )
        cold_ms = (time.perf_counter() - started) * 1000
        first.raise_for_status()
        times, server, sizes, tops = [], [], [], set()
        for draft in weight_changes(state["model"], count):
            started = time.perf_counter()
            answer = client.post("/api/model/preview", json={"model": draft, "domains": domains})
            found = answer.json()
            times.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
            server.append(found["computed_ms"])
            sizes.append(len(answer.content))
            tops.add(found["sites"][0]["site_id"] if found["sites"] else None)
    return {
        "cold_first_preview_ms": round(cold_ms, 1),
        "round_trip": percentiles(times),
        "server_compute": percentiles(server),
        "answer_bytes_median": int(np.median(sizes)),
        "overview": [first.json()["width"], first.json()["height"], first.json()["cell_size_m"]],
        "sites": len(first.json()["sites"]),
        "distinct_leaders": len(tops),
    }


def page_bytes(base: str) -> dict:
    """Bytes of every response ``/model`` loads up to its first preview (network cut)."""
    from webmap.browser import chromium_browser

    loaded: dict[str, int] = {}
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith((base, "data:"))
                else route.abort()
            ),
        )

        def count(response) -> None:
            if response.url.startswith(base):
                loaded[response.url.removeprefix(base)] = len(response.body())

        page.on("response", count)
        page.goto(base + "/model", wait_until="networkidle")
        page.wait_for_selector("#ranking tbody tr, #no-run:not([hidden])", timeout=120_000)
        page.wait_for_function("() => !document.querySelector('.pending')", timeout=120_000)
    return {"total_bytes": sum(loaded.values()), "by_url": loaded}


def serve(study: Path, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [*PARKPLAN, "serve", str(study), "--port", str(port)],
        env=os.environ | {"PARKPLAN_OPERATOR_TOKENS": "benchmark-token-0123456789"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def bench(study: Path, label: str, count: int) -> dict:
    from server_support import free_port, wait_until_up

    port = free_port()
    server = serve(study, port)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server)
        load_start = [round(x, 2) for x in os.getloadavg()]
        figures = measure(base, count)
        load_end = [round(x, 2) for x in os.getloadavg()]
        figures["page"] = page_bytes(base)
    finally:
        server.terminate()
        server.wait(timeout=30)
    grid = (
        json.loads((study / "run.json").read_text())["grid"]
        if (study / "run.json").exists()
        else None
    )
    print(f"{label}: {json.dumps(figures)}", flush=True)
    return {"study": label, "grid": grid, "load_start": load_start, "load_end": load_end, **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--demo", type=Path, help="an existing demo study (else one is made)")
    parser.add_argument("--big", type=Path, help="an existing 5,600² study (else one is made)")
    parser.add_argument("--keep", type=Path, help="make the studies here and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parkplan-preview-") as scratch:
        folder = args.keep or Path(scratch)
        demo = args.demo or make_demo(folder / "demo")
        big = args.big or make_big(demo, folder / "big")
        results = [bench(demo, "demo", args.changes), bench(big, "5600", args.changes)]
    summary = {
        "changes": args.changes,
        "cpu_count": os.cpu_count(),
        "results": [{k: v for k, v in r.items() if k != "page"} | {
            "page_bytes": r["page"]["total_bytes"]} for r in results],
    }  # fmt: skip
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
