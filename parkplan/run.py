"""``parkplan run``: the whole pipeline of a study, with its outputs written into the study.

Outputs land in the study folder (``sites.gpkg``, ``sites.csv``, ``site_municipalities.csv``,
``equalisation.json``, ``ledger.csv``, ``map.html``) or, for a scenario, in
``scenarios/NAME/``. Rasters stay in the workspace.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from parkplan import model, outputs, pipeline
from parkplan.study import Study, load_study
from parkplan.workspace import Workspace
from webmap.maps import map_html
from webmap.model import MapData

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOutputs:
    """The files a run wrote, with the results behind them."""

    root: Path
    files: dict[str, Path]
    scoring: pipeline.Scoring
    equalisation: object | None


def output_folder(root: Path, scenario: str | None) -> Path:
    """Where a run writes its files: the study folder, or ``scenarios/NAME`` for a scenario."""
    return Path(root) if scenario is None else Path(root) / "scenarios" / scenario


def ensure_layers(study: Study, workspace: Workspace) -> None:
    """Load the layers that ``study.toml`` declares and the workspace does not hold yet."""
    present = {info.name for info in workspace.list_layers()}
    for layer in study.layers:
        if layer.name not in present:
            log.info("loading declared layer %s from %s", layer.name, layer.source)
            workspace.add_layer(
                Path(layer.source),
                layer.name,
                source_layer=layer.source_layer,
                assume_crs=layer.assume_crs,
            )


def run_study(
    root: Path,
    *,
    scenario: str | None = None,
    equalise: bool = True,
    lang: str = "nl",
    progress: pipeline.Progress | None = None,
) -> RunOutputs:
    """Score, find sites, split, equalise, and write every output of the study at ``root``."""
    root = pipeline.study_root(root)
    study = load_study(root)
    workspace = Workspace.open(root)
    with workspace.lock():
        ensure_layers(study, workspace)
        scoring = pipeline.score(study, workspace, scenario=scenario, progress=progress)
        result = None
        if equalise and study.partners:
            result = pipeline.equalise(study, scoring.sites, scoring.site_municipalities)
        folder = output_folder(root, scenario)
        folder.mkdir(parents=True, exist_ok=True)
        files = write_outputs(study, workspace, scoring, result, folder, lang)
    return RunOutputs(root, files, scoring, result)


def equalise_study(root: Path, *, site_id: object | None = None) -> dict[str, Path]:
    """Equalise a site of the last run again (after editing partners, finance or keys)."""
    root = pipeline.study_root(root)
    study = load_study(root)
    workspace = Workspace.open(root)
    with workspace.lock():
        sites, parts = outputs.read_site_tables(root)
        result = pipeline.equalise(study, sites, parts, site_id=site_id)
        return write_equalisation(workspace, result, root)


def write_equalisation(workspace: Workspace, result, folder: Path) -> dict[str, Path]:
    """``equalisation.json`` and ``ledger.csv``."""
    return {
        outputs.EQUALISATION_JSON: outputs.write_json(
            workspace, result.to_dict(), folder / outputs.EQUALISATION_JSON
        ),
        outputs.LEDGER_CSV: outputs.write_csv(
            workspace, pd.DataFrame(result.ledger_rows()), folder / outputs.LEDGER_CSV
        ),
    }


def write_outputs(
    study: Study,
    workspace: Workspace,
    scoring: pipeline.Scoring,
    result,
    folder: Path,
    lang: str,
) -> dict[str, Path]:
    """Write the site tables, the equalisation, the ledger and the map into ``folder``."""
    files = outputs.write_sites(workspace, scoring.sites, folder)
    files[outputs.SPLIT_CSV] = outputs.write_csv(
        workspace, scoring.site_municipalities, folder / outputs.SPLIT_CSV
    )
    if result is not None:
        files |= write_equalisation(workspace, result, folder)
    data = map_data(
        study,
        workspace,
        scoring.sites,
        scoring.site_municipalities,
        score_path=scoring.suitability.path,
        equalisation=None if result is None else result.to_dict(),
    )
    html = map_html(data, lang=lang)
    files[outputs.MAP_HTML] = outputs.write_text(workspace, html, folder / outputs.MAP_HTML)
    return files


def map_data(
    study: Study,
    workspace: Workspace,
    sites,
    parts: pd.DataFrame,
    *,
    score_path: Path | None,
    equalisation: dict | None,
) -> MapData:
    """What the map shows: municipalities, ranked sites, the score, exclusions and criteria."""
    vectors = {info.name for info in workspace.list_layers() if info.kind == "vector"}
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
        equalisation=equalisation,
        title=study.name,
    )


def score_raster(workspace: Workspace, scenario: str | None) -> Path:
    """Where the score raster of the base model or a scenario is kept."""
    return workspace.results_dir() / (scenario or "base") / pipeline.SCORE_RASTER


def stored_map_data(root: Path, *, scenario: str | None = None) -> MapData:
    """The map data of the last run of a study (or of one of its scenarios)."""
    root = pipeline.study_root(root)
    study = load_study(root)
    workspace = Workspace.open(root)
    folder = output_folder(root, scenario)
    _, parts = outputs.read_site_tables(folder)
    return map_data(
        study,
        workspace,
        outputs.read_sites_gpkg(folder),
        parts,
        score_path=score_raster(workspace, scenario),
        equalisation=outputs.read_json(folder / outputs.EQUALISATION_JSON),
    )


def render_map(root: Path, *, scenario: str | None = None, lang: str = "nl", assets=None) -> str:
    """The map of the last run of a study (or of one of its scenarios), as HTML."""
    return map_html(stored_map_data(root, scenario=scenario), lang=lang, assets=assets)
