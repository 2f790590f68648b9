"""What-ifs: the current run's equalisation with a setting changed equals a study run with that
setting, nothing is written, and bad values are refused."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from study_support import make_small_study

from parkplan import pipeline
from parkplan.api import Settings, create_app
from parkplan.errors import StudyError
from parkplan.run import run_study
from parkplan.runs import RunStore
from parkplan.study import load_study
from parkplan.whatif import WhatIf, WhatIfs, parse_what_if, what_if_summary


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = make_small_study(tmp_path_factory.mktemp("whatif") / "study")
    run_study(root)
    return root


def direct(root, **assumptions):
    """The equalisation of the study with ``assumptions`` written into it."""
    study = load_study(root)
    changed = study.model_copy(
        update={
            "finance": study.finance.model_copy(
                update={"assumptions": study.finance.assumptions.model_copy(update=assumptions)}
            )
        }
    )
    folder = RunStore(root).folder()
    sites = pd.read_csv(folder / "sites.csv", dtype={"site_id": str})
    parts = pd.read_csv(folder / "site_municipalities.csv", dtype={"site_id": str})
    return pipeline.equalise(changed, sites, parts)


def test_a_discount_rate_what_if_equals_a_study_with_that_rate(root):
    listed = sorted(p.name for p in (root / "runs").iterdir())
    result = WhatIfs(root).equalise(WhatIf(discount_rate_per_year=0.06))
    expected = direct(root, discount_rate_per_year=0.06)
    assert result.result.finance.npv_eur == pytest.approx(expected.result.finance.npv_eur)
    assert result.result.finance.npv_eur != pytest.approx(
        WhatIfs(root).equalise(WhatIf()).result.finance.npv_eur
    )
    assert sorted(p.name for p in (root / "runs").iterdir()) == listed  # nothing written


def test_no_fund_leaves_the_host_its_own_tax(root):
    summary = what_if_summary(WhatIfs(root).outcome(WhatIf(fund_ov_share=0.0)))
    pooled = what_if_summary(WhatIfs(root).outcome(WhatIf(fund_ov_share=1.0)))
    host = WhatIfs(root).equalise(WhatIf()).result.host
    key = "population"
    assert summary["keys"][key]["net_pv_eur"][host] > pooled["keys"][key]["net_pv_eur"][host]
    assert sum(summary["keys"][key]["net_pv_eur"].values()) == pytest.approx(
        sum(pooled["keys"][key]["net_pv_eur"].values()), abs=1.0
    )


@pytest.mark.parametrize(
    "values", [{"discount_rate_per_year": 0.9}, {"fund_ov_share": 1.5}, {"sell_out_years": 0}]
)
def test_what_ifs_outside_their_range_are_refused(values):
    with pytest.raises(StudyError, match="expected a number from"):
        parse_what_if(values)


def test_unknown_what_if_settings_are_refused():
    with pytest.raises(StudyError, match="unknown what-if settings"):
        parse_what_if({"land_price": 3})


def test_the_web_app_answers_what_ifs(root):
    app = create_app(root, Settings(operator_tokens=["operator-token-0123456789"]))
    with TestClient(app) as client:
        answer = client.get("/api/equalisation/what-if", params={"sell_out_years": 5})
        assert answer.status_code == 200
        body = answer.json()
        assert body["what_if"] == {"sell_out_years": 5.0}
        assert set(body["keys"]) == {"population", "equal"}
        assert client.get("/api/equalisation/what-if?fund_ov_share=2").status_code == 422
    assert dataclasses.asdict(WhatIf()) == dict.fromkeys(
        (
            "discount_rate_per_year",
            "sell_out_years",
            "fund_ov_share",
            "host_compensation_eur_per_ha_per_year",
            "key",
        )
    )
