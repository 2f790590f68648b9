"""Saving the model builder's draft into ``study.toml``, as the base model or as a scenario.

The file is edited in place with tomlkit: a setting whose value does not change keeps its
line, with its comment; a changed value is replaced where it stands; a new setting goes after
the last setting of its table, a new criterion or exclusion after the last one; a removed
item takes only its own lines and the blank lines after it (the comments that follow, which
introduce what comes next, stay). New tables go to the end of the file.

A save is refused when the file changed since the draft was loaded: the caller names the
version it loaded by its :func:`etag` (the SHA-256 of the bytes), and the file is read,
compared, validated as a whole (:func:`parkplan.study.parse_study`) and replaced atomically
(temporary file, ``fsync``, rename) under one lock.

A scenario (``[[scenarios]]``) can only reweigh the criteria, drop exclusions and change the
aggregation: a draft that changes a criterion's definition or transform, or adds or changes
an exclusion, is refused as a scenario (save it as the base model). The scenario stores the
draft's weights as direct weights, whatever method produced them.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from pydantic import BaseModel
from tomlkit.items import AoT, InlineTable, Table, Whitespace

from geo.atomic import write_atomically
from parkplan.errors import StudyError
from parkplan.model_builder import DraftModel, applied, draft_of, draft_weights
from parkplan.study import STUDY_FILE, ScenarioConfig, Study, parse_study, read_toml

#: Decimals of the weights a scenario stores.
WEIGHT_DECIMALS = 6
_SAVE_LOCK = threading.Lock()


class StaleStudyError(StudyError):
    """``study.toml`` changed on disk since the draft was loaded."""


def etag(raw: bytes) -> str:
    """The version of a ``study.toml``: the SHA-256 of its bytes, in hex."""
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class Saved:
    """A save: the file written, its new version, and the study as now written."""

    path: Path
    etag: str
    study: Study


def save_draft(
    root: Path,
    draft: DraftModel,
    *,
    loaded: str,
    scenario: str | None = None,
    description: str | None = None,
) -> Saved:
    """Write ``draft`` into ``root/study.toml`` as the base model or as ``scenario``; refuse
    with :class:`StaleStudyError` when the file is no longer version ``loaded``."""
    path = Path(root) / STUDY_FILE
    with _SAVE_LOCK:
        raw = path.read_bytes()
        check_version(raw, loaded)
        text, data = read_toml(path, raw)
        study = parse_study(data, source=STUDY_FILE, text=text)
        document = tomlkit.parse(text)
        if scenario is None:
            edit_base(document, study, draft)
        else:
            edit_scenario(document, study, draft, scenario, description)
        new_text = tomlkit.dumps(document)
        saved = parse_study(tomlkit.parse(new_text).unwrap(), source=STUDY_FILE, text=new_text)
        check_version(path.read_bytes(), loaded)
        write_atomically(path, new_text)
    return Saved(path, etag(new_text.encode("utf-8")), saved)


def check_version(raw: bytes, loaded: str) -> None:
    """Refuse a file that is not the version the draft was loaded from."""
    if etag(raw) != loaded:
        raise StaleStudyError(
            f"{STUDY_FILE} changed since this model was loaded (someone saved it, or it was "
            "edited on disk); nothing was written; reload the page to get the current model "
            "and make your changes again"
        )


# -- the base model ---------------------------------------------------------------------------


def edit_base(document: tomlkit.TOMLDocument, study: Study, draft: DraftModel) -> None:
    """Make the document's criteria, exclusions, weights and aggregation those of ``draft``."""
    edit_items(document, "criteria", study.criteria, draft.criteria)
    edit_items(document, "exclusions", study.exclusions, draft.exclusions)
    edit_section(document, "weights", study.weights, draft.weights)
    edit_section(document, "aggregation", study.aggregation, draft.aggregation)


def edit_section(
    document: tomlkit.TOMLDocument, key: str, current: BaseModel, wanted: BaseModel
) -> None:
    """Make the table ``key`` say ``wanted``, changing only the settings that differ."""
    if current == wanted:
        return
    if key in document:
        edit_table(document[key], current, wanted)
    else:
        document.add(key, new_table(wanted))
        document.add(tomlkit.nl())


def edit_items(
    document: tomlkit.TOMLDocument,
    key: str,
    current: list[Any],
    wanted: list[Any],
) -> None:
    """Make the array of tables ``key`` hold the ``wanted`` items (by name): removed items
    go, kept ones change where they differ, new ones are added after the last."""
    names = [item.name for item in current]
    wanted_names = [item.name for item in wanted]
    kept = [name for name in wanted_names if name in names]
    if kept != [name for name in names if name in wanted_names]:
        raise StudyError(
            f"the draft lists the [[{key}]] in another order ({', '.join(kept)}) than "
            f"{STUDY_FILE}; keep their order (new ones go last)"
        )
    if not current and not wanted:
        return
    array = new_array(document, key)
    for index in reversed(range(len(names))):
        if names[index] not in wanted_names:
            remove_element(document, key, array, index)
    if not wanted:
        document.remove(key)
        return
    by_name = {item.name: item for item in current}
    for index, item in enumerate(wanted):
        if item.name in by_name:
            edit_table(array[kept.index(item.name)], by_name[item.name], item)
        elif wanted_names[index:] and all(n not in by_name for n in wanted_names[index:]):
            append_element(array, new_table(item))
        else:
            raise StudyError(
                f"the new item {item.name!r} of [[{key}]] stands before existing ones; "
                "add new items after the last"
            )


def new_array(document: tomlkit.TOMLDocument, key: str) -> AoT:
    """The array of tables ``key``: the document's, or a new one at its end."""
    array = document.get(key)
    if isinstance(array, AoT):
        return array
    if key in document:
        document.remove(key)
    if not tomlkit.dumps(document).endswith("\n\n"):
        document.add(tomlkit.nl())
    document.add(key, tomlkit.aot())
    return document[key]


def remove_element(document: tomlkit.TOMLDocument, key: str, array: AoT, index: int) -> None:
    """Remove item ``index`` of ``array`` and the blank lines after it; the comments after
    them (they introduce what follows) move to the end of what precedes it."""
    _, comments = split_blank(pop_trailing(tail(array[index])))
    del array[index]
    before = tail(array[index - 1]) if index > 0 else previous_table(document, key)
    if before is not None:
        for item in comments:
            before.add(item)


def append_element(array: AoT, table: Table) -> None:
    """Add ``table`` after the last item of ``array``, with a blank line after it; the
    comments that closed the array (they introduce what follows it) close it again."""
    blank: list[Any] = []
    rest: list[Any] = []
    if len(array):
        last = tail(array[-1])
        blank, rest = split_blank(pop_trailing(last))
        for item in blank:
            last.add(item)
    array.append(table)
    array[-1].trivia.indent = ""  # the blank line before it is the previous item's
    end = tail(table)
    end.add(tomlkit.nl())
    for item in rest:
        end.add(item)


def split_blank(items: list[Any]) -> tuple[list[Any], list[Any]]:
    """The blank lines at the start of ``items``, and the rest."""
    count = 0
    while count < len(items) and isinstance(items[count], Whitespace):
        count += 1
    return items[:count], items[count:]


def previous_table(document: tomlkit.TOMLDocument, key: str) -> Table | None:
    """The innermost last table before ``key`` in the document, if any."""
    previous = None
    for name, item in document.body:
        if name is not None and name.key == key:
            break
        if isinstance(item, Table):
            previous = tail(item)
        elif isinstance(item, AoT) and len(item):
            previous = tail(item[-1])
    return previous


def tail(table: Table) -> Table:
    """The table whose lines come last when ``table`` is written (its last sub-table's)."""
    body = table.value.body
    if body and body[-1][0] is not None and isinstance(body[-1][1], Table):
        return tail(body[-1][1])
    return table


def pop_trailing(table: Table) -> list[Any]:
    """Remove and return the comments and blank lines after the last setting of ``table``."""
    body = table.value.body
    trailing: list[Any] = []
    while body and body[-1][0] is None:
        trailing.insert(0, body.pop()[1])
    return trailing


def edit_table(table: Table | InlineTable, current: BaseModel, wanted: BaseModel) -> None:
    """Set the settings of ``wanted`` that differ from ``current`` in ``table``; a setting
    that is no longer given (``None``, or one of another kind) is removed."""
    for name in {**type(wanted).model_fields, **type(current).model_fields}:
        old, new = getattr(current, name, None), getattr(wanted, name, None)
        if old == new:
            continue
        nested = table.get(name)
        if isinstance(new, BaseModel) and isinstance(old, BaseModel) and nested is not None:
            edit_table(nested, old, new)
        elif isinstance(new, dict) and isinstance(nested, Table | InlineTable):
            edit_mapping(nested, old or {}, new)
        elif new is None:
            if name in table:
                table.remove(name)
        else:
            set_value(table, name, toml_value(new, inline=True))


def edit_mapping(table: Table | InlineTable, current: dict, wanted: dict) -> None:
    """Make ``table`` hold the keys and values of ``wanted``."""
    for key in [k for k in current if k not in wanted]:
        table.remove(key)
    for key, value in wanted.items():
        if current.get(key) != value or key not in table:
            set_value(table, key, toml_value(value, inline=True))


def set_value(table: Table | InlineTable, key: str, value: Any) -> None:
    """Set ``key``: in its place when it exists, else after the table's last setting."""
    if key in table or isinstance(table, InlineTable) or _has_subtable(table):
        table[key] = value
        return
    trailing = pop_trailing(table)
    table.add(key, value)
    for item in trailing:
        table.add(item)


def _has_subtable(table: Table) -> bool:
    return any(isinstance(item, Table | AoT) for _, item in table.value.body)


def new_table(section: BaseModel) -> Table:
    """A new table of ``section``'s settings (``None`` and defaults left out), nested sections
    as sub-tables."""
    table = tomlkit.table()
    for name, value in section:
        field = type(section).model_fields[name]
        if value is None or (not field.is_required() and value == field.default):
            continue
        if isinstance(value, BaseModel):
            table.add(name, new_table(value))
        else:
            table.add(name, toml_value(value, inline=name != "weights"))
    return table


def toml_value(value: Any, *, inline: bool) -> Any:
    """``value`` as TOML: a mapping as an inline table (or a table), a list of lists over
    several lines, tuples as arrays."""
    if isinstance(value, BaseModel):
        return toml_value(value.model_dump(mode="json", exclude_none=True), inline=inline)
    if isinstance(value, dict):
        table = tomlkit.inline_table() if inline else tomlkit.table()
        for key, item in value.items():
            table.add(key, toml_value(item, inline=True))
        return table
    if isinstance(value, list | tuple):
        array = tomlkit.array()
        array.extend(toml_value(item, inline=True) for item in value)
        if any(isinstance(item, list | tuple) for item in value):
            array.multiline(True)
        return array
    return value


# -- a scenario -------------------------------------------------------------------------------


def scenario_of(study: Study, draft: DraftModel, name: str, description: str) -> ScenarioConfig:
    """The scenario that gives ``draft`` on ``study``'s base model: the draft's weights (as
    direct weights), the base exclusions it leaves out, its aggregation when it differs."""
    base = draft_of(study)
    _same_criteria(base, draft)
    exclusions = {e.name: e for e in base.exclusions}
    for exclusion in draft.exclusions:
        if exclusions.get(exclusion.name) != exclusion:
            raise StudyError(
                f"a scenario can only drop exclusions of the base model, and exclusion "
                f"{exclusion.name!r} is new or changed; save it as the base model instead"
            )
    kept = {e.name for e in draft.exclusions}
    weights = draft_weights(applied(study, draft)).weights
    return ScenarioConfig(
        name=name,
        weights={k: round(w, WEIGHT_DECIMALS) for k, w in weights.items()},
        drop_exclusions=[e.name for e in base.exclusions if e.name not in kept],
        aggregation=None if draft.aggregation == study.aggregation else draft.aggregation,
        description=description,
    )


def _same_criteria(base: DraftModel, draft: DraftModel) -> None:
    """Refuse a draft whose criteria are not the base model's (weights and ranks aside)."""
    unweighted = {"weight": None, "rank": None}
    old = {c.name: c.model_copy(update=unweighted) for c in base.criteria}
    new = {c.name: c.model_copy(update=unweighted) for c in draft.criteria}
    for name in sorted(old.keys() | new.keys()):
        if old.get(name) != new.get(name):
            change = (
                "is new" if name not in old else "is left out" if name not in new else "differs"
            )
            raise StudyError(
                f"a scenario can only change the weights, drop exclusions and set the "
                f"aggregation, and criterion {name!r} {change} from the base model; save it "
                "as the base model instead"
            )


def edit_scenario(
    document: tomlkit.TOMLDocument,
    study: Study,
    draft: DraftModel,
    name: str,
    description: str | None,
) -> None:
    """Add the scenario ``name`` of ``draft``, or change the one of that name in place."""
    existing = {s.name: (k, s) for k, s in enumerate(study.scenarios)}
    if name in existing:
        index, current = existing[name]
        wanted = scenario_of(
            study, draft, name, current.description if description is None else description
        )
        edit_table(document["scenarios"][index], current, wanted)
        return
    wanted = scenario_of(study, draft, name, description or "")
    array = new_array(document, "scenarios")
    append_element(array, new_table(wanted))
