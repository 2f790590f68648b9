"""The fair-division game of a pooled park: what each coalition would pay on its own.

For a coalition ``S`` of partners:

- pooled demand ``D_S = Σ_{i∈S} demand_ha_i`` (net hectares), gross need ``G_S = D_S / net_share``;
- ``S``'s own sites are the candidate sites whose land lies wholly within ``S``'s municipalities
  and whose area is at least ``G_S``; on one of them ``S`` builds a park of ``G_S``, which sells
  its plots as every park does (with proportional take-up, over the same years whatever its
  size: economies of scale come only from the fixed costs of the inputs);
- the value of that park to ``S`` is its development net present value
  (:func:`~equalisation.finance.net_cost_eur`) plus, with ``property_tax``, the present value of
  the municipal property tax each member levies on its own part of the park at its own
  surcharge: ``levy per euro of KI × PV(built KI) × Σ_m share_m × opcentiemen_m / 100``;
- ``c(S)`` = − that value on the best of its own sites (the higher score breaks ties);
- a coalition without a site of its own follows the stated ``no_site`` rule: ``"no_park"``
  (the default: it builds nothing, so it pays nothing and levies nothing: ``c(S) = 0``; its
  firms settle elsewhere) or ``"hypothetical_park"`` (a park of ``G_S`` at the general
  assumptions, as if it found land on its territory, its members' land in proportion to their
  demand);
- the grand coalition ``N`` prices the park it is asked to agree on: the chosen site at its own
  area (``grand_site``), as the ledger does, so that the keys can be compared with the game;
- a coalition without demand costs 0.

The game is built as one vectorised table over all ``2^n`` coalitions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from equalisation.coalitions import Game, membership_sums
from equalisation.errors import GameError, InputError
from equalisation.finance import FinanceAssumptions, ki_present_value_eur, net_cost_eur
from equalisation.keys import Partner

#: Most partners for the site game (one table of 2^n coalitions).
MAX_PARTNERS = 20
FALLBACK = "fallback"
NO_PARK = "no park"
NO_DEMAND = "no demand"
NO_SITE_RULES = ("no_park", "hypothetical_park")


@dataclass(frozen=True)
class GameRules:
    """How the site game prices coalitions (see the module docstring).

    ``levy_per_ki_eur`` is the base levy per euro of KI (:func:`equalisation.tax.levy_per_ki_eur`);
    the property tax enters the game only with ``property_tax`` and a levy above 0.
    """

    no_site: Literal["no_park", "hypothetical_park"] = "no_park"
    property_tax: bool = True
    levy_per_ki_eur: float = 0.0
    grand_site: str | None = None

    def __post_init__(self) -> None:
        if self.no_site not in NO_SITE_RULES:
            raise InputError(f"no_site is {self.no_site!r}; use one of {list(NO_SITE_RULES)}")
        if not np.isfinite(self.levy_per_ki_eur) or self.levy_per_ki_eur < 0:
            raise InputError(f"levy_per_ki_eur is {self.levy_per_ki_eur}; expected ≥ 0")

    def words(self) -> str:
        """The characteristic function in one sentence."""
        tax = (
            " minus the present value of the municipal property tax each member levies on its "
            "own part of that park at its own surcharge"
            if self.property_tax and self.levy_per_ki_eur > 0
            else ""
        )
        alone = (
            "without such a site, S builds no park: c(S) = 0 (it pays and levies nothing)"
            if self.no_site == "no_park"
            else "without such a site, a park of that size at the general assumptions "
            "(hypothetical park)"
        )
        return (
            "c(S) = net development cost (−NPV) of a park sized to S's pooled demand on the best "
            f"candidate site lying wholly within S's municipalities{tax}; {alone}; the grand "
            "coalition prices the chosen site at its own area; 0 without demand"
        )


@dataclass(frozen=True)
class SiteGame:
    """The cost game, per coalition the site chosen (``"no park"`` or ``"fallback"`` without
    one), and the rules that priced it."""

    game: Game
    site_by_coalition: tuple[str, ...]
    rule: str
    rules: GameRules = GameRules()

    def site_of(self, coalition: Sequence[str]) -> str:
        position = {p: i for i, p in enumerate(self.game.players)}
        return self.site_by_coalition[sum(1 << position[p] for p in coalition)]

    @property
    def coalitions_without_site(self) -> int:
        """How many coalitions (with demand) were priced without a real site of their own."""
        return sum(site in (FALLBACK, NO_PARK) for site in self.site_by_coalition[1:])


@dataclass(frozen=True)
class _Site:
    mask: int
    area_ha: float
    score: float
    assumptions: FinanceAssumptions
    tax_factor: float  # Σ_m share_m × opcentiemen_m / 100 over the site's land


def site_cost_game(
    *,
    partners: Sequence[Partner],
    candidate_sites: Sequence[Mapping],
    assumptions: FinanceAssumptions,
    horizon_years: int,
    rules: GameRules | None = None,
) -> SiteGame:
    """The cost game ``c(S)`` of the partners from the candidate sites; see the module docstring.

    Each site is plain data: ``{"site_id", "score", "area_ha", "area_ha_by_municipality": {...}}``
    plus optional finance overrides.
    """
    rules = rules or GameRules()
    names = [p.name for p in partners]
    n = len(names)
    if not 1 <= n <= MAX_PARTNERS:
        raise GameError(f"the site game has {n} partners; expected 1 to {MAX_PARTNERS}")
    surcharges = {p.name: p.municipal_opcentiemen for p in partners}
    levy = rules.levy_per_ki_eur if rules.property_tax else 0.0
    demand = membership_sums(np.array([p.demand_ha for p in partners]))
    gross_need = demand / assumptions.net_share
    priced: dict[FinanceAssumptions, tuple[np.ndarray, np.ndarray]] = {}

    def value_of(site_assumptions: FinanceAssumptions) -> tuple[np.ndarray, np.ndarray]:
        """(development cost, PV of built KI) of every coalition's park, one pricing per set
        of assumptions."""
        if site_assumptions not in priced:
            priced[site_assumptions] = (
                net_cost_eur(gross_need, site_assumptions, horizon_years=horizon_years),
                ki_present_value_eur(gross_need, site_assumptions, horizon_years=horizon_years),
            )
        return priced[site_assumptions]

    sites = [_site(site, names, assumptions, surcharges) for site in candidate_sites]
    cost = _without_site(rules, demand, value_of(assumptions), levy, partners)
    chosen = np.full(1 << n, -1)
    best_score = np.full(1 << n, -np.inf)
    masks = np.arange(1 << n, dtype=np.int64)
    for index, site in enumerate(sites):
        fits = ((masks & site.mask) == site.mask) & (site.area_ha >= gross_need - 1e-9)
        fits &= demand > 0
        development, ki_pv = value_of(site.assumptions)
        site_cost = (development - levy * ki_pv * site.tax_factor)[fits]
        current = np.where(chosen[fits] >= 0, cost[fits], np.inf)
        better = (site_cost < current - 1e-6) | (
            np.isclose(site_cost, current, atol=1e-6) & (site.score > best_score[fits])
        )
        rows = np.flatnonzero(fits)[better]
        cost[rows], chosen[rows], best_score[rows] = site_cost[better], index, site.score
    cost[demand == 0] = 0.0
    labels = [str(site.get("site_id", i)) for i, site in enumerate(candidate_sites)]
    without = NO_PARK if rules.no_site == "no_park" else FALLBACK
    site_by_coalition = [
        labels[c] if c >= 0 else (without if d > 0 else NO_DEMAND)
        for c, d in zip(chosen, demand, strict=True)
    ]
    if rules.grand_site is not None:
        cost[-1], site_by_coalition[-1] = _grand(
            rules, labels, sites, assumptions, horizon_years, levy
        )
    return SiteGame(
        game=Game.from_table(names, "cost", cost),
        site_by_coalition=tuple(site_by_coalition),
        rule=rules.words(),
        rules=rules,
    )


def _without_site(
    rules: GameRules,
    demand: np.ndarray,
    values: tuple[np.ndarray, np.ndarray],
    levy: float,
    partners: Sequence[Partner],
) -> np.ndarray:
    """``c(S)`` of coalitions without a site of their own, by the ``no_site`` rule."""
    if rules.no_site == "no_park":
        return np.zeros_like(demand)
    development, ki_pv = values
    weighted = membership_sums(np.array([p.demand_ha * p.municipal_opcentiemen for p in partners]))
    surcharge = np.divide(weighted, demand, out=np.zeros_like(demand), where=demand > 0)
    return development - levy * ki_pv * surcharge / 100


def _grand(
    rules: GameRules,
    labels: list[str],
    sites: list[_Site],
    assumptions: FinanceAssumptions,
    horizon_years: int,
    levy: float,
) -> tuple[float, str]:
    """``c(N)`` on the chosen site at its own area, as the ledger prices it."""
    if rules.grand_site not in labels:
        raise InputError(
            f"the chosen site {rules.grand_site!r} is not among the candidate sites "
            f"{labels[:10]}; pass one of them"
        )
    site = sites[labels.index(rules.grand_site)]
    area = np.array([site.area_ha])
    development = net_cost_eur(area, site.assumptions, horizon_years=horizon_years)[0]
    ki_pv = ki_present_value_eur(area, site.assumptions, horizon_years=horizon_years)[0]
    return float(development - levy * ki_pv * site.tax_factor), str(rules.grand_site)


def _site(
    site: Mapping, names: list[str], assumptions: FinanceAssumptions, surcharges: Mapping
) -> _Site:
    try:
        parts = dict(site["area_ha_by_municipality"])
        area_ha = float(site["area_ha"])
        score = float(site.get("score", 0.0))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"candidate site {site.get('site_id')!r} lacks {exc}; give site_id, score, area_ha "
            "and area_ha_by_municipality"
        ) from None
    on_land = {m: float(a) for m, a in parts.items() if a > 0}
    outside = not on_land or any(m not in names for m in on_land)
    # a site (partly) outside the partners belongs to no coalition: mask −1 never fits
    mask = -1 if outside else sum(1 << names.index(m) for m in on_land)
    total = sum(on_land.values()) or 1.0
    tax_factor = sum(a / total * surcharges.get(m, 0.0) / 100 for m, a in on_land.items())
    known = {f.name for f in dataclasses.fields(FinanceAssumptions)}
    overrides = {k: v for k, v in site.items() if k in known}
    return _Site(mask, area_ha, score, dataclasses.replace(assumptions, **overrides), tax_factor)
