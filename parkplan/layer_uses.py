"""Which settings of a study read a layer.

A layer that a criterion, an exclusion, the municipalities, the candidate sites or the study
area reads (or the workspace's own ``region``) is *used*: removing it would break the next run,
so the CLI and the web app refuse it with the names of what uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from parkplan.study import Study
from parkplan.workspace.workspace import REGION

UseKind = Literal["criterion", "exclusion", "municipalities", "sites", "study_area", "region"]


@dataclass(frozen=True)
class LayerUse:
    """A setting that reads a layer: its kind and, for a criterion or exclusion, its name."""

    kind: UseKind
    item: str = ""

    def english(self) -> str:
        """``criterion 'station'``, ``the study area``... (for one-line errors)."""
        return f"{self.kind} {self.item!r}" if self.item else f"the {self.kind.replace('_', ' ')}"


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


def refusal(name: str, uses: tuple[LayerUse, ...]) -> str:
    """The one-line refusal to remove the used layer ``name``."""
    names = ", ".join(use.english() for use in uses)
    return (
        f"layer {name!r} is used by {names}; take them out of study.toml first, or replace "
        "the layer"
    )
