"""``parkplan run``: the whole pipeline of a study, with its outputs written into the study.

Outputs land in the study folder (``sites.gpkg``, ``sites.csv``, ``site_municipalities.csv``,
``equalisation.json``, ``ledger.csv``, ``map.html``) or, for a scenario, in
``scenarios/NAME/``. Rasters stay in the workspace.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from geo import scenarios, sensitivity
from geo.robustness import RobustnessResult
from parkplan import outputs, pipeline, report, views
from parkplan.engines import open_engine
from parkplan.errors import StudyError
from parkplan.study import Study, load_study
from parkplan.workspace import Workspace
from webmap.maps import compare_html, map_html

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOutputs:
    """The files a run wrote, with the results behind them."""

    root: Path
    files: dict[str, Path]
    scoring: pipeline.Scoring
    equalisation: object | None


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
    engine: str | None = None,
    scheduler: str | None = None,
    progress: pipeline.Progress | None = None,
) -> RunOutputs:
    """Score, find sites, split, equalise, and write every output of the study at ``root``."""
    root = pipeline.study_root(root)
    study = load_study(root)
    workspace = Workspace.open(root)
    engine_name = engine or study.engine
    with workspace.lock(), open_engine(engine_name, scheduler=scheduler or study.scheduler) as eng:
        ensure_layers(study, workspace)
        scoring = pipeline.score(
            study,
            workspace,
            scenario=scenario,
            candidates=base_sites(root) if scenario else None,
            engine=eng,
            progress=progress,
        )
        result = None
        if equalise and study.partners:
            result = pipeline.equalise(study, scoring.sites, scoring.site_municipalities)
        folder = views.output_folder(root, scenario)
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
    else:  # the sites were found anew: an earlier equalisation no longer matches them
        _remove_stale(folder, [outputs.EQUALISATION_JSON, outputs.LEDGER_CSV])
    if scoring.weight_sweep is not None:
        files[outputs.WEIGHT_SWEEP_CSV] = outputs.write_csv(
            workspace, scoring.weight_sweep, folder / outputs.WEIGHT_SWEEP_CSV
        )
    else:
        _remove_stale(folder, [outputs.WEIGHT_SWEEP_CSV])
    facts = run_facts(scoring)
    files[outputs.RUN_JSON] = outputs.write_json(workspace, facts, folder / outputs.RUN_JSON)
    equalised = None if result is None else result.to_dict()
    data = views.map_data(
        study,
        workspace,
        scoring.sites,
        scoring.site_municipalities,
        score_path=scoring.suitability.path,
        equalisation=equalised,
    )
    html = map_html(data, lang=lang)
    files[outputs.MAP_HTML] = outputs.write_text(workspace, html, folder / outputs.MAP_HTML)
    page = report.report_html_of(
        study, data, equalised, robustness=report.robustness_text(facts), lang=lang
    )
    files[outputs.REPORT_HTML] = outputs.write_text(workspace, page, folder / outputs.REPORT_HTML)
    return files


def _remove_stale(folder: Path, names: list[str]) -> None:
    """Remove results of an earlier run that no longer match this one."""
    for name in names:
        if (folder / name).exists():
            log.info("removing %s of an earlier run, which no longer matches", name)
            (folder / name).unlink()


def run_facts(scoring: pipeline.Scoring) -> dict:
    """``run.json``: what the run used and found, for the record and the report."""
    suitability = scoring.suitability
    return {
        "scenario": scoring.scenario,
        "grid": asdict(scoring.grid),
        "weights": scoring.weighting.weights,
        "weight_method": scoring.weighting.method,
        "aggregation": asdict(suitability.aggregation),
        "score_stats": asdict(suitability.stats),
        "exclusions": asdict(suitability.exclusions),
        "sites": len(scoring.sites),
        "robustness": "" if scoring.robustness is None else scoring.robustness.statement,
        "robustness_inputs": _robustness_inputs(scoring.robustness),
        **_sweep_facts(scoring.weight_sweep, scoring.weighting.weights),
    }


def _sweep_facts(sweep: pd.DataFrame | None, weights: dict[str, float]) -> dict:
    """How far each weight can move, alone, before the leader changes."""
    if sweep is None:
        return {"weight_sweep": "", "leader_ranges": []}
    ranges = sensitivity.leader_ranges(sweep, weights)
    return {
        "weight_sweep": sensitivity.sweep_statement(ranges),
        "leader_ranges": ranges.to_dict(orient="records"),
    }


def _robustness_inputs(result: RobustnessResult | None) -> dict | None:
    """What the robustness draws varied, for the record."""
    if result is None:
        return None
    return {
        "draws": result.draws,
        "concentration": result.concentration,
        "transform_jitter": result.transform_jitter,
        "top_k": result.top_k,
        "seed": result.seed,
    }


def base_sites(root: Path):
    """The base run's candidate sites (``site_id`` + polygons), which scenarios rank again."""
    if not (Path(root) / outputs.SITES_GPKG).is_file():
        raise StudyError(
            f"scenarios rank the base model's sites; run 'parkplan run {root}' before "
            "'parkplan score --scenario'"
        )
    return outputs.read_sites_gpkg(root)[["site_id", "geometry"]]


def compare_scenarios(root: Path, names: list[str]) -> pd.DataFrame:
    """Rank changes of the base sites between the base model and the named scenarios."""
    tables = {}
    for name in names:
        folder = views.output_folder(root, None if name == "base" else name)
        tables[name] = outputs.read_site_tables(folder)[0]
    return scenarios.compare_scenarios(tables, baseline=names[0])


def render_map(root: Path, *, scenario: str | None = None, lang: str = "nl", assets=None) -> str:
    """The map of the last run of a study (or of one of its scenarios), as HTML."""
    return map_html(views.stored_map_data(root, scenario=scenario), lang=lang, assets=assets)


def render_comparison(
    root: Path, left: str | None, right: str | None, *, lang: str = "nl", assets=None
) -> str:
    """Two runs (the base model when ``None``, else a scenario) on synchronised maps."""
    return compare_html(
        views.stored_map_data(root, scenario=left),
        views.stored_map_data(root, scenario=right),
        left_title=left or "base",
        right_title=right or "base",
        lang=lang,
        assets=assets,
    )
