"""Shared helpers of the benchmarks: alternating A/B(/C) timing, child processes, the final line.

Timing rules (so that no side is flattered by the order it runs in or by a quiet moment):

- one warm-up run of every side first (page cache, lazily loaded libraries), not
  counted;
- then ``rounds`` rounds; each round runs every side once, the order rotated from round to
  round (A B, B A, A B, … or A B C, B C A, C A B, …), so every side meets the same load;
- per side: the median, the minimum and the maximum of its runs (the spread), its runs, and the
  machine's 1-minute load average just before and just after each run;
- the 1-, 5- and 15-minute load averages at the start and the end of the case.

A side is a function returning either its seconds or a dict with ``"seconds"`` (and any other
figures, e.g. ``"peak_rss_mb"`` from :func:`run_child`); ``peak_rss_mb`` is kept as the
maximum over its runs, ``wall_s``, ``cpu_s`` and ``work_s`` as medians, other figures from its
last run.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

Side = Callable[[], "float | dict[str, Any]"]


def load_average() -> list[float]:
    """The 1-, 5- and 15-minute load averages of the machine."""
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    """Cores and memory of the machine (psutil when importable)."""
    figures: dict[str, Any] = {"cpu_count": os.cpu_count()}
    try:
        import psutil

        figures["memory_gb"] = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:  # pragma: no cover - psutil is in the environment
        pass
    return figures


def rotated(names: Sequence[str], round_index: int) -> list[str]:
    """The order of the sides in round ``round_index``: rotated by one place per round."""
    k = round_index % len(names)
    return [*names[k:], *names[:k]]


def alternate(sides: Mapping[str, Side], rounds: int, *, warmup: bool = True) -> dict[str, Any]:
    """Time ``sides`` in ``rounds`` alternating rounds after one warm-up run each (see the
    module's docstring); returns ``{"load_start", "load_end", "rounds", "sides": {name: ...}}``.
    """
    names = list(sides)
    case: dict[str, Any] = {"load_start": load_average(), "rounds": rounds}
    if warmup:
        for name in names:
            sides[name]()
    runs: dict[str, list[float]] = {name: [] for name in names}
    loads: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    extra: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    rss: dict[str, list[float]] = {name: [] for name in names}
    for k in range(rounds):
        for name in rotated(names, k):
            before = os.getloadavg()[0]
            result = sides[name]()
            after = os.getloadavg()[0]
            if isinstance(result, Mapping):
                runs[name].append(float(result["seconds"]))
                if result.get("peak_rss_mb") is not None:
                    rss[name].append(float(result["peak_rss_mb"]))
                extra[name].append(
                    {k: v for k, v in result.items() if k not in ("seconds", "peak_rss_mb")}
                )
            else:
                runs[name].append(float(result))
            loads[name].append((round(before, 2), round(after, 2)))
    case["load_end"] = load_average()
    case["sides"] = {
        name: summary(runs[name], loads[name], rss[name], extra[name]) for name in names
    }
    return case


def summary(
    runs: list[float],
    loads: list[tuple[float, float]],
    rss: list[float],
    extra: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """Median, minimum, maximum and runs of one side, with the load around its runs; of the
    other figures the medians of ``wall_s``, ``cpu_s`` and ``work_s`` and the last run's others."""
    out: dict[str, Any] = {
        "median_s": round(statistics.median(runs), 4),
        "min_s": round(min(runs), 4),
        "max_s": round(max(runs), 4),
        "runs_s": [round(r, 4) for r in runs],
        "load_1min_around_runs": [list(pair) for pair in loads],
    }
    if rss:
        out["peak_rss_mb"] = round(max(rss), 1)
    if extra:
        out.update(extra[-1])
        for key in ("wall_s", "cpu_s", "work_s"):
            values = [e[key] for e in extra if key in e]
            if values:
                out[f"{key}_median"] = round(statistics.median(values), 3)
                out.pop(key, None)
    return out


def ratio(case: Mapping[str, Any], ours: str, theirs: str) -> dict[str, float]:
    """``ours / theirs`` of the medians, with the range of the ratios of runs in the same
    round (run k of one side against run k of the other)."""
    a, b = case["sides"][ours], case["sides"][theirs]
    paired = [x / y for x, y in zip(a["runs_s"], b["runs_s"], strict=True)]
    return {
        "median": round(a["median_s"] / b["median_s"], 3),
        "per_round_min": round(min(paired), 3),
        "per_round_max": round(max(paired), 3),
    }


#: Python source of a function ``peak_rss_mb()`` for child scripts: the process's own peak
#: resident memory, ``VmHWM`` (``ru_maxrss`` seen by the parent is no good: the kernel carries
#: the parent's high-water mark into the child through fork / vfork + exec).
PEAK_RSS_SOURCE = """
def peak_rss_mb():
    import resource
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
"""


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (see :data:`PEAK_RSS_SOURCE`)."""
    scope: dict[str, Any] = {}
    exec(PEAK_RSS_SOURCE, scope)  # our own source, shared with the child scripts
    return scope["peak_rss_mb"]()


def _tree_rss(process: Any) -> int:
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        with contextlib.suppress(Exception):  # the child may have ended meanwhile
            total += child.memory_info().rss
    return total


def run_child(command: Sequence[str], *, cwd: Path | None = None) -> dict[str, Any]:
    """Run ``command`` in a fresh process and measure it from outside: wall seconds and CPU
    seconds (user + system, of the process and the children it waited for).

    Peak memory (``peak_rss_mb``): the child's own ``VmHWM`` when its last line of output is a
    JSON object carrying ``peak_rss_mb`` (see :data:`PEAK_RSS_SOURCE`), else the largest
    resident memory of the process and its children sampled every 10 ms (psutil). When that
    last line is a JSON object, its figures are merged in and its ``"seconds"`` (the time of
    the work alone, without start-up) is kept; otherwise ``"seconds"`` is the wall time.
    """
    import psutil

    with tempfile.TemporaryFile(mode="w+") as stdout:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), cwd=cwd, stdout=stdout, text=True)
        watched, sampled = psutil.Process(process.pid), 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            with contextlib.suppress(psutil.Error):
                sampled = max(sampled, _tree_rss(watched))
            time.sleep(0.01)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        output = stdout.read()
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} ... failed with exit code {process.returncode}")
    figures: dict[str, Any] = {
        "seconds": wall,
        "wall_s": round(wall, 4),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mb": sampled / 2**20,
        "peak_rss_from": "sampled",
    }
    lines = output.strip().splitlines()
    if lines and lines[-1].startswith("{"):
        reported = json.loads(lines[-1])
        figures.update(reported)
        if "peak_rss_mb" in reported:
            figures["peak_rss_from"] = "VmHWM"
    return figures


def print_result(results: Mapping[str, Any]) -> None:
    """Print the final line of a benchmark: one JSON object, with the machine."""
    print(json.dumps({**machine(), **results}, default=str), flush=True)
