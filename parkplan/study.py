"""``study.toml``: the versioned schema that is the single source of truth of a run.

A study is a folder holding ``study.toml`` and a ``workspace/``. The file names the layers,
the exclusions, the criteria and their weights, how candidate sites are found, the partners,
the finance assumptions and the sharing keys. :func:`load_study` validates it with pydantic
and turns every problem into one :class:`~parkplan.errors.StudyError` line.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from parkplan.errors import StudyError

SCHEMA_VERSION = 1
STUDY_FILE = "study.toml"
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"

Name = Annotated[str, Field(pattern=NAME_PATTERN)]
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


class Section(BaseModel):
    """Base of every section: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RegionConfig(Section):
    """Which layer holds the municipality boundaries and which column their names."""

    municipalities: Name = "municipalities"
    name_column: str = "name"


class LayerSource(Section):
    """A layer declared with its source, loaded by ``parkplan run`` when the workspace lacks it."""

    name: Name
    source: str
    source_layer: str | None = None
    assume_crs: str | None = None


class TransformConfig(Section):
    """A standardisation function (see :mod:`geo.transforms` for the formulas)."""

    kind: Literal["linear", "sigmoid", "j_shaped", "gaussian", "piecewise", "categorical"]
    direction: Literal["increasing", "decreasing", "symmetric"] = "increasing"
    a: Finite | None = None
    b: Finite | None = None
    c: Finite | None = None
    d: Finite | None = None
    points: list[tuple[Finite, Fraction01]] | None = None
    mapping: dict[str, Fraction01] | None = None


class CriterionConfig(Section):
    """A suitability criterion: how its raw value is measured and standardised to 0–1."""

    name: Name
    kind: Literal["distance", "raster", "zoning", "zone_share"]
    layer: Name
    transform: TransformConfig
    weight: Weight | None = None
    rank: Annotated[int, Field(ge=1, le=1000)] | None = None
    column: str | None = None
    categories: list[str] | None = None
    radius_m: Metres | None = None
    transform_jitter: Fraction01 | None = None
    description: str = ""

    @model_validator(mode="after")
    def _needs(self) -> CriterionConfig:
        if self.kind in ("zoning", "zone_share") and not self.column:
            raise ValueError(f"criterion {self.name!r} of kind {self.kind!r} needs 'column'")
        if self.kind == "zone_share" and (not self.categories or self.radius_m is None):
            raise ValueError(f"criterion {self.name!r} needs 'categories' and 'radius_m'")
        return self


class ExclusionConfig(Section):
    """A hard constraint: cells it covers never score."""

    name: Name
    kind: Literal["inside", "buffer", "zoning", "raster"]
    layer: Name
    buffer_m: Metres | None = None
    column: str | None = None
    allowed: list[str] | None = None
    op: Literal[">", ">=", "<", "<=", "==", "!="] | None = None
    value: Finite | None = None
    description: str = ""

    @model_validator(mode="after")
    def _needs(self) -> ExclusionConfig:
        required = {
            "buffer": ("buffer_m",),
            "zoning": ("column", "allowed"),
            "raster": ("op", "value"),
        }.get(self.kind, ())
        missing = [field for field in required if getattr(self, field) is None]
        if missing:
            raise ValueError(f"exclusion {self.name!r} of kind {self.kind!r} needs {missing}")
        return self


class WeightsConfig(Section):
    """How criterion weights are set: direct (each criterion's ``weight``), by rank, or by AHP."""

    method: Literal["direct", "rank_sum", "rank_reciprocal", "rank_order_centroid", "ahp"] = (
        "direct"
    )
    order: list[Name] | None = None
    pairwise: list[list[Judgement]] | None = None


class AggregationConfig(Section):
    """How standardised criteria combine into one score."""

    method: Literal["wlc", "owa", "wgm", "min"] = "wlc"
    order_weights: list[Weight] | None = None
    andness: Fraction01 | None = None
    tradeoff: Fraction01 | None = None


class SitesConfig(Section):
    """Where candidate sites come from: a polygon layer, or regions extracted from the score."""

    source: Literal["regions", "layer"] = "regions"
    layer: Name | None = None
    id_column: str = "site_id"
    threshold: Fraction01 = 0.6
    min_area_ha: Hectares = 5.0
    max_sites: Annotated[int, Field(ge=1, le=100_000)] = 10
    target_area_ha: Hectares | None = None
    simplify_m: Annotated[float, Field(ge=0.0, le=10_000.0, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _needs_layer(self) -> SitesConfig:
        if self.source == "layer" and self.layer is None:
            raise ValueError("sites with source = 'layer' need 'layer'")
        return self


class RobustnessConfig(Section):
    """Monte Carlo over the weights (Dirichlet draws around the given weights) and, with
    ``transform_jitter`` > 0, over the transforms' parameters: each control point moves by a
    normal amount of standard deviation σ × its edge's width (categorical μ by σ); see
    :func:`geo.transforms.perturbed`. A criterion's own ``transform_jitter`` overrides σ."""

    draws: Annotated[int, Field(ge=0, le=1_000_000)] = 1000
    concentration: Annotated[float, Field(gt=0.0, le=1e6, allow_inf_nan=False)] = 50.0
    transform_jitter: Fraction01 = 0.0
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 20261122


class ScenarioConfig(Section):
    """A named variant of the model: other weights, some exclusions switched off."""

    name: Name
    weights: dict[str, Weight] | None = None
    drop_exclusions: list[Name] = []
    aggregation: AggregationConfig | None = None
    description: str = ""


#: The facts of a partner that may be unknown: write ``"unknown"`` or leave the key out.
PARTNER_FACTS = (
    "population",
    "demand_ha",
    "municipal_opcentiemen",
    "capital_eur",
    "fiscal_capacity_eur",
)
UNKNOWN = "unknown"


class PartnerConfig(Section):
    """A partner municipality and the facts the sharing keys and the property tax use.

    Every fact may be unknown: leave it out or write ``"unknown"``. An unknown is never taken
    as zero: a run that needs it stops and says so, unless ``[unknowns]`` states what to
    assume (the assumption is then shown wherever the figure appears).
    """

    name: str = Field(min_length=1, max_length=200)
    population: Annotated[int, Field(ge=0, le=100_000_000)] | None = None
    demand_ha: Annotated[float, Field(ge=0.0, le=100_000.0, allow_inf_nan=False)] | None = None
    municipal_opcentiemen: Opcentiemen | None = None
    capital_eur: Euros | None = None
    fiscal_capacity_eur: Euros | None = None
    sources: dict[
        Literal[
            "population", "demand_ha", "municipal_opcentiemen", "capital_eur", "fiscal_capacity_eur"
        ],
        Annotated[str, Field(min_length=1, max_length=300)],
    ] = {}

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

    value: Annotated[float, Field(ge=0.0, le=1e13, allow_inf_nan=False)]
    low: Annotated[float, Field(ge=0.0, le=1e13, allow_inf_nan=False)] | None = None
    high: Annotated[float, Field(ge=0.0, le=1e13, allow_inf_nan=False)] | None = None
    source: str = Field(min_length=1, max_length=300)

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

    fallback: Literal["refuse", "median"] = "refuse"
    assume: dict[
        Literal[
            "population", "demand_ha", "municipal_opcentiemen", "capital_eur", "fiscal_capacity_eur"
        ],
        AssumedFact,
    ] = {}


class StudyAreaConfig(Section):
    """Where sites may be found: the analysis mask.

    By default the union of the partners' municipalities (``[[partners]]`` found in the
    municipalities layer), optionally widened by ``buffer_m``; or the polygons of ``layer``.
    Everything outside is excluded (reported as its own line, ``outside_study_area``); layers
    outside still count for distances. Candidate sites are kept to the partners' territory:
    a site reaching beyond it is clipped (``sites_beyond_partners = "clip"``) or dropped
    (``"drop"``), with a warning.
    """

    layer: Name | None = None
    buffer_m: Annotated[float, Field(ge=0.0, le=50_000.0, allow_inf_nan=False)] = 0.0
    sites_beyond_partners: Literal["clip", "drop"] = "clip"


class FinanceConfig(Section):
    """Horizon, tax year and overrides of the illustrative finance assumptions."""

    horizon_years: Annotated[int, Field(ge=1, le=100)] = 30
    start_year: Annotated[int, Field(ge=1990, le=2200)] = 2026
    tax_year: Annotated[int, Field(ge=1990, le=2200)] = 2024
    provincial_opcentiemen: Opcentiemen = 0.0
    assumptions: dict[str, Any] = {}


class BasemapConfig(Section):
    """Background tiles for the maps: an XYZ tile URL template that the browser fetches (e.g.
    ``https://tile.openstreetmap.org/{z}/{x}/{y}.png``), the attribution its licence asks
    for, and the name the layer control shows. Without one the maps have no background and
    work with no network at all."""

    url: str = Field(max_length=500)
    attribution: str = Field(min_length=1, max_length=300)
    label: str = Field(default="Achtergrondkaart", min_length=1, max_length=100)

    @field_validator("url")
    @classmethod
    def _xyz_template(cls, url: str) -> str:
        if not re.fullmatch(r"https://[^\s\\\"'<>]+", url):
            raise ValueError(
                f"basemap url {url!r} is not an https address without spaces or quotes; expected "
                "e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png"
            )
        missing = [part for part in ("{z}", "{x}", "{y}") if part not in url]
        if missing:
            raise ValueError(
                f"basemap url {url!r} lacks {', '.join(missing)}; expected an XYZ tile template "
                "such as https://tile.openstreetmap.org/{z}/{x}/{y}.png"
            )
        return url


class RunsConfig(Section):
    """How many complete runs the study keeps: the ``keep`` newest, and every current one."""

    keep: Annotated[int, Field(ge=1, le=1000)] = 5


class CooperationConfig(Section):
    """The answers the cooperation-form advice starts from (Flemish local government decree)."""

    private_partners: bool = False
    legal_personality_needed: bool = False
    duration_years: Annotated[int, Field(ge=1, le=99)] = 20
    management_transfer: bool = False
    other_government_levels: bool = False


class Study(Section):
    """The whole of ``study.toml``."""

    schema_version: int = SCHEMA_VERSION
    name: str = Field(min_length=1, max_length=200)
    crs: str = "EPSG:31370"
    cell_size_m: CellSize = 10.0
    engine: Literal["local", "dask"] = "local"
    scheduler: str | None = None
    workspace: str | None = None
    region: RegionConfig = RegionConfig()
    layers: list[LayerSource] = []
    exclusions: list[ExclusionConfig] = []
    criteria: list[CriterionConfig] = []
    weights: WeightsConfig = WeightsConfig()
    aggregation: AggregationConfig = AggregationConfig()
    sites: SitesConfig = SitesConfig()
    robustness: RobustnessConfig = RobustnessConfig()
    scenarios: list[ScenarioConfig] = []
    partners: list[PartnerConfig] = []
    finance: FinanceConfig = FinanceConfig()
    keys: dict[str, dict[str, Any]] = {}
    mechanisms: dict[str, Any] = {}
    cooperation: CooperationConfig = CooperationConfig()
    runs: RunsConfig = RunsConfig()
    basemap: BasemapConfig | None = None
    study_area: StudyAreaConfig = StudyAreaConfig()
    unknowns: UnknownsConfig = UnknownsConfig()

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
        if url is None:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("postgresql", "postgres"):
            raise ValueError(
                f"workspace {url!r} is not a PostgreSQL URL; expected "
                "postgresql://USER@HOST:PORT/DB, or leave it out for the folder workspace"
            )
        if parts.password is not None or "password=" in parts.query:
            raise ValueError(
                "workspace URL holds a password; remove it and give the password through "
                "PGPASSWORD or ~/.pgpass"
            )
        return url

    @model_validator(mode="after")
    def _consistent(self) -> Study:
        _refuse_duplicates("criteria", [c.name for c in self.criteria])
        _refuse_duplicates("exclusions", [e.name for e in self.exclusions])
        _refuse_duplicates("scenarios", [s.name for s in self.scenarios])
        _refuse_duplicates("partners", [p.name for p in self.partners])
        known = {c.name for c in self.criteria}
        for scenario in self.scenarios:
            unknown = sorted(set(scenario.weights or {}) - known)
            if unknown:
                raise ValueError(
                    f"scenario {scenario.name!r} weighs unknown criteria {unknown}; "
                    f"known: {sorted(known)}"
                )
            dropped = sorted(set(scenario.drop_exclusions) - {e.name for e in self.exclusions})
            if dropped:
                raise ValueError(f"scenario {scenario.name!r} drops unknown exclusions {dropped}")
        return self

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


def _refuse_duplicates(section: str, names: list[str]) -> None:
    seen: set[str] = set()
    duplicates = sorted({n for n in names if n in seen or seen.add(n)})
    if duplicates:
        raise ValueError(f"{section} has duplicate names {duplicates}")


def _describe(error: ValidationError) -> str:
    """One line naming the first problem's location in ``study.toml``."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    message = re.sub(r"^Value error, ", "", first["msg"])
    more = f" (and {error.error_count() - 1} more problems)" if error.error_count() > 1 else ""
    return " ".join(f"{where}: {message}{more}".split())


def parse_study(data: Mapping[str, Any], *, source: str = STUDY_FILE) -> Study:
    """Validate a parsed ``study.toml`` mapping."""
    if not isinstance(data, Mapping):
        raise StudyError(f"{source} must hold a table of settings, not {type(data).__name__}")
    try:
        return Study.model_validate(dict(data))
    except ValidationError as exc:
        raise StudyError(f"{source} is not a valid study: {_describe(exc)}") from None


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
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:  # TOMLDecodeError is a ValueError
        raise StudyError(f"{path} is not valid TOML ({exc}); fix the syntax") from None
    except RecursionError:
        raise StudyError(f"{path} is nested too deeply to be a study file") from None
    return parse_study(data, source=str(path)), raw


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
    """Write ``root/study.toml`` atomically (temporary file, then rename)."""
    path = Path(root) / STUDY_FILE
    temp = path.with_name(f".{STUDY_FILE}.tmp")
    temp.write_text(study_toml(study), encoding="utf-8")
    temp.replace(path)
    return path


def write_new_study(root: Path, *, crs: str = "EPSG:31370", name: str | None = None) -> Path:
    """Write the ``study.toml`` of a new, empty study; refuse to overwrite one."""
    root = Path(root)
    if (root / STUDY_FILE).exists():
        raise StudyError(f"{root} already holds a {STUDY_FILE}; choose an empty folder")
    root.mkdir(parents=True, exist_ok=True)
    return save_study(Study(name=name or root.resolve().name, crs=crs), root)
