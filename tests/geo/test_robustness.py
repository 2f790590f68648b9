"""Robustness of the site ranking under weight draws and sweeps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.aggregation import Aggregation, aggregate
from geo.errors import ColumnError, ModelError
from geo.robustness import TransformJitter, scores_for, weight_monte_carlo
from geo.transforms import Transform, perturbed, standardise
from geo.zonal import SiteProfiles

WEIGHTS = {"access": 0.5, "slope": 0.3, "nature": 0.2}


def site_table(values, ids=None) -> pd.DataFrame:
    values = np.asarray(values, dtype=float)
    table = pd.DataFrame(values, columns=[f"c_{n}" for n in WEIGHTS])
    table.insert(0, "site_id", ids if ids is not None else np.arange(1, len(values) + 1))
    return table


def test_a_dominant_site_is_always_first():
    table = site_table([[0.9, 0.9, 0.9], [0.5, 0.8, 0.1], [0.4, 0.2, 0.85], [0.1, 0.1, 0.1]])
    result = weight_monte_carlo(table, WEIGHTS, draws=500, concentration=5, seed=1)
    row = result.table.set_index("site_id")
    assert row.loc[1, "p_first"] == 1.0 and row.loc[1, "base_rank"] == 1
    assert row.loc[4, "p_top_k"] == 0.0
    assert result.statement.startswith("Site 1 ranks first in 100 % of 500 weight draws")
    assert "robust" in result.statement


def test_probabilities_are_consistent_and_seeded():
    rng = np.random.default_rng(0)
    table = site_table(rng.random((40, 3)))
    first = weight_monte_carlo(table, WEIGHTS, draws=300, seed=7, top_k=3)
    again = weight_monte_carlo(table, WEIGHTS, draws=300, seed=7, top_k=3)
    pd.testing.assert_frame_equal(first.table, again.table)
    assert first.table["p_first"].sum() == pytest.approx(1.0)
    assert first.table["p_top_k"].sum() == pytest.approx(3.0)
    assert np.all(first.table["p_top_k"] >= first.table["p_first"])


def test_close_rivals_share_first_place():
    table = site_table([[0.9, 0.3, 0.5], [0.3, 0.9, 0.55], [0.1, 0.1, 0.1]], ids=["A", "B", "C"])
    weights = {"access": 0.4, "slope": 0.4, "nature": 0.2}
    result = weight_monte_carlo(table, weights, draws=2000, concentration=20, seed=3)
    p = result.table.set_index("site_id")["p_first"]
    assert 0.3 < p["A"] < 0.7 and 0.3 < p["B"] < 0.7 and p["C"] == 0.0
    assert "not stable" in result.statement or "fairly stable" in result.statement
    assert "Site A" in result.statement and "Site B" in result.statement


def test_higher_concentration_narrows_the_spread():
    table = site_table([[0.8, 0.5, 0.5], [0.5, 0.7, 0.6]])
    loose = weight_monte_carlo(table, WEIGHTS, draws=2000, concentration=2, seed=0)
    tight = weight_monte_carlo(table, WEIGHTS, draws=2000, concentration=500, seed=0)
    leader = loose.table.iloc[0]["site_id"]
    p = {r.table.set_index("site_id").loc[leader, "p_first"] for r in (loose, tight)}
    assert tight.table.iloc[0]["p_first"] > loose.table.iloc[0]["p_first"] and len(p) == 2


def test_sites_with_missing_values_never_rank():
    table = site_table([[np.nan, 0.9, 0.9], [0.2, 0.2, 0.2]])
    result = weight_monte_carlo(table, WEIGHTS, draws=50)
    row = result.table.set_index("site_id")
    assert row.loc[1, "p_first"] == 0.0 and row.loc[2, "p_first"] == 1.0
    assert row.loc[1, "base_rank"] == 2


@pytest.mark.parametrize(
    "aggregation",
    [Aggregation("wlc"), Aggregation("wgm"), Aggregation("min"), Aggregation("owa", andness=0.7)],
)
def test_scores_match_the_aggregation_module(aggregation):
    values = np.random.default_rng(2).random((25, 3))
    w = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    scores = scores_for(w, values[None], aggregation)
    for d in range(2):
        assert scores[d] == pytest.approx(aggregate(values.T, w[d], aggregation))


def profiles_of(ids, columns: dict[str, np.ndarray]) -> SiteProfiles:
    """Profiles (sites, criteria, nodes) from per-criterion arrays of raw quantiles."""
    return SiteProfiles(np.asarray(ids), tuple(columns), np.stack(list(columns.values()), axis=1))


def test_without_jitter_the_transforms_change_nothing():
    rng = np.random.default_rng(4)
    table = site_table(rng.random((30, 3)))
    profiles = profiles_of(table["site_id"], {n: rng.random((30, 8)) for n in WEIGHTS})
    still = TransformJitter(profiles, {n: Transform("linear", a=0, b=1) for n in WEIGHTS}, {})
    zero = TransformJitter(still.profiles, still.transforms, dict.fromkeys(WEIGHTS, 0.0))
    plain = weight_monte_carlo(table, WEIGHTS, draws=300, seed=2)
    for jitter in (still, zero):
        result = weight_monte_carlo(table, WEIGHTS, draws=300, seed=2, transform_jitter=jitter)
        pd.testing.assert_frame_equal(result.table, plain.table)
        assert result.transform_jitter == {} and result.statement == plain.statement


def linear_rivals():
    """One criterion, μ = x/10 on [0, 10]. A's raw values all lie at 4.9 (μ 0.49); B's half at
    0 and half at 10 (μ 0.5): B always leads under the given transform, but moving the
    control points moves A's μ and hardly B's."""
    table = pd.DataFrame({"site_id": ["A", "B"], "c_x": [0.49, 0.5]})
    nodes = np.array([[4.9] * 8, [0.0] * 4 + [10.0] * 4])
    jitter = TransformJitter(
        profiles_of(["B", "A"], {"x": nodes[::-1]}),  # another order than the table
        {"x": Transform("linear", a=0.0, b=10.0)},
        {"x": 0.2},
    )
    return table, jitter


def test_uncertain_transforms_spread_a_close_ranking():
    table, jitter = linear_rivals()
    plain = weight_monte_carlo(table, {"x": 1.0}, draws=2000, seed=0)
    varied = weight_monte_carlo(table, {"x": 1.0}, draws=2000, seed=0, transform_jitter=jitter)
    assert plain.table.set_index("site_id").loc["B", "p_first"] == 1.0
    p_a = varied.table.set_index("site_id").loc["A", "p_first"]
    # the same draws by hand: per chunk of 64 the weights, then a transform per draw; the
    # drawn values are c + m(θ') − m(θ) = m(θ'), and A leads when its mean μ is higher
    rng = np.random.default_rng(0)
    leads = 0
    for start in range(0, 2000, 64):
        size = min(64, 2000 - start)
        rng.dirichlet([50.0], size=size)
        for _ in range(size):
            moved = perturbed(jitter.transforms["x"], rng, 0.2)
            mu_a = standardise(np.full(8, 4.9), moved).mean()
            mu_b = standardise(np.array([0.0] * 4 + [10.0] * 4), moved).mean()
            leads += bool(mu_a > mu_b)
    assert p_a == pytest.approx(leads / 2000, abs=1e-12)
    assert 0.2 < p_a < 0.8
    assert varied.transform_jitter == {"x": 0.2}
    assert "draws of the weights and of the transforms" in varied.statement
    assert "transform σ 20 % on 1 criteria" in varied.statement


def test_transform_jitter_is_refused_when_inconsistent():
    _, jitter = linear_rivals()
    with pytest.raises(ModelError, match="bad σ"):
        TransformJitter(jitter.profiles, jitter.transforms, {"x": 1.5})
    with pytest.raises(ModelError, match=r"no transform: \['y'\]"):
        TransformJitter(jitter.profiles, jitter.transforms, {"y": 0.1})
    table = pd.DataFrame({"site_id": ["A", "C"], "c_x": [0.49, 0.5]})
    with pytest.raises(ColumnError, match="site profiles lack"):
        weight_monte_carlo(table, {"x": 1.0}, draws=10, transform_jitter=jitter)


def test_bad_inputs():
    table = site_table([[0.5, 0.5, 0.5]])
    with pytest.raises(ColumnError, match="c_extra"):
        weight_monte_carlo(table, {**WEIGHTS, "extra": 1.0})
    with pytest.raises(ModelError):
        weight_monte_carlo(table, WEIGHTS, draws=0)


def test_ten_thousand_sites_by_a_thousand_draws_is_quick():
    import time

    table = site_table(np.random.default_rng(1).random((10_000, 3)))
    start = time.perf_counter()
    result = weight_monte_carlo(table, WEIGHTS, draws=1000, seed=0)
    assert time.perf_counter() - start < 20  # typically ~1 s; generous for a shared machine
    assert result.table["p_first"].sum() == pytest.approx(1.0)
