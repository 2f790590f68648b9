"""Benchmark of the finance library: Shapley (exact and sampled), nucleolus, a long ledger.

Run: ``.venv/bin/python benchmarks/equalisation.py``. Seeded synthetic data; prints one line per
measurement and a final JSON line with every figure. Targets: exact Shapley of 20 players ≤ 2 s;
sampled Shapley of 60 players ≤ 5 s with a 95 % half-width ≤ 0.5 % of the total; nucleolus of
12 players ≤ 5 s; a 30-year ledger of 17 partners ≤ 1 s.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

# This script shares its name with the package it measures: import the package from the
# repository root, not this file from its own folder.
HERE = Path(__file__).resolve().parent
sys.path[:] = [str(HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

import numpy as np  # noqa: E402

import equalisation  # noqa: E402
from equalisation.coalitions import Game  # noqa: E402
from equalisation.games import nucleolus, shapley  # noqa: E402
from equalisation.keys import Partner  # noqa: E402

SEED = 20240601


def scale_cost_game(n: int, rng: np.random.Generator) -> Game:
    """c(S) = 200 + 100 × (Σ_S demand)^0.8: a fixed cost and economies of scale."""
    demand = rng.uniform(1, 6, n)
    return Game.from_function(
        [f"P{i}" for i in range(n)],
        "cost",
        lambda members: np.where(members.any(axis=1), 200 + 100 * (members @ demand) ** 0.8, 0),
    )


def noisy_savings_game(n: int, rng: np.random.Generator) -> Game:
    """A superadditive-ish savings game with noise, so the nucleolus needs several LP stages."""
    weights = rng.uniform(1, 10, n)
    masks = np.arange(2**n)
    members = (masks[:, None] >> np.arange(n)) & 1
    sizes = members.sum(axis=1)
    table = (members @ weights) * np.maximum(sizes - 1, 0) / n + rng.uniform(0, 5, 2**n)
    table[sizes <= 1] = 0.0
    return Game.from_table([f"P{i}" for i in range(n)], "savings", table)


def timed(action):
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def ledger_case(rng: np.random.Generator):
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
    area = {"M00": 18.0, "M01": 7.0}
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
        site_area_ha_by_municipality=area,
        host="M00",
        assumptions=equalisation.FinanceAssumptions(),
        keys=keys,
        mechanisms={
            "sub_regional_fund": {"ov_share": 0.8},
            "host_compensation": {"eur_per_ha_per_year": 500},
        },
        horizon_years=30,
        start_year=2026,
        tax_year=2024,
        provincial_opcentiemen=0.0,
        candidate_sites=None,
    )


def main() -> None:
    rng = np.random.default_rng(SEED)
    figures: dict[str, float] = {}

    game20 = scale_cost_game(20, rng)
    _, figures["table_20_s"] = timed(lambda: game20.table)
    exact, figures["shapley_exact_20_s"] = timed(lambda: shapley(game20))
    print(
        f"exact Shapley, 20 players: {figures['shapley_exact_20_s']:.2f} s "
        f"(+ {figures['table_20_s']:.2f} s to tabulate 2^20 coalitions)"
    )

    game60 = scale_cost_game(60, rng)
    sampled, figures["shapley_sampled_60_s"] = timed(lambda: shapley(game60, samples=2000))
    figures["shapley_sampled_60_half_width_share"] = sampled.extra["max_half_width"] / abs(
        sampled.total
    )
    print(
        f"sampled Shapley, 60 players, 2000 orders: {figures['shapley_sampled_60_s']:.2f} s, "
        f"max half-width {figures['shapley_sampled_60_half_width_share']:.4%} of the total"
    )

    game12 = noisy_savings_game(12, rng)
    nucleolus_result, figures["nucleolus_12_s"] = timed(lambda: nucleolus(game12))
    figures["nucleolus_12_lp_stages"] = nucleolus_result.extra["lp_stages"]
    print(
        f"nucleolus, 12 players: {figures['nucleolus_12_s']:.2f} s, "
        f"{figures['nucleolus_12_lp_stages']} LP stages"
    )

    result, figures["ledger_17x30_s"] = timed(ledger_case(rng))
    rows, figures["ledger_rows_s"] = timed(result.ledger_rows)
    figures["ledger_rows"] = len(rows)
    print(
        f"equalise + ledger, 17 partners × 30 years × 3 keys: {figures['ledger_17x30_s']:.2f} s "
        f"({len(rows)} rows in {figures['ledger_rows_s']:.2f} s)"
    )

    targets = {
        "shapley_exact_20_s": 2.0,
        "shapley_sampled_60_s": 5.0,
        "shapley_sampled_60_half_width_share": 0.005,
        "nucleolus_12_s": 5.0,
        "ledger_17x30_s": 1.0,
    }
    figures["all_targets_met"] = all(figures[k] <= v for k, v in targets.items())
    assert abs(sum(exact.values) - exact.total) < 1e-6 * abs(exact.total)
    print(json.dumps({k: round(v, 6) if isinstance(v, float) else v for k, v in figures.items()}))


if __name__ == "__main__":
    main()
