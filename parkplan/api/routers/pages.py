"""The result pages: ``/map`` and ``/report`` of a run as it wrote them, ``/compare`` of two.

Each shows the current run of the base model, of a scenario (``?scenario=NAME``) or a kept
run (``?run=RUN_ID``); when that run does not exist (or lacks the page) the answer is a 404
page saying so in the page's language (``?lang=en``), never another run's page.

``/compare`` offers the base model, the scenarios and the kept runs in two select lists
(``?left=`` and ``?right=``: empty for the base model, a scenario name or a run id, so a link
works as well) and shows the runs' maps on one view with the score difference below them (in a
``srcdoc`` frame: one authenticated request carries them), the rank-change table and the
equalisation side by side. Every text from data is printed escaped by the templates.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from parkplan import outputs
from parkplan.api import compare_view
from parkplan.api.app_pages import Lang, LangQuery, render_page
from parkplan.api.deps import READ, ContextDep, ScenarioQuery
from parkplan.api.overview import page_url
from parkplan.api.page_text import PAGE_TEXT
from parkplan.api.routers.docs import ASSETS_PREFIX
from parkplan.api.run_choice import (
    BASE,
    MissingResultsError,
    RunChoice,
    parse_choice,
    run_file,
)
from parkplan.comparison import MIN_OVERLAP
from parkplan.runs import RUN_ID
from parkplan.study import load_study
from webmap.assets import AssetSource, served_links

router = APIRouter(tags=["pages"], dependencies=[READ], default_response_class=HTMLResponse)

HTML = "text/html; charset=utf-8"

RunQuery = Annotated[
    str | None,
    Query(pattern=RUN_ID.pattern, description="A kept run's id (see GET /api/runs)."),
]
SideQuery = Annotated[
    str | None,
    Query(max_length=64, description="Empty: the base model; a scenario name; a kept run's id."),
]


@router.get("/map")
def get_map(
    request: Request,
    context: ContextDep,
    scenario: ScenarioQuery = None,
    run: RunQuery = None,
    lang: LangQuery = "nl",
) -> Response:
    """The interactive map of a run (the current run of the base model or of ``scenario``, or
    the kept run ``run``), with its scripts served by the web app itself."""
    choice = RunChoice(scenario=scenario) if run is None else RunChoice(run_id=run)
    try:
        path = run_file(context.study_dir, choice, outputs.MAP_HTML)
    except MissingResultsError as missing:
        return missing_page(request, missing, lang, current="map")
    page = path.read_text(encoding="utf-8")
    return HTMLResponse(served_links(page, AssetSource.default(), prefix=ASSETS_PREFIX))


@router.get("/report", response_class=FileResponse)
def get_report(
    request: Request,
    context: ContextDep,
    scenario: ScenarioQuery = None,
    run: RunQuery = None,
    lang: LangQuery = "nl",
) -> Response:
    """The report for the mayors' conference of a run (the current run of the base model or of
    ``scenario``, or the kept run ``run``)."""
    choice = RunChoice(scenario=scenario) if run is None else RunChoice(run_id=run)
    try:
        path = run_file(context.study_dir, choice, outputs.REPORT_HTML)
    except MissingResultsError as missing:
        return missing_page(request, missing, lang, current="report")
    return FileResponse(path, media_type=HTML)


@router.get("/compare")
def compare(
    request: Request,
    context: ContextDep,
    left: SideQuery = None,
    right: SideQuery = None,
    lang: LangQuery = "nl",
) -> HTMLResponse:
    """Two runs compared: chosen from select lists (``left``, ``right``: empty for the base
    model, a scenario or a kept run's id); their maps on one view with the score difference,
    the rank changes of their sites and their equalisation side by side."""
    study = load_study(context.study_dir)
    chosen = (
        parse_choice(left) if left is not None else BASE,
        parse_choice(right)
        if right is not None
        else compare_view.default_right(study, context.study_dir),
    )
    text = PAGE_TEXT[lang]
    values = {
        "text": text,
        "study_name": study.name,
        "options": compare_view.options(study, context.study_dir, lang),
        "left_value": chosen[0].value,
        "right_value": chosen[1].value,
        "overlap_percent": round(100 * MIN_OVERLAP),
    }
    try:
        sides = [compare_view.side(context.study_dir, c, lang) for c in chosen]
    except MissingResultsError as missing:
        values |= {"missing": missing.sentence(lang), "result": None}
        return compare_page(request, lang, values, status_code=404)
    left_side, right_side = sides
    result = compare_view.comparison_of(
        context.study_dir, left_side, right_side, lang, context.redact
    )
    return compare_page(request, lang, values | {"missing": "", "result": result})


def compare_page(
    request: Request, lang: Lang, values: dict, *, status_code: int = 200
) -> HTMLResponse:
    return render_page(
        request,
        "compare.html.j2",
        lang=lang,
        title=PAGE_TEXT[lang]["compare_title"],
        current="compare",
        status_code=status_code,
        **values,
    )


def missing_page(
    request: Request, missing: MissingResultsError, lang: Lang, *, current: str
) -> HTMLResponse:
    """A 404 page saying, in ``lang``, which run or file is missing."""
    text = PAGE_TEXT[lang]
    return render_page(
        request,
        "missing.html.j2",
        lang=lang,
        title=text["missing_title"],
        current=current,
        status_code=404,
        text=text,
        message=missing.sentence(lang),
        runs_url=page_url("/runs", lang),
    )
