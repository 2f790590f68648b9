"""The failed-login limiter under many distinct failing clients: time per failure and memory.

Records one failed login for each of ``--clients`` distinct IPv4 addresses (the real clock; the
run lasts far less than the 60 s window, so no failure expires and the table stays full at its
cap of 10,000 clients), and reports the time per failure while the table fills and once it is
full (mean, p99, max, over single calls timed with ``perf_counter_ns``), the clients visited per
failure (``touched``), the number of clients remembered and the tracker's memory
(``tracemalloc``: the limiter's allocations, measured again with the worst case of every client
holding its 10 failures). ``--before FILE`` times another version of ``parkplan/api/security.py``
the same way, for ``--before-clients`` failures only (each costs a sweep over all clients).
The last line printed is JSON.

    .venv/bin/python benchmarks/limiter.py [--clients 100000] [--before FILE]
"""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == REPO / "benchmarks":
    sys.path[0] = str(REPO)  # the benchmark scripts' names must not shadow the packages
MAX_FAILURES = 10
WINDOW_S = 60.0
MB = 1024 * 1024


def address(i: int) -> str:
    return str(ipaddress.IPv4Address(0x0A00_0000 + i))


def load_module(path: str):
    """Another version of the security module, imported under its own name."""
    spec = importlib.util.spec_from_file_location("security_before", path)
    module = sys.modules["security_before"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed_failures(limiter, clients: int) -> np.ndarray:
    """Record one failure for each of ``clients`` addresses; the time of each in µs."""
    names = [address(i) for i in range(clients)]
    times = np.empty(clients)
    clock = time.perf_counter_ns
    for i, name in enumerate(names):
        started = clock()
        limiter.record(name)
        times[i] = (clock() - started) / 1000
    return times


def summary_us(times: np.ndarray) -> dict:
    if not times.size:
        return {}
    return {
        "failures": int(times.size),
        "mean_us": round(float(times.mean()), 2),
        "p99_us": round(float(np.percentile(times, 99)), 2),
        "max_us": round(float(times.max()), 2),
    }


def measure(module, clients: int) -> dict:
    """Time ``clients`` distinct failures, before and after the table holds its cap."""
    limiter = module.FailureLimiter(MAX_FAILURES, WINDOW_S)
    cap = module.MAX_TRACKED_CLIENTS
    times = timed_failures(limiter, clients)
    remembered = len(getattr(limiter, "_failures", ()))
    result = {
        "clients": clients,
        "filling": summary_us(times[:cap]),
        "full": summary_us(times[cap:]),
        "remembered": remembered,
    }
    if hasattr(limiter, "touched"):
        result["touched_per_failure"] = round(limiter.touched / clients, 3)
    return result


def tracker_mb(module, clients: int, failures_each: int) -> float:
    """The limiter's memory after ``failures_each`` failures of ``clients`` clients."""
    tracemalloc.start()
    start = tracemalloc.take_snapshot()
    limiter = module.FailureLimiter(MAX_FAILURES, WINDOW_S)
    for i in range(clients):
        for _ in range(failures_each):
            limiter.record(address(i))
    used = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(start, "filename"))
    tracemalloc.stop()
    del limiter
    return round(used / MB, 2)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--before", help="another version of parkplan/api/security.py to time")
    parser.add_argument("--before-clients", type=int, default=10_500)
    args = parser.parse_args(argv)
    from parkplan.api import security

    cap = security.MAX_TRACKED_CLIENTS
    result = {
        "benchmark": "limiter",
        "cap": cap,
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "after": measure(security, args.clients),
        "after_memory_mb": {
            f"{args.clients}_clients_1_failure": tracker_mb(security, args.clients, 1),
            f"{cap}_clients_{MAX_FAILURES}_failures": tracker_mb(security, cap, MAX_FAILURES),
        },
    }
    if args.before:
        before = load_module(args.before)
        result["before"] = measure(before, args.before_clients)
        result["before_memory_mb"] = {
            f"{args.before_clients}_clients_1_failure": tracker_mb(before, args.before_clients, 1),
        }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
