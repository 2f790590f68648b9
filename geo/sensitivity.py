"""Sensitivity of the site ranking to one weight at a time.

:func:`weight_sweep` moves one criterion's weight over (0, 1), the other weights scaled in
proportion (w_j ← (1 − x)·w_j / Σ_(k≠i) w_k), and records the leading site at each step;
:func:`leader_ranges` reads from it how far each weight can move before the base leader loses
first place, and :func:`sweep_statement` says it in a sentence. The inputs are the site table of
:func:`geo.zonal.zonal_scores` (``c_<criterion>`` columns), as for :mod:`geo.robustness`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from geo.aggregation import Aggregation
from geo.robustness import scores_for, site_inputs
from geo.weights import direct_weights


def weight_sweep(
    sites: pd.DataFrame,
    weights: Mapping[str, float],
    aggregation: Aggregation | None = None,
    *,
    steps: int = 99,
    id_column: str = "site_id",
) -> pd.DataFrame:
    """One criterion at a time, its weight from 1/(steps+1) to steps/(steps+1) (the others
    scaled in proportion): the leading site and the rank of the base leader at each step.

    Columns: ``criterion``, ``weight``, ``leader``, ``leader_score``, ``base_leader`` (the
    leader under the given weights) and ``base_leader_rank`` (its rank at this step).
    """
    aggregation = aggregation or Aggregation()
    ids, values, base = site_inputs(sites, weights, id_column)
    names = list(base)
    w0 = np.array([base[n] for n in names])
    base_leader = int(
        np.argmax(np.nan_to_num(scores_for(w0[None], values[None], aggregation)[0], nan=-np.inf))
    )
    grid = np.linspace(0.0, 1.0, steps + 2)[1:-1]
    rows = []
    for i, name in enumerate(names):
        others = np.delete(w0, i)
        if others.size:
            others = (
                others / others.sum()
                if others.sum() > 0
                else np.full(others.size, 1.0 / others.size)
            )
        w = np.empty((grid.size, len(names)))
        w[:, i] = grid
        w[:, np.arange(len(names)) != i] = (1.0 - grid)[:, None] * others[None, :]
        scores = np.nan_to_num(scores_for(w, values[None], aggregation), nan=-np.inf)
        leaders = np.argmax(scores, axis=1)
        ranks = 1 + np.sum(scores > scores[:, [base_leader]], axis=1)
        for x, leader, score, rank in zip(grid, leaders, scores.max(axis=1), ranks, strict=True):
            rows.append((name, float(x), ids[leader], float(score), ids[base_leader], int(rank)))
    return pd.DataFrame(
        rows,
        columns=[
            "criterion",
            "weight",
            "leader",
            "leader_score",
            "base_leader",
            "base_leader_rank",
        ],
    )


def leader_ranges(sweep: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Per criterion, the swept weights nearest its given weight at which the base leader is
    no longer first, and who leads there.

    Columns: ``criterion``, ``base_leader``, ``weight`` (given, normalised), ``loses_below``
    (the highest swept weight under it where the leader is not first; NaN: first down to the
    lowest step), ``rival_below``, ``loses_above`` (the lowest such weight over it),
    ``rival_above``.
    """
    base = direct_weights(weights)
    rows = []
    for name, part in sweep.groupby("criterion", sort=False):
        assert isinstance(name, str)  # a criterion's name
        x = part["weight"].to_numpy()
        lost = part["base_leader_rank"].to_numpy() > 1
        leaders = part["leader"].to_numpy()
        below = np.flatnonzero(lost & (x < base[name]))
        above = np.flatnonzero(lost & (x > base[name]))
        low = below[-1] if below.size else None
        high = above[0] if above.size else None
        rows.append(
            {
                "criterion": name,
                "base_leader": part["base_leader"].iloc[0],
                "weight": base[name],
                "loses_below": np.nan if low is None else float(x[low]),
                "rival_below": None if low is None else leaders[low],
                "loses_above": np.nan if high is None else float(x[high]),
                "rival_above": None if high is None else leaders[high],
            }
        )
    numbers = dict.fromkeys(["weight", "loses_below", "loses_above"], float)
    return pd.DataFrame(rows, dtype=object).astype(numbers)  # site ids keep their type


def sweep_statement(ranges: pd.DataFrame) -> str:
    """The ranges in a sentence: where the leader stays first, and what takes it over."""
    leader = ranges["base_leader"].iloc[0]
    steady = ranges[ranges["loses_below"].isna() & ranges["loses_above"].isna()]["criterion"]
    changes = []
    for row in ranges.to_dict("records"):
        if not np.isnan(row["loses_above"]):
            changes.append(
                f"to site {row['rival_above']} when the weight of {row['criterion']} rises to "
                f"{row['loses_above']:.2f} (given {row['weight']:.2f})"
            )
        if not np.isnan(row["loses_below"]):
            changes.append(
                f"to site {row['rival_below']} when the weight of {row['criterion']} falls to "
                f"{row['loses_below']:.2f} (given {row['weight']:.2f})"
            )
    text = f"One weight at a time (the others in proportion): site {leader}"
    if len(steady):
        text += f" stays first whatever the weight of {_listed(list(steady))}"
    if changes:
        text += ("; it" if len(steady) else "") + " loses first place " + _listed(changes)
    return text + "."


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
