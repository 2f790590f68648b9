"""``/``: the study's home page: its partners, layers, scenarios and recent runs, with links
to everything else."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from parkplan.api import overview
from parkplan.api.app_pages import LangQuery, render_page
from parkplan.api.deps import READ, ContextDep
from parkplan.api.page_text import PAGE_TEXT
from parkplan.runs import RunStore
from parkplan.study import load_study
from parkplan.workspace import Workspace

router = APIRouter(tags=["pages"], dependencies=[READ], default_response_class=HTMLResponse)

#: Kept runs the home page lists (the runs page lists them all).
RECENT_RUNS = 5


@router.get("/")
def home(request: Request, context: ContextDep, lang: LangQuery = "nl") -> HTMLResponse:
    """The study at a glance: partners (unknown facts said as unknown), layers, scenarios,
    the runs of this server and the recent kept runs with their warnings and links."""
    study = load_study(context.study_dir)
    current = {
        link: record.identity.run_id
        for record in RunStore(context.study_dir).records()
        for link in record.current_for
    }
    layers = Workspace.open(context.study_dir).list_layers()
    active = tuple(s for s in context.jobs.statuses() if s.status != "done")
    return render_page(
        request,
        "home.html.j2",
        lang=lang,
        title=study.name,
        current="home",
        text=PAGE_TEXT[lang],
        fact_headings=overview.fact_headings(lang),
        partners=overview.partner_rows(study, lang),
        layers=overview.layer_rows(layers, lang, context.redact),
        scenarios=overview.scenario_rows(study, current, lang),
        jobs=overview.job_rows(active, lang),
        runs=overview.run_rows(study, context.study_dir, lang, limit=RECENT_RUNS),
        runs_url=overview.page_url("/runs", lang),
    )
