"""The load test in short (10 clients for 10 s on loopback): zero errors, memory bounded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_short_load_has_no_errors():
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "load.py"),
            "--clients",
            "10",
            "--seconds",
            "10",
            "--upload-every",
            "100",
        ],
        capture_output=True,
        text=True,
        timeout=220,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errors"] == 0, result["first_errors"]
    assert set(result["routes"]) == {"sites", "site", "map", "equalisation", "upload"}
    assert result["requests"] > 100
    assert result["rss_growth_ratio"] < 1.5
