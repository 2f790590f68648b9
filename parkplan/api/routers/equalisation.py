"""``GET /api/equalisation``: the equalisation of the last run (``equalisation.json``)."""

from __future__ import annotations

import json

from fastapi import APIRouter

from parkplan import outputs
from parkplan.api.deps import READ, ContextDep, ScenarioQuery
from parkplan.api.results import result_file

router = APIRouter(prefix="/api/equalisation", tags=["equalisation"], dependencies=[READ])


@router.get("")
def get_equalisation(context: ContextDep, scenario: ScenarioQuery = None) -> dict:
    """Costs, revenues and net balance per partner under each sharing key, as the run wrote them."""
    path = result_file(context.study_dir, scenario, outputs.EQUALISATION_JSON)
    return json.loads(path.read_text(encoding="utf-8"))
