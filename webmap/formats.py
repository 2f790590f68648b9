"""Numbers as the dossier prints them: Belgian in Dutch (€ 1.825.446; 43,2 ha; 61 %), British in
English (€ 1,825,446; 43.2 ha; 61 %), and shares that add up to 100 % once rounded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from webmap.display import plain
from webmap.i18n import term

DASH = "–"
#: A narrow no-break space would be the typographer's choice; a no-break space prints everywhere.
NBSP = "\u00a0"


class Formats:
    """Number formats of one language: thousands with a point and a decimal comma in Dutch,
    a comma and a decimal point in English; units after a no-break space."""

    def __init__(self, lang: str):
        self.lang = lang

    def number(self, value: Any, digits: int = 0) -> str:
        """``value`` with ``digits`` decimals (a dash for ``None`` or NaN)."""
        value = plain(value)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return DASH if value is None else str(value)
        if not math.isfinite(value):
            return DASH
        formatted = f"{value:,.{digits}f}"
        if formatted.startswith("-") and float(formatted.replace(",", "")) == 0:
            formatted = formatted[1:]  # no "-0"
        if self.lang == "nl":
            formatted = formatted.replace(",", " ").replace(".", ",").replace(" ", ".")
        return formatted.replace("-", "−")

    def trimmed(self, value: Any, digits: int = 4) -> str:
        """``value`` with at most ``digits`` decimals, trailing zeros dropped (2,5; 1.417)."""
        shown = self.number(value, digits)
        mark = "," if self.lang == "nl" else "."
        if mark in shown:
            shown = shown.rstrip("0").rstrip(mark)
        return shown

    def euro(self, value: Any) -> str:
        """Whole euros: ``€ 1.825.446``."""
        shown = self.number(value, 0)
        return shown if shown == DASH else f"€{NBSP}{shown}"

    def cents(self, cents: Any) -> str:
        """Euros to the cent from a whole number of cents: ``€ 1.825.446,07``."""
        value = plain(cents)
        if not isinstance(value, int):
            return DASH
        sign = "−" if value < 0 else ""
        whole, rest = divmod(abs(value), 100)
        mark = "," if self.lang == "nl" else "."
        return f"€{NBSP}{sign}{self.number(whole, 0)}{mark}{rest:02d}"

    def euro_of_cents(self, cents: Any) -> str:
        """Whole euros from cents (rounded half away from zero)."""
        value = plain(cents)
        if not isinstance(value, int):
            return DASH
        sign = -1 if value < 0 else 1
        return self.euro(sign * ((abs(value) + 50) // 100))

    def percent(self, value: Any, digits: int = 0) -> str:
        """A fraction as a percentage: ``0.61`` → ``61 %``."""
        value = plain(value)
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            return DASH
        return f"{self.number(100 * value, digits)}{NBSP}%"

    def share(self, value: Any) -> str:
        """A fraction as a percentage with at most one decimal: ``0.035`` → ``3,5 %``."""
        shown = self.trimmed(100 * value, 1) if isinstance(plain(value), (int, float)) else DASH
        return shown if shown == DASH else f"{shown}{NBSP}%"

    def date(self, iso: str) -> str:
        """The day of an ISO timestamp in words: ``3 december 2026`` (``3 December 2026``)."""
        day = datetime.fromisoformat(iso)
        return f"{day.day} {term('month', str(day.month), self.lang)} {day.year}"

    def timestamp(self, iso: str) -> str:
        """An ISO timestamp as ``2026-12-03 15:38 UTC`` (the same in both languages)."""
        moment = datetime.fromisoformat(iso).astimezone(UTC)
        return moment.strftime("%Y-%m-%d %H:%M UTC")

    def hectares(self, value: Any, digits: int = 1) -> str:
        shown = self.number(value, digits)
        return shown if shown == DASH else f"{shown}{NBSP}ha"

    def metres(self, value: Any) -> str:
        shown = self.trimmed(value, 1)
        return shown if shown == DASH else f"{shown}{NBSP}m"

    def score(self, value: Any) -> str:
        return self.number(value, 2)


def largest_remainder(shares: Sequence[float], total: int = 100) -> list[int]:
    """Whole parts of ``total`` in proportion to ``shares`` that add up to ``total`` exactly:
    each takes the floor of its quota, and the largest remainders take one more (ties: first).

    >>> largest_remainder([0.335, 0.335, 0.33])
    [34, 33, 33]
    """
    weights = [max(float(s), 0.0) for s in shares]
    whole = math.fsum(weights)
    if not weights or whole <= 0:
        return [0] * len(weights)
    quotas = [total * w / whole for w in weights]
    parts = [math.floor(q) for q in quotas]
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def percentages(shares: Mapping[str, float]) -> dict[str, int]:
    """Whole percentages of ``shares`` (by name) that add up to 100."""
    return dict(zip(shares, largest_remainder(list(shares.values())), strict=True))
