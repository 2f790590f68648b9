"""Which run a page shows: the current run of the base model or of a scenario, or a kept run
named by its id; and, when it does not exist, a sentence in the page's language saying so.

A choice travels in a query as one value (what a select list sends): empty for the base
model, a scenario name (:data:`parkplan.study.NAME_PATTERN`) or a run id
(:data:`parkplan.runs.RUN_ID`); the two patterns never match the same text. Folders come from
the :class:`~parkplan.runs.RunStore`, never from the request's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException

from parkplan.api.app_pages import Lang
from parkplan.api.page_text import PAGE_TEXT
from parkplan.errors import StudyError
from parkplan.runs import RUN_ID, RunRecord, RunStore
from parkplan.study import NAME_PATTERN
from webmap.formats import Formats


@dataclass(frozen=True)
class RunChoice:
    """The current run of the base model (neither set) or of ``scenario``, or the kept run
    ``run_id``."""

    scenario: str | None = None
    run_id: str | None = None

    @property
    def value(self) -> str:
        """The choice as one query value."""
        return self.run_id or self.scenario or ""


BASE = RunChoice()


def parse_choice(value: str | None) -> RunChoice:
    """The choice a query value names; 422 for a value that is neither a scenario nor a run."""
    if not value:
        return BASE
    if re.fullmatch(NAME_PATTERN, value):
        return RunChoice(scenario=value)
    if RUN_ID.fullmatch(value):
        return RunChoice(run_id=value)
    raise HTTPException(422, "expected a scenario name or a run id (see GET /api/runs)")


class MissingResultsError(Exception):
    """The run a page asks for does not exist, or lacks the file it needs."""

    def __init__(self, choice: RunChoice, file: str | None = None) -> None:
        super().__init__(choice.value, file)
        self.choice, self.file = choice, file

    def sentence(self, lang: Lang) -> str:
        """What is missing, in ``lang``."""
        text = PAGE_TEXT[lang]
        if self.choice.run_id is not None and self.file is None:
            return text["no_kept_run"].format(run=self.choice.run_id)
        which = subject(self.choice, lang)
        if self.file is None:
            return text["no_results"].format(which=which)
        return text["no_file"].format(which=which, file=self.file)


def subject(choice: RunChoice, lang: Lang) -> str:
    """The base model, a scenario or a run, as the subject of a sentence."""
    text = PAGE_TEXT[lang]
    if choice.run_id is not None:
        return choice.run_id
    if choice.scenario is not None:
        return text["which_scenario"].format(name=choice.scenario)
    return text["which_study"]


def run_folder(study_dir: Path, choice: RunChoice) -> Path:
    """The folder of the chosen run; :class:`MissingResultsError` when there is none."""
    store = RunStore(study_dir)
    if choice.run_id is not None:
        record = kept_record(store, choice.run_id)
        if record is None:
            raise MissingResultsError(choice)
        return record.folder
    try:
        return store.folder(choice.scenario)
    except StudyError:
        raise MissingResultsError(choice) from None


def run_file(study_dir: Path, choice: RunChoice, name: str) -> Path:
    """The file ``name`` (one of the run's fixed output names) of the chosen run."""
    path = run_folder(study_dir, choice) / name
    if not path.is_file():
        raise MissingResultsError(choice, name)
    return path


def kept_record(store: RunStore, run_id: str) -> RunRecord | None:
    """The complete run ``run_id`` of the store, ``None`` when it keeps none."""
    return next((r for r in store.records() if r.identity.run_id == run_id), None)


def what_label(scenario: str | None, lang: Lang) -> str:
    """The base model or a scenario in words: "Base model", "Scenario ‘name’"."""
    text = PAGE_TEXT[lang]
    return text["base_model"] if scenario is None else text["scenario_named"].format(name=scenario)


def record_label(record: RunRecord, lang: Lang) -> str:
    """A kept run as a select list names it: when it started, what it ran, and the end of its
    id (two runs may start in the same minute)."""
    identity = record.identity
    when = PAGE_TEXT[lang]["run_of"].format(time=Formats(lang).timestamp(identity.started_at))
    return f"{when} · {what_label(identity.scenario, lang)} ({identity.run_id.rsplit('-', 1)[-1]})"
