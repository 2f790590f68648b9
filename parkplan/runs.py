"""The runs of a study: each built in a folder of its own and published in one atomic step.

Layout of a study folder::

    runs/RUN_ID/                   a complete run: every output, the score rasters, study.toml
    runs/.building-RUN_ID/         a run in progress (removed when it fails; one left by a
                                   killed process is removed by the next run)
    runs/latest -> RUN_ID          the current run of the base model
    scenarios/NAME -> ../runs/RUN_ID   the current run of a scenario
    sites.gpkg -> runs/latest/sites.gpkg, ...   the stable paths of the outputs

Publishing a run is one :func:`os.replace` of a symbolic link, so a reader (or a crash) sees
either every output of the previous run or every output of the new one, never a mix; a failed
or killed run changes nothing a user or a later command sees. Readers resolve the link once
(:meth:`RunStore.folder`) and read all files of one run from the folder it names. Published run
folders are never modified; the ``keep`` newest complete runs are kept (and every run a link
names), older ones are removed after each publication.

Run ids sort by time: ``20261203T141502Z-3fa9c1`` (UTC start time and a random suffix).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from parkplan.errors import StudyError
from parkplan.run_facts import RunIdentity, read_run_facts

log = logging.getLogger(__name__)

RUNS_DIR = "runs"
SCENARIOS_DIR = "scenarios"
LATEST = "latest"
BUILDING_PREFIX = ".building-"
REMOVING_PREFIX = ".removing-"
RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")
#: The outputs a run may write that keep a stable path in the study folder (README). Not
#: ``project.qgz``: QGIS reads its relative paths from where it is opened, and the rasters it
#: names are only in the run's folder (open ``runs/latest/project.qgz``).
STABLE_OUTPUTS = (
    "sites.gpkg",
    "sites.csv",
    "site_municipalities.csv",
    "equalisation.json",
    "ledger.csv",
    "ledger.xlsx",
    "map.html",
    "report.html",
    "run.json",
    "weight_sweep.csv",
)
DEFAULT_KEEP = 5


@dataclass(frozen=True)
class RunRecord:
    """A complete run as listed by ``parkplan runs``: where it is, who it is, when it ended,
    and which links name it (``latest`` for the base model, ``scenarios/NAME``)."""

    folder: Path
    identity: RunIdentity
    finished_at: str | None
    current_for: tuple[str, ...] = ()


class RunStore:
    """The runs of the study at ``root`` (the caller holds the study's lock while building)."""

    def __init__(self, root: Path, *, keep: int = DEFAULT_KEEP) -> None:
        self.root = Path(root)
        self.runs_dir = self.root / RUNS_DIR
        self.keep = keep

    # -- where things are ------------------------------------------------------------------

    def link(self, scenario: str | None) -> Path:
        """The link naming the current run of the base model (``None``) or of ``scenario``."""
        if scenario is None:
            return self.runs_dir / LATEST
        return self.root / SCENARIOS_DIR / scenario

    def visible_path(self, scenario: str | None, name: str) -> Path:
        """Where a user finds output ``name`` of the current run of the base model or a
        scenario (an output without a stable path, such as the QGIS project that names the
        rasters beside it, in the run's folder through its link)."""
        stable = scenario is None and name in STABLE_OUTPUTS
        return self.root / name if stable else self.link(scenario) / name

    def folder(self, scenario: str | None = None) -> Path:
        """The folder of the current run of the base model or of ``scenario``, resolved once
        (read every file of one run from it); :class:`StudyError` before the first run."""
        link = self.link(scenario)
        if not link.exists():
            command = (
                f"parkplan score {self.root} --scenario {scenario}"
                if scenario
                else f"parkplan run {self.root}"
            )
            which = f"scenario {scenario!r}" if scenario else "the base model"
            raise StudyError(f"no results of {which} yet; run '{command}' first")
        return link.resolve()

    def current_id(self, scenario: str | None = None) -> str | None:
        """The id of the current run of the base model or of ``scenario`` (``None``: none)."""
        link = self.link(scenario)
        return link.resolve().name if link.exists() else None

    # -- building and publishing -----------------------------------------------------------

    @contextmanager
    def build(self, identity: RunIdentity) -> Iterator[Path]:
        """A new, private folder for the run ``identity``; published when the block succeeds.

        On any exception (or a kill) nothing visible changes: the folder is removed, or left
        for :meth:`collect_garbage`.
        """
        self.collect_garbage()
        self.runs_dir.mkdir(exist_ok=True)
        building = self.runs_dir / f"{BUILDING_PREFIX}{identity.run_id}"
        building.mkdir()
        try:
            yield building
            final = self.runs_dir / identity.run_id
            os.rename(building, final)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        self.publish(identity.run_id, identity.scenario)

    def publish(self, run_id: str, scenario: str | None) -> None:
        """Make run ``run_id`` the current one of the base model or ``scenario`` (one atomic
        link replacement), then keep the stable paths and prune old runs."""
        link = self.link(scenario)
        link.parent.mkdir(parents=True, exist_ok=True)
        target = os.path.relpath(self.runs_dir / run_id, link.parent)
        replace_link(link, target)
        if scenario is None:
            self.ensure_stable_paths()
        log.info("published run %s (%s)", run_id, scenario or "base model")
        self.prune()

    def ensure_stable_paths(self) -> None:
        """Point ``STUDY/NAME`` at ``runs/latest/NAME`` for every stable output (once; an
        earlier layout's plain file is replaced by the link)."""
        for name in STABLE_OUTPUTS:
            path = self.root / name
            wanted = f"{RUNS_DIR}/{LATEST}/{name}"
            if path.is_symlink() and os.readlink(path) == wanted:
                continue
            replace_link(path, wanted)

    # -- listing and tidying ---------------------------------------------------------------

    def records(self) -> list[RunRecord]:
        """The complete runs, newest first."""
        current = self._current_links()
        found = []
        for folder in self._run_folders():
            facts = read_run_facts(folder)
            if facts is None:
                continue
            found.append(
                RunRecord(
                    folder=folder,
                    identity=facts.run,
                    finished_at=facts.run.finished_at,
                    current_for=tuple(sorted(current.get(folder.name, ()))),
                )
            )
        return found

    def prune(self) -> None:
        """Remove complete runs beyond the ``keep`` newest, except those a link names. A run
        is first renamed out of the list (one step), then deleted."""
        named = set(self._current_links())
        for folder in self._run_folders()[self.keep :]:
            if folder.name not in named:
                doomed = folder.with_name(f"{REMOVING_PREFIX}{folder.name}")
                os.rename(folder, doomed)
                shutil.rmtree(doomed, ignore_errors=True)
                log.info("removed the old run %s", folder.name)

    def collect_garbage(self) -> None:
        """Remove what killed runs left: unfinished run folders and half-made links (the
        caller holds the study's lock, so no run is in progress)."""
        if self.runs_dir.is_dir():
            for path in self.runs_dir.iterdir():
                if path.name.startswith((BUILDING_PREFIX, REMOVING_PREFIX)):
                    shutil.rmtree(path, ignore_errors=True)
                    log.warning("removed %s, left behind by an interrupted run", path.name)
        for folder in (self.root, self.runs_dir, self.root / SCENARIOS_DIR):
            if folder.is_dir():
                for path in folder.glob(".*.link"):
                    path.unlink(missing_ok=True)

    def _run_folders(self) -> list[Path]:
        """The complete run folders, newest first."""
        if not self.runs_dir.is_dir():
            return []
        folders = [p for p in self.runs_dir.iterdir() if RUN_ID.match(p.name) and p.is_dir()]
        return sorted(folders, key=lambda p: p.name, reverse=True)

    def _current_links(self) -> dict[str, list[str]]:
        """Run id -> the links that name it (``latest``, ``scenarios/NAME``)."""
        links = [(LATEST, self.link(None))]
        scenarios = self.root / SCENARIOS_DIR
        if scenarios.is_dir():
            links += [(f"{SCENARIOS_DIR}/{p.name}", p) for p in sorted(scenarios.iterdir())]
        named: dict[str, list[str]] = {}
        for label, link in links:
            if link.is_symlink() and link.exists():
                named.setdefault(link.resolve().name, []).append(label)
        return named


def replace_link(link: Path, target: str) -> None:
    """Make ``link`` a symbolic link to ``target`` in one atomic step (a new link under a
    temporary name, renamed onto ``link``). A real folder in its place (a study copied without
    its links) is removed first."""
    temporary = link.with_name(f".{link.name}.{secrets.token_hex(4)}.link")
    os.symlink(target, temporary)
    try:
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)
        os.replace(temporary, link)
    finally:
        temporary.unlink(missing_ok=True)
