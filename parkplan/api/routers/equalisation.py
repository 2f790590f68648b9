"""``GET /api/equalisation``: the equalisation of the current run (``equalisation.json``);
``GET /api/equalisation/what-if``: the same with a few settings changed, computed at once."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from parkplan import outputs
from parkplan.api.deps import READ, ContextDep, ScenarioQuery
from parkplan.api.results import result_file
from parkplan.errors import StudyError

router = APIRouter(prefix="/api/equalisation", tags=["equalisation"], dependencies=[READ])


@router.get("")
def get_equalisation(context: ContextDep, scenario: ScenarioQuery = None) -> dict:
    """Costs, revenues and net balance per partner under each sharing key, as the run wrote them."""
    path = result_file(context.study_dir, scenario, outputs.EQUALISATION_JSON)
    return json.loads(path.read_text(encoding="utf-8"))


Rate = Annotated[float | None, Query(ge=0, le=0.5, description="Discount rate per year.")]
Years = Annotated[float | None, Query(ge=0.5, le=100, description="Years to sell the plots.")]
Share = Annotated[float | None, Query(ge=0, le=1, description="Share of the OV into the fund.")]
Amount = Annotated[
    float | None, Query(ge=0, le=1e7, description="Host compensation, EUR per ha per year.")
]


@router.get("/what-if")
def what_if(
    context: ContextDep,
    discount_rate_per_year: Rate = None,
    sell_out_years: Years = None,
    fund_ov_share: Share = None,
    host_compensation_eur_per_ha_per_year: Amount = None,
) -> dict:
    """The equalisation of the current run's site with the given settings changed: the site's
    NPV, and per key the partners' net present values, transfers and gain over going alone."""
    from parkplan.whatif import WhatIf, what_if_summary

    change = WhatIf(
        discount_rate_per_year=discount_rate_per_year,
        sell_out_years=sell_out_years,
        fund_ov_share=fund_ov_share,
        host_compensation_eur_per_ha_per_year=host_compensation_eur_per_ha_per_year,
    )
    try:
        context.what_ifs.tables()
    except StudyError:
        raise HTTPException(
            404, "the study has no results yet; run it first (POST /api/runs)"
        ) from None
    return what_if_summary(context.what_ifs.equalise(change), change)
