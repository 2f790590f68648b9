"""``/api/runs``: start a scoring and equalisation run in the background (operator), follow it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from parkplan.api.deps import READ, WRITE, ContextDep, RunFunctionDep
from parkplan.api.jobs import RunStatus
from parkplan.study import NAME_PATTERN, load_study

router = APIRouter(prefix="/api/runs", tags=["runs"])


class RunRequest(BaseModel):
    """What to run: the base model or a scenario, with or without equalisation."""

    model_config = ConfigDict(extra="forbid")

    scenario: Annotated[str | None, Field(pattern=NAME_PATTERN)] = None
    equalise: bool = True
    lang: Literal["nl", "en"] = "nl"


@router.post("", status_code=202, dependencies=[WRITE])
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


@router.get("/{run_id}", dependencies=[READ])
def get_run(context: ContextDep, run_id: Annotated[str, Path(max_length=64)]) -> RunStatus:
    """The status of a run: queued, running, done or failed, with its progress (0–1)."""
    status = context.jobs.get(run_id)
    if status is None:
        raise HTTPException(404, f"no run {run_id!r} on this server (runs are kept in memory)")
    return status
