"""The ledger: per partner and per year, what it pays and receives, in exact cents.

Every amount enters as a total in cents split by a key (:func:`split`), so the entries of one
item always add up to the item's total exactly (largest remainder, :mod:`equalisation.money`).
Each entry keeps its explanation (formula and inputs).

Settlement compares each partner's present value with the **status quo**, in which every flow
lands where the land lies (site costs and income by land share, each municipality keeps its own
property tax). Money from or to **outside** the partnership that some mechanisms bring in or send
out (Flanders, the municipal fund, owners of land, the firms under a common surcharge) is marked
``outside`` on its entries: it is paid or received directly by the partner the entry names, so it
is left out of the settlement. The balance ``PV(net of the entries not outside) − PV(status quo
net)`` sums to zero over the partners; :func:`settle` turns the balances into at most ``n − 1``
transfers (largest debtor pays largest creditor, repeatedly).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from equalisation.errors import InputError
from equalisation.money import allocate_cents, round_to_total, to_eur


@dataclass(frozen=True)
class Entry:
    """One partner's part of one item in one year (cents; ``paid`` and ``received`` ≥ 0).

    ``outside``: the money comes from or goes to outside the partnership, directly (not settled
    between the partners).
    """

    partner: str
    year: int
    item: str
    paid_cents: int
    received_cents: int
    explanation: str
    outside: bool = False

    @property
    def net_cents(self) -> int:
        return self.received_cents - self.paid_cents


@dataclass(frozen=True)
class Transfer:
    """``payer`` pays ``payee`` ``amount_cents``."""

    payer: str
    payee: str
    amount_cents: int

    def to_dict(self) -> dict:
        return {
            "from": self.payer,
            "to": self.payee,
            "amount_eur": float(to_eur(self.amount_cents)),
        }


def split(
    total_cents: int,
    shares: Mapping[str, float],
    *,
    year: int,
    item: str,
    side: Literal["paid", "received"],
    explain: Mapping[str, str],
    outside: bool = False,
) -> list[Entry]:
    """Entries of ``total_cents`` split exactly by ``shares``, on the ``paid`` or ``received`` side.

    A negative total flips the side (a negative cost is an income).
    """
    if total_cents == 0:
        return []
    parts = allocate_cents(abs(total_cents), shares)
    if total_cents < 0:
        side = "received" if side == "paid" else "paid"
    label = f"{item} {to_eur(abs(total_cents)):,} EUR"
    return [
        Entry(
            partner=name,
            year=year,
            item=item,
            paid_cents=cents if side == "paid" else 0,
            received_cents=cents if side == "received" else 0,
            explanation=f"{label} × {explain[name]}",
            outside=outside,
        )
        for name, cents in parts.items()
        if cents
    ]


def direct(
    partner: str,
    cents: int,
    *,
    year: int,
    item: str,
    side: str,
    explanation: str,
    outside: bool = False,
) -> Entry:
    """One entry that needs no split."""
    return Entry(
        partner=partner,
        year=year,
        item=item,
        paid_cents=cents if side == "paid" else 0,
        received_cents=cents if side == "received" else 0,
        explanation=explanation,
        outside=outside,
    )


@dataclass(frozen=True)
class Ledger:
    """Entries of one sharing key over the years, with present values and settlement."""

    name: str
    partners: tuple[str, ...]
    years: tuple[int, ...]
    discount_rate_per_year: float
    entries: tuple[Entry, ...]
    status_quo: tuple[Entry, ...]

    def by_partner_year(self, entries: Iterable[Entry] | None = None) -> dict:
        """``{(partner, year): (paid_cents, received_cents)}`` over every partner and year."""
        paid: dict = defaultdict(int)
        received: dict = defaultdict(int)
        for e in self.entries if entries is None else entries:
            paid[e.partner, e.year] += e.paid_cents
            received[e.partner, e.year] += e.received_cents
        return {(p, y): (paid[p, y], received[p, y]) for p in self.partners for y in self.years}

    def present_values_cents(self, entries: Sequence[Entry] | None = None) -> dict[str, int]:
        """PV of each partner's net, ``Σ_t net_t / (1 + r)^t``, summing to the rounded total."""
        entries = self.entries if entries is None else entries
        factor = {y: (1 + self.discount_rate_per_year) ** -(y - self.years[0]) for y in self.years}
        exact: dict[str, float] = dict.fromkeys(self.partners, 0.0)
        year_totals: dict[int, int] = defaultdict(int)
        for e in entries:
            exact[e.partner] += e.net_cents * factor[e.year]
            year_totals[e.year] += e.net_cents
        total = round(sum(cents * factor[y] for y, cents in year_totals.items()))
        return round_to_total(exact, total)

    def balances_cents(self) -> dict[str, int]:
        """``PV(net) − PV(status quo net)`` per partner: > 0 means the partner is owed money.

        Entries marked ``outside`` are left out: that money is paid or received directly.
        """
        pv = self.present_values_cents([e for e in self.entries if not e.outside])
        status_quo = self.present_values_cents(self.status_quo)
        return {p: pv[p] - status_quo[p] for p in self.partners}

    def transfers(self) -> tuple[Transfer, ...]:
        """Transfers that settle the balances (see :func:`settle`)."""
        return settle(self.balances_cents())

    def rows(self) -> list[dict]:
        """One row per partner and year: paid, received, net (exact euros) and explanation."""
        explanations: dict = defaultdict(list)
        for e in self.entries:
            explanations[e.partner, e.year].append(e.explanation)
        rows = []
        for (partner, year), (paid, received) in self.by_partner_year().items():
            rows.append(
                {
                    "key": self.name,
                    "partner": partner,
                    "year": year,
                    "paid_eur": to_eur(paid),
                    "received_eur": to_eur(received),
                    "net_eur": to_eur(received - paid),
                    "explanation": "; ".join(explanations[partner, year]),
                }
            )
        return rows

    def to_dict(self) -> dict:
        """JSON-ready: per partner the yearly paid/received/net, PV, balance; the transfers."""
        table = self.by_partner_year()
        pv, balance = self.present_values_cents(), self.balances_cents()
        return {
            "years": list(self.years),
            "partners": {
                p: {
                    "paid_eur": [_eur(table[p, y][0]) for y in self.years],
                    "received_eur": [_eur(table[p, y][1]) for y in self.years],
                    "net_eur": [_eur(table[p, y][1] - table[p, y][0]) for y in self.years],
                    "pv_net_eur": _eur(pv[p]),
                    "balance_pv_eur": _eur(balance[p]),
                }
                for p in self.partners
            },
            "transfers": [t.to_dict() for t in self.transfers()],
            "settlement_rule": (
                "balance = PV(net) − PV(status quo net), where in the status quo every flow "
                "lands where the land lies and money from or to outside the partners (marked "
                "outside) is left out, as it is paid directly; transfers settle the balances"
            ),
        }


def settle(balances_cents: Mapping[str, int]) -> tuple[Transfer, ...]:
    """At most ``n − 1`` transfers that bring every balance to zero.

    Repeatedly the partner owing most (most negative balance) pays the partner owed most the
    smaller of the two amounts; each transfer settles at least one of them (ties by name).

    >>> [(t.payer, t.payee, t.amount_cents) for t in settle({"A": 300, "B": -200, "C": -100})]
    [('B', 'A', 200), ('C', 'A', 100)]
    """
    if sum(balances_cents.values()) != 0:
        raise InputError(
            f"balances sum to {sum(balances_cents.values())} cents, not 0; transfers can only "
            "settle balances that sum to 0"
        )
    left = {name: int(cents) for name, cents in balances_cents.items() if cents}
    transfers = []
    while left:
        payer = min(left, key=lambda name: (left[name], name))
        payee = min(left, key=lambda name: (-left[name], name))
        amount = min(-left[payer], left[payee])
        transfers.append(Transfer(payer, payee, amount))
        for name, change in ((payer, amount), (payee, -amount)):
            left[name] += change
            if left[name] == 0:
                del left[name]
    return tuple(transfers)


def _eur(cents: int) -> float:
    return float(to_eur(cents))
