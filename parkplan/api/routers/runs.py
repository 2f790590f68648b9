"""``/api/runs``: list the runs, start one in the background (planner), follow it live
(server-sent events), cancel it (planner). A run's outputs: :mod:`.downloads`.

Two kinds of id: a *job* (``POST /api/runs`` answers its ``id``; the ``{run_id}`` of
``/api/runs/{run_id}`` and its ``/events``) lives in this server's memory; a *run* (the job's
``run_id`` once done; the ``{run_id}`` of ``/files``) is a complete run kept in the study
folder, listed after a restart as well.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from parkplan.api.deps import PLAN, READ, ContextDep, RunFunctionDep
from parkplan.api.jobs import ACTIVE, RunJobs, RunStatus
from parkplan.api.routers.downloads import KeptRun, kept_runs
from parkplan.study import NAME_PATTERN, load_study

router = APIRouter(prefix="/api/runs", tags=["runs"])

#: Seconds between heartbeat comments of an event stream, and between its looks at the job.
HEARTBEAT_S = 15.0
POLL_S = 0.2

JobIdParam = Annotated[
    str, Path(max_length=64, description="The id POST /api/runs answered (a job of this server).")
]


class RunRequest(BaseModel):
    """What to run: the base model or a scenario, with or without equalisation."""

    model_config = ConfigDict(extra="forbid")

    scenario: Annotated[str | None, Field(pattern=NAME_PATTERN)] = None
    equalise: bool = True
    lang: Literal["nl", "en"] = "nl"


@router.post("", status_code=202, dependencies=[PLAN])
def start_run(
    context: ContextDep,
    run_function: RunFunctionDep,
    response: Response,
    request: RunRequest | None = None,
) -> RunStatus:
    """Start a run; 409 while another run of this study is in progress."""
    request = request or RunRequest()
    load_study(context.study_dir).scenario(request.scenario)  # an unknown scenario: 400 now
    status = context.jobs.start(
        run_function,
        context.study_dir,
        scenario=request.scenario,
        equalise=request.equalise,
        lang=request.lang,
    )
    response.headers["Location"] = f"/api/runs/{status.id}"
    return status


class RunSummary(BaseModel):
    """A complete run kept in the study folder."""

    model_config = ConfigDict(frozen=True)

    id: str
    scenario: str | None
    started_at: str
    finished_at: str | None
    study_sha256: str
    parkplan_version: str
    derived_from: str | None
    outputs: tuple[str, ...] = Field(description="What GET /api/runs/{id}/files/{name} serves.")
    warnings: int
    current: bool
    current_for: tuple[str, ...] = Field(description="The links naming it: latest, scenarios/X.")


class RunList(BaseModel):
    """The kept runs (newest first) and the jobs of this server that left no kept run."""

    model_config = ConfigDict(frozen=True)

    runs: tuple[RunSummary, ...]
    jobs: tuple[RunStatus, ...]


def summary(run: KeptRun) -> RunSummary:
    identity = run.record.identity
    return RunSummary(
        id=identity.run_id,
        scenario=identity.scenario,
        started_at=identity.started_at,
        finished_at=run.record.finished_at,
        study_sha256=identity.study_sha256,
        parkplan_version=identity.parkplan_version,
        derived_from=identity.derived_from,
        outputs=run.files,
        warnings=run.warnings,
        current=bool(run.record.current_for),
        current_for=run.record.current_for,
    )


@router.get("", dependencies=[READ])
def list_runs(context: ContextDep) -> RunList:
    """The complete runs kept in the study folder, newest first, and this server's jobs that
    are queued, running, failed or cancelled."""
    jobs = tuple(job for job in context.jobs.statuses() if job.status != "done")
    return RunList(runs=tuple(summary(run) for run in kept_runs(context.study_dir)), jobs=jobs)


def no_job(job_id: str) -> HTTPException:
    return HTTPException(404, f"no run {job_id!r} on this server (runs are kept in memory)")


def job_or_404(jobs: RunJobs, job_id: str) -> RunStatus:
    status = jobs.get(job_id)
    if status is None:
        raise no_job(job_id)
    return status


@router.get("/{run_id}", dependencies=[READ])
def get_run(context: ContextDep, run_id: JobIdParam) -> RunStatus:
    """The status of a run: queued, running, done, failed or cancelled, with its progress
    (0–1)."""
    return job_or_404(context.jobs, run_id)


@router.delete("/{run_id}", status_code=202, dependencies=[PLAN])
def cancel_run(context: ContextDep, run_id: JobIdParam) -> RunStatus:
    """Cancel a run: a queued one at once, a running one when its next stage begins or at its
    next progress report (it publishes nothing); 409 once it has finished."""
    cancelled = context.jobs.cancel(run_id)
    if cancelled is None:
        raise no_job(run_id)
    status, accepted = cancelled
    if not accepted:
        raise HTTPException(409, f"run {run_id!r} has already ended ({status.status})")
    return status


@router.get(
    "/{run_id}/events",
    dependencies=[READ],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
def run_events(context: ContextDep, request: Request, run_id: JobIdParam) -> StreamingResponse:
    """Server-sent events of a run: ``status`` on every change of its status, stage or
    progress (``stages`` lists every stage begun so far, in order, so none is missed between
    two events), ``end`` with the outcome (status, error, warnings, ``run_id``) last; a
    comment every 15 s keeps the connection open."""
    job_or_404(context.jobs, run_id)
    return StreamingResponse(
        job_events(context.jobs, run_id, request),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def sse(event: str, number: int, status: RunStatus) -> str:
    """One server-sent event carrying ``status`` as JSON."""
    data = json.dumps(status.model_dump(mode="json"), ensure_ascii=False)
    return f"event: {event}\nid: {number}\ndata: {data}\n\n"


async def job_events(jobs: RunJobs, job_id: str, request: Request) -> AsyncIterator[str]:
    """The events of job ``job_id`` until it ends or the client goes away."""
    sent: RunStatus | None = None
    number, quiet_since = 0, time.monotonic()
    while not await request.is_disconnected():
        status = jobs.get(job_id)
        if status is None:
            return
        if status != sent:
            number, sent, quiet_since = number + 1, status, time.monotonic()
            ended = status.status not in ACTIVE
            yield sse("end" if ended else "status", number, status)
            if ended:
                return
        elif time.monotonic() - quiet_since >= HEARTBEAT_S:
            quiet_since = time.monotonic()
            yield ": heartbeat\n\n"
        await asyncio.sleep(POLL_S)
