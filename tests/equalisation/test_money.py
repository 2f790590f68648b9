"""Exact cents: largest-remainder allocation sums to the total, deterministically."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from equalisation.errors import InputError
from equalisation.money import allocate_cents, round_to_total, to_cents, to_eur

names = st.text(alphabet="ABCDEFGH", min_size=1, max_size=3)
shares = st.dictionaries(names, st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=12)


@given(total=st.integers(-(10**12), 10**12), weights=shares)
def test_allocation_sums_exactly_and_stays_within_a_cent(total, weights):
    if sum(weights.values()) == 0:
        weights = dict.fromkeys(weights, 1.0)
    parts = allocate_cents(total, weights)
    assert sum(parts.values()) == total
    weight_sum = sum(Fraction(w) for w in weights.values())
    for name, cents in parts.items():
        quota = total * Fraction(weights[name]) / weight_sum
        assert abs(cents - quota) < 1


def test_remainder_goes_to_largest_fractions_then_by_name():
    assert allocate_cents(100, {"c": 1, "b": 1, "a": 1}) == {"c": 33, "b": 33, "a": 34}
    assert allocate_cents(101, {"x": 1, "y": 1, "z": 1}) == {"x": 34, "y": 34, "z": 33}
    # 7 × 0.3 = 2.1, 7 × 0.7 = 4.9: the larger remainder wins, not the earlier name
    assert allocate_cents(7, {"a": 0.3, "b": 0.7}) == {"a": 2, "b": 5}


def test_negative_totals_and_zero_shares():
    assert allocate_cents(-100, {"a": 1, "b": 1, "c": 1}) == {"a": -33, "b": -33, "c": -34}
    assert allocate_cents(500, {"a": 1, "b": 0}) == {"a": 500, "b": 0}
    assert allocate_cents(0, {"a": 0, "b": 0}) == {"a": 0, "b": 0}


def test_refuses_negative_or_all_zero_shares():
    with pytest.raises(InputError, match="negative"):
        allocate_cents(100, {"a": 1, "b": -1})
    with pytest.raises(InputError, match="all 0"):
        allocate_cents(100, {"a": 0})


def test_round_to_total_keeps_the_total():
    parts = round_to_total({"a": 10.4, "b": 10.4, "c": -5.3}, 16)
    assert parts == {"a": 11, "b": 10, "c": -5}


def test_euro_conversions_round_half_up():
    assert to_cents(2112.505) == 211251
    assert to_cents(Decimal("-0.005")) == -1
    assert to_cents(0.1 + 0.2) == 30
    assert to_eur(211250) == Decimal("2112.50")
    with pytest.raises(InputError):
        to_cents(float("nan"))
