"""What the map and the report are drawn from: :class:`webmap.model.MapData` of a study.

Built either from a run held in memory or from the files a run left in the study folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from parkplan import model, outputs, pipeline
from parkplan.errors import StudyError
from parkplan.study import Study, load_study
from parkplan.summary import equalisation_summary
from parkplan.workspace import Workspace
from webmap.model import MapData


def output_folder(root: Path, scenario: str | None) -> Path:
    """Where a run writes its files: the study folder, or ``scenarios/NAME`` for a scenario."""
    return Path(root) if scenario is None else Path(root) / "scenarios" / scenario


def score_raster(workspace: Workspace, scenario: str | None) -> Path:
    """Where the score raster of the base model or a scenario is kept."""
    return workspace.results_dir() / (scenario or "base") / pipeline.SCORE_RASTER


def map_data(
    study: Study,
    workspace: Workspace,
    sites,
    parts: pd.DataFrame,
    *,
    score_path: Path | None,
    equalisation: Mapping[str, Any] | None,
) -> MapData:
    """Municipalities, ranked sites, the score, exclusion and criterion layers, equalisation."""
    vectors = {info.name for info in workspace.list_layers() if info.kind == "vector"}
    summary = None
    if equalisation:
        summary = equalisation_summary(equalisation, equalisation.get("site_id"))
    return MapData(
        municipalities=model.municipalities(study, workspace),
        sites=sites,
        site_municipalities=parts,
        score=outputs.score_overlay(score_path) if score_path and score_path.exists() else None,
        exclusions={
            e.name: workspace.read_vector(e.layer)
            for e in study.exclusions
            if e.kind in ("inside", "buffer") and e.layer in vectors
        },
        criteria_layers={
            c.name: workspace.read_vector(c.layer)
            for c in study.criteria
            if c.kind == "distance" and c.layer in vectors
        },
        equalisation=summary,
        title=study.name,
    )


def stored_map_data(root: Path, *, scenario: str | None = None) -> MapData:
    """The map data of the last run of a study (or of one of its scenarios)."""
    root = pipeline.study_root(root)
    study = load_study(root)
    workspace = Workspace.open(root)
    folder = output_folder(root, scenario)
    if not (folder / outputs.SITES_CSV).is_file():
        command = (
            f"parkplan score {root} --scenario {scenario}" if scenario else f"parkplan run {root}"
        )
        raise StudyError(f"no results of {scenario or 'the base model'} yet; run '{command}' first")
    _, parts = outputs.read_site_tables(folder)
    return map_data(
        study,
        workspace,
        outputs.read_sites_gpkg(folder),
        parts,
        score_path=score_raster(workspace, scenario),
        equalisation=outputs.read_json(folder / outputs.EQUALISATION_JSON),
    )
