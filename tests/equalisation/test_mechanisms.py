"""The labelled mechanisms: hand-computed entries on a three-partner, three-year park."""

from __future__ import annotations

import dataclasses
import json
import math
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import equalisation
from equalisation import FinanceAssumptions, Partner
from equalisation.errors import InputError
from equalisation.finance import site_finance
from equalisation.keys import build_key
from equalisation.ledger import Ledger
from equalisation.mechanisms import (
    NEEDS_NEW_LEGISLATION,
    OV_TAKERS,
    POSSIBLE_TODAY,
    REGISTRY,
    Context,
    CostAndRevenueSharing,
    FlemishMatchingFund,
    Mechanism,
    OwnPropertyTax,
    base_levy_cents,
    build_mechanisms,
)
from equalisation.money import to_cents

#: A and B host the park (6 ha and 4 ha); C hosts nothing and has the highest surcharge.
PARTNERS = [
    Partner("A", 3_000, demand_ha=3, municipal_opcentiemen=900, land_ha=6.0),
    Partner("B", 2_000, demand_ha=2, municipal_opcentiemen=1_200, land_ha=4.0),
    Partner("C", 1_000, demand_ha=1, municipal_opcentiemen=1_400),
]
NAMES = ("A", "B", "C")
YEARS = (2026, 2027, 2028)
COSTS = {"A": 0.5, "B": 0.3, "C": 0.2}
REVENUES = {"A": 0.4, "B": 0.4, "C": 0.2}
SITE_COSTS = (10_000_000, 2_000_000, 500_000)
SITE_INCOME = (0, 5_000_000, 8_000_000)
#: Base levy (cents) on each partner's part: A 1,000 EUR then 2,000 EUR; B 600 then 1,200 EUR.
BASE_LEVY = {"A": (0, 100_000, 200_000), "B": (0, 60_000, 120_000), "C": (0, 0, 0)}
#: Own OV = base levy × opcentiemen / 100: A × 9, B × 12.
OWN_OV = {"A": (0, 900_000, 1_800_000), "B": (0, 720_000, 1_440_000), "C": (0, 0, 0)}


def context(**changes) -> Context:
    fields = dict(
        partners=NAMES,
        years=YEARS,
        land_ha={p.name: p.land_ha for p in PARTNERS},
        costs_key=build_key({"kind": "custom", "shares": COSTS}, PARTNERS),
        revenues_key=build_key({"kind": "custom", "shares": REVENUES}, PARTNERS),
        site_costs_cents=SITE_COSTS,
        site_income_cents=SITE_INCOME,
        municipal_ov_cents=OWN_OV,
        finance=site_finance(
            gross_area_ha=10.0,
            assumptions=FinanceAssumptions(indexation_per_year=0.02),
            horizon_years=3,
            start_year=2026,
        ),
        municipal_opcentiemen={p.name: p.municipal_opcentiemen for p in PARTNERS},
        base_levy_cents=BASE_LEVY,
    )
    fields.update(changes)
    return Context(**fields)


def only(spec: dict) -> Mechanism:
    """The one mechanism of ``spec`` (after the two always on)."""
    built = build_mechanisms(spec, partners=NAMES)
    return next(m for m in built if m.name == next(iter(spec)))


def table(entries, side: str) -> dict:
    """``{year: {partner: cents}}`` of the paid or received side."""
    out: dict = defaultdict(dict)
    for e in entries:
        cents = e.paid_cents if side == "paid" else e.received_cents
        if cents:
            out[e.year][e.partner] = out[e.year].get(e.partner, 0) + cents
    return dict(out)


def part(cents: int, share: float) -> int:
    """``share`` of ``cents``, rounded half-up to the cent as the mechanisms do."""
    return to_cents(Decimal(cents) / 100 * Decimal(str(share)))


def net_by_year(entries) -> dict[int, int]:
    net = dict.fromkeys(YEARS, 0)
    for e in entries:
        net[e.year] += e.net_cents
    return net


# --- 1. in-kind contributions -------------------------------------------------------------------


def test_in_kind_land_once_and_staff_every_year_indexed_paid_by_the_cost_key():
    mechanism = only(
        {"in_kind_contributions": {"land_eur": {"A": 250_000}, "staff_eur_per_year": {"B": 30_000}}}
    )
    entries = mechanism.entries(context())
    assert table(entries, "received") == {
        2026: {"A": 25_000_000, "B": 3_000_000},
        2027: {"B": 3_060_000},  # 30,000 × 1.02
        2028: {"B": 3_121_200},  # 30,000 × 1.02²
    }
    assert table(entries, "paid") == {
        2026: {"A": 14_000_000, "B": 8_400_000, "C": 5_600_000},
        2027: {"A": 1_530_000, "B": 918_000, "C": 612_000},
        2028: {"A": 1_560_600, "B": 936_360, "C": 624_240},
    }
    assert net_by_year(entries) == dict.fromkeys(YEARS, 0)
    assert mechanism.zero_sum and mechanism.label == POSSIBLE_TODAY


def test_in_kind_staff_for_a_stated_number_of_years():
    mechanism = only(
        {"in_kind_contributions": {"staff_eur_per_year": {"C": 10_000}, "staff_years": 1}}
    )
    entries = mechanism.entries(context())
    assert table(entries, "received") == {2026: {"C": 1_000_000}}
    assert table(entries, "paid") == {2026: {"A": 500_000, "B": 300_000, "C": 200_000}}


# --- 2. foregone surcharge income ---------------------------------------------------------------


def test_foregone_surcharge_with_one_host():
    ctx = context(
        base_levy_cents={**BASE_LEVY, "B": (0, 0, 0)},
        municipal_ov_cents={**OWN_OV, "B": (0, 0, 0)},
    )
    entries = only({"foregone_surcharge": {}}).entries(ctx)
    # B: 0.4 × 1,000 EUR × (1200 − 900)/100 = 1,200 EUR; C: 0.2 × 1,000 × (1400 − 900)/100
    assert table(entries, "received") == {
        2027: {"B": 120_000, "C": 100_000},
        2028: {"B": 240_000, "C": 200_000},
    }
    assert table(entries, "paid") == {
        2027: {"A": 110_000, "B": 66_000, "C": 44_000},
        2028: {"A": 220_000, "B": 132_000, "C": 88_000},
    }
    assert net_by_year(entries) == dict.fromkeys(YEARS, 0)


def test_foregone_surcharge_with_two_hosts_and_a_partial_share():
    entries = only({"foregone_surcharge": {"compensated_share": 0.5}}).entries(context())
    received = table(entries, "received")[2027]
    # B on A's part: 0.4 × 1,000 × 3 = 1,200 EUR (nothing on its own part; A has the lowest rate)
    # C: 0.2 × (1,000 × 5 + 600 × 2) = 1,240 EUR; halved
    assert received == {"B": 60_000, "C": 62_000}
    assert "revenue key 20.00%" in next(e for e in entries if e.partner == "C").explanation
    assert net_by_year(entries) == dict.fromkeys(YEARS, 0)


def test_foregone_surcharge_needs_the_rates_in_the_context():
    ctx = context(municipal_opcentiemen={}, base_levy_cents={})
    with pytest.raises(InputError, match="lacks"):
        only({"foregone_surcharge": {}}).entries(ctx)


# --- 3. municipal-fund clawback (current law) ---------------------------------------------------


def test_clawback_takes_the_stated_rate_of_the_hosts_ov_out_of_the_partnership():
    mechanism = only({"municipal_fund_clawback": {"clawback_rate": 0.25}})
    entries = mechanism.entries(context())
    assert table(entries, "paid") == {
        2027: {"A": 225_000, "B": 180_000},
        2028: {"A": 450_000, "B": 360_000},
    }
    assert not table(entries, "received")
    assert not mechanism.zero_sum
    assert mechanism.label == POSSIBLE_TODAY and "current law" in mechanism.label_note


# --- 4. planning damage (what-if) ---------------------------------------------------------------


def test_planning_damage_levy_by_the_cost_key_in_the_first_year():
    mechanism = only({"planning_damage_fund": {"compensation_eur_per_ha": 1_500}})
    entries = mechanism.entries(context())
    assert table(entries, "paid") == {2026: {"A": 750_000, "B": 450_000, "C": 300_000}}
    assert not table(entries, "received")  # the owners are outside the partnership
    assert all(
        e.item.startswith("WHAT-IF") and e.explanation.startswith("WHAT-IF") for e in entries
    )


# --- 5. intermunicipal taxation (what-if) -------------------------------------------------------


def test_intermunicipal_tax_replaces_the_own_surcharge_and_shares_the_common_one():
    entries = only({"intermunicipal_tax": {"opcentiemen": 1_000}}).entries(context())
    assert table(entries, "paid") == {
        2027: {"A": 900_000, "B": 720_000},
        2028: {"A": 1_800_000, "B": 1_440_000},
    }
    # (1,000 + 600 EUR base levy) × 1000 / 100 = 16,000 EUR by the revenue key
    assert table(entries, "received") == {
        2027: {"A": 640_000, "B": 640_000, "C": 320_000},
        2028: {"A": 1_280_000, "B": 1_280_000, "C": 640_000},
    }
    assert net_by_year(entries) == {2026: 0, 2027: -20_000, 2028: -40_000}


# --- 6. Flemish matching fund (what-if) ---------------------------------------------------------


def test_flemish_matching_adds_a_share_of_the_fund_contributions():
    built = build_mechanisms(
        {"sub_regional_fund": {"ov_share": 0.5}, "flemish_matching_fund": {"match_share": 0.5}}
    )
    matching = next(m for m in built if isinstance(m, FlemishMatchingFund))
    entries = matching.entries(context())
    # contributions 0.5 × (9,000 + 7,200) = 8,100 EUR in 2027; half of that from Flanders
    assert table(entries, "received") == {
        2027: {"A": 162_000, "B": 162_000, "C": 81_000},
        2028: {"A": 324_000, "B": 324_000, "C": 162_000},
    }
    assert not table(entries, "paid")
    assert json.dumps(matching.to_dict())  # the linked fund stays out of the JSON
    assert set(matching.to_dict()["parameters"]) == {"match_share"}


def test_flemish_matching_needs_the_sub_regional_fund():
    with pytest.raises(InputError, match="without sub_regional_fund"):
        build_mechanisms({"flemish_matching_fund": {"match_share": 0.5}})
    with pytest.raises(InputError, match="not linked"):
        FlemishMatchingFund(match_share=0.5).entries(context())


# --- the ledger with the new mechanisms ---------------------------------------------------------


def ledger_of(spec: dict) -> Ledger:
    ctx = context()
    built = build_mechanisms(spec, partners=NAMES)
    land = build_key({"kind": "land"}, PARTNERS)
    status_quo_ctx = dataclasses.replace(ctx, costs_key=land, revenues_key=land)
    return Ledger(
        name="custom",
        partners=NAMES,
        years=YEARS,
        discount_rate_per_year=0.03,
        entries=tuple(e for m in built for e in m.entries(ctx)),
        status_quo=tuple(
            e
            for m in (CostAndRevenueSharing(), OwnPropertyTax())
            for e in m.entries(status_quo_ctx)
        ),
    )


@pytest.mark.parametrize(
    ("spec", "outside"),
    [
        (
            {
                "sub_regional_fund": {"ov_share": 0.5},
                "municipal_fund_clawback": {"clawback_rate": 0.2},
                "in_kind_contributions": {
                    "land_eur": {"A": 250_000},
                    "staff_eur_per_year": {"B": 30_000},
                },
                "foregone_surcharge": {},
                "planning_damage_fund": {"compensation_eur_per_ha": 1_500},
                "flemish_matching_fund": {"match_share": 0.5},
            },
            # − clawback (0.2 × own OV) − damage (15,000 EUR) + matching (0.25 × own OV)
            (-1_500_000, -324_000 + 405_000, -648_000 + 810_000),
        ),
        (
            {"sub_regional_fund": {"ov_share": 0.0}, "intermunicipal_tax": {"opcentiemen": 1_000}},
            (0, -20_000, -40_000),  # the common surcharge minus the own ones replaced
        ),
    ],
)
def test_the_ledger_balances_to_the_cent_every_year(spec, outside):
    ledger = ledger_of(spec)
    net = net_by_year(ledger.entries)
    for t, year in enumerate(YEARS):
        own_ov = sum(OWN_OV[p][t] for p in NAMES)
        assert net[year] == SITE_INCOME[t] - SITE_COSTS[t] + own_ov + outside[t]
    balances = ledger.balances_cents()
    assert sum(balances.values()) == 0
    for transfer in ledger.transfers():
        balances[transfer.payer] += transfer.amount_cents
        balances[transfer.payee] -= transfer.amount_cents
    assert set(balances.values()) == {0}


def test_through_equalise_the_yearly_total_is_the_park_money_plus_outside_flows():
    partners = [
        Partner("Host", 12_000, demand_ha=4, municipal_opcentiemen=900),
        Partner("North", 5_000, demand_ha=3, municipal_opcentiemen=1_200),
        Partner("South", 3_000, demand_ha=2, municipal_opcentiemen=1_400),
    ]
    result = equalisation.equalise(
        partners=partners,
        site_area_ha_by_municipality={"Host": 10.0, "North": 4.0},
        host="Host",
        assumptions=FinanceAssumptions(),
        keys={"population": {"kind": "population"}},
        mechanisms={
            "sub_regional_fund": {"ov_share": 0.6},
            "municipal_fund_clawback": {"clawback_rate": 0.3},
            "in_kind_contributions": {
                "land_eur": {"North": 80_000},
                "staff_eur_per_year": {"South": 20_000},
            },
            "planning_damage_fund": {"compensation_eur_per_ha": 2_000},
            "flemish_matching_fund": {"match_share": 0.5},
        },
        horizon_years=10,
        start_year=2026,
        tax_year=2022,
        provincial_opcentiemen=0.0,
    )
    costs = [to_cents(v) for v in result.finance.costs_eur()]
    income = [to_cents(v) for v in result.finance.income_eur()]
    own = {
        p.name: [to_cents(v) for v in result.property_tax.municipal_eur(p.name)] for p in partners
    }
    ledger = result.ledger("population")
    net = defaultdict(int)
    for e in ledger.entries:
        net[e.year] += e.net_cents
    for t, year in enumerate(ledger.years):
        own_t = {p: own[p][t] for p in own}
        clawback = sum(part(c, 0.3) for c in own_t.values())
        matched = part(sum(part(c, 0.6) for c in own_t.values()), 0.5)
        damage = to_cents(2_000 * 14) if t == 0 else 0
        outside = matched - clawback - damage
        assert net[year] == income[t] - costs[t] + sum(own_t.values()) + outside
    assert sum(ledger.balances_cents().values()) == 0
    data = json.loads(json.dumps(result.to_dict()))
    labels = {m["name"]: m["label"] for m in data["mechanisms"]}
    assert labels["municipal_fund_clawback"] == POSSIBLE_TODAY
    assert labels["flemish_matching_fund"] == NEEDS_NEW_LEGISLATION


def test_the_rate_mechanisms_on_a_real_property_tax():
    """The context as ``equalise`` would build it for the mechanisms comparing surcharge rates."""
    partners = [
        Partner("Host", 12_000, municipal_opcentiemen=900, land_ha=10.0),
        Partner("North", 5_000, municipal_opcentiemen=1_200),
    ]
    result = equalisation.equalise(
        partners=partners,
        site_area_ha_by_municipality={"Host": 10.0},
        host="Host",
        assumptions=FinanceAssumptions(),
        keys={},
        mechanisms={},
        horizon_years=8,
        start_year=2026,
        tax_year=2022,
        provincial_opcentiemen=0.0,
    )
    tax = result.property_tax
    names = ("Host", "North")
    levy = base_levy_cents(tax, names)
    own = {n: tuple(to_cents(v) for v in tax.municipal_eur(n)) for n in names}
    assert any(levy["Host"]) and not any(levy["North"])
    for base, surcharge in zip(levy["Host"], own["Host"], strict=True):
        assert abs(base * 9 - surcharge) <= 9  # surcharge = base levy × 900 / 100
    equal = build_key({"kind": "equal"}, partners)
    ctx = Context(
        partners=names,
        years=result.finance.years,
        land_ha={"Host": 10.0, "North": 0.0},
        costs_key=equal,
        revenues_key=equal,
        site_costs_cents=(0,) * 8,
        site_income_cents=(0,) * 8,
        municipal_ov_cents=own,
        finance=result.finance,
        municipal_opcentiemen={"Host": 900, "North": 1_200},
        base_levy_cents=levy,
    )
    foregone = only({"foregone_surcharge": {}}).entries(ctx)
    common = only({"intermunicipal_tax": {"opcentiemen": 1_200}}).entries(ctx)
    for t, year in enumerate(ctx.years):
        north = sum(e.received_cents for e in foregone if e.year == year and e.partner == "North")
        assert north == part(levy["Host"][t], 1.5)  # ½ × base levy × (1200 − 900) / 100
        in_year = [e for e in common if e.year == year]
        assert sum(e.net_cents for e in in_year) == levy["Host"][t] * 12 - own["Host"][t]


@pytest.mark.parametrize(
    "mechanisms",
    [
        {"sub_regional_fund": {"ov_share": 0.5}, "foregone_surcharge": {}},
        {"sub_regional_fund": {"ov_share": 0.0}, "intermunicipal_tax": {"opcentiemen": 1_000}},
    ],
    ids=["foregone_surcharge", "intermunicipal_tax"],
)
def test_the_rate_mechanisms_through_equalise(mechanisms):
    partners = [
        Partner("Host", 12_000, municipal_opcentiemen=900),
        Partner("North", 5_000, municipal_opcentiemen=1_200),
        Partner("South", 3_000, municipal_opcentiemen=600),
    ]
    result = equalisation.equalise(
        partners=partners,
        site_area_ha_by_municipality={"Host": 10.0},
        host="Host",
        assumptions=FinanceAssumptions(),
        keys={"equal": {"kind": "equal"}},
        mechanisms=mechanisms,
        horizon_years=8,
        start_year=2026,
        tax_year=2022,
        provincial_opcentiemen=0.0,
    )
    ledger = result.ledger("equal")
    levy = base_levy_cents(result.property_tax, ["Host"])["Host"]
    own = [to_cents(v) for v in result.property_tax.municipal_eur("Host")]
    costs = [to_cents(v) for v in result.finance.costs_eur()]
    income = [to_cents(v) for v in result.finance.income_eur()]
    assert any(levy)
    for t, year in enumerate(ledger.years):
        in_year = [e for e in ledger.entries if e.year == year]
        net = sum(e.net_cents for e in in_year)
        if "foregone_surcharge" in mechanisms:
            got = {e.partner: e.received_cents for e in in_year if e.item == "foregone surcharge"}
            assert set(got) <= {"North"}  # South's rate is below the host's
            assert abs(got.get("North", 0) - levy[t]) <= 1  # ⅓ × base levy × (1200 − 900) / 100
            assert net == income[t] - costs[t] + own[t]
        else:
            assert net == income[t] - costs[t] + levy[t] * 10  # the common surcharge instead
    assert sum(ledger.balances_cents().values()) == 0
    assert json.dumps(result.to_dict())


# --- the double-counting refusal ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "taken"),
    [
        (
            {
                "sub_regional_fund": {"ov_share": 0.9},
                "municipal_fund_clawback": {"clawback_rate": 0.2},
            },
            "110%",
        ),
        (
            {"sub_regional_fund": {"ov_share": 0.1}, "intermunicipal_tax": {"opcentiemen": 900}},
            "110%",
        ),
        (
            {"intermunicipal_tax": {"opcentiemen": 900}, "municipal_fund": {"clawback_share": 0.5}},
            "150%",
        ),
        (
            {
                "municipal_fund_clawback": {"clawback_rate": 0.3},
                "municipal_fund": {"clawback_share": 0.3},
                "sub_regional_fund": {"ov_share": 0.5},
            },
            "110%",
        ),
    ],
)
def test_new_ov_takers_count_towards_the_cap(spec, taken):
    with pytest.raises(InputError, match=f"take {taken} of each municipality's property tax"):
        build_mechanisms(spec)


def test_takers_within_the_cap_are_accepted():
    build_mechanisms(
        {"sub_regional_fund": {"ov_share": 0.8}, "municipal_fund_clawback": {"clawback_rate": 0.2}}
    )
    build_mechanisms(
        {"sub_regional_fund": {"ov_share": 0}, "intermunicipal_tax": {"opcentiemen": 1}}
    )
    assert {"municipal_fund_clawback", "intermunicipal_tax"} <= set(OV_TAKERS)


# --- parameters are checked ---------------------------------------------------------------------

NAN = float("nan")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"in_kind_contributions": {"land_eur": {"A": -1}}}, "0 or more EUR"),
        ({"in_kind_contributions": {"land_eur": {"A": NAN}}}, "0 or more EUR"),
        ({"in_kind_contributions": {"land_eur": {"A": True}}}, "0 or more EUR"),
        ({"in_kind_contributions": {"staff_eur_per_year": 30_000}}, "expected a table"),
        ({"in_kind_contributions": {}}, "no contribution"),
        ({"in_kind_contributions": {"land_eur": {"A": 1}, "staff_years": 0}}, "staff_years"),
        ({"in_kind_contributions": {"land_eur": {"A": 1}, "staff_years": 1.5}}, "staff_years"),
        ({"in_kind_contributions": {"land_eur": {"Z": 1}}}, r"\['Z'\], which are not partners"),
        ({"foregone_surcharge": {"compensated_share": 1.5}}, "between 0 and 1"),
        ({"foregone_surcharge": {"compensated_share": -0.1}}, "between 0 and 1"),
        ({"foregone_surcharge": {"compensated_share": NAN}}, "between 0 and 1"),
        ({"foregone_surcharge": {"share": 1}}, r"does not know \['share'\]"),
        ({"municipal_fund_clawback": {}}, r"needs \['clawback_rate'\]"),
        ({"municipal_fund_clawback": {"clawback_rate": 1.2}}, "between 0 and 1"),
        ({"planning_damage_fund": {}}, r"needs \['compensation_eur_per_ha'\]"),
        ({"planning_damage_fund": {"compensation_eur_per_ha": -5}}, "0 or more EUR"),
        ({"planning_damage_fund": {"compensation_eur_per_ha": math.inf}}, "0 or more EUR"),
        ({"planning_damage_fund": 5}, "expected a table"),
        ({"intermunicipal_tax": {}}, r"needs \['opcentiemen'\]"),
        ({"intermunicipal_tax": {"opcentiemen": -1}}, "0 or more opcentiemen"),
        ({"intermunicipal_tax": {"opcentiemen": NAN}}, "0 or more opcentiemen"),
        ({"intermunicipal_tax": {"opcentiemen": "1000"}}, "0 or more opcentiemen"),
        (
            {"sub_regional_fund": {}, "flemish_matching_fund": {"match_share": 1.5}},
            "between 0 and 1",
        ),
        ({"sub_regional_fund": {}, "flemish_matching_fund": {}}, r"needs \['match_share'\]"),
        ({"local_park_compensation": {"eur_per_year": {"Q": 5}}}, "which are not partners"),
    ],
)
def test_bad_parameters_are_refused_in_one_line(spec, message):
    with pytest.raises(InputError, match=message) as caught:
        build_mechanisms(spec, partners=NAMES)
    assert "\n" not in str(caught.value)
    assert "expected" in str(caught.value)


def test_unknown_partners_are_also_refused_when_the_entries_are_made():
    mechanism = build_mechanisms({"in_kind_contributions": {"staff_eur_per_year": {"Z": 1}}})[-1]
    with pytest.raises(InputError, match="which are not partners"):
        mechanism.entries(context())


# --- labels -------------------------------------------------------------------------------------

ALL_CLASSES = [CostAndRevenueSharing, OwnPropertyTax, *REGISTRY.values()]


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda cls: cls.name)
def test_every_mechanism_is_labelled_one_way_or_the_other(cls):
    expected = NEEDS_NEW_LEGISLATION if cls.needs_new_legislation else POSSIBLE_TODAY
    assert cls.label == expected
    assert cls.label_note and cls.description and cls.__doc__
    assert cls.description.startswith("WHAT-IF") == cls.needs_new_legislation


def test_to_dict_carries_the_label_and_the_description():
    spec = {
        "sub_regional_fund": {"ov_share": 0.5},
        "in_kind_contributions": {"land_eur": {"A": 1}},
        "foregone_surcharge": {},
        "municipal_fund_clawback": {"clawback_rate": 0.1},
        "planning_damage_fund": {"compensation_eur_per_ha": 1},
        "flemish_matching_fund": {"match_share": 0.1},
    }
    for m in build_mechanisms(spec):
        data = json.loads(json.dumps(m.to_dict()))
        assert data["label"] in (POSSIBLE_TODAY, NEEDS_NEW_LEGISLATION)
        assert data["needs_new_legislation"] is (data["label"] == NEEDS_NEW_LEGISLATION)
        assert data["description"] == m.description and "zero_sum" in data
    assert only({"intermunicipal_tax": {"opcentiemen": 1}}).to_dict()["parameters"] == {
        "opcentiemen": 1
    }


SHARE = st.floats(0, 1)
AMOUNT = st.floats(0, 1e6)
SPECS = st.one_of(
    st.builds(
        lambda land, staff, years: {
            "in_kind_contributions": {
                "land_eur": {"A": land},
                "staff_eur_per_year": {"C": staff + 1},
                "staff_years": years,
            }
        },
        AMOUNT,
        AMOUNT,
        st.one_of(st.none(), st.integers(1, 5)),
    ),
    st.builds(lambda s: {"foregone_surcharge": {"compensated_share": s}}, SHARE),
    st.builds(lambda s: {"municipal_fund_clawback": {"clawback_rate": s}}, SHARE),
    st.builds(lambda a: {"planning_damage_fund": {"compensation_eur_per_ha": a}}, AMOUNT),
    st.builds(lambda a: {"intermunicipal_tax": {"opcentiemen": a}}, st.floats(0, 3_000)),
    st.builds(
        lambda s, m: {
            "sub_regional_fund": {"ov_share": s},
            "flemish_matching_fund": {"match_share": m},
        },
        SHARE,
        SHARE,
    ),
    st.builds(lambda s: {"municipal_fund": {"clawback_share": s}}, SHARE),
    st.builds(lambda a: {"development_rights": {"price_eur_per_ha": a}}, AMOUNT),
    st.builds(lambda a: {"host_compensation": {"eur_per_ha_per_year": a}}, AMOUNT),
)


@settings(max_examples=60, deadline=None)
@given(spec=SPECS, opc=st.tuples(*[st.integers(0, 2_000)] * 3))
def test_what_ifs_say_so_in_every_entry_and_zero_sum_ones_sum_to_zero(spec, opc):
    ctx = context(municipal_opcentiemen=dict(zip(NAMES, opc, strict=True)))
    for m in build_mechanisms(spec, partners=NAMES)[2:]:
        entries = m.entries(ctx)
        for e in entries:
            if m.needs_new_legislation:
                assert e.item.startswith("WHAT-IF") and e.explanation.startswith("WHAT-IF")
            else:
                assert "WHAT-IF" not in e.item + e.explanation
            assert e.paid_cents >= 0 and e.received_cents >= 0
        if m.zero_sum:
            assert net_by_year(entries) == dict.fromkeys(YEARS, 0)
        # money from or to outside is paid directly, never settled between the partners
        assert all(e.outside is not m.zero_sum for e in entries)
