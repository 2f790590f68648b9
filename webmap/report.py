"""The report for the mayors' conference: HTML (printable, one sheet per page) and PDF.

:func:`report_html` turns a :class:`~webmap.model.ReportData` into one self-contained page:
ranking, one sheet per top site (static map, criteria chart, split, exclusions nearby, finance),
the equalisation (keys side by side, per-partner table and chart, per-year figures, transfers,
core check in plain words), assumptions with sources and the cooperation-form advice.
Templates autoescape every value; the inline SVG comes from :mod:`webmap.svg`, escaped there.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from geopandas import GeoDataFrame
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from webmap.display import plain, require_columns
from webmap.errors import MapDataError
from webmap.i18n import check_lang, labels
from webmap.model import (
    CRITERION_PREFIX,
    MapData,
    ReportData,
    RunStamp,
    SiteSheet,
    criterion_names,
)
from webmap.svg import criteria_chart, grouped_bars, site_snapshot

logger = logging.getLogger(__name__)

#: Report columns of the ranking, in order, with their label keys.
RANKING_COLUMNS = (
    ("rank", "rank"),
    ("site_id", "site"),
    ("score", "score"),
    ("p_first", "p_first"),
    ("p_top3", "p_top3"),
    ("host", "host"),
    ("area_ha", "area_ha"),
)
NEARBY_M = 2_000.0

_environment = Environment(
    loader=PackageLoader("webmap", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=False,
)


class Formats:
    """Number formats of one language: decimal comma in Dutch, point in English."""

    def __init__(self, lang: str):
        self.lang = lang

    def number(self, value: Any, digits: int = 0) -> str:
        value = plain(value)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return "–" if value is None else str(value)
        formatted = f"{value:,.{digits}f}"
        if self.lang == "nl":
            formatted = formatted.replace(",", " ").replace(".", ",").replace(" ", ".")
        return formatted

    def euro(self, value: Any) -> str:
        shown = self.number(value, 0)
        return shown if shown == "–" else f"€ {shown}"

    def percent(self, value: Any) -> str:
        value = plain(value)
        return "–" if not isinstance(value, (int, float)) else f"{self.number(100 * value, 0)} %"


def report_html(data: ReportData, *, lang: str = "nl") -> str:
    """The report as one HTML page (print it, or pass it to :func:`webmap.pdf.html_to_pdf`)."""
    lang = check_lang(lang)
    text = labels(lang)
    formats = Formats(lang)
    template = _environment.get_template("report.html.j2")
    return template.render(
        lang=lang,
        L=text,
        title=data.title,
        robustness=data.robustness,
        ranking=ranking_table(data.sites, text, formats),
        sheets=[sheet_view(sheet, text, formats) for sheet in data.sheets],
        equalisation=equalisation_view(data.equalisation, text, formats),
        assumptions=[assumption_row(a, text, formats) for a in data.assumptions],
        cooperation=[cooperation_row(c, text) for c in data.cooperation],
        run=run_view(data.run),
        warnings=list(data.warnings),
        assumed=assumed_view(data, formats),
    )


def assumed_view(data: ReportData, formats: Formats) -> dict | None:
    """The assumed facts (partner, fact, value, range, source) and, per partner, the net present
    value under each key as computed and at both ends of the ranges."""
    if not data.assumed_facts:
        return None

    def value(v: Any) -> str:
        return formats.number(v, 2).rstrip("0").rstrip(",.")

    rows = [
        (str(a["partner"]), str(a["fact"]), value(a["value"]),
         f"{value(a['low'])} – {value(a['high'])}", str(a["source"]))
        for a in data.assumed_facts
    ]  # fmt: skip
    keys = list(data.assumption_effects)
    partners = list(dict.fromkeys(p for k in keys for p in data.assumption_effects[k]))

    def effect(key: str, partner: str) -> str:
        e = data.assumption_effects[key][partner]
        low, high = sorted((e["net_pv_low_eur"], e["net_pv_high_eur"]))
        return f"{formats.euro(e['net_pv_value_eur'])} ({formats.euro(low)} – {formats.euro(high)})"

    effects = [[p, *(effect(k, p) for k in keys)] for p in partners]
    return {"rows": rows, "key_names": keys, "effects": effects}


def run_view(run: RunStamp | None) -> dict | None:
    """The provenance of the results: run id, time, version, hashes of study.toml and inputs."""
    if run is None:
        return None
    return {
        "run_id": run.run_id,
        "finished_at": run.finished_at,
        "version": run.parkplan_version,
        "study_sha256": run.study_sha256,
        "inputs": sorted(run.inputs_sha256.items()),
    }


def ranking_table(sites: pd.DataFrame, text: Mapping[str, str], formats: Formats) -> dict:
    require_columns(sites, ("site_id", "score"), what="report sites")
    columns = [(c, key) for c, key in RANKING_COLUMNS if c in sites.columns]
    ordered = sites.sort_values("rank" if "rank" in sites else "score", ascending="rank" in sites)
    cell = {
        "score": lambda v: formats.number(v, 2),
        "p_first": formats.percent,
        "p_top3": formats.percent,
        "area_ha": lambda v: formats.number(v, 1),
    }
    rows = [[cell.get(c, plain_text)(row[c]) for c, _ in columns] for _, row in ordered.iterrows()]
    kinds = {"host": "text"}
    return {"columns": [(text[key], kinds.get(c, "")) for c, key in columns], "rows": rows}


def plain_text(value: Any) -> str:
    value = plain(value)
    return "–" if value is None else str(value)


def sheet_view(sheet: SiteSheet, text: Mapping[str, str], formats: Formats) -> dict:
    facts = [
        (text["score"], formats.number(sheet.score, 2)),
        (text["rank"], "–" if sheet.rank is None else str(sheet.rank)),
        (text["area_ha"], formats.number(sheet.area_ha, 1)),
        (text["host"], sheet.host or "–"),
    ]
    if sheet.p_first is not None:
        facts.append((text["p_first"], formats.percent(sheet.p_first)))
    if sheet.p_top3 is not None:
        facts.append((text["p_top3"], formats.percent(sheet.p_top3)))
    split = []
    if sheet.split is not None and len(sheet.split):
        ordered = sheet.split.sort_values("share", ascending=False)
        split = [
            [str(r.municipality), formats.number(r.area_ha, 1), formats.percent(r.share)]
            for r in ordered.itertuples()
        ]
    return {
        "site_id": sheet.site_id,
        "facts": facts,
        "snapshot": site_snapshot(
            sheet.geometry, sheet.crs, sheet.municipalities, title=text["map_snapshot"], size=300
        ),
        "chart": criteria_chart(sheet.breakdown, title=text["breakdown"], width=340),
        "split": split,
        "exclusions": [
            (str(e.get("name", "–")), formats.number(e.get("distance_m"), 0))
            for e in sheet.exclusions_nearby
        ],
        "finance": [
            (finance_label(k, text), finance_value(k, v, formats)) for k, v in sheet.finance.items()
        ],
    }


def finance_label(name: str, text: Mapping[str, str]) -> str:
    """The label of a finance item: translated when known (``npv_eur`` -> "npv")."""
    short = str(name).removesuffix("_eur")
    return text.get(short, short.replace("_", " ").capitalize())


def finance_value(name: str, value: Any, formats: Formats) -> str:
    if str(name).endswith("_eur"):
        return formats.euro(value)
    return formats.number(value, 2) if isinstance(plain(value), float) else str(plain(value))


def equalisation_view(
    summary: Mapping[str, Any] | None, text: Mapping[str, str], formats: Formats
) -> dict | None:
    """What the template shows of the equalisation summary; tolerant of missing parts."""
    if not summary:
        return None
    keys = summary.get("keys") or {}
    key_names = [str(k) for k in keys]
    partners = list(dict.fromkeys(str(p) for k in keys.values() for p in (k or {})))

    def entry(key: Any, partner: str) -> Mapping[str, Any]:
        return {str(p): v for p, v in (keys[key] or {}).items()}.get(partner) or {}

    side_by_side = [
        [partner, *(formats.euro(entry(k, partner).get("net_pv_eur")) for k in keys)]
        for partner in partners
    ]
    per_key = [
        (
            str(k),
            [
                [
                    partner,
                    *(
                        formats.euro(entry(k, partner).get(field))
                        for field in ("paid_eur", "received_eur", "net_eur", "net_pv_eur")
                    ),
                ]
                for partner in partners
            ],
        )
        for k in keys
    ]
    chart_values = {
        str(k): {p: finite(entry(k, p).get("net_pv_eur")) for p in partners} for k in keys
    }
    core_class, core_text, violations = core_words(summary.get("core"), text, formats)
    return {
        "site_id": plain(summary.get("site_id")),
        "npv": formats.euro(summary.get("npv_eur")) if "npv_eur" in summary else "",
        "key_names": key_names,
        "side_by_side": side_by_side if partners else [],
        "per_key": per_key,
        "chart": grouped_bars(chart_values, title=text["net_pv"], format_value=formats.euro)
        if partners
        else "",
        "years": yearly_table(summary.get("ledger"), text, formats),
        "transfers": [
            (str(t.get("from", "–")), str(t.get("to", "–")), formats.euro(t.get("amount_eur")))
            for t in summary.get("transfers") or []
        ],
        "core_class": core_class,
        "core_text": core_text,
        "violations": violations,
    }


def finite(value: Any) -> float:
    value = plain(value)
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else 0.0


def core_words(core: Any, text: Mapping[str, str], formats: Formats) -> tuple[str, str, list[str]]:
    """The core check in plain words: (css class, sentence, one line per violation)."""
    if not isinstance(core, Mapping) or "in_core" not in core:
        return "muted", text["core_unknown"], []
    if core["in_core"]:
        return "ok", text["core_ok"], []
    violations = [violation_words(v, formats) for v in core.get("violations") or []]
    return "bad", text["core_violated"] + ".", violations


def violation_words(violation: Any, formats: Formats) -> str:
    if isinstance(violation, Mapping):
        coalition = violation.get("coalition", violation.get("players", "?"))
        if isinstance(coalition, (list, tuple)):
            coalition = " + ".join(map(str, coalition))
        excess = violation.get("excess_eur", violation.get("excess"))
        return f"{coalition}: {formats.euro(excess)}" if excess is not None else str(coalition)
    if isinstance(violation, (list, tuple)):
        return " + ".join(map(str, violation))
    return str(violation)


def yearly_table(ledger: Any, text: Mapping[str, str], formats: Formats) -> dict | None:
    """Net per partner per year from ``ledger`` rows (``year``, ``partner``, ``net_eur``)."""
    if not ledger:
        return None
    frame = pd.DataFrame(list(ledger))
    if not {"year", "partner", "net_eur"} <= set(frame.columns):
        logger.warning("equalisation ledger lacks year/partner/net_eur; per-year table skipped")
        return None
    table = frame.pivot_table(index="year", columns="partner", values="net_eur", aggfunc="sum")
    return {
        "columns": [text["year"], *map(str, table.columns)],
        "rows": [
            [str(plain(year)), *(formats.number(v, 0) for v in row)]
            for year, row in zip(table.index, table.to_numpy(), strict=True)
        ],
    }


def assumption_row(
    assumption: Mapping[str, Any], text: Mapping[str, str], formats: Formats
) -> tuple[str, str, str, str]:
    value = plain(assumption.get("value"))
    shown = (
        formats.number(value, 4).rstrip("0").rstrip(",.")
        if isinstance(value, float)
        else ("–" if value is None else str(value))
    )
    source = assumption.get("source") or "illustrative"
    if str(source).lower() == "illustrative":
        source = text["illustrative"]
    return str(assumption.get("name", "–")), shown, str(assumption.get("unit") or ""), str(source)


def cooperation_row(
    advice: Mapping[str, Any], text: Mapping[str, str]
) -> tuple[str, str, str, str]:
    fits = bool(advice.get("fits"))
    return (
        str(advice.get("form", "–")),
        text["yes"] if fits else text["no"],
        "ok" if fits else "bad",
        str(advice.get("reason", "")),
    )


# --- building sheets from map data ----------------------------------------------------------


def site_sheet(
    data: MapData,
    site_id: Any,
    *,
    exclusions_nearby: Sequence[Mapping[str, Any]] | None = None,
    finance: Mapping[str, Any] | None = None,
    within_m: float = NEARBY_M,
) -> SiteSheet:
    """The report sheet of one site of ``data``.

    When ``exclusions_nearby`` is not given, it lists every exclusion layer of ``data`` within
    ``within_m`` of the site with its shortest distance (0 when they overlap).
    """
    sites = data.sites
    require_columns(sites, ("site_id", "score"), what="sites")
    match = sites[sites["site_id"] == site_id]
    if match.empty:
        raise MapDataError(
            f"site {site_id!r} is not among the sites ({len(sites)} given); pass one of their ids."
        )
    row = match.iloc[0]
    split = data.site_municipalities
    own_split = split[split["site_id"] == site_id] if "site_id" in split else None
    if exclusions_nearby is None:
        exclusions_nearby = nearby(row.geometry, sites.crs, data.exclusions, within_m=within_m)
    return SiteSheet(
        site_id=plain(site_id),
        score=float(row["score"]),
        rank=int(row["rank"]) if "rank" in row and pd.notna(row["rank"]) else None,
        area_ha=float(row["area_ha"]) if "area_ha" in row else float(row.geometry.area / 1e4),
        host=str(row["host"]) if "host" in row and pd.notna(row["host"]) else None,
        geometry=row.geometry,
        crs=str(sites.crs),
        municipalities=data.municipalities,
        breakdown={n: float(row[CRITERION_PREFIX + n]) for n in criterion_names(sites)},
        split=own_split,
        exclusions_nearby=tuple(exclusions_nearby),
        finance=dict(finance or {}),
        p_first=float(row["p_first"]) if "p_first" in row else None,
        p_top3=float(row["p_top3"]) if "p_top3" in row else None,
    )


def nearby(
    site: Any, crs: Any, exclusions: Mapping[str, GeoDataFrame], *, within_m: float
) -> list[dict[str, Any]]:
    """``[{"name", "distance_m"}]`` of the exclusion layers within ``within_m`` of ``site``."""
    if crs is None or not getattr(crs, "is_projected", False):
        raise MapDataError(
            f"sites are in {crs}; distances need a projected CRS in metres such as EPSG:31370."
        )
    found = []
    for name, frame in exclusions.items():
        if not len(frame):
            continue
        distance_m = float(frame.to_crs(crs).distance(site).min())
        if distance_m <= within_m:
            found.append({"name": name, "distance_m": round(distance_m)})
    return sorted(found, key=lambda e: e["distance_m"])


def top_sheets(
    data: MapData, *, count: int = 3, finance: Mapping[Any, Mapping[str, Any]] | None = None
) -> list[SiteSheet]:
    """Sheets of the ``count`` best-ranked sites (by ``rank``, else by ``score``).

    ``finance`` maps a site id to its finance summary (see :class:`SiteSheet`).
    """
    sites = data.sites
    if "rank" in sites:
        ordered = sites.sort_values("rank")
    else:
        ordered = sites.sort_values("score", ascending=False)
    finance = finance or {}
    return [
        site_sheet(data, site_id, finance=finance.get(plain(site_id)))
        for site_id in ordered["site_id"].head(count)
    ]
