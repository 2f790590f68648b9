"""The fair-division game of a pooled park: what each coalition would pay on its own.

For a coalition ``S`` of partners:

- pooled demand ``D_S = Σ_{i∈S} demand_ha_i`` (net hectares), gross need ``G_S = D_S / net_share``;
- ``S``'s own sites are the candidate sites whose land lies wholly within ``S``'s municipalities
  and whose area is at least ``G_S``;
- ``c(S)`` = net cost (− NPV, :func:`~equalisation.finance.net_cost_eur`) of a park of ``G_S``
  on the cheapest of those sites, the higher score breaking ties. A site may override any
  finance assumption (e.g. ``"land_price_eur_per_m2"``) among its fields;
- a coalition without a site of its own is priced with the **fallback rule**: a park of ``G_S``
  at the general assumptions, as if it found land elsewhere on its territory (the figure a
  municipality would face going alone);
- a coalition without demand costs 0.

The game is built as one vectorised table over all ``2^n`` coalitions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from equalisation.coalitions import Game, membership_sums
from equalisation.errors import GameError, InputError
from equalisation.finance import FinanceAssumptions, net_cost_eur
from equalisation.keys import Partner

#: Most partners for the site game (one table of 2^n coalitions).
MAX_PARTNERS = 20
FALLBACK = "fallback"


@dataclass(frozen=True)
class SiteGame:
    """The cost game and, per coalition, the site chosen (``"fallback"`` without one)."""

    game: Game
    site_by_coalition: tuple[str, ...]
    rule: str

    def site_of(self, coalition: Sequence[str]) -> str:
        position = {p: i for i, p in enumerate(self.game.players)}
        return self.site_by_coalition[sum(1 << position[p] for p in coalition)]


def site_cost_game(
    *,
    partners: Sequence[Partner],
    candidate_sites: Sequence[Mapping],
    assumptions: FinanceAssumptions,
    horizon_years: int,
) -> SiteGame:
    """The cost game ``c(S)`` of the partners from the candidate sites; see the module docstring.

    Each site is plain data: ``{"site_id", "score", "area_ha", "area_ha_by_municipality": {...}}``
    plus optional finance overrides.
    """
    names = [p.name for p in partners]
    n = len(names)
    if not 1 <= n <= MAX_PARTNERS:
        raise GameError(f"the site game has {n} partners; expected 1 to {MAX_PARTNERS}")
    demand = membership_sums(np.array([p.demand_ha for p in partners]))
    gross_need = demand / assumptions.net_share
    priced: dict[FinanceAssumptions, np.ndarray] = {}

    def cost_with(site_assumptions: FinanceAssumptions) -> np.ndarray:
        if site_assumptions not in priced:  # sites without overrides share one pricing
            priced[site_assumptions] = net_cost_eur(
                gross_need, site_assumptions, horizon_years=horizon_years
            )
        return priced[site_assumptions]

    cost = cost_with(assumptions).copy()
    chosen = np.full(1 << n, -1)
    best_score = np.full(1 << n, -np.inf)
    masks = np.arange(1 << n, dtype=np.int64)
    for index, site in enumerate(candidate_sites):
        site_mask, area_ha, score, site_assumptions = _site(site, names, assumptions)
        fits = ((masks & site_mask) == site_mask) & (area_ha >= gross_need - 1e-9) & (demand > 0)
        site_cost = cost_with(site_assumptions)[fits]
        current = np.where(chosen[fits] >= 0, cost[fits], np.inf)
        better = (site_cost < current - 1e-6) | (
            np.isclose(site_cost, current, atol=1e-6) & (score > best_score[fits])
        )
        rows = np.flatnonzero(fits)[better]
        cost[rows], chosen[rows], best_score[rows] = site_cost[better], index, score
    cost[demand == 0] = 0.0
    labels = [str(site.get("site_id", i)) for i, site in enumerate(candidate_sites)]
    site_by_coalition = tuple(labels[c] if c >= 0 else FALLBACK for c in chosen)
    return SiteGame(
        game=Game.from_table(names, "cost", cost),
        site_by_coalition=site_by_coalition,
        rule=(
            "c(S) = net cost (−NPV) of a park sized to S's pooled demand on the cheapest "
            "candidate site lying wholly within S's municipalities (higher score breaks ties); "
            "without such a site, a park of that size at the general assumptions (fallback); "
            "0 without demand"
        ),
    )


def _site(site: Mapping, names: list[str], assumptions: FinanceAssumptions):
    try:
        parts = dict(site["area_ha_by_municipality"])
        area_ha = float(site["area_ha"])
        score = float(site.get("score", 0.0))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"candidate site {site.get('site_id')!r} lacks {exc}; give site_id, score, area_ha "
            "and area_ha_by_municipality"
        ) from None
    on_land = [m for m, a in parts.items() if a > 0]
    outside = not on_land or any(m not in names for m in on_land)
    # a site (partly) outside the partners belongs to no coalition: mask −1 never fits
    mask = -1 if outside else sum(1 << names.index(m) for m in on_land)
    known = {f.name for f in dataclasses.fields(FinanceAssumptions)}
    overrides = {k: v for k, v in site.items() if k in known}
    return mask, area_ha, score, dataclasses.replace(assumptions, **overrides)
