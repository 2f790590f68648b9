"""The model builder's live preview: a draft model scored at overview resolution, at once.

What does not change while a planner moves a weight or a transform point is computed once per
study and kept in memory (:class:`PreviewInputs`): the *overview grid* (the study grid with
cells k times larger, k the smallest integer that keeps both sides within
:data:`OVERVIEW_SIDE` cells), each criterion's raw values on it (the criteria of
:mod:`geo.criteria` evaluated on that grid: metres, raster values, zone codes, shares; distance
rasters are cached in the workspace), each exclusion's mask and the study area's, and the
current run's candidate sites with the coverage fraction of every overview cell they touch.

A preview (:func:`preview`) then does only the engine's own block work on that grid:
standardise (:func:`geo.engine.standardised_stack`), exclude
(:class:`geo.exclusions.ExclusionTally`) and aggregate (:func:`geo.engine.score_array`), so its
scores are those of :func:`geo.engine.score` on the overview grid. For each site:

- ``score``: the coverage-weighted mean of the preview score over its scored cells,
  S = Σ f·s / Σ f (f the coverage fraction, as :mod:`geo.zonal`), and its rank (ties by id);
- ``p_top_k`` and the robustness ``sign``: the site's criterion means c_i (same weighting) go
  through :func:`geo.robustness.weight_monte_carlo` with :data:`PREVIEW_DRAWS` Dirichlet draws
  around the draft's weights (the study's concentration and seed); ``p_top_k`` is the share of
  draws that put the site in the top k (k = :data:`TOP_K`), and the sign reads it:
  ``robust`` (p ≥ 0.9: in the top k whatever the draw), ``uncertain`` (0.1 ≤ p < 0.9: other
  weights move it in or out), ``out`` (p < 0.1). Only the weights vary (not the transforms),
  over the :data:`PREVIEW_SITES` best sites of the preview.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from rasterio.windows import Window
from scipy import sparse

from geo.criteria import Criterion, ZoningCriterion
from geo.engine import score_array, standardised_stack
from geo.exclusions import ExclusionReport, ExclusionTally
from geo.grid import Grid
from geo.robustness import weight_monte_carlo
from geo.transforms import Transform, standardise
from geo.zonal import coverage_fractions, rank_sites
from parkplan import library_inputs, outputs
from parkplan.model_builder import DraftWeights, draft_weights
from parkplan.runs import RunStore
from parkplan.study import CriterionConfig, ExclusionConfig, Study, ZoneShareCriterion
from parkplan.workspace import Workspace
from webmap.colours import colour_scores
from webmap.overlay import png_bytes

log = logging.getLogger(__name__)

#: The longest side of the overview grid, in cells.
OVERVIEW_SIDE = 512
#: Monte Carlo draws of the robustness sign, the top k it counts, and the sites it ranks.
PREVIEW_DRAWS = 200
TOP_K = 3
PREVIEW_SITES = 50
#: p_top_k thresholds of the robustness sign.
ROBUST_P, OUT_P = 0.9, 0.1
#: Bins of a numeric histogram; distinct values up to which a raster is shown by category.
HISTOGRAM_BINS = 40
MAX_CATEGORIES = 64
#: Raw layers, masks and coded transforms kept per study (least recently used go first): at
#: most 2 MB each (512² float64).
KEPT_ITEMS = 32
#: Colour of excluded land inside the study area on the overview image (RGBA).
EXCLUDED_RGBA = (205, 205, 205, 255)


def overview_grid(grid: Grid, side: int = OVERVIEW_SIDE) -> Grid:
    """``grid`` with cells k × larger, k = ⌈max(width, height) / side⌉: same origin, covering
    at least the same area."""
    k = max(1, math.ceil(max(grid.width, grid.height) / side))
    return Grid(
        grid.crs,
        grid.x_min,
        grid.y_max,
        grid.cell_size_m * k,
        math.ceil(grid.width / k),
        math.ceil(grid.height / k),
    )


def whole(grid: Grid) -> Window:
    """The window of the whole grid."""
    return Window(0, 0, grid.width, grid.height)


@dataclass(frozen=True)
class RawLayer:
    """A criterion's raw values on the overview grid (NaN: no data) and, for a zoning
    criterion, the criterion itself (its zones code the categories)."""

    values: np.ndarray
    zoning: ZoningCriterion | None = None

    @property
    def categories(self) -> tuple[object, ...] | None:
        return None if self.zoning is None else self.zoning.categories


@dataclass(frozen=True)
class OverviewSites:
    """The candidate sites of a run on the overview grid: ids, the run's rank and score, the
    flat indices of the ``cells`` they touch and ``cover`` (sites × those cells, the coverage
    fraction of each), and each outline as SVG path data and a point inside it (for its
    label) in overview cell units (x right, y down)."""

    run_id: str | None
    ids: np.ndarray
    run_rank: np.ndarray
    run_score: np.ndarray
    cells: np.ndarray
    cover: sparse.csr_matrix
    outlines: tuple[str, ...]
    labels: np.ndarray


def no_sites(grid: Grid) -> OverviewSites:
    """The sites of a study that has no run yet: none."""
    empty, none = np.array([], dtype=object), np.array([], dtype=np.int64)
    cover = sparse.csr_matrix((0, 0))
    return OverviewSites(None, empty, none, np.array([]), none, cover, (), np.zeros((0, 2)))


def sites_on(grid: Grid, sites: pd.DataFrame, run_id: str | None) -> OverviewSites:
    """The sites (``site_id``, ``rank``, ``score``, polygons) placed on ``grid``."""
    geometries = np.asarray(sites.geometry.values, dtype=object)
    cells = coverage_fractions(geometries, grid)
    on = (cells.row >= 0) & (cells.row < grid.height) & (cells.col >= 0) & (cells.col < grid.width)
    touched, column = np.unique(cells.row[on] * grid.width + cells.col[on], return_inverse=True)
    cover = sparse.csr_matrix(
        (cells.fraction[on], (cells.polygon[on], column)), shape=(len(sites), touched.size)
    )
    return OverviewSites(
        run_id,
        sites["site_id"].astype(str).to_numpy(dtype=object),
        sites["rank"].to_numpy(dtype=np.int64),
        sites["score"].to_numpy(dtype=np.float64),
        touched,
        cover,
        tuple(svg_path(g, grid) for g in geometries),
        cell_units(shapely.get_coordinates(shapely.point_on_surface(geometries)), grid),
    )


def cell_units(xy: np.ndarray, grid: Grid) -> np.ndarray:
    """Coordinates (x, y) of the grid's CRS as (column, row) in cell units."""
    return np.column_stack(
        [(xy[:, 0] - grid.x_min) / grid.cell_size_m, (grid.y_max - xy[:, 1]) / grid.cell_size_m]
    )


def svg_path(geometry: shapely.Geometry, grid: Grid) -> str:
    """SVG path data of a polygon's rings in grid cell units, simplified to 0.25 cell."""
    simple = shapely.simplify(geometry, grid.cell_size_m / 4)
    rings = [
        shapely.get_coordinates(ring)
        for polygon in getattr(simple, "geoms", [simple])
        for ring in (polygon.exterior, *polygon.interiors)
    ]
    parts = []
    for xy in rings:
        points = " ".join(f"{c:.1f},{r:.1f}" for c, r in cell_units(xy, grid))
        parts.append(f"M{points}Z")
    return "".join(parts)


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class Kept(OrderedDict):
    """A mapping that keeps its :data:`KEPT_ITEMS` most recently used items."""

    def get_or_make(self, key: str, make: Callable[[], Any]) -> Any:
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        while len(self) > KEPT_ITEMS:
            self.popitem(last=False)
        return value


@dataclass(frozen=True)
class Layers:
    """A study's workspace with the version (SHA-256) of each of its layers, read once."""

    workspace: Workspace
    versions: Mapping[str, str]

    @classmethod
    def of(cls, workspace: Workspace) -> Layers:
        return cls(workspace, {info.name: info.sha256 for info in workspace.list_layers()})

    def version(self, name: str) -> str:
        """The version of layer ``name``; an unknown name is the workspace's one-line error."""
        if name not in self.versions:
            self.workspace.layer(name)
        return self.versions[name]


def measure_key(config: CriterionConfig, layers: Layers) -> str:
    """What a criterion's raw values depend on: kind, layer (and its version), column,
    categories, radius."""
    return _digest(
        config.model_dump(include={"kind", "layer", "column", "radius_m"}),
        sorted(config.categories) if isinstance(config, ZoneShareCriterion) else [],
        layers.version(config.layer),
    )


class PreviewInputs:
    """What every preview of one study shares, computed on first use and kept: the overview
    grid, the study area, each criterion's raw values and each exclusion's mask (by what they
    measure and the version of their layer), and the current run's sites. Safe to use from
    several threads."""

    def __init__(self, root: Path, study: Study, layers: Layers) -> None:
        self.root = Path(root)
        area = library_inputs.study_area(study, layers.workspace)
        self.grid = overview_grid(library_inputs.study_grid(study, layers.workspace, area))
        self.window = whole(self.grid)
        self.outside = area.exclusion().mask_block(self.grid, self.window)
        self._raw = Kept()
        self._masks = Kept()
        self._coded = Kept()
        self._sites: OverviewSites | None = None
        self._lock = threading.Lock()

    # -- criteria and exclusions on the overview grid -------------------------------------------

    def raw(self, config: CriterionConfig, layers: Layers) -> RawLayer:
        """The raw values of criterion ``config`` on the overview grid."""
        key = measure_key(config, layers)
        with self._lock:
            return self._raw.get_or_make(key, lambda: self._measured(config, layers.workspace))

    def _measured(self, config: CriterionConfig, workspace: Workspace) -> RawLayer:
        criterion = library_inputs.criterion(config, workspace, self.grid)
        try:
            values = criterion.raw_block(self.grid, self.window)
        finally:
            criterion.close()
        return RawLayer(values, criterion if isinstance(criterion, ZoningCriterion) else None)

    def raw_transform(self, config: CriterionConfig, layers: Layers) -> Transform:
        """The transform from the criterion's raw values to μ: its own, or for a zoning
        criterion the coded one of its zones (:attr:`ZoningCriterion.raw_transform`)."""
        transform = library_inputs.transform_of(config.transform)
        zoning = self.raw(config, layers).zoning
        if zoning is None:
            return transform
        mapping = sorted((transform.mapping or {}).items())
        key = _digest(measure_key(config, layers), transform.kind, mapping)

        def coded() -> Transform:
            zones = zoning.features.frame
            return ZoningCriterion(config.name, zones, zoning.column, transform).raw_transform

        with self._lock:
            return self._coded.get_or_make(key, coded)

    def mask(self, config: ExclusionConfig, layers: Layers) -> np.ndarray:
        """The cells exclusion ``config`` removes on the overview grid."""
        key = _digest(
            config.model_dump(exclude={"name", "description", "label"}),
            layers.version(config.layer),
        )

        def measured() -> np.ndarray:
            exclusion = library_inputs.exclusion(config, layers.workspace, self.grid)
            try:
                return exclusion.mask_block(self.grid, self.window)
            finally:
                exclusion.close()

        with self._lock:
            return self._masks.get_or_make(key, measured)

    # -- the current run's sites -----------------------------------------------------------------

    def sites(self) -> OverviewSites:
        """The candidate sites of the current base run (none before the first run)."""
        store = RunStore(self.root)
        run_id = store.current_id(None)
        with self._lock:
            if self._sites is None or self._sites.run_id != run_id:
                self._sites = (
                    no_sites(self.grid)
                    if run_id is None
                    else sites_on(self.grid, outputs.read_sites_gpkg(store.folder(None)), run_id)
                )
            return self._sites


def area_key(study: Study, layers: Layers) -> str:
    """What the study area and the grid rest on: CRS, cell size, region, partners, study area
    and the versions of their layers."""
    names = [study.region.municipalities, study.study_area.layer]
    return _digest(
        study.model_dump(include={"crs", "cell_size_m", "region", "study_area"}),
        [p.name for p in study.partners],
        [layers.version(name) for name in names if name is not None],
    )


class PreviewCache:
    """The :class:`PreviewInputs` of one study, made again when its area or grid changes."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._inputs: tuple[str, PreviewInputs] | None = None
        self._lock = threading.Lock()

    def inputs(self, study: Study, layers: Layers) -> PreviewInputs:
        key = area_key(study, layers)
        with self._lock:
            if self._inputs is None or self._inputs[0] != key:
                self._inputs = (key, PreviewInputs(self.root, study, layers))
            return self._inputs[1]


# -- one preview -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SitePreview:
    """A candidate site under the draft: its preview score and rank, its rank in the run,
    the share of weight draws that keep it in the top k, the robustness sign, and where it is
    drawn on the overview (outline and label point in cell units)."""

    site_id: str
    score: float
    rank: int
    run_rank: int
    p_top_k: float | None
    sign: str | None
    outline: str
    label_xy: tuple[float, float]


@dataclass(frozen=True)
class Preview:
    """A draft scored on the overview grid: the scores (NaN: excluded or no data), the
    exclusions' areas, the weights used, and the sites ranked best first."""

    grid: Grid
    scores: np.ndarray
    excluded: np.ndarray
    outside: np.ndarray
    exclusions: ExclusionReport
    weights: DraftWeights
    sites: tuple[SitePreview, ...]
    run_id: str | None

    @property
    def stats(self) -> dict[str, float | None]:
        """Minimum, mean and maximum of the scored cells, and the scored share of the area."""
        valid = self.scores[~np.isnan(self.scores)]
        inside = int(np.count_nonzero(~self.outside))
        if not valid.size:
            return {"min": None, "mean": None, "max": None, "scored_share": 0.0}
        return {
            "min": float(valid.min()),
            "mean": float(valid.mean()),
            "max": float(valid.max()),
            "scored_share": valid.size / inside if inside else 0.0,
        }


def preview(inputs: PreviewInputs, study: Study, layers: Layers) -> Preview:
    """Score ``study`` (a validated draft) on the overview grid and rank the run's sites."""
    weights = draft_weights(study)
    aggregation = library_inputs.aggregation(study)
    raw = {i: inputs.raw(c, layers).values for i, c in enumerate(study.criteria)}
    stand_ins = [Criterion(c.name, inputs.raw_transform(c, layers)) for c in study.criteria]
    z = standardised_stack(stand_ins, inputs.grid, inputs.window, aggregation, raw=raw)
    names = [library_inputs.OUTSIDE_STUDY_AREA, *(e.name for e in study.exclusions)]
    tally = ExclusionTally(names, inputs.grid)
    masks = [inputs.outside, *(inputs.mask(e, layers) for e in study.exclusions)]
    excluded = tally.add(masks)
    assert excluded is not None  # the mask outside the study area is always among them
    u = [weights.weights[c.name] for c in study.criteria]
    scores = score_array(z, u, aggregation, excluded)
    sites = inputs.sites()
    ranked = ranked_sites(sites, scores, z, study, weights)
    return Preview(
        inputs.grid, scores, excluded, inputs.outside, tally.report(), weights, ranked, sites.run_id
    )


def site_means(sites: OverviewSites, scores: np.ndarray, layers: np.ndarray) -> np.ndarray:
    """Per site: Σ f·v / Σ f over its scored cells (score not NaN) of the score and of each
    layer of ``layers`` (n, rows, cols); shape (sites, 1 + n), NaN without a scored cell."""
    at = sites.cells
    score = scores.reshape(-1)[at]
    scored = ~np.isnan(score)
    values = np.vstack([score, layers.reshape(layers.shape[0], -1)[:, at]]).astype(np.float64)
    values[:, ~scored] = 0.0
    weight = sites.cover @ scored.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sites.cover @ values.T) / weight[:, None]


def ranked_sites(
    sites: OverviewSites,
    scores: np.ndarray,
    z: np.ndarray,
    study: Study,
    weights: DraftWeights,
) -> tuple[SitePreview, ...]:
    """The sites by preview score (best first) with the robustness of the best of them."""
    if not len(sites.ids):
        return ()
    means = site_means(sites, scores, z)
    names = [c.name for c in study.criteria]
    table = pd.DataFrame({"site_id": sites.ids, "score": means[:, 0]})
    for k, name in enumerate(names, start=1):
        table[f"c_{name}"] = means[:, k]
    table["run_rank"] = sites.run_rank
    table["index"] = np.arange(len(sites.ids))
    ranked = rank_sites(table).sort_values("rank", kind="stable").reset_index(drop=True)
    best = ranked.head(PREVIEW_SITES)
    p_top = top_k_shares(best, weights.weights, study)
    return tuple(
        SitePreview(
            site_id=str(row["site_id"]),
            score=float(row["score"]),
            rank=int(row["rank"]),
            run_rank=int(row["run_rank"]),
            p_top_k=p_top.get(str(row["site_id"])),
            sign=robustness_sign(p_top.get(str(row["site_id"]))),
            outline=sites.outlines[row["index"]],
            label_xy=(float(sites.labels[row["index"], 0]), float(sites.labels[row["index"], 1])),
        )
        for row in best.to_dict("records")
    )


def top_k_shares(table: pd.DataFrame, weights: dict[str, float], study: Study) -> dict[str, float]:
    """Site id -> the share of weight draws around ``weights`` that put it in the top k."""
    scored = table[table["score"].notna()]
    if scored.empty:
        return {}
    result = weight_monte_carlo(
        scored,
        weights,
        library_inputs.aggregation(study),
        draws=PREVIEW_DRAWS,
        concentration=study.robustness.concentration,
        top_k=TOP_K,
        seed=study.robustness.seed,
    )
    return dict(zip(result.table["site_id"].astype(str), result.table["p_top_k"], strict=True))


def robustness_sign(p_top_k: float | None) -> str | None:
    """``robust`` (p ≥ 0.9), ``uncertain`` (0.1 ≤ p < 0.9) or ``out`` (p < 0.1)."""
    if p_top_k is None:
        return None
    if p_top_k >= ROBUST_P:
        return "robust"
    return "uncertain" if p_top_k >= OUT_P else "out"


def overview_png(result: Preview, ramp: str) -> bytes:
    """The preview as a PNG of the overview grid: scores on the ramp, excluded land inside the
    study area in light grey, the rest transparent."""
    rgba = colour_scores(result.scores, ramp)
    rgba[result.excluded & ~result.outside] = EXCLUDED_RGBA
    return png_bytes(rgba)


# -- what the editors draw --------------------------------------------------------------------


def curve(transform: Transform, domain: Sequence[float], samples: int = 121) -> list[list[float]]:
    """``[x, μ]`` of ``transform`` at ``samples`` evenly spaced raw values over ``domain`` and
    at its control points inside it (:func:`geo.transforms.standardise`)."""
    low, high = float(domain[0]), float(domain[1])
    points = [getattr(transform, name) for name in "abcd"]
    points += [x for x, _ in transform.points or ()]
    xs = np.linspace(low, high, samples)
    xs = np.unique(np.concatenate([xs, [p for p in points if p is not None and low <= p <= high]]))
    mu = standardise(xs, transform)
    return [[float(x), float(m)] for x, m in zip(xs, mu, strict=True)]


@dataclass(frozen=True)
class Histogram:
    """The raw values of a criterion inside the study area on the overview grid: a numeric
    histogram (``edges``, ``counts``), or for categories their labels and counts."""

    cells: int
    nodata: int
    low: float | None
    high: float | None
    quantiles: dict[str, float]
    edges: tuple[float, ...] = ()
    counts: tuple[int, ...] = ()
    categories: tuple[tuple[str, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "cells": self.cells,
            "nodata": self.nodata,
            "low": self.low,
            "high": self.high,
            "quantiles": self.quantiles,
            "edges": list(self.edges),
            "counts": list(self.counts),
            "categories": [{"category": c, "count": n} for c, n in self.categories],
        }


def histogram(inputs: PreviewInputs, config: CriterionConfig, layers: Layers) -> Histogram:
    """The histogram of criterion ``config``'s raw values inside the study area."""
    layer = inputs.raw(config, layers)
    inside = layer.values[~inputs.outside]
    known = inside[~np.isnan(inside)]
    nodata = int(inside.size - known.size)
    if not known.size:
        return Histogram(int(inside.size), nodata, None, None, {})
    levels = {"p05": 5, "p50": 50, "p95": 95}
    quantiles = {name: float(np.percentile(known, q)) for name, q in levels.items()}
    low, high = float(known.min()), float(known.max())
    common = (int(inside.size), nodata, low, high, quantiles)
    if layer.categories is not None:
        codes, counts = np.unique(known, return_counts=True)
        labels = ["" if c < 0 else str(layer.categories[int(c)]) for c in codes]
        return Histogram(*common, categories=tuple(zip(labels, counts.tolist(), strict=True)))
    values, counts = np.unique(known, return_counts=True)
    if config.transform.kind == "categorical" and values.size <= MAX_CATEGORIES:
        labels = [f"{v:g}" for v in values]
        return Histogram(*common, categories=tuple(zip(labels, counts.tolist(), strict=True)))
    counts, edges = np.histogram(known, bins=HISTOGRAM_BINS, range=(low, max(high, low + 1e-9)))
    return Histogram(*common, edges=tuple(edges.tolist()), counts=tuple(counts.tolist()))
