"""A run is a unit: ``parkplan run`` SIGKILLed at random points while the study switches between
two configurations (A and B weigh the criteria differently).

After every kill, every visible output (the stable paths in the study folder) names one and
the same run in its content (``run_id`` columns, ``equalisation.json``, ``run.json``, the
``parkplan-run`` meta of the map and the report); that run is complete (all outputs present,
its copy of ``study.toml`` matches the SHA-256 it records and is configuration A or B); and
``parkplan map`` and ``parkplan report`` still work. A failed run (bad input) changes nothing
visible either. ``PARKPLAN_RUN_KILLS`` sets the number of random kills (100 by default).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import time
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pyogrio
import pytest
from study_support import make_small_study, study_text

from parkplan.runs import STABLE_OUTPUTS, RunStore

SIGKILLED = -9
KILLS = int(os.environ.get("PARKPLAN_RUN_KILLS", "100"))
META = re.compile(r'<meta name="parkplan-run" content="([^" ]+) ')


def run_ids_of(root: Path) -> dict[str, set[str]]:
    """The run ids each visible output names in its content."""
    ids: dict[str, set[str]] = {}
    for name in STABLE_OUTPUTS:
        path = root / name
        if not path.is_file():
            continue
        if name.endswith(".csv"):
            ids[name] = set(pd.read_csv(path, dtype=str)["run_id"])
        elif name.endswith(".gpkg"):
            ids[name] = set(
                pyogrio.read_dataframe(path, layer="sites", read_geometry=False)["run_id"]
            )
        elif name.endswith(".xlsx"):
            summary = openpyxl.load_workbook(path, read_only=True).worksheets[0]
            ids[name] = {str(summary["B2"].value)}
        elif name == "run.json":
            ids[name] = {json.loads(path.read_text(encoding="utf-8"))["run"]["run_id"]}
        elif name.endswith(".json"):
            ids[name] = {json.loads(path.read_text(encoding="utf-8"))["run_id"]}
        else:
            ids[name] = set(META.findall(path.read_text(encoding="utf-8")))
    return ids


def assert_one_complete_run(root: Path, configs: dict[str, bytes]) -> tuple[str, str]:
    """Every visible output names the same run, which is complete; return (run id, config)."""
    ids = run_ids_of(root)
    found = set().union(*ids.values())
    assert len(found) == 1, ids
    run_id = found.pop()
    folder = RunStore(root).folder()
    assert folder.name == run_id
    facts = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert set(ids) == set(facts["outputs"]) & set(STABLE_OUTPUTS), sorted(ids)
    assert {"sites.gpkg", "equalisation.json", "ledger.csv", "map.html", "report.html"} <= set(ids)
    assert all((folder / name).is_file() for name in facts["outputs"])
    copied = (folder / "study.toml").read_bytes()
    assert hashlib.sha256(copied).hexdigest() == facts["run"]["study_sha256"]
    config = next(name for name, text in configs.items() if text == copied)
    return run_id, config


@pytest.fixture
def small_study(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    root = make_small_study(tmp_path / "study")
    configs = {
        "A": study_text(root, station_weight=0.8).encode(),
        "B": study_text(root, station_weight=0.2).encode(),
    }
    return root, configs


def run_config(server, root: Path, text: bytes, log: Path) -> int:
    (root / "study.toml").write_bytes(text)
    return server.run(["run", str(root), "-q"], log)


def pages_work(server, root: Path, folder: Path, log: Path) -> bool:
    made_map = server.run(["map", str(root), "-o", str(folder / "m.html")], log) == 0
    made_report = server.run(["report", str(root), "-o", str(folder / "r.html")], log) == 0
    return made_map and made_report


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_every_visible_output_belongs_to_one_complete_run_after_each_kill(
    server, small_study, tmp_path
):
    root, configs = small_study
    log = tmp_path / "log.txt"
    assert run_config(server, root, configs["B"], log) == 0, log.read_text()
    started = time.monotonic()
    assert run_config(server, root, configs["A"], log) == 0, log.read_text()
    duration_s = time.monotonic() - started
    assert assert_one_complete_run(root, configs)[1] == "A"
    rng = random.Random(20261203)
    tally = Counter()
    for attempt in range(KILLS):
        wanted = "BA"[attempt % 2]
        before = assert_one_complete_run(root, configs)
        (root / "study.toml").write_bytes(configs[wanted])
        delay_s = rng.uniform(0.0, duration_s * 1.15)
        code, killed = server.run_killed_after(["run", str(root), "-q"], log, delay_s)
        assert code == (SIGKILLED if killed else 0), log.read_text()
        after = assert_one_complete_run(root, configs)
        published = after[0] != before[0]
        assert published or killed
        assert after[1] == wanted if published else after == before
        tally["killed" if killed else "finished"] += 1
        tally["killed_after_publishing" if killed and published else "other"] += 1
        assert pages_work(server, root, tmp_path, log), log.read_text()
    # The next run tidies what the kills left: no unfinished run, at most 'keep' old runs.
    assert run_config(server, root, configs["A"], log) == 0, log.read_text()
    runs = sorted(p.name for p in (root / "runs").iterdir())
    assert not [name for name in runs if name.startswith(".")], runs
    assert len([name for name in runs if name != "latest"]) <= 5
    print(json.dumps({"fault_test": "run_unit", "kills": KILLS, **tally}))


# B weighs A's criteria otherwise: its run links A's criterion and exclusion rasters and
# writes one raster, the score, so the first block it writes is where it is killed.
@pytest.mark.parametrize("kill_at", ["replace:latest", "replace:report.html", "block:1"])
def test_a_run_killed_at_a_named_point_changes_nothing_visible(
    server, small_study, tmp_path, kill_at
):
    root, configs = small_study
    log = tmp_path / "log.txt"
    assert run_config(server, root, configs["A"], log) == 0, log.read_text()
    before = assert_one_complete_run(root, configs)
    (root / "study.toml").write_bytes(configs["B"])
    assert server.run(["run", str(root), "-q"], log, kill_at=kill_at) == SIGKILLED
    assert assert_one_complete_run(root, configs) == before
    assert pages_work(server, root, tmp_path, log), log.read_text()
    assert server.run(["run", str(root), "-q"], log) == 0, log.read_text()
    assert assert_one_complete_run(root, configs)[1] == "B"


def test_a_failed_run_changes_nothing_visible(server, small_study, tmp_path):
    root, configs = small_study
    log = tmp_path / "log.txt"
    assert run_config(server, root, configs["A"], log) == 0, log.read_text()
    before = assert_one_complete_run(root, configs)
    listed = sorted(p.name for p in (root / "runs").iterdir())
    bad = configs["B"].replace(b"threshold = 0.8", b"threshold = 0.999")
    assert bad != configs["B"]
    assert run_config(server, root, bad, log) == 2, log.read_text()
    assert assert_one_complete_run(root, configs) == before
    assert sorted(p.name for p in (root / "runs").iterdir()) == listed
    assert pages_work(server, root, tmp_path, log), log.read_text()
