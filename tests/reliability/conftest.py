"""Fixtures of the reliability tests: one small demo study, built and run once, copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fault_support import CommandServer


@pytest.fixture(scope="session")
def demo_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo study at scale 0.2 with the results of one run (do not modify: copy it)."""
    from parkplan.demo import build_demo_study
    from parkplan.run import run_study

    root = tmp_path_factory.mktemp("reliability") / "demo"
    build_demo_study(root, scale=0.2)
    run_study(root, lang="en")
    return root


@pytest.fixture
def study_copy(demo_study: Path, tmp_path: Path):
    """A function that makes a fresh copy of the demo study under ``tmp_path``."""
    counter = iter(range(1_000_000))

    def copy() -> Path:
        target = tmp_path / f"study-{next(counter)}"
        shutil.copytree(demo_study, target)
        return target

    return copy


@pytest.fixture(scope="module")
def server():
    """A process that forks one child per CLI command (see :mod:`fault_support`)."""
    running = CommandServer()
    yield running
    running.close()
