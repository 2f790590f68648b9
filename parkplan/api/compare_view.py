"""What ``/compare`` shows of two runs, as frozen values of text in the page's language: the
choices of the select lists, the synchronised maps with the score difference
(:func:`webmap.maps.compare_html`), the rank-change table and the equalisation side by side
(:mod:`parkplan.comparison`).

A part that cannot be made (a run without a score raster, without equalisation...) is left
out with a one-line reason; the rest of the page still shows. The maps of two runs are cached
by run id (published runs never change) and the state of ``study.toml`` and the layers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from rasterio.errors import RasterioError

from equalisation.errors import EqualisationError
from geo.errors import GeoError
from parkplan import comparison, pipeline, views
from parkplan.api.app_pages import Lang
from parkplan.api.overview import run_names
from parkplan.api.page_text import PAGE_TEXT
from parkplan.api.routers.docs import ASSETS_PREFIX
from parkplan.api.run_choice import (
    BASE,
    RunChoice,
    kept_record,
    record_label,
    run_folder,
    what_label,
)
from parkplan.errors import ParkplanError
from parkplan.run_facts import read_run_facts
from parkplan.runs import RunStore
from parkplan.study import Study, load_study
from parkplan.workspace import Workspace
from webmap.assets import AssetSource, served_links
from webmap.difference import ScoreDifference
from webmap.errors import WebmapError
from webmap.formats import Formats
from webmap.maps import compare_html

Redact = Callable[[object], str]
#: What may go wrong reading or drawing a run's files: said in one line, the rest still shown.
RESULT_ERRORS = (ParkplanError, GeoError, EqualisationError, WebmapError, RasterioError, OSError)
#: Comparisons whose maps are kept in memory.
CACHED_MAPS = 4


@dataclass(frozen=True)
class Option:
    """One entry of a select list: the query value and its label."""

    value: str
    label: str


@dataclass(frozen=True)
class Side:
    """One run of the comparison: how it was chosen, its label and folder."""

    choice: RunChoice
    label: str
    folder: Path


@dataclass(frozen=True)
class Maps:
    """The synchronised maps (a page for an ``iframe``), the score difference drawn in them,
    and why either is missing ("" when present)."""

    html: str | None
    problem: str
    difference: ScoreDifference | None
    difference_problem: str


@dataclass(frozen=True)
class RankRow:
    """A row of the rank-change table, as shown; ``direction``: up, down, same or none."""

    left_site: str
    left_rank: str
    right_site: str
    right_rank: str
    change: str
    direction: str
    left_score: str
    right_score: str


@dataclass(frozen=True)
class Money:
    """A partner's figures under one run's chosen key, as shown."""

    paid: str
    received: str
    net_pv: str


@dataclass(frozen=True)
class MoneyRow:
    partner: str
    left: Money | None
    right: Money | None


@dataclass(frozen=True)
class MoneyTable:
    """The equalisation side by side: each run's key in words ("" without equalisation)."""

    left_key: str
    right_key: str
    rows: tuple[MoneyRow, ...]


@dataclass(frozen=True)
class Comparison:
    left: Side
    right: Side
    maps: Maps
    difference_range: str
    ranks: tuple[RankRow, ...]
    ranks_problem: str
    money: MoneyTable | None
    money_problem: str


# -- the choices -----------------------------------------------------------------------------


def options(study: Study, study_dir: Path, lang: Lang) -> tuple[Option, ...]:
    """The base model, each scenario, then each kept run (newest first)."""
    found = [Option("", what_label(None, lang))]
    found += [Option(s.name, what_label(s.name, lang)) for s in study.scenarios]
    found += [
        Option(r.identity.run_id, record_label(r, lang)) for r in RunStore(study_dir).records()
    ]
    return tuple(found)


def default_right(study: Study, study_dir: Path) -> RunChoice:
    """What the right side shows unless asked: the first scenario with a run, else the
    previous kept run, else the base model."""
    store = RunStore(study_dir)
    for scenario in study.scenarios:
        if store.current_id(scenario.name) is not None:
            return RunChoice(scenario=scenario.name)
    records = store.records()
    current = store.current_id(None)
    older = [r for r in records if r.identity.run_id != current]
    return RunChoice(run_id=older[0].identity.run_id) if older else BASE


def side(study_dir: Path, choice: RunChoice, lang: Lang) -> Side:
    """The chosen run; :class:`~parkplan.api.run_choice.MissingResultsError` when none."""
    folder = run_folder(study_dir, choice)
    if choice.run_id is None:
        return Side(choice, what_label(choice.scenario, lang), folder)
    record = kept_record(RunStore(study_dir), choice.run_id)
    return Side(choice, record_label(record, lang) if record else choice.run_id, folder)


# -- the parts -------------------------------------------------------------------------------


def comparison_of(
    study_dir: Path, left: Side, right: Side, lang: Lang, redact: Redact
) -> Comparison:
    """Every part of the comparison of ``left`` and ``right``."""
    study = load_study(study_dir)
    maps = draw_maps(
        study_dir,
        left.folder,
        right.folder,
        left.label,
        right.label,
        lang,
        state_of(study_dir),
        redact,
    )
    ranks: tuple[RankRow, ...] = ()
    ranks_problem = ""
    try:
        ranks = rank_rows(comparison.run_rank_changes(left.folder, right.folder), lang)
    except RESULT_ERRORS as exc:
        ranks_problem = redact(exc)
    money, money_problem = None, ""
    try:
        money = money_table(study, left, right, lang)
    except RESULT_ERRORS as exc:
        money_problem = redact(exc)
    difference_range = range_text(maps.difference, lang)
    return Comparison(
        left, right, maps, difference_range, ranks, ranks_problem, money, money_problem
    )


def state_of(study_dir: Path) -> tuple:
    """What the maps depend on besides the runs: ``study.toml`` and the layers' sources."""
    stat = (study_dir / "study.toml").stat()
    layers = tuple((i.name, i.sha256) for i in Workspace.open(study_dir).list_layers())
    return (stat.st_mtime_ns, stat.st_size, layers)


@lru_cache(maxsize=CACHED_MAPS)
def draw_maps(
    study_dir: Path,
    left: Path,
    right: Path,
    left_label: str,
    right_label: str,
    lang: Lang,
    state: tuple,
    redact: Redact,
) -> Maps:
    """The maps of the runs in ``left`` and ``right`` on one view and, below them, right −
    left of their scores; kept for the last few comparisons (``state``: :func:`state_of`)."""
    difference, difference_problem = None, ""
    rasters = [folder / pipeline.SCORE_RASTER for folder in (left, right)]
    labels = (left_label, right_label)
    lacking = [label for label, path in zip(labels, rasters, strict=True) if not path.is_file()]
    if lacking:
        difference_problem = PAGE_TEXT[lang]["no_score"].format(which=lacking[0])
    else:
        try:
            difference = comparison.score_difference(*rasters)
        except RESULT_ERRORS as exc:
            difference_problem = redact(exc)
    try:
        study, workspace = load_study(study_dir), Workspace.open(study_dir)
        page = compare_html(
            views.run_map_data(study, workspace, left),
            views.run_map_data(study, workspace, right),
            left_title=left_label,
            right_title=right_label,
            lang=lang,
            difference=difference,
        )
    except RESULT_ERRORS as exc:
        return Maps(None, redact(exc), difference, difference_problem)
    html = served_links(page, AssetSource.default(), prefix=ASSETS_PREFIX)
    return Maps(html, "", difference, difference_problem)


def range_text(difference: ScoreDifference | None, lang: Lang) -> str:
    """The sentence "The largest difference: −0,31 to +0,27" ("" without a difference)."""
    if difference is None:
        return ""
    values = difference.overlay.values
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return ""
    fmt = Formats(lang)
    low, high = float(finite.min()), float(finite.max())
    return PAGE_TEXT[lang]["difference_range"].format(low=signed(low, fmt), high=signed(high, fmt))


def signed(value: float, fmt: Formats) -> str:
    shown = fmt.number(value, 2)
    return shown if shown.startswith("−") or shown in ("0,00", "0.00") else f"+{shown}"


def rank_rows(changes: tuple[comparison.RankChange, ...], lang: Lang) -> tuple[RankRow, ...]:
    return tuple(rank_row(change, lang) for change in changes)


def rank_row(change: comparison.RankChange, lang: Lang) -> RankRow:
    fmt, text = Formats(lang), PAGE_TEXT[lang]
    left, right, moved = change.left, change.right, change.change
    if moved is None:
        words, direction = text["only_left" if right is None else "only_right"], "none"
    elif moved > 0:
        words, direction = text["up_n"].format(n=moved), "up"
    elif moved < 0:
        words, direction = text["down_n"].format(n=-moved), "down"
    else:
        words, direction = text["same"], "same"
    return RankRow(
        left_site=left.site_id if left else "",
        left_rank=str(left.rank) if left else "",
        right_site=right.site_id if right else "",
        right_rank=str(right.rank) if right else "",
        change=words,
        direction=direction,
        left_score=fmt.score(left.score) if left else "",
        right_score=fmt.score(right.score) if right else "",
    )


def money_table(study: Study, left: Side, right: Side, lang: Lang) -> MoneyTable | None:
    """Each run's chosen key side by side (``None`` when neither run has equalisation)."""
    keys = [comparison.chosen_key(s.folder, study) for s in (left, right)]
    if keys == [None, None]:
        return None
    fmt = Formats(lang)
    rows = tuple(
        MoneyRow(partner, money_of(keys[0], partner, fmt), money_of(keys[1], partner, fmt))
        for partner in comparison.partner_names(*keys)
    )
    return MoneyTable(
        key_caption(study, left, keys[0], "left", lang),
        key_caption(study, right, keys[1], "right", lang),
        rows,
    )


def money_of(key: comparison.ChosenKey | None, partner: str, fmt: Formats) -> Money | None:
    """What ``partner`` pays, receives and nets under ``key``, in whole euros."""
    money = key.of(partner) if key is not None else None
    if money is None:
        return None
    cents = (money.paid_cents, money.received_cents, money.net_pv_cents)
    return Money(*(fmt.euro_of_cents(c) for c in cents))


def key_caption(
    study: Study, run: Side, key: comparison.ChosenKey | None, name: str, lang: Lang
) -> str:
    """A run's key in words: "Left: site 3 (host Aarbeke), sharing key ‘Population’"."""
    text = PAGE_TEXT[lang]
    if key is None:
        return f"{text[name]}: {text['money_missing']}"
    label = run_names(study, read_run_facts(run.folder), lang).key(key.key)
    return text["money_key"].format(side=text[name], site=key.site_id, host=key.host, key=label)
