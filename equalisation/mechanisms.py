"""Equalisation mechanisms: each turns the park's yearly figures into ledger entries.

Available today (voluntary agreements between municipalities):

- :class:`CostAndRevenueSharing` — the site's costs by the cost key, its income (plot sales,
  subsidies) by the revenue key; always on;
- :class:`OwnPropertyTax` — each municipality collects the OV surcharge on the park's part on its
  territory; always on (it is what lands in its budget);
- :class:`SubRegionalFund` — the municipalities pay a share of that OV into a fund that pays out
  by the revenue key;
- :class:`HostCompensation` — EUR per hectare of the site per year to each host, paid by the
  cost key;
- :class:`LocalParkCompensation` — EUR per year to partners that give up a local park of their
  own, paid by the cost key.

What-ifs that would **need new legislation** (``needs_new_legislation = True``):
:class:`MunicipalFundRedistribution`, :class:`TradableDevelopmentRights`,
:class:`PlanningBenefitFund`. Every mechanism is zero-sum between the partners except the first two,
which bring the park's own money in.

Spec (``study.toml`` ``[mechanisms]``), all optional; without one the OV is fully pooled::

    {"sub_regional_fund": {"ov_share": 1.0},
     "host_compensation": {"eur_per_ha_per_year": 500},
     "local_park_compensation": {"eur_per_year": {"B": 10000}},
     "municipal_fund": {"clawback_share": 0.3},
     "development_rights": {"price_eur_per_ha": 20000},
     "planning_benefit_fund": {"levy_share": 0.3}}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from equalisation.errors import InputError
from equalisation.finance import M2_PER_HA, SiteFinance
from equalisation.keys import Key
from equalisation.ledger import Entry, direct, split
from equalisation.money import round_to_total, to_cents, to_eur

DEFAULT_SPEC: Mapping[str, Mapping] = {"sub_regional_fund": {"ov_share": 1.0}}


@dataclass(frozen=True)
class Context:
    """What the mechanisms need: partners, keys, and the park's yearly figures in cents."""

    partners: tuple[str, ...]
    years: tuple[int, ...]
    land_ha: Mapping[str, float]
    costs_key: Key
    revenues_key: Key
    site_costs_cents: tuple[int, ...]
    site_income_cents: tuple[int, ...]
    municipal_ov_cents: Mapping[str, tuple[int, ...]]
    finance: SiteFinance

    @property
    def index(self) -> tuple[float, ...]:
        growth = 1 + self.finance.assumptions.indexation_per_year
        return tuple(growth**t for t in range(len(self.years)))


class Mechanism:
    """Base: a named mechanism that yields ledger entries."""

    name: ClassVar[str]
    needs_new_legislation: ClassVar[bool] = False
    description: ClassVar[str]

    def entries(self, ctx: Context) -> list[Entry]:
        raise NotImplementedError

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "needs_new_legislation": self.needs_new_legislation,
            "description": self.description,
            "parameters": dict(vars(self)),
        }


@dataclass(frozen=True)
class CostAndRevenueSharing(Mechanism):
    name: ClassVar[str] = "cost_and_revenue_sharing"
    description: ClassVar[str] = "site costs by the cost key, site income by the revenue key"

    def entries(self, ctx: Context) -> list[Entry]:
        out: list[Entry] = []
        for t, year in enumerate(ctx.years):
            out += split(
                ctx.site_costs_cents[t],
                ctx.costs_key.shares,
                year=year,
                item=f"site costs {year}",
                side="paid",
                explain=_key_words("costs", ctx.costs_key),
            )
            out += split(
                ctx.site_income_cents[t],
                ctx.revenues_key.shares,
                year=year,
                item=f"site income {year}",
                side="received",
                explain=_key_words("revenues", ctx.revenues_key),
            )
        return out


@dataclass(frozen=True)
class OwnPropertyTax(Mechanism):
    name: ClassVar[str] = "own_property_tax"
    description: ClassVar[str] = "each municipality collects the OV surcharge on its part"

    def entries(self, ctx: Context) -> list[Entry]:
        return [
            direct(
                p,
                cents,
                year=year,
                item="own OV",
                side="received",
                explanation=f"own OV surcharge {year}: {to_eur(cents):,} EUR",
            )
            for p, yearly in ctx.municipal_ov_cents.items()
            for year, cents in zip(ctx.years, yearly, strict=True)
            if cents
        ]


@dataclass(frozen=True)
class SubRegionalFund(Mechanism):
    ov_share: float = 1.0
    name: ClassVar[str] = "sub_regional_fund"
    description: ClassVar[str] = "a share of each OV surcharge goes into a fund paid out by key"

    def __post_init__(self) -> None:
        _check_share("sub_regional_fund.ov_share", self.ov_share)

    def entries(self, ctx: Context) -> list[Entry]:
        out: list[Entry] = []
        for t, year in enumerate(ctx.years):
            levies = {
                p: (to_cents(to_eur(yearly[t]) * _decimal(self.ov_share)), to_eur(yearly[t]))
                for p, yearly in ctx.municipal_ov_cents.items()
            }
            out += _pooled(
                ctx,
                year,
                {p: cents for p, (cents, _) in levies.items()},
                paid_item="fund contribution",
                paid_explanation={
                    p: f"fund: {self.ov_share:.0%} of own OV {own:,} EUR"
                    for p, (_, own) in levies.items()
                },
                payout_item=f"fund payout {year}",
            )
        return out


@dataclass(frozen=True)
class HostCompensation(Mechanism):
    eur_per_ha_per_year: float = 0.0
    name: ClassVar[str] = "host_compensation"
    description: ClassVar[str] = "EUR per ha of site per year to each host, paid by the cost key"

    def __post_init__(self) -> None:
        _check_amount("host_compensation.eur_per_ha_per_year", self.eur_per_ha_per_year)

    def entries(self, ctx: Context) -> list[Entry]:
        amounts = {p: self.eur_per_ha_per_year * ha for p, ha in ctx.land_ha.items() if ha > 0}
        return _compensate(
            ctx,
            amounts,
            item="host compensation",
            basis=f"{self.eur_per_ha_per_year:,} EUR/ha/year × site ha",
        )


@dataclass(frozen=True)
class LocalParkCompensation(Mechanism):
    eur_per_year: Mapping[str, float]
    name: ClassVar[str] = "local_park_compensation"
    description: ClassVar[str] = "EUR per year to partners giving up a local park, by cost key"

    def __post_init__(self) -> None:
        if not isinstance(self.eur_per_year, Mapping) or not self.eur_per_year:
            raise InputError(
                "local_park_compensation needs eur_per_year = {partner = amount}; give one amount "
                "per partner giving up its own park"
            )
        for p, amount in self.eur_per_year.items():
            _check_amount(f"local_park_compensation for {p!r}", amount)

    def entries(self, ctx: Context) -> list[Entry]:
        unknown = sorted(set(self.eur_per_year) - set(ctx.partners))
        if unknown:
            raise InputError(f"local_park_compensation names {unknown}, which are not partners")
        return _compensate(
            ctx, dict(self.eur_per_year), item="local-park compensation", basis="agreed EUR/year"
        )


@dataclass(frozen=True)
class MunicipalFundRedistribution(Mechanism):
    clawback_share: float = 0.0
    name: ClassVar[str] = "municipal_fund"
    needs_new_legislation: ClassVar[bool] = True
    description: ClassVar[str] = (
        "WHAT-IF (needs new legislation): the municipal fund claws back a share of the hosts' "
        "OV and redistributes it to the partners by the revenue key"
    )

    def __post_init__(self) -> None:
        _check_share("municipal_fund.clawback_share", self.clawback_share)

    def entries(self, ctx: Context) -> list[Entry]:
        out: list[Entry] = []
        for t, year in enumerate(ctx.years):
            clawed = {
                p: to_cents(to_eur(y[t]) * _decimal(self.clawback_share))
                for p, y in ctx.municipal_ov_cents.items()
            }
            out += _pooled(
                ctx,
                year,
                clawed,
                paid_item="WHAT-IF municipal fund",
                paid_explanation=dict.fromkeys(
                    clawed, f"WHAT-IF municipal fund claws back {self.clawback_share:.0%} of own OV"
                ),
                payout_item=f"WHAT-IF municipal fund {year}",
            )
        return out


@dataclass(frozen=True)
class TradableDevelopmentRights(Mechanism):
    price_eur_per_ha: float = 0.0
    name: ClassVar[str] = "development_rights"
    needs_new_legislation: ClassVar[bool] = True
    description: ClassVar[str] = (
        "WHAT-IF (needs new legislation): each partner holds development rights for its "
        "cost-key share of the site; hosts buy the rights they use beyond theirs, in year one"
    )

    def __post_init__(self) -> None:
        _check_amount("development_rights.price_eur_per_ha", self.price_eur_per_ha)

    def entries(self, ctx: Context) -> list[Entry]:
        site_ha = sum(ctx.land_ha.values())
        exact = {
            p: 100
            * self.price_eur_per_ha
            * (ctx.costs_key.share(p) * site_ha - ctx.land_ha.get(p, 0.0))
            for p in ctx.partners
        }
        cents = round_to_total(exact, 0)
        year = ctx.years[0]
        return [
            direct(
                p,
                abs(c),
                year=year,
                item="WHAT-IF development rights",
                side="received" if c > 0 else "paid",
                explanation=f"WHAT-IF rights {ctx.costs_key.share(p):.2%} × {site_ha:,.2f} ha "
                f"vs {ctx.land_ha.get(p, 0.0):,.2f} ha used, at "
                f"{self.price_eur_per_ha:,} EUR/ha",
            )
            for p, c in cents.items()
            if c
        ]


@dataclass(frozen=True)
class PlanningBenefitFund(Mechanism):
    levy_share: float = 0.0
    name: ClassVar[str] = "planning_benefit_fund"
    needs_new_legislation: ClassVar[bool] = True
    description: ClassVar[str] = (
        "WHAT-IF (needs new legislation): a levy on the land-value gain of the plots sold "
        "(sale price − land price) in each host, shared by the revenue key"
    )

    def __post_init__(self) -> None:
        _check_share("planning_benefit_fund.levy_share", self.levy_share)

    def entries(self, ctx: Context) -> list[Entry]:
        a = ctx.finance.assumptions
        gain_eur_per_m2 = max(
            0.0, a.sale_price_eur_per_m2_net - a.land_price_eur_per_m2 / a.net_share
        )
        site_ha = sum(ctx.land_ha.values()) or 1.0
        sold_m2 = [ha * M2_PER_HA for ha in ctx.finance.sold_net_ha]
        out: list[Entry] = []
        for t, year in enumerate(ctx.years):
            levy = {
                p: to_cents(
                    self.levy_share * gain_eur_per_m2 * sold_m2[t] * ha / site_ha * ctx.index[t]
                )
                for p, ha in ctx.land_ha.items()
                if ha > 0
            }
            out += _pooled(
                ctx,
                year,
                levy,
                paid_item="WHAT-IF planning benefit",
                paid_explanation=dict.fromkeys(
                    levy,
                    f"WHAT-IF levy {self.levy_share:.0%} × {gain_eur_per_m2:,.2f} EUR/m² gain "
                    "on plots sold",
                ),
                payout_item=f"WHAT-IF planning benefit fund {year}",
            )
        return out


def _pooled(
    ctx: Context,
    year: int,
    levies_cents: Mapping[str, int],
    *,
    paid_item: str,
    paid_explanation: Mapping[str, str],
    payout_item: str,
) -> list[Entry]:
    """A fund for one year: each partner pays its levy in, the total goes out by revenue key."""
    paid = [
        direct(p, c, year=year, item=paid_item, side="paid", explanation=paid_explanation[p])
        for p, c in levies_cents.items()
        if c
    ]
    return paid + split(
        sum(levies_cents.values()),
        ctx.revenues_key.shares,
        year=year,
        item=payout_item,
        side="received",
        explain=_key_words("revenues", ctx.revenues_key),
    )


REGISTRY: Mapping[str, type[Mechanism]] = {
    m.name: m
    for m in (
        SubRegionalFund,
        HostCompensation,
        LocalParkCompensation,
        MunicipalFundRedistribution,
        TradableDevelopmentRights,
        PlanningBenefitFund,
    )
}


def build_mechanisms(spec: Mapping | None) -> tuple[Mechanism, ...]:
    """The mechanisms of a spec (see the module docstring), after the two that are always on."""
    spec = DEFAULT_SPEC if spec is None else spec
    if not isinstance(spec, Mapping):
        raise InputError(f"mechanisms is {spec!r}; expected a table of mechanism = parameters")
    unknown = sorted(set(spec) - set(REGISTRY))
    if unknown:
        raise InputError(f"unknown mechanisms {unknown}; use some of {sorted(REGISTRY)}")
    built: list[Mechanism] = [CostAndRevenueSharing(), OwnPropertyTax()]
    for name, parameters in spec.items():
        try:
            built.append(REGISTRY[name](**dict(parameters or {})))
        except TypeError as exc:
            raise InputError(f"mechanism {name!r}: {exc}; see the documented parameters") from None
    _refuse_double_counting(built)
    return tuple(built)


#: The parameter through which a mechanism takes a share of each municipality's own OV.
OV_TAKERS = {"sub_regional_fund": "ov_share", "municipal_fund": "clawback_share"}


def _refuse_double_counting(built: list[Mechanism]) -> None:
    """The shares of the property tax taken by all mechanisms together stay within 100 %."""
    taken = {
        f"{m.name}.{OV_TAKERS[m.name]}": float(getattr(m, OV_TAKERS[m.name]))
        for m in built
        if m.name in OV_TAKERS
    }
    if sum(taken.values()) > 1 + 1e-12:
        parts = " + ".join(f"{name} {share:g}" for name, share in taken.items())
        raise InputError(
            f"the mechanisms take {sum(taken.values()):.0%} of each municipality's property tax "
            f"({parts}); expected at most 100 % in all: lower one of them"
        )


def _compensate(ctx: Context, amounts_eur: Mapping[str, float], *, item: str, basis: str):
    out: list[Entry] = []
    for t, year in enumerate(ctx.years):
        received = {p: to_cents(a * ctx.index[t]) for p, a in amounts_eur.items()}
        out += [
            direct(
                p,
                c,
                year=year,
                item=item,
                side="received",
                explanation=f"{item}: {basis} × indexation {ctx.index[t]:.4f}",
            )
            for p, c in received.items()
            if c
        ]
        out += split(
            sum(received.values()),
            ctx.costs_key.shares,
            year=year,
            item=f"{item} {year}",
            side="paid",
            explain=_key_words("costs", ctx.costs_key),
        )
    return out


def _key_words(side: str, key: Key) -> dict[str, str]:
    return {p: f"{side} key {text}" for p, text in key.explanations.items()}


def _decimal(value: float) -> Decimal:
    return Decimal(str(value))


def _check_share(name: str, value: float) -> None:
    if not isinstance(value, int | float) or not 0 <= value <= 1:
        raise InputError(f"{name} is {value!r}; expected a share between 0 and 1")


def _check_amount(name: str, value: float) -> None:
    if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise InputError(f"{name} is {value!r}; expected an amount of 0 or more EUR")
