"""The equalisation page, ``/equalisation``: the sharing keys side by side and the controls of
the settings mayors argue about (discount rate, the share of the property tax paid into the
fund, host compensation, the chosen key), recomputed as they move.

``GET /equalisation/results`` is the page's results part alone, for the page's script to swap
in as a slider moves (debounced); without a script the controls are a plain form that reloads
the page. Both take the parameters of ``GET /api/equalisation/what-if`` and compute them the
same way (:func:`parkplan.api.routers.equalisation.compute_what_if`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from equalisation.errors import EqualisationError
from geo.errors import GeoError
from parkplan.api.app_pages import TEMPLATES, Lang, render_page
from parkplan.api.deps import READ, ApiContext, ContextDep
from parkplan.api.equalisation_view import (
    EqualisationView,
    Unavailable,
    controls,
    equalisation_view,
    key_choices,
    key_note,
    say,
    study_settings,
    texts,
)
from parkplan.api.routers.equalisation import WhatIfQuery, compute_what_if
from parkplan.errors import ParkplanError
from parkplan.study import Study, load_study

router = APIRouter(tags=["pages"], dependencies=[READ], default_response_class=HTMLResponse)


class PageQuery(WhatIfQuery):
    """The what-if's parameters and the page's language."""

    lang: Lang = "nl"


PageParameters = Annotated[PageQuery, Query()]


def results_of(
    context: ApiContext, study: Study, query: PageQuery
) -> EqualisationView | Unavailable:
    """The figures of the what-if ``query`` asks for, or why there are none (in words)."""
    lang = query.lang
    try:
        outcome = compute_what_if(context, query.change())
    except HTTPException as exc:
        key = "no_results" if exc.status_code == 404 else "bad_setting"
        return Unavailable(say(key, lang), context.redact(exc.detail))
    except (ParkplanError, EqualisationError, GeoError) as exc:
        return Unavailable(say("failed", lang), context.redact(exc))
    return equalisation_view(study, outcome, lang)


def results_html(results: EqualisationView | Unavailable, lang: Lang) -> str:
    """The results part of the page (``equalisation_results.html.j2``)."""
    template = TEMPLATES.get_template("equalisation_results.html.j2")
    return template.render(results=results, W=texts(lang), lang=lang)


@router.get("/equalisation")
def equalisation_page(request: Request, context: ContextDep, query: PageParameters) -> HTMLResponse:
    """The keys side by side, the ledger, the transfers and alone versus together, with the
    controls of the discount rate, the fund's share of the property tax, the host compensation
    and the chosen key."""
    lang = query.lang
    study = load_study(context.study_dir)
    results = results_of(context, study, query)
    available = isinstance(results, EqualisationView)
    current = (
        results.computed_with if isinstance(results, EqualisationView) else study_settings(study)
    )
    return render_page(
        request,
        "equalisation.html.j2",
        lang=lang,
        title=say("title", lang),
        current="equalisation",
        W=texts(lang),
        controls=controls(study, current, lang),
        keys=key_choices(study, current.key, lang),
        key_note=key_note(study, lang),
        study_key=study_settings(study).key or "",
        results=results_html(results, lang),
        available=available,
    )


@router.get("/equalisation/results")
def equalisation_results(context: ContextDep, query: PageParameters) -> HTMLResponse:
    """The results part of ``/equalisation`` for these settings (swapped in by the page)."""
    study = load_study(context.study_dir)
    return HTMLResponse(results_html(results_of(context, study, query), query.lang))
