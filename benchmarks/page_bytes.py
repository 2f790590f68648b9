"""Bytes every page of the web app loads, with its number of requests and its load time.

The study is the demo (``parkplan demo --out DIR``: generated from its fixed seed, then run),
plus one run of its first scenario (``parkplan score DIR --scenario NAME``) so that
``/compare`` has two runs to show; a demo without scenarios is run once more instead and
``/compare`` shows the latest run against the previous one. ``parkplan serve`` runs in a
child process on loopback with an operator token (a server that accepts writes refuses to
start without one); the pages send it as ``Authorization: Bearer``.

Each page is opened in headless Debian Chromium (Playwright, ``webmap.browser``) in a fresh
browser context (empty cache), every request outside the server aborted. Counted: every
response of the page and its frames up to network idle after the load event, and for
``/model`` up to its first preview answer (rows in ``#ranking`` and no ``.pending``
element; its figures up to network idle are given too). Per page: the bytes as served (the
encoded body, gzip where the server sent it so), the sum of the bodies (decoded), what gzip
level 6 would make of every body, the number of responses (and of requests the page
cancelled itself, or that were blocked because they left the server), the three largest
responses, and the time from navigation start to the end of the load event. The pages are
opened ``--rounds`` times after one warm-up opening each, their order rotated from round to
round (``bench_support.rotated``); the bytes are those of the last round (with their range
when they changed between rounds), the times the median and range of the rounds. The last
line printed is JSON.

    .venv/bin/python benchmarks/page_bytes.py [--rounds 3] [--keep DIR] [--study DIR]
        [--screenshots DIR]

``--keep DIR`` makes the study in ``DIR/demo`` and leaves it there; ``--study`` reuses a study
made so (a scenario run is added when it has fewer than two runs). ``--screenshots DIR``
writes a full-page PNG of every page in the last round.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == REPO / "benchmarks":
    sys.path[0] = str(REPO)  # the benchmark scripts' names must not shadow the packages
sys.path.append(str(REPO / "benchmarks"))  # after the packages: webmap.py is a benchmark
sys.path.append(str(REPO / "tests"))

from bench_support import load_average, print_result, rotated  # noqa: E402

PARKPLAN = [sys.executable, "-m", "parkplan"]
#: The operator token of the benchmark's server (loopback only, for the length of the run).
TOKEN = "page-bytes-benchmark-token-0123456789"
PAGES = ("/", "/layers", "/model", "/runs", "/map", "/compare", "/equalisation", "/report", "/docs")
VIEWPORT = (1280, 800)
TIMEOUT_MS = 120_000
#: Navigation start to the end of the load event, in ms.
LOAD_MS_JS = "() => performance.getEntriesByType('navigation')[0].loadEventEnd"
#: ``/model`` is ready at its first preview answer: ranked rows and nothing pending.
MODEL_READY_JS = (
    "() => document.querySelector('#ranking tbody tr') && !document.querySelector('.pending')"
    " ? performance.now() : false"
)


def make_study(folder: Path) -> Path:
    """The demo study, built and run by ``parkplan demo``."""
    started = time.perf_counter()
    subprocess.run([*PARKPLAN, "demo", "--out", str(folder), "-q"], check=True)
    print(f"made the demo in {time.perf_counter() - started:.0f} s", flush=True)
    return folder


def second_run(study: Path) -> str:
    """Make sure ``study`` has two runs to compare: its first scenario scored, else the base
    model run once more; says which."""
    runs = json.loads(
        subprocess.run(
            [*PARKPLAN, "runs", str(study), "--json"], check=True, capture_output=True, text=True
        ).stdout
    )
    scenarios = tomllib.loads((study / "study.toml").read_text(encoding="utf-8")).get(
        "scenarios", []
    )
    if len(runs) >= 2:
        done = sorted({r.get("scenario") or "base" for r in runs})
        return f"existing runs ({len(runs)}: {', '.join(done)})"
    started = time.perf_counter()
    if scenarios:
        name = scenarios[0]["name"]
        subprocess.run([*PARKPLAN, "score", str(study), "--scenario", name, "-q"], check=True)
        what = f"scenario {name!r} scored"
    else:
        subprocess.run([*PARKPLAN, "run", str(study), "-q"], check=True)
        what = "base model run a second time"
    print(f"{what} in {time.perf_counter() - started:.0f} s", flush=True)
    return what


def path_of(url: str, base: str) -> str:
    return url.removeprefix(base) or "/"


def open_page(browser: Any, base: str, path: str, screenshot: Path | None) -> dict[str, Any]:
    """Open ``base + path`` in a fresh context and count what it loads (see the docstring)."""
    from server_support import offline_page

    context, page, problems = offline_page(browser, base, VIEWPORT, token=TOKEN)
    responses: list[Any] = []
    failed: list[Any] = []
    page.on("response", lambda response: responses.append(response))
    page.on("requestfailed", lambda request: failed.append(request))
    try:
        page.goto(base + path, wait_until="load", timeout=TIMEOUT_MS)
        ready_ms = None
        if path == "/model":
            ready_ms = page.wait_for_function(MODEL_READY_JS, timeout=TIMEOUT_MS).json_value()
            counted, cancelled_before = len(responses), len(failed)
        page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
        if path != "/model":
            counted, cancelled_before = len(responses), len(failed)
        load_ms = page.evaluate(LOAD_MS_JS)
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
        settled = [measure_response(response, base) for response in responses]
        # outside the server: blocked by the route; on the server: cancelled by the page
        blocked = sorted({r.url for r in failed if not r.url.startswith(base)})
        cancelled = [
            f"{r.method} {path_of(r.url, base)}"
            for r in failed[:cancelled_before]
            if r.url.startswith(base)
        ]
    finally:
        context.close()
    rows = sorted(settled[:counted], key=lambda r: r["body_bytes"], reverse=True)
    previews = [r["body_bytes"] for r in settled if r["path"] == "/api/model/preview"]
    return {
        "path": path,
        "status": next((r["status"] for r in rows if r["path"] == path), None),
        "requests": len(rows),
        "blocked": blocked,
        "cancelled": cancelled,
        "served_bytes": sum(r["served_bytes"] for r in rows),
        "body_bytes": sum(r["body_bytes"] for r in rows),
        "gzip6_bytes": sum(r["gzip6_bytes"] for r in rows),
        "encoded": [r["path"] for r in rows if r["encoding"]],
        "largest": [[r["method"], r["path"], r["body_bytes"]] for r in rows[:3]],
        "load_ms": round(load_ms, 1),
        "ready_ms": None if ready_ms is None else round(ready_ms, 1),
        "console_errors": problems,
        # up to network idle (differs from the above for /model only)
        "settled_requests": len(settled),
        "settled_body_bytes": sum(r["body_bytes"] for r in settled),
        "settled_previews_bytes": previews,
        "responses": rows,
    }


def measure_response(response: Any, base: str) -> dict[str, Any]:
    """One response: its body as served (encoded) and decoded, and its body at gzip level 6."""
    try:
        body = response.body()
    except Exception:  # a redirect or a cancelled request has no body
        body = b""
    encoding = response.headers.get("content-encoding", "")
    served = response.request.sizes()["responseBodySize"]
    if served < 0 or not encoding:
        served = len(body)
    return {
        "method": response.request.method,
        "path": path_of(response.url, base),
        "status": response.status,
        "encoding": encoding,
        "served_bytes": served,
        "body_bytes": len(body),
        "gzip6_bytes": len(gzip.compress(body, compresslevel=6, mtime=0)) if body else 0,
    }


def measure(base: str, rounds: int, screenshots: Path | None) -> dict[str, Any]:
    """Every page ``rounds`` times, the order rotated per round; bytes of the last round."""
    from webmap.browser import chromium_browser

    runs: dict[str, list[dict[str, Any]]] = {path: [] for path in PAGES}
    with chromium_browser() as browser:
        for path in PAGES:  # warm-up: the server's caches (overview inputs, maps, openapi)
            open_page(browser, base, path, None)
        for k in range(rounds):
            for path in rotated(PAGES, k):
                shot = None
                if screenshots is not None and k == rounds - 1:
                    shot = screenshots / f"{path.strip('/') or 'home'}.png"
                runs[path].append(open_page(browser, base, path, shot))
    pages = []
    for path in PAGES:
        last = runs[path][-1]
        loads = [r["load_ms"] for r in runs[path]]
        readies = [r["ready_ms"] for r in runs[path] if r["ready_ms"] is not None]
        body_sizes = sorted({r["body_bytes"] for r in runs[path]})
        pages.append(
            {k: v for k, v in last.items() if k not in ("load_ms", "ready_ms")}
            | {
                "load_ms_median": round(statistics.median(loads), 1),
                "load_ms_range": [min(loads), max(loads)],
                "ready_ms_median": round(statistics.median(readies), 1) if readies else None,
                "ready_ms_range": [min(readies), max(readies)] if readies else None,
                "body_bytes_over_rounds": body_sizes,
                "settled_body_bytes_over_rounds": sorted(
                    {r["settled_body_bytes"] for r in runs[path]}
                ),
            }
        )
    return {"pages": pages}


def kb(n: int) -> str:
    return f"{n / 1000:,.1f} kB"


def markdown(pages: list[dict[str, Any]]) -> str:
    """The table of the pages."""
    lines = [
        "| page | as served | sum of bodies | gzip -6 of every body "
        "| responses (cancelled, blocked) | largest three responses "
        "| load event, median (min–max) |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for p in pages:
        largest = ", ".join(
            f"`{path if method == 'GET' else method + ' ' + path}` {kb(size)}"
            for method, path, size in p["largest"]
        )
        low, high = p["load_ms_range"]
        load = f"{p['load_ms_median']:,.0f} ms ({low:,.0f}–{high:,.0f})"
        if p["ready_ms_median"] is not None:
            r_low, r_high = p["ready_ms_range"]
            load += f"; first preview {p['ready_ms_median']:,.0f} ms ({r_low:,.0f}–{r_high:,.0f})"
        bodies = kb(p["body_bytes"])
        if len(p["body_bytes_over_rounds"]) > 1:
            low_b, high_b = p["body_bytes_over_rounds"][0], p["body_bytes_over_rounds"][-1]
            bodies += f" (rounds: {low_b:,}–{high_b:,} B)"
        lines.append(
            f"| `{p['path']}` | {kb(p['served_bytes'])} | {bodies} "
            f"| {kb(p['gzip6_bytes'])} "
            f"| {p['requests']} ({len(p['cancelled'])}, {len(p['blocked'])}) "
            f"| {largest} | {load} |"
        )
    total = {k: sum(p[k] for p in pages) for k in ("served_bytes", "body_bytes", "gzip6_bytes")}
    lines.append(
        f"| **all nine** | **{kb(total['served_bytes'])}** | **{kb(total['body_bytes'])}** "
        f"| **{kb(total['gzip6_bytes'])}** | {sum(p['requests'] for p in pages)} | | |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="times every page is opened")
    parser.add_argument("--study", type=Path, help="an existing demo study (else one is made)")
    parser.add_argument("--keep", type=Path, help="make the study here and keep it")
    parser.add_argument("--screenshots", type=Path, help="write full-page PNGs here")
    args = parser.parse_args()
    from server_support import served

    with tempfile.TemporaryDirectory(prefix="parkplan-page-bytes-") as scratch:
        study = args.study or make_study((args.keep or Path(scratch)) / "demo")
        runs_made = second_run(study)
        if args.screenshots is not None:
            args.screenshots.mkdir(parents=True, exist_ok=True)
        load_start = load_average()
        with served(study, env={"PARKPLAN_OPERATOR_TOKENS": TOKEN}) as base:
            figures = measure(base, args.rounds, args.screenshots)
        load_end = load_average()
    pages = figures["pages"]
    print(markdown(pages), flush=True)
    for p in pages:
        if len(p["body_bytes_over_rounds"]) > 1:
            print(f"{p['path']}: the bytes changed between rounds: {p['body_bytes_over_rounds']}")
        if p["console_errors"] or p["blocked"] or p["cancelled"]:
            print(
                f"{p['path']}: console errors {p['console_errors']}, blocked {p['blocked']}, "
                f"cancelled by the page {p['cancelled']}"
            )
        if p["path"] == "/model":
            print(
                f"/model up to network idle: {p['settled_requests']} responses, "
                f"{kb(p['settled_body_bytes'])}; preview answers (bytes): "
                f"{p['settled_previews_bytes']}"
            )
        if p["encoded"]:
            print(f"{p['path']}: served compressed: {p['encoded']}")
    print_result(
        {
            "benchmark": "page_bytes",
            "second_run": runs_made,
            "rounds": args.rounds,
            "load_start": load_start,
            "load_end": load_end,
            "date": time.strftime("%Y-%m-%d"),
            "pages": [{k: v for k, v in p.items() if k != "responses"} for p in pages],
        }
    )


if __name__ == "__main__":
    main()
