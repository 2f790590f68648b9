"""Two runs compared: the difference of their scores, the rank changes of their sites and
each one's equalisation under its chosen key.

Read from the runs' folders only (:class:`parkplan.runs.RunStore` resolves them); published
runs never change, so a comparison of two run ids is always the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from affine import Affine
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT

from parkplan import outputs
from parkplan.errors import StudyError
from parkplan.study import Study, load_study
from webmap.difference import ScoreDifference, ramp_limit
from webmap.map_data import ScoreOverlay

#: Cells of the difference raster at most (an overview, as the map's criterion surfaces).
DIFFERENCE_MAX_CELLS = 360_000
#: Two sites are the same site when their intersection over union reaches this.
MIN_OVERLAP = 0.1


# -- the score difference --------------------------------------------------------------------


def score_difference(
    left: Path, right: Path, *, max_cells: int = DIFFERENCE_MAX_CELLS
) -> ScoreDifference:
    """Right minus left of two score rasters on the left raster's grid at an overview
    resolution (at most ``max_cells`` cells): each cell is the average of the cells of a
    raster it covers (the right raster is warped onto the grid when its own differs). NaN
    where either has no score."""
    with rasterio.open(left) as base, rasterio.open(right) as other:
        factor = max(1, math.ceil(math.sqrt(base.width * base.height / max_cells)))
        shape = (max(1, base.height // factor), max(1, base.width // factor))
        transform = base.transform @ Affine.scale(base.width / shape[1], base.height / shape[0])
        values = on_grid(other, base, shape, transform) - on_grid(base, base, shape, transform)
        crs = base.crs.to_string()
    overlay = ScoreOverlay(values.astype(np.float32), crs, transform)
    return ScoreDifference(overlay, ramp_limit(values))


def on_grid(source, base, shape: tuple[int, int], transform: Affine) -> np.ndarray:
    """Band 1 of ``source`` on the grid of ``shape`` and ``transform`` over ``base`` (each cell
    the average of the source cells it covers), NaN for nodata."""
    same = (
        source.crs == base.crs and source.transform == base.transform and source.shape == base.shape
    )
    if same:
        values = source.read(1, out_shape=shape, resampling=Resampling.average, masked=True)
    else:
        with WarpedVRT(
            source,
            crs=base.crs,
            transform=transform,
            width=shape[1],
            height=shape[0],
            resampling=Resampling.average,
            src_nodata=source.nodata if source.nodata is not None else np.nan,
            nodata=np.nan,
        ) as warped:
            values = warped.read(1, masked=True)
    return values.astype(np.float64).filled(np.nan)


# -- the rank changes ------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedSite:
    """A site of one run: its id, rank and score."""

    site_id: str
    rank: int
    score: float


@dataclass(frozen=True)
class RankChange:
    """One site in both runs (matched by overlap), or in one of them only (the other ``None``)."""

    left: RankedSite | None
    right: RankedSite | None

    @property
    def change(self) -> int | None:
        """Places it climbed from left to right (negative: it fell); ``None`` unless in both."""
        if self.left is None or self.right is None:
            return None
        return self.left.rank - self.right.rank


def rank_changes(
    left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, *, min_overlap: float = MIN_OVERLAP
) -> tuple[RankChange, ...]:
    """The sites of two runs matched one to one by overlap (intersection over union of at
    least ``min_overlap``; the largest overlaps are paired first), in the right run's order,
    then the sites found only on the left."""
    if left.crs != right.crs and left.crs is not None:
        right = right.to_crs(left.crs)
    pairs = matched_pairs(left.geometry.values, right.geometry.values, min_overlap)
    lefts, rights = ranked(left), ranked(right)
    by_right = {j: i for i, j in pairs}
    rows = [
        RankChange(lefts[by_right[j]] if j in by_right else None, site)
        for j, site in enumerate(rights)
    ]
    matched = set(by_right.values())
    rows += [RankChange(site, None) for i, site in enumerate(lefts) if i not in matched]
    return tuple(rows)


def matched_pairs(left: np.ndarray, right: np.ndarray, min_overlap: float) -> list[tuple[int, int]]:
    """Pairs (left index, right index) of overlapping polygons, each used once, the pairs of
    the largest intersection over union first."""
    tree = shapely.STRtree(right)
    li, ri = tree.query(left, predicate="intersects")
    shared = shapely.area(shapely.intersection(left[li], right[ri]))
    union = shapely.area(left[li]) + shapely.area(right[ri]) - shared
    overlap = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
    pairs, used_left, used_right = [], set(), set()
    for k in sorted(range(len(li)), key=lambda k: (-overlap[k], li[k], ri[k])):
        i, j = int(li[k]), int(ri[k])
        if overlap[k] >= min_overlap and i not in used_left and j not in used_right:
            pairs.append((i, j))
            used_left.add(i)
            used_right.add(j)
    return pairs


def ranked(sites: gpd.GeoDataFrame) -> list[RankedSite]:
    """The sites in their frame's order as :class:`RankedSite`."""
    return [
        RankedSite(str(site_id), int(rank), float(score))
        for site_id, rank, score in zip(
            sites["site_id"], sites["rank"], sites["score"], strict=True
        )
    ]


def run_rank_changes(left: Path, right: Path) -> tuple[RankChange, ...]:
    """:func:`rank_changes` of the sites of the runs in folders ``left`` and ``right``."""
    return rank_changes(outputs.read_sites_gpkg(left), outputs.read_sites_gpkg(right))


# -- the equalisation under each run's chosen key --------------------------------------------


@dataclass(frozen=True)
class PartnerMoney:
    """What a partner pays and receives in all under a key, and its net present value (cents)."""

    partner: str
    paid_cents: int
    received_cents: int
    net_pv_cents: int


@dataclass(frozen=True)
class ChosenKey:
    """The equalisation of a run's site under the key it leads with."""

    site_id: str
    host: str
    key: str
    partners: tuple[PartnerMoney, ...]

    def of(self, partner: str) -> PartnerMoney | None:
        return next((p for p in self.partners if p.partner == partner), None)


def chosen_key(folder: Path, study: Study) -> ChosenKey | None:
    """The run's equalisation (its typed summary) under its chosen key: ``[finance]
    chosen_key`` of the ``study.toml`` it ran (else of ``study``), else its first key;
    ``None`` for a run without equalisation."""
    summary = outputs.read_summary(folder)
    if summary is None or not summary.keys:
        return None
    wanted = run_study_file(folder, study).chosen_key()
    names = [key.name for key in summary.keys]
    key = summary.key(wanted) if wanted in names else summary.keys[0]
    partners = tuple(
        PartnerMoney(f.partner, sum(f.paid_cents), sum(f.received_cents), f.net_pv_cents)
        for f in key.partners
    )
    return ChosenKey(summary.site_id, summary.host, key.name, partners)


def run_study_file(folder: Path, study: Study) -> Study:
    """The ``study.toml`` a run kept, or ``study`` when it kept none that still reads."""
    try:
        return load_study(folder)
    except StudyError:
        return study


def partner_names(*keys: ChosenKey | None) -> tuple[str, ...]:
    """Every partner of the keys, in the order they first appear."""
    names: dict[str, None] = {}
    for key in keys:
        for money in key.partners if key is not None else ():
            names.setdefault(money.partner)
    return tuple(names)
