"""The layers as the layers page lists them, and which settings of the study use each.

A layer that a criterion, an exclusion, the municipalities, the candidate sites or the study
area reads (or the workspace's own ``region``) is *used*: removing it would break the next run,
so it is refused with the names of what uses it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from geo.layers import LayerInfo
from parkplan.api.app_pages import Lang
from parkplan.api.layer_words import LayerReport, geometry_words, report_in_words, say
from parkplan.study import Study
from parkplan.workspace.workspace import REGION
from webmap.formats import Formats

UseKind = Literal["criterion", "exclusion", "municipalities", "sites", "study_area", "region"]


@dataclass(frozen=True)
class LayerUse:
    """A setting that reads a layer: its kind and, for a criterion or exclusion, its name."""

    kind: UseKind
    item: str = ""

    def english(self) -> str:
        """``criterion 'station'``, ``the study area``... (for the API's one-line errors)."""
        return f"{self.kind} {self.item!r}" if self.item else f"the {self.kind.replace('_', ' ')}"

    def words(self, lang: Lang) -> str:
        """The use in the page's language: ``criterium ‘station’``."""
        return say(f"use_{self.kind}", lang, item=f"‘{self.item}’")


def layer_uses(study: Study, name: str) -> tuple[LayerUse, ...]:
    """Every setting of ``study`` that reads the layer ``name``, in the file's order."""
    uses = [LayerUse("criterion", c.name) for c in study.criteria if c.layer == name]
    uses += [LayerUse("exclusion", e.name) for e in study.exclusions if e.layer == name]
    if study.region.municipalities == name:
        uses.append(LayerUse("municipalities"))
    if study.sites.source == "layer" and study.sites.layer == name:
        uses.append(LayerUse("sites"))
    if study.study_area.layer == name:
        uses.append(LayerUse("study_area"))
    if name == REGION:
        uses.append(LayerUse("region"))
    return tuple(uses)


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
        uses=tuple(use.words(lang) for use in layer_uses(study, info.name)),
    )
