"""``/runs``: start a run of the base model or a scenario, follow its stages live, cancel it;
the runs of this server and every kept run with its downloads.

The page's script (``static/runs.js``) calls ``POST /api/runs`` and ``DELETE /api/runs/{job}``
with the page's CSRF token (header ``X-CSRF-Token``) and follows
``GET /api/runs/{job}/events``; the server checks the role.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from parkplan.api import overview
from parkplan.api.app_pages import LangQuery, render_page
from parkplan.api.deps import READ, ContextDep, Role, at_least, require_viewer
from parkplan.api.jobs import ACTIVE
from parkplan.api.page_text import PAGE_TEXT, STAGE_TEXT, STATUS_TEXT
from parkplan.api.run_choice import what_label
from parkplan.study import load_study

router = APIRouter(tags=["pages"], dependencies=[READ], default_response_class=HTMLResponse)

#: The words the page's script shows, by key.
SCRIPT_KEYS = (
    "js_started",
    "js_done",
    "js_failed",
    "js_cancelled",
    "js_cancelling",
    "js_lost",
    "js_refused",
    "js_percent",
)


@router.get("/runs")
def runs_page(
    request: Request,
    context: ContextDep,
    role: Annotated[Role, Depends(require_viewer)],
    lang: LangQuery = "nl",
) -> HTMLResponse:
    """Start, follow and cancel runs; the runs of this server and the kept runs. The start
    form is offered to planners and above (with public reads the caller is unknown: the API
    decides)."""
    study = load_study(context.study_dir)
    jobs = context.jobs.statuses()
    active = next((job.id for job in jobs if job.status in ACTIVE), "")
    text = PAGE_TEXT[lang]
    choices = [("", what_label(None, lang))]
    choices += [(s.name, what_label(s.name, lang)) for s in study.scenarios]
    script_text: dict[str, str | dict[str, str]] = {key: text[key] for key in SCRIPT_KEYS}
    script_text |= {"stages": dict(STAGE_TEXT[lang]), "statuses": dict(STATUS_TEXT[lang])}
    return render_page(
        request,
        "runs.html.j2",
        lang=lang,
        title=text["runs_title"],
        current="runs",
        text=text,
        study_name=study.name,
        choices=choices,
        read_only=context.settings.read_only,
        may_start=role == "public" or at_least(role, "planner"),
        active_job=active,
        stages=overview.stage_labels(lang),
        jobs=overview.job_rows(jobs, lang),
        runs=overview.run_rows(study, context.study_dir, lang),
        script_text=script_text,
    )
