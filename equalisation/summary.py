"""The equalisation of a site as it crosses to the map, the dossier and the files.

:func:`summarise` turns an :class:`~equalisation.pooled_park.EqualisationResult` into an
:class:`EqualisationSummary`: frozen values in exact cents, with nothing left to dig out of a
dictionary. ``equalisation.json`` carries it under ``"summary"`` (``to_dict``, versioned) and
every reader gets it back through :meth:`EqualisationSummary.from_dict`.

The reconciliation explains the two money figures a conference sees: the site's development
NPV and the partners' net present values (the same under every key)::

    Σ partners' net PV = site NPV + PV of the municipal property tax + money from or to
                         outside the partners (mechanisms) + rounding
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from equalisation.coalitions import Game
from equalisation.errors import InputError
from equalisation.fairness import AloneVersusTogether, Blocking
from equalisation.money import to_cents
from equalisation.pooled_park import EqualisationResult

SUMMARY_FORMAT = "parkplan-equalisation-summary"
SUMMARY_VERSION = 1


@dataclass(frozen=True)
class PartnerFlows:
    """What one partner pays and receives under one key, per year, and the present values."""

    partner: str
    paid_cents: tuple[int, ...]
    received_cents: tuple[int, ...]
    net_pv_cents: int
    balance_pv_cents: int

    @property
    def net_cents(self) -> tuple[int, ...]:
        return tuple(r - p for p, r in zip(self.paid_cents, self.received_cents, strict=True))


@dataclass(frozen=True)
class Payment:
    """``payer`` pays ``payee`` ``amount_cents`` to settle a key's balances."""

    payer: str
    payee: str
    amount_cents: int


@dataclass(frozen=True)
class KeySummary:
    """One sharing key: how it shares costs and revenues, and every partner's flows."""

    name: str
    costs_kind: str
    revenues_kind: str
    description: str
    partners: tuple[PartnerFlows, ...]
    transfers: tuple[Payment, ...]

    def flows(self, partner: str) -> PartnerFlows:
        for flows in self.partners:
            if flows.partner == partner:
                return flows
        raise InputError(f"partner {partner!r} is not in key {self.name!r}")


@dataclass(frozen=True)
class Reconciliation:
    """From the site's NPV to the partners' total, in cents (see the module docstring)."""

    site_npv_cents: int
    municipal_tax_pv_cents: int
    outside_pv_cents: int
    rounding_cents: int
    partners_total_pv_cents: int


@dataclass(frozen=True)
class MechanismSummary:
    name: str
    description: str
    needs_new_legislation: bool


@dataclass(frozen=True)
class EqualisationSummary:
    """Everything the map and the dossier show of a site's equalisation."""

    site_id: str
    host: str
    partners: tuple[str, ...]
    years: tuple[int, ...]
    gross_area_ha: float
    net_area_ha: float
    npv_cents: int
    payback_year: int | None
    discount_rate_per_year: float
    cash_flow_cents: Mapping[str, tuple[int, ...]]
    municipal_tax_cents: Mapping[str, tuple[int, ...]]
    keys: tuple[KeySummary, ...]
    mechanisms: tuple[MechanismSummary, ...]
    game_rule: str
    stand_alone_cents: Mapping[str, int]
    allocations_cents: Mapping[str, Mapping[str, int]]
    fairness: tuple[AloneVersusTogether, ...]
    reconciliation: Reconciliation

    def key(self, name: str) -> KeySummary:
        for key in self.keys:
            if key.name == name:
                return key
        raise InputError(f"no key {name!r}; the keys are {[k.name for k in self.keys]}")

    def fairness_of(self, allocation: str) -> AloneVersusTogether | None:
        """The alone-versus-together check of ``allocation`` (``"shapley"``, ``"key:NAME"``)."""
        return next((f for f in self.fairness if f.allocation == allocation), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the format and version that :meth:`from_dict` checks."""
        data = asdict(self)
        data["fairness"] = [f.to_dict() for f in self.fairness]
        return {"format": SUMMARY_FORMAT, "version": SUMMARY_VERSION, **data}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EqualisationSummary:
        """The summary written by :meth:`to_dict` (an other format or version is refused)."""
        if data.get("format") != SUMMARY_FORMAT or data.get("version") != SUMMARY_VERSION:
            raise InputError(
                f"the equalisation summary is {data.get('format')!r} version "
                f"{data.get('version')!r}; expected {SUMMARY_FORMAT!r} version "
                f"{SUMMARY_VERSION}: run the study again"
            )
        return cls(
            site_id=data["site_id"],
            host=data["host"],
            partners=tuple(data["partners"]),
            years=tuple(data["years"]),
            gross_area_ha=data["gross_area_ha"],
            net_area_ha=data["net_area_ha"],
            npv_cents=data["npv_cents"],
            payback_year=data["payback_year"],
            discount_rate_per_year=data["discount_rate_per_year"],
            cash_flow_cents={k: tuple(v) for k, v in data["cash_flow_cents"].items()},
            municipal_tax_cents={k: tuple(v) for k, v in data["municipal_tax_cents"].items()},
            keys=tuple(_key(k) for k in data["keys"]),
            mechanisms=tuple(MechanismSummary(**m) for m in data["mechanisms"]),
            game_rule=data["game_rule"],
            stand_alone_cents=dict(data["stand_alone_cents"]),
            allocations_cents={k: dict(v) for k, v in data["allocations_cents"].items()},
            fairness=tuple(_fairness(f) for f in data["fairness"]),
            reconciliation=Reconciliation(**data["reconciliation"]),
        )


def _key(data: Mapping[str, Any]) -> KeySummary:
    return KeySummary(
        name=data["name"],
        costs_kind=data["costs_kind"],
        revenues_kind=data["revenues_kind"],
        description=data["description"],
        partners=tuple(
            PartnerFlows(
                partner=p["partner"],
                paid_cents=tuple(p["paid_cents"]),
                received_cents=tuple(p["received_cents"]),
                net_pv_cents=p["net_pv_cents"],
                balance_pv_cents=p["balance_pv_cents"],
            )
            for p in data["partners"]
        ),
        transfers=tuple(Payment(**t) for t in data["transfers"]),
    )


def _fairness(data: Mapping[str, Any]) -> AloneVersusTogether:
    names = {f.name for f in fields(AloneVersusTogether)}
    values = {k: v for k, v in data.items() if k in names}
    values["blocking"] = tuple(
        Blocking(tuple(b["coalition"]), b["saving_eur"]) for b in data["blocking"]
    )
    return AloneVersusTogether(**values)


def summarise(result: EqualisationResult, *, site_id: str) -> EqualisationSummary:
    """The summary of ``result``, the equalisation of site ``site_id``."""
    finance = result.finance
    names = tuple(p.name for p in result.partners)
    rate = finance.assumptions.discount_rate_per_year
    tax = {m: tuple(to_cents(v) for v in result.property_tax.municipal_eur(m)) for m in names}
    keys = tuple(_key_summary(result, pair.name) for pair in result.keys)
    games = result.games
    return EqualisationSummary(
        site_id=str(site_id),
        host=result.host,
        partners=names,
        years=finance.years,
        gross_area_ha=finance.gross_area_ha,
        net_area_ha=finance.net_area_ha,
        npv_cents=to_cents(finance.npv_eur),
        payback_year=finance.payback_year,
        discount_rate_per_year=rate,
        cash_flow_cents={
            line.name: tuple(to_cents(v) for v in line.values_eur) for line in finance.lines
        },
        municipal_tax_cents=tax,
        keys=keys,
        mechanisms=tuple(
            MechanismSummary(m.name, m.description, m.needs_new_legislation)
            for m in result.mechanisms
        ),
        game_rule="" if games is None else games.site_game.rule,
        stand_alone_cents={}
        if games is None
        else {
            p: to_cents(v)
            for p, v in zip(
                games.site_game.game.players, games.site_game.game.stand_alone, strict=True
            )
        },
        allocations_cents={}
        if games is None
        else {
            method: {p: to_cents(v) for p, v in allocation.allocation.items()}
            for method, allocation in games.allocations.items()
        },
        fairness=result.alone_versus_together(),
        reconciliation=_reconciliation(result, keys, tax, rate),
    )


def _stand_alone_cents(game: Game) -> dict[str, int]:
    return {p: to_cents(v) for p, v in zip(game.players, game.stand_alone, strict=True)}


def _key_summary(result: EqualisationResult, name: str) -> KeySummary:
    ledger = result.ledger(name)
    pair = next(p for p in result.keys if p.name == name)
    table = ledger.by_partner_year()
    pv, balance = ledger.present_values_cents(), ledger.balances_cents()
    return KeySummary(
        name=name,
        costs_kind=pair.costs.kind,
        revenues_kind=pair.revenues.kind,
        description=pair.costs.describe(),
        partners=tuple(
            PartnerFlows(
                partner=p,
                paid_cents=tuple(table[p, y][0] for y in ledger.years),
                received_cents=tuple(table[p, y][1] for y in ledger.years),
                net_pv_cents=pv[p],
                balance_pv_cents=balance[p],
            )
            for p in ledger.partners
        ),
        transfers=tuple(Payment(t.payer, t.payee, t.amount_cents) for t in ledger.transfers()),
    )


def _reconciliation(
    result: EqualisationResult,
    keys: tuple[KeySummary, ...],
    tax: Mapping[str, tuple[int, ...]],
    rate: float,
) -> Reconciliation:
    """Site NPV + PV of the municipal tax + outside money + rounding = the partners' total."""
    total = sum(f.net_pv_cents for f in keys[0].partners) if keys else 0
    site = to_cents(result.finance.npv_eur)
    discount = [(1 + rate) ** -t for t in range(len(result.finance.years))]
    tax_pv = round(
        sum(c * d for cents in tax.values() for c, d in zip(cents, discount, strict=True))
    )
    outside = _outside_pv_cents(result, discount)
    return Reconciliation(
        site_npv_cents=site,
        municipal_tax_pv_cents=tax_pv,
        outside_pv_cents=outside,
        rounding_cents=total - site - tax_pv - outside,
        partners_total_pv_cents=total,
    )


def _outside_pv_cents(result: EqualisationResult, discount: list[float]) -> int:
    """PV of the money the mechanisms bring in from outside the partners or send out (their
    entries marked ``outside``)."""
    if not result.ledgers:
        return 0
    ledger = result.ledgers[0]
    years = {y: i for i, y in enumerate(ledger.years)}
    return round(sum(e.net_cents * discount[years[e.year]] for e in ledger.entries if e.outside))
