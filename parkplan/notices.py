"""The warnings of a run as structured values: a code, the figures it quotes, the sentence.

The sentence (``text``) is what the CLI prints and ``run.json`` lists under ``"warnings"``;
``run.json`` also keeps every notice whole under ``"notices"``, so that the dossier can say it
in Dutch or English from the code and the figures (:mod:`webmap.prose`) instead of repeating
the English sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: The codes a run's warnings carry, each with the figures it quotes.
CODES = {
    "weights_rescaled": ("total", "weights"),
    "sites_beyond_partners": ("action", "sites"),
    "site_size": ("site_id", "area_ha", "need_ha", "pooled_net_ha", "net_share", "ratio"),
    "flat_criterion": ("criterion", "low", "high", "weight"),
    "partners_without_land": ("partners", "threshold"),
    "npv_out_of_proportion": ("npv_eur", "area_ha", "npv_per_ha_eur"),
    "hypothetical_parks": ("grand", "using", "coalitions"),
    "facts_assumed": ("count", "facts"),
    "no_partners": (),
    # said by the dossier when it cannot fetch the base map (parkplan.report), not in run.json
    "basemap_unavailable": ("service", "host"),
}


@dataclass(frozen=True)
class Notice:
    """One warning of a run: ``code`` (one of :data:`CODES`), its ``figures`` (plain JSON
    values) and the English ``text`` printed by the CLI."""

    code: str
    text: str
    figures: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"notice code {self.code!r}; expected one of {sorted(CODES)}")
        missing = [name for name in CODES[self.code] if name not in self.figures]
        if missing:
            raise ValueError(f"notice {self.code!r} lacks the figures {missing}; give them all")

    def __str__(self) -> str:
        return self.text

    def to_dict(self) -> dict[str, Any]:
        """``{"code", "figures", "text"}`` for ``run.json``."""
        return {"code": self.code, "figures": dict(self.figures), "text": self.text}


def texts(notices: list[Notice]) -> list[str]:
    """The sentences of ``notices``, in order (``run.json``'s ``"warnings"``)."""
    return [notice.text for notice in notices]
