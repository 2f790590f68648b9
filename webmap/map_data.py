"""The result objects a map or a report is drawn from.

The application fills these frozen dataclasses with in-memory results; :mod:`webmap` only
reads them. The dossier's own values are in :mod:`webmap.report_model`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from affine import Affine
from geopandas import GeoDataFrame

from equalisation.money import to_cents
from equalisation.summary import EqualisationSummary, Payment

#: Prefix of the per-criterion score columns of ``MapData.sites`` (``c_<criterion>``).
CRITERION_PREFIX = "c_"
#: Fair-division methods whose core check the map shows, in order of preference.
CORE_METHODS = ("nucleolus", "prenucleolus", "shapley")


@dataclass(frozen=True)
class ScoreOverlay:
    """The suitability raster: scores 0..1, NaN as nodata, in ``crs`` with ``transform``."""

    values: np.ndarray
    crs: str
    transform: Affine


@dataclass(frozen=True)
class RunStamp:
    """Which run a page shows: its id, when it ended, the SHA-256 of the ``study.toml`` it ran
    and of each input layer's source, and the version of parkplan that made it."""

    run_id: str
    finished_at: str
    study_sha256: str
    inputs_sha256: Mapping[str, str] = field(default_factory=dict)
    parkplan_version: str = ""


@dataclass(frozen=True)
class Basemap:
    """The background of the maps, its attribution and the name the layer control shows.

    ``kind`` "xyz": ``url`` is a tile template with ``{z}``, ``{x}`` and ``{y}``; "wms": ``url``
    is the endpoint and ``layers`` the layer names, comma-separated; "wmts": ``url`` is the
    endpoint of a KVP WMTS, ``layers`` the layer and ``tile_matrix_set`` a Web Mercator set
    whose matrices are named by zoom level. ``format`` is the image type asked for, ``style``
    the style (WMTS: empty means "default"). The browser fetches the tiles; without a network
    the map says so and shows everything else (see :mod:`webmap.basemap_urls`).
    """

    url: str
    attribution: str
    label: str = "basemap"
    kind: str = "xyz"
    layers: str | None = None
    format: str = "image/png"
    tile_matrix_set: str | None = None
    style: str = ""


@dataclass(frozen=True)
class LayerInfo:
    """How a map names a criterion or an exclusion: the ``label`` the study gives (``None``:
    the map's default for the name), the study's ``description``, the ``kind`` (criteria:
    distance, raster, zoning, zone_share; exclusions: inside, buffer, zoning, raster,
    outside) and the ``unit`` of a criterion's raw values ("m", "%", …; "" when unknown)."""

    label: str | None = None
    description: str = ""
    kind: str = ""
    unit: str = ""


@dataclass(frozen=True)
class CellLookup:
    """What a click on the map tells about a cell: the run's rasters sampled on a coarse grid.

    Every array is (rows, cols) on ``transform`` in EPSG:3857 (Web Mercator, the map's own
    plane) and holds the value of the one cell of the analysis grid under the centre of each
    lookup cell (NaN: none, nodata, excluded). ``standardised`` and ``raw`` map criterion names
    to their values (``raw`` holds only the criteria whose raw values the run kept);
    ``exclusion`` holds 0 where no exclusion applies, else 1 + the index in
    ``exclusion_names`` of the first exclusion that removes the cell (``None``: not recorded);
    ``cell_size_m`` is the analysis grid's cell.
    """

    transform: Affine
    score: np.ndarray
    standardised: Mapping[str, np.ndarray] = field(default_factory=dict)
    raw: Mapping[str, np.ndarray] = field(default_factory=dict)
    exclusion: np.ndarray | None = None
    exclusion_names: tuple[str, ...] = ()
    cell_size_m: float | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.score.shape)


@dataclass(frozen=True)
class AssumedFact:
    """A partner's unknown fact, the value assumed, its plausible range and its source."""

    partner: str
    fact: str
    value: float
    low: float
    high: float
    source: str


@dataclass(frozen=True)
class PartnerTotals:
    """One partner under one key, summed over the horizon: what it pays and receives, and the
    present value of its net (cents)."""

    partner: str
    paid_cents: int
    received_cents: int
    net_pv_cents: int

    @property
    def net_cents(self) -> int:
        return self.received_cents - self.paid_cents


@dataclass(frozen=True)
class KeyTotals:
    """One sharing key: every partner's totals and the transfers that settle its balances."""

    name: str
    partners: tuple[PartnerTotals, ...]
    transfers: tuple[Payment, ...]


@dataclass(frozen=True)
class BlockingCoalition:
    """A coalition that would be better off leaving now, and what it would save (present
    value, cents)."""

    coalition: tuple[str, ...]
    saving_cents: int


@dataclass(frozen=True)
class CoreCheck:
    """The core check of a fair-division ``allocation`` ("nucleolus", ...): the coalitions
    better off alone, the largest saving first (the worst listed, ``blocking_count`` all)."""

    allocation: str
    blocking: tuple[BlockingCoalition, ...]
    blocking_count: int

    @property
    def in_core(self) -> bool:
        return self.blocking_count == 0


@dataclass(frozen=True)
class MapEqualisation:
    """The equalisation of the best site as its popup shows it: the site's NPV and payback
    year, each key's totals, the core check (``None``: no game) and the facts assumed."""

    site_id: str
    npv_cents: int
    payback_year: int | None
    keys: tuple[KeyTotals, ...]
    core: CoreCheck | None = None
    assumed: tuple[AssumedFact, ...] = ()


def map_equalisation(
    summary: EqualisationSummary, assumed: Sequence[AssumedFact] = ()
) -> MapEqualisation:
    """What the map shows of ``summary``, with the facts the run ``assumed``."""
    return MapEqualisation(
        site_id=summary.site_id,
        npv_cents=summary.npv_cents,
        payback_year=summary.payback_year,
        keys=tuple(
            KeyTotals(
                key.name,
                tuple(
                    PartnerTotals(
                        f.partner, sum(f.paid_cents), sum(f.received_cents), f.net_pv_cents
                    )
                    for f in key.partners
                ),
                key.transfers,
            )
            for key in summary.keys
        ),
        core=core_check(summary),
        assumed=tuple(assumed),
    )


def core_check(summary: EqualisationSummary) -> CoreCheck | None:
    """The alone-versus-together check of the first of :data:`CORE_METHODS` that was run."""
    for method in CORE_METHODS:
        check = summary.fairness_of(method)
        if check is not None:
            return CoreCheck(
                method,
                tuple(
                    BlockingCoalition(b.coalition, to_cents(b.saving_eur)) for b in check.blocking
                ),
                check.blocking_count,
            )
    return None


@dataclass(frozen=True)
class MapData:
    """Everything one interactive map shows.

    ``sites`` carries ``site_id``, ``score`` (0..1) and, when known, ``rank``, ``area_ha``,
    ``host``, ``p_first``, ``p_top3`` and one ``c_<criterion>`` column per criterion (0..1).
    ``site_municipalities`` carries ``site_id``, ``municipality``, ``area_ha``, ``share``.
    ``equalisation`` is the equalisation of the best site (:class:`MapEqualisation`).
    ``exclusions`` maps each vector exclusion to the land it removes (polygons: a buffer
    exclusion's buffer, a zoning exclusion's zones of a category not allowed);
    ``exclusion_masks`` each raster exclusion to a raster that is 1 where it excludes (NaN
    elsewhere); ``study_area`` is the analysis mask (the map dims what lies outside it).
    ``criteria_layers`` are the features a criterion measures (e.g. the motorway exits),
    ``criteria_surfaces`` each criterion's standardised raster (0..1). ``weights`` are the
    normalised criterion weights and ``aggregation`` the method that combined them ("wlc":
    the score is Σ weight × value). ``criterion_info`` and ``exclusion_info`` name the layers
    (see :class:`LayerInfo`); ``lookup`` answers a click on any cell; ``ramp`` is the colour
    ramp of the score (:data:`webmap.colours.RAMP_NAMES`).
    """

    municipalities: GeoDataFrame
    sites: GeoDataFrame
    site_municipalities: pd.DataFrame
    score: ScoreOverlay | None = None
    exclusions: Mapping[str, GeoDataFrame] = field(default_factory=dict)
    criteria_layers: Mapping[str, GeoDataFrame] = field(default_factory=dict)
    equalisation: MapEqualisation | None = None
    title: str = "parkplan"
    run: RunStamp | None = None
    basemap: Basemap | None = None
    exclusion_masks: Mapping[str, ScoreOverlay] = field(default_factory=dict)
    study_area: GeoDataFrame | None = None
    criteria_surfaces: Mapping[str, ScoreOverlay] = field(default_factory=dict)
    weights: Mapping[str, float] = field(default_factory=dict)
    aggregation: str = "wlc"
    criterion_info: Mapping[str, LayerInfo] = field(default_factory=dict)
    exclusion_info: Mapping[str, LayerInfo] = field(default_factory=dict)
    lookup: CellLookup | None = None
    ramp: str = "viridis"

    @property
    def criteria(self) -> tuple[str, ...]:
        """The criterion names, from the ``c_<criterion>`` columns of ``sites``."""
        return criterion_names(self.sites)


def criterion_names(sites: pd.DataFrame) -> tuple[str, ...]:
    """Names of the ``c_<criterion>`` columns, in column order, without the prefix."""
    return tuple(
        str(column)[len(CRITERION_PREFIX) :]
        for column in sites.columns
        if str(column).startswith(CRITERION_PREFIX)
    )
