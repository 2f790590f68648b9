"""Where each setting of a TOML file is written: paths of keys and items to line numbers.

:func:`toml_lines` scans the text of a file that :mod:`tomllib` has already accepted and maps
every path it sees to the 1-based line where it first appears: ``[section]`` and
``[[array]]`` headers, ``key = value`` lines (dotted keys included), keys of inline tables and
items of arrays. A path is a tuple of keys and 0-based list indices, as in ``tomllib``'s data
and pydantic's error locations: ``("criteria", 1, "transform", "c")``. Every prefix of a seen
path is mapped too (to the first line under it), so :func:`line_of` finds the nearest written
place of a setting that is missing or given as a whole table.

The scan is one pass of a regular expression over the tokens (no recursion), so it takes
linear time and no stack, whatever the nesting; on text that is not valid TOML it returns
what it found so far.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import NamedTuple

Path = tuple[str | int, ...]

_TOKEN = re.compile(
    r"""
      (?P<nl>\n)
    | (?P<ws>[ \t\r]+)
    | (?P<comment>\#[^\n]*)
    | (?P<mlbasic>\"\"\"(?:[^"\\]|\\[\s\S]|"(?!""))*\"\"\"\"{0,2})
    | (?P<mlliteral>'''[\s\S]*?'''(?:'{0,2})(?!'))
    | (?P<basic>"[^"\\\n]*(?:\\.[^"\\\n]*)*")
    | (?P<literal>'[^'\n]*')
    | (?P<punct>[\[\]{}=,.])
    | (?P<bare>[A-Za-z0-9_+\-:]+)
    | (?P<other>.)
    """,
    re.VERBOSE,
)
_ESCAPES = re.compile(r"\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")


class _Token(NamedTuple):
    """A significant piece of the text: its kind (a group of ``_TOKEN``), text and line."""

    kind: str
    text: str
    line: int

    def is_key(self) -> bool:
        return self.kind in ("bare", "basic", "literal")

    def key(self) -> str:
        """The key this token spells (quotes removed, escapes decoded)."""
        if self.kind == "literal":
            return self.text[1:-1]
        if self.kind == "basic":
            return _ESCAPES.sub(lambda m: _unescape(m.group()), self.text[1:-1])
        return self.text


def _unescape(escape: str) -> str:
    try:
        return json.loads(f'"{escape}"')
    except ValueError:
        return chr(int(escape[2:], 16)) if escape[1] in "uU" else escape[1:]


def _tokens(text: str) -> Iterator[_Token]:
    """The significant tokens of ``text`` (no blanks or comments), with their line."""
    line = 1
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup or "other", match.group()
        if kind not in ("ws", "comment"):
            yield _Token(kind, value, line)
        line += value.count("\n")


class _Scan:
    """The state of one scan: where we are, and the lines found so far."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.at = 0
        self.lines: dict[Path, int] = {}
        self.tables: dict[Path, int] = {}  # array of tables -> items seen so far

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> _Token | None:
        token = self.peek()
        self.at += 1
        return token

    def record(self, path: Path, line: int) -> None:
        for end in range(1, len(path) + 1):
            self.lines.setdefault(path[:end], line)

    def keys(self, stop: str) -> list[str]:
        """A dotted key, up to (and taking) the ``stop`` token."""
        parts: list[str] = []
        while (token := self.take()) is not None and token.text != stop:
            if token.is_key():
                parts.append(token.key())
        return parts


def toml_lines(text: str) -> dict[Path, int]:
    """The line (1-based) where each path of the TOML ``text`` is first written."""
    scan = _Scan(list(_tokens(text)))
    table: Path = ()
    while (token := scan.peek()) is not None:
        if token.kind == "nl":
            scan.take()
        elif token.text == "[":
            table = _header(scan)
        elif token.is_key():
            _key_value(scan, table)
        else:
            scan.take()  # not valid TOML: skip
    return scan.lines


def _header(scan: _Scan) -> Path:
    """A ``[table]`` or ``[[array]]`` header: the concrete path it opens."""
    opening = scan.take()
    line = opening.line if opening else 0
    array = (nxt := scan.peek()) is not None and nxt.text == "["
    if array:
        scan.take()
    keys = scan.keys("]")
    if array:
        scan.take()
    path: Path = ()
    for n, key in enumerate(keys):
        path = (*path, key)
        if array and n == len(keys) - 1:
            scan.tables[path] = scan.tables.get(path, 0) + 1
            path = (*path, scan.tables[path] - 1)
        elif path in scan.tables:
            path = (*path, scan.tables[path] - 1)
    scan.record(path, line)
    return path


def _key_value(scan: _Scan, table: Path) -> None:
    """``key = value`` and everything inside the value, to the end of the value."""
    first = scan.peek()
    path = (*table, *scan.keys("="))
    scan.record(path, first.line if first else 0)
    _value(scan, path)


def _value(scan: _Scan, path: Path) -> None:
    """A value at ``path``: arrays and inline tables are walked with an explicit stack."""
    stack: list[list] = []  # [path, next index] for arrays, [path, None] for inline tables
    expect = "value"
    while (token := scan.peek()) is not None:
        top = stack[-1] if stack else None
        if expect == "value":
            if token.kind == "nl" and top is not None:
                scan.take()
            elif token.text in ("[", "{"):
                scan.take()
                stack.append([path, 0 if token.text == "[" else None])
                expect = "item" if token.text == "[" else "key"
            else:
                _scalar(scan)
                expect = "after"
        elif expect == "item":  # in an array: an item or its end
            assert top is not None
            if token.kind == "nl" or token.text == ",":
                scan.take()
            elif token.text == "]":
                scan.take()
                stack.pop()
                expect = "after"
            else:
                path = (*top[0], top[1])
                scan.record(path, token.line)
                top[1] += 1
                expect = "value"
        elif expect == "key":  # in an inline table: a key or its end
            assert top is not None
            if token.text in ("}", ","):
                scan.take()
                if token.text == "}":
                    stack.pop()
                    expect = "after"
            elif token.is_key():
                path = (*top[0], *scan.keys("="))
                scan.record(path, token.line)
                expect = "value"
            else:
                scan.take()
        else:  # after a value: back to the array or table that holds it
            if top is None:
                return
            expect = "item" if top[1] is not None else "key"


def _scalar(scan: _Scan) -> None:
    """Skip a scalar value (a string, number, date or boolean: maybe several tokens)."""
    while (token := scan.peek()) is not None and token.kind != "nl":
        if token.text in (",", "]", "}"):
            return
        scan.take()


def line_of(lines: Mapping[Path, int], path: Path) -> int | None:
    """The line of ``path``, or of its nearest written parent; ``None`` when none is written."""
    for end in range(len(path), 0, -1):
        line = lines.get(tuple(path[:end]))
        if line is not None:
            return line
    return None
