"""Equalisation mechanisms: each turns the park's yearly figures into ledger entries.

Every mechanism carries a **label** (``label``, also in ``to_dict()``):

- ``"possible today"`` (``needs_new_legislation = False``): a voluntary agreement between
  municipalities under current law (an agreement fixing split keys, an interlocal or project
  association, a sub-regional fund fed by the property tax), or an effect of current law;
- ``"needs new legislation"`` (``needs_new_legislation = True``): a what-if; its description, its
  ledger items and its explanations start with ``WHAT-IF``.

Where the label is a judgement rather than a plain fact, ``label_note`` says so. ``zero_sum``
says whether the mechanism only moves money between the partners (its entries sum to zero every
year) or brings money in from outside / sends it out. Beyond the two always on (the park's own
money, which the ledger's status quo compares against), a mechanism that is not zero-sum marks its
entries ``outside``: that money is paid or received directly by the partner named, and the
ledger's transfers settle only the money between the partners (see :mod:`equalisation.ledger`).

Possible today:

- :class:`CostAndRevenueSharing` — the site's costs by the cost key, its income (plot sales,
  subsidies) by the revenue key; always on;
- :class:`OwnPropertyTax` — each municipality collects the OV surcharge on the park's part on its
  territory; always on (it is what lands in its budget);
- :class:`SubRegionalFund` — the municipalities pay a share of that OV into a fund that pays out
  by the revenue key;
- :class:`HostCompensation` — EUR per hectare of the site per year to each host, paid by the
  cost key;
- :class:`LocalParkCompensation` — EUR per year to partners that give up a local park of their
  own, paid by the cost key;
- :class:`InKindContributions` — land or staff time a partner brings, credited to it and paid by
  the cost key;
- :class:`ForegoneSurchargeCompensation` — a partner whose own surcharge rate is above the host's
  is compensated for the surcharge its firms would have paid at home, paid by the cost key;
- :class:`MunicipalFundClawback` — current law: the municipal fund (Gemeentefonds) claws back a
  stated share of the hosts' extra OV (money leaves the partnership).

What-ifs that would **need new legislation**: :class:`MunicipalFundRedistribution`,
:class:`TradableDevelopmentRights`, :class:`PlanningBenefitFund`, :class:`PlanningDamageFund`,
:class:`IntermunicipalTax`, :class:`FlemishMatchingFund`.

Spec (``study.toml`` ``[mechanisms]``), all optional; without one the OV is fully pooled::

    {"sub_regional_fund": {"ov_share": 1.0},
     "host_compensation": {"eur_per_ha_per_year": 500},
     "local_park_compensation": {"eur_per_year": {"B": 10000}},
     "in_kind_contributions": {"land_eur": {"A": 250000}, "staff_eur_per_year": {"B": 30000}},
     "foregone_surcharge": {"compensated_share": 1.0},
     "municipal_fund_clawback": {"clawback_rate": 0.2},
     "municipal_fund": {"clawback_share": 0.3},
     "development_rights": {"price_eur_per_ha": 20000},
     "planning_benefit_fund": {"levy_share": 0.3},
     "planning_damage_fund": {"compensation_eur_per_ha": 2000},
     "intermunicipal_tax": {"opcentiemen": 1000},
     "flemish_matching_fund": {"match_share": 0.5}}

The shares of each municipality's own OV that the mechanisms take (:data:`OV_TAKERS`) may not add
up to more than 100 %.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from equalisation.errors import InputError
from equalisation.finance import M2_PER_HA, SiteFinance
from equalisation.keys import Key
from equalisation.ledger import Entry, direct, split
from equalisation.money import round_to_total, to_cents, to_eur

if TYPE_CHECKING:
    from equalisation.tax import ParkTax

DEFAULT_SPEC: Mapping[str, Mapping] = {"sub_regional_fund": {"ov_share": 1.0}}

POSSIBLE_TODAY = "possible today"
NEEDS_NEW_LEGISLATION = "needs new legislation"
#: The prefix of the description, the items and the explanations of a what-if.
WHAT_IF = "WHAT-IF"


@dataclass(frozen=True)
class Context:
    """What the mechanisms need: partners, keys, and the park's yearly figures in cents.

    ``municipal_opcentiemen`` (each partner's own municipal surcharge rate) and
    ``base_levy_cents`` (the Flemish base levy on each partner's part of the park, per year; see
    :func:`base_levy_cents`) are only needed by the mechanisms that compare surcharge rates
    (:class:`ForegoneSurchargeCompensation`, :class:`IntermunicipalTax`).
    """

    partners: tuple[str, ...]
    years: tuple[int, ...]
    land_ha: Mapping[str, float]
    costs_key: Key
    revenues_key: Key
    site_costs_cents: tuple[int, ...]
    site_income_cents: tuple[int, ...]
    municipal_ov_cents: Mapping[str, tuple[int, ...]]
    finance: SiteFinance
    municipal_opcentiemen: Mapping[str, float] = field(default_factory=dict)
    base_levy_cents: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def index(self) -> tuple[float, ...]:
        growth = 1 + self.finance.assumptions.indexation_per_year
        return tuple(growth**t for t in range(len(self.years)))


def base_levy_cents(tax: ParkTax, municipalities: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """The base levy on each municipality's part of the park, per year of ``tax``, in cents.

    This is what a :class:`Context` needs as ``base_levy_cents`` (the municipal surcharge of a
    municipality is this × its opcentiemen / 100).
    """
    out: dict[str, tuple[int, ...]] = {}
    for m in municipalities:
        by_year = {r.year: r.base_levy_eur for r in tax.rows if r.municipality == m}
        out[m] = tuple(to_cents(by_year.get(year, 0.0)) for year in tax.years)
    return out


class Mechanism:
    """Base: a named mechanism that yields ledger entries.

    ``label`` follows from ``needs_new_legislation`` (see the module docstring); ``label_note``
    says why, and whether the label is a judgement.
    """

    name: ClassVar[str]
    needs_new_legislation: ClassVar[bool] = False
    label: ClassVar[str] = POSSIBLE_TODAY
    label_note: ClassVar[str] = ""
    zero_sum: ClassVar[bool] = True
    description: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.label = NEEDS_NEW_LEGISLATION if cls.needs_new_legislation else POSSIBLE_TODAY

    def check_partners(self, partners: Sequence[str]) -> None:
        """Refuse parameters that name municipalities which are not partners (none by default)."""

    def entries(self, ctx: Context) -> list[Entry]:
        raise NotImplementedError

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "needs_new_legislation": self.needs_new_legislation,
            "label_note": self.label_note,
            "zero_sum": self.zero_sum,
            "description": self.description,
            "parameters": {
                k: dict(v) if isinstance(v, Mapping) else v
                for k, v in vars(self).items()
                if not k.startswith("_")
            },
        }


@dataclass(frozen=True)
class CostAndRevenueSharing(Mechanism):
    """Cost sharing and revenue pooling (possible today: an agreement fixing the split keys).

    ``paid_i,t = cost key_i × site costs_t``; ``received_i,t = revenue key_i × site income_t``.
    """

    name: ClassVar[str] = "cost_and_revenue_sharing"
    zero_sum: ClassVar[bool] = False
    label_note: ClassVar[str] = "an agreement fixing the split keys (voluntary today)"
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
    """Each municipality collects the OV surcharge on the part of the park on its territory
    (current law)."""

    name: ClassVar[str] = "own_property_tax"
    zero_sum: ClassVar[bool] = False
    label_note: ClassVar[str] = "current law: each municipality levies its own surcharge"
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
    """Sub-regional fund (possible today): a share of each OV surcharge into a fund, paid out by
    the revenue key.

    ``paid_i,t = ov_share × own OV_i,t``; ``received_i,t = revenue key_i × Σ_j paid_j,t``.
    """

    ov_share: float = 1.0
    name: ClassVar[str] = "sub_regional_fund"
    label_note: ClassVar[str] = "a sub-regional fund fed by the OV, by agreement (voluntary today)"
    description: ClassVar[str] = "a share of each OV surcharge goes into a fund paid out by key"

    def __post_init__(self) -> None:
        _check_share("sub_regional_fund.ov_share", self.ov_share)

    def contributions_cents(self, ctx: Context, t: int) -> dict[str, int]:
        """What each municipality pays into the fund in year index ``t``."""
        return {
            p: to_cents(to_eur(yearly[t]) * _decimal(self.ov_share))
            for p, yearly in ctx.municipal_ov_cents.items()
        }

    def entries(self, ctx: Context) -> list[Entry]:
        out: list[Entry] = []
        for t, year in enumerate(ctx.years):
            levies = self.contributions_cents(ctx, t)
            out += _pooled(
                ctx,
                year,
                levies,
                paid_item="fund contribution",
                paid_explanation={
                    p: f"fund: {self.ov_share:.0%} of own OV "
                    f"{to_eur(ctx.municipal_ov_cents[p][t]):,} EUR"
                    for p in levies
                },
                payout_item=f"fund payout {year}",
            )
        return out


@dataclass(frozen=True)
class HostCompensation(Mechanism):
    """Host compensation (possible today): EUR per hectare of the site per year to each host,
    paid by the cost key.

    ``received_h,t = eur_per_ha_per_year × site ha in h × index_t``; the total is paid by the cost
    key (zero-sum).
    """

    eur_per_ha_per_year: float = 0.0
    name: ClassVar[str] = "host_compensation"
    label_note: ClassVar[str] = (
        "judgement: a transfer fixed by agreement, as voluntary as the split keys"
    )
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
    """Compensation for giving up a local park (possible today): an agreed EUR per year to each
    named partner, indexed, paid by the cost key (zero-sum)."""

    eur_per_year: Mapping[str, float]
    name: ClassVar[str] = "local_park_compensation"
    label_note: ClassVar[str] = (
        "judgement: a transfer fixed by agreement, as voluntary as the split keys"
    )
    description: ClassVar[str] = "EUR per year to partners giving up a local park, by cost key"

    def __post_init__(self) -> None:
        if not isinstance(self.eur_per_year, Mapping) or not self.eur_per_year:
            raise InputError(
                f"local_park_compensation.eur_per_year is {self.eur_per_year!r}; expected a table "
                "partner = EUR per year; give one amount per partner giving up its own park"
            )
        _check_amounts("local_park_compensation.eur_per_year", self.eur_per_year)

    def check_partners(self, partners: Sequence[str]) -> None:
        _check_names("local_park_compensation", self.eur_per_year, partners)

    def entries(self, ctx: Context) -> list[Entry]:
        self.check_partners(ctx.partners)
        return _compensate(
            ctx, dict(self.eur_per_year), item="local-park compensation", basis="agreed EUR/year"
        )


@dataclass(frozen=True)
class InKindContributions(Mechanism):
    """In-kind contributions (possible today): land or staff time a partner brings to the project.

    Parameters (EUR, partner = amount):

    - ``land_eur`` — the agreed value of land a partner brings, credited once, in the first year;
    - ``staff_eur_per_year`` — the agreed value of a partner's staff time per year, credited every
      year, indexed (× (1 + indexation)^t), for the first ``staff_years`` years (``None``: the
      whole horizon).

    Formula: ``credit_i,t = land_eur_i·[t = 0] + staff_eur_per_year_i × index_t·[t < staff_years]``
    is received by partner i; ``paid_j,t = cost key_j × Σ_i credit_i,t``. Zero-sum every year: the
    partner that brings the contribution also pays its own cost-key share of it, so its net gain is
    ``credit × (1 − its cost-key share)``.

    Label: possible today — the partners agree what each brings and at what value, like any cost
    split. **Value only what the site's cash costs do not already count.** With the municipality
    as developer, the site finance buys the land of the whole site in year one (the ``land`` line);
    land brought in kind is then counted twice unless the land price or area of that line is
    lowered by it. Staff time is not in the site costs.
    """

    land_eur: Mapping[str, float] = field(default_factory=dict)
    staff_eur_per_year: Mapping[str, float] = field(default_factory=dict)
    staff_years: int | None = None
    name: ClassVar[str] = "in_kind_contributions"
    label_note: ClassVar[str] = (
        "an agreement valuing what each partner brings, like the split keys (voluntary today)"
    )
    description: ClassVar[str] = (
        "land (once) or staff time (per year) a partner brings, at an agreed value, credited to "
        "it and paid by the cost key"
    )

    def __post_init__(self) -> None:
        for name in ("land_eur", "staff_eur_per_year"):
            amounts = getattr(self, name)
            if not isinstance(amounts, Mapping):
                raise InputError(
                    f"in_kind_contributions.{name} is {amounts!r}; expected a table partner = "
                    f"EUR; write e.g. {name} = {{ A = 250000 }}"
                )
            _check_amounts(f"in_kind_contributions.{name}", amounts)
        if not any(self.land_eur.values()) and not any(self.staff_eur_per_year.values()):
            raise InputError(
                "in_kind_contributions gives no contribution; expected land_eur or "
                "staff_eur_per_year with an amount above 0; give what a partner brings"
            )
        if self.staff_years is not None and (
            isinstance(self.staff_years, bool)
            or not isinstance(self.staff_years, int)
            or self.staff_years < 1
        ):
            raise InputError(
                f"in_kind_contributions.staff_years is {self.staff_years!r}; expected a whole "
                "number of years ≥ 1; leave it out to credit staff time every year"
            )

    def check_partners(self, partners: Sequence[str]) -> None:
        _check_names("in_kind_contributions.land_eur", self.land_eur, partners)
        _check_names("in_kind_contributions.staff_eur_per_year", self.staff_eur_per_year, partners)

    def entries(self, ctx: Context) -> list[Entry]:
        self.check_partners(ctx.partners)
        staff_years = len(ctx.years) if self.staff_years is None else self.staff_years
        out: list[Entry] = []
        for t, year in enumerate(ctx.years):
            credits: list[Entry] = []
            if t == 0:
                credits += [
                    direct(
                        p,
                        to_cents(eur),
                        year=year,
                        item="in-kind land",
                        side="received",
                        explanation=f"in kind: land brought by {p}, agreed value {eur:,} EUR",
                    )
                    for p, eur in self.land_eur.items()
                    if to_cents(eur)
                ]
            if t < staff_years:
                credits += [
                    direct(
                        p,
                        to_cents(eur * ctx.index[t]),
                        year=year,
                        item="in-kind staff",
                        side="received",
                        explanation=f"in kind: staff time of {p}, {eur:,} EUR/year × "
                        f"indexation {ctx.index[t]:.4f}",
                    )
                    for p, eur in self.staff_eur_per_year.items()
                    if to_cents(eur * ctx.index[t])
                ]
            out += credits
            out += split(
                sum(e.received_cents for e in credits),
                ctx.costs_key.shares,
                year=year,
                item=f"in-kind contributions {year}",
                side="paid",
                explain=_key_words("costs", ctx.costs_key),
            )
        return out


@dataclass(frozen=True)
class ForegoneSurchargeCompensation(Mechanism):
    """Foregone surcharge income (possible today, as an agreement).

    Had each partner hosted its own demand at home, its firms would pay its own surcharge rate.
    In the pooled park they pay the host's rate; where that is lower, the partners' total OV is
    lower than going alone. Each partner i is compensated for the difference on its share of the
    park, paid by the cost key (zero-sum)::

        received_i,t = compensated_share × revenue key_i
                       × Σ_h base levy_h,t × max(0, opc_i − opc_h) / 100
        paid_j,t     = cost key_j × Σ_i received_i,t

    with h the partners hosting part of the park, ``base levy_h,t`` the Flemish base levy on h's
    part (EUR) and ``opc`` the municipal opcentiemen. A partner whose rate is at or below the
    host's gets nothing (no claw-back of a gain).

    Share by the **revenue key** (not by demand): it is the share of the park's income the partners
    agreed each one stands for, so the compensation follows the fund's payout; to share by demand,
    choose a revenue key of kind ``demand``. Parameter: ``compensated_share`` (0–1, default 1: the
    full difference).

    Label: possible today — a voluntary transfer fixed by agreement, like host compensation. The
    counterfactual (each partner's firms would otherwise settle at home, at its own rate) is an
    assumption of the formula, not a fact.
    """

    compensated_share: float = 1.0
    name: ClassVar[str] = "foregone_surcharge"
    label_note: ClassVar[str] = (
        "judgement: a transfer fixed by agreement; the counterfactual (firms would settle at "
        "home, at the partner's own rate) is an assumption"
    )
    description: ClassVar[str] = (
        "partners whose surcharge rate is above the host's receive revenue-key share × base levy × "
        "(own − host opcentiemen) / 100, paid by the cost key"
    )

    def __post_init__(self) -> None:
        _check_share("foregone_surcharge.compensated_share", self.compensated_share)

    def entries(self, ctx: Context) -> list[Entry]:
        opc = _opcentiemen(ctx, self.name)
        hosts = [h for h in ctx.partners if any(ctx.base_levy_cents.get(h, ()))]
        share = _decimal(self.compensated_share)
        out: list[Entry] = []
        for t, year in enumerate(ctx.years):
            received: list[Entry] = []
            for p in ctx.partners:
                key = ctx.revenues_key.share(p)
                terms = [
                    (h, ctx.base_levy_cents[h][t], max(0.0, opc[p] - opc[h]))
                    for h in hosts
                    if ctx.base_levy_cents[h][t] and opc[p] > opc[h]
                ]
                exact = sum((to_eur(b) * _decimal(diff) / 100 for _, b, diff in terms), Decimal(0))
                cents = to_cents(share * _decimal(key) * exact)
                if not cents:
                    continue
                parts = " + ".join(
                    f"base levy {h} {to_eur(b):,} EUR × ({opc[p]:g} − {opc[h]:g}) / 100"
                    for h, b, _ in terms
                )
                received.append(
                    direct(
                        p,
                        cents,
                        year=year,
                        item="foregone surcharge",
                        side="received",
                        explanation=f"foregone surcharge: {self.compensated_share:.0%} × "
                        f"revenue key {key:.2%} × ({parts})",
                    )
                )
            out += received
            out += split(
                sum(e.received_cents for e in received),
                ctx.costs_key.shares,
                year=year,
                item=f"foregone surcharge {year}",
                side="paid",
                explain=_key_words("costs", ctx.costs_key),
            )
        return out


@dataclass(frozen=True)
class MunicipalFundClawback(Mechanism):
    """Municipal-fund clawback (current law, so labelled possible today): an effect, not a choice.

    The municipal fund (Gemeentefonds) partly makes up for a low fiscal capacity through its
    fiscal-capacity term (reference/FACTS.md: it "partly claws back a higher tax base"); a park
    raises the host's tax base, so part of the host's extra OV is lost again through a lower
    payout (check the fund's current rules for the host). Modelled as a stated rate on each
    municipality's own OV surcharge from the park::

        paid_h,t = clawback_rate × own OV_h,t

    The money leaves the partnership (it stays in the fund for every Flemish municipality; the
    partners' share of that is ignored): **not zero-sum**. ``clawback_rate`` (0–1) is required
    and has no default: no sourced figure exists here (reference/FACTS.md names the effect only).

    What is simplified: the real effect depends on the fund's distribution rules (the
    fiscal-capacity term measures the tax base per inhabitant against the other municipalities',
    and may be nil for a host that is not under its threshold) and comes with a lag of some
    years; it is modelled as immediate and proportional. It counts towards the 100 % cap on the
    OV: a sub-regional fund can then pool at most ``1 − clawback_rate`` of the OV.
    """

    clawback_rate: float
    name: ClassVar[str] = "municipal_fund_clawback"
    zero_sum: ClassVar[bool] = False
    label_note: ClassVar[str] = (
        "current law, not an agreement: an effect of the municipal fund's fiscal-capacity term, "
        "modelled at a stated rate (no sourced default)"
    )
    description: ClassVar[str] = (
        "current law: the municipal fund claws back clawback_rate × each host's own OV from the "
        "park; the money leaves the partnership"
    )

    def __post_init__(self) -> None:
        _check_share("municipal_fund_clawback.clawback_rate", self.clawback_rate)

    def entries(self, ctx: Context) -> list[Entry]:
        out: list[Entry] = []
        for t, year in enumerate(ctx.years):
            for p, yearly in ctx.municipal_ov_cents.items():
                cents = to_cents(to_eur(yearly[t]) * _decimal(self.clawback_rate))
                if cents:
                    out.append(
                        direct(
                            p,
                            cents,
                            year=year,
                            item="municipal fund clawback",
                            side="paid",
                            explanation=f"current law: the municipal fund claws back "
                            f"{self.clawback_rate:.0%} of own OV {to_eur(yearly[t]):,} EUR "
                            "(leaves the partnership)",
                            outside=True,
                        )
                    )
        return out


@dataclass(frozen=True)
class MunicipalFundRedistribution(Mechanism):
    """WHAT-IF: the municipal fund claws back ``clawback_share`` of each OV surcharge and gives it
    to the partners by the revenue key (zero-sum between the partners)."""

    clawback_share: float = 0.0
    name: ClassVar[str] = "municipal_fund"
    needs_new_legislation: ClassVar[bool] = True
    label_note: ClassVar[str] = (
        "the municipal fund's distribution is fixed by Flemish decree; redistributing by the "
        "partners' key would need a change (listed as hypothetical in the design)"
    )
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
    """WHAT-IF: each partner holds development rights for its cost-key share of the site; hosts
    buy the rights they use beyond theirs at ``price_eur_per_ha``, in year one (zero-sum)."""

    price_eur_per_ha: float = 0.0
    name: ClassVar[str] = "development_rights"
    needs_new_legislation: ClassVar[bool] = True
    label_note: ClassVar[str] = (
        "judgement: listed as hypothetical in the design; no market of development rights "
        "between municipalities is assumed to exist"
    )
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
    """WHAT-IF: a levy of ``levy_share`` on the land-value gain of the plots sold in each host
    (sale price − land price per net m², indexed), pooled and paid out by the revenue key."""

    levy_share: float = 0.0
    name: ClassVar[str] = "planning_benefit_fund"
    needs_new_legislation: ClassVar[bool] = True
    label_note: ClassVar[str] = (
        "judgement: Flemish law knows a planning-benefit levy tied to spatial plans, but not a "
        "fund pooled by partner municipalities (listed as hypothetical in the design)"
    )
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


@dataclass(frozen=True)
class PlanningDamageFund(Mechanism):
    """WHAT-IF: the damage side of a planning fund (planschade).

    Owners of land whose value falls because of the park (e.g. neighbouring land turned into a
    buffer or losing its building prospects) are compensated from a fund the partners feed by a
    levy. What is modelled is only a flat rate per hectare of the site, once, in the first year
    (the year the plan is adopted), paid by the partners by the cost key::

        paid_j,t0 = cost key_j × compensation_eur_per_ha × site gross ha

    The money goes to the owners, outside the partnership: **not zero-sum**. Not modelled: which
    parcels lose value and by how much, the legal computation of planning damage, its timing,
    what Flanders or the plan-making authority already owes today. ``compensation_eur_per_ha``
    (EUR per hectare of the site, ≥ 0) is required: no sourced default exists.

    Label: needs new legislation — a fund shared by the partners for planning damage is listed as
    hypothetical in the design. A judgement: Flemish law already knows compensation for planning
    damage owed by the authority adopting a plan; partners sharing that bill by agreement would
    be closer to plain cost sharing.
    """

    compensation_eur_per_ha: float
    name: ClassVar[str] = "planning_damage_fund"
    needs_new_legislation: ClassVar[bool] = True
    zero_sum: ClassVar[bool] = False
    label_note: ClassVar[str] = (
        "judgement: a partners' fund for planning damage is listed as hypothetical in the "
        "design; planning damage owed by the plan-making authority exists in law today"
    )
    description: ClassVar[str] = (
        "WHAT-IF (needs new legislation): a levy on the partners by the cost key pays owners "
        "whose land loses value compensation_eur_per_ha × site ha, once, in the first year"
    )

    def __post_init__(self) -> None:
        _check_amount("planning_damage_fund.compensation_eur_per_ha", self.compensation_eur_per_ha)

    def entries(self, ctx: Context) -> list[Entry]:
        site_ha = ctx.finance.gross_area_ha
        year = ctx.years[0]
        return split(
            to_cents(_decimal(self.compensation_eur_per_ha) * _decimal(site_ha)),
            ctx.costs_key.shares,
            year=year,
            item=f"WHAT-IF planning damage {year}",
            side="paid",
            explain={
                p: f"{text}: {self.compensation_eur_per_ha:,} EUR/ha × {site_ha:,.2f} ha to "
                "owners whose land loses value (leaves the partnership)"
                for p, text in _key_words("costs", ctx.costs_key).items()
            },
            outside=True,
        )


@dataclass(frozen=True)
class IntermunicipalTax(Mechanism):
    """WHAT-IF: intermunicipal taxation — the partners levy one common surcharge on the park.

    The common surcharge ``opcentiemen`` on the base levy of the park replaces each host's own
    surcharge on its part of the park; its income is shared by the revenue key::

        paid_h,t     = own OV_h,t                                  (own surcharge replaced)
        received_i,t = revenue key_i × Σ_h base levy_h,t × opcentiemen / 100

    **Not zero-sum**: the firms pay the common rate instead of each host's rate, so the partners'
    total changes by ``Σ_h base levy_h,t × (opcentiemen − opc_h) / 100``. It takes the hosts'
    whole own OV, so it cannot be combined with another mechanism that takes a share of it (a
    sub-regional fund at 0 is fine). ``opcentiemen`` (≥ 0) is required.

    Label: needs new legislation — municipalities levy surcharges each on their own territory; a
    common surcharge levied by a group of them is not a form current law provides.
    """

    opcentiemen: float
    name: ClassVar[str] = "intermunicipal_tax"
    needs_new_legislation: ClassVar[bool] = True
    zero_sum: ClassVar[bool] = False
    label_note: ClassVar[str] = (
        "a common surcharge levied by several municipalities on one park is not provided for today"
    )
    description: ClassVar[str] = (
        "WHAT-IF (needs new legislation): one common surcharge (opcentiemen) on the park replaces "
        "each host's own; its income is shared by the revenue key"
    )

    def __post_init__(self) -> None:
        _check_amount("intermunicipal_tax.opcentiemen", self.opcentiemen, unit="opcentiemen")

    def entries(self, ctx: Context) -> list[Entry]:
        opc = _opcentiemen(ctx, self.name)
        hosts = [h for h in ctx.partners if any(ctx.base_levy_cents.get(h, ()))]
        rate = _decimal(self.opcentiemen) / 100
        out: list[Entry] = []
        for t, year in enumerate(ctx.years):
            common = 0
            for h in hosts:
                yearly = ctx.base_levy_cents[h]
                own = ctx.municipal_ov_cents.get(h, (0,) * len(ctx.years))[t]
                if own:
                    out.append(
                        direct(
                            h,
                            own,
                            year=year,
                            item="WHAT-IF own surcharge replaced",
                            side="paid",
                            explanation=f"WHAT-IF own surcharge on the park "
                            f"({opc[h]:g} opcentiemen, {to_eur(own):,} EUR) replaced by the "
                            "intermunicipal one",
                            outside=True,
                        )
                    )
                common += to_cents(to_eur(yearly[t]) * rate)
            levied = ", ".join(
                f"{h} {to_eur(ctx.base_levy_cents[h][t]):,}"
                for h in hosts
                if ctx.base_levy_cents[h][t]
            )
            out += split(
                common,
                ctx.revenues_key.shares,
                year=year,
                item=f"WHAT-IF intermunicipal surcharge {year}",
                side="received",
                explain={
                    p: f"{text}: {self.opcentiemen:g} opcentiemen × base levy ({levied}) EUR / 100"
                    for p, text in _key_words("revenues", ctx.revenues_key).items()
                },
                outside=True,
            )
        return out


@dataclass(frozen=True)
class FlemishMatchingFund(Mechanism):
    """WHAT-IF: a Flemish matching fund — Flanders adds ``match_share`` of what the partners pay
    into the sub-regional fund, paid out by the revenue key::

        received_i,t = revenue key_i × match_share × Σ_j fund contribution_j,t

    Money from outside the partnership: **not zero-sum**. Needs ``sub_regional_fund`` in the same
    spec (it matches that fund's contributions); ``match_share`` (0–1) is required.

    Label: needs new legislation — a Flemish fund is listed as hypothetical in the design; no such
    matching exists today.
    """

    match_share: float
    name: ClassVar[str] = "flemish_matching_fund"
    needs_new_legislation: ClassVar[bool] = True
    zero_sum: ClassVar[bool] = False
    label_note: ClassVar[str] = "a Flemish fund is listed as hypothetical in the design"
    description: ClassVar[str] = (
        "WHAT-IF (needs new legislation): Flanders adds match_share of what the partners pay "
        "into the sub-regional fund, paid out by the revenue key"
    )

    def __post_init__(self) -> None:
        _check_share("flemish_matching_fund.match_share", self.match_share)

    def linked(self, fund: SubRegionalFund | None) -> FlemishMatchingFund:
        """This mechanism matching the contributions of ``fund`` (refused without one)."""
        if not isinstance(fund, SubRegionalFund):
            raise InputError(
                "flemish_matching_fund is on without sub_regional_fund; expected both, as it "
                "matches what the partners pay into that fund; add [mechanisms.sub_regional_fund]"
            )
        copy = dataclasses.replace(self)
        object.__setattr__(copy, "_fund", fund)
        return copy

    def entries(self, ctx: Context) -> list[Entry]:
        fund = getattr(self, "_fund", None)
        if fund is None:
            raise InputError(
                "flemish_matching_fund is not linked to a sub-regional fund; expected one; "
                "build it with build_mechanisms or call .linked(fund)"
            )
        out: list[Entry] = []
        for t, year in enumerate(ctx.years):
            paid_in = sum(fund.contributions_cents(ctx, t).values())
            out += split(
                to_cents(to_eur(paid_in) * _decimal(self.match_share)),
                ctx.revenues_key.shares,
                year=year,
                item=f"WHAT-IF Flemish matching {year}",
                side="received",
                explain={
                    p: f"{text}: {self.match_share:.0%} × fund contributions "
                    f"{to_eur(paid_in):,} EUR (from Flanders)"
                    for p, text in _key_words("revenues", ctx.revenues_key).items()
                },
                outside=True,
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
        InKindContributions,
        ForegoneSurchargeCompensation,
        MunicipalFundClawback,
        MunicipalFundRedistribution,
        TradableDevelopmentRights,
        PlanningBenefitFund,
        PlanningDamageFund,
        IntermunicipalTax,
        FlemishMatchingFund,
    )
}


def build_mechanisms(
    spec: Mapping | None, partners: Sequence[str] | None = None
) -> tuple[Mechanism, ...]:
    """The mechanisms of a spec (see the module docstring), after the two that are always on.

    Given ``partners``, parameters naming other municipalities are refused here already (else
    when the entries are made).
    """
    spec = DEFAULT_SPEC if spec is None else spec
    if not isinstance(spec, Mapping):
        raise InputError(f"mechanisms is {spec!r}; expected a table of mechanism = parameters")
    unknown = sorted(set(spec) - set(REGISTRY))
    if unknown:
        raise InputError(f"unknown mechanisms {unknown}; use some of {sorted(REGISTRY)}")
    built: list[Mechanism] = [CostAndRevenueSharing(), OwnPropertyTax()]
    for name, parameters in spec.items():
        if parameters is not None and not isinstance(parameters, Mapping):
            raise InputError(
                f"mechanism {name!r} has parameters {parameters!r}; expected a table of "
                f"parameter = value; write [mechanisms.{name}] with its parameters"
            )
        given = dict(parameters or {})
        try:
            built.append(REGISTRY[name](**given))
        except TypeError:
            raise InputError(_parameter_problem(name, given)) from None
    fund = next((m for m in built if isinstance(m, SubRegionalFund)), None)
    built = [m.linked(fund) if isinstance(m, FlemishMatchingFund) else m for m in built]
    _refuse_double_counting(built)
    if partners is not None:
        for m in built:
            m.check_partners(tuple(partners))
    return tuple(built)


def _parameter_problem(name: str, given: Mapping) -> str:
    mechanism = REGISTRY[name]
    assert dataclasses.is_dataclass(mechanism)  # every registered mechanism is a dataclass
    accepted = [f for f in dataclasses.fields(mechanism) if f.init]
    required = [
        f.name
        for f in accepted
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    missing = [n for n in required if n not in given]
    extra = sorted(set(given) - {f.name for f in accepted})
    problems = [f"needs {missing}"] * bool(missing) + [f"does not know {extra}"] * bool(extra)
    return (
        f"mechanism {name!r} got parameters {sorted(given)}: {' and '.join(problems) or 'bad'}; "
        f"expected {[f.name for f in accepted]} (required: {required}); "
        "see the documented parameters"
    )


#: How a mechanism takes a share of each municipality's own OV: the parameter holding the share,
#: or the fixed share it takes.
OV_TAKERS: Mapping[str, str | float] = {
    "sub_regional_fund": "ov_share",
    "municipal_fund": "clawback_share",
    "municipal_fund_clawback": "clawback_rate",
    "intermunicipal_tax": 1.0,  # the common surcharge replaces the whole own surcharge
}


def _refuse_double_counting(built: Sequence[Mechanism]) -> None:
    """The shares of the property tax taken by all mechanisms together stay within 100 %."""
    taken = {}
    for m in built:
        if m.name not in OV_TAKERS:
            continue
        how = OV_TAKERS[m.name]
        if isinstance(how, str):
            taken[f"{m.name}.{how}"] = float(getattr(m, how))
        else:
            taken[f"{m.name} (all of it)"] = float(how)
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


def _opcentiemen(ctx: Context, mechanism: str) -> dict[str, float]:
    """Every partner's opcentiemen from the context, refusing a context without them."""
    missing = [p for p in ctx.partners if p not in ctx.municipal_opcentiemen]
    if missing or not ctx.base_levy_cents:
        raise InputError(
            f"{mechanism} compares surcharge rates but the context lacks "
            f"{'the opcentiemen of ' + str(missing) if missing else 'the base levy of the park'}; "
            "expected Context.municipal_opcentiemen for every partner and "
            "Context.base_levy_cents; build the context with them (see base_levy_cents)"
        )
    return {p: float(ctx.municipal_opcentiemen[p]) for p in ctx.partners}


def _key_words(side: str, key: Key) -> dict[str, str]:
    return {p: f"{side} key {text}" for p, text in key.explanations.items()}


def _decimal(value: float) -> Decimal:
    return Decimal(str(value))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_share(name: str, value: float) -> None:
    if not _is_number(value) or not 0 <= value <= 1:
        raise InputError(
            f"{name} is {value!r}; expected a share between 0 and 1; write e.g. 0.3 for 30 %"
        )


def _check_amount(name: str, value: float, *, unit: str = "EUR") -> None:
    if not _is_number(value) or not math.isfinite(value) or value < 0:
        raise InputError(
            f"{name} is {value!r}; expected an amount of 0 or more {unit}; give a finite number"
        )


def _check_amounts(name: str, amounts: Mapping[str, float]) -> None:
    for partner, amount in amounts.items():
        if not isinstance(partner, str) or not partner:
            raise InputError(
                f"{name} has the key {partner!r}; expected partner names; write partner = amount"
            )
        _check_amount(f"{name} for {partner!r}", amount)


def _check_names(name: str, amounts: Mapping[str, float], partners: Sequence[str]) -> None:
    unknown = sorted(set(amounts) - set(partners))
    if unknown:
        raise InputError(
            f"{name} names {unknown}, which are not partners; expected some of {list(partners)}; "
            "fix the spelling or add the partner"
        )
