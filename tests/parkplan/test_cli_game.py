"""``parkplan game FILE.json`` through the real command line."""

from __future__ import annotations

import json

import pytest

from parkplan.cli import cli, main
from parkplan.cli.game import game

cli.add_command(game)

THREE = {
    "players": ["1", "2", "3"],
    "kind": "savings",
    "values": {"1": 0, "2": 0, "3": 0, "1+2": 4, "1+3": 6, "2+3": 8, "3+2+1": 12},
}


def run_cli(capsys, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(tmp_path, data, name="game.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("shapley", [3, 4, 5]),
        ("nucleolus", [2, 4, 6]),
        ("prenucleolus", [2, 4, 6]),
        ("scrb", [8 / 3, 4, 16 / 3]),
    ],
)
def test_json_output(tmp_path, capsys, method, expected):
    code, out, err = run_cli(capsys, "game", write(tmp_path, THREE), "--method", method, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert set(result) >= {"method", "allocation", "total", "in_core", "core_violations"}
    assert result["method"] == method
    assert list(result["allocation"].values()) == pytest.approx(expected)
    assert result["total"] == 12 and result["in_core"] is True


def test_cost_game_table_and_core_violations(tmp_path, capsys):
    data = {"players": ["A", "B"], "kind": "cost", "values": {"A": 1, "B": 9, "A+B": 8}}
    code, out, _ = run_cli(capsys, "game", write(tmp_path, data), "--method", "proportional")
    assert code == 0
    assert "proportional" in out and "0.80" in out and "7.20" in out
    assert "core: yes" in out
    bad = {"players": ["A", "B"], "kind": "cost", "values": {"A": 1, "B": 1, "A+B": 8}}
    code, out, _ = run_cli(capsys, "game", write(tmp_path, bad), "--json")
    result = json.loads(out)
    assert result["in_core"] is False
    assert {tuple(v["coalition"]) for v in result["core_violations"]} == {("A",), ("B",)}


def test_missing_partition(tmp_path, capsys):
    data = {
        "players": ["A", "B", "C"],
        "kind": "cost",
        "missing": "partition",
        "values": {"A": 4, "B": 4, "C": 4, "A+B+C": 9},
    }
    code, out, _ = run_cli(capsys, "game", write(tmp_path, data), "--json")
    assert code == 0
    assert list(json.loads(out)["allocation"].values()) == pytest.approx([3, 3, 3])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"players": ["A"], "kind": "cost", "values": {"B": 1}}), "not players"),
        (
            json.dumps({"players": ["A", "B"], "kind": "cost", "values": {"A": 1, "B": 2}}),
            "grand coalition",
        ),
        (json.dumps([1, 2]), "JSON object"),
    ],
)
def test_bad_files_give_one_line_and_exit_2(tmp_path, capsys, content, message):
    code, _, err = run_cli(capsys, "game", write(tmp_path, content))
    assert code == 2
    assert err.startswith("parkplan: ") and message in err
    assert err.count("\n") == 1


def test_missing_file_and_bad_method(tmp_path, capsys):
    code, _, err = run_cli(capsys, "game", tmp_path / "absent.json")
    assert code == 2 and "cannot read" in err
    code, _, err = run_cli(capsys, "game", write(tmp_path, THREE), "--method", "banzhaf")
    assert code == 2 and "banzhaf" in err
