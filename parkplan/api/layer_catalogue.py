"""The layers as the layers page lists them, with the settings of the study that use each
(:mod:`parkplan.layer_uses`) in the page's language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from geo.layers import LayerInfo
from parkplan.api.app_pages import Lang
from parkplan.api.layer_words import LayerReport, geometry_words, report_in_words, say
from parkplan.layer_uses import LayerUse, layer_uses
from parkplan.study import Study
from webmap.formats import Formats


@dataclass(frozen=True)
class LayerRow:
    """One layer as the page lists it: every field is text to print (escaped)."""

    name: str
    kind: str
    geometry: str
    crs: str
    count: str
    source: str
    loaded_at: str
    sha256: str
    report: LayerReport
    uses: tuple[str, ...]

    @property
    def used(self) -> bool:
        return bool(self.uses)


def use_words(use: LayerUse, lang: Lang) -> str:
    """The use in the page's language: ``criterium ‘station’``."""
    return say(f"use_{use.kind}", lang, item=f"‘{use.item}’")


def source_shown(info: LayerInfo, redact: Callable[[str], str]) -> str:
    """Where a layer comes from, as people are shown it: a file's name (with the member taken
    from a folder or archive) and format, never its folder; a service's address as redacted."""
    source = redact(info.source) if "://" in info.source else PurePath(info.source).name
    member = f" ({info.source_member})" if info.source_member else ""
    return f"{source}{member} · {info.source_format}"


def layer_row(info: LayerInfo, study: Study, lang: Lang, redact: Callable[[str], str]) -> LayerRow:
    """The row of ``info``; ``redact`` removes server paths and credentials from a source."""
    formats = Formats(lang)
    if info.kind == "raster":
        count = say(
            "cells", lang, width=formats.number(info.width), height=formats.number(info.height)
        )
    else:
        count = formats.number(info.feature_count)
    return LayerRow(
        name=info.name,
        kind=say(f"kind_{info.kind}", lang),
        geometry=geometry_words(info.geometry_type, lang),
        crs=info.crs,
        count=count,
        source=source_shown(info, redact),
        loaded_at=formats.timestamp(info.loaded_at),
        sha256=info.sha256[:12],
        report=report_in_words(info, lang),
        uses=tuple(use_words(use, lang) for use in layer_uses(study, info.name)),
    )
