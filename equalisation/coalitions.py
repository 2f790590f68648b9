"""Cooperative games: the characteristic function, how it is read, allocations and the core.

A game has players and a value for every coalition: for a **cost** game ``c(S)`` is what ``S``
would pay on its own; for a **savings** game ``v(S)`` is what ``S`` would gain (its worth).
Coalitions are held as bit masks: bit ``i`` stands for ``players[i]``, so the whole characteristic
function fits in one array of length ``2^n`` (:attr:`Game.table`) and every method is a vectorised
computation over it.

Values come from a listing (``values``, e.g. read from a JSON game file) or from a vectorised
function of membership matrices (``worth``), for games too large to list.
``missing="partition"`` prices an unlisted coalition as its best split into listed ones: the
cheapest for a cost game, the most valuable for a savings game.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, get_args

import numpy as np

from equalisation.errors import GameError

#: Most players a listed game may have (the table holds 2^n values).
MAX_PLAYERS = 25
GameKind = Literal["cost", "savings"]
Missing = Literal["error", "partition"]
KINDS: tuple[GameKind, ...] = get_args(GameKind)
MISSING: tuple[Missing, ...] = get_args(Missing)
#: Most core violations an allocation reports (the worst ones).
MAX_REPORTED_VIOLATIONS = 50
#: Coalitions read at once when the core check looks for the worst violations (bounds memory).
CHUNK = 1 << 20
#: Most table updates ``missing="partition"`` may cost (``Σ 2^(n − |S|)`` over listed ``S``).
MAX_PARTITION_WORK = 1 << 28

Worth = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Game:
    """A cooperative game; see the module docstring.

    Parameters
    ----------
    players
        Player names, unique.
    kind
        ``"cost"`` or ``"savings"``.
    values
        Value of each listed coalition (frozensets of names); must list the grand coalition.
    missing
        ``"error"``: every coalition must be listed; ``"partition"``: best split into listed ones.
    worth
        Instead of ``values``: a function of a boolean membership matrix ``(m, n)`` returning the
        ``m`` coalition values (value of the empty coalition must be 0).
    """

    players: tuple[str, ...]
    kind: GameKind
    values: Mapping[frozenset[str], float] = field(default_factory=dict)
    missing: Missing = "error"
    worth: Worth | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "players", tuple(self.players))
        _check_players(self.players)
        if self.kind not in KINDS:
            raise GameError(f"game kind {self.kind!r} is unknown; use one of {list(KINDS)}")
        if self.missing not in MISSING:
            raise GameError(f"missing = {self.missing!r} is unknown; use one of {list(MISSING)}")
        if self.worth is None:
            _check_values(self.players, self.values)

    @property
    def n(self) -> int:
        return len(self.players)

    @property
    def sign(self) -> int:
        """+1 for savings, −1 for cost: ``sign × value`` is always a worth (more is better)."""
        return 1 if self.kind == "savings" else -1

    @cached_property
    def table(self) -> np.ndarray:
        """Value of every coalition, indexed by bit mask (``table[0] = 0``)."""
        if self.n > MAX_PLAYERS:
            raise GameError(
                f"the game has {self.n} players; listing all 2^n coalitions is limited to "
                f"{MAX_PLAYERS}; use a sampled method (shapley with samples)"
            )
        if self.worth is not None:
            return _table_from_function(self.worth, self.n)
        return _table_from_listing(self)

    def value(self, coalition: Iterable[str]) -> float:
        """Value of one coalition (names)."""
        return float(self.values_of(self.members([coalition]))[0])

    def members(self, coalitions: Iterable[Iterable[str]]) -> np.ndarray:
        """Boolean membership matrix of coalitions given by names."""
        position = {p: i for i, p in enumerate(self.players)}
        rows = []
        for coalition in coalitions:
            row = np.zeros(self.n, dtype=bool)
            for name in coalition:
                if name not in position:
                    raise GameError(f"{name!r} is not a player; players: {list(self.players)}")
                row[position[name]] = True
            rows.append(row)
        return np.array(rows, dtype=bool).reshape(-1, self.n)

    def values_of(self, members: np.ndarray) -> np.ndarray:
        """Values of the coalitions in a membership matrix ``(m, n)``."""
        if self.worth is not None and (self.n > MAX_PLAYERS or "table" not in self.__dict__):
            return _checked(np.asarray(self.worth(members), dtype=float), len(members))
        return self.table[members @ (1 << np.arange(self.n, dtype=np.int64))]

    @property
    def stand_alone(self) -> np.ndarray:
        """Value of each player alone."""
        return self.values_of(np.eye(self.n, dtype=bool))

    @property
    def grand_value(self) -> float:
        """Value of the grand coalition: what any allocation shares."""
        return float(self.values_of(np.ones((1, self.n), dtype=bool))[0])

    def savings_game(self) -> Game:
        """For a cost game, the savings game ``v(S) = Σ_{i∈S} c(i) − c(S)``."""
        if self.kind != "cost":
            raise GameError("savings_game() needs a cost game; this game is already a savings game")
        table = membership_sums(self.stand_alone) - self.table
        return Game.from_table(self.players, "savings", table)

    @classmethod
    def from_function(cls, players: Iterable[str], kind: GameKind, worth: Worth) -> Game:
        """A game whose values come from a vectorised function of membership matrices."""
        return cls(players=tuple(players), kind=kind, worth=worth)

    @classmethod
    def from_table(cls, players: Iterable[str], kind: GameKind, table: np.ndarray) -> Game:
        """A game from a full table of values indexed by bit mask."""
        players = tuple(players)
        table = np.asarray(table, dtype=float)
        if table.shape != (1 << len(players),) or not np.all(np.isfinite(table)) or table[0] != 0:
            raise GameError(
                f"a table of {table.shape} values does not fit {len(players)} players; expected "
                f"2^n finite values with the empty coalition at 0"
            )
        bits = 1 << np.arange(len(players), dtype=np.int64)
        game = cls.from_function(players, kind, lambda members: table[members @ bits])
        game.__dict__["table"] = table
        return game

    def name_of(self, mask: int) -> str:
        """Coalition name in the game-file notation, e.g. ``"A+C"``."""
        return "+".join(p for i, p in enumerate(self.players) if mask >> i & 1)


def read_game(data: object) -> Game:
    """A game from the plain data of a game file.

    ``{"players": [...], "kind": "cost" | "savings", "values": {"A": 10, "A+B": 15, ...},
    "missing": "error" | "partition"}``; coalition keys are names joined by ``+`` in any order.

    Examples
    --------
    >>> game = read_game({"players": ["A", "B"], "kind": "cost",
    ...                   "values": {"A": 10, "B": 8, "B+A": 15}})
    >>> game.value({"A", "B"})
    15.0
    """
    if not isinstance(data, Mapping):
        raise GameError(f"a game must be a JSON object, got {type(data).__name__}")
    unknown = sorted(set(data) - {"players", "kind", "values", "missing"})
    if unknown:
        raise GameError(
            f"unknown game fields {unknown}; a game has players, kind, values and missing"
        )
    players = data.get("players")
    if not isinstance(players, list) or not all(isinstance(p, str) for p in players):
        raise GameError(f"players is {players!r}; expected a list of player names")
    if len(players) > MAX_PLAYERS:
        raise GameError(f"the game has {len(players)} players; at most {MAX_PLAYERS} can be listed")
    _check_players(tuple(players))
    values = data.get("values")
    if not isinstance(values, Mapping) or not values:
        raise GameError(
            'values is missing or empty; give {"A": 10, "A+B": 15, ...} with every coalition'
        )
    listing: dict[frozenset[str], float] = {}
    known = frozenset(players)
    for key, value in values.items():
        coalition = _parse_coalition(key, players, known)
        if coalition in listing:
            raise GameError(f"coalition {key!r} is listed twice (in another order); list it once")
        listing[coalition] = _number(key, value)
    return Game(
        players=tuple(players),
        kind=data.get("kind", ""),
        values=listing,
        missing=data.get("missing", "error"),
    )


@dataclass(frozen=True)
class CoreViolation:
    """A coalition that would be better off alone under an allocation."""

    coalition: tuple[str, ...]
    value: float
    allocated: float
    excess: float

    def to_dict(self) -> dict:
        return {
            "coalition": list(self.coalition),
            "value": self.value,
            "allocated": self.allocated,
            "excess": self.excess,
        }


@dataclass(frozen=True)
class Allocation:
    """How a game's total is shared, with the core check.

    ``values`` are costs paid (cost game) or gains received (savings game) per player; they sum
    to ``total`` (``c(N)`` or ``v(N)``). ``in_core`` is ``None`` when the game is too large for the
    check. ``extra`` holds method details (e.g. ``half_width`` of a sampled Shapley value).
    """

    method: str
    kind: str
    players: tuple[str, ...]
    values: tuple[float, ...]
    total: float
    in_core: bool | None
    core_violations: tuple[CoreViolation, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def allocation(self) -> dict[str, float]:
        return dict(zip(self.players, self.values, strict=True))

    def to_dict(self) -> dict:
        """``{"method", "allocation", "total", "in_core", "core_violations", ...extra}``."""
        return {
            "method": self.method,
            "allocation": self.allocation,
            "total": self.total,
            "in_core": self.in_core,
            "core_violations": [v.to_dict() for v in self.core_violations],
            **self.extra,
        }


def make_allocation(game: Game, method: str, values: np.ndarray, **extra: Any) -> Allocation:
    """An :class:`Allocation` of ``values`` with its core check (skipped above the table limit)."""
    values = np.round(np.asarray(values, dtype=float), 9) + 0.0  # drop LP noise and -0.0
    if game.n <= MAX_PLAYERS:
        masks, excess, count = _violating(game, values, limit=MAX_REPORTED_VIOLATIONS)
        in_core: bool | None = count == 0
        violations = _violations(game, masks, excess)
        if count > MAX_REPORTED_VIOLATIONS:
            extra = {**extra, "core_violations_total": count}
    else:
        violations, in_core = (), None
    return Allocation(
        method=method,
        kind=game.kind,
        players=game.players,
        values=tuple(float(v) for v in values),
        total=game.grand_value,
        in_core=in_core,
        core_violations=violations,
        extra=extra,
    )


def core_violations(game: Game, allocation: np.ndarray | Mapping[str, float]) -> tuple:
    """Coalitions better off alone: ``x(S) > c(S)`` (cost) or ``x(S) < v(S)`` (savings).

    Returns :class:`CoreViolation` items, the largest excess first. Efficiency
    (``x(N) = c(N)``) is checked too: the grand coalition shows up when it fails.
    """
    masks, excess, _ = _violating(game, _as_vector(game, allocation))
    return _violations(game, masks, excess)


def _violating(
    game: Game, x: np.ndarray, *, limit: int | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Coalitions with a positive excess (and the grand coalition if inefficient): their masks,
    worst first (ties by mask) and cut to the ``limit`` worst, their excesses, and how many
    there are. The excesses are computed :data:`CHUNK` coalitions at a time."""
    table = game.table
    tolerance = 1e-7 * max(1.0, float(table.max()), -float(table.min()))
    floor = tolerance  # the ``limit``-th largest excess kept so far, once there are that many
    masks, excess, count = np.zeros(0, dtype=np.int64), np.zeros(0), 0
    for start, block in _excess_blocks(game, x):
        above = block > tolerance
        count += int(np.count_nonzero(above))
        found = np.flatnonzero(above & (block >= floor))
        masks, excess = _worst(np.r_[masks, start + found], np.r_[excess, block[found]], limit)
        if limit is not None and masks.size >= limit:
            floor = float(excess.min())
    grand = float(block[-1])  # the last block ends with the grand coalition
    if -grand > tolerance:  # inefficient the other way: not counted above
        masks, excess, count = np.r_[masks, table.size - 1], np.r_[excess, grand], count + 1
    order = np.argsort(-np.abs(excess), kind="stable")[:limit]
    return masks[order], excess[order], count


def _excess_blocks(game: Game, x: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """``(start, e)``: the excesses ``sign × (value − x(S))`` of :data:`CHUNK` coalitions from
    ``start`` on, ``x(S)`` summed in the order of :func:`membership_sums`."""
    bits = min(game.n, CHUNK.bit_length() - 1)
    low = membership_sums(x[:bits])
    for block in range(1 << (game.n - bits)):
        sums = low.copy()
        for j, value in enumerate(x[bits:]):
            if block >> j & 1:
                sums += value
        start = block << bits
        excess = np.subtract(game.table[start : start + low.size], sums, out=sums)
        yield start, excess if game.sign > 0 else np.negative(excess, out=excess)


def _worst(
    masks: np.ndarray, excess: np.ndarray, limit: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """The coalitions that may be among the ``limit`` largest ``|excess|`` (ties kept), in order."""
    if limit is None or masks.size <= limit:
        return masks, excess
    size = np.abs(excess)
    keep = size >= -np.partition(-size, limit - 1)[limit - 1]
    return masks[keep], excess[keep]


def _violations(game: Game, masks: np.ndarray, excess: np.ndarray) -> tuple:
    return tuple(
        CoreViolation(
            coalition=tuple(game.name_of(int(m)).split("+")),
            value=float(game.table[m]),
            allocated=float(game.table[m] - game.sign * e),
            excess=float(e),
        )
        for m, e in zip(masks, excess, strict=True)
    )


def membership_sums(x: np.ndarray) -> np.ndarray:
    """``x(S)`` for every bit mask ``S`` (length ``2^n``), built one player at a time in place."""
    x = np.asarray(x, dtype=float)
    sums = np.empty(1 << x.size)
    sums[0] = 0.0
    for i, value in enumerate(x):
        np.add(sums[: 1 << i], value, out=sums[1 << i : 2 << i])
    return sums


def coalition_sizes(n: int) -> np.ndarray:
    """``|S|`` for every bit mask ``S``."""
    sizes = np.zeros(1, dtype=np.int64)
    for _ in range(n):
        sizes = np.concatenate([sizes, sizes + 1])
    return sizes


def membership_matrix(n: int, masks: np.ndarray) -> np.ndarray:
    """Boolean matrix ``(len(masks), n)``: bit ``i`` of each mask."""
    return (np.asarray(masks, dtype=np.int64)[:, None] >> np.arange(n)) & 1 == 1


def _as_vector(game: Game, allocation) -> np.ndarray:
    if isinstance(allocation, Mapping):
        missing = [p for p in game.players if p not in allocation]
        if missing:
            raise GameError(f"the allocation has no value for {missing}; give every player one")
        return np.array([float(allocation[p]) for p in game.players])
    x = np.asarray(allocation, dtype=float)
    if x.shape != (game.n,):
        raise GameError(f"the allocation has {x.size} values; expected {game.n}, one per player")
    return x


def _table_from_function(worth: Worth, n: int) -> np.ndarray:
    table = np.empty(1 << n)
    chunk = 1 << 16
    for start in range(0, 1 << n, chunk):
        masks = np.arange(start, min(start + chunk, 1 << n), dtype=np.int64)
        table[masks] = _checked(np.asarray(worth(membership_matrix(n, masks)), float), masks.size)
    if table[0] != 0:
        raise GameError(f"the empty coalition has value {table[0]}; it must be 0")
    return table


def _table_from_listing(game: Game) -> np.ndarray:
    n = game.n
    position = {p: i for i, p in enumerate(game.players)}
    masks = np.array(
        [sum(1 << position[p] for p in coalition) for coalition in game.values], dtype=np.int64
    )
    listed = np.array(list(game.values.values()), dtype=float)
    table = np.full(1 << n, np.nan)
    table[0] = 0.0
    table[masks] = listed
    unlisted = np.flatnonzero(np.isnan(table))
    if unlisted.size and game.missing == "error":
        names = ", ".join(game.name_of(int(m)) for m in unlisted[:5])
        raise GameError(
            f"{unlisted.size} coalitions are not listed (e.g. {names}); list them or set "
            '"missing": "partition" to price them as their best split'
        )
    if unlisted.size:
        best = _best_partition(n, masks, listed, minimise=game.kind == "cost")
        table[unlisted] = best[unlisted]
        if not np.all(np.isfinite(table)):
            names = ", ".join(game.name_of(int(m)) for m in np.flatnonzero(~np.isfinite(table))[:5])
            raise GameError(
                f"coalitions {names} are not listed and cannot be split into listed ones; "
                "list them or list every player's stand-alone value"
            )
    return table


def _best_partition(n: int, masks: np.ndarray, listed: np.ndarray, *, minimise: bool) -> np.ndarray:
    """Best value of every coalition over its splits into listed coalitions (one knapsack pass).

    Each listed coalition ``S`` updates the ``2^(n − |S|)`` coalitions it can join; a listing
    whose total work exceeds :data:`MAX_PARTITION_WORK` is refused rather than left to run.
    """
    sizes = np.array([int(m).bit_count() for m in masks], dtype=np.int64)
    work = int(np.sum(np.left_shift(np.int64(1), n - sizes, dtype=np.int64)))
    if work > MAX_PARTITION_WORK:
        raise GameError(
            f"pricing the unlisted coalitions of {n} players from {len(masks)} listed ones "
            f"would take {work:,} steps (limit {MAX_PARTITION_WORK:,}); list more coalitions, "
            "fewer small ones, or fewer players"
        )
    worst = np.inf if minimise else -np.inf
    better = np.minimum if minimise else np.maximum
    best = np.full(1 << n, worst)
    best[0] = 0.0
    full = (1 << n) - 1
    for mask, value in zip(masks, listed, strict=True):
        rest = _subsets(full & ~int(mask), n)
        best[rest | mask] = better(best[rest | mask], best[rest] + value)
    return best


def _subsets(mask: int, n: int) -> np.ndarray:
    """Every subset of the bit mask ``mask`` (as bit masks), built one bit at a time."""
    subsets = np.zeros(1, dtype=np.int64)
    for bit in range(n):
        if mask >> bit & 1:
            subsets = np.concatenate([subsets, subsets | (1 << bit)])
    return subsets


def _checked(values: np.ndarray, count: int) -> np.ndarray:
    if values.shape != (count,) or not np.all(np.isfinite(values)):
        raise GameError(
            f"the game's worth function returned {values.shape} values (finite: "
            f"{bool(np.all(np.isfinite(values)))}); expected {count} finite values"
        )
    return values


def _check_players(players: tuple[str, ...]) -> None:
    if not players:
        raise GameError("the game has no players; give at least one")
    bad = [p for p in players if not isinstance(p, str) or not p.strip() or "+" in p]
    if bad:
        raise GameError(f"player names {bad!r} are invalid; use non-empty names without '+'")
    duplicates = sorted({p for p in players if players.count(p) > 1})
    if duplicates:
        raise GameError(f"players {duplicates} appear twice; list each player once")


def _check_values(players: tuple[str, ...], values: Mapping[frozenset[str], float]) -> None:
    if len(players) > MAX_PLAYERS:
        raise GameError(f"the game has {len(players)} players; at most {MAX_PLAYERS} can be listed")
    known = set(players)
    for coalition, value in values.items():
        if not coalition or not coalition <= known:
            raise GameError(
                f"coalition {sorted(coalition)} is empty or names non-players; "
                f"players: {list(players)}"
            )
        _number("+".join(sorted(coalition)), value)
    if frozenset(players) not in values:
        raise GameError(
            f"the grand coalition {'+'.join(players)} has no value; every game must list it"
        )


def _parse_coalition(key: str, players: list[str], known: frozenset[str]) -> frozenset[str]:
    names = [name.strip() for name in str(key).split("+")]
    unknown = [name for name in names if name not in known]
    if unknown:
        raise GameError(
            f"coalition {_clip(key)!r} names {_clip(unknown)}, which are not players; "
            f"players: {_clip(players)}"
        )
    if len(set(names)) != len(names):
        raise GameError(f"coalition {_clip(key)!r} names a player twice; name each player once")
    return frozenset(names)


def _clip(text: object, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters, so that a message stays one readable line."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _number(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise GameError(f"value of {_clip(key)!r} is {_clip(repr(value))}; expected a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise GameError(f"value of {_clip(key)!r} is {_clip(value)}; expected a finite number")
    return number
