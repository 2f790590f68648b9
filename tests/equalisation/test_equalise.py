"""The whole equalisation of a pooled park: several keys, mechanisms, ledgers, games."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

import pytest

import equalisation
from equalisation import FinanceAssumptions, Partner
from equalisation.errors import InputError, KeyShareError
from equalisation.money import to_cents

PARTNERS = [
    Partner(
        "Host", population=12_000, demand_ha=4, municipal_opcentiemen=900, fiscal_capacity_eur=1e6
    ),
    Partner(
        "North", population=5_000, demand_ha=3, municipal_opcentiemen=1_200, fiscal_capacity_eur=5e5
    ),
    Partner(
        "South", population=3_000, demand_ha=2, municipal_opcentiemen=1_400, fiscal_capacity_eur=3e5
    ),
]
AREA = {"Host": 10.0, "North": 4.0}
KEYS = {
    "population": {"kind": "population"},
    "demand": {"costs": {"kind": "demand"}, "revenues": {"kind": "equal"}},
    "host_first": {
        "kind": "stacked",
        "host_share": 0.1,
        "rest": [{"kind": "population", "weight": 0.5}, {"kind": "land", "weight": 0.5}],
    },
    "no_south": {"kind": "custom", "shares": {"Host": 0.5, "North": 0.5, "South": 0.0}},
}
SITES = [
    {"site_id": "s1", "score": 0.8, "area_ha": 14.0, "area_ha_by_municipality": AREA},
    {"site_id": "s2", "score": 0.6, "area_ha": 7.0, "area_ha_by_municipality": {"South": 7.0}},
]


def run(mechanisms=None, keys=KEYS, sites=SITES, **changes):
    arguments = dict(
        partners=PARTNERS,
        site_area_ha_by_municipality=AREA,
        host="Host",
        assumptions=FinanceAssumptions(),
        keys=keys,
        mechanisms=mechanisms,
        horizon_years=30,
        start_year=2026,
        tax_year=2022,  # the last year with every coefficient in reference/FACTS.md
        provincial_opcentiemen=0.0,
        candidate_sites=sites,
    )
    arguments.update(changes)
    return equalisation.equalise(**arguments)


@pytest.fixture(scope="module")
def result():
    return run(
        mechanisms={
            "sub_regional_fund": {"ov_share": 0.8},
            "host_compensation": {"eur_per_ha_per_year": 500},
            "local_park_compensation": {"eur_per_year": {"South": 5_000}},
            "development_rights": {"price_eur_per_ha": 20_000},
            "municipal_fund": {"clawback_share": 0.1},
            "planning_benefit_fund": {"levy_share": 0.3},
        }
    )


def test_every_year_adds_up_to_the_park_money_in_cents(result):
    costs = [to_cents(v) for v in result.finance.costs_eur()]
    income = [to_cents(v) for v in result.finance.income_eur()]
    own_ov = [
        sum(to_cents(v) for v in year)
        for year in zip(*(result.property_tax.municipal_eur(p.name) for p in PARTNERS), strict=True)
    ]
    for ledger in result.ledgers:
        net = defaultdict(int)
        for entry in ledger.entries:
            net[entry.year] += entry.net_cents
        for t, year in enumerate(ledger.years):
            assert net[year] == income[t] - costs[t] + own_ov[t]  # the rest is zero-sum


def test_items_split_exactly_and_balances_settle(result):
    for ledger in result.ledgers:
        items = defaultdict(int)
        for entry in ledger.entries:
            if entry.item.startswith("site costs"):
                items[entry.year] += entry.paid_cents
        costs = [to_cents(v) for v in result.finance.costs_eur()]
        assert [items[y] for y in ledger.years] == costs
        balances = ledger.balances_cents()
        assert sum(balances.values()) == 0
        transfers = ledger.transfers()
        assert len(transfers) <= len(PARTNERS) - 1
        for t in transfers:
            balances[t.payer] += t.amount_cents
            balances[t.payee] -= t.amount_cents
        assert set(balances.values()) == {0}


def test_a_zero_share_partner_pays_no_site_costs(result):
    ledger = result.ledger("no_south")
    assert not [
        e
        for e in ledger.entries
        if e.partner == "South" and e.item.startswith(("site costs", "site income"))
    ]


def test_ledger_rows_have_the_columns_and_exact_euros(result):
    rows = result.ledger_rows()
    assert len(rows) == len(KEYS) * len(PARTNERS) * 30
    assert set(rows[0]) == {
        "key",
        "partner",
        "year",
        "paid_eur",
        "received_eur",
        "net_eur",
        "explanation",
    }
    for row in rows:
        assert row["net_eur"] == row["received_eur"] - row["paid_eur"]
        assert row["paid_eur"] == row["paid_eur"].quantize(Decimal("0.01"))
    assert {r["key"] for r in rows} == set(KEYS)


def test_what_ifs_are_labelled_in_the_ledger(result):
    ledger = result.ledger("population")
    what_ifs = [e for e in ledger.entries if "WHAT-IF" in e.item]
    assert {e.item.split(" 20")[0] for e in what_ifs} >= {
        "WHAT-IF development rights",
        "WHAT-IF municipal fund",
        "WHAT-IF planning benefit",
    }
    rights = [e for e in what_ifs if e.item == "WHAT-IF development rights"]
    assert sum(e.net_cents for e in rights) == 0
    # rights by population share of 14 ha: Host 8.4 ha held vs 10 used -> buys 1.6 ha
    assert next(e for e in rights if e.partner == "Host").paid_cents == 1.6 * 20_000 * 100


def test_host_compensation_is_paid_by_the_cost_key(result):
    ledger = result.ledger("population")
    first = [e for e in ledger.entries if e.year == 2026 and "host compensation" in e.item]
    received = {e.partner: e.received_cents for e in first if e.received_cents}
    assert received == {"Host": 500_000, "North": 200_000}  # 500 EUR × 10 ha and × 4 ha
    assert sum(e.paid_cents for e in first) == 700_000


def test_the_fund_pools_the_property_tax_by_the_revenue_key(result):
    ledger = result.ledger("demand")  # revenues: equal
    year = 2040
    payouts = {
        e.partner: e.received_cents
        for e in ledger.entries
        if e.year == year and e.item.startswith("fund payout")
    }
    contributions = sum(
        e.paid_cents for e in ledger.entries if e.year == year and e.item == "fund contribution"
    )
    assert sum(payouts.values()) == contributions > 0
    assert max(payouts.values()) - min(payouts.values()) <= 1


def test_to_dict_is_json_and_labels_assumptions_and_what_ifs(result):
    data = json.loads(json.dumps(result.to_dict()))
    assert data["assumptions"]["net_share"]["illustrative"] is True
    assert set(data["keys"]) == set(KEYS)
    assert data["keys"]["population"]["ledger"]["partners"]["Host"]["pv_net_eur"]
    flags = {m["name"]: m["needs_new_legislation"] for m in data["mechanisms"]}
    assert flags["development_rights"] is True and flags["sub_regional_fund"] is False
    games = data["games"]
    assert set(games) >= {"shapley", "nucleolus", "scrb", "stand_alone_cost_eur"}
    assert sum(games["shapley"]["allocation"].values()) == pytest.approx(
        games["grand_coalition_cost_eur"], abs=0.01
    )
    assert data["property_tax"]["municipal_eur"]["Host"][-1] > 0
    checks = data["alone_versus_together"]
    assert {f"key:{k}" for k in KEYS} | {"shapley", "scrb"} <= set(checks)
    for name, check in checks.items():
        alone, together, gain = (
            check[f] for f in ("net_alone_eur", "net_together_eur", "gain_eur")
        )
        for partner in alone:
            assert gain[partner] == pytest.approx(together[partner] - alone[partner], abs=0.02)
        assert check["blocking_count"] >= len(check["blocking"])
        assert check["coalitions_checked"] == 2 ** len(alone) - 2
        if not name.startswith("key:"):
            assert check["reconciliation_eur"] == pytest.approx(0, abs=0.05)


def test_without_mechanisms_the_property_tax_is_fully_pooled():
    result = run(keys={"equal": {"kind": "equal"}}, sites=None)
    ledger = result.ledger("equal")
    own = sum(e.received_cents for e in ledger.entries if e.item == "own OV")
    paid_in = sum(e.paid_cents for e in ledger.entries if e.item == "fund contribution")
    assert own == paid_in > 0
    assert result.games is None


def test_with_an_empty_mechanism_table_the_host_keeps_its_tax():
    result = run(mechanisms={}, keys={"equal": {"kind": "equal"}}, sites=None)
    assert not [e for e in result.ledger("equal").entries if "fund" in e.item]


def test_bad_inputs_are_refused():
    with pytest.raises(InputError, match="host"):
        run(host="Nowhere")
    with pytest.raises(InputError, match="unknown mechanisms"):
        run(mechanisms={"lottery": {}})
    with pytest.raises(KeyShareError, match="'bad'"):
        run(keys={"bad": {"kind": "custom", "shares": {"Host": 0.3}}})
    with pytest.raises(InputError, match="site areas"):
        run(site_area_ha_by_municipality={})


def test_mechanisms_cannot_take_more_than_all_of_the_property_tax():
    mechanisms = {"sub_regional_fund": {"ov_share": 1.0}, "municipal_fund": {"clawback_share": 0.3}}
    with pytest.raises(InputError, match="take 130% of each municipality's property tax"):
        run(mechanisms=mechanisms, keys={"equal": {"kind": "equal"}}, sites=None)
