"""``GET /api/equalisation``: the equalisation of the current run (``equalisation.json``);
``GET /api/equalisation/what-if``: the same with the settings mayors argue about changed,
computed at once by the run's own equalisation (:mod:`parkplan.whatif`)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from parkplan import outputs
from parkplan.api.deps import READ, ApiContext, ContextDep, ScenarioQuery
from parkplan.api.results import result_file
from parkplan.errors import StudyError
from parkplan.whatif import BOUNDS, WhatIf, WhatIfOutcome, what_if_summary

router = APIRouter(prefix="/api/equalisation", tags=["equalisation"], dependencies=[READ])


@router.get("")
def get_equalisation(context: ContextDep, scenario: ScenarioQuery = None) -> dict:
    """Costs, revenues and net balance per partner under each sharing key, as the run wrote them."""
    path = result_file(context.study_dir, scenario, outputs.EQUALISATION_JSON)
    return json.loads(path.read_text(encoding="utf-8"))


def bounded(name: str, description: str):
    """An optional number of the what-if ``name``, within :data:`parkplan.whatif.BOUNDS`."""
    low, high = BOUNDS[name]
    return Field(None, ge=low, le=high, allow_inf_nan=False, description=description)


class WhatIfQuery(BaseModel):
    """The settings a what-if changes; a setting left out keeps the study's own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    discount_rate_per_year: float | None = bounded(
        "discount_rate_per_year", "Discount rate per year (0.04 is 4 %)."
    )
    sell_out_years: float | None = bounded("sell_out_years", "Years to sell the plots.")
    fund_ov_share: float | None = bounded(
        "fund_ov_share", "Share of the municipal property tax paid into the sub-regional fund."
    )
    host_compensation_eur_per_ha_per_year: float | None = bounded(
        "host_compensation_eur_per_ha_per_year", "Host compensation, EUR per ha per year."
    )
    key: str | None = Field(
        None, min_length=1, max_length=100, description="The sharing key to lead with."
    )

    def change(self) -> WhatIf:
        """The what-if these parameters ask for."""
        return WhatIf(**self.model_dump(include=set(WhatIfQuery.model_fields)))


def compute_what_if(context: ApiContext, change: WhatIf) -> WhatIfOutcome:
    """``change`` on the current run: 404 before the first run, 422 for a setting the study
    cannot take (an unknown key)."""
    try:
        context.what_ifs.tables()
    except StudyError:
        raise HTTPException(
            404, "the study has no results yet; run it first (POST /api/runs)"
        ) from None
    try:
        return context.what_ifs.outcome(change)
    except StudyError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/what-if")
def what_if(context: ContextDep, query: Annotated[WhatIfQuery, Query()]) -> dict:
    """The equalisation of the current run's site with the given settings changed: the settings
    used (and where each comes from), the site's NPV, and per key the partners' net present
    values, transfers and gain over going alone; ``summary`` has every figure in cents."""
    return what_if_summary(compute_what_if(context, query.change()))
