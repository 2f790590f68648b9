"""``study.toml``: the versioned schema that is the single source of truth of a run.

A study is a folder holding ``study.toml`` and a ``workspace/``. The file names the layers,
the exclusions, the criteria and their weights, how candidate sites are found, the partners,
the finance assumptions and the sharing keys. :func:`load_study` validates it with pydantic;
an invalid study raises :class:`InvalidStudyError`, whose one-line message names every problem
with its line in the file, and whose ``problems`` list them (:mod:`parkplan.study_problems`).
The reference of every setting, ``docs/study-toml.md``, is generated from these models
(:mod:`parkplan.reference`).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import os
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlsplit

import tomli_w
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    SerializerFunctionWrapHandler,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from equalisation import tax
from equalisation.finance import FinanceAssumptions, Role, TakeUpModel
from equalisation.keys import SUM_TOLERANCE, FactKind, KeyKind
from equalisation.mechanisms import DEFAULT_SPEC, REGISTRY, build_mechanisms
from geo import transforms
from geo.aggregation import Method as AggregationMethod
from geo.atomic import write_atomically
from geo.weights import RankMethod
from parkplan.errors import StudyError
from parkplan.study_problems import (
    PlacedValueError,
    SetAside,
    StudyProblem,
    by_line,
    error_places,
    problem,
    set_aside,
    summary,
)
from parkplan.template import new_study_toml
from parkplan.toml_lines import Path as DataPath
from parkplan.toml_lines import toml_lines
from webmap.colours import DEFAULT_RAMP
from webmap.colours import RampName as ScoreRamp

SCHEMA_VERSION = 1
STUDY_FILE = "study.toml"
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
#: Validation context key: names of items set aside that still count as known.
SET_ASIDE = "set_aside"

Name = Annotated[str, Field(pattern=NAME_PATTERN)]
#: A name shown to people (the dossier), in the study's own language.
LABEL_MAX_CHARS = 120
Label = Annotated[str, Field(min_length=1, max_length=LABEL_MAX_CHARS)]
# Every number of the schema is finite and bounded, so that no setting can overflow a
# computation; the bounds are far beyond any real study.
Fraction01 = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Finite = Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)]
Metres = Annotated[float, Field(gt=0.0, le=1_000_000.0, allow_inf_nan=False)]
CellSize = Annotated[float, Field(ge=0.1, le=10_000.0, allow_inf_nan=False)]
Hectares = Annotated[float, Field(gt=0.0, le=10_000_000.0, allow_inf_nan=False)]
Weight = Annotated[float, Field(ge=0.0, le=1e6, allow_inf_nan=False)]
Judgement = Annotated[float, Field(ge=1e-3, le=1e3, allow_inf_nan=False)]
Euros = Annotated[float, Field(ge=0.0, le=1e13, allow_inf_nan=False)]
Opcentiemen = Annotated[float, Field(ge=0.0, le=100_000.0, allow_inf_nan=False)]
# The option sets the libraries declare once: a schema value names one of them.
TransformKind = transforms.TransformKind
Direction = transforms.Direction
WeightMethod = Literal["direct", RankMethod, "ahp"]
#: The web services a layer may come from (the keys of ``geo.layers.services.SERVICES``).
ServiceKind = Literal["wfs", "ogcapi"]
#: ``1`` allows http service URLs on a loopback host in ``[[layers]]`` (tests, a local server).
LOOPBACK_SERVICES_VARIABLE = "PARKPLAN_LOOPBACK_SERVICES"
URL_MAX_CHARS = 2000


class Section(BaseModel):
    """Base of every section: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RegionConfig(Section):
    """Which layer holds the municipality boundaries and which column their names."""

    municipalities: Name = Field(
        "municipalities",
        description="Workspace layer with one polygon per municipality (the partners and "
        "their neighbours).",
    )
    name_column: str = Field(
        "name", description="Column of that layer holding the municipality names."
    )


class LayerSource(Section):
    """A layer declared with its source, loaded by ``parkplan run`` when the workspace lacks it:
    a file, or with ``service`` a layer of a WFS 2.0 or OGC API Features service, of which only
    the study area's bounding box (or ``bbox``) is requested, page by page, as ``parkplan layers
    add --service`` does; its URL, request and time are recorded with the layer. A service URL
    is https and holds no credentials (``study.toml`` is shared); http is accepted only for a
    loopback host while the environment variable ``PARKPLAN_LOOPBACK_SERVICES`` is ``1``."""

    name: Name = Field(description="Name of the layer in the workspace.")
    source: str = Field(
        description="File to load it from (GeoPackage, Shapefile, GeoJSON, CSV, GeoTIFF...); "
        "a relative path is taken from the folder 'parkplan run' is started in. With service: "
        "the https URL of the service."
    )
    service: ServiceKind | None = Field(
        None,
        description="wfs: source is a WFS 2.0; ogcapi: source is the landing page of an OGC API "
        "Features service (default: source is a file).",
    )
    source_layer: str | None = Field(
        None,
        description="Layer to take from a source that holds several; with service: the feature "
        "type or collection (required).",
    )
    assume_crs: str | None = Field(
        None, description="CRS of a source that declares none, e.g. EPSG:31370."
    )
    bbox: tuple[Finite, Finite, Finite, Finite] | None = Field(
        None,
        description="service: the area requested, [minx, miny, maxx, maxy] in the study CRS "
        "(default: the bounding box of the study area).",
    )
    page_size: Annotated[int, Field(ge=1, le=10_000)] | None = Field(
        None, description="service: features asked for per request (default 1000)."
    )
    allow_outside: bool = Field(
        False,
        description="Load it even when it lies entirely outside the study region "
        "(e.g. features far away that a distance criterion measures to).",
    )

    @model_validator(mode="after")
    def _fits_its_kind(self) -> LayerSource:
        found = _service_problem(self) if self.service else _file_problem(self)
        if found:
            raise ValueError(found)
        return self


def _file_problem(layer: LayerSource) -> str | None:
    """What a file layer of ``[[layers]]`` must not have."""
    if re.match(r"(?i)^[a-z][a-z0-9+.-]*://", layer.source):
        return (
            f"layer {layer.name!r} has a URL as its source but no service; expected a file, or "
            'service = "wfs" or "ogcapi" with source_layer = the layer to load'
        )
    given = [key for key in ("bbox", "page_size") if getattr(layer, key) is not None]
    if given:
        return (
            f"layer {layer.name!r} sets {', '.join(given)}, which apply to web services only; "
            'add service = "wfs" or "ogcapi", or remove them'
        )
    return None


def _service_problem(layer: LayerSource) -> str | None:
    """What a web-service layer of ``[[layers]]`` needs."""
    named = f"layer {layer.name!r} (service = {layer.service!r})"
    if not layer.source_layer:
        return f"{named} needs source_layer: the feature type or collection to load"
    if layer.assume_crs:
        return f"{named} sets assume_crs, but a web service declares its CRS; remove it"
    box = layer.bbox
    if box is not None and not (box[0] < box[2] and box[1] < box[3]):
        return (
            f"{named} has bbox {list(box)}; expected [minx, miny, maxx, maxy] in the study CRS "
            "with min < max"
        )
    return _service_url_problem(layer.source, named)


def _service_url_problem(url: str, named: str) -> str | None:
    """Why ``url`` may not be a service URL of ``study.toml``, ``None`` when it may."""
    from geo.layers.services import redacted_url, url_credentials  # only for service layers

    if len(url) > URL_MAX_CHARS or not re.fullmatch(r"[^\s\"'<>\\]+", url):
        return (
            f"{named} has a source that is not a URL (spaces, quotes or over {URL_MAX_CHARS} "
            "characters); expected an https URL, e.g. https://host/wfs"
        )
    parts, shown = urlsplit(url), redacted_url(url)
    secrets = url_credentials(url)
    if secrets:
        return (
            f"{named} has credentials in its URL {shown!r} ({', '.join(secrets)}); expected a "
            "URL without them, as study.toml is shared; load a service that needs a key with "
            "'parkplan layers add', which never records it"
        )
    try:
        host, _ = parts.hostname, parts.port
    except ValueError:
        host = None
    scheme = parts.scheme.lower()
    if not host or scheme not in ("http", "https"):
        return f"{named} has the source {shown!r}; expected an https URL, e.g. https://host/wfs"
    if scheme == "http" and not _loopback_http_allowed(host):
        return (
            f"{named} has the http URL {shown!r}; expected https (http only on a loopback host "
            f"while {LOOPBACK_SERVICES_VARIABLE}=1); write the https address of the service"
        )
    return None


def _loopback_http_allowed(host: str) -> bool:
    if os.environ.get(LOOPBACK_SERVICES_VARIABLE) != "1":
        return False
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TransformConfig(Section):
    """A standardisation function (see :mod:`geo.transforms` for the formulas)."""

    kind: TransformKind = Field(
        description="Shape of the function from raw value to suitability (0–1)."
    )
    direction: Direction = Field(
        "increasing",
        description="increasing: suitability rises from a to b; decreasing: falls from c to d; "
        "symmetric: rises from a to b and falls from c to d.",
    )
    a: Finite | None = Field(None, description="Start of the rising edge (raw value units).")
    b: Finite | None = Field(
        None, description="End of the rising edge: full suitability from here on."
    )
    c: Finite | None = Field(
        None, description="Start of the falling edge: full suitability up to here."
    )
    d: Finite | None = Field(None, description="End of the falling edge (raw value units).")
    points: list[tuple[Finite, Fraction01]] | None = Field(
        None, description="piecewise: [raw value, suitability] pairs, raw values increasing."
    )
    mapping: dict[str, Fraction01] | None = Field(
        None, description="categorical: suitability (0–1) of each category; others score 0."
    )


CriterionKind = Literal["distance", "raster", "zoning", "zone_share"]
ExclusionKind = Literal["inside", "buffer", "zoning", "raster"]


class CriterionBase(Section):
    """A suitability criterion: how its raw value is measured and standardised to 0–1."""

    name: Name = Field(description="Name of the criterion (used by weights and scenarios).")
    kind: CriterionKind = Field(
        description="distance: metres to the nearest feature of the layer; raster: the cell "
        "values of a raster layer; zoning: the category in 'column' of the polygon under the "
        "cell; zone_share: share of the land within radius_m whose category is in categories."
    )
    layer: Name = Field(description="Workspace layer the criterion is measured on.")
    transform: TransformConfig = Field(
        description="How the raw value becomes a suitability from 0 to 1."
    )
    weight: Weight | None = Field(
        None, description="Weight with [weights] method = 'direct' (rescaled to sum 1)."
    )
    rank: Annotated[int, Field(ge=1, le=1000)] | None = Field(
        None, description="Rank (1 = most important) with the rank_* weight methods."
    )
    transform_jitter: Fraction01 | None = Field(
        None, description="Own σ of the transform's Monte Carlo jitter (overrides [robustness])."
    )
    description: str = Field("", description="Free text shown in the map and the report.")
    label: Label | None = Field(
        None,
        description="Name shown in the dossier, in the study's language (default: a Dutch or "
        "English name for the built-in names, else one made from the kind and the layer).",
    )


class DistanceCriterion(CriterionBase):
    """Metres to the nearest feature of a vector layer."""

    kind: Literal["distance"] = Field(
        description="distance: metres to the nearest feature of the layer."
    )


class RasterCriterion(CriterionBase):
    """The cell values of a raster layer."""

    kind: Literal["raster"] = Field(description="raster: the cell values of a raster layer.")


class ZoningCriterion(CriterionBase):
    """The category in ``column`` of the polygon under the cell."""

    kind: Literal["zoning"] = Field(
        description="zoning: the category in 'column' of the polygon under the cell."
    )
    column: str = Field(
        min_length=1,
        description="zoning and zone_share: column of the layer holding the category.",
    )


class ZoneShareCriterion(CriterionBase):
    """The share of the land within ``radius_m`` whose category in ``column`` is one of
    ``categories``."""

    kind: Literal["zone_share"] = Field(
        description="zone_share: share of the land within radius_m in the categories."
    )
    column: str = Field(
        min_length=1,
        description="zoning and zone_share: column of the layer holding the category.",
    )
    categories: list[str] = Field(
        min_length=1, description="zone_share: the categories whose share is measured."
    )
    radius_m: Metres = Field(description="zone_share: radius of the neighbourhood measured.")


#: A criterion of any kind, told apart by its ``kind``.
CriterionConfig = Annotated[
    DistanceCriterion | RasterCriterion | ZoningCriterion | ZoneShareCriterion,
    Field(discriminator="kind"),
]


class ExclusionBase(Section):
    """A hard constraint: cells it covers never score."""

    name: Name = Field(description="Name of the exclusion (scenarios may drop it).")
    kind: ExclusionKind = Field(
        description="inside: cells inside the layer's polygons; buffer: cells within buffer_m "
        "of its features; zoning: cells whose category in 'column' is not in allowed; raster: "
        "cells whose raster value satisfies op value."
    )
    layer: Name = Field(description="Workspace layer the exclusion reads.")
    description: str = Field("", description="Free text shown in the map and the report.")
    label: Label | None = Field(
        None,
        description="Name shown in the dossier, in the study's language (default: a Dutch or "
        "English name for the built-in names, else one made from the kind and the layer).",
    )


class InsideExclusion(ExclusionBase):
    """Cells inside the layer's polygons."""

    kind: Literal["inside"] = Field(description="inside: cells inside the layer's polygons.")


class BufferExclusion(ExclusionBase):
    """Cells within ``buffer_m`` of the layer's features."""

    kind: Literal["buffer"] = Field(description="buffer: cells within buffer_m of its features.")
    buffer_m: Metres = Field(description="buffer: distance around the features.")


class ZoningExclusion(ExclusionBase):
    """Cells whose category in ``column`` is not one of ``allowed``."""

    kind: Literal["zoning"] = Field(
        description="zoning: cells whose category in 'column' is not in allowed."
    )
    column: str = Field(description="zoning: column of the layer holding the category.")
    allowed: list[str] = Field(description="zoning: the categories that are NOT excluded.")


class RasterExclusion(ExclusionBase):
    """Cells whose raster value satisfies ``op`` ``value``."""

    kind: Literal["raster"] = Field(
        description="raster: cells whose raster value satisfies op value."
    )
    op: Literal[">", ">=", "<", "<=", "==", "!="] = Field(
        description="raster: comparison that excludes a cell (cell value op value)."
    )
    value: Finite = Field(description="raster: the value compared with.")


#: An exclusion of any kind, told apart by its ``kind``.
ExclusionConfig = Annotated[
    InsideExclusion | BufferExclusion | ZoningExclusion | RasterExclusion,
    Field(discriminator="kind"),
]


class WeightsConfig(Section):
    """How criterion weights are set: direct (each criterion's ``weight``), by rank, or by AHP."""

    method: WeightMethod = Field(
        "direct",
        description="direct: each criterion's weight; rank_*: weights from the order of "
        "importance; ahp: weights from pairwise judgements.",
    )
    order: list[Name] | None = Field(
        None,
        description="rank_*: the criteria from most to least important (default: by 'rank').",
    )
    pairwise: list[list[Judgement]] | None = Field(
        None,
        description="ahp: n × n matrix of judgements (1–9 scale, a_ji = 1/a_ij), criteria "
        "in the order of [[criteria]].",
    )


class AggregationConfig(Section):
    """How standardised criteria combine into one score."""

    method: AggregationMethod = Field(
        "wlc",
        description="wlc: weighted sum; wgm: weighted geometric mean; min: the lowest "
        "criterion; owa: ordered weighted averaging.",
    )
    order_weights: list[Weight] | None = Field(
        None, description="owa: one order weight per criterion, lowest value first."
    )
    andness: Fraction01 | None = Field(
        None, description="owa: 0 = best criterion counts … 0.5 = wlc … 1 = worst counts."
    )
    tradeoff: Fraction01 | None = Field(
        None, description="owa with andness: how much a good criterion makes up for a bad one."
    )


class SitesConfig(Section):
    """Where candidate sites come from: a polygon layer, or regions extracted from the score."""

    source: Literal["regions", "layer"] = Field(
        "regions",
        description="regions: contiguous areas scoring above threshold; layer: the polygons of "
        "a layer.",
    )
    layer: Name | None = Field(None, description="source = 'layer': the layer of candidate sites.")
    id_column: str = Field(
        "site_id", description="source = 'layer': the column identifying each site."
    )
    threshold: Fraction01 = Field(
        0.6, description="regions: the lowest suitability a cell of a site may have."
    )
    min_area_ha: Hectares = Field(5.0, description="regions: the smallest site kept.")
    max_sites: Annotated[int, Field(ge=1, le=100_000)] = Field(
        10, description="regions: the most sites kept, best first."
    )
    target_area_ha: Hectares | None = Field(
        None, description="regions: grow or trim each site towards this area."
    )
    sites_per_region: Annotated[int, Field(ge=1, le=1000)] = Field(
        1,
        description="regions: the most sites carved from one contiguous region, each of "
        "target_area_ha (needed above 1), grown from the best cell left.",
    )
    separation_m: Annotated[float, Field(ge=0.0, le=100_000.0, allow_inf_nan=False)] = Field(
        200.0,
        description="regions, sites_per_region above 1: the least distance between two sites "
        "carved from the same region.",
    )
    simplify_m: Annotated[float, Field(ge=0.0, le=10_000.0, allow_inf_nan=False)] | None = Field(
        None, description="regions: simplify the site outlines by this tolerance."
    )

    @model_validator(mode="after")
    def _needs_what_it_uses(self) -> SitesConfig:
        if self.source == "layer" and self.layer is None:
            raise ValueError("sites with source = 'layer' need 'layer'")
        if self.source == "regions" and self.sites_per_region > 1 and self.target_area_ha is None:
            raise ValueError(
                f"sites_per_region = {self.sites_per_region} needs 'target_area_ha' (the area of "
                "each site carved from a region); set it, or sites_per_region = 1"
            )
        return self


class RobustnessConfig(Section):
    """Monte Carlo over the weights (Dirichlet draws around the given weights) and, with
    ``transform_jitter`` > 0, over the transforms' parameters: each control point moves by a
    normal amount of standard deviation σ × its edge's width (categorical μ by σ); see
    :func:`geo.transforms.perturbed`. A criterion's own ``transform_jitter`` overrides σ."""

    draws: Annotated[int, Field(ge=0, le=1_000_000)] = Field(
        1000, description="Number of Monte Carlo draws (0: no robustness analysis)."
    )
    concentration: Annotated[float, Field(gt=0.0, le=1e6, allow_inf_nan=False)] = Field(
        50.0, description="Dirichlet concentration: higher keeps the drawn weights closer."
    )
    transform_jitter: Fraction01 = Field(
        0.0, description="σ of the transforms' control points, as a share of each edge's width."
    )
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = Field(
        20261122, description="Random seed: the same seed gives the same draws."
    )


class ScenarioConfig(Section):
    """A named variant of the model: other weights, some exclusions switched off."""

    name: Name = Field(description="Name of the scenario ('parkplan score --scenario NAME').")
    weights: dict[str, Weight] | None = Field(
        None,
        description="criterion = weight: new direct weights (criteria left out keep theirs).",
    )
    drop_exclusions: list[Name] = Field([], description="Exclusions switched off.")
    aggregation: AggregationConfig | None = Field(
        None, description="Another aggregation (same keys as [aggregation])."
    )
    description: str = Field("", description="Free text shown in the comparison.")


#: The facts of a partner that may be unknown: write ``"unknown"`` or leave the key out.
PARTNER_FACTS = (
    "population",
    "demand_ha",
    "municipal_opcentiemen",
    "capital_eur",
    "fiscal_capacity_eur",
)
UNKNOWN = "unknown"


def _unknown_allowed(schema: dict[str, Any]) -> None:
    """JSON Schema of a partner: each fact may also be the text ``"unknown"``."""
    for fact in PARTNER_FACTS:
        schema["properties"][fact].setdefault("anyOf", []).append({"const": UNKNOWN})


class PartnerConfig(Section):
    """A partner municipality and the facts the sharing keys and the property tax use.

    Every fact may be unknown: leave it out or write ``"unknown"``. An unknown is never taken
    as zero: a run that needs it stops and says so, unless ``[unknowns]`` states what to
    assume (the assumption is then shown wherever the figure appears).
    """

    model_config = ConfigDict(json_schema_extra=_unknown_allowed)

    name: str = Field(
        min_length=1,
        max_length=200,
        description="Name of the municipality, as in the municipalities layer.",
    )
    population: Annotated[int, Field(ge=0, le=100_000_000)] | None = Field(
        None, description="Inhabitants (population keys)."
    )
    demand_ha: Annotated[float, Field(ge=0.0, le=100_000.0, allow_inf_nan=False)] | None = Field(
        None,
        description="Net business land the municipality needs (demand keys, the site game).",
    )
    municipal_opcentiemen: Opcentiemen | None = Field(
        None,
        description="Municipal surcharge on the property tax (opcentiemen; the tax needs it).",
    )
    capital_eur: Euros | None = Field(None, description="Capital brought in (capital keys).")
    fiscal_capacity_eur: Euros | None = Field(
        None,
        description="Fiscal capacity (fiscal_capacity keys).",
    )
    sources: dict[
        Literal[
            "population", "demand_ha", "municipal_opcentiemen", "capital_eur", "fiscal_capacity_eur"
        ],
        Annotated[str, Field(min_length=1, max_length=300)],
    ] = Field({}, description="fact = where its value comes from (shown with the figures).")

    @model_validator(mode="before")
    @classmethod
    def _unknown_is_none(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        cleaned = dict(data)
        for fact in PARTNER_FACTS:
            value = cleaned.get(fact)
            if isinstance(value, str) and value.strip().lower() == UNKNOWN:
                cleaned[fact] = None
            elif isinstance(value, float) and math.isnan(value):
                raise ValueError(
                    f"partner {cleaned.get('name')!r}: {fact} is nan; write "
                    f'{fact} = "unknown" (or leave it out) for a fact that is not known'
                )
        return cleaned

    def unknown(self) -> tuple[str, ...]:
        """The facts of this partner that are not known."""
        return tuple(fact for fact in PARTNER_FACTS if getattr(self, fact) is None)


class AssumedFact(Section):
    """What a run assumes for a partner's unknown fact: the value, the plausible range whose
    effect on each partner's net result is reported, and where the value comes from."""

    value: Annotated[float, Field(ge=0.0, le=1e13, allow_inf_nan=False)] = Field(
        description="The value assumed, in the fact's own unit."
    )
    low: Annotated[float, Field(ge=0.0, le=1e13, allow_inf_nan=False)] | None = Field(
        None, description="Low end of the plausible range (default: value)."
    )
    high: Annotated[float, Field(ge=0.0, le=1e13, allow_inf_nan=False)] | None = Field(
        None, description="High end of the plausible range (default: value)."
    )
    source: str = Field(
        min_length=1, max_length=300, description="Where the value comes from (shown with it)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> AssumedFact:
        low = self.value if self.low is None else self.low
        high = self.value if self.high is None else self.high
        if not low <= self.value <= high:
            raise ValueError(
                f"assumed value {self.value:g} lies outside its range {low:g}–{high:g}; "
                "expected low ≤ value ≤ high"
            )
        return self


class UnknownsConfig(Section):
    """What a run does with a partner fact it needs but which is unknown.

    ``fallback = "refuse"`` (the default) stops the run and lists what is missing;
    ``"median"`` assumes the median of the partners' known values of that fact (range: their
    minimum to maximum). A fact listed under ``assume`` takes that value instead, with its
    range and source. Every assumption is reported in ``equalisation.json``, the ledger, the
    map and the dossier, with its effect on each partner's net result.
    """

    fallback: Literal["refuse", "median"] = Field(
        "refuse",
        description="refuse: stop and list the missing facts; median: assume the median of the "
        "partners' known values.",
    )
    assume: dict[
        Literal[
            "population", "demand_ha", "municipal_opcentiemen", "capital_eur", "fiscal_capacity_eur"
        ],
        AssumedFact,
    ] = Field({}, description="fact = the value to assume for it, as [unknowns.assume.FACT].")


class StudyAreaConfig(Section):
    """Where sites may be found: the analysis mask.

    By default the union of the partners' municipalities (``[[partners]]`` found in the
    municipalities layer), optionally widened by ``buffer_m``; or the polygons of ``layer``.
    Everything outside is excluded (reported as its own line, ``outside_study_area``); layers
    outside still count for distances. Candidate sites are kept to the partners' territory:
    a site reaching beyond it is clipped (``sites_beyond_partners = "clip"``) or dropped
    (``"drop"``), with a warning.
    """

    layer: Name | None = Field(
        None, description="Polygon layer of the area (default: the partners' municipalities)."
    )
    buffer_m: Annotated[float, Field(ge=0.0, le=50_000.0, allow_inf_nan=False)] = Field(
        0.0, description="Widen the area by this distance."
    )
    sites_beyond_partners: Literal["clip", "drop"] = Field(
        "clip", description="A site reaching beyond the partners' land is clipped or dropped."
    )


class TaxCoefficientConfig(Section):
    """The property-tax coefficients of one tax year that parkplan does not have built in
    (``[finance.tax_coefficients]``, e.g. ``2025 = { indexation = ..., source = "..." }``):
    the indexation coefficient of the cadastral income, the de-indexation coefficient of plant
    and equipment, or both, with where they come from. They are never guessed."""

    indexation: Annotated[float, Field(gt=0.0, le=100.0, allow_inf_nan=False)] | None = Field(
        None, description="Indexation coefficient of the cadastral income in that tax year."
    )
    deindexation: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] | None = Field(
        None, description="De-indexation coefficient of plant and equipment in that tax year."
    )
    source: str = Field(
        min_length=1, max_length=300, description="Where the coefficients come from."
    )

    @model_validator(mode="after")
    def _some_coefficient(self) -> TaxCoefficientConfig:
        if self.indexation is None and self.deindexation is None:
            raise ValueError(
                "no coefficient given; expected indexation and/or deindexation; add the "
                "official value(s) or remove the year"
            )
        return self


TaxYear = Annotated[int, Field(ge=1990, le=2200)]


# -- the equalisation: [finance.assumptions], [keys], [mechanisms] -----------------------------
# Their option sets, defaults and units are the equalisation library's (the fields of
# FinanceAssumptions, the key kinds of equalisation.keys, the mechanisms of its REGISTRY); each
# becomes the library's own input in one place: FinanceAssumptionsConfig.library(), key_spec()
# and MechanismsConfig.spec().

NonNegative = Annotated[float, Field(ge=0.0, le=1e12, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, le=1e12, allow_inf_nan=False)]
PositiveShare = Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)]
PartnerName = Annotated[str, Field(min_length=1, max_length=200)]
_ASSUMPTIONS = {f.name: f for f in dataclasses.fields(FinanceAssumptions)}


def _assumption(name: str) -> Any:
    """A finance assumption's default, meaning, unit and plausible range from the library."""
    assumption = _ASSUMPTIONS[name]
    meta = assumption.metadata
    source = "sourced" if meta["sourced_range"] else "illustrative"
    meaning = meta["doc"][:1].upper() + meta["doc"][1:]
    return Field(
        assumption.default,
        description=f"{meaning} ({meta['unit']}; plausible {meta['range']}, {source}).",
    )


class FinanceAssumptionsConfig(Section):
    """The economic assumptions of the park (:class:`equalisation.finance.FinanceAssumptions`).
    Each one left out keeps its default, which is illustrative: replace it with a local figure."""

    net_share: PositiveShare = _assumption("net_share")
    land_price_eur_per_m2: NonNegative = _assumption("land_price_eur_per_m2")
    preparation_eur_per_m2_gross: NonNegative = _assumption("preparation_eur_per_m2_gross")
    infrastructure_eur_per_m2_net: NonNegative = _assumption("infrastructure_eur_per_m2_net")
    access_works_eur: Euros = _assumption("access_works_eur")
    studies_eur: Euros = _assumption("studies_eur")
    financing_rate_per_year: NonNegative = _assumption("financing_rate_per_year")
    subsidy_share_of_public_works: Fraction01 = _assumption("subsidy_share_of_public_works")
    subsidy_share_of_studies: Fraction01 = _assumption("subsidy_share_of_studies")
    subsidy_cap_studies_eur: Euros = _assumption("subsidy_cap_studies_eur")
    sale_price_eur_per_m2_net: NonNegative = _assumption("sale_price_eur_per_m2_net")
    take_up_model: TakeUpModel = _assumption("take_up_model")
    sell_out_years: Positive = _assumption("sell_out_years")
    take_up_ha_net_per_year: Positive = _assumption("take_up_ha_net_per_year")
    built_share: Fraction01 = _assumption("built_share")
    ki_eur_per_m2_built: NonNegative = _assumption("ki_eur_per_m2_built")
    maintenance_eur_per_ha_gross_per_year: NonNegative = _assumption(
        "maintenance_eur_per_ha_gross_per_year"
    )
    asset_lifespan_years: Annotated[int, Field(ge=1, le=1000)] = _assumption("asset_lifespan_years")
    renewal_share: Fraction01 = _assumption("renewal_share")
    indexation_per_year: NonNegative = _assumption("indexation_per_year")
    discount_rate_per_year: NonNegative = _assumption("discount_rate_per_year")
    role: Role = _assumption("role")
    plant_equipment_share_of_ki: Fraction01 = _assumption("plant_equipment_share_of_ki")
    plant_equipment_exempt_share: Fraction01 = _assumption("plant_equipment_exempt_share")

    @model_serializer(mode="wrap")
    def _as_given(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The assumptions the study gives; the others stay the library's defaults."""
        return {k: v for k, v in handler(self).items() if k in self.model_fields_set}

    def library(self) -> FinanceAssumptions:
        """The assumptions as :mod:`equalisation.finance` takes them."""
        return FinanceAssumptions(**self.model_dump())


class KeyBase(Section):
    """What a key of every kind has: its kind and, by where it stands, a label or a weight."""

    kind: KeyKind = Field(description="The kind of key (see the key kinds).")
    label: Label | None = Field(
        None,
        description="[keys.NAME] only: the key's name in the dossier, in the study's language "
        "(default: a Dutch or English name for the built-in names, else the key in words).",
    )
    weight: Weight | None = Field(
        None, description="A sub-key in the rest of a stacked key only: its weight (default 1)."
    )

    def sides(self) -> tuple[KeyBase, KeyBase]:
        """The key of the costs and the key of the revenues: this one for both."""
        return self, self

    def parts(self) -> Iterator[KeyBase]:
        """This key and every key it is made of."""
        yield self


class FactKey(KeyBase):
    """A key without parameters: equal shares, or in proportion to a fact of each partner."""

    kind: FactKind = Field(
        description="equal: 1/n each; population, land (the partner's hectares of the site), "
        "demand, capital, fiscal_capacity: in proportion to that fact of each partner."
    )


class CustomKey(KeyBase):
    """Shares given per partner; a partner left out gets none."""

    kind: Literal["custom"] = Field(description="custom: the shares given.")
    shares: dict[PartnerName, Weight] = Field(
        min_length=1, description="partner = share; they sum to 1 unless normalise."
    )
    normalise: bool = Field(False, description="Divide the shares by their sum.")

    @model_validator(mode="after")
    def _whole(self) -> CustomKey:
        _sums_to_one("custom key shares", list(self.shares.values()), self.normalise)
        return self


class StackedKey(KeyBase):
    """The host first takes ``host_share``; the rest, ``1 − host_share``, is split by the
    weighted sub-keys of ``rest``."""

    kind: Literal["stacked"] = Field(description="stacked: the host first, then the sub-keys.")
    host_share: Fraction01 = Field(0.0, description="Share the host takes first.")
    host: PartnerName | None = Field(
        None, description="The partner that takes host_share (default: the host of the site)."
    )
    rest: list[KeySpec] = Field(
        min_length=1,
        description="The sub-keys that split the rest, each with its weight, e.g. "
        '[{ kind = "population", weight = 0.5 }, { kind = "land", weight = 0.5 }].',
    )
    normalise: bool = Field(False, description="Divide the weights by their sum.")

    @model_validator(mode="after")
    def _whole(self) -> StackedKey:
        for sub in self.rest:
            _misplaced(sub, "a sub-key of rest", "label")
        weights = [1.0 if sub.weight is None else sub.weight for sub in self.rest]
        _sums_to_one("stacked key weights", weights, self.normalise)
        return self

    def parts(self) -> Iterator[KeyBase]:
        yield self
        for sub in self.rest:
            yield from sub.parts()


def _sums_to_one(what: str, values: Sequence[float], normalise: bool) -> None:
    """Refuse ``values`` that do not sum to 1 (with ``normalise``: that sum to 0)."""
    total = sum(values)
    if normalise and total <= 0:
        raise ValueError(f"{what} sum to 0; expected at least one above 0")
    if not normalise and abs(total - 1) > SUM_TOLERANCE:
        raise ValueError(f"{what} sum to {total:.12g}, not 1; fix them or set normalise = true")


#: Where a key's ``label`` and ``weight`` mean something.
_BELONGS = {"label": "[keys.NAME] itself", "weight": "a sub-key of a stacked key's rest"}


def _misplaced(key: KeyBase, where: str, *names: str) -> None:
    """Refuse a label or a weight where it means nothing."""
    for name in names:
        if getattr(key, name) is not None:
            raise ValueError(
                f"{where} has a {name}; expected a {name} only on {_BELONGS[name]}; move it "
                "there or remove it"
            )


#: A key of any kind, told apart by its ``kind``.
KeySpec = Annotated[FactKey | CustomKey | StackedKey, Field(discriminator="kind")]


class KeySides(Section):
    """A key with its own key for the costs and for the revenues, written as
    ``[keys.NAME.costs]`` and ``[keys.NAME.revenues]``."""

    costs: KeySpec = Field(description="The key the site's costs are shared by.")
    revenues: KeySpec = Field(
        description="The key the site's income (plot sales, subsidies) and funds are shared by."
    )
    label: Label | None = Field(
        None,
        description="The key's name in the dossier, in the study's language (default: a Dutch "
        "or English name for the built-in names, else the key in words).",
    )

    @model_validator(mode="after")
    def _sides_without_label(self) -> KeySides:
        _misplaced(self.costs, "[keys.NAME.costs]", "label", "weight")
        _misplaced(self.revenues, "[keys.NAME.revenues]", "label", "weight")
        return self

    def sides(self) -> tuple[KeyBase, KeyBase]:
        """The key of the costs and the key of the revenues."""
        return self.costs, self.revenues

    def parts(self) -> Iterator[KeyBase]:
        """Every key this one is made of."""
        yield from self.costs.parts()
        yield from self.revenues.parts()


def _key_form(value: Any) -> str:
    """``sides`` for a key with costs and revenues, ``one`` for a key of one kind for both."""
    if isinstance(value, Mapping):
        return "sides" if "costs" in value or "revenues" in value else "one"
    return "sides" if isinstance(value, KeySides) else "one"


def _one_key(key: KeyBase) -> KeyBase:
    _misplaced(key, "[keys.NAME]", "weight")
    return key


#: ``[keys.NAME]``: one key for the costs and the revenues, or a key for each.
NamedKey = Annotated[
    Annotated[KeySides, Tag("sides")] | Annotated[KeySpec, AfterValidator(_one_key), Tag("one")],
    Discriminator(_key_form),
]


def key_spec(key: KeySides | KeyBase) -> dict[str, Any]:
    """A key as :mod:`equalisation.keys` takes it: its settings as written, without the label."""
    return key.model_dump(exclude_unset=True, exclude={"label"})


def _mechanism(name: str) -> Any:
    """A mechanism of :data:`equalisation.mechanisms.REGISTRY` as a setting: off by default."""
    what = REGISTRY[name].description
    return Field(None, description=f"{what[:1].upper()}{what[1:]}.")


class SubRegionalFundConfig(Section):
    """A share of each municipality's property-tax surcharge (OV) goes into a fund, paid out
    by the revenue key."""

    ov_share: Fraction01 = Field(
        1.0, description="Share of each municipality's own OV surcharge paid into the fund."
    )


class HostCompensationConfig(Section):
    """Each host is paid per hectare of the site per year, by the cost key."""

    eur_per_ha_per_year: Euros = Field(
        0.0, description="EUR per hectare of the site on the host's territory, per year (indexed)."
    )


class LocalParkCompensationConfig(Section):
    """Partners that give up a local park of their own are paid an agreed amount per year, by
    the cost key."""

    eur_per_year: dict[PartnerName, Euros] = Field(
        min_length=1, description="partner = EUR per year (indexed)."
    )


class InKindContributionsConfig(Section):
    """Land or staff time a partner brings, at an agreed value, credited to it and paid by the
    cost key (value only what the site's costs do not already count)."""

    land_eur: dict[PartnerName, Euros] = Field(
        {}, description="partner = agreed value of the land it brings (once, in the first year)."
    )
    staff_eur_per_year: dict[PartnerName, Euros] = Field(
        {}, description="partner = agreed value of its staff time per year (indexed)."
    )
    staff_years: Annotated[int, Field(ge=1, le=100)] | None = Field(
        None, description="Years the staff time is credited (default: the whole horizon)."
    )


class ForegoneSurchargeConfig(Section):
    """A partner whose surcharge rate is above the host's is compensated for the surcharge its
    firms would have paid at home, by the cost key."""

    compensated_share: Fraction01 = Field(
        1.0, description="Share of the foregone surcharge compensated."
    )


class MunicipalFundClawbackConfig(Section):
    """The municipal fund claws back a share of each host's own OV from the park (current law;
    the money leaves the partnership)."""

    clawback_rate: Fraction01 = Field(
        description="Share of each host's own OV clawed back (no sourced default)."
    )


class MunicipalFundConfig(Section):
    """What-if: the municipal fund claws back a share of each OV surcharge and pays it out by
    the revenue key."""

    clawback_share: Fraction01 = Field(0.0, description="Share of each OV surcharge clawed back.")


class DevelopmentRightsConfig(Section):
    """What-if: hosts buy the development rights they use beyond their cost-key share of the
    site, in the first year."""

    price_eur_per_ha: Euros = Field(0.0, description="Price of the rights to one hectare (EUR).")


class PlanningBenefitFundConfig(Section):
    """What-if: a levy on the land-value gain of the plots sold, pooled and paid out by the
    revenue key."""

    levy_share: Fraction01 = Field(0.0, description="Share of the land-value gain levied.")


class PlanningDamageFundConfig(Section):
    """What-if: owners whose land loses value are compensated once, in the first year, by the
    cost key."""

    compensation_eur_per_ha: Euros = Field(
        description="EUR per hectare of the site (no sourced default)."
    )


class IntermunicipalTaxConfig(Section):
    """What-if: one common surcharge on the park replaces each host's own; its income is shared
    by the revenue key."""

    opcentiemen: Opcentiemen = Field(description="The common surcharge (opcentiemen).")


class FlemishMatchingFundConfig(Section):
    """What-if: Flanders adds a share of what the partners pay into the sub-regional fund, paid
    out by the revenue key."""

    match_share: Fraction01 = Field(
        description="Share of the fund contributions Flanders adds (needs sub_regional_fund)."
    )


class MechanismsConfig(Section):
    """The mechanisms beyond sharing the site's costs and revenues by the keys and each
    municipality's own property tax (always on). Without any, the property tax is pooled by a
    sub-regional fund (``ov_share = 1``); naming mechanisms replaces that."""

    sub_regional_fund: SubRegionalFundConfig | None = _mechanism("sub_regional_fund")
    host_compensation: HostCompensationConfig | None = _mechanism("host_compensation")
    local_park_compensation: LocalParkCompensationConfig | None = _mechanism(
        "local_park_compensation"
    )
    in_kind_contributions: InKindContributionsConfig | None = _mechanism("in_kind_contributions")
    foregone_surcharge: ForegoneSurchargeConfig | None = _mechanism("foregone_surcharge")
    municipal_fund_clawback: MunicipalFundClawbackConfig | None = _mechanism(
        "municipal_fund_clawback"
    )
    municipal_fund: MunicipalFundConfig | None = _mechanism("municipal_fund")
    development_rights: DevelopmentRightsConfig | None = _mechanism("development_rights")
    planning_benefit_fund: PlanningBenefitFundConfig | None = _mechanism("planning_benefit_fund")
    planning_damage_fund: PlanningDamageFundConfig | None = _mechanism("planning_damage_fund")
    intermunicipal_tax: IntermunicipalTaxConfig | None = _mechanism("intermunicipal_tax")
    flemish_matching_fund: FlemishMatchingFundConfig | None = _mechanism("flemish_matching_fund")

    @model_serializer(mode="wrap")
    def _named(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The mechanisms named, with their parameters."""
        return {k: v for k, v in handler(self).items() if v is not None}

    @model_validator(mode="after")
    def _combined(self, info: ValidationInfo) -> MechanismsConfig:
        """The library's rules across the mechanisms (a matching fund needs the fund, they take
        at most all of the property tax, ...), once none is set aside for a problem."""
        if not ((info.context or {}) if info else {}).get(SET_ASIDE, {}).get("mechanisms"):
            build_mechanisms(self.spec())  # its InputError is a ValueError
        return self

    def spec(self) -> dict[str, dict[str, Any]] | None:
        """The mechanisms as :func:`equalisation.mechanisms.build_mechanisms` takes them, as
        written (``None``: none named, so the library's default)."""
        return self.model_dump(exclude_unset=True, exclude_none=True) or None

    def or_default(self) -> MechanismsConfig:
        """These mechanisms, or the library's default when none is named."""
        return self if self.spec() else MechanismsConfig.model_validate(DEFAULT_SPEC)


class FinanceConfig(Section):
    """Horizon, tax year and overrides of the illustrative finance assumptions."""

    horizon_years: Annotated[int, Field(ge=1, le=100)] = Field(
        30, description="Years of cash flows computed."
    )
    start_year: Annotated[int, Field(ge=1990, le=2200)] = Field(
        2026, description="First year of the cash flows (prices are of this year)."
    )
    tax_year: Annotated[int, Field(ge=1990, le=2200)] = Field(
        2022,
        description="Year whose coefficients the property tax uses (default: the latest year "
        "with every coefficient built in; a later one may need [finance.tax_coefficients]).",
    )
    provincial_opcentiemen: Opcentiemen = Field(
        0.0, description="Provincial surcharge on the property tax (opcentiemen)."
    )
    chosen_key: str | None = Field(
        None,
        description="The sharing key the dossier's summary and the map lead with (default: the "
        "first of [keys]).",
    )
    # -- property-tax coefficients (equalisation.tax) ------------------------------------------
    tax_coefficients: dict[TaxYear, TaxCoefficientConfig] = Field(
        {},
        description="Property-tax coefficients of tax years not built in, as "
        '[finance.tax_coefficients] 2025 = { indexation = ..., source = "..." }; a year '
        "without them is refused.",
    )

    @field_validator("tax_coefficients")
    @classmethod
    def _agree_with_the_built_in_coefficients(
        cls, value: dict[int, TaxCoefficientConfig]
    ) -> dict[int, TaxCoefficientConfig]:
        tax.coefficient_table(value)  # a value contradicting a built-in one is a ValueError
        return value

    # -- end of the property-tax coefficients ----------------------------------------------
    assumptions: FinanceAssumptionsConfig = Field(
        FinanceAssumptionsConfig(),
        description="Overrides of the illustrative finance assumptions, as "
        "[finance.assumptions] name = value (see the finance assumptions below).",
    )


XYZ_EXAMPLE = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
#: The services a base map may be, with an example endpoint and layer (the Flemish geoportal).
BASEMAP_EXAMPLES = {
    "wms": ("https://geo.api.vlaanderen.be/OMWRGBMRVL/wms", "Ortho"),
    "wmts": ("https://geo.api.vlaanderen.be/GRB/wmts", "grb_bsk"),
}
#: The request parameters a base-map request sets itself (an endpoint must not carry them).
BASEMAP_PARAMETERS = frozenset(
    {"service", "request", "version", "layers", "layer", "styles", "style", "format", "crs"}
    | {"srs", "bbox", "width", "height", "transparent", "tilematrixset", "tilematrix"}
    | {"tilerow", "tilecol"}
)


class BasemapConfig(Section):
    """Background of the maps: XYZ tiles, a WMS or a WMTS, with the attribution its licence
    asks for and the name the layer control shows. The browser fetches it for the web map;
    'parkplan run' and 'parkplan report' fetch a picture for each map of the dossier (when the
    service cannot be reached, the dossier says so and draws its maps without it). Without one
    the maps have no background and work with no network at all."""

    kind: Literal["xyz", "wms", "wmts"] = Field(
        "xyz",
        description="xyz: a tile URL template; wms: a Web Map Service (GetMap 1.3.0; the "
        "dossier asks it in the study CRS); wmts: a Web Map Tile Service with key-value "
        "requests (KVP GetTile).",
    )
    url: str = Field(
        max_length=500,
        description="https address. xyz: the tile template with {z}, {x} and {y}, e.g. "
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png; wms: the service endpoint, e.g. "
        "https://geo.api.vlaanderen.be/OMWRGBMRVL/wms; wmts: the endpoint of a KVP WMTS, e.g. "
        "https://geo.api.vlaanderen.be/GRB/wmts.",
    )
    layers: str | None = Field(
        None,
        min_length=1,
        max_length=500,
        description="wms: the layer names, comma-separated (required); wmts: the layer "
        "identifier (required).",
    )
    format: Literal["image/png", "image/jpeg"] = Field(
        "image/png", description="wms, wmts: the image format asked for."
    )
    tile_matrix_set: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="wmts: the tile matrix set (required). It must be Web Mercator (EPSG:3857) "
        "with its matrices named by zoom level 0, 1, 2…, like GoogleMapsCompatible (or "
        "GoogleMapsVL of the Flemish geoportal).",
    )
    style: str = Field(
        "",
        max_length=100,
        description="wms: the styles of the layers, comma-separated (empty: the service's "
        "defaults); wmts: the style identifier (empty: 'default').",
    )
    attribution: str = Field(
        min_length=1, max_length=300, description="Attribution the service's licence asks for."
    )
    label: str = Field(
        default="Achtergrondkaart",
        min_length=1,
        max_length=100,
        description="Name of the layer in the map's layer control.",
    )

    @model_validator(mode="after")
    def _fits_kind(self) -> BasemapConfig:
        """One problem for the whole section (checked here, not field by field, so that a
        wrong setting is never also reported missing)."""
        _check_basemap_text(self)
        if self.kind == "xyz":
            _check_xyz_basemap(self)
        else:
            _check_service_basemap(self)
        return self


def _check_basemap_text(basemap: BasemapConfig) -> None:
    """An https url without spaces, quotes or fragment; names without control characters."""
    for name in ("layers", "tile_matrix_set", "style"):
        value = getattr(basemap, name) or ""
        if re.search(r"[\x00-\x1f\x7f]", value):
            raise ValueError(
                f"basemap {name} {value!r} holds a control character; expected the name as "
                "the service's capabilities give it"
            )
    if not re.fullmatch(r"https://[^\s\\\"'<>#]+", basemap.url):
        example = BASEMAP_EXAMPLES.get(basemap.kind, (XYZ_EXAMPLE,))[0]
        raise ValueError(
            f"basemap url {basemap.url!r} is not an https address without spaces, quotes or "
            f"fragment; expected e.g. {example}"
        )


def _check_xyz_basemap(basemap: BasemapConfig) -> None:
    """An XYZ template has {z}, {x} and {y}, and none of a service's settings."""
    missing = [part for part in ("{z}", "{x}", "{y}") if part not in basemap.url]
    if missing:
        raise ValueError(
            f"basemap url {basemap.url!r} lacks {', '.join(missing)}; expected an XYZ tile "
            f'template such as {XYZ_EXAMPLE}, or kind = "wms" or "wmts" for a service'
        )
    given = [name for name in ("layers", "tile_matrix_set") if getattr(basemap, name)]
    if given:
        raise ValueError(
            f"basemap of kind 'xyz' has {' and '.join(given)}, which only a WMS or WMTS "
            'takes; remove them, or set kind = "wms" or "wmts"'
        )


def _check_service_basemap(basemap: BasemapConfig) -> None:
    """A WMS or WMTS: its endpoint alone, its layers and (WMTS only) its tile matrix set."""
    kind, (endpoint, layer) = basemap.kind, BASEMAP_EXAMPLES[basemap.kind]
    if "{" in basemap.url or "}" in basemap.url:
        raise ValueError(
            f"basemap url {basemap.url!r} is a tile template; expected the {kind.upper()} "
            f'endpoint, e.g. {endpoint}, or kind = "xyz" for a template'
        )
    query = urlsplit(basemap.url).query
    asked = {k.lower() for k, _ in parse_qsl(query, keep_blank_values=True)}
    if asked & BASEMAP_PARAMETERS:
        raise ValueError(
            f"basemap url {basemap.url!r} carries the request parameters "
            f"{', '.join(sorted(asked & BASEMAP_PARAMETERS))}; expected the {kind.upper()} "
            f"endpoint alone, e.g. {endpoint} (layers, format and style have keys of their own)"
        )
    if not basemap.layers:
        what = "the layer names, comma-separated" if kind == "wms" else "the layer identifier"
        raise ValueError(
            f"basemap of kind '{kind}' needs layers; expected {what}, e.g. layers = {layer!r}"
        )
    if kind == "wmts" and not basemap.tile_matrix_set:
        raise ValueError(
            "basemap of kind 'wmts' needs tile_matrix_set; expected a Web Mercator set named by "
            "zoom level, e.g. tile_matrix_set = 'GoogleMapsCompatible'"
        )
    if kind == "wms" and basemap.tile_matrix_set:
        raise ValueError(
            "basemap of kind 'wms' has tile_matrix_set, which only a WMTS takes; remove it, or "
            'set kind = "wmts"'
        )


class MapConfig(Section):
    """The colour ramp of the suitability score on the interactive maps (the other layers have
    fixed colours, chosen to stay apart from it and from each other with colour blindness)."""

    ramp: ScoreRamp = Field(
        DEFAULT_RAMP,
        description="Colour ramp of the suitability score, low to high: 'viridis' (purple, "
        "green, yellow) or 'cividis' (blue, grey, yellow); both stay readable with red-green "
        "colour blindness and in grey.",
    )


class RunsConfig(Section):
    """How many complete runs the study keeps: the ``keep`` newest, and every current one."""

    keep: Annotated[int, Field(ge=1, le=1000)] = Field(
        5, description="Complete runs kept, newest first (current runs are always kept)."
    )


class OutputsConfig(Section):
    """How a run writes its rasters (the score, each criterion's standardised and raw values,
    the exclusion codes): Cloud Optimized GeoTIFFs with this compression, lossless."""

    compression: Literal["deflate", "zstd", "lzw"] = Field(
        "deflate",
        description="'deflate' opens in every GIS (QGIS, ArcGIS, any GDAL); 'zstd' writes and "
        "reads faster at about the same size, but needs GDAL 2.3 or later (ArcGIS Pro 2.x or "
        "later); 'lzw' is the oldest and largest.",
    )


class GameConfig(Section):
    """How the fair-division game prices what each group of partners would do on its own (the
    characteristic function; see the dossier's method chapter)."""

    no_site: Literal["no_park", "hypothetical_park"] = Field(
        "no_park",
        description="A group with no candidate site of its own: 'no_park' builds nothing (pays "
        "and levies nothing); 'hypothetical_park' prices a park at the general assumptions.",
    )
    property_tax: bool = Field(
        True,
        description="Count the municipal property tax each member would levy on its own park at "
        "its own surcharge.",
    )


class CooperationConfig(Section):
    """The answers the cooperation-form advice starts from (Flemish local government decree)."""

    private_partners: bool = Field(False, description="Do private partners take part?")
    legal_personality_needed: bool = Field(
        False, description="Must the cooperation own land or hire staff itself?"
    )
    duration_years: Annotated[int, Field(ge=1, le=99)] = Field(
        20, description="How long the cooperation is meant to last."
    )
    management_transfer: bool = Field(
        False, description="Do the municipalities hand over the management of the park?"
    )
    other_government_levels: bool = Field(
        False, description="Do other levels of government (province, region) take part?"
    )


class Study(Section):
    """The whole of ``study.toml``."""

    schema_version: int = Field(
        SCHEMA_VERSION, description="Version of this schema; this parkplan reads version 1."
    )
    name: str = Field(min_length=1, max_length=200, description="Name of the study.")
    crs: str = Field(
        "EPSG:31370",
        description="Projected CRS of the analysis (Belgian Lambert 72 by default); every "
        "layer is stored in it.",
    )
    cell_size_m: CellSize = Field(10.0, description="Cell size of the suitability grid.")
    engine: Literal["local", "dask"] = Field(
        "local", description="local: this computer; dask: a Dask cluster."
    )
    scheduler: str | None = Field(
        None, description="Dask scheduler address tcp://HOST:PORT (default: a local cluster)."
    )
    workspace: str | None = Field(
        None,
        description="postgresql://USER@HOST:PORT/DB to keep the layers in PostGIS (no "
        "password here: use PGPASSWORD or ~/.pgpass); default: the workspace/ folder.",
    )
    region: RegionConfig = Field(RegionConfig(), description="The municipalities layer.")
    layers: list[LayerSource] = Field(
        [],
        description="Layers loaded by 'parkplan run' when the workspace lacks them: files or "
        "layers of web services.",
    )
    exclusions: list[ExclusionConfig] = Field(
        [], description="Hard constraints: land that never scores."
    )
    criteria: list[CriterionConfig] = Field([], description="The suitability criteria.")
    weights: WeightsConfig = Field(WeightsConfig(), description="How the criteria are weighed.")
    aggregation: AggregationConfig = Field(
        AggregationConfig(), description="How the criteria combine into one score."
    )
    sites: SitesConfig = Field(SitesConfig(), description="Where candidate sites come from.")
    robustness: RobustnessConfig = Field(
        RobustnessConfig(), description="Monte Carlo over the weights and transforms."
    )
    scenarios: list[ScenarioConfig] = Field([], description="Named variants of the model.")
    partners: list[PartnerConfig] = Field(
        [], description="The partner municipalities and their facts."
    )
    finance: FinanceConfig = Field(
        FinanceConfig(), description="Horizon, tax year and finance assumptions."
    )
    keys: dict[str, NamedKey] = Field(
        {},
        description="Sharing keys by name: [keys.NAME] kind = ..., or [keys.NAME.costs] and "
        '[keys.NAME.revenues] (see the key kinds below), and an optional label = "...": the '
        "key's name in the dossier, in the study's language (default: a Dutch or English name "
        "for the built-in names, else the key in words); default: one equal key.",
    )
    mechanisms: MechanismsConfig = Field(
        MechanismsConfig(),
        description="Extra equalisation mechanisms by name, with their parameters.",
    )
    cooperation: CooperationConfig = Field(
        CooperationConfig(), description="Answers for the cooperation-form advice."
    )
    runs: RunsConfig = Field(RunsConfig(), description="How many runs the study keeps.")
    outputs: OutputsConfig = Field(OutputsConfig(), description="How a run writes its rasters.")
    game: GameConfig = Field(
        GameConfig(), description="How the fair-division game prices going alone."
    )
    basemap: BasemapConfig | None = Field(
        None, description="Background tiles of the maps (default: none, fully offline)."
    )
    map: MapConfig = Field(MapConfig(), description="How the interactive maps draw the results.")
    study_area: StudyAreaConfig = Field(StudyAreaConfig(), description="Where sites may be found.")
    unknowns: UnknownsConfig = Field(
        UnknownsConfig(), description="What a run does with unknown partner facts."
    )

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, version: int) -> int:
        if version != SCHEMA_VERSION:
            raise ValueError(
                f"schema_version {version} is not supported; this parkplan reads version "
                f"{SCHEMA_VERSION}"
            )
        return version

    @field_validator("workspace")
    @classmethod
    def _database_without_password(cls, url: str | None) -> str | None:
        """The workspace's one URL check (which imports the database driver, only here)."""
        if url is None:
            return None
        from parkplan.workspace.postgis import parse_database_url

        parse_database_url(url, study_name="study")
        return url

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Study:
        """Names are unique in each section; scenarios name known criteria and exclusions;
        ``chosen_key`` names a key.

        ``context={SET_ASIDE: {"criteria": names, "keys": names, ...}}`` counts those names
        as known (``parkplan check`` validates a study without the items it reported)."""
        set_aside = ((info.context or {}) if info else {}).get(SET_ASIDE, {})
        places = [
            *_duplicates("criteria", [c.name for c in self.criteria]),
            *_duplicates("exclusions", [e.name for e in self.exclusions]),
            *_duplicates("scenarios", [s.name for s in self.scenarios]),
            *_duplicates("partners", [p.name for p in self.partners]),
            *self._scenario_references(set_aside),
            *self._chosen_key(set_aside),
        ]
        if places:
            raise PlacedValueError(places)
        return self

    def _chosen_key(self, set_aside: Mapping[str, Any]) -> list[tuple]:
        chosen = self.finance.chosen_key
        if chosen is None or chosen in self.keys or chosen in set_aside.get("keys", ()):
            return []
        return [
            (
                ("finance", "chosen_key"),
                f"chosen_key {chosen!r} is not a key of [keys] ({sorted(self.keys) or 'none'})",
                "name one of the keys, or leave chosen_key out for the first",
            )
        ]

    def key_specs(self) -> dict[str, dict[str, Any]]:
        """The keys as :mod:`equalisation.keys` takes them (:func:`key_spec`)."""
        return {name: key_spec(key) for name, key in self.keys.items()}

    def chosen_key(self) -> str | None:
        """The key the dossier and the map lead with: ``[finance] chosen_key`` or the first."""
        return self.finance.chosen_key or next(iter(self.keys), None)

    def _scenario_references(self, set_aside: Mapping[str, Any]) -> list[tuple[DataPath, str, str]]:
        criteria = {c.name for c in self.criteria} | set(set_aside.get("criteria", ()))
        exclusions = {e.name for e in self.exclusions} | set(set_aside.get("exclusions", ()))
        places: list[tuple[DataPath, str, str]] = []
        for at, scenario in enumerate(self.scenarios):
            unknown = sorted(set(scenario.weights or {}) - criteria)
            if unknown:
                places.append((
                    ("scenarios", at, "weights", unknown[0]),
                    f"scenario {scenario.name!r} weighs unknown criteria {unknown}; known: "
                    f"{sorted(criteria)}",
                    "weigh criteria of [[criteria]] only, or correct the names",
                ))  # fmt: skip
            dropped = sorted(set(scenario.drop_exclusions) - exclusions)
            if dropped:
                places.append((
                    ("scenarios", at, "drop_exclusions"),
                    f"scenario {scenario.name!r} drops unknown exclusions {dropped}; known: "
                    f"{sorted(exclusions)}",
                    "drop exclusions of [[exclusions]] only, or correct the names",
                ))  # fmt: skip
        return places

    def scenario(self, name: str | None) -> Study:
        """This study with the scenario ``name`` applied (``None``: the base model)."""
        if name is None:
            return self
        chosen = {s.name: s for s in self.scenarios}.get(name)
        if chosen is None:
            raise StudyError(
                f"unknown scenario {name!r}; known scenarios: "
                f"{sorted(s.name for s in self.scenarios) or 'none'}"
            )
        criteria = [
            c.model_copy(update={"weight": chosen.weights.get(c.name, c.weight)})
            if chosen.weights
            else c
            for c in self.criteria
        ]
        weights = self.weights if not chosen.weights else WeightsConfig(method="direct")
        return self.model_copy(
            update={
                "criteria": criteria,
                "weights": weights,
                "exclusions": [e for e in self.exclusions if e.name not in chosen.drop_exclusions],
                "aggregation": chosen.aggregation or self.aggregation,
            }
        )


def _duplicates(section: str, names: list[str]) -> list[tuple]:
    """A problem for each item whose name an earlier item of ``section`` has."""
    first: dict[str, int] = {}
    places = []
    for at, name in enumerate(names):
        if name in first:
            places.append((
                (section, at, "name"),
                f"{section} has duplicate names [{name!r}]: an earlier item has the same name",
                f"give each of the [[{section}]] a name of its own",
            ))  # fmt: skip
        first.setdefault(name, at)
    return places


class InvalidStudyError(StudyError):
    """``study.toml`` does not follow the schema; ``problems`` lists every problem, placed
    (the message names them on one line)."""

    def __init__(self, source: str, problems: Sequence[StudyProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(summary(source, self.problems))


@dataclass(frozen=True)
class StudyValidation:
    """Every schema problem of a study, in the order of the file, and the study without the
    parts that have them (``None`` when nothing sensible is left): what ``parkplan check``
    checks further. ``rest`` is the data of that study: which items were set aside, and where
    each item left stood in the file (:meth:`~parkplan.study_problems.SetAside.original`)."""

    study: Study | None
    problems: tuple[StudyProblem, ...]
    rest: SetAside


#: Rounds of validation: a study's own cross-checks run once its sections are valid.
VALIDATION_ROUNDS = 3


def validate_study(data: Mapping[str, Any], *, text: str | None = None) -> StudyValidation:
    """Validate a parsed ``study.toml``; find every problem, not just those of the first pass.

    After each failing pass, the items and settings with problems are set aside and the rest
    is validated again (with the names set aside still counting as known), so that the
    checks that need valid sections (duplicate names, scenarios' references) run too.
    ``text``, the TOML the data came from, gives the problems their line numbers.
    """
    places: list = []
    rest = set_aside(data, [], Study)
    study = None
    for _ in range(VALIDATION_ROUNDS):
        try:
            study = Study.model_validate(rest.data, context={SET_ASIDE: rest.names})
            break
        except ValidationError as exc:
            found = [
                (rest.original(path), *words)
                for path, *words in error_places(exc, rest.data, Study)
            ]
            fresh = [place for place in found if place not in places]
            places += fresh
            if not fresh or not all(path for path, _, _ in fresh):
                break  # nothing more can be set aside
            rest = set_aside(data, [path for path, _, _ in places], Study)
    lines = toml_lines(text) if text and places else {}
    problems = by_line(
        [problem(path, message, fix, data, lines, Study) for path, message, fix in places]
    )
    return StudyValidation(study, tuple(problems), rest)


def parse_study(
    data: Mapping[str, Any], *, source: str = STUDY_FILE, text: str | None = None
) -> Study:
    """Validate a parsed ``study.toml`` mapping (``text``: the TOML it was read from, whose
    line numbers the problems then carry); :class:`InvalidStudyError` lists every problem."""
    if not isinstance(data, Mapping):
        raise StudyError(f"{source} must hold a table of settings, not {type(data).__name__}")
    checked = validate_study(data, text=text)
    if checked.problems:
        raise InvalidStudyError(source, checked.problems)
    assert checked.study is not None, "a study without problems is validated"
    return checked.study


def load_study(root: Path) -> Study:
    """Read and validate ``root/study.toml``."""
    return read_study(root)[0]


def read_study(root: Path) -> tuple[Study, bytes]:
    """Read and validate ``root/study.toml``; return the study and the exact bytes it came
    from (a run records their SHA-256 and keeps a copy)."""
    path = Path(root) / STUDY_FILE
    if not path.is_file():
        raise StudyError(
            f"{root} is not a study: {STUDY_FILE} not found; create one with 'parkplan init {root}'"
        )
    raw = path.read_bytes()
    text, data = read_toml(path, raw)
    return parse_study(data, source=str(path), text=text), raw


def read_toml(path: Path, raw: bytes) -> tuple[str, dict[str, Any]]:
    """The text of ``study.toml`` and its data; a one-line error when it is not TOML."""
    try:
        text = raw.decode("utf-8")
        return text, tomllib.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:  # TOMLDecodeError is a ValueError
        raise StudyError(f"{path} is not valid TOML ({exc}); fix the syntax") from None
    except RecursionError:
        raise StudyError(f"{path} is nested too deeply to be a study file") from None


def study_toml(study: Study) -> str:
    """The TOML text of ``study`` (defaults included, ``None`` values left out)."""
    data = study.model_dump(mode="json", exclude_none=True)
    return tomli_w.dumps(_finite(data))


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise StudyError(f"cannot write the non-finite number {value} into {STUDY_FILE}")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def save_study(study: Study, root: Path) -> Path:
    """Write ``root/study.toml`` atomically (:func:`geo.atomic.write_atomically`)."""
    return write_atomically(Path(root) / STUDY_FILE, study_toml(study))


def write_new_study(root: Path, *, crs: str = "EPSG:31370", name: str | None = None) -> Path:
    """Write the commented ``study.toml`` of a new, empty study (:mod:`parkplan.template`);
    refuse to overwrite one."""
    root = Path(root)
    if (root / STUDY_FILE).exists():
        raise StudyError(f"{root} already holds a {STUDY_FILE}; choose an empty folder")
    study = Study(name=name or root.resolve().name, crs=crs)
    text = new_study_toml(study.name, study.crs, study)
    parse_study(tomllib.loads(text), text=text)  # the template is a valid study
    root.mkdir(parents=True, exist_ok=True)
    return write_atomically(root / STUDY_FILE, text)
