"""``parkplan game FILE.json --method ...``: share a cooperative game's total among its players."""

from __future__ import annotations

import json
from pathlib import Path

import click

from equalisation.games import METHODS, Allocation, read_game, solve
from parkplan.errors import ParkplanError


@click.command("game")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.json")
@click.option(
    "--method",
    type=click.Choice(list(METHODS)),
    default="shapley",
    show_default=True,
    help="Allocation method.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def game(file: Path, method: str, as_json: bool) -> None:
    """Allocate the total of the game in FILE.json (cost games share c(N), savings games v(N)).

    \b
    FILE.json: {"players": [...], "kind": "cost" | "savings",
                "values": {"A": 10, "A+B": 15, ...}, "missing": "error" | "partition"}
    """
    allocation = solve(read_game(load_json(file)), method)
    if as_json:
        click.echo(json.dumps(allocation.to_dict(), ensure_ascii=False))
    else:
        click.echo(render_table(allocation))


def load_json(path: Path) -> object:
    """The JSON content of ``path``, or a one-line error."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParkplanError(f"cannot read {path}: {exc}; give a readable UTF-8 JSON file") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParkplanError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "fix the file"
        ) from None
    except RecursionError:
        raise ParkplanError(f"{path} is nested too deeply to be a game file") from None
    except ValueError as exc:  # e.g. an integer beyond Python's digit limit
        raise ParkplanError(f"{path} holds a value JSON cannot take ({exc}); fix it") from None


def render_table(allocation: Allocation) -> str:
    """A plain-text table: each player's share, the total and the core check."""
    width = max(len("player"), *(len(p) for p in allocation.players))
    share = "cost" if allocation.kind == "cost" else "gain"
    lines = [
        f"{allocation.method} — {allocation.kind} game, total {allocation.total:,.2f}",
        f"{'player':<{width}}  {share:>16}",
    ]
    lines += [f"{p:<{width}}  {v:>16,.2f}" for p, v in allocation.allocation.items()]
    lines.append(f"{'total':<{width}}  {sum(allocation.values):>16,.2f}")
    if "max_half_width" in allocation.extra:
        lines.append(
            f"sampled: {allocation.extra['samples']} orders, 95 % half-width ≤ "
            f"{allocation.extra['max_half_width']:,.4f}"
        )
    if allocation.in_core is None:
        lines.append("core: not checked (too many players)")
    elif allocation.in_core:
        lines.append("core: yes — no coalition would be better off alone")
    else:
        lines.append("core: no — better off alone:")
        lines += [
            f"  {'+'.join(v.coalition)}: value {v.value:,.2f}, allocated {v.allocated:,.2f}"
            for v in allocation.core_violations
        ]
    return "\n".join(lines)
