"""The pages: ``/map`` and ``/report`` as the last run wrote them, ``/compare`` side by side.

``/compare`` puts the maps of two scenarios next to each other, each in a
``srcdoc`` frame so one authenticated request carries both; every text it echoes (titles,
scenario names, the map documents themselves inside the attribute) is HTML-escaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import jinja2
from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse

from parkplan import outputs
from parkplan.api.deps import READ, ContextDep, ScenarioQuery
from parkplan.api.results import result_file
from parkplan.api.routers.docs import ASSETS_PREFIX
from parkplan.study import NAME_PATTERN, load_study
from webmap.assets import AssetSource, served_links

router = APIRouter(tags=["pages"], dependencies=[READ], default_response_class=HTMLResponse)

HTML = "text/html; charset=utf-8"
BASE_LABEL = {"nl": "basismodel", "en": "base model"}
COMPARE_TITLE = {"nl": "Scenario's vergelijken", "en": "Compare scenarios"}

_TEMPLATE = jinja2.Environment(autoescape=True).from_string(
    """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} — {{ study }}</title>
<style>
  html, body { margin: 0; height: 100%; font-family: sans-serif; }
  header { padding: 0.4em 1em; background: #234; color: #fff; }
  main { display: flex; height: calc(100% - 2.4em); }
  section { flex: 1; display: flex; flex-direction: column; border-left: 1px solid #ccc; }
  h2 { margin: 0; padding: 0.3em 1em; font-size: 1em; background: #eef; }
  iframe { flex: 1; border: 0; width: 100%; }
</style>
</head>
<body>
<header>{{ title }} — {{ study }}</header>
<main>
{% for side in sides %}
<section>
<h2>{{ side.label }}</h2>
<iframe title="{{ side.label }}" srcdoc="{{ side.html }}"></iframe>
</section>
{% endfor %}
</main>
</body>
</html>
"""
)

CompareQuery = Annotated[
    str | None,
    Query(pattern=NAME_PATTERN, description="A scenario; leave out for the base model."),
]


@router.get("/map")
def get_map(context: ContextDep, scenario: ScenarioQuery = None) -> HTMLResponse:
    """The interactive map of the current run (of the base model or of ``scenario``), with its
    scripts served by the web app itself."""
    return HTMLResponse(_map_text(context.study_dir, scenario))


@router.get("/report")
def get_report(context: ContextDep, scenario: ScenarioQuery = None) -> FileResponse:
    """The report for the mayors' conference of the current run (of the base model or of
    ``scenario``)."""
    path = result_file(context.study_dir, scenario, outputs.REPORT_HTML)
    return FileResponse(path, media_type=HTML)


@router.get("/compare")
def compare(
    context: ContextDep,
    left: CompareQuery = None,
    right: CompareQuery = None,
    lang: Literal["nl", "en"] = "nl",
) -> HTMLResponse:
    """The maps of two scenarios side by side (``left`` and ``right``; none: the base model)."""
    sides = [
        {"label": scenario or BASE_LABEL[lang], "html": _map_text(context.study_dir, scenario)}
        for scenario in (left, right)
    ]
    page = _TEMPLATE.render(
        lang=lang,
        title=COMPARE_TITLE[lang],
        study=load_study(context.study_dir).name,
        sides=sides,
    )
    return HTMLResponse(page)


def _map_text(study_dir: Path, scenario: str | None) -> str:
    """The map page of a run, its script and stylesheet links pointed at ``/assets/``."""
    page = result_file(study_dir, scenario, outputs.MAP_HTML).read_text(encoding="utf-8")
    return served_links(page, AssetSource.default(), prefix=ASSETS_PREFIX)
