"""Background runs: one at a time per study, in a worker thread, with progress.

A run's state lives in memory (a restart forgets it; the files the run wrote stay). The
status moves ``queued`` -> ``running`` -> ``done``, ``failed`` or ``cancelled``; ``progress`` goes
from 0 to 1 over the stages of the run (:data:`parkplan.stages.STAGES`, each an equal part;
the scoring's blocks move it within the ``score`` stage), ``stage`` names the current stage and
``stages`` those begun so far; a run function that reports no stages moves ``progress`` by its
``(done, total)`` alone. A failure keeps a one-line message without paths. A cancel is
cooperative: a queued run never starts, a running one stops at its next stage or progress
report and publishes nothing; a run past its last report ends ``done`` with
``cancel_requested`` set.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from parkplan.api.errors import status_of
from parkplan.errors import BusyError
from parkplan.stages import STAGES

log = logging.getLogger(__name__)

Status = Literal["queued", "running", "done", "failed", "cancelled"]
ACTIVE: tuple[Status, ...] = ("queued", "running")


class RunStatus(BaseModel):
    """What ``GET /api/runs/{id}`` answers."""

    id: str
    status: Status
    progress: float
    scenario: str | None
    equalise: bool
    lang: str
    error: str | None
    warnings: list[str] = []
    run_id: str | None = None
    cancel_requested: bool = False
    stage: str | None = None
    stages: list[str] = []
    created_at: str
    started_at: str | None
    finished_at: str | None


@dataclass
class _Run:
    """The mutable state of one run (changed only under :class:`RunJobs`' lock)."""

    id: str
    scenario: str | None
    equalise: bool
    lang: str
    status: Status = "queued"
    progress: float = 0.0
    error: str | None = None
    warnings: tuple[str, ...] = ()
    run_id: str | None = None
    cancel_requested: bool = False
    stage: str | None = None
    stages: tuple[str, ...] = ()
    created_at: str = field(default_factory=lambda: _now())
    started_at: str | None = None
    finished_at: str | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class RunCancelledError(Exception):
    """Raised inside a run's progress report once a cancel was requested."""


class RunJobs:
    """The runs of one study: start one in the background, ask how it is going."""

    def __init__(self, *, redact: Callable[[object], str], keep: int = 50) -> None:
        self._redact = redact
        self._keep = keep
        self._runs: OrderedDict[str, _Run] = OrderedDict()
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parkplan-run")

    def busy(self) -> bool:
        """Whether a run is queued or running."""
        with self._lock:
            return any(run.status in ACTIVE for run in self._runs.values())

    def start(
        self,
        run_function: Callable[..., object],
        study_dir: Path,
        *,
        scenario: str | None = None,
        equalise: bool = True,
        lang: str = "nl",
    ) -> RunStatus:
        """Queue a run; :class:`BusyError` while another one is queued or running."""
        with self._lock:
            active = [run.id for run in self._runs.values() if run.status in ACTIVE]
            if active:
                raise BusyError(
                    f"run {active[0]} is still in progress; wait until it is done "
                    f"(GET /api/runs/{active[0]})"
                )
            run = _Run(id=secrets.token_hex(8), scenario=scenario, equalise=equalise, lang=lang)
            self._runs[run.id] = run
            self._forget_old()
            status = self._status(run)
        self._executor.submit(self._execute, run, run_function, study_dir)
        return status

    def get(self, run_id: str) -> RunStatus | None:
        """The status of run ``run_id``, ``None`` when unknown."""
        with self._lock:
            run = self._runs.get(run_id)
            return None if run is None else self._status(run)

    def statuses(self) -> tuple[RunStatus, ...]:
        """Every run this server remembers, newest first."""
        with self._lock:
            return tuple(self._status(run) for run in reversed(self._runs.values()))

    def cancel(self, run_id: str) -> tuple[RunStatus, bool] | None:
        """Ask run ``run_id`` to stop (a queued one is cancelled at once): its status and
        whether it was still queued or running; ``None`` when unknown."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:
                return None
            active = run.status in ACTIVE
            if active:
                run.cancel_requested = True
            if run.status == "queued":
                run.status, run.finished_at = "cancelled", _now()
            return self._status(run), active

    def shutdown(self) -> None:
        """Stop accepting runs; queued ones are cancelled, a running one finishes."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _execute(self, run: _Run, run_function: Callable[..., object], study_dir: Path) -> None:
        if not self._begin(run):
            return
        try:
            outcome = run_function(
                study_dir,
                scenario=run.scenario,
                equalise=run.equalise,
                lang=run.lang,
                progress=_Reporter(self, run),
            )
        except RunCancelledError:
            self._update(run, status="cancelled", finished_at=_now())
        except Exception as exc:
            self._update(run, status="failed", error=self._describe(exc), finished_at=_now())
        else:
            published = getattr(outcome, "run", None)
            self._update(
                run,
                status="done",
                progress=1.0,
                finished_at=_now(),
                warnings=tuple(self._redact(w) for w in getattr(outcome, "warnings", ())),
                run_id=getattr(published, "run_id", None),
            )

    def _begin(self, run: _Run) -> bool:
        """Mark ``run`` running, unless it was cancelled while queued."""
        with self._lock:
            if run.status != "queued":
                return False
            run.status, run.started_at = "running", _now()
            return True

    def _describe(self, exc: Exception) -> str:
        if status_of(exc) is not None:
            log.info("run failed: %s", exc)
            return self._redact(exc)
        log.error("run failed with an internal error", exc_info=exc)
        return f"internal error ({type(exc).__name__}); the server log has the details"

    def _update(self, run: _Run, **changes: object) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(run, name, value)

    def _forget_old(self) -> None:
        finished = [key for key, run in self._runs.items() if run.status not in ACTIVE]
        for key in finished[: max(0, len(self._runs) - self._keep)]:
            del self._runs[key]

    @staticmethod
    def _status(run: _Run) -> RunStatus:
        return RunStatus(**vars(run))


class _Reporter:
    """The progress callback of one run (a :class:`parkplan.stages.StageProgress`): moves its
    progress and stage, and stops it once a cancel was requested."""

    def __init__(self, jobs: RunJobs, run: _Run) -> None:
        self._jobs, self._run = jobs, run

    def __call__(self, done: float, total: float) -> None:
        self._stop_if_cancelled()
        if total > 0:
            self._jobs._update(self._run, progress=overall(self._run.stage, done / total))

    def stage(self, name: str) -> None:
        self._stop_if_cancelled()
        stages = (*self._run.stages, name)
        self._jobs._update(self._run, stage=name, stages=stages, progress=overall(name, 0.0))

    def _stop_if_cancelled(self) -> None:
        if self._run.cancel_requested:
            raise RunCancelledError


def overall(stage: str | None, fraction: float) -> float:
    """The progress of a run at ``fraction`` of ``stage`` (no stage: the fraction itself)."""
    fraction = min(1.0, max(0.0, fraction))
    if stage not in STAGES:
        return fraction
    return (STAGES.index(stage) + fraction) / len(STAGES)
