"""Fuzzing game files: :func:`equalisation.coalitions.read_game` and ``parkplan game``.

Any input gives a game (whose table can be built) or a :class:`~equalisation.errors.GameError`;
the command line answers exit code 0 or 2 with one line, never 1 or a traceback, never a hang.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import random
import tempfile
from pathlib import Path

import pytest
from fuzz_support import FUZZ, HOSTILE_NUMBERS, assert_clean, json_like
from hypothesis import given
from hypothesis import strategies as st

from equalisation.coalitions import read_game
from parkplan.cli import main

NAMES = st.sampled_from(["A", "B", "C", "D", " A", "A+B", "", "é", "x" * 300])
METHODS = ["shapley", "nucleolus", "prenucleolus", "scrb", "proportional"]
GAME_KEYS = st.sampled_from(["players", "kind", "values", "missing"]) | st.text(max_size=8)


@st.composite
def game_like(draw) -> dict:
    """Mostly well-formed games with hostile details: odd names, numbers, keys, fields."""
    players = draw(st.lists(NAMES, max_size=5))
    coalitions = [
        "+".join(c) for r in range(1, len(players) + 1) for c in itertools.combinations(players, r)
    ]
    keys = st.sampled_from(coalitions) | st.text(max_size=10) if coalitions else st.text()
    values = draw(
        st.dictionaries(keys, st.floats(-1e6, 1e6) | HOSTILE_NUMBERS | json_like(NAMES, leaves=3))
    )
    game = {
        "players": players,
        "kind": draw(st.sampled_from(["cost", "savings", "", None, 1])),
        "values": values,
        "missing": draw(st.sampled_from(["error", "partition", "x", None])),
    }
    for field in draw(st.lists(st.sampled_from(sorted(game)), max_size=2)):
        game.pop(field, None)
    return game


def read(data) -> None:
    try:
        read_game(data).table  # noqa: B018 - building the table is part of reading
    except Exception as exc:
        assert_clean(exc)


def cli(text: str | bytes, *args: str) -> tuple[int, str]:
    """``parkplan game FILE --json ARGS`` in this process; returns (exit code, stderr)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "game.json"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = main(["game", str(path), "--json", *args])
    return code, err.getvalue()


def assert_cli_clean(code: int, err: str) -> None:
    assert code in (0, 2), err
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 2:
        assert err.startswith("parkplan: ") and err.count("\n") == 1, err


@pytest.mark.timeout(120)
@FUZZ
@given(game_like())
def test_game_like_data(data):
    read(data)


@pytest.mark.timeout(120)
@FUZZ
@given(json_like(GAME_KEYS))
def test_random_structures(data):
    read(data)


@pytest.mark.timeout(180)
@FUZZ
@given(game_like(), st.sampled_from(METHODS))
def test_cli_on_game_like_files(data, method):
    try:
        text = json.dumps(data)
    except ValueError:
        return
    assert_cli_clean(*cli(text, "--method", method))


@pytest.mark.timeout(120)
@FUZZ
@given(st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "replace")))
def test_cli_on_random_bytes(raw):
    assert_cli_clean(*cli(raw))


GAME = {"players": ["A", "B"], "kind": "cost", "values": {"A": 10, "B": 8, "A+B": 15}}


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "text",
    [
        json.dumps(GAME).replace("15", "9" * 400),
        json.dumps(GAME).replace("15", "1e999"),
        json.dumps(GAME).replace("15", "NaN"),
        json.dumps(GAME).replace("15", "-Infinity"),
        json.dumps(GAME).replace('"A", "B"]', '"A", "B", "' + "x" * 1_000_000 + '"]'),
        json.dumps({**GAME, "players": [f"P{i}" for i in range(10_000)]}),
        json.dumps({**GAME, "values": {**GAME["values"], "A+B+A": 3}}),
        "[]",
        "null",
        "",
    ],
    ids=[
        "400-digit-integer",
        "overflowing-float",
        "nan",
        "minus-infinity",
        "1MB-player-name",
        "10k-players",
        "repeated-player",
        "array",
        "null",
        "empty",
    ],
)
def test_cli_on_hostile_files(text):
    assert_cli_clean(*cli(text))


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "text",
    [
        '{"players": ' + "[" * 100_000 + "]" * 100_000 + "}",
        json.dumps(GAME).replace("15", "9" * 5000),
    ],
    ids=["100k-nested-arrays", "5000-digit-integer"],
)
def test_cli_on_files_json_itself_cannot_read(text):
    assert_cli_clean(*cli(text))


@pytest.mark.timeout(60)
def test_partition_pricing_too_large_is_refused_quickly():
    """25 players, 'partition' and a long listing: refused, not left to run for hours."""
    players = [f"P{i}" for i in range(25)]
    values = {p: 1.0 for p in players} | {"+".join(players): 20.0}
    values |= {f"{a}+{b}": 1.5 for a, b in itertools.combinations(players, 2)}
    game = {"players": players, "kind": "cost", "missing": "partition", "values": values}
    code, err = cli(json.dumps(game))
    assert code == 2 and "steps" in err, err


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_million_coalitions_declared():
    """10^6 distinct coalitions of 25 players with 'partition': read, then refused cleanly."""
    players = [f"P{i}" for i in range(25)]
    rng = random.Random(7)
    masks = {rng.getrandbits(25) | 1 for _ in range(1_100_000)}
    masks = [*sorted(masks)[:1_000_000], (1 << 25) - 1]
    values = {"+".join(p for i, p in enumerate(players) if m >> i & 1): 1.0 for m in masks}
    assert len(values) >= 1_000_000
    game = {"players": players, "kind": "cost", "missing": "partition", "values": values}
    code, err = cli(json.dumps(game))
    assert code == 2 and "steps" in err, err
