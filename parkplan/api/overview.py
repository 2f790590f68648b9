"""What the study's home page and runs page show, as frozen rows of text in the page's language.

Read from ``study.toml``, the workspace catalogue, the run store (the kept runs and their
``run.json``) and this server's background runs. Every text from data stays data: the
templates print it escaped; a warning is said by :func:`webmap.notices.notice_sentence`, which
escapes its figures. Server paths are reduced by the app's redactor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from urllib.parse import urlencode

from markupsafe import Markup

from geo.layers.provenance import LayerInfo
from parkplan import report
from parkplan.api.app_pages import Lang
from parkplan.api.jobs import RunStatus
from parkplan.api.page_text import FACT_TEXT, PAGE_TEXT, STAGE_TEXT, STATUS_TEXT
from parkplan.api.routers.downloads import KeptRun, kept_runs
from parkplan.api.run_choice import what_label
from parkplan.errors import StudyError
from parkplan.run_facts import RunFacts, read_run_facts
from parkplan.stages import STAGES
from parkplan.study import PARTNER_FACTS, PartnerConfig, ScenarioConfig, Study
from webmap.formats import Formats
from webmap.notices import notice_sentence
from webmap.prose import Names
from webmap.report_model import RunNotice

Redact = Callable[[object], str]
#: Decimals each partner fact is shown with.
FACT_DIGITS = {"population": 0, "demand_ha": 1, "municipal_opcentiemen": 0}


def page_url(path: str, lang: Lang, **query: str) -> str:
    """``path`` with ``query`` (empty values left out) and ``lang=en`` for English."""
    pairs = {key: value for key, value in query.items() if value}
    if lang == "en":
        pairs["lang"] = "en"
    return f"{path}?{urlencode(pairs)}" if pairs else path


# -- partners, layers, scenarios -------------------------------------------------------------


@dataclass(frozen=True)
class PartnerRow:
    """A partner and its facts in :data:`PARTNER_FACTS` order (``None``: unknown)."""

    name: str
    facts: tuple[str | None, ...]


def partner_rows(study: Study, lang: Lang) -> tuple[PartnerRow, ...]:
    return tuple(PartnerRow(p.name, partner_facts(p, Formats(lang))) for p in study.partners)


def partner_facts(partner: PartnerConfig, fmt: Formats) -> tuple[str | None, ...]:
    """Each fact formatted, ``None`` where it is unknown (never 0)."""
    shown: list[str | None] = []
    for fact in PARTNER_FACTS:
        value = getattr(partner, fact)
        if value is None:
            shown.append(None)
        elif fact.endswith("_eur"):
            shown.append(fmt.euro(value))
        else:
            shown.append(fmt.number(value, FACT_DIGITS.get(fact, 0)))
    return tuple(shown)


def fact_headings(lang: Lang) -> tuple[str, ...]:
    return tuple(FACT_TEXT[lang][fact] for fact in PARTNER_FACTS)


@dataclass(frozen=True)
class LayerRow:
    """A layer of the workspace catalogue: name, kind, CRS, size in words, source file."""

    name: str
    kind: str
    crs: str
    size: str
    source: str


def layer_rows(layers: list[LayerInfo], lang: Lang, redact: Redact) -> tuple[LayerRow, ...]:
    return tuple(
        LayerRow(info.name, info.kind, info.crs, layer_size(info, lang), source_name(info, redact))
        for info in layers
    )


def source_name(info: LayerInfo, redact: Redact) -> str:
    """Where a layer came from: a service's address as recorded (redacted), else the file's
    name (no server path)."""
    if "://" in info.source:
        return redact(info.source)
    return PurePath(info.source.replace("\\", "/")).name


def layer_size(info: LayerInfo, lang: Lang) -> str:
    """The size in words: "12 features", "1.200 × 800 cells" ("" when unknown)."""
    fmt, text = Formats(lang), PAGE_TEXT[lang]
    if info.feature_count is not None:
        return text["features_n"].format(n=fmt.number(info.feature_count))
    if info.width is not None and info.height is not None:
        return text["cells_n"].format(width=fmt.number(info.width), height=fmt.number(info.height))
    return ""


@dataclass(frozen=True)
class ScenarioRow:
    """The base model (``name`` ``None``) or a scenario, what it changes, its current run."""

    name: str | None
    label: str
    description: str
    changes: tuple[str, ...]
    current_run: str | None
    map_url: str
    report_url: str


def scenario_rows(study: Study, current: Mapping[str, str], lang: Lang) -> tuple[ScenarioRow, ...]:
    """The base model, then every scenario of ``study.toml``; ``current`` maps a link
    (``latest``, ``scenarios/NAME``) to the run it names."""
    rows = [scenario_row(None, "", (), current.get("latest"), lang)]
    for scenario in study.scenarios:
        run = current.get(f"scenarios/{scenario.name}")
        rows.append(
            scenario_row(
                scenario.name, scenario.description, scenario_changes(scenario, lang), run, lang
            )
        )
    return tuple(rows)


def scenario_row(
    name: str | None, description: str, changes: tuple[str, ...], run: str | None, lang: Lang
) -> ScenarioRow:
    return ScenarioRow(
        name,
        what_label(name, lang),
        description,
        changes,
        run,
        page_url("/map", lang, run=run or ""),
        page_url("/report", lang, run=run or ""),
    )


def scenario_changes(scenario: ScenarioConfig, lang: Lang) -> tuple[str, ...]:
    """What a scenario changes, one phrase per kind of change."""
    fmt, text = Formats(lang), PAGE_TEXT[lang]
    changes = []
    if scenario.weights:
        weights = ", ".join(f"{k} {fmt.trimmed(v, 3)}" for k, v in scenario.weights.items())
        changes.append(text["weights_changed"].format(weights=weights))
    if scenario.drop_exclusions:
        names = ", ".join(scenario.drop_exclusions)
        changes.append(text["exclusions_dropped"].format(names=names))
    if scenario.aggregation is not None:
        changes.append(text["aggregation_changed"].format(method=scenario.aggregation.method))
    return tuple(changes)


# -- runs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    name: str
    url: str


@dataclass(frozen=True)
class RunRow:
    """A kept run: when, what, which links name it, its warnings said in the page's language,
    and where to see and download it."""

    run_id: str
    what: str
    started: str
    finished: str
    current_for: tuple[str, ...]
    derived_from: str | None
    warnings: tuple[Markup, ...]
    map_url: str
    report_url: str
    compare_url: str
    downloads: tuple[Download, ...]
    zip_url: str


def run_rows(
    study: Study, study_dir: Path, lang: Lang, *, limit: int | None = None
) -> tuple[RunRow, ...]:
    """The kept runs of the study, newest first (at most ``limit``)."""
    return tuple(run_row(run, study, lang) for run in kept_runs(study_dir)[:limit])


def run_row(run: KeptRun, study: Study, lang: Lang) -> RunRow:
    identity, fmt = run.record.identity, Formats(lang)
    finished = run.record.finished_at
    base = f"/api/runs/{run.run_id}/files"
    return RunRow(
        run_id=run.run_id,
        what=what_label(identity.scenario, lang),
        started=fmt.timestamp(identity.started_at),
        finished=fmt.timestamp(finished) if finished else "",
        current_for=tuple(current_label(link, lang) for link in run.record.current_for),
        derived_from=identity.derived_from,
        warnings=run_warnings(run.record.folder, study, lang),
        map_url=page_url("/map", lang, run=run.run_id),
        report_url=page_url("/report", lang, run=run.run_id),
        compare_url=page_url("/compare", lang, right=run.run_id),
        downloads=tuple(Download(name, f"{base}/{name}") for name in run.files),
        zip_url=f"{base}.zip",
    )


def current_label(link: str, lang: Lang) -> str:
    """``latest`` → "Base model"; ``scenarios/NAME`` → "Scenario ‘NAME’"."""
    return what_label(None if link == "latest" else link.split("/", 1)[1], lang)


def run_warnings(folder: Path, study: Study, lang: Lang) -> tuple[Markup, ...]:
    """The warnings of the run in ``folder``, each said in ``lang`` from its code and figures."""
    facts = read_run_facts(folder)
    if facts is None or not (facts.warnings or facts.notices):
        return ()
    names = run_names(study, facts, lang)
    fmt = Formats(lang)
    return tuple(warning_sentence(n, names, fmt) for n in report.notices(facts))


def run_names(study: Study, facts: RunFacts | None, lang: Lang) -> Names:
    """How the run's criteria and keys are named in ``lang``."""
    try:
        variant = study.scenario(facts.scenario if facts else None)
    except StudyError:
        variant = study
    return Names.of(lang, report.criteria(variant, facts), (), report.sharing_keys(variant))


def warning_sentence(notice: RunNotice, names: Names, fmt: Formats) -> Markup:
    """The notice said from its code; its English sentence (escaped) when its figures do not
    fit the sentence (a run of another version)."""
    try:
        return notice_sentence(notice, names, fmt)
    except (KeyError, TypeError, ValueError, IndexError):
        return Markup('<span lang="en">{}</span>').format(notice.text)


# -- this server's background runs ------------------------------------------------------------


@dataclass(frozen=True)
class JobRow:
    """A run of this server (queued, running, or ended since the server started)."""

    id: str
    status: str
    status_label: str
    what: str
    stage: str
    percent: int
    error: str
    run_id: str | None
    map_url: str


def job_rows(statuses: tuple[RunStatus, ...], lang: Lang) -> tuple[JobRow, ...]:
    return tuple(job_row(status, lang) for status in statuses)


def job_row(status: RunStatus, lang: Lang) -> JobRow:
    return JobRow(
        id=status.id,
        status=status.status,
        status_label=STATUS_TEXT[lang][status.status],
        what=what_label(status.scenario, lang),
        stage="" if status.status == "done" else STAGE_TEXT[lang].get(status.stage or "", ""),
        percent=round(100 * status.progress),
        error=status.error or "",
        run_id=status.run_id,
        map_url=page_url("/map", lang, run=status.run_id or ""),
    )


@dataclass(frozen=True)
class StageLabel:
    name: str
    label: str


def stage_labels(lang: Lang) -> tuple[StageLabel, ...]:
    """The stages of a run in order, in words."""
    return tuple(StageLabel(name, STAGE_TEXT[lang][name]) for name in STAGES)
