"""What-if latency: the equalisation of a study's current run again with one setting changed.

Builds the demo (scale 1: 10 partners, 1,023 coalitions in the fair-division game) and, when
the real data lies beside the checkout, the Westhoek example (6 partners); runs each once;
then times ``--changes`` what-ifs through the web app's route ``GET
/api/equalisation/what-if`` (in-process ``TestClient``: the full request, the equalisation of
every key, the game and the alone-versus-together checks, the JSON answer), each with another
value of one of the four settings (discount rate, sell-out years, the fund's share of the OV,
the host compensation), and reports p50, p95 and max latency. The last line printed is JSON.

    .venv/bin/python benchmarks/whatif.py [--changes 100]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == REPO / "benchmarks":
    sys.path[0] = str(REPO)  # the benchmark scripts' names must not shadow the packages


def changes(count: int, seed: int = 20261203) -> list[dict[str, float]]:
    """``count`` what-ifs, each one setting at a random value of its range."""
    rng = np.random.default_rng(seed)
    ranges = {
        "discount_rate_per_year": (0.0, 0.08),
        "sell_out_years": (3.0, 20.0),
        "fund_ov_share": (0.0, 1.0),
        "host_compensation_eur_per_ha_per_year": (0.0, 2000.0),
    }
    names = list(ranges)
    picked = rng.integers(0, len(names), count)
    return [{names[i]: round(float(rng.uniform(*ranges[names[i]])), 4)} for i in picked.tolist()]


def latencies_ms(root: Path, count: int) -> list[float]:
    from fastapi.testclient import TestClient

    from parkplan.api import Settings, create_app

    app = create_app(root, Settings(operator_tokens=["benchmark-token-0123456789"]))
    times = []
    with TestClient(app) as client:
        client.get("/api/equalisation/what-if")  # reads the run's tables once
        for params in changes(count):
            started = time.perf_counter()
            answer = client.get("/api/equalisation/what-if", params=params)
            times.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.text
    return times


def summary(times: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(float(np.percentile(times, 50)), 1),
        "p95_ms": round(float(np.percentile(times, 95)), 1),
        "max_ms": round(max(times), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=100)
    args = parser.parse_args()
    from parkplan.demo import run_demo
    from parkplan.examples.westhoek import FILES, build_westhoek, default_data_dir
    from parkplan.run import run_study

    results: dict[str, object] = {"load_1min": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory() as scratch:
        demo = Path(scratch) / "demo"
        run_demo(demo, scale=1.0)
        results["demo"] = summary(latencies_ms(demo, args.changes))
        print("demo", results["demo"], flush=True)
        data = default_data_dir()
        if all((data / name).is_file() for name in FILES.values()):
            example = build_westhoek(Path(scratch) / "westhoek", data)
            run_study(example)
            results["westhoek"] = summary(latencies_ms(example, args.changes))
            print("westhoek", results["westhoek"], flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
