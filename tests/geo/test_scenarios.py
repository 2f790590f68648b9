"""Scenario comparison tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.errors import ColumnError, ModelError
from geo.scenarios import compare_scenarios, rank_correlation


def table(ids, scores):
    frame = pd.DataFrame({"site_id": ids, "score": scores})
    frame["rank"] = frame["score"].rank(ascending=False, method="first").astype(int)
    return frame


def test_rank_changes_against_the_baseline():
    base = table([1, 2, 3, 4], [0.9, 0.8, 0.7, 0.6])
    green = table([1, 2, 3, 4], [0.5, 0.85, 0.7, 0.95])
    compact = table([1, 2, 3], [0.9, 0.8, 0.7])
    out = compare_scenarios({"base": base, "green": green, "compact": compact})
    assert out["site_id"].tolist() == [1, 2, 3, 4]
    assert out["rank_change_green"].tolist() == [3, 0, 0, -3]
    assert out["rank_change_compact"].tolist()[:3] == [0, 0, 0]
    assert pd.isna(out["rank_change_compact"].iloc[3])
    assert out["max_rank_change"].tolist() == [3, 0, 0, 3]
    assert {"score_base", "score_green", "rank_compact"} <= set(out.columns)


def test_named_baseline_orders_the_table():
    base = table([1, 2], [0.9, 0.1])
    other = table([1, 2], [0.1, 0.9])
    out = compare_scenarios({"base": base, "other": other}, baseline="other")
    assert out["site_id"].tolist() == [2, 1]
    assert out["rank_change_base"].tolist() == [1, -1]


def test_rank_correlation():
    ids = list(range(10))
    scores = np.linspace(1, 0, 10)
    same, reversed_ = table(ids, scores), table(ids, scores[::-1])
    tau = rank_correlation({"a": same, "b": same, "c": reversed_})
    assert tau.loc["a", "b"] == pytest.approx(1.0)
    assert tau.loc["a", "c"] == pytest.approx(-1.0)


def test_bad_inputs():
    with pytest.raises(ModelError):
        compare_scenarios({})
    with pytest.raises(ModelError, match="baseline"):
        compare_scenarios({"a": table([1], [0.5])}, baseline="b")
    with pytest.raises(ColumnError, match="rank"):
        compare_scenarios({"a": pd.DataFrame({"site_id": [1], "score": [0.5]})})
