"""What the dossier for the mayors' conference is drawn from: frozen values, filled by the
application from a run's files, read by :mod:`webmap.report`.

Names (``name`` fields) are the identifiers of ``study.toml``; ``label`` is the name the study
gives for people, ``None`` when it gives none (the catalogue then names built-in things, and
:mod:`webmap.prose` makes a name of the rest). Money is in euros (``_eur``) or exact cents
(``_cents``, the equalisation summary).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from geopandas import GeoDataFrame
from shapely.geometry.base import BaseGeometry

from equalisation.summary import EqualisationSummary
from geo.proximity import NearbyLayer
from geo.weights import AHPResult
from webmap.map_data import AssumedFact, RunStamp


@dataclass(frozen=True)
class MapBackground:
    """A picture under one of the dossier's maps: a PNG whose edges are ``bounds``
    (x_min, y_min, x_max, y_max in the map's CRS), north up, and the ``attribution`` its
    licence asks for (printed on the map)."""

    png: bytes
    bounds: tuple[float, float, float, float]
    attribution: str


@dataclass(frozen=True)
class SiteSheet:
    """One page of the dossier about one site.

    ``breakdown`` maps criterion -> mean standardised value 0..1; ``split`` has
    ``municipality``, ``area_ha``, ``share``; ``exclusions_nearby`` are the exclusion layers
    near the site, nearest first. ``geometry`` is in ``crs``, like ``municipalities``;
    ``background`` is the base map under the sheet's map (``None``: none).
    """

    site_id: Any
    score: float
    rank: int | None
    area_ha: float | None
    host: str | None
    geometry: BaseGeometry
    crs: str
    municipalities: GeoDataFrame
    breakdown: Mapping[str, float] = field(default_factory=dict)
    split: pd.DataFrame | None = None
    exclusions_nearby: Sequence[NearbyLayer] = ()
    p_first: float | None = None
    p_top: float | None = None
    background: MapBackground | None = None


@dataclass(frozen=True)
class Criterion:
    """A suitability criterion as the run used it: ``weight`` normalised (sums to 1 over the
    criteria), ``weight_given`` as written when it had to be rescaled; ``transform`` holds the
    standardisation's ``kind``, ``direction``, ``a``..``d``, ``points``, ``mapping``."""

    name: str
    kind: str
    layer: str
    weight: float
    transform: Mapping[str, Any]
    label: str | None = None
    weight_given: float | None = None
    column: str | None = None
    categories: tuple[str, ...] = ()
    radius_m: float | None = None


@dataclass(frozen=True)
class Exclusion:
    """One line of the exclusion report: the area the exclusion removes by itself
    (``alone_ha``) and in the order applied (``in_sequence_ha``); ``kind`` is ``outside`` for
    the study-area line."""

    name: str
    kind: str
    alone_ha: float
    in_sequence_ha: float
    layer: str | None = None
    label: str | None = None
    buffer_m: float | None = None
    column: str | None = None
    allowed: tuple[str, ...] = ()
    op: str | None = None
    value: float | None = None


@dataclass(frozen=True)
class ExclusionReport:
    """The exclusions of a run, in order, and the area excluded of the computed grid."""

    lines: tuple[Exclusion, ...]
    excluded_ha: float
    grid_ha: float


@dataclass(frozen=True)
class Method:
    """How the run was set up, for the method chapter."""

    weight_method: str = "direct"
    aggregation: str = "wlc"
    cell_size_m: float = 10.0
    site_source: str = "regions"
    threshold: float = 0.6
    min_area_ha: float = 5.0
    max_sites: int = 10
    target_area_ha: float | None = None
    partners: tuple[str, ...] = ()
    area_layer: str | None = None
    area_buffer_m: float = 0.0
    game_no_site: str = "no_park"
    game_property_tax: bool = True
    tax_year: int | None = None
    ahp: AHPResult | None = None


@dataclass(frozen=True)
class Robustness:
    """What the Monte Carlo draws varied (``transform_jitter``: σ per criterion)."""

    draws: int
    concentration: float
    transform_jitter: Mapping[str, float]
    top_k: int
    seed: int


@dataclass(frozen=True)
class LeaderRange:
    """How far the weight of ``criterion`` can move alone before ``leader`` loses first place:
    below ``loses_below`` (to ``rival_below``) or above ``loses_above`` (to ``rival_above``);
    ``None``: first all the way."""

    criterion: str
    leader: str
    weight: float
    loses_below: float | None = None
    rival_below: str | None = None
    loses_above: float | None = None
    rival_above: str | None = None


@dataclass(frozen=True)
class RunNotice:
    """A warning of the run: its ``code`` (``None`` for an older run that kept only the
    sentence), the ``figures`` it quotes and the English ``text``."""

    code: str | None
    text: str
    figures: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FinanceAssumption:
    """A finance assumption as the run used it: value, unit and plausible range as the
    finance library states them (English unit and range text, translated by the dossier)."""

    name: str
    value: Any
    unit: str
    range: str
    illustrative: bool


@dataclass(frozen=True)
class PartnerFacts:
    """A partner's facts (``None``: unknown) and where each comes from."""

    name: str
    facts: Mapping[str, float | None]
    sources: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LayerProvenance:
    """Where a workspace layer came from: the source file's name (never its folder) or the
    web service, its SHA-256, when it was loaded, the CRS it is stored in, and for a web
    service the first request made."""

    name: str
    kind: str
    file_name: str
    sha256: str
    loaded_at: str
    crs: str
    request: str | None = None


@dataclass(frozen=True)
class Cooperation:
    """A form of cooperation, whether it fits the answers, and the advisor's reasons (English
    sentences of :mod:`equalisation.advisor`, said again in the dossier's language)."""

    form: str
    fits: bool
    recommended: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class CooperationAnswers:
    """The answers of ``[cooperation]`` the advice started from."""

    private_partners: bool
    legal_personality_needed: bool
    duration_years: int
    management_transfer: bool
    other_government_levels: bool


@dataclass(frozen=True)
class SharingKey:
    """A sharing key of the study: its name, the label the study gives it, and its costs and
    revenues specs (as ``[keys.NAME]`` states them)."""

    name: str
    costs: Mapping[str, Any]
    revenues: Mapping[str, Any]
    label: str | None = None


@dataclass(frozen=True)
class ReportData:
    """Everything the dossier for the mayors' conference shows.

    ``sites`` are the ranked sites with their geometry (``site_id``, ``score``, ``rank``,
    ``area_ha``, ``host``, ``c_<criterion>``, ``p_first``, ``p_top<k>``);
    ``municipalities`` every municipality of the region (``name``); ``equalisation`` the typed
    summary of the equalised site; ``assumption_effects[key][partner]`` the net present value
    (euros) at the assumed value, the low and the high end of the assumed facts' ranges;
    ``overview_background`` the base map under the overview map (``None``: none).
    """

    title: str
    sites: GeoDataFrame
    municipalities: GeoDataFrame
    site_municipalities: pd.DataFrame = field(default_factory=pd.DataFrame)
    criteria: tuple[Criterion, ...] = ()
    exclusions: ExclusionReport | None = None
    method: Method = Method()
    sheets: tuple[SiteSheet, ...] = ()
    robustness: Robustness | None = None
    leader_ranges: tuple[LeaderRange, ...] = ()
    equalisation: EqualisationSummary | None = None
    keys: tuple[SharingKey, ...] = ()
    chosen_key: str | None = None
    assumptions: tuple[FinanceAssumption, ...] = ()
    assumed: tuple[AssumedFact, ...] = ()
    assumption_effects: Mapping[str, Mapping[str, tuple[float, float, float]]] = field(
        default_factory=dict
    )
    partners: tuple[PartnerFacts, ...] = ()
    layers: tuple[LayerProvenance, ...] = ()
    cooperation: tuple[Cooperation, ...] = ()
    answers: CooperationAnswers | None = None
    run: RunStamp | None = None
    warnings: tuple[RunNotice, ...] = ()
    overview_background: MapBackground | None = None
