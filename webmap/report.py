"""The dossier for the mayors' conference: one printable HTML page (and PDF through Chromium).

:func:`report_html` turns a :class:`~webmap.report_model.ReportData` into twelve chapters, Dutch
first or English: (1) the summary, (2) the method, (3) the exclusions, (4) the criteria,
(5) the overview map and the ranking, (6) a sheet per top site, (7) the sensitivity,
(8) the site's finance and the reconciliation, (9) the sharing keys, (10) alone versus
together, (11) assumptions and sources, (12) the form of cooperation. Every word comes from the
catalogue (:mod:`webmap.catalogue`), every sentence is written from structured results
(:mod:`webmap.prose`), every number in the language's format (:mod:`webmap.formats`). The
template autoescapes every value; the inline SVG comes from :mod:`webmap.svg` and
:mod:`webmap.charts`, escaped there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from geopandas import GeoDataFrame
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from shapely.geometry.base import BaseGeometry

from geo.proximity import NearbyLayer
from geo.transforms import Transform, standardise
from webmap.catalogue import DOSSIER
from webmap.charts import (
    Contribution,
    TornadoBar,
    contribution_bars,
    nice_ceiling,
    tornado,
    transform_curve,
)
from webmap.display import plain, require_columns
from webmap.errors import MapDataError
from webmap.formats import Formats, percentages
from webmap.i18n import LANGUAGES, check_lang, say, term
from webmap.map_data import CRITERION_PREFIX, criterion_names
from webmap.notices import notice_sentence
from webmap.prose import (
    Names,
    criterion_measure,
    exclusion_rule,
    game_rule,
    robustness_sentences,
    site_odds,
    sweep_sentence,
    transform_words,
)
from webmap.report_model import Criterion, MapBackground, ReportData, SiteSheet
from webmap.report_money import (
    Context,
    alone_together_view,
    fairness_rows,
    finance_view,
    keys_view,
    summary_money,
)
from webmap.report_sources import (
    assumed_view,
    cooperation_view,
    finance_assumption_rows,
    layers_view,
    partner_facts_view,
    run_view,
)
from webmap.svg import SnapshotView, overview_frame, overview_map, site_snapshot

__all__ = ["Formats", "map_views", "report_html", "sheet_map", "site_sheet", "top_sheets"]

logger = logging.getLogger(__name__)

NEARBY_M = 2_000.0
#: Sizes (pixels) of a site sheet's map and of the overview map; how far a sheet's map
#: reaches beyond its site (times the site's largest side).
SNAPSHOT_PX, OVERVIEW_PX, SNAPSHOT_MARGIN = 300, 640, 1.5
#: The name of the overview map in :func:`map_views`.
OVERVIEW_MAP = "overview"
#: The code of the warning that the base map could not be loaded (see webmap.notices).
BASEMAP_NOTICE = "basemap_unavailable"
#: Raw-value units of the criterion kinds, for the standardisation curves.
RAW_UNITS = {"distance": "m"}

_environment = Environment(
    loader=PackageLoader("webmap", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=False,
)


def report_html(data: ReportData, *, lang: str = "nl") -> str:
    """The dossier as one HTML page (print it, or pass it to :func:`webmap.pdf.html_to_pdf`)."""
    lang = check_lang(lang)
    exclusions = data.exclusions.lines if data.exclusions else ()
    ctx = Context(lang, Formats(lang), Names.of(lang, data.criteria, exclusions, data.keys))
    summary = data.equalisation
    chosen = lead_key(data)
    template = _environment.get_template("report.html.j2")
    return template.render(
        lang=lang,
        W={key: pair[LANGUAGES.index(lang)] for key, pair in DOSSIER.items()},
        title=data.title,
        frame=page_frame(data, ctx),
        summary=summary_view(data, chosen, ctx),
        method=method_view(data, ctx),
        exclusions=exclusions_view(data, ctx),
        criteria=criteria_view(data, ctx),
        overview=overview_view(data, ctx),
        sheets=[sheet_view(sheet, data, ctx) for sheet in data.sheets],
        sensitivity=sensitivity_view(data, ctx),
        finance=finance_view(summary, ctx) if summary else None,
        keys=keys_view(summary, data.keys, chosen, ctx) if summary else None,
        together=alone_together_view(summary, chosen, ctx) if summary else None,
        assumptions=finance_assumption_rows(data, ctx),
        assumed=assumed_view(data, ctx),
        partners=partner_facts_view(data, ctx),
        layers=layers_view(data, ctx),
        run=run_view(data.run),
        cooperation=cooperation_view(data.cooperation, data.answers, ctx),
    )


def lead_key(data: ReportData) -> str | None:
    """The key the dossier leads with: the study's chosen key, else the summary's first."""
    summary = data.equalisation
    if summary is None or not summary.keys:
        return None
    names = [k.name for k in summary.keys]
    return data.chosen_key if data.chosen_key in names else names[0]


def page_frame(data: ReportData, ctx: Context) -> dict[str, Markup]:
    """What the margins of every printed page say, as CSS strings: the run, its date and the
    parkplan version at the bottom left, the page number at the bottom right."""
    run = data.run
    line = ""
    if run is not None:
        date = ctx.fmt.date(run.finished_at) if run.finished_at else ""
        line = str(
            say(
                "run_line",
                ctx.lang,
                run_id=run.run_id,
                date=date,
                version=run.parkplan_version or "?",
            )
        )
    before, _, rest = DOSSIER["page_of"][LANGUAGES.index(ctx.lang)].partition("{page}")
    middle, _, after = rest.partition("{pages}")
    page = f"{css_string(before)} counter(page) {css_string(middle)} counter(pages)"
    return {
        "run": Markup(css_string(Markup(line).striptags())),
        "page": Markup(f"{page} {css_string(after)}"),
    }


def css_string(value: str) -> str:
    """``value`` as a quoted CSS string: every character but letters, digits, spaces and a few
    marks written as a CSS escape, so that no text can leave the string."""
    safe = set(" .,:;·–-_()")
    return (
        '"'
        + "".join(
            c if (c.isalnum() and c.isascii()) or c in safe else f"\\{ord(c):06x}" for c in value
        )
        + '"'
    )


# --- 1 summary -----------------------------------------------------------------------------------


def ranked(sites: pd.DataFrame) -> pd.DataFrame:
    """The sites best first."""
    require_columns(sites, ("site_id", "score"), what="report sites")
    if "rank" in sites:
        return sites.sort_values(["rank", "site_id"])
    return sites.sort_values("score", ascending=False)


def top_column(data: ReportData) -> str:
    """The name of the sites' top-k probability column (``p_top3`` by default)."""
    k = data.robustness.top_k if data.robustness else 3
    return f"p_top{k}"


def odds(data: ReportData) -> list[tuple[Any, float, float]]:
    """``(site_id, p_first, p_top)`` of every site, best first (empty without draws)."""
    column = top_column(data)
    sites = ranked(data.sites)
    if "p_first" not in sites or column not in sites:
        return []
    return [
        (plain(r["site_id"]), float(r["p_first"]), float(r[column])) for _, r in sites.iterrows()
    ]


def summary_view(data: ReportData, chosen: str | None, ctx: Context) -> dict[str, Any]:
    """Chapter 1: the recommended site and how stable it is, the money under the chosen key,
    whether everyone is better off than alone, the open warnings."""
    best = ranked(data.sites).iloc[0]
    site = say(
        "summary_site",
        ctx.lang,
        site=ctx.names.site(plain(best["site_id"]), capital=True),
        host=best.get("host", "–"),
        area=ctx.fmt.hectares(best.get("area_ha")),
        score=ctx.fmt.score(best["score"]),
    )
    summary = data.equalisation
    money = summary_money(summary, chosen, ctx) if summary and chosen else None
    allocations = [f"key:{chosen}", "shapley", "nucleolus", "prenucleolus"] if chosen else []
    return {
        "site": site,
        "stability": robustness_sentences(odds(data), data.robustness, ctx.names, ctx.fmt),
        "money": money,
        "fairness": fairness_rows(summary, allocations, ctx) if summary else [],
        "warnings": [notice_sentence(n, ctx.names, ctx.fmt) for n in data.warnings],
    }


# --- 2 method --------------------------------------------------------------------------------


def method_view(data: ReportData, ctx: Context) -> list[Markup]:
    """Chapter 2: the method in plain words, one paragraph per step."""
    lang, fmt, m = ctx.lang, ctx.fmt, data.method
    weighting = term("weight_method", m.weight_method, lang) or m.weight_method
    aggregation = term("aggregation", m.aggregation, lang) or m.aggregation
    exclusions = data.exclusions.lines if data.exclusions else ()
    paragraphs = [
        say(
            "method_tiers",
            lang,
            exclusions=len(exclusions),
            criteria=len(data.criteria),
            cell=f"{fmt.trimmed(m.cell_size_m)} × {fmt.metres(m.cell_size_m)}",
        ),
        say("method_standardise", lang, weighting=weighting, aggregation=aggregation),
        sites_paragraph(data, ctx),
        area_paragraph(data, ctx),
    ]
    summary = data.equalisation
    if summary is not None:
        mechanisms = [
            Markup("{} ({})").format(term("mechanism", x.name, lang) or x.name, ctx.w("what_if"))
            if x.needs_new_legislation
            else Markup.escape(term("mechanism", x.name, lang) or x.name)
            for x in summary.mechanisms
        ]
        paragraphs += [
            say(
                "method_finance",
                lang,
                years=len(summary.years),
                start=summary.years[0],
                rate=fmt.percent(summary.discount_rate_per_year, 1),
            ),
            say("method_tax", lang, tax_year=m.tax_year or "–"),
            say("method_sharing", lang, mechanisms=Markup("; ").join(mechanisms)),
            say("method_game", lang, rule=game_rule(m, lang)),
        ]
    return paragraphs


def sites_paragraph(data: ReportData, ctx: Context) -> Markup:
    m, fmt = data.method, ctx.fmt
    if m.site_source == "layer":
        return say("method_sites_layer", ctx.lang)
    target = (
        say("method_sites_target", ctx.lang, target=fmt.hectares(m.target_area_ha))
        if m.target_area_ha
        else Markup("")
    )
    return say(
        "method_sites_regions",
        ctx.lang,
        threshold=fmt.number(m.threshold, 2),
        min_area=fmt.hectares(m.min_area_ha),
        target=target,
        max_sites=m.max_sites,
    )


def area_paragraph(data: ReportData, ctx: Context) -> Markup:
    m = data.method
    buffer = (
        say("method_area_buffer", ctx.lang, buffer=ctx.fmt.metres(m.area_buffer_m))
        if m.area_buffer_m
        else Markup("")
    )
    if m.area_layer:
        return say("method_area_layer", ctx.lang, buffer=buffer)
    return say("method_area_partners", ctx.lang, count=len(m.partners), buffer=buffer)


# --- 3 exclusions, 4 criteria ---------------------------------------------------------------------


def exclusions_view(data: ReportData, ctx: Context) -> dict[str, Any] | None:
    """Chapter 3: each exclusion with its rule and the area it removes alone and in sequence."""
    report = data.exclusions
    if report is None:
        return None
    fmt = ctx.fmt
    share = report.excluded_ha / report.grid_ha if report.grid_ha else float("nan")
    return {
        "intro": say(
            "exclusions_intro",
            ctx.lang,
            excluded=fmt.hectares(report.excluded_ha, 0),
            grid=fmt.hectares(report.grid_ha, 0),
            share=fmt.percent(share),
        ),
        "rows": [
            (
                ctx.names.exclusion(line.name),
                exclusion_rule(line, ctx.lang, fmt),
                fmt.number(line.alone_ha, 1),
                fmt.number(line.in_sequence_ha, 1),
            )
            for line in report.lines
        ],
        "total": fmt.number(report.excluded_ha, 1),
    }


def criteria_view(data: ReportData, ctx: Context) -> dict[str, Any]:
    """Chapter 4: each criterion with its layer, standardisation (words and curve) and weight;
    the AHP matrix and its consistency ratio when the weights came from pairwise judgements."""
    fmt = ctx.fmt
    rows = []
    for c in data.criteria:
        unit = RAW_UNITS.get(c.kind, "")
        weight = fmt.percent(c.weight, 1)
        if c.weight_given is not None:
            weight = Markup("{} ({})").format(
                weight, say("weight_given", ctx.lang, given=fmt.trimmed(c.weight_given, 3))
            )
        rows.append(
            {
                "label": ctx.names.criterion(c.name),
                "measure": criterion_measure(c, ctx.lang, fmt),
                "transform": transform_words(c.transform, unit, ctx.lang, fmt),
                "curve": curve_of(c, ctx),
                "weight": weight,
            }
        )
    return {"rows": rows, "ahp": ahp_view(data, ctx)}


def curve_of(criterion: Criterion, ctx: Context) -> Markup | str:
    """A small chart of the standardisation (none for categories)."""
    spec = dict(criterion.transform)
    if spec.get("kind") == "categorical":
        return ""
    if spec.get("points"):
        spec["points"] = tuple(tuple(p) for p in spec["points"])
        xs = [p[0] for p in spec["points"]]
    else:
        xs = [float(spec[k]) for k in ("a", "b", "c", "d") if spec.get(k) is not None]
    if not xs:
        return ""
    low, high = min(xs), max(xs)
    pad = (high - low) * 0.15 or 1.0
    if criterion.kind == "distance":
        low, high = 0.0, nice_ceiling(high + pad)
    else:
        low, high = low - pad, high + pad
    x = np.linspace(low, high, 121)
    mu = standardise(x, Transform(**{k: v for k, v in spec.items() if v is not None}))
    unit = RAW_UNITS.get(criterion.kind, "")
    return transform_curve(
        list(x),
        list(mu),
        title=ctx.names.criterion(criterion.name),
        format_x=lambda v: f"{ctx.fmt.trimmed(v, 1)} {unit}".strip(),
    )


def ahp_view(data: ReportData, ctx: Context) -> dict[str, Any] | None:
    ahp = data.method.ahp
    if ahp is None:
        return None
    fmt = ctx.fmt
    labels = [ctx.names.criterion(n) for n in ahp.names]
    return {
        "intro": say(
            "ahp_intro",
            ctx.lang,
            cr=fmt.number(ahp.cr, 3),
            lam=fmt.number(ahp.lambda_max, 3),
            verdict=ctx.w("acceptable" if ahp.acceptable else "not_acceptable"),
        ),
        "labels": labels,
        "rows": [
            [labels[i], *(fmt.trimmed(v, 3) for v in row)] for i, row in enumerate(ahp.matrix)
        ],
    }


# --- 5 overview and ranking ----------------------------------------------------------------------


def overview_view(data: ReportData, ctx: Context) -> dict[str, Any]:
    """Chapter 5: the region with the ranked sites, and the ranking table."""
    fmt, column = ctx.fmt, top_column(data)
    k = data.robustness.top_k if data.robustness else 3
    sites = ranked(data.sites)
    rows = []
    for _, r in sites.iterrows():
        rows.append(
            [
                str(plain(r.get("rank", "–"))),
                str(plain(r["site_id"])),
                fmt.score(r["score"]),
                fmt.percent(r.get("p_first")),
                fmt.percent(r.get(column)),
                ctx.names.municipality(str(r.get("host", "–"))),
                fmt.number(r.get("area_ha"), 1),
            ]
        )
    return {
        "map": overview_map(
            data.municipalities,
            data.method.partners,
            data.sites,
            title=ctx.w("overview"),
            size=OVERVIEW_PX,
            background=data.overview_background,
        )
        if has_overview(data)
        else "",
        "map_note": map_note(data, data.overview_background, ctx),
        "columns": [
            ctx.w("rank"),
            ctx.w("site"),
            ctx.w("score"),
            ctx.w("p_first"),
            str(say("p_top", ctx.lang, k=k)),
            ctx.w("host"),
            ctx.w("area") + " (ha)",
        ],
        "rows": rows,
    }


def has_overview(data: ReportData) -> bool:
    """Whether the dossier draws the overview map (sites with geometry, municipalities)."""
    return isinstance(data.sites, GeoDataFrame) and bool(len(data.municipalities))


def map_note(data: ReportData, background: MapBackground | None, ctx: Context) -> str:
    """What a map's caption adds: that its base map could not be loaded, when the run has
    that warning and the map has no background."""
    missing = any(n.code == BASEMAP_NOTICE for n in data.warnings)
    return ctx.w("background_missing") if missing and background is None else ""


def map_views(data: ReportData) -> dict[str, tuple[SnapshotView, str]]:
    """Each map of the dossier that a base map can lie under, with what it shows and its CRS:
    ``"overview"`` and ``"site:<site_id>"`` per sheet (the caller fetches the pictures)."""
    views = {}
    if has_overview(data):
        crs = data.sites.crs
        views[OVERVIEW_MAP] = (
            overview_frame(data.municipalities, data.method.partners, crs, size=OVERVIEW_PX),
            str(crs),
        )
    for sheet in data.sheets:
        view = SnapshotView.around(sheet.geometry, size=SNAPSHOT_PX, margin_factor=SNAPSHOT_MARGIN)
        views[sheet_map(sheet)] = (view, sheet.crs)
    return views


def sheet_map(sheet: SiteSheet) -> str:
    """The name of a site sheet's map in :func:`map_views`."""
    return f"site:{plain(sheet.site_id)}"


# --- 6 site sheets ---------------------------------------------------------------------------


def sheet_view(sheet: SiteSheet, data: ReportData, ctx: Context) -> dict[str, Any]:
    """One site's sheet: map, facts, the score as contributions, the split, the robustness."""
    fmt, names = ctx.fmt, ctx.names
    weights = {c.name: c.weight for c in data.criteria}
    parts = [
        Contribution(names.criterion(n), weights.get(n, 0.0), float(v))
        for n, v in sheet.breakdown.items()
    ]
    facts = [
        (ctx.w("score"), fmt.score(sheet.score)),
        (ctx.w("rank"), "–" if sheet.rank is None else str(sheet.rank)),
        (ctx.w("area"), fmt.hectares(sheet.area_ha)),
        (ctx.w("host"), names.municipality(sheet.host or "–")),
    ]
    summary = data.equalisation
    equalised = summary is not None and str(summary.site_id) == str(sheet.site_id)
    if equalised and summary is not None:
        facts += [
            (ctx.w("npv"), fmt.euro_of_cents(summary.npv_cents)),
            (ctx.w("payback"), str(summary.payback_year or ctx.w("no_payback"))),
        ]
    wlc = data.method.aggregation == "wlc"
    return {
        "site_id": plain(sheet.site_id),
        "title": say("sheet", ctx.lang, site=names.site(plain(sheet.site_id))),
        "facts": facts,
        "snapshot": site_snapshot(
            sheet.geometry,
            sheet.crs,
            sheet.municipalities,
            title=ctx.w("location"),
            size=SNAPSHOT_PX,
            margin_factor=SNAPSHOT_MARGIN,
            background=sheet.background,
        ),
        "map_note": map_note(data, sheet.background, ctx),
        "contributions": [
            (p.label, fmt.number(p.value, 2), fmt.percent(p.weight, 1), fmt.number(p.part, 3))
            for p in parts
        ],
        "score_sum": fmt.number(sum(p.part for p in parts), 3),
        "bars": contribution_bars(
            parts,
            title=ctx.w("contributions"),
            format_value=lambda v: fmt.number(v, 3),
            total_label=ctx.w("score"),
        ),
        "contributions_note": ""
        if wlc
        else say(
            "contributions_other",
            ctx.lang,
            aggregation=term("aggregation", data.method.aggregation, ctx.lang),
        ),
        "split": split_rows(sheet, ctx),
        "nearby_title": say("nearby", ctx.lang, distance=fmt.metres(NEARBY_M)),
        "nearby": [
            (names.exclusion(layer.name), fmt.metres(layer.distance_m))
            for layer in sheet.exclusions_nearby
        ],
        "odds": site_odds(
            plain(sheet.site_id), sheet.p_first, sheet.p_top, data.robustness, names, fmt
        ),
        "finance_note": ""
        if equalised or summary is None
        else say("finance_elsewhere", ctx.lang, site=names.site(summary.site_id)),
    }


def split_rows(sheet: SiteSheet, ctx: Context) -> list[tuple[str, str, str]]:
    """The municipalities a site lies in, largest first, with whole percentages that add up to
    100 (largest remainder)."""
    if sheet.split is None or not len(sheet.split):
        return []
    ordered = sheet.split.sort_values(["share", "municipality"], ascending=[False, True])
    shares = percentages(
        {
            str(municipality): float(share)
            for municipality, share in zip(ordered["municipality"], ordered["share"], strict=True)
        }
    )
    return [
        (
            ctx.names.municipality(str(r.municipality)),
            ctx.fmt.hectares(r.area_ha),
            f"{shares[str(r.municipality)]}\u00a0%",
        )
        for r in ordered.itertuples()
    ]


# --- 7 sensitivity ---------------------------------------------------------------------------


def sensitivity_view(data: ReportData, ctx: Context) -> dict[str, Any]:
    """Chapter 7: the weight sweep as a tornado and in words."""
    ranges = data.leader_ranges
    if not ranges:
        return {"chart": "", "sentence": sweep_sentence((), ctx.names, ctx.fmt), "caption": ""}
    bars = [
        TornadoBar(
            ctx.names.criterion(r.criterion),
            0.0 if r.loses_below is None else r.loses_below,
            1.0 if r.loses_above is None else r.loses_above,
            r.weight,
            None if r.rival_below is None else ctx.names.site(r.rival_below),
            None if r.rival_above is None else ctx.names.site(r.rival_above),
        )
        for r in ranges
    ]
    leader = ctx.names.site(ranges[0].leader)
    return {
        "chart": tornado(bars, title=ctx.w("sensitivity"), format_value=ctx.fmt.percent),
        "caption": say("tornado_caption", ctx.lang, site=leader),
        "sentence": sweep_sentence(ranges, ctx.names, ctx.fmt),
    }


# --- building sheets -------------------------------------------------------------------------


def site_sheet(
    sites: GeoDataFrame,
    split: pd.DataFrame,
    municipalities: GeoDataFrame,
    site_id: Any,
    *,
    nearby: Sequence[NearbyLayer] = (),
    top_k: int = 3,
) -> SiteSheet:
    """The dossier sheet of one site of ``sites``: its split, its criterion values, and the
    exclusion layers ``nearby`` (measured by :func:`geo.proximity.layers_within`)."""
    require_columns(sites, ("site_id", "score"), what="sites")
    match = sites[sites["site_id"].astype(str) == str(site_id)]
    if match.empty:
        raise MapDataError(
            f"site {site_id!r} is not among the sites ({len(sites)} given); pass one of their ids."
        )
    row = match.iloc[0]
    own = split[split["site_id"].astype(str) == str(site_id)] if "site_id" in split else None
    column = f"p_top{top_k}"
    return SiteSheet(
        site_id=plain(row["site_id"]),
        score=float(row["score"]),
        rank=int(row["rank"]) if "rank" in row and pd.notna(row["rank"]) else None,
        area_ha=float(row["area_ha"]) if "area_ha" in row else float(row.geometry.area / 1e4),
        host=str(row["host"]) if "host" in row and pd.notna(row["host"]) else None,
        geometry=row.geometry,
        crs=str(sites.crs),
        municipalities=municipalities,
        breakdown={n: float(row[CRITERION_PREFIX + n]) for n in criterion_names(sites)},
        split=own,
        exclusions_nearby=tuple(nearby),
        p_first=float(row["p_first"]) if "p_first" in row and pd.notna(row["p_first"]) else None,
        p_top=float(row[column]) if column in row and pd.notna(row[column]) else None,
    )


def top_sheets(
    sites: GeoDataFrame,
    split: pd.DataFrame,
    municipalities: GeoDataFrame,
    *,
    count: int = 3,
    nearby: Callable[[BaseGeometry], Sequence[NearbyLayer]] | None = None,
    top_k: int = 3,
) -> list[SiteSheet]:
    """Sheets of the ``count`` best-ranked sites (by ``rank``, else by ``score``), each with the
    layers ``nearby`` its shape (none when not given)."""
    top = ranked(sites).head(count)
    return [
        site_sheet(
            sites,
            split,
            municipalities,
            site_id,
            nearby=nearby(shape) if nearby is not None else (),
            top_k=top_k,
        )
        for site_id, shape in zip(top["site_id"], top.geometry, strict=True)
    ]
