"""The pipeline of a study: score suitability, find and score sites, split them, equalise.

::

    layers -> exclusions -> criteria -> suitability raster -> sites (+ robustness)
           -> split by municipality -> site finance, taxes, keys, games -> ledger

Each stage returns an immutable result; :func:`run` writes the outputs into the study folder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

import equalisation
from equalisation.finance import FinanceAssumptions
from equalisation.site_game import GameRules
from equalisation.summary import EqualisationSummary, summarise
from geo import engine, regions, sensitivity, split
from geo.engine import SuitabilityResult
from geo.grid import Grid
from geo.robustness import RobustnessResult, TransformJitter, weight_monte_carlo
from geo.runners import IN_PROCESS, Runner
from geo.zonal import site_profiles, zonal_scores
from parkplan import library_inputs, score_cache
from parkplan.errors import StudyError
from parkplan.facts import Assumption, resolve_facts
from parkplan.notices import Notice
from parkplan.stages import begin as begin_stage
from parkplan.study import Study
from parkplan.workspace import Workspace

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

SCORE_RASTER = "suitability.tif"


@dataclass(frozen=True)
class Scoring:
    """What scoring a study produced: the raster, the ranked sites and their split, the
    robustness draws and the one-at-a-time weight sweep."""

    scenario: str | None
    grid: Grid
    weighting: library_inputs.Weighting
    suitability: SuitabilityResult
    sites: gpd.GeoDataFrame
    site_municipalities: pd.DataFrame
    robustness: RobustnessResult | None
    weight_sweep: pd.DataFrame | None = None
    area: library_inputs.StudyArea | None = None
    notes: tuple[Notice, ...] = ()


def score(
    study: Study,
    workspace: Workspace,
    *,
    scenario: str | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    runner: Runner = IN_PROCESS,
    progress: Progress | None = None,
    out_dir: Path,
) -> Scoring:
    """Score suitability, find candidate sites, score and rank them, split them by municipality.

    The score raster (``out_dir/suitability.tif``), the criterion rasters (``criteria/``,
    ``raw/``) and the exclusion raster are written into ``out_dir``, the folder of the run;
    those whose inputs an earlier run had are linked from the workspace's cache instead of
    computed (:mod:`parkplan.score_cache`). ``candidates`` (``site_id`` + polygons) are scored
    instead of finding sites anew: a scenario ranks the base model's sites, so that the
    rankings can be compared site by site. The heavy computations run on ``runner`` (the
    study's engine, :func:`parkplan.engines.open_engine`).
    """
    variant = study.scenario(scenario)
    area = library_inputs.study_area(variant, workspace)
    grid = library_inputs.study_grid(variant, workspace, area)
    weighting = library_inputs.weighting(variant)
    jitter = library_inputs.transform_jitter(variant)
    rasters = score_cache.RunRasters(
        out_dir / "criteria", out_dir / "raw" if jitter else None, out_dir / "exclusions.tif"
    )
    suitability = score_raster(
        variant, workspace, grid, area, weighting, runner, rasters, out_dir / SCORE_RASTER, progress
    )
    begin_stage(progress, "sites")
    notes: list[Notice] = []
    if candidates is None:
        found = candidate_sites(variant, workspace, grid, suitability)
        candidates, notes = keep_to_partners(
            found, area, variant.study_area.sites_beyond_partners, cell_size_m=grid.cell_size_m
        )
    table = zonal_scores(
        candidates,
        grid,
        suitability.path,
        criterion_rasters=suitability.criterion_paths,
        id_column="site_id",
        runner=runner,
    )
    municipalities = library_inputs.municipalities(variant, workspace)
    parts = split.split_by_municipality(candidates, municipalities, id_column="site_id")
    begin_stage(progress, "robustness")
    stability = _robustness(variant, weighting, table, runner, candidates, suitability, jitter)
    sweep = None
    if len(table) >= 2:
        sweep = sensitivity.weight_sweep(
            table, weighting.weights, library_inputs.aggregation(variant)
        )
    sites = _site_table(candidates, table, parts, stability)
    return Scoring(
        scenario, grid, weighting, suitability, sites, parts, stability, sweep, area, tuple(notes)
    )


def score_raster(
    study: Study,
    workspace: Workspace,
    grid: Grid,
    area: library_inputs.StudyArea,
    weighting: library_inputs.Weighting,
    runner: Runner,
    rasters: score_cache.RunRasters,
    out_path: Path,
    progress: Progress | None,
) -> SuitabilityResult:
    """The score raster of ``study`` (a variant) at ``out_path``, with its criterion and
    exclusion rasters (``rasters``): those the workspace's cache holds for the same inputs
    are linked from it, the others computed, then cached."""
    cache = workspace.scoring_cache()
    keys = score_cache.scoring_keys(study, workspace, grid, area)
    reused = score_cache.reuse(cache, keys, study, workspace, grid, rasters)
    begin_stage(progress, "exclusions")
    exclusions = []
    if reused.exclusions is None:
        exclusions = [library_inputs.exclusion(e, workspace, grid) for e in study.exclusions]
        exclusions.insert(0, area.exclusion())
    begin_stage(progress, "criteria")
    stored = reused.criteria
    criteria = [
        stored.get(c.name) or library_inputs.criterion(c, workspace, grid) for c in study.criteria
    ]
    begin_stage(progress, "score")
    result = engine.score(
        grid,
        criteria,
        weighting.weights,
        aggregation=library_inputs.aggregation(study),
        exclusions=exclusions,
        stored_exclusions=reused.exclusions,
        out_path=out_path,
        criterion_dir=rasters.criterion_dir,
        raw_dir=rasters.raw_dir,
        exclusion_path=rasters.exclusion_path,
        progress=progress,
        runner=runner,
        compression=study.outputs.compression,
    )
    score_cache.keep(cache, keys, result, reused)
    return result


def keep_to_partners(
    candidates: gpd.GeoDataFrame, area: library_inputs.StudyArea, rule: str, *, cell_size_m: float
) -> tuple[gpd.GeoDataFrame, list[Notice]]:
    """Sites kept to the partners' territory: a site reaching beyond it by more than the cells
    along its edge do (half a cell along its outline, and 1 % of its area) is clipped to it
    (``rule = "clip"``) or dropped (``"drop"``), with a warning; edge slivers are clipped
    without one."""
    territory = area.hosts.union_all()
    inside = candidates.geometry.intersection(territory)
    beyond_ha = (candidates.geometry.area - inside.area) / 10_000
    edge_ha = candidates.geometry.length * cell_size_m / 2 / 10_000
    noticeable = (beyond_ha > edge_ha) & (beyond_ha > 0.01 * candidates.geometry.area / 10_000)
    ids = candidates.loc[noticeable, "site_id"].astype(str).tolist()
    kept = candidates.assign(geometry=inside)
    if rule == "drop":
        kept = kept[~noticeable.to_numpy()]
    kept = kept[~kept.geometry.is_empty]
    if kept.empty:
        raise StudyError(
            "every candidate site lies beyond the partners' territory; check [[partners]] "
            "against the municipalities layer, or [study_area]"
        )
    notes = []
    if ids:
        action = "dropped" if rule == "drop" else "clipped to it"
        lost = ", ".join(
            f"site {i} by {b:.1f} ha" for i, b in zip(ids, beyond_ha[noticeable], strict=True)
        )
        text = (
            f"candidate sites reached beyond the partners' territory ({lost}) and were {action}; "
            "only partners host a site (add the neighbour as a partner to include its land)"
        )
        figures = {
            "action": rule,
            "sites": [[i, float(b)] for i, b in zip(ids, beyond_ha[noticeable], strict=True)],
        }
        notes.append(Notice("sites_beyond_partners", text, figures))
    return gpd.GeoDataFrame(kept.reset_index(drop=True), crs=candidates.crs), notes


def candidate_sites(
    study: Study, workspace: Workspace, grid: Grid, suitability: SuitabilityResult
) -> gpd.GeoDataFrame:
    """Candidate sites: polygons of a layer, or regions extracted from the score raster."""
    config = study.sites
    if config.source == "layer":
        assert config.layer is not None  # required with source = 'layer'
        layer = workspace.read_vector(config.layer)
        if config.id_column not in layer.columns:
            raise StudyError(
                f"site layer {config.layer!r} has no id column {config.id_column!r}; set "
                "[sites] id_column in study.toml"
            )
        return layer[[config.id_column, "geometry"]].rename(columns={config.id_column: "site_id"})
    found = regions.extract_regions(
        grid,
        suitability.path,
        threshold=config.threshold,
        min_area_ha=config.min_area_ha,
        max_sites=config.max_sites,
        target_area_ha=config.target_area_ha,
        sites_per_region=config.sites_per_region,
        separation_m=config.separation_m,
        simplify_m=config.simplify_m,
    )
    if found.empty:
        raise StudyError(
            f"no contiguous area scores above {config.threshold} over at least "
            f"{config.min_area_ha} ha; lower [sites] threshold or min_area_ha"
        )
    return found


def _robustness(
    study: Study,
    weighting: library_inputs.Weighting,
    table: pd.DataFrame,
    runner: Runner,
    candidates: gpd.GeoDataFrame,
    suitability: SuitabilityResult,
    jitter: dict[str, float],
) -> RobustnessResult | None:
    config = study.robustness
    if config.draws == 0 or len(table) < 2:
        return None
    uncertain = None
    if jitter:
        raw = {name: suitability.raw_paths[name] for name in jitter}
        profiles = site_profiles(candidates, suitability.grid, suitability.path, raw, runner=runner)
        uncertain = TransformJitter(profiles, suitability.raw_transforms, jitter)
    return weight_monte_carlo(
        table,
        weighting.weights,
        aggregation=library_inputs.aggregation(study),
        draws=config.draws,
        concentration=config.concentration,
        transform_jitter=uncertain,
        seed=config.seed,
        runner=runner,
    )


def _site_table(
    candidates: gpd.GeoDataFrame,
    table: pd.DataFrame,
    parts: pd.DataFrame,
    stability: RobustnessResult | None,
) -> gpd.GeoDataFrame:
    """Sites with geometry, scores, host and robustness, ranked best first."""
    sites = candidates[["site_id", "geometry"]].merge(table, on="site_id", how="inner")
    host = split.hosts(parts).rename("host")
    sites = sites.merge(host, left_on="site_id", right_index=True, how="left")
    if stability is not None:
        odds = stability.table[["site_id", "p_first", "p_top_k"]]
        sites = sites.merge(
            odds.rename(columns={"p_top_k": f"p_top{stability.top_k}"}), on="site_id", how="left"
        )
    front = ["site_id", "area_ha", "score", "rank", "host"]
    ordered = front + [c for c in sites.columns if c not in front and c != "geometry"]
    sites = sites[[*ordered, "geometry"]].sort_values(["rank", "site_id"])
    return gpd.GeoDataFrame(sites.reset_index(drop=True), geometry="geometry", crs=candidates.crs)


@dataclass(frozen=True)
class SiteEqualisation:
    """The equalisation of one site: which site, the result of :func:`equalisation.equalise`,
    the facts it assumed for unknowns, and their effect: each partner's net present value under
    each key with every assumed fact at the low and at the high end of its range."""

    site_id: str
    result: equalisation.EqualisationResult
    assumed: tuple[Assumption, ...] = ()
    effects: Mapping[str, Mapping[str, Mapping[str, float]]] = field(default_factory=dict)

    @property
    def summary(self) -> EqualisationSummary:
        """What the map and the dossier show (:mod:`equalisation.summary`)."""
        return summarise(self.result, site_id=self.site_id)

    def to_dict(self) -> dict:
        """``equalisation.json``: the site's id, the assumed facts and their effect, the
        summary (typed, versioned), then the result's own explanation in full."""
        return {
            "site_id": self.site_id,
            "assumed_facts": [a.to_dict() for a in self.assumed],
            "assumption_effects": self.effects,
            "summary": self.summary.to_dict(),
            **self.result.to_dict(),
        }

    def ledger_rows(self) -> list[dict]:
        """``ledger.csv``: one row per key, partner and year, with the facts assumed for the
        partner ('' when none)."""
        about: dict[str, list[str]] = {}
        for assumption in self.assumed:
            about.setdefault(assumption.partner, []).append(assumption.words())
        return [
            row | {"assumed": "; ".join(about.get(row["partner"], []))}
            for row in self.result.ledger_rows()
        ]


def equalise(
    study: Study,
    sites: gpd.GeoDataFrame | pd.DataFrame,
    parts: pd.DataFrame,
    *,
    site_id: object | None = None,
) -> SiteEqualisation:
    """Finance, taxes and sharing of the best site (or ``site_id``) among the partners.

    ``sites`` is the ranked site table, ``parts`` the split of every site by municipality.
    Unknown facts are assumed as ``[unknowns]`` says, or refused (:mod:`parkplan.facts`).
    """
    chosen = sites.iloc[0] if site_id is None else _site(sites, site_id)
    mine = parts[parts["site_id"].astype(str) == str(chosen["site_id"])]
    area_by_municipality = dict(zip(mine["municipality"], mine["area_ha"], strict=True))
    names = {p.name for p in study.partners}
    unknown = sorted(set(area_by_municipality) - names - {split.OUTSIDE})
    if unknown:
        raise StudyError(
            f"site {chosen['site_id']} lies in {unknown}, which are not [[partners]]; "
            "add them as partners or choose another site"
        )
    if not study.partners:
        raise StudyError("study.toml has no [[partners]]; add the partner municipalities")
    facts = resolve_facts(study)
    inputs = {
        "site_area_ha_by_municipality": area_by_municipality,
        "host": str(chosen["host"]),
        "assumptions": finance_assumptions(study),
        "keys": study.key_specs(),
        "mechanisms": study.mechanisms.spec(),
        "horizon_years": study.finance.horizon_years,
        "start_year": study.finance.start_year,
        "tax_year": study.finance.tax_year,
        "provincial_opcentiemen": study.finance.provincial_opcentiemen,
        "tax_coefficients": study.finance.tax_coefficients,
        "game_rules": GameRules(
            no_site=study.game.no_site,
            property_tax=study.game.property_tax,
            grand_site=str(chosen["site_id"]),
        ),
    }
    result = equalisation.equalise(
        partners=facts.partners(area_by_municipality),
        candidate_sites=candidate_options(sites, parts),
        **inputs,
    )
    effects = {}
    if facts.assumptions:
        bounds = {
            bound: equalisation.equalise(
                partners=facts.partners(area_by_municipality, bound), **inputs
            )
            for bound in ("low", "high")
        }
        effects = assumption_effects(result, bounds)
    return SiteEqualisation(str(chosen["site_id"]), result, facts.assumptions, effects)


def assumption_effects(
    result: equalisation.EqualisationResult, bounds: Mapping[str, equalisation.EqualisationResult]
) -> dict[str, dict[str, dict[str, float]]]:
    """Per key and partner: the net present value (euros) as computed, and with every assumed
    fact at the low and at the high end of its range."""
    runs = {"value": result, **bounds}
    present = {
        bound: {ledger.name: ledger.present_values_cents() for ledger in run.ledgers}
        for bound, run in runs.items()
    }
    return {
        key: {
            partner: {f"net_pv_{bound}_eur": present[bound][key][partner] / 100 for bound in runs}
            for partner in cents
        }
        for key, cents in present["value"].items()
    }


def finance_assumptions(study: Study) -> FinanceAssumptions:
    """The illustrative defaults with the overrides of ``[finance.assumptions]``."""
    return study.finance.assumptions.library()


def candidate_options(sites: pd.DataFrame, parts: pd.DataFrame) -> list[dict]:
    """The sites as plain data for the fair-division game."""
    by_site = {
        site_id: dict(zip(group["municipality"], group["area_ha"], strict=True))
        for site_id, group in parts.groupby("site_id")
    }
    return [
        {
            "site_id": str(row["site_id"]),
            "score": float(row["score"]),
            "area_ha": float(row["area_ha"]),
            "area_ha_by_municipality": by_site.get(row["site_id"], {}),
        }
        for row in sites.to_dict("records")
    ]


def _site(sites: pd.DataFrame, site_id: object) -> pd.Series:
    match = sites[sites["site_id"].astype(str) == str(site_id)]
    if match.empty:
        raise StudyError(f"unknown site {site_id!r}; sites: {list(sites['site_id'][:20])}")
    return match.iloc[0]


def study_root(path: Path) -> Path:
    """``path`` as a study folder, or a one-line error."""
    path = Path(path)
    if not path.is_dir():
        raise StudyError(f"{path} is not a folder; give the study folder made by 'parkplan init'")
    return path
