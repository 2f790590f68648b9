"""Sanity checks before the dossier: what a mayors' conference must be warned about.

Each check returns notices (:class:`~parkplan.notices.Notice`: a code, the figures, and a
sentence that says what is odd and how to fix it). They are printed by the CLI, kept in
``run.json`` and the web API, and said in the dossier's language on its first page. None of
them stops a run: they flag results that are computed correctly from inputs that are probably
not what the study meant.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from rasterio import features

from equalisation.site_game import FALLBACK
from parkplan import outputs
from parkplan.notices import Notice
from parkplan.pipeline import Scoring, SiteEqualisation, finance_assumptions
from parkplan.study import Study

#: A site is "far" from the pooled demand outside these ratios of its area to the gross need.
SITE_TO_NEED = (1.0, 2.0)
#: |NPV| per gross hectare above which a site's NPV is out of proportion (euros).
NPV_PER_HA_EUR = 1_500_000.0
#: A criterion "hardly varies" when 90 % of its standardised values lie within this span.
FLAT_SPAN = 0.05


def scoring_warnings(study: Study, scoring: Scoring, pooled_net_ha: float | None) -> list[Notice]:
    """Warnings about the sites and the criteria of a scoring."""
    found = []
    if pooled_net_ha:
        found += site_size_warnings(study, scoring.sites, pooled_net_ha)
    found += flat_criteria(scoring)
    found += partners_without_land(study, scoring)
    return found


def site_size_warnings(study: Study, sites: pd.DataFrame, pooled_net_ha: float) -> list[Notice]:
    """The best site far smaller or larger than the partners' pooled demand needs."""
    net_share = finance_assumptions(study).net_share
    need_ha = pooled_net_ha / net_share
    best = sites.iloc[0]
    ratio = float(best["area_ha"]) / need_ha
    low, high = SITE_TO_NEED
    if low <= ratio <= high:
        return []
    size = "smaller" if ratio < low else "larger"
    figures = {
        "site_id": str(best["site_id"]),
        "area_ha": float(best["area_ha"]),
        "need_ha": need_ha,
        "pooled_net_ha": pooled_net_ha,
        "net_share": net_share,
        "ratio": ratio,
    }
    text = (
        f"the best site ({best['site_id']}) is {best['area_ha']:.1f} ha, {size} than the "
        f"{need_ha:.1f} ha gross the partners' pooled demand of {pooled_net_ha:.1f} ha net needs "
        f"(net share {net_share:g}; site/need = {ratio:.2f}); set [sites] target_area_ha = "
        f"{np.ceil(need_ha * 10) / 10:.1f} so that the sites are sized to the demand"
    )
    return [Notice("site_size", text, figures)]


def flat_criteria(scoring: Scoring) -> list[Notice]:
    """Criteria whose standardised values hardly vary over the scored cells."""
    found = []
    weights = scoring.weighting.weights
    for name, path in scoring.suitability.criterion_paths.items():
        values = outputs.score_overlay(path, max_cells=250_000).values
        values = values[np.isfinite(values)]
        if values.size == 0:
            continue
        low, high = np.quantile(values, [0.05, 0.95])
        if high - low < FLAT_SPAN:
            figures = {
                "criterion": name,
                "low": float(low),
                "high": float(high),
                "weight": weights.get(name, 0.0),
            }
            text = (
                f"criterion {name!r} hardly varies over the study area (90 % of its "
                f"standardised values between {low:.2f} and {high:.2f}) yet weighs "
                f"{weights.get(name, 0):.0%}: it cannot tell sites apart; check its transform "
                "against the values in the area (e.g. features all far away), or drop it"
            )
            found.append(Notice("flat_criterion", text, figures))
    return found


def partners_without_land(study: Study, scoring: Scoring) -> list[Notice]:
    """Partners with no cell that scores at or above the site threshold."""
    if scoring.area is None or not study.partners:
        return []
    overlay = outputs.score_overlay(scoring.suitability.path, max_cells=1_000_000)
    hosts = scoring.area.hosts.to_crs(overlay.crs)
    shape = overlay.values.shape
    codes = features.rasterize(
        ((geometry, i + 1) for i, geometry in enumerate(hosts.geometry)),
        out_shape=shape,
        transform=overlay.transform,
        fill=0,
        dtype="int32",
    )
    good = np.nan_to_num(overlay.values, nan=-1.0) >= study.sites.threshold
    without = [
        name
        for i, name in enumerate(hosts["name"])
        if not np.any(good & (codes == i + 1)) and name in {p.name for p in study.partners}
    ]
    if not without:
        return []
    text = (
        f"partners {', '.join(without)} have no land scoring {study.sites.threshold:g} or more: "
        "they can host no candidate site, and their stand-alone option in the game has no site "
        "of their own; check the exclusions over their territory, or lower [sites] threshold"
    )
    figures = {"partners": without, "threshold": study.sites.threshold}
    return [Notice("partners_without_land", text, figures)]


def equalisation_warnings(eq: SiteEqualisation) -> list[Notice]:
    """Warnings about the equalised site's finance, the game and the assumed facts."""
    found = []
    finance = eq.result.finance
    area_ha = float(sum(eq.result.site_area_ha_by_municipality.values()))
    npv = float(finance.npv_eur)
    if area_ha > 0 and abs(npv) / area_ha > NPV_PER_HA_EUR:
        text = (
            f"the site's net present value of {npv:,.0f} euros is out of proportion to its "
            f"{area_ha:,.1f} ha ({abs(npv) / area_ha:,.0f} euros per ha); check the site's size "
            "and [finance.assumptions]"
        )
        figures: dict[str, Any] = {
            "npv_eur": npv,
            "area_ha": area_ha,
            "npv_per_ha_eur": abs(npv) / area_ha,
        }
        found.append(Notice("npv_out_of_proportion", text, figures))
    found += fallback_warnings(eq)
    if eq.assumed:
        facts = sorted({f"{a.fact} of {a.partner}" for a in eq.assumed})
        text = (
            f"{len(eq.assumed)} unknown facts were assumed ({', '.join(facts)}); the dossier "
            "shows each assumption and the net results at both ends of its range; fill in the "
            "real figures in [[partners]] to remove this warning"
        )
        pairs = sorted({(a.partner, a.fact) for a in eq.assumed})
        figures = {"count": len(eq.assumed), "facts": [list(pair) for pair in pairs]}
        found.append(Notice("facts_assumed", text, figures))
    return found


def fallback_warnings(eq: SiteEqualisation) -> list[Notice]:
    """The fair-division game resting on hypothetical (fallback) parks."""
    game = eq.result.games
    if game is None or game.site_game.rules.no_site != "hypothetical_park":
        return []
    site_game = game.site_game
    players = site_game.game.players
    uses = [site == FALLBACK for site in site_game.site_by_coalition[1:]]
    if not any(uses):
        return []
    grand = site_game.site_of(players)
    share = f"{sum(uses)} of {len(uses)} coalitions"
    if grand == FALLBACK:
        lead = (
            "no candidate site holds the partners' pooled demand, so the game prices even the "
            "pooled park as a hypothetical park at the general assumptions"
        )
    else:
        lead = "the game prices some coalitions' own parks as hypothetical parks"
    text = (
        f"{lead} ({share}); the core check rests on those hypothetical parks; size the sites "
        "to the demand ([sites] target_area_ha) so that real candidate sites price the game"
    )
    figures = {"grand": grand == FALLBACK, "using": sum(uses), "coalitions": len(uses)}
    return [Notice("hypothetical_parks", text, figures)]
