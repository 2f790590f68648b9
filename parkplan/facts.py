"""The partners' facts a run needs, and what it assumes for the unknown ones.

A fact of ``[[partners]]`` may be unknown. :func:`needed_facts` says which facts a run uses
(the property tax needs every partner's surcharge, a key by population every population, the
site game every demand...). :func:`resolve_facts` returns the values to compute with: known
values as given; an unknown one either stops the run with the list of what is missing
(``[unknowns] fallback = "refuse"``), or is assumed from ``[unknowns.assume]`` or from the
median of the partners' known values, each :class:`Assumption` stated with its plausible range
and its source, so that the outputs can show it and the effect of that range.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from equalisation.keys import PROPORTIONAL, Partner
from parkplan.errors import StudyError
from parkplan.study import PARTNER_FACTS, Study

Bound = Literal["value", "low", "high"]
#: What each fact is used for, in the words of the message that asks for it.
USES = {
    "municipal_opcentiemen": "the property tax each municipality levies on its part of the park",
    "demand_ha": "the parks each group of partners would build alone (the fair-division game)",
}


@dataclass(frozen=True)
class Assumption:
    """A value assumed for a partner's unknown fact, its plausible range and its source."""

    partner: str
    fact: str
    value: float
    low: float
    high: float
    source: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def words(self) -> str:
        """``municipal_opcentiemen = 1322.5 (assumed; plausible 1228–1417; median of ...)``."""
        return (
            f"{self.fact} = {self.value:g} (assumed; plausible {self.low:g}–{self.high:g}; "
            f"{self.source})"
        )


@dataclass(frozen=True)
class ResolvedFacts:
    """The partners' facts to compute with, and the assumptions among them."""

    values: Mapping[str, Mapping[str, float | None]]
    assumptions: tuple[Assumption, ...]

    def partners(self, land_ha: Mapping[str, float], bound: Bound = "value") -> list[Partner]:
        """The partners for :mod:`equalisation`, with each assumed fact at ``bound`` of its range
        and the land each contributes; facts the run does not need count as 0."""
        assumed = {(a.partner, a.fact): getattr(a, bound) for a in self.assumptions}
        return [
            Partner(
                name=name,
                land_ha=land_ha.get(name, 0.0),
                **{
                    fact: assumed.get((name, fact), value if value is not None else 0.0)
                    for fact, value in facts.items()
                },
            )
            for name, facts in self.values.items()
        ]

    def about(self, partner: str) -> str:
        """The assumptions about ``partner`` in words ('' when none)."""
        return "; ".join(a.words() for a in self.assumptions if a.partner == partner)


def needed_facts(study: Study, *, game: bool = True) -> dict[str, str]:
    """The facts an equalisation of ``study`` uses, with what for."""
    needed = {"municipal_opcentiemen": USES["municipal_opcentiemen"]}
    if game:
        needed["demand_ha"] = USES["demand_ha"]
    for name, key in study.keys.items():
        for part in key.parts():
            fact = PROPORTIONAL.get(part.kind)
            if fact in PARTNER_FACTS and fact not in needed:
                needed[fact] = f"the sharing key {name!r} (by {part.kind})"
    return needed


def resolve_facts(study: Study, *, game: bool = True) -> ResolvedFacts:
    """The partners' facts, with every needed unknown assumed or the run refused."""
    needed = needed_facts(study, game=game)
    values = {p.name: {fact: getattr(p, fact) for fact in PARTNER_FACTS} for p in study.partners}
    missing: list[str] = []
    assumptions: list[Assumption] = []
    for fact, use in needed.items():
        unknown = [name for name, facts in values.items() if facts[fact] is None]
        if not unknown:
            continue
        rule = assumption_rule(study, fact, values)
        if rule is None:
            missing.append(f"{fact} of {', '.join(unknown)} (for {use})")
            continue
        assumptions += [Assumption(name, fact, *rule) for name in unknown]
    if missing:
        raise StudyError(
            "the run needs facts that are unknown: "
            + "; ".join(missing)
            + ". Fill them in [[partners]] (or 'parkplan partners import'), or state what to "
            'assume in [unknowns] (fallback = "median", or [unknowns.assume.FACT] with value, '
            "low, high and source)"
        )
    return ResolvedFacts(values, tuple(assumptions))


def assumption_rule(
    study: Study, fact: str, values: Mapping[str, Mapping[str, float | None]]
) -> tuple[float, float, float, str] | None:
    """(value, low, high, source) to assume for an unknown ``fact``, or ``None`` (refuse)."""
    stated = study.unknowns.assume.get(fact)  # type: ignore[call-overload]
    if stated is not None:
        low = stated.value if stated.low is None else stated.low
        high = stated.value if stated.high is None else stated.high
        return stated.value, low, high, stated.source
    if study.unknowns.fallback != "median":
        return None
    known = [float(value) for v in values.values() if (value := v[fact]) is not None]
    if not known:
        return None
    source = f"median of the {len(known)} partners whose {fact} is known"
    return statistics.median(known), min(known), max(known), source
