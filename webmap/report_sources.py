"""The dossier's chapters on what it rests on: assumptions and sources (11), the form of
cooperation (12), and the provenance of the layers and of the run."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from webmap.advice import advice_reason
from webmap.formats import DASH, Formats
from webmap.i18n import say, term, verbatim
from webmap.prose import assumption_source
from webmap.report_model import (
    Cooperation,
    CooperationAnswers,
    LayerProvenance,
    ReportData,
    RunStamp,
)
from webmap.report_money import Context

#: Units whose values are fractions, shown as percentages.
FRACTION_UNITS = ("share", "per year")
#: Units the value already says (a euro sign, a choice's name).
SILENT_UNITS = (*FRACTION_UNITS, "EUR", "choice")


def assumption_value(value: Any, unit: str, fmt: Formats, lang: str) -> str:
    """A finance assumption's value in the dossier's format: ``70 %``, ``€ 500.000``, ``7,5``."""
    if isinstance(value, str):
        return term("choice", value, lang) or value
    if unit in FRACTION_UNITS:
        return fmt.share(value)
    if unit == "EUR":
        return fmt.euro(value)
    return fmt.trimmed(value, 4)


def assumption_range(text: str, unit: str, fmt: Formats, lang: str) -> str:
    """The plausible range as the finance library writes it (``0.65–0.75``, ``100,000–300,000``,
    ``capped``, ``developer | director``), in the dossier's format."""
    if text == "capped":
        return say("range_capped", lang)
    if "|" in text:
        return " | ".join(term("choice", c.strip(), lang) or c.strip() for c in text.split("|"))
    ends = []
    for end in text.split("–"):
        number = end.replace(",", "").strip()
        if not re.fullmatch(r"-?\d+(\.\d+)?", number):
            return text
        ends.append(assumption_value(float(number), unit, fmt, lang))
    return " – ".join(ends)


def finance_assumption_rows(data: ReportData, ctx: Context) -> list[tuple]:
    """Name, value, unit, plausible range, source and meaning of each finance assumption."""
    rows = []
    for item in data.assumptions:
        rows.append(
            (
                term("assumption", item.name, ctx.lang) or item.name,
                assumption_value(item.value, item.unit, ctx.fmt, ctx.lang),
                "" if item.unit in SILENT_UNITS else (term("unit", item.unit, ctx.lang) or ""),
                assumption_range(item.range, item.unit, ctx.fmt, ctx.lang),
                ctx.w("illustrative" if item.illustrative else "given_in_study"),
                term("assumption_meaning", item.name, ctx.lang) or "",
            )
        )
    return rows


def assumed_view(data: ReportData, ctx: Context) -> dict[str, Any] | None:
    """The partners' assumed facts with range and source, and the effect of the ranges on each
    partner's net present value under each key."""
    if not data.assumed:
        return None
    fmt = ctx.fmt
    rows = [
        (
            a.partner,
            ctx.names.fact(a.fact),
            fmt.trimmed(a.value, 2),
            f"{fmt.trimmed(a.low, 2)} – {fmt.trimmed(a.high, 2)}",
            assumption_source(a.source, ctx.names),
        )
        for a in data.assumed
    ]
    keys = list(data.assumption_effects)
    partners = list(dict.fromkeys(p for k in keys for p in data.assumption_effects[k]))

    def effect(key: str, partner: str) -> Markup:
        value, low, high = data.assumption_effects[key][partner]
        low, high = sorted((low, high))
        return Markup('{}<br><span class="muted">({} – {})</span>').format(
            fmt.euro(value), fmt.euro(low), fmt.euro(high)
        )

    return {
        "rows": rows,
        "keys": [ctx.names.key(k) for k in keys],
        "effects": [[p, *(effect(k, p) for k in keys)] for p in partners],
    }


def partner_facts_view(data: ReportData, ctx: Context) -> dict[str, Any] | None:
    """The partners' facts (unknown ones said so) and the sources the study names."""
    if not data.partners:
        return None
    facts = [
        f for f in data.partners[0].facts if any(p.facts.get(f) is not None for p in data.partners)
    ]
    assumed = {(a.partner, a.fact) for a in data.assumed}

    def shown(partner, fact: str) -> Markup | str:
        value = partner.facts.get(fact)
        if value is None:
            return ctx.w("not_known") + (" *" if (partner.name, fact) in assumed else "")
        return ctx.fmt.trimmed(value, 2)

    return {
        "columns": [ctx.names.fact(f) for f in facts],
        "rows": [[p.name, *(shown(p, f) for f in facts)] for p in data.partners],
        "sources": fact_sources(data, ctx),
        "assumed": bool(assumed),
    }


def fact_sources(data: ReportData, ctx: Context) -> list[tuple[str, str, Markup]]:
    """Fact, partners and source: one row per distinct source of a fact (``alle partners``
    when every partner names the same)."""
    by_source: dict[tuple[str, str], list[str]] = {}
    for partner in data.partners:
        for fact, source in partner.sources.items():
            by_source.setdefault((fact, source), []).append(partner.name)
    everyone = len(data.partners)
    return [
        (
            ctx.names.fact(fact),
            ctx.w("all_partners") if len(names) == everyone > 1 else ", ".join(names),
            verbatim(source),
        )
        for (fact, source), names in by_source.items()
    ]


def layers_view(data: ReportData, ctx: Context) -> list[tuple]:
    """Each layer: its name and source (a file as given, or a web service and the request),
    SHA-256, load time and CRS."""
    return [
        (
            verbatim(layer.name),
            _layer_source(layer, ctx),
            verbatim(layer.sha256),
            ctx.fmt.timestamp(layer.loaded_at),
            verbatim(layer.crs),
        )
        for layer in data.layers
    ]


def _layer_source(layer: LayerProvenance, ctx: Context) -> Markup:
    if layer.request is None:
        return verbatim(layer.file_name)
    return Markup("{}<br>{}: {}").format(
        verbatim(layer.file_name), ctx.w("service_request"), verbatim(layer.request)
    )


def run_view(run: RunStamp | None) -> dict[str, Any] | None:
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


def cooperation_view(
    forms: tuple[Cooperation, ...], answers: CooperationAnswers | None, ctx: Context
) -> dict[str, Any] | None:
    """Chapter 12: the forms of cooperation that fit the answers, each with its reasons."""
    if not forms:
        return None
    lang = ctx.lang
    recommended = next((f.form for f in forms if f.recommended), None)
    lead = (
        say("cooperation_recommended", lang, form=term("form", recommended, lang) or recommended)
        if recommended
        else say("cooperation_none", lang)
    )
    return {
        "intro": say("cooperation_intro", lang, answers=answers_words(answers, ctx)),
        "lead": lead,
        "rows": [
            {
                "form": term("form", f.form, lang) or f.form,
                "fits": ctx.w("yes" if f.fits else "no"),
                "css": "ok" if f.fits else "bad",
                "recommended": f.recommended,
                "reasons": [advice_reason(r, lang) or Markup.escape(r) for r in f.reasons],
            }
            for f in forms
        ],
    }


def answers_words(answers: CooperationAnswers | None, ctx: Context) -> Markup | str:
    if answers is None:
        return DASH

    def yes(value: bool) -> str:
        return ctx.w("yes" if value else "no")

    parts = [
        say("answer_private", ctx.lang, v=yes(answers.private_partners)),
        say("answer_legal", ctx.lang, v=yes(answers.legal_personality_needed)),
        say("answer_duration", ctx.lang, years=answers.duration_years),
        say("answer_management", ctx.lang, v=yes(answers.management_transfer)),
        say("answer_levels", ctx.lang, v=yes(answers.other_government_levels)),
    ]
    return Markup("; ").join(parts)
