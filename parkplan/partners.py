"""``parkplan partners import``: the partners' facts from a table, blank cells kept unknown.

A CSV file with one row per municipality (e.g. Statbel figures) fills ``[[partners]]`` of
``study.toml``: the chosen rows, the chosen columns as facts, each fact's source (file and
column). A blank cell becomes ``"unknown"``, never 0. With ``regional_fallback``, a fact that
is unknown for a partner gets a stated assumption in ``[unknowns.assume]``: the median of the
values known in the whole table, with their minimum and maximum as the plausible range.
The file is edited in place with its comments and order kept (tomlkit), and validated before
it is replaced.
"""

from __future__ import annotations

import difflib
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import tomlkit

from geo.atomic import write_atomically
from parkplan.errors import StudyError
from parkplan.study import STUDY_FILE, UNKNOWN, parse_study

#: Which facts are whole numbers.
INTEGER_FACTS = frozenset({"population"})


@dataclass(frozen=True)
class ImportedPartner:
    """One partner read from the table: its facts (``None`` = blank = unknown) and sources."""

    name: str
    facts: Mapping[str, float | None]
    sources: Mapping[str, str]


@dataclass(frozen=True)
class RegionalFallback:
    """The median of a fact's values known in the whole table, and their range."""

    fact: str
    value: float
    low: float
    high: float
    known: int
    source: str


def read_table(path: Path) -> pd.DataFrame:
    """The CSV file at ``path`` as text cells (blank cells stay blank)."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise StudyError(
            f"{path} cannot be read as a CSV table ({exc}); expected a UTF-8 CSV file with a "
            "header row"
        ) from None


def require_columns(table: pd.DataFrame, columns: Sequence[str], path: Path) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise StudyError(
            f"{path.name} has no column {missing[0]!r}; its columns are "
            f"{', '.join(table.columns)}; pass one of them"
        )


def number(text: str, *, fact: str, row: str, path: Path) -> float | None:
    """A cell as a number (``None`` when blank); a one-line error for anything else."""
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise StudyError(
            f"{path.name}: {row}'s {fact} is {text!r}; expected a number or a blank cell "
            "(unknown); fix the table"
        ) from None
    return int(value) if fact in INTEGER_FACTS and value.is_integer() else value


def select_rows(table: pd.DataFrame, names: Sequence[str], column: str, path: Path) -> pd.DataFrame:
    """The rows whose ``column`` is one of ``names``, in that order."""
    known = list(table[column])
    rows = []
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
            hint = f"closest: {', '.join(close)}" if close else "check the spelling"
            raise StudyError(f"{path.name} has no row with {column} = {name!r}; {hint}")
        rows.append(table[table[column] == name].iloc[0])
    return pd.DataFrame(rows)


def imported_partners(
    path: Path, *, names: Sequence[str], name_column: str, columns: Mapping[str, str]
) -> tuple[list[ImportedPartner], list[RegionalFallback]]:
    """The selected partners with their facts, and each fact's regional median and range."""
    table = read_table(path)
    require_columns(table, [name_column, *columns.values()], path)
    chosen = select_rows(table, names, name_column, path)
    partners = [
        ImportedPartner(
            name=str(row[name_column]),
            facts={
                fact: number(row[col], fact=fact, row=row[name_column], path=path)
                for fact, col in columns.items()
            },
            sources={fact: f"{path.name}, column {col}" for fact, col in columns.items()},
        )
        for _, row in chosen.iterrows()
    ]
    fallbacks = []
    for fact, col in columns.items():
        known = [
            v
            for v in (number(c, fact=fact, row="a row", path=path) for c in table[col])
            if v is not None
        ]
        if known:
            fallbacks.append(
                RegionalFallback(
                    fact,
                    float(statistics.median(known)),
                    float(min(known)),
                    float(max(known)),
                    len(known),
                    f"median of the {len(known)} known values of column {col} in {path.name}",
                )
            )
    return partners, fallbacks


def partners_array(partners: Sequence[ImportedPartner]) -> tomlkit.items.AoT:
    """``[[partners]]`` as a TOML array of tables, unknown facts written ``"unknown"``."""
    array = tomlkit.aot()
    for partner in partners:
        table = tomlkit.table()
        table.add("name", partner.name)
        for fact, value in partner.facts.items():
            table.add(fact, UNKNOWN if value is None else value)
        sources = tomlkit.inline_table()
        sources.update(partner.sources)
        table.add("sources", sources)
        array.append(table)
    return array


def write_partners(
    root: Path,
    partners: Sequence[ImportedPartner],
    fallbacks: Sequence[RegionalFallback],
    *,
    regional_fallback: bool,
) -> Path:
    """Replace ``[[partners]]`` of ``root/study.toml`` (comments and order kept elsewhere);
    with ``regional_fallback``, state the regional median for each fact some partner lacks."""
    path = Path(root) / STUDY_FILE
    if not path.is_file():
        raise StudyError(f"{root} is not a study: {STUDY_FILE} not found; run 'parkplan init'")
    document = tomlkit.parse(path.read_text(encoding="utf-8"))
    document["partners"] = partners_array(partners)
    if regional_fallback:
        lacking = {f for p in partners for f, v in p.facts.items() if v is None}
        unknowns = document.setdefault("unknowns", tomlkit.table())
        assume = unknowns.setdefault("assume", tomlkit.table())
        for fallback in fallbacks:
            if fallback.fact in lacking:
                assume[fallback.fact] = {
                    "value": fallback.value,
                    "low": fallback.low,
                    "high": fallback.high,
                    "source": fallback.source,
                }
    text = tomlkit.dumps(document)
    parse_study(tomlkit.parse(text).unwrap(), source=str(path))
    return write_atomically(path, text)
