"""From ``study.toml`` sections to the objects of the libraries.

The libraries take in-memory objects; this module reads the layers they need from the
workspace and builds exclusions, criteria, weights and aggregation for :mod:`geo`.
"""

from __future__ import annotations

import difflib
import logging
import math
import warnings
from dataclasses import dataclass

import geopandas as gpd

from geo.aggregation import Aggregation
from geo.criteria import DistanceCriterion, RasterCriterion, ZoneShareCriterion, ZoningCriterion
from geo.exclusions import (
    BufferExclusion,
    InsideExclusion,
    OutsideExclusion,
    RasterExclusion,
    ZoningExclusion,
)
from geo.grid import Grid
from geo.transforms import Transform
from geo.weights import AHPResult, ahp_weights, direct_weights, rank_weights
from parkplan import study as schema
from parkplan.errors import StudyError
from parkplan.notices import Notice
from parkplan.study import CriterionConfig, ExclusionConfig, Study, TransformConfig
from parkplan.workspace import Workspace

log = logging.getLogger(__name__)


#: The largest analysis grid a study may ask for (cells); all of Flanders at 5 m is ~8.8e8.
MAX_GRID_CELLS = 2**30


@dataclass(frozen=True)
class Weighting:
    """The weights used (summing to 1), the weights as given when they had to be normalised,
    and the AHP check when the weights came from pairwise judgements."""

    weights: dict[str, float]
    method: str
    ahp: AHPResult | None = None
    given: dict[str, float] | None = None

    @property
    def note(self) -> str | None:
        """The sentence that says the given weights were rescaled, or ``None``."""
        if self.given is None:
            return None
        total = math.fsum(self.given.values())
        shown = ", ".join(f"{name} {w:.3g}" for name, w in self.weights.items())
        return (
            f"the criterion weights sum to {total:.4g}, not 1; they were divided by {total:.4g} "
            f"to {shown}; give weights that sum to 1 to use them as they are"
        )

    @property
    def notice(self) -> Notice | None:
        """:attr:`note` as a run's notice (code ``weights_rescaled``), or ``None``."""
        if self.given is None:
            return None
        figures = {"total": math.fsum(self.given.values()), "weights": dict(self.weights)}
        return Notice("weights_rescaled", str(self.note), figures)


def municipalities(study: Study, workspace: Workspace) -> gpd.GeoDataFrame:
    """The municipality layer with a ``name`` column, in the study CRS."""
    layer = workspace.read_vector(study.region.municipalities)
    column = study.region.name_column
    if column not in layer.columns:
        raise StudyError(
            f"layer {study.region.municipalities!r} has no column {column!r} with the "
            f"municipality names; columns: {sorted(map(str, layer.columns))}; set "
            "[region] name_column in study.toml"
        )
    return layer.rename(columns={column: "name"}) if column != "name" else layer


#: The name of the exclusion that removes everything outside the study area.
OUTSIDE_STUDY_AREA = "outside_study_area"


@dataclass(frozen=True)
class StudyArea:
    """Where sites may be found (``area``: the analysis mask, polygons in the study CRS), whose
    land may host them (``hosts``: the partners' municipalities, ``name`` + geometry), and
    what the area is, in words."""

    area: gpd.GeoDataFrame
    hosts: gpd.GeoDataFrame
    description: str

    def exclusion(self) -> OutsideExclusion:
        """The exclusion of every cell outside the area, reported as its own line."""
        return OutsideExclusion(OUTSIDE_STUDY_AREA, self.area)


def study_area(study: Study, workspace: Workspace) -> StudyArea:
    """The partners' municipalities (every municipality without ``[[partners]]``), widened by
    ``[study_area] buffer_m``, or the polygons of ``[study_area] layer``."""
    towns = municipalities(study, workspace)
    names = [p.name for p in study.partners]
    hosts = towns[towns["name"].isin(names)] if names else towns
    config = study.study_area
    if config.layer is not None:
        area = workspace.read_vector(config.layer)[["geometry"]]
        description = f"the polygons of layer {config.layer!r}"
    else:
        area = gpd.GeoDataFrame(geometry=[hosts.union_all()], crs=hosts.crs)
        who = "the partners' municipalities" if names else "every municipality of the layer"
        description = f"{who} ({len(hosts)})"
    if config.buffer_m > 0:
        area = gpd.GeoDataFrame(geometry=area.buffer(config.buffer_m), crs=area.crs)
        description += f" widened by {config.buffer_m:g} m"
    return StudyArea(area.to_crs(study.crs), hosts[["name", "geometry"]], description)


def study_grid(study: Study, workspace: Workspace, area: StudyArea | None = None) -> Grid:
    """The grid covering the study area at the study's cell size."""
    area = study_area(study, workspace) if area is None else area
    bounds = tuple(area.area.total_bounds)
    grid = Grid.covering(bounds, study.cell_size_m, study.crs)
    if grid.width * grid.height > MAX_GRID_CELLS:
        raise StudyError(
            f"cell_size_m = {study.cell_size_m:g} makes a grid of {grid.width:,} x "
            f"{grid.height:,} cells over the study area; expected at most "
            f"{MAX_GRID_CELLS:,} cells; raise cell_size_m in study.toml"
        )
    return grid


def check_partners(study: Study, towns: gpd.GeoDataFrame) -> None:
    """Refuse partners that are not municipalities of the layer, naming the closest names."""
    known = sorted({str(name) for name in towns["name"]})
    for partner in study.partners:
        if partner.name not in known:
            close = difflib.get_close_matches(partner.name, known, n=3, cutoff=0.5)
            hint = f"closest: {', '.join(close)}" if close else f"known: {', '.join(known[:10])}"
            raise StudyError(
                f"partner {partner.name!r} of [[partners]] is not a municipality of layer "
                f"{study.region.municipalities!r} (column {study.region.name_column!r}); "
                f"{hint}; fix the name in study.toml"
            )


def transform_of(config: TransformConfig) -> Transform:
    """The :class:`geo.transforms.Transform` of a ``transform`` table."""
    return Transform(**config.model_dump())


def criterion(config: CriterionConfig, workspace: Workspace, grid: Grid):
    """The :mod:`geo.criteria` object of one ``[[criteria]]`` entry."""
    transform = transform_of(config.transform)
    if isinstance(config, schema.RasterCriterion):
        return RasterCriterion(config.name, workspace.aligned_raster(config.layer, grid), transform)
    features = workspace.read_vector(config.layer)
    if isinstance(config, schema.DistanceCriterion):
        cache = workspace.distance_cache(config.layer)
        return DistanceCriterion(config.name, features, transform, cache_dir=cache)
    column = _require_column(features, config.column, f"criterion {config.name!r}", config.layer)
    if isinstance(config, schema.ZoningCriterion):
        return ZoningCriterion(config.name, features, column, transform)
    return ZoneShareCriterion(
        config.name, features, column, set(config.categories), config.radius_m, transform
    )


def exclusion(config: ExclusionConfig, workspace: Workspace, grid: Grid):
    """The :mod:`geo.exclusions` object of one ``[[exclusions]]`` entry."""
    if isinstance(config, schema.RasterExclusion):
        raster = workspace.aligned_raster(config.layer, grid)
        return RasterExclusion(config.name, raster, config.op, config.value)
    features = workspace.read_vector(config.layer)
    if isinstance(config, schema.InsideExclusion):
        return InsideExclusion(config.name, features)
    if isinstance(config, schema.BufferExclusion):
        return BufferExclusion(config.name, features, config.buffer_m)
    column = _require_column(features, config.column, f"exclusion {config.name!r}", config.layer)
    return ZoningExclusion(config.name, features, column, set(config.allowed))


def _require_column(frame: gpd.GeoDataFrame, column: str | None, user: str, layer: str) -> str:
    """``column``, once ``frame`` has it."""
    if column is None or column not in frame.columns:
        raise StudyError(
            f"{user} reads column {column!r} of layer {layer!r}, which has only "
            f"{sorted(map(str, frame.columns))}; fix 'column' in study.toml"
        )
    return column


def weighting(study: Study) -> Weighting:
    """The criterion weights, by the method of ``[weights]``."""
    names = [c.name for c in study.criteria]
    if not names:
        raise StudyError("study.toml has no [[criteria]]; add at least one criterion")
    method = study.weights.method
    if method == "direct":
        missing = [c.name for c in study.criteria if c.weight is None]
        if missing:
            raise StudyError(f"criteria {missing} have no 'weight'; give every criterion a weight")
        given = {c.name: float(c.weight) for c in study.criteria if c.weight is not None}
        normalised = direct_weights(given)
        rescaled = not math.isclose(math.fsum(given.values()), 1.0, abs_tol=1e-9)
        return Weighting(normalised, method, given=given if rescaled else None)
    if method == "ahp":
        if study.weights.pairwise is None:
            raise StudyError("[weights] method = 'ahp' needs 'pairwise' (an n x n matrix)")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = ahp_weights(names, study.weights.pairwise)
        for warning in caught:
            log.warning("%s", warning.message)
        return Weighting(dict(result.weights), method, result)
    order = study.weights.order or _order_by_rank(study)
    if sorted(order) != sorted(names):
        raise StudyError(
            f"[weights] order {order} must name every criterion exactly once: {sorted(names)}"
        )
    return Weighting(rank_weights(order, method=method), method)


def _order_by_rank(study: Study) -> list[str]:
    missing = [c.name for c in study.criteria if c.rank is None]
    if missing:
        raise StudyError(f"rank weights need [weights] order or a 'rank' on criteria {missing}")
    return [c.name for c in sorted(study.criteria, key=lambda c: (c.rank, c.name))]


def transform_jitter(study: Study) -> dict[str, float]:
    """σ of each criterion whose transform varies in the robustness draws (σ > 0): its own
    ``transform_jitter``, or the one of ``[robustness]``; none without draws."""
    if study.robustness.draws == 0:
        return {}
    sd = {
        c.name: study.robustness.transform_jitter
        if c.transform_jitter is None
        else c.transform_jitter
        for c in study.criteria
    }
    return {name: value for name, value in sd.items() if value > 0}


def aggregation(study: Study) -> Aggregation:
    """The :class:`geo.aggregation.Aggregation` of ``[aggregation]``."""
    return Aggregation(**study.aggregation.model_dump())
