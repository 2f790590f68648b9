"""Exact money: euros to cents and back, and largest-remainder allocation.

Amounts that reach the ledger are whole cents (``int``). Every split of a total into parts uses the
largest-remainder method, so the parts always add up to the total exactly:

1. each part gets the integer floor of its exact quota ``total × share / Σ shares``;
2. the cents left over go, one each, to the parts with the largest fractional remainders;
3. equal remainders are broken by name (alphabetical), so the result is deterministic.

Quotas are computed with :class:`fractions.Fraction`, so a float share is used at its exact binary
value and no rounding happens before step 2.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from equalisation.errors import InputError

CENT = Decimal("0.01")

Number = int | float | Fraction | Decimal


def to_cents(amount_eur: Number) -> int:
    """Euros rounded half-up to whole cents.

    >>> to_cents(2112.505), to_cents(-0.005)
    (211251, -1)
    """
    if isinstance(amount_eur, float) and not math.isfinite(amount_eur):
        raise InputError(f"amount {amount_eur} EUR is not a finite number; give a real amount")
    exact = amount_eur if isinstance(amount_eur, Decimal) else _decimal(amount_eur)
    return int((exact * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_eur(cents: int) -> Decimal:
    """Whole cents as an exact euro amount with two decimals.

    >>> to_eur(211250)
    Decimal('2112.50')
    """
    return (Decimal(int(cents)) / 100).quantize(CENT)


def round_to_total(amounts: Mapping[str, Number], total_cents: int) -> dict[str, int]:
    """Round exact amounts in cents to integers that sum to ``total_cents`` (largest remainder).

    ``total_cents`` should be the rounded sum of ``amounts``; every part then moves by less than
    one cent. Signed amounts are fine.

    >>> round_to_total({"a": Fraction(1, 3), "b": Fraction(1, 3), "c": Fraction(1, 3)}, 1)
    {'a': 1, 'b': 0, 'c': 0}
    """
    exact = {name: Fraction(value) for name, value in amounts.items()}
    floors = {name: math.floor(value) for name, value in exact.items()}
    left = int(total_cents) - sum(floors.values())
    if not 0 <= left <= len(exact):
        raise InputError(
            f"cannot round amounts summing to {float(sum(exact.values())):.2f} cents to a total "
            f"of {total_cents} cents; give the rounded sum as the total"
        )
    order = sorted(exact, key=lambda name: (-(exact[name] - floors[name]), name))
    for name in order[:left]:
        floors[name] += 1
    return floors


def allocate_cents(total_cents: int, shares: Mapping[str, Number]) -> dict[str, int]:
    """Split ``total_cents`` in proportion to ``shares``; the parts sum exactly to the total.

    Parameters
    ----------
    total_cents
        The amount to split, in cents (may be negative).
    shares
        Non-negative weights by name; they need not sum to 1 (they are normalised).

    Returns
    -------
    dict
        Cents by name, in the order of ``shares``: ``floor(quota)`` plus one cent for the largest
        remainders, ties broken by name.

    Examples
    --------
    >>> allocate_cents(1_690_000, {"City": 4, "M1": 1, "M2": 1, "M3": 1, "Welfare": 1})
    {'City': 845000, 'M1': 211250, 'M2': 211250, 'M3': 211250, 'Welfare': 211250}
    >>> allocate_cents(100, {"a": 1, "b": 1, "c": 1})
    {'a': 34, 'b': 33, 'c': 33}
    """
    weights = {name: Fraction(value) for name, value in shares.items()}
    negative = sorted(name for name, weight in weights.items() if weight < 0)
    if negative:
        raise InputError(
            f"shares of {negative} are negative; give shares of 0 or more to split an amount"
        )
    weight_sum = sum(weights.values(), Fraction(0))
    if weight_sum == 0:
        if total_cents == 0:
            return dict.fromkeys(weights, 0)
        raise InputError(
            f"cannot split {total_cents} cents over shares that are all 0 ({sorted(weights)}); "
            "give at least one positive share"
        )
    quotas = {name: total_cents * weight / weight_sum for name, weight in weights.items()}
    rounded = round_to_total(quotas, total_cents)
    return {name: rounded[name] for name in weights}


def _decimal(value: Number) -> Decimal:
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(str(value))
