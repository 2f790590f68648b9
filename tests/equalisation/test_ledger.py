"""The ledger in exact cents: the crisis-housing table, present values and settlement."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from equalisation.errors import InputError
from equalisation.keys import Partner, build_key
from equalisation.ledger import Ledger, direct, settle, split
from equalisation.money import to_cents

FTE_EUR = 84_500
INCOME_PER_DWELLING_EUR = 5_508
DWELLINGS = {
    "City": 4,
    "Municipality 1": 1,
    "Municipality 2": 1,
    "Municipality 3": 1,
    "Welfare centre": 1,
}
#: The published table: coordination share, housing support, costs total, income (EUR).
PUBLISHED = {
    "City": (8_450, 33_800, 42_250, 22_032),
    "Municipality 1": (2_112, 8_450, 10_562, 5_508),
    "Municipality 2": (2_112, 8_450, 10_562, 5_508),
    "Municipality 3": (2_112, 8_450, 10_562, 5_508),
    "Welfare centre": (2_112, 8_450, 10_562, 5_508),
}


def crisis_housing_ledger() -> Ledger:
    partners = [Partner(name, population=dwellings) for name, dwellings in DWELLINGS.items()]
    key = build_key({"kind": "population"}, partners)  # population = dwellings brought
    coordination = split(
        to_cents(0.2 * FTE_EUR),
        key.shares,
        year=2024,
        item="coordination",
        side="paid",
        explain=key.explanations,
    )
    support = [
        direct(
            name,
            to_cents(0.1 * FTE_EUR * n),
            year=2024,
            item="housing support",
            side="paid",
            explanation=f"0.1 FTE × {FTE_EUR} EUR × {n} dwellings",
        )
        for name, n in DWELLINGS.items()
    ]
    income = [
        direct(
            name,
            to_cents(INCOME_PER_DWELLING_EUR * n),
            year=2024,
            item="income",
            side="received",
            explanation=f"{INCOME_PER_DWELLING_EUR} EUR × {n} dwellings",
        )
        for name, n in DWELLINGS.items()
    ]
    return Ledger(
        name="dwellings",
        partners=tuple(DWELLINGS),
        years=(2024,),
        discount_rate_per_year=0.0,
        entries=tuple(coordination + support + income),
        status_quo=(),
    )


def test_crisis_housing_table_is_reproduced_in_exact_cents():
    ledger = crisis_housing_ledger()
    coordination = {e.partner: e.paid_cents for e in ledger.entries if e.item == "coordination"}
    assert sum(coordination.values()) == 1_690_000  # the pooled 16,900.00 EUR, to the cent
    assert coordination["City"] == 845_000 and coordination["Municipality 1"] == 211_250
    totals = ledger.by_partner_year()
    for name, (share, support, costs, income) in PUBLISHED.items():
        paid, received = totals[name, 2024]
        assert coordination[name] // 100 == share  # the table truncates 2,112.50 to 2,112
        assert (paid - coordination[name]) == support * 100
        assert paid // 100 == costs
        assert received == income * 100
    row = next(r for r in ledger.rows() if r["partner"] == "Municipality 2")
    assert str(row["paid_eur"]) == "10562.50"
    assert "coordination" in row["explanation"] and "housing support" not in row["explanation"]


def test_an_odd_total_still_sums_exactly():
    key = {"a": 1, "b": 1, "c": 1}
    entries = split(
        1_000_001, key, year=2030, item="x", side="paid", explain={k: "equal" for k in key}
    )
    assert sum(e.paid_cents for e in entries) == 1_000_001
    assert sorted(e.paid_cents for e in entries) == [333_333, 333_334, 333_334]


def test_a_zero_share_gives_nothing():
    entries = split(
        50_000,
        {"a": 0.0, "b": 1.0},
        year=2030,
        item="x",
        side="received",
        explain={"a": "0 %", "b": "100 %"},
    )
    assert [(e.partner, e.received_cents) for e in entries] == [("b", 50_000)]


def test_negative_totals_change_side():
    (entry,) = split(-500, {"a": 1.0}, year=2030, item="cost", side="paid", explain={"a": "all"})
    assert (entry.paid_cents, entry.received_cents) == (0, 500)


def test_present_values_and_balances_sum_exactly():
    years = (2026, 2027, 2028)
    entries = [
        direct(p, c, year=y, item="x", side=s, explanation="")
        for p, c, y, s in [
            ("A", 10_001, 2026, "paid"),
            ("B", 20_003, 2027, "received"),
            ("C", 7, 2028, "received"),
        ]
    ]
    status_quo = [
        direct("A", 10_001, year=2026, item="x", side="paid", explanation=""),
        direct("A", 20_003, year=2027, item="x", side="received", explanation=""),
        direct("A", 7, year=2028, item="x", side="received", explanation=""),
    ]
    ledger = Ledger("k", ("A", "B", "C"), years, 0.03, tuple(entries), tuple(status_quo))
    pv = ledger.present_values_cents()
    assert pv["B"] == round(20_003 / 1.03)
    assert sum(pv.values()) == round(-10_001 + 20_003 / 1.03 + 7 / 1.03**2)
    balances = ledger.balances_cents()
    assert sum(balances.values()) == 0
    assert balances == {"A": -19_427, "B": 19_420, "C": 7}
    assert [(t.payer, t.payee, t.amount_cents) for t in ledger.transfers()] == [
        ("A", "B", 19_420),
        ("A", "C", 7),
    ]


@given(st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=25))
def test_transfers_settle_every_balance_with_at_most_n_minus_1(amounts):
    balances = {f"P{i}": a for i, a in enumerate(amounts)}
    balances["P0"] -= sum(amounts)
    transfers = settle(balances)
    assert len(transfers) <= max(len(balances) - 1, 0)
    left = dict(balances)
    for t in transfers:
        assert t.amount_cents > 0
        left[t.payer] += t.amount_cents
        left[t.payee] -= t.amount_cents
    assert all(v == 0 for v in left.values())


def test_settle_refuses_unbalanced_balances():
    with pytest.raises(InputError, match="sum to 5"):
        settle({"A": 5})
