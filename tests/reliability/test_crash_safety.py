"""Crash safety: ``parkplan layers add`` killed (SIGKILL) part-way.

After every kill the study must open, list its layers, and read its ``study.toml``; every layer
that existed is unchanged (catalogue entry and SHA-256 of its file); leftovers carry temporary
names only; and the next command succeeds. Kills land at seeded random times across each
command's duration (``PARKPLAN_FAULT_RUNS`` of them, 10 by default) and at named points (right
after the layer's file is written, just before the catalogue is replaced). ``parkplan run``
under kills: ``test_run_unit.py``.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest
from fault_support import FAULT_RUNS, check_study, snapshot

SIGKILLED = -9
SEED = 20261122


@pytest.fixture(scope="module")
def sources(demo_study: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A vector (the parcels, a GeoPackage) and a raster (the elevation, a GeoTIFF) to load."""
    folder = tmp_path_factory.mktemp("sources")
    layers = demo_study / "workspace" / "layers"
    rasters = demo_study / "workspace" / "rasters"
    vector = shutil.copy(next(layers.glob("parcels-*.gpkg")), folder / "parcels_src.gpkg")
    raster = shutil.copy(next(rasters.glob("elevation-*.tif")), folder / "elevation_src.tif")
    return {"vector": Path(vector), "raster": Path(raster)}


def add_argv(root: Path, source: Path, *, replace: bool = False) -> list[str]:
    return ["layers", "add", str(root), str(source), "--name", "extra"] + (
        ["--replace"] if replace else []
    )


def timed(server, argv: list[str], log: Path) -> float:
    started = time.monotonic()
    assert server.run(argv, log) == 0, log.read_text()
    return time.monotonic() - started


def summary(name: str, tally: Counter) -> None:
    """One JSON line for the record (``pytest -s`` shows it)."""
    print(json.dumps({"fault_test": name, **tally}))


@pytest.mark.timeout(600)
def test_layers_add_killed_at_random_points(server, study_copy, sources, tmp_path):
    log = tmp_path / "log.txt"
    durations = {}
    for kind, source in sources.items():
        root = study_copy()
        durations[kind] = timed(server, add_argv(root, source), log)
        shutil.rmtree(root)
    rng = random.Random(SEED)
    tally = Counter()
    for i in range(FAULT_RUNS):
        kind = ("vector", "raster")[i % 2]
        root = study_copy()
        before = snapshot(root)
        delay_s = rng.uniform(0.0, durations[kind] * 1.1)
        code, killed = server.run_killed_after(add_argv(root, sources[kind]), log, delay_s)
        assert code == (SIGKILLED if killed else 0), log.read_text()
        found = check_study(root, before, new_layers=frozenset({"extra"}))
        tally["killed" if killed else "finished"] += 1
        tally["committed"] += (
            "extra" in json.loads((root / "workspace" / "catalog.json").read_text())["layers"]
        )
        tally["temporary_files_left"] += len(found.temporary)
        tally["orphan_layer_files_left"] += len(found.orphans)
        # The next command succeeds: load the layer again (replacing it if the kill came late).
        assert server.run(add_argv(root, sources[kind], replace=True), log) == 0, log.read_text()
        assert "extra" in json.loads(_catalog(root))["layers"]
        check_study(root, before, new_layers=frozenset({"extra"}))
        shutil.rmtree(root)
    summary("layers_add_random", tally)
    assert tally["killed"] + tally["finished"] == FAULT_RUNS


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kill_at", ["write_gpkg", "replace:catalog.json"])
def test_layers_add_killed_before_its_commit_keeps_the_study(
    server, study_copy, sources, tmp_path, kill_at
):
    root = study_copy()
    before = snapshot(root)
    argv = add_argv(root, sources["vector"])
    assert server.run(argv, tmp_path / "log.txt", kill_at=kill_at) == SIGKILLED
    found = check_study(root, before)
    assert found.changed == ()
    assert server.run(argv, tmp_path / "log.txt") == 0
    check_study(root, before, new_layers=frozenset({"extra"}))


@pytest.mark.timeout(120)
def test_layers_add_killed_before_its_commit_leaves_no_stray_file(
    server, study_copy, sources, tmp_path
):
    """The file of a load killed before its commit is never listed, and the next load
    removes it."""
    root = study_copy()
    before = snapshot(root)
    argv = add_argv(root, sources["vector"])
    assert server.run(argv, tmp_path / "log.txt", kill_at="write_gpkg") == SIGKILLED
    assert check_study(root, before).changed == ()
    assert server.run(argv, tmp_path / "log.txt") == 0
    assert check_study(root, before, new_layers=frozenset({"extra"})).orphans == ()


def _catalog(root: Path) -> str:
    return (root / "workspace" / "catalog.json").read_text(encoding="utf-8")
