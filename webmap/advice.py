"""The cooperation advice in the dossier's language.

:mod:`equalisation.advisor` gives its reasons as English sentences; :func:`advice_reason`
recognises each kind it writes (:data:`REASONS`) and says it again from the catalogue, with its
figures (forms, sectors, acts, durations) in the dossier's language.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from webmap.i18n import say, term
from webmap.prose import joined

_FORM = r"(?P<form>[a-z -]+?)"
#: The kinds of reason the advisor writes: (pattern of its English sentence, catalogue key).
REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"private partners can be members in the (?P<sector>\w+) sector", "reason_private_sector"),
        (r"private partners can take part", "reason_private_any"),
        (r"the province or Flanders can take part", "reason_levels_ok"),
        (r"as a legal person it can (?P<acts>.+) itself", "reason_legal_acts"),
        (
            r"takes in the capital or land the partners bring, as its rules set",
            "reason_contributions",
        ),
        (r"lasts as long as the partners agree \((?P<years>\d+) years\)", "reason_agreed"),
        (r"set up for (?P<years>\d+) years \(at most (?P<term>\d+)\)", "reason_term"),
        (
            r"set up for at most (?P<term>\d+) years and renewed: (?P<terms>\d+) terms of at most "
            r"\d+ years cover (?P<years>\d+) years; every renewal needs the partners' decisions",
            "reason_renewed",
        ),
        (rf"heavier than needed: the {_FORM} already fits", "reason_heavier"),
        (r"every form joins two or more municipalities; (?P<count>\d+) takes part", "reason_count"),
        (
            rf"private partners take part, but the {_FORM} is open to public partners only",
            "reason_public_only",
        ),
        (
            rf"private partners take part, but the {_FORM} is open to the municipalities only",
            "reason_municipal_only",
        ),
        (
            rf"the {_FORM} is public only: private partners can be members only in the energy and "
            r"waste sectors, and (?P<said>.+)",
            "reason_sector",
        ),
        (
            r"the province and Flanders cannot be members of a form with legal personality",
            "reason_no_levels",
        ),
        (
            rf"the {_FORM} binds the municipalities only; the province or Flanders cannot be party",
            "reason_municipalities_bound",
        ),
        (rf"legal personality is needed, and the {_FORM} has none", "reason_needs_legal"),
        (
            rf"the cooperation itself must (?P<acts>.+?); without legal personality the {_FORM} "
            r"cannot: (?P<through>.+)",
            "reason_cannot_act",
        ),
        (
            rf"the partners bring capital or land, and the {_FORM} has no common assets to take it "
            r"in \(share costs and revenues by key instead\)",
            "reason_no_assets",
        ),
        (
            rf"the municipalities hand over the management, which the {_FORM} does not take over; "
            r"only a mandated association does",
            "reason_no_transfer",
        ),
        (
            rf"the {_FORM} takes over the management from the municipalities, which they do not "
            r"hand over",
            "reason_takes_over",
        ),
    )
)
_NOT_FIT = "does not fit: "


def advice_reason(reason: str, lang: str) -> Markup | None:
    """A reason of :mod:`equalisation.advisor` said again in ``lang``; ``None`` when its kind
    is not known (a test keeps every kind the advisor writes known)."""
    if reason.startswith(_NOT_FIT):
        inner = advice_reason(reason[len(_NOT_FIT) :], lang)
        return None if inner is None else say("reason_not_fit", lang, reason=inner)
    for form, pair in _form_summaries().items():
        if reason == pair:
            return Markup.escape(term("form_summary", form, lang))
    for pattern, key in REASONS:
        found = pattern.fullmatch(reason)
        if found is not None:
            figures = {k: _reason_figure(k, v, lang) for k, v in found.groupdict().items()}
            if None in figures.values():
                return None
            return say(key, lang, **figures)
    return None


def _form_summaries() -> dict[str, str]:
    from webmap.catalogue import TERMS

    return {form: pair[1] for form, pair in TERMS["form_summary"].items()}


def _reason_figure(name: str, value: str, lang: str) -> Any:
    """A figure of an advisor's sentence in ``lang`` (``None``: not known)."""
    if name == "form":
        return term("form", value, lang)
    if name == "sector":
        return term("sector", value.strip("'"), lang) or value.strip("'")
    if name == "acts":
        acts = [term("act", a, lang) for a in re.split(r", | and ", value)]
        return None if None in acts else joined(acts, lang)
    if name == "through":
        return term("acts_through", value, lang)
    if name == "said":
        given = re.fullmatch(r"here the sector is '(?P<sector>.*)'", value)
        if given is not None:
            return say("reason_sector_given", lang, sector=given["sector"])
        return say("reason_sector_unknown", lang) if value.startswith("the sector is not") else None
    return value
