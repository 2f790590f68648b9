"""``parkplan run``: the whole pipeline of a study, as one run published in one step.

A run builds every output in a folder of its own (:mod:`parkplan.runs`): the site tables,
the split, the equalisation, the ledger, ``run.json``, the map, the report and the score
rasters, then publishes it at once. The stable paths (``STUDY/sites.gpkg``, ...) and
``scenarios/NAME/`` point into the current run.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from geo import scenarios, sensitivity
from geo.robustness import RobustnessResult
from parkplan import library_inputs, notices, outputs, pipeline, qgis_project, report, sanity, views
from parkplan.check import equalisation_problems
from parkplan.engines import open_engine
from parkplan.facts import ResolvedFacts, resolve_facts
from parkplan.layers_from_services import load_declared_layer
from parkplan.run_facts import (
    RUN_JSON,
    FinishedRun,
    NoticeFacts,
    RunFacts,
    RunIdentity,
    read_run_facts,
)
from parkplan.runs import RunStore
from parkplan.site_geojson import write_site_geojson
from parkplan.stages import begin as begin_stage
from parkplan.study import STUDY_FILE, InvalidStudyError, Study, read_study
from parkplan.workspace import Workspace
from webmap.assets import AssetSource, all_asset_urls
from webmap.maps import compare_html, map_html

log = logging.getLogger(__name__)

#: What a run derived by ``parkplan equalise`` takes over from the run it re-equalises.
RASTER_OUTPUTS = (pipeline.SCORE_RASTER, "exclusions.tif", "criteria", "raw")
#: The pages a run writes last, from its own files.
PAGES = (outputs.MAP_HTML, outputs.REPORT_HTML)


@dataclass(frozen=True)
class RunOutputs:
    """A published run: who it is, its folder, the files (as a user finds them), the results
    behind them and the warnings it raised."""

    root: Path
    run: RunIdentity
    folder: Path
    files: dict[str, Path]
    scoring: pipeline.Scoring | None
    equalisation: object | None
    warnings: tuple[str, ...] = ()


def ensure_layers(study: Study, workspace: Workspace) -> None:
    """Load the layers that ``study.toml`` declares and the workspace does not hold yet: the
    files first, then the web services (whose default area, the study area, may need a
    declared municipalities layer)."""
    present = {info.name for info in workspace.list_layers()}
    missing = [layer for layer in study.layers if layer.name not in present]
    for layer in sorted(missing, key=lambda layer: layer.service is not None):
        log.info("loading declared layer %s from %s", layer.name, layer.source)
        if layer.service is not None:
            load_declared_layer(study, workspace, layer)
            continue
        workspace.add_layer(
            Path(layer.source),
            layer.name,
            source_layer=layer.source_layer,
            assume_crs=layer.assume_crs,
            allow_outside=layer.allow_outside,
        )


def refuse_equalisation_problems(root: Path) -> None:
    """Stop before the scoring when the keys, mechanisms or finance assumptions are wrong
    (:class:`InvalidStudyError` naming each problem and its line)."""
    problems = equalisation_problems(root)
    if problems:
        raise InvalidStudyError(STUDY_FILE, problems)


def input_hashes(study: Study, workspace: Workspace) -> dict[str, str]:
    """SHA-256 of the source of every layer the study reads."""
    used = {study.region.municipalities}
    used |= {c.layer for c in study.criteria} | {e.layer for e in study.exclusions}
    if study.sites.layer:
        used.add(study.sites.layer)
    return {info.name: info.sha256 for info in workspace.list_layers() if info.name in used}


def start_identity(
    study: Study, raw: bytes, workspace: Workspace, *, scenario: str | None, derived_from=None
) -> RunIdentity:
    return RunIdentity.start(
        scenario=scenario,
        study_sha256=hashlib.sha256(raw).hexdigest(),
        inputs_sha256=input_hashes(study, workspace),
        derived_from=derived_from,
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
    """Score, find sites, split, equalise, write every output of the study at ``root`` into a
    new run, and publish it. A scenario ranks the sites of the current base run."""
    root = pipeline.study_root(root)
    study, raw = read_study(root)
    if equalise and study.partners:
        refuse_equalisation_problems(root)
    workspace = Workspace.open(root)
    store = RunStore(root, keep=study.runs.keep)
    engine_name = engine or study.engine
    with workspace.lock(), open_engine(engine_name, scheduler=scheduler or study.scheduler) as eng:
        begin_stage(progress, "layers")
        ensure_layers(study, workspace)
        library_inputs.check_partners(study, library_inputs.municipalities(study, workspace))
        facts = resolve_facts(study) if equalise and study.partners else None
        base = store.folder(None) if scenario else None
        identity = start_identity(
            study, raw, workspace, scenario=scenario, derived_from=base and base.name
        )
        with store.build(identity) as folder:
            (folder / STUDY_FILE).write_bytes(raw)
            scoring = pipeline.score(
                study,
                workspace,
                scenario=scenario,
                candidates=base_sites(base) if base else None,
                runner=eng,
                progress=progress,
                out_dir=folder,
            )
            result = None
            notes = [scoring.weighting.notice] if scoring.weighting.notice else []
            notes += scoring.notes
            notes += sanity.scoring_warnings(study, scoring, pooled_demand_ha(facts))
            begin_stage(progress, "equalisation")
            if facts is not None:
                result = pipeline.equalise(study, scoring.sites, scoring.site_municipalities)
                notes += sanity.equalisation_warnings(result)
            elif equalise:
                notes.append(NO_PARTNERS)
            begin_stage(progress, "outputs")
            names = write_outputs(study, workspace, scoring, result, folder, lang, identity, notes)
            begin_stage(progress, "publish")
        published = store.folder(scenario)
        publish_to_workspace(workspace, store, scenario, published, names)
    files = {name: store.visible_path(scenario, name) for name in names}
    return RunOutputs(
        root, identity, published, files, scoring, result, tuple(notices.texts(notes))
    )


def pooled_demand_ha(facts: ResolvedFacts | None) -> float | None:
    """The partners' pooled demand (net ha, assumed values included), ``None`` when unknown."""
    if facts is None:
        return None
    return sum(p.demand_ha for p in facts.partners({})) or None


NO_PARTNERS = notices.Notice(
    "no_partners",
    "study.toml has no [[partners]], so this run has no equalisation, ledger or transfers; the "
    "previous run keeps them (parkplan runs); add the partners to equalise",
)


def publish_to_workspace(
    workspace: Workspace, store: RunStore, scenario: str | None, folder: Path, names
) -> None:
    """Give the workspace (a database) the tables and documents of the published run."""
    prefix = "" if scenario is None else f"scenarios/{scenario}/"
    workspace.publish_results({f"{prefix}{name}": folder / name for name in names})


def equalise_study(root: Path, *, site_id: object | None = None) -> RunOutputs:
    """Equalise a site of the current run again (after editing partners, finance or keys), as
    a new run derived from it: same sites and rasters, new equalisation, ledger, map, report."""
    root = pipeline.study_root(root)
    study, raw = read_study(root)
    workspace = Workspace.open(root)
    store = RunStore(root, keep=study.runs.keep)
    with workspace.lock():
        library_inputs.check_partners(study, library_inputs.municipalities(study, workspace))
        source = store.folder(None)
        previous = read_run_facts(source)
        identity = start_identity(study, raw, workspace, scenario=None, derived_from=source.name)
        with store.build(identity) as folder:
            (folder / STUDY_FILE).write_bytes(raw)
            copy_rasters(source, folder)
            sites = outputs.read_sites_gpkg(source).drop(columns="run_id", errors="ignore")
            _, parts = outputs.read_site_tables(source)
            result = pipeline.equalise(study, sites, parts, site_id=site_id)
            parts = parts.drop(columns="run_id", errors="ignore")
            names = write_site_tables(
                sites,
                parts,
                folder,
                identity,
                municipalities=library_inputs.municipalities(study, workspace),
                ramp=study.map.ramp,
            )
            lang = previous.lang if previous else "nl"
            names.append(write_project(study, folder, identity, lang))
            names += write_equalisation(result, folder, identity.run_id, lang=lang)
            sweep = source / outputs.WEIGHT_SWEEP_CSV
            if sweep.is_file():
                table = pd.read_csv(sweep).drop(columns="run_id", errors="ignore")
                names.append(write_stamped_csv(table, folder / outputs.WEIGHT_SWEEP_CSV, identity))
            found = previous.found() if previous else {}
            names.append(write_run_json(found, identity, [], folder, names))
            names += write_pages(study, workspace, folder, lang)
        published = store.folder(None)
        publish_to_workspace(workspace, store, None, published, names)
    files = {name: store.visible_path(None, name) for name in names}
    return RunOutputs(root, identity, published, files, None, result)


def offline_assets() -> AssetSource | None:
    """The installed web assets when they are complete: the run's map is then one file that
    works with no network; else the map links them from the web."""
    source = AssetSource.default()
    if source.has(all_asset_urls()):
        return source
    log.info("web assets are not installed; map.html links Leaflet from the web")
    return None


def copy_rasters(source: Path, target: Path) -> None:
    """The score and criterion rasters of run ``source`` into ``target`` (hard links: a
    published run is never modified)."""
    for name in RASTER_OUTPUTS:
        path = source / name
        if path.is_dir():
            shutil.copytree(path, target / name, copy_function=link_or_copy)
        elif path.is_file():
            link_or_copy(path, target / name)


def link_or_copy(source, target) -> None:
    try:
        Path(target).hardlink_to(source)
    except OSError:
        shutil.copy2(source, target)


def write_equalisation(result, folder: Path, run_id: str, *, lang: str = "nl") -> list[str]:
    """``equalisation.json`` (with the run's id), ``ledger.csv`` (``run_id`` per row) and the
    same ledger as ``ledger.xlsx``."""
    outputs.write_json({"run_id": run_id, **result.to_dict()}, folder / outputs.EQUALISATION_JSON)
    ledger = pd.DataFrame(result.ledger_rows()).assign(run_id=run_id)
    outputs.write_csv(ledger, folder / outputs.LEDGER_CSV)
    summary = outputs.read_summary(folder)
    outputs.write_ledger_xlsx(ledger, summary, folder / outputs.LEDGER_XLSX, lang=lang)
    return [outputs.EQUALISATION_JSON, outputs.LEDGER_CSV, outputs.LEDGER_XLSX]


def write_project(study: Study, folder: Path, identity: RunIdentity, lang: str) -> str:
    """``project.qgz``: the run's QGIS project, over the files written so far."""
    return qgis_project.write_qgis_project(folder, study, identity.run_id, lang=lang).name


def write_stamped_csv(table: pd.DataFrame, target: Path, identity: RunIdentity) -> str:
    outputs.write_csv(table.assign(run_id=identity.run_id), target)
    return target.name


def write_site_tables(
    sites,
    parts: pd.DataFrame,
    folder: Path,
    identity: RunIdentity,
    *,
    municipalities=None,
    ramp: str = "viridis",
) -> list[str]:
    """``sites.gpkg`` (styled, with the site pieces and the exclusion mask), ``sites.csv`` and
    ``site_municipalities.csv``; beside them the API's copy of the sites (``sites.geojson``,
    ``.gz``), part of the run but not a listed output."""
    names = list(
        outputs.write_sites(
            sites, folder, identity.run_id, municipalities=municipalities, ramp=ramp
        )
    )
    write_site_geojson(folder)
    names.append(write_stamped_csv(parts, folder / outputs.SPLIT_CSV, identity))
    return names


def write_run_json(
    found: Mapping[str, Any],
    identity: RunIdentity,
    notes: list[notices.Notice],
    folder: Path,
    written: list[str],
) -> str:
    """``run.json`` (:class:`RunFacts`): the run's identity and end time first, the outputs of
    the run (``written`` so far, this file and the pages), its warnings (as sentences, and
    whole as notices), then what it used and ``found``."""
    finished = datetime.now(UTC).isoformat(timespec="seconds")
    facts = RunFacts(
        run=FinishedRun.of(identity, finished),
        outputs=(*written, RUN_JSON, *PAGES),
        warnings=tuple(notices.texts(notes)),
        notices=tuple(NoticeFacts(**note.to_dict()) for note in notes),
        **found,
    )
    outputs.write_json(facts.model_dump(mode="json"), folder / RUN_JSON)
    return RUN_JSON


def write_pages(study: Study, workspace: Workspace, folder: Path, lang: str) -> list[str]:
    """``map.html`` and ``report.html`` of the run in ``folder``, from its own files."""
    data = views.run_map_data(study, workspace, folder)
    page = map_html(data, lang=lang, assets=offline_assets())
    outputs.write_text(page, folder / outputs.MAP_HTML)
    dossier = report.report_of_run(study, workspace, folder, lang=lang)
    outputs.write_text(dossier, folder / outputs.REPORT_HTML)
    return list(PAGES)


def write_outputs(
    study: Study,
    workspace: Workspace,
    scoring: pipeline.Scoring,
    result,
    folder: Path,
    lang: str,
    identity: RunIdentity,
    notes: list[notices.Notice],
) -> list[str]:
    """Write every output of a run into its folder; return their names."""
    names = write_site_tables(
        scoring.sites,
        scoring.site_municipalities,
        folder,
        identity,
        municipalities=library_inputs.municipalities(study, workspace),
        ramp=study.map.ramp,
    )
    names.append(write_project(study, folder, identity, lang))
    if result is not None:
        names += write_equalisation(result, folder, identity.run_id, lang=lang)
    if scoring.weight_sweep is not None:
        target = folder / outputs.WEIGHT_SWEEP_CSV
        names.append(write_stamped_csv(scoring.weight_sweep, target, identity))
    found = run_facts(scoring) | {"lang": lang}
    names.append(write_run_json(found, identity, notes, folder, names))
    return names + write_pages(study, workspace, folder, lang)


def run_facts(scoring: pipeline.Scoring) -> dict[str, Any]:
    """What the run used and found, for the record and the report (the fields of
    :class:`RunFacts` after its warnings, as plain values)."""
    suitability = scoring.suitability
    return {
        "scenario": scoring.scenario,
        "grid": asdict(scoring.grid),
        "weights": scoring.weighting.weights,
        "weights_given": scoring.weighting.given,
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


def base_sites(folder: Path):
    """The candidate sites (``site_id`` + polygons) of the base run in ``folder``, which a
    scenario ranks again."""
    return outputs.read_sites_gpkg(folder)[["site_id", "geometry"]]


def compare_scenarios(root: Path, names: list[str]) -> pd.DataFrame:
    """Rank changes of the base sites between the base model and the named scenarios."""
    store = RunStore(pipeline.study_root(root))
    tables = {}
    for name in names:
        folder = store.folder(None if name == "base" else name)
        tables[name] = outputs.read_site_tables(folder)[0]
    return scenarios.compare_scenarios(tables, baseline=names[0])


def render_map(root: Path, *, scenario: str | None = None, lang: str = "nl", assets=None) -> str:
    """The map of the current run of a study (or of one of its scenarios), as HTML."""
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
