"""Scenarios side by side: how the site ranking changes between named variants of the model.

Each scenario contributes its site table (from :func:`geo.zonal.zonal_scores`: ``site_id``,
``score``, ``rank``). :func:`compare_scenarios` lines them up per site with the rank change
against a baseline; :func:`rank_correlation` gives Kendall's τ between every pair of rankings.

Examples
--------
>>> import pandas as pd
>>> a = pd.DataFrame({"site_id": [1, 2], "score": [0.9, 0.5], "rank": [1, 2]})
>>> b = pd.DataFrame({"site_id": [1, 2], "score": [0.4, 0.6], "rank": [2, 1]})
>>> compare_scenarios({"base": a, "green": b})["rank_change_green"].tolist()
[1, -1]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from geo.errors import ColumnError, ModelError


def compare_scenarios(
    tables: Mapping[str, pd.DataFrame], *, baseline: str | None = None, id_column: str = "site_id"
) -> pd.DataFrame:
    """Per site: ``score_<scenario>`` and ``rank_<scenario>`` for every scenario,
    ``rank_change_<scenario>`` (rank minus the baseline's rank: positive = drops) and
    ``max_rank_change`` (largest absolute change), ordered by the baseline rank.

    The baseline is the first scenario unless named. A site missing from a scenario has NaN.
    """
    if not tables:
        raise ModelError("no scenarios to compare; expected at least one named site table.")
    baseline = next(iter(tables)) if baseline is None else baseline
    if baseline not in tables:
        raise ModelError(f"baseline {baseline!r}; expected one of {list(tables)}.")
    merged: pd.DataFrame | None = None
    for name, table in tables.items():
        missing = [c for c in (id_column, "score", "rank") if c not in table.columns]
        if missing:
            raise ColumnError(f"scenario {name!r} lacks columns {missing}; expected a site table.")
        part = table[[id_column, "score", "rank"]].rename(
            columns={"score": f"score_{name}", "rank": f"rank_{name}"}
        )
        merged = part if merged is None else merged.merge(part, on=id_column, how="outer")
    assert merged is not None
    changes = []
    for name in tables:
        if name != baseline:
            column = f"rank_change_{name}"
            merged[column] = (merged[f"rank_{name}"] - merged[f"rank_{baseline}"]).astype("Int64")
            changes.append(column)
    merged["max_rank_change"] = (
        merged[changes].abs().max(axis=1).astype("Int64")
        if changes
        else pd.array([0] * len(merged), dtype="Int64")
    )
    return merged.sort_values([f"rank_{baseline}", id_column], na_position="last").reset_index(
        drop=True
    )


def rank_correlation(
    tables: Mapping[str, pd.DataFrame], *, id_column: str = "site_id"
) -> pd.DataFrame:
    """Kendall's τ between the rankings of every pair of scenarios (on their common sites)."""
    names = list(tables)
    tau = np.eye(len(names))
    for i, a in enumerate(names):
        for j in range(i + 1, len(names)):
            b = names[j]
            common = tables[a][[id_column, "rank"]].merge(
                tables[b][[id_column, "rank"]], on=id_column, suffixes=("_a", "_b")
            )
            value = (
                kendalltau(common["rank_a"], common["rank_b"]).statistic
                if len(common) > 1
                else np.nan
            )
            tau[i, j] = tau[j, i] = value
    return pd.DataFrame(tau, index=names, columns=names)
