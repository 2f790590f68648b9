"""What the map and the report are drawn from: :class:`webmap.model.MapData` of a study.

Built either from a run held in memory or from the folder of a published run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from parkplan import model, outputs, pipeline
from parkplan.runs import RunStore
from parkplan.study import Study, load_study
from parkplan.summary import equalisation_summary
from parkplan.workspace import Workspace
from webmap.model import Basemap, MapData, RunStamp


def map_data(
    study: Study,
    workspace: Workspace,
    sites,
    parts: pd.DataFrame,
    *,
    score_path: Path | None,
    equalisation: Mapping[str, Any] | None,
    run: RunStamp | None,
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
        run=run,
        basemap=None if study.basemap is None else Basemap(**study.basemap.model_dump()),
    )


def run_map_data(study: Study, workspace: Workspace, folder: Path) -> MapData:
    """The map data of the published run in ``folder`` (every file read from that folder)."""
    _, parts = outputs.read_site_tables(folder)
    return map_data(
        study,
        workspace,
        outputs.read_sites_gpkg(folder),
        parts,
        score_path=folder / pipeline.SCORE_RASTER,
        equalisation=outputs.read_json(folder / outputs.EQUALISATION_JSON),
        run=outputs.stored_stamp(folder),
    )


def stored_map_data(root: Path, *, scenario: str | None = None) -> MapData:
    """The map data of the current run of a study (or of one of its scenarios)."""
    root = pipeline.study_root(root)
    study = load_study(root)
    folder = RunStore(root).folder(scenario)
    return run_map_data(study, Workspace.open(root), folder)
