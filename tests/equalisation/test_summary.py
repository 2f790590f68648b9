"""The typed equalisation summary: read back as it was written, and its reconciliation adds up
to the cent (site NPV + municipal tax + money from outside + rounding = the partners' total)."""

from __future__ import annotations

import json

import pytest
from test_equalise import run

from equalisation.errors import InputError
from equalisation.summary import EqualisationSummary, summarise

MECHANISMS = {
    "sub_regional_fund": {"ov_share": 0.8},
    "host_compensation": {"eur_per_ha_per_year": 500},
    "municipal_fund_clawback": {"clawback_rate": 0.1},  # to the municipal fund: outside
}


@pytest.fixture(scope="module")
def summary():
    return summarise(run(mechanisms=MECHANISMS), site_id="s1")


def test_the_summary_is_read_back_as_it_was_written(summary):
    data = json.loads(json.dumps(summary.to_dict()))
    assert EqualisationSummary.from_dict(data) == summary


def test_an_other_version_is_refused(summary):
    data = summary.to_dict() | {"version": 99}
    with pytest.raises(InputError, match="run the study again"):
        EqualisationSummary.from_dict(data)


def test_the_reconciliation_adds_up_to_the_cent(summary):
    r = summary.reconciliation
    assert (
        r.site_npv_cents + r.municipal_tax_pv_cents + r.outside_pv_cents + r.rounding_cents
        == r.partners_total_pv_cents
    )
    assert abs(r.rounding_cents) <= len(summary.partners) * len(summary.years)
    assert r.outside_pv_cents < 0  # the clawback leaves the partnership
    for key in summary.keys:
        assert sum(f.net_pv_cents for f in key.partners) == r.partners_total_pv_cents


def test_every_key_sums_its_yearly_flows_per_partner(summary):
    for key in summary.keys:
        for flows in key.partners:
            assert flows.net_cents == tuple(
                r - p for p, r in zip(flows.paid_cents, flows.received_cents, strict=True)
            )
    assert summary.fairness_of("key:population") is not None
    assert summary.fairness_of("shapley").coalitions_checked == 2**3 - 2
