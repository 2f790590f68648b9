"""``run.json``: who a run is, what it wrote, what it warned, and what it used and found.

A run writes its ``run.json`` from a :class:`RunFacts` and every reader reads it back as one
(:func:`read_run_facts`): the JSON keys are the fields' names, in their order. A file without
``format_version`` is of version 1; a field an older run did not write takes its default.
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

log = logging.getLogger(__name__)

RUN_JSON = "run.json"
#: The version of the format of ``run.json`` this parkplan writes and reads.
RUN_FACTS_VERSION: Final = 1
#: The fields a run writes about itself; the others say what it used and found.
RECORD_FIELDS = ("format_version", "run", "outputs", "warnings", "notices")


def parkplan_version() -> str:
    """The installed version of parkplan."""
    try:
        return metadata.version("parkplan")
    except metadata.PackageNotFoundError:
        return "unknown"


def new_run_id(now: datetime | None = None) -> str:
    """A new run id: the UTC time to the second and six random hex digits."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class RunIdentity:
    """Who a run is: its id and start time, what it ran (base model or scenario), the exact
    ``study.toml`` (SHA-256 of its bytes) and the layers it read (SHA-256 of each source), the
    version of parkplan, and the run it was derived from (the base run a scenario ranks, or the
    run whose sites ``parkplan equalise`` equalised again)."""

    run_id: str
    started_at: str
    scenario: str | None
    study_sha256: str
    inputs_sha256: Mapping[str, str] = field(default_factory=dict)
    parkplan_version: str = field(default_factory=parkplan_version)
    derived_from: str | None = None

    @classmethod
    def start(
        cls,
        *,
        scenario: str | None,
        study_sha256: str,
        inputs_sha256: Mapping[str, str],
        derived_from: str | None = None,
    ) -> RunIdentity:
        """The identity of a run starting now."""
        now = datetime.now(UTC)
        return cls(
            run_id=new_run_id(now),
            started_at=now.isoformat(timespec="seconds"),
            scenario=scenario,
            study_sha256=study_sha256,
            inputs_sha256=dict(sorted(inputs_sha256.items())),
            derived_from=derived_from,
        )

    def to_dict(self) -> dict:
        return asdict(self) | {"inputs_sha256": dict(self.inputs_sha256)}


@dataclass(frozen=True)
class FinishedRun(RunIdentity):
    """``run.json``'s ``"run"``: the run's identity and its end time."""

    finished_at: str | None = None

    @classmethod
    def of(cls, identity: RunIdentity, finished_at: str) -> FinishedRun:
        """``identity``, finished at ``finished_at``."""
        return cls(**asdict(identity), finished_at=finished_at)


def _nan_as_none(value: float | None) -> float | None:
    return None if value is not None and math.isnan(value) else value


#: A figure that may be unknown: NaN is kept as ``None`` (JSON ``null``).
MaybeFloat = Annotated[float | None, AfterValidator(_nan_as_none)]
#: A site's id as the site table has it (a number or a text).
SiteId = int | str


class Part(BaseModel):
    """A frozen part of ``run.json``."""

    model_config = ConfigDict(frozen=True)


class GridFacts(Part):
    """The analysis grid: CRS, top-left corner (m), cell size (m), width and height (cells)."""

    crs: str
    x_min: float
    y_max: float
    cell_size_m: float
    width: int
    height: int


class AggregationFacts(Part):
    """How the standardised criteria were combined (:class:`geo.aggregation.Aggregation`)."""

    method: str
    order_weights: tuple[float, ...] | None = None
    andness: float | None = None
    tradeoff: float | None = None


class ScoreStatsFacts(Part):
    """The score raster: range and mean of the scored cells (``None``: no cell scored), their
    count, the shares of the grid excluded and without data."""

    min: MaybeFloat
    mean: MaybeFloat
    max: MaybeFloat
    scored_cells: int
    share_excluded: float
    share_nodata: float


class ExclusionFacts(Part):
    """Area (ha) each exclusion removed alone and in sequence, the area excluded and the
    grid's area."""

    names: tuple[str, ...]
    alone_ha: tuple[float, ...]
    in_sequence_ha: tuple[float, ...]
    excluded_ha: float
    grid_ha: float


class RobustnessInputs(Part):
    """What the robustness draws varied (``transform_jitter``: σ per criterion)."""

    draws: int
    concentration: float
    transform_jitter: dict[str, float] = {}
    top_k: int = 3
    seed: int = 0


class LeaderRangeFacts(Part):
    """How far the weight of ``criterion`` can move alone before ``base_leader`` loses first
    place, and to whom (``None``: first all the way)."""

    criterion: str
    base_leader: SiteId
    weight: float
    loses_below: MaybeFloat = None
    rival_below: SiteId | None = None
    loses_above: MaybeFloat = None
    rival_above: SiteId | None = None


class NoticeFacts(Part):
    """A warning whole (:class:`parkplan.notices.Notice`): code, figures, English sentence."""

    code: str
    figures: dict[str, Any] = {}
    text: str


class RunFacts(Part):
    """The whole of ``run.json``: the run, the outputs it wrote (``None``: not listed), its
    warnings as sentences and whole (``None``: an older run kept only the sentences), then what
    it used and found: scenario, grid, weights (normalised, and as given when rescaled),
    aggregation, score statistics, exclusions, the number of sites, robustness and weight sweep
    (sentence and figures), and the language of its pages."""

    format_version: Literal[1] = RUN_FACTS_VERSION
    run: FinishedRun
    outputs: tuple[str, ...] | None = None
    warnings: tuple[str, ...] = ()
    notices: tuple[NoticeFacts, ...] | None = None
    scenario: str | None = None
    grid: GridFacts | None = None
    weights: dict[str, float] = {}
    weights_given: dict[str, float] | None = None
    weight_method: str | None = None
    aggregation: AggregationFacts | None = None
    score_stats: ScoreStatsFacts | None = None
    exclusions: ExclusionFacts | None = None
    sites: int | None = None
    robustness: str = ""
    robustness_inputs: RobustnessInputs | None = None
    weight_sweep: str = ""
    leader_ranges: tuple[LeaderRangeFacts, ...] = ()
    lang: str = "nl"

    def found(self) -> dict[str, Any]:
        """What the run used and found (the fields after :data:`RECORD_FIELDS`), which a run
        derived from it keeps."""
        return {name: value for name, value in self if name not in RECORD_FIELDS}


def read_run_facts(folder: Path) -> RunFacts | None:
    """The ``run.json`` of a run folder; ``None`` when it has none, or one that is unreadable
    or not of this format (said in the log)."""
    path = Path(folder) / RUN_JSON
    try:
        text = path.read_bytes()
    except OSError:
        return None
    try:
        return RunFacts.model_validate_json(text)
    except ValidationError as exc:
        log.warning("%s is not a run record of this parkplan (%s)", path, _first_error(exc))
        return None


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "the file"
    return f"{where}: {error['msg']}"
