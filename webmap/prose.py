"""The dossier's sentences, written from structured results in Dutch or English.

Nothing here repeats a sentence another package wrote in English: the robustness, the weight
sweep, the game's rule, the keys and the exclusions are said again from their figures
(:mod:`webmap.catalogue` holds the words; the run's warnings are said in
:mod:`webmap.notices`, the cooperation advice in :mod:`webmap.advice`). Every function returns
:class:`markupsafe.Markup` whose figures are escaped; names of layers, files and categories
are :func:`~webmap.i18n.verbatim` (shown as given, marked not to be translated).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from webmap.formats import Formats
from webmap.i18n import say, say_term, term, verbatim, word
from webmap.report_model import (
    Criterion,
    Exclusion,
    LeaderRange,
    Method,
    Robustness,
    SharingKey,
)

#: The split's name for the part of a site outside every partner (geo.split.OUTSIDE).
OUTSIDE_PARTNERS = "(outside)"
#: The exclusion line of everything outside the study area (parkplan.library_inputs).
OUTSIDE_STUDY_AREA = "outside_study_area"


def joined(items: Sequence[Any], lang: str) -> Markup:
    """``a``, ``a en b``, ``a, b en c`` (``and`` in English); each item escaped."""
    parts = [Markup.escape(item) for item in items]
    if len(parts) <= 1:
        return Markup("").join(parts)
    return Markup(", ").join(parts[:-1]) + Markup(f" {word('and', lang)} ") + parts[-1]


def readable(name: str) -> str:
    """An identifier as words: ``nature_distance`` → ``nature distance``."""
    return str(name).replace("_", " ")


@dataclass(frozen=True)
class Names:
    """How the dossier names things in ``lang``: the study's ``label``, else the catalogue's
    name of a built-in name, else a name made from the kind and the layer."""

    lang: str
    criteria: Mapping[str, Criterion]
    exclusions: Mapping[str, Exclusion]
    keys: Mapping[str, SharingKey]

    @classmethod
    def of(
        cls,
        lang: str,
        criteria: Sequence[Criterion] = (),
        exclusions: Sequence[Exclusion] = (),
        keys: Sequence[SharingKey] = (),
    ) -> Names:
        return cls(
            lang,
            {c.name: c for c in criteria},
            {e.name: e for e in exclusions},
            {k.name: k for k in keys},
        )

    def criterion(self, name: str) -> str:
        found = self.criteria.get(name)
        if found is not None and found.label:
            return found.label
        built_in = term("criterion", name, self.lang)
        if built_in is not None:
            return built_in
        if found is not None:
            return str(
                say_term("criterion_kind", found.kind, self.lang, layer=readable(found.layer))
            )
        return readable(name)

    def exclusion(self, name: str) -> str:
        found = self.exclusions.get(name)
        if found is not None and found.label:
            return found.label
        built_in = term("exclusion", name, self.lang)
        if built_in is not None:
            return built_in
        if found is not None and found.layer and found.kind in ("inside", "buffer"):
            made = say_term("exclusion_kind", found.kind, self.lang, layer=readable(found.layer))
            return str(made)
        return readable(name)

    def key(self, name: str) -> str:
        found = self.keys.get(name)
        if found is not None and found.label:
            return found.label
        built_in = term("key", name, self.lang)
        if built_in is not None:
            return built_in
        if found is not None:
            words = str(key_words(found.costs, self.lang, Formats(self.lang)))
            return words[:1].upper() + words[1:]
        return readable(name)

    def allocation_short(self, name: str) -> str:
        """A column header: ``Shapley``, ``SCRB``, or the key's name."""
        if name.startswith("key:"):
            return self.key(name[4:])
        return term("allocation_short", name, self.lang) or readable(name)

    def allocation(self, name: str, *, in_text: bool = False) -> str:
        """``shapley`` → Shapley-waarde; ``key:NAME`` → Verdeelsleutel ‘…’ (in running text:
        verdeelsleutel ‘…’)."""
        if name.startswith("key:"):
            title = "key_in_text" if in_text else "key_title"
            return str(say(title, self.lang, key=self.key(name[4:])))
        group = "allocation_in_text" if in_text else "allocation"
        return term(group, name, self.lang) or readable(name)

    def site(self, site_id: Any, *, capital: bool = False) -> str:
        return str(say("Site_n" if capital else "site_n", self.lang, site=site_id))

    def municipality(self, name: str) -> str:
        return word("outside_partners", self.lang) if name == OUTSIDE_PARTNERS else str(name)

    def fact(self, name: str) -> str:
        return term("fact", name, self.lang) or readable(name)


# --- robustness and sensitivity --------------------------------------------------------------


def robustness_sentences(
    odds: Sequence[tuple[Any, float, float]],
    robustness: Robustness | None,
    names: Names,
    fmt: Formats,
) -> Markup:
    """The Monte Carlo result: how often the best site is first and in the top k, its closest
    rival, and a verdict. ``odds`` are ``(site_id, p_first, p_top)`` in rank order."""
    lang = names.lang
    if robustness is None or robustness.draws == 0 or not odds:
        return say("no_robustness", lang)
    jitter = dict(robustness.transform_jitter)
    concentration = fmt.trimmed(robustness.concentration)
    if jitter:
        low, high = min(jitter.values()), max(jitter.values())
        spread = fmt.percent(low) if low == high else f"{fmt.percent(low)}–{fmt.percent(high)}"
        what = say("robust_what_both", lang)
        details = say(
            "robust_details_jitter",
            lang,
            concentration=concentration,
            jitter=spread,
            count=len(jitter),
        )
    else:
        what = say("robust_what_weights", lang)
        details = say("robust_details", lang, concentration=concentration)
    best, p_first, p_top = odds[0]
    text = say(
        "robust_draws",
        lang,
        draws=fmt.number(robustness.draws),
        what=what,
        details=details,
        site=names.site(best),
        p_first=fmt.percent(p_first),
        p_top=fmt.percent(p_top),
        k=robustness.top_k,
    )
    rivals = sorted(odds[1:], key=lambda row: -row[1])
    if rivals and rivals[0][1] >= 0.05:
        rival = names.site(rivals[0][0], capital=True)
        text += Markup(" ") + say("robust_rival", lang, site=rival, p=fmt.percent(rivals[0][1]))
    verdict = "robust_high" if p_first >= 0.9 else "robust_mid" if p_first >= 0.6 else "robust_low"
    return text + Markup(" ") + say(verdict, lang)


def site_odds(
    site_id: Any,
    p_first: float | None,
    p_top: float | None,
    robustness: Robustness | None,
    names: Names,
    fmt: Formats,
) -> Markup:
    """One site's chances of first place and of the top k."""
    if robustness is None or robustness.draws == 0 or p_first is None or p_top is None:
        return say("no_robustness", names.lang)
    return say(
        "site_odds",
        names.lang,
        site=names.site(site_id, capital=True),
        p_first=fmt.percent(p_first),
        p_top=fmt.percent(p_top),
        k=robustness.top_k,
        draws=fmt.number(robustness.draws),
    )


def sweep_sentence(ranges: Sequence[LeaderRange], names: Names, fmt: Formats) -> Markup:
    """The one-at-a-time weight sweep: which weights the leader survives, and what takes over."""
    lang = names.lang
    if not ranges:
        return say("no_sweep", lang)
    text = say("sweep_lead", lang, site=names.site(ranges[0].leader))
    steady = [
        f"‘{names.criterion(r.criterion)}’"
        for r in ranges
        if r.loses_below is None and r.loses_above is None
    ]
    changes = []
    for r in ranges:
        for at, rival, key in (
            (r.loses_above, r.rival_above, "sweep_above"),
            (r.loses_below, r.rival_below, "sweep_below"),
        ):
            if at is not None:
                changes.append(
                    say(
                        key,
                        lang,
                        site=names.site(rival),
                        criterion=names.criterion(r.criterion),
                        at=fmt.number(at, 2),
                        given=fmt.number(r.weight, 2),
                    )
                )
    if steady:
        text += say("sweep_steady", lang, criteria=joined(steady, lang))
    if changes:
        joint = say("sweep_joint", lang) if steady else Markup("")
        text += say("sweep_loses", lang, joint=joint, changes=joined(changes, lang))
    return text + Markup(".")


# --- the model in words ------------------------------------------------------------------------


def game_rule(method: Method, lang: str) -> Markup:
    """The characteristic function of the site game in words, from the study's ``[game]``."""
    tax = say("game_rule_tax", lang) if method.game_property_tax else Markup("")
    alone = "game_rule_no_park" if method.game_no_site == "no_park" else "game_rule_hypothetical"
    return say("game_rule", lang, tax=tax, alone=say(alone, lang))


def key_words(spec: Mapping[str, Any], lang: str, fmt: Formats) -> Markup:
    """One side of a key in words: ``naar inwonertal``; ``eerst 10 % voor de gastgemeente, de
    rest 50 % naar inwonertal en 50 % naar ingebrachte grond``."""
    kind = str(spec.get("kind"))
    if kind == "stacked":
        rest = list(spec.get("rest") or [])
        total = math.fsum(float(sub.get("weight", 1.0)) for sub in rest) or 1.0
        parts = [
            say_term(
                "key_kind",
                "part",
                lang,
                weight=fmt.percent(float(sub.get("weight", 1.0)) / total),
                kind=key_words(sub, lang, fmt),
            )
            for sub in rest
        ]
        host = fmt.percent(float(spec.get("host_share", 0.0)))
        said = say_term("key_kind", "stacked", lang, host=host, rest=joined(parts, lang))
        assert said is not None  # a term of the vocabulary
        return said
    if kind == "custom":
        shares = Markup(", ").join(
            Markup("{} {}").format(name, fmt.percent(share, 1))
            for name, share in (spec.get("shares") or {}).items()
        )
        said = say_term("key_kind", "custom", lang, shares=shares)
        assert said is not None  # a term of the vocabulary
        return said
    return say_term("key_kind", kind, lang) or Markup.escape(readable(kind))


def key_sides(key: SharingKey, lang: str, fmt: Formats) -> Markup:
    """How a key shares the costs and the revenues."""
    costs, revenues = key_words(key.costs, lang, fmt), key_words(key.revenues, lang, fmt)
    if costs == revenues:
        return say("key_sides_same", lang, spec=costs)
    return say("key_sides", lang, costs=costs, revenues=revenues)


def exclusion_rule(line: Exclusion, lang: str, fmt: Formats) -> Markup:
    """What an exclusion removes, its layer shown as given."""
    layer = verbatim(line.layer) if line.layer else Markup("")
    if line.kind == "outside":
        return say("rule_outside", lang)
    if line.kind == "buffer":
        rule = say("rule_buffer", lang, distance=fmt.metres(line.buffer_m))
    elif line.kind == "zoning":
        allowed = joined([verbatim(a) for a in line.allowed], lang)
        rule = say("rule_zoning", lang, column=verbatim(line.column or ""), allowed=allowed)
    elif line.kind == "raster":
        rule = say("rule_raster", lang, op=line.op or "", value=fmt.trimmed(line.value))
    else:
        rule = say("rule_inside", lang)
    return rule + Markup(" ") + layer


def criterion_measure(criterion: Criterion, lang: str, fmt: Formats) -> Markup:
    """What a criterion measures, its layer shown as given."""
    layer = verbatim(criterion.layer)
    if criterion.kind == "zoning":
        head = say("measure_zoning", lang, column=verbatim(criterion.column or ""))
    elif criterion.kind == "zone_share":
        categories = joined([verbatim(c) for c in criterion.categories], lang)
        head = say(
            "measure_zone_share", lang, categories=categories, radius=fmt.metres(criterion.radius_m)
        )
    elif criterion.kind == "raster":
        head = say("measure_raster", lang)
    else:
        head = say("measure_distance", lang)
    return head + Markup(" ") + layer


def transform_words(transform: Mapping[str, Any], unit: str, lang: str, fmt: Formats) -> Markup:
    """The standardisation in words: ``lineair, dalend van 1.000 m tot 8.000 m``."""
    kind = str(transform.get("kind"))
    name = term("transform", kind, lang) or readable(kind)

    def at(point: str) -> str:
        value = transform.get(point)
        shown = fmt.trimmed(value, 3)
        return f"{shown} {unit}".strip() if value is not None else shown

    if kind == "piecewise":
        return say("transform_points", lang, kind=name, count=len(transform.get("points") or ()))
    if kind == "categorical":
        count = len(transform.get("mapping") or {})
        return say("transform_categories", lang, kind=name, count=count)
    direction = transform.get("direction", "increasing")
    key = {"increasing": "transform_rising", "decreasing": "transform_falling"}.get(
        direction, "transform_both"
    )
    return say(key, lang, kind=name, a=at("a"), b=at("b"), c=at("c"), d=at("d"))


# --- sources -------------------------------------------------------------------------------------

_MEDIAN = re.compile(r"median of the (?P<count>\d+) partners whose (?P<fact>\w+) is known")


def assumption_source(source: str, names: Names) -> Markup:
    """The source of an assumed fact: parkplan's own median rule said in ``lang``; any other
    source is the study's text, shown as given."""
    found = _MEDIAN.fullmatch(source)
    if found is not None:
        return say(
            "median_source", names.lang, count=found["count"], fact=names.fact(found["fact"])
        )
    return verbatim(source)
