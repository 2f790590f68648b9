"""Problems of a ``study.toml``, each with its place in the file and how to fix it.

A pydantic :class:`~pydantic.ValidationError` becomes a list of :class:`StudyProblem`: the
line (found by :mod:`parkplan.toml_lines`), the place in TOML terms
(``[[criteria]] #2 "rail" → transform.c``: 1-based item numbers and the item's ``name``), the
message (what was given, what was expected) and the fix. A validator that finds several
problems at once raises a :class:`PlacedValueError` that carries each one's path.
"""

from __future__ import annotations

import difflib
import json
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from parkplan.toml_lines import Path, line_of

#: The reference that every fix may point at.
REFERENCE = "docs/study-toml.md"
#: The anchor of the top-level settings in the reference.
TOP_LEVEL = "top-level-settings"
#: How many problems the one-line error message names (``parkplan check`` lists them all).
SHOWN_IN_ONE_LINE = 8
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_RANGE_FIXES = {
    "greater_than": "give a number above {gt}",
    "greater_than_equal": "give a number of at least {ge}",
    "less_than": "give a number below {lt}",
    "less_than_equal": "give a number of at most {le}",
    "finite_number": "give a finite number",
    "string_too_short": "give a text of at least {min_length} characters",
    "string_too_long": "shorten it to at most {max_length} characters",
    "string_pattern_mismatch": "use lower-case letters, digits and underscores, starting with a "
    "letter (e.g. rail_station)",
    "too_short": "give at least {min_length} items",
    "too_long": "give at most {max_length} items",
}
_TYPE_FIXES = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "string": "a text in quotes",
    "list": "a list [ ... ]",
    "dict": "a table",
    "model": "a table",
    "tuple": "a list [ ... ]",
}


@dataclass(frozen=True)
class StudyProblem:
    """One problem of a study: its line in ``study.toml`` (``None`` when the file does not
    show it), its place in TOML terms, what is wrong and how to fix it."""

    line: int | None
    place: str
    message: str
    fix: str

    def text(self, file: str = "study.toml") -> str:
        """``study.toml:12: [[criteria]] #2 "rail" → transform.c: message (fix: ...)``."""
        where = f"{file}:{self.line}" if self.line is not None else file
        return f"{where}: {self.place}: {self.message}{self._fix()}"

    def short(self) -> str:
        """The problem for a one-line summary: ``line 12 place: message (fix: ...)``."""
        where = f"line {self.line} " if self.line is not None else ""
        return f"{where}{self.place}: {self.message}{self._fix()}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def _fix(self) -> str:
        return f" (fix: {self.fix})" if self.fix else ""


class PlacedValueError(ValueError):
    """Several problems found by one validator, each with its path in the study data:
    ``(path, message, fix)`` triples."""

    def __init__(self, places: Sequence[tuple[Path, str, str]]) -> None:
        self.places = tuple(places)
        super().__init__("; ".join(message for _, message, _ in self.places))


def summary(source: str, problems: Sequence[StudyProblem]) -> str:
    """One line naming the problems (the first :data:`SHOWN_IN_ONE_LINE` of them)."""
    count = len(problems)
    shown = "; ".join(p.short() for p in problems[:SHOWN_IN_ONE_LINE])
    more = ""
    if count > SHOWN_IN_ONE_LINE:
        more = f"; and {count - SHOWN_IN_ONE_LINE} more ('parkplan check' lists them all)"
    noun = "problem" if count == 1 else "problems"
    return one_line(f"{source} has {count} {noun}: {shown}{more}")


def one_line(text: str) -> str:
    return " ".join(text.split())


Place = tuple[Path, str, str]


def error_places(error: ValidationError, data: Any, model: type[BaseModel]) -> list[Place]:
    """``(path, message, fix)`` of every problem of a failed validation of ``data``."""
    places: list[Place] = []
    for detail in error.errors():
        cause = (detail.get("ctx") or {}).get("error")
        if isinstance(cause, PlacedValueError):
            places += cause.places
            continue
        if detail["type"] in _UNION_TAG_ERRORS:
            places.append(_union_tag_place(detail, data, model))
            continue
        path = data_path(detail["loc"], data, missing=detail["type"] == "missing")
        places.append((path, *_words(detail, path, model, data)))
    return places


#: The errors of a union told apart by a key (``kind``): that key is missing or unknown.
_UNION_TAG_ERRORS = ("union_tag_not_found", "union_tag_invalid")


def _union_tag_place(detail: Mapping[str, Any], data: Any, model: type[BaseModel]) -> Place:
    """A union's key (``kind``) missing or unknown, placed at that key."""
    ctx = detail.get("ctx") or {}
    key = str(ctx.get("discriminator", "")).strip("'")
    path = (*data_path(detail["loc"], data), key)
    if detail["type"] == "union_tag_not_found":
        return path, "is required but missing", f"add {key} = …; {see_reference(path, model)}"
    expected = re.findall(r"'([^']*)'", str(ctx.get("expected_tags", "")))
    given = str(ctx.get("tag"))
    close = difflib.get_close_matches(given, expected, n=1, cutoff=0.6)
    message = f"{key} {given!r} is unknown; expected one of {', '.join(expected)}"
    if close:
        return path, f"{message}; did you mean {close[0]!r}?", f"write {close[0]!r}"
    return path, message, f"use one of {', '.join(expected)}"


def problem(
    path: Path,
    message: str,
    fix: str,
    data: Mapping[str, Any],
    lines: Mapping[Path, int],
    model: type[BaseModel],
) -> StudyProblem:
    """A problem at ``path`` of the study data (of ``model``), with its line and place."""
    where = place(path, data, model)
    return StudyProblem(line_of(lines, path), where, one_line(message), one_line(fix))


def by_line(problems: Sequence[StudyProblem]) -> list[StudyProblem]:
    """The problems in the order of the file (those without a line last)."""
    return sorted(problems, key=lambda p: (p.line is None, p.line or 0))


@dataclass(frozen=True)
class SetAside:
    """A study's data without the parts that have problems: each list section keeps the
    original index of each item left (``kept``); ``names`` are the names of the items and the
    keys of the tables set aside, by section."""

    data: dict[str, Any]
    kept: Mapping[str, tuple[int, ...]]
    names: Mapping[str, tuple[str, ...]]

    def original(self, path: Path) -> Path:
        """``path`` in this data as a path in the original data."""
        head = path[0] if path else None
        if len(path) > 1 and isinstance(head, str) and head in self.kept:
            kept, at = self.kept[head], path[1]
            if isinstance(at, int) and 0 <= at < len(kept):
                return (head, kept[at], *path[2:])
        return path


def set_aside(data: Mapping[str, Any], paths: Sequence[Path], model: type[BaseModel]) -> SetAside:
    """``data`` without the items, keys and sections at ``paths``: an item of a list section
    goes, a key of a table section goes, anything else takes the section's default (a
    required setting gets a stand-in)."""
    items: dict[str, set[int]] = {}
    keys: dict[str, set[str]] = {}
    whole: set[Any] = set()
    for path in paths:
        head, second = path[0], (path[1] if len(path) > 1 else None)
        value = data.get(head) if isinstance(head, str) else None  # a section's name: a str
        if isinstance(head, str) and isinstance(value, list) and isinstance(second, int):
            items.setdefault(head, set()).add(second)
        elif (
            isinstance(head, str)
            and isinstance(value, Mapping)
            and isinstance(second, str)
            and second in value
        ):
            keys.setdefault(head, set()).add(second)
        else:
            whole.add(head)
    kept: dict[str, tuple[int, ...]] = {}
    names: dict[str, tuple[str, ...]] = {}
    left: dict[str, Any] = {}
    for head, value in data.items():
        if head in whole:
            continue
        if head in items:
            kept[head] = tuple(i for i in range(len(value)) if i not in items[head])
            left[head] = [value[i] for i in kept[head]]
            names[head] = tuple(_names(value, items[head]))
        elif head in keys:
            left[head] = {k: v for k, v in value.items() if k not in keys[head]}
            names[head] = tuple(k for k in value if k in keys[head])
        else:
            left[head] = value
    for head in whole:  # a required text gets a stand-in, so that the rest can be checked
        field = model.model_fields.get(head) if isinstance(head, str) else None
        if field is not None and field.is_required() and field.annotation is str:
            left[head] = "unnamed"
    return SetAside(left, kept, names)


def _names(items: Sequence[Any], indices: set[int]) -> list[str]:
    picked = (items[i] for i in sorted(indices) if 0 <= i < len(items))
    found = (item.get("name") for item in picked if isinstance(item, Mapping))
    return [name for name in found if isinstance(name, str)]


def data_path(loc: Sequence[Any], data: Any, *, missing: bool = False) -> Path:
    """The path of a pydantic error location in the data: keys and indices that exist, and
    (``missing``) the name of the missing key that ends it; pydantic's own tags (``[key]``,
    union members) are left out."""
    path: list[str | int] = []
    current = data
    for at, part in enumerate(loc, 1):
        if (isinstance(current, Mapping) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        ):
            path.append(part)
            current = current[part]
        elif missing and at == len(loc) and isinstance(current, Mapping) and not _is_tag(part):
            path.append(part)  # a missing key
    return tuple(path)


def _is_tag(part: Any) -> bool:
    return not isinstance(part, str) or part == "[key]" or any(c in part for c in "[](),")


def place(path: Path, data: Mapping[str, Any], model: type[BaseModel]) -> str:
    """``path`` in TOML terms: the section (``[[criteria]] #2 "rail"``, ``[finance]``, or a
    table of ``model`` in it, ``[finance.assumptions]``), then the key within it."""
    if not path:
        return "(top level)"
    head, rest = path[0], path[1:]
    value = data.get(head) if isinstance(data, Mapping) and isinstance(head, str) else None
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        section = f"[[{key_text((head,))}]]"
        if rest and isinstance(rest[0], int):
            section += item_label(rest[0], value)
            rest = rest[1:]
    elif isinstance(value, Mapping):
        tables: Path = (head,)
        while (
            rest
            and isinstance(value.get(rest[0]), Mapping)
            and models_in(annotation_at(model, (*tables, rest[0])))
        ):
            value, tables, rest = value[rest[0]], (*tables, rest[0]), rest[1:]
        section = f"[{key_text(tables)}]"
    else:
        return key_text(path)
    return f"{section} → {key_text(rest)}" if rest else section


def item_label(index: int, items: Sequence[Any]) -> str:
    """`` #2 "rail"``: the 1-based number of an item and its name when it has one."""
    item = items[index] if 0 <= index < len(items) else None
    name = item.get("name") if isinstance(item, Mapping) else None
    return f" #{index + 1}" + (
        f" {json.dumps(name, ensure_ascii=False)}" if isinstance(name, str) else ""
    )


def key_text(path: Path) -> str:
    """Keys joined by dots (quoted when not bare), list items as `` #n`` (1-based), and
    `` → `` from an item to a key within it: ``rest #2 → kind``."""
    text, after_item = "", False
    for part in path:
        if isinstance(part, int):
            text, after_item = f"{text} #{part + 1}", True
            continue
        key = str(part) if _BARE_KEY.match(str(part)) else json.dumps(str(part), ensure_ascii=False)
        text += key if not text else (f" → {key}" if after_item else f".{key}")
        after_item = False
    return text


def see_reference(path: Path, model: type[BaseModel]) -> str:
    """``see docs/study-toml.md#SECTION`` for the section that holds ``path``."""
    head = path[0] if path else None
    known = isinstance(head, str) and head in model.model_fields
    target = annotation_at(model, (head,)) if known and head is not None else None
    section = _is_model(target) or typing.get_origin(target) in (list, dict)
    return f"see {REFERENCE}#{head if section else TOP_LEVEL}"


def _words(
    detail: Mapping[str, Any], path: Path, model: type[BaseModel], data: Any
) -> tuple[str, str]:
    """The message and the fix of one pydantic error."""
    kind = detail["type"]
    ctx = detail.get("ctx") or {}
    if kind == "missing":
        return (
            "is required but missing",
            f"add {key_text(path[-1:])} = …; {see_reference(path, model)}",
        )
    if kind == "extra_forbidden":
        return _unknown_key(path, model, data)
    message = re.sub(r"^Value error, ", "", str(detail["msg"]))
    if kind in ("value_error", "assertion_error"):
        return message, see_reference(path, model)
    message = f"{message}; given {_shown(detail.get('input'))}"
    if kind == "literal_error":
        return message, f"use one of {ctx.get('expected', 'the allowed values')}"
    if kind in _RANGE_FIXES:
        return message, _RANGE_FIXES[kind].format(**ctx)
    wanted = kind.split("_")[0]
    if wanted in _TYPE_FIXES:
        return message, f"give {_TYPE_FIXES[wanted]}; {see_reference(path, model)}"
    return message, see_reference(path, model)


def _shown(value: Any) -> str:
    """A short, one-line picture of a given value (never the repr of a deep structure)."""
    if isinstance(value, Mapping):
        return f"a table of {len(value)} keys"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} items"
    if isinstance(value, str) and len(value) > 60:
        return one_line(repr(value[:57]) + "...")
    return one_line(repr(value)[:60])


def _unknown_key(path: Path, model: type[BaseModel], data: Any) -> tuple[str, str]:
    """A key the table does not take: a misspelling, or a key of another kind."""
    key = str(path[-1]) if path else ""
    members = models_in(annotation_at(model, path[:-1]))
    kind = _kind_of(_value_at(data, path[:-1]))
    own = [m for m in members if kind in kinds_of(m)] or members
    others = [m for m in members if m not in own]
    known = list(dict.fromkeys(name for m in own for name in m.model_fields))
    theirs = [name for m in others for name in m.model_fields if name not in known]
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    meant = close or difflib.get_close_matches(key, theirs, n=1, cutoff=0.6)
    message = f"unknown key {key_text(path[-1:])}"
    if meant and meant[0] in theirs:
        kinds = [k for m in others if meant[0] in m.model_fields for k in kinds_of(m)]
        belongs = f"{meant[0]} is a key of kind {' or '.join(map(repr, kinds))}, not of {kind!r}"
        return (
            belongs if meant[0] == key else f"{message}; {belongs}",
            f'remove it, or set kind = "{kinds[0]}"',
        )
    if close:
        return f"{message}; did you mean {close[0]!r}?", f"write {close[0]!r} instead"
    if known and len(known) <= 12:
        message += f"; expected one of {', '.join(known)}"
    return message, f"remove it or correct its spelling; {see_reference(path, model)}"


def kinds_of(model: type[BaseModel]) -> tuple[str, ...]:
    """The values of ``kind`` a model takes (none when it has no ``kind``)."""
    return tuple(str(kind) for kind in typing.get_args(annotation_at(model, ("kind",))))


def kind_base(members: Sequence[type[BaseModel]]) -> type[BaseModel]:
    """The model the kinds of a union share (the keys every kind has)."""
    return next(c for c in members[0].__mro__ if all(issubclass(m, c) for m in members))


def _kind_of(item: Any) -> str | None:
    kind = item.get("kind") if isinstance(item, Mapping) else None
    return kind if isinstance(kind, str) else None


def _value_at(data: Any, path: Path) -> Any:
    """The value at ``path`` of the data (``None``: not there)."""
    for part in path:
        listed = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if not (listed or (isinstance(data, Mapping) and part in data)):
            return None
        data = data[part]
    return data


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """The models an annotation is: itself, or the members of a union (``[]``: none)."""
    annotation = _unwrapped(annotation)
    if _is_model(annotation):
        return [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [m for member in typing.get_args(annotation) for m in models_in(member)]
    return []


def annotation_at(model: type[BaseModel], path: Path) -> Any:
    """The type the schema expects at ``path``: models (and the union member that has the
    key), lists and dicts are followed."""
    current: Any = model
    for part in path:
        current = _unwrapped(current)
        holders = [m.model_fields[part] for m in models_in(current) if part in m.model_fields]
        if isinstance(part, str) and holders:
            current = holders[0].annotation
        elif typing.get_origin(current) in (list, tuple) and isinstance(part, int):
            current = (typing.get_args(current) or (Any,))[0]
        elif typing.get_origin(current) is dict:
            current = (typing.get_args(current) or (Any, Any))[-1]
        else:
            return Any
    return _unwrapped(current)


def _unwrapped(annotation: Any) -> Any:
    """``annotation`` without ``Annotated`` and ``| None``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
