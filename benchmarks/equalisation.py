"""Benchmark of the finance library against coopgame-py, plus a sampled Shapley value and a ledger.

Run: ``.venv/bin/python benchmarks/equalisation.py [--repeats 7]``. coopgame-py (``coopgame``) is
a benchmark-only dependency. Both libraries get the same seeded games, already tabulated (building
the table is not timed on either side), in alternating runs (parkplan, coopgame, parkplan, ...)
after one untimed run each. Each case reports the median, min and max of both, their ratio
(parkplan / coopgame, medians), the largest difference between the allocations and the machine's
load average (``os.getloadavg``) before and after the case.

Cases: nucleolus and prenucleolus of 10, 12, 14, 16 players (a noisy superadditive savings game,
several LP stages); exact Shapley value of 20, 22, 25 players (a cost game with a fixed cost and
economies of scale). Targets: ratio ≤ 2 in every case; sampled Shapley of 60 players ≤ 5 s with a
95 % half-width ≤ 0.5 % of the total; a 30-year ledger of 17 partners ≤ 1 s. Prints one line per
case and ends with one JSON line holding every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# This script shares its name with the package it measures: import the package from the
# repository root, not this file from its own folder.
HERE = Path(__file__).resolve().parent
sys.path[:] = [str(HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

import coopgame  # noqa: E402
import numpy as np  # noqa: E402

import equalisation  # noqa: E402
from equalisation.coalitions import Game, membership_sums  # noqa: E402
from equalisation.games import nucleolus, prenucleolus, shapley  # noqa: E402
from equalisation.keys import Partner  # noqa: E402

SEED = 20240601
NUCLEOLUS_PLAYERS = (10, 12, 14, 16)
SHAPLEY_PLAYERS = (20, 22, 25)
#: Most parkplan / coopgame ratio (medians) allowed.
MAX_RATIO = 2.0


def players(n: int) -> list[str]:
    return [f"P{i}" for i in range(n)]


def noisy_savings_table(n: int, rng: np.random.Generator) -> np.ndarray:
    """``v(S) = w(S)·(|S| − 1)/n + U(0, 5)``, ``v = 0`` for singletons: several LP stages."""
    sizes = membership_sums(np.ones(n)).astype(np.int64)
    table = membership_sums(rng.uniform(1, 10, n)) * np.maximum(sizes - 1, 0) / n
    table += rng.uniform(0, 5, 1 << n)
    table[sizes <= 1] = 0.0
    return table


def scale_cost_table(n: int, rng: np.random.Generator) -> np.ndarray:
    """``c(S) = 200 + 100 × d(S)^0.8`` (``c(∅) = 0``): a fixed cost and economies of scale."""
    table = membership_sums(rng.uniform(1, 6, n))
    np.power(table, 0.8, out=table)
    table *= 100
    table += 200
    table[0] = 0.0
    return table


def alternate(ours: Callable, theirs: Callable, repeats: int) -> dict:
    """Times of ``ours`` and ``theirs`` run alternately after one untimed run each, with the
    load around them and the results."""
    load_before = os.getloadavg()
    times: dict[str, list[float]] = {"parkplan": [], "coopgame": []}
    results = {"parkplan": ours(), "coopgame": theirs()}  # warm-up, not timed
    for _ in range(repeats):
        for name, action in (("parkplan", ours), ("coopgame", theirs)):
            start = time.perf_counter()
            results[name] = action()
            times[name].append(time.perf_counter() - start)
    figures = {}
    for name, seconds in times.items():
        figures[f"{name}_median_s"] = statistics.median(seconds)
        figures[f"{name}_min_s"] = min(seconds)
        figures[f"{name}_max_s"] = max(seconds)
    figures["ratio"] = figures["parkplan_median_s"] / figures["coopgame_median_s"]
    figures["load_1min_before"], figures["load_1min_after"] = load_before[0], os.getloadavg()[0]
    return figures | {"results": results}


def compare(ours: Callable, theirs: Callable, repeats: int) -> dict:
    """:func:`alternate`, with the largest difference between the two allocations."""
    figures = alternate(ours, theirs, repeats)
    results = figures.pop("results")
    mine, other = np.array(results["parkplan"].values), np.array(results["coopgame"], dtype=float)
    figures["max_abs_difference"] = float(np.abs(mine - other).max())
    return figures


def nucleolus_cases(rng: np.random.Generator, repeats: int) -> dict[str, dict]:
    cases = {}
    for n in NUCLEOLUS_PLAYERS:
        table = noisy_savings_table(n, rng)
        cases |= nucleolus_pair(n, table, repeats)
    return cases


def nucleolus_pair(n: int, table: np.ndarray, repeats: int) -> dict[str, dict]:
    """The nucleolus and the prenucleolus of one game, on both sides."""
    game, theirs = Game.from_table(players(n), "savings", table), coopgame.Game(table[1:])
    return {
        f"nucleolus_{n}": compare(
            lambda: nucleolus(game),
            lambda: coopgame.nucleolus(theirs, "imputation")["allocation"],
            repeats,
        ),
        f"prenucleolus_{n}": compare(
            lambda: prenucleolus(game),
            lambda: coopgame.nucleolus(theirs, "preimputation")["allocation"],
            repeats,
        ),
    }


def shapley_cases(rng: np.random.Generator, repeats: int) -> dict[str, dict]:
    return {
        f"shapley_exact_{n}": shapley_case(n, scale_cost_table(n, rng), max(3, repeats // 2))
        for n in SHAPLEY_PLAYERS
    }


def shapley_case(n: int, table: np.ndarray, repeats: int) -> dict:
    """The exact Shapley value of one game, on both sides."""
    game, theirs = Game.from_table(players(n), "cost", table), coopgame.Game(table[1:])
    assert shapley(game).extra["computation"] == "exact"
    return compare(lambda: shapley(game), lambda: coopgame.shapley(theirs), repeats)


def timed(action: Callable):
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def ledger_case(rng: np.random.Generator) -> Callable:
    partners = [
        Partner(
            f"M{i:02d}",
            population=int(rng.integers(3_000, 40_000)),
            demand_ha=float(rng.uniform(0.5, 4)),
            municipal_opcentiemen=float(rng.uniform(700, 1_400)),
            fiscal_capacity_eur=float(rng.uniform(1e6, 9e6)),
        )
        for i in range(17)
    ]
    keys = {
        "population": {"kind": "population"},
        "demand": {"kind": "demand"},
        "host_first": {
            "kind": "stacked",
            "host_share": 0.1,
            "rest": [{"kind": "population", "weight": 0.5}, {"kind": "land", "weight": 0.5}],
        },
    }
    return lambda: equalisation.equalise(
        partners=partners,
        site_area_ha_by_municipality={"M00": 18.0, "M01": 7.0},
        host="M00",
        assumptions=equalisation.FinanceAssumptions(),
        keys=keys,
        mechanisms={
            "sub_regional_fund": {"ov_share": 0.8},
            "host_compensation": {"eur_per_ha_per_year": 500},
        },
        horizon_years=30,
        start_year=2026,
        tax_year=2022,
        provincial_opcentiemen=0.0,
        candidate_sites=None,
    )


def own_cases(rng: np.random.Generator) -> dict[str, float]:
    """parkplan only: a sampled Shapley value of 60 players and a 30-year ledger."""
    demand = rng.uniform(1, 6, 60)
    game60 = Game.from_function(
        players(60),
        "cost",
        lambda members: np.where(members.any(axis=1), 200 + 100 * (members @ demand) ** 0.8, 0),
    )
    sampled, seconds = timed(lambda: shapley(game60, samples=2000))
    assert sampled.extra["computation"] == "sampled"
    figures = {
        "shapley_sampled_60_s": seconds,
        "shapley_sampled_60_half_width_share": sampled.extra["max_half_width"] / abs(sampled.total),
    }
    result, figures["ledger_17x30_s"] = timed(ledger_case(rng))
    figures["ledger_rows"] = len(result.ledger_rows())
    return figures


def line(name: str, case: dict) -> str:
    return (
        f"{name:<18} parkplan {case['parkplan_median_s'] * 1e3:9.1f} ms "
        f"[{case['parkplan_min_s'] * 1e3:.1f}–{case['parkplan_max_s'] * 1e3:.1f}]  "
        f"coopgame {case['coopgame_median_s'] * 1e3:9.1f} ms "
        f"[{case['coopgame_min_s'] * 1e3:.1f}–{case['coopgame_max_s'] * 1e3:.1f}]  "
        f"ratio {case['ratio']:5.2f}  |Δx| {case['max_abs_difference']:.1e}  "
        f"load {case['load_1min_before']:.2f}→{case['load_1min_after']:.2f}"
    )


def rounded(value):
    """``value`` with every float cut to 6 significant digits (nested dicts too)."""
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    return float(f"{value:.6g}") if isinstance(value, float) else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="alternating runs per case")
    repeats = parser.parse_args().repeats
    rng = np.random.default_rng(SEED)
    load_start = os.getloadavg()
    print(f"cpus {os.cpu_count()}, load {load_start}, repeats {repeats}")
    cases = nucleolus_cases(rng, repeats) | shapley_cases(rng, repeats)
    for name, case in cases.items():
        print(line(name, case))
    own = own_cases(rng)
    print(
        f"sampled Shapley, 60 players, 2000 orders: {own['shapley_sampled_60_s']:.2f} s, max "
        f"half-width {own['shapley_sampled_60_half_width_share']:.4%} of the total; ledger "
        f"17 partners × 30 years: {own['ledger_17x30_s']:.2f} s ({own['ledger_rows']} rows)"
    )
    figures = {
        "repeats": repeats,
        "cpus": os.cpu_count(),
        "load_average_start": list(load_start),
        "load_average_end": list(os.getloadavg()),
        "cases": cases,
        **own,
        "max_ratio": max(case["ratio"] for case in cases.values()),
        "all_targets_met": all(case["ratio"] <= MAX_RATIO for case in cases.values())
        and own["shapley_sampled_60_s"] <= 5.0
        and own["shapley_sampled_60_half_width_share"] <= 0.005
        and own["ledger_17x30_s"] <= 1.0,
    }
    print(json.dumps(rounded(figures)))


if __name__ == "__main__":
    main()
