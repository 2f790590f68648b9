"""Aggregation: WLC, WGM, minimum and OWA (FACTS), order weights from ANDness/trade-off."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from geo.aggregation import (
    Aggregation,
    aggregate,
    andness_of,
    owa_weights,
    tradeoff_of,
)
from geo.errors import ModelError

Z = np.array([[0.2, 0.9, 0.5], [0.6, 0.1, 0.5], [1.0, 0.4, 0.0]])  # 3 criteria x 3 cells
U = np.array([0.5, 0.3, 0.2])


def test_wlc_wgm_min():
    assert aggregate(Z, U, Aggregation("wlc")) == pytest.approx(U @ Z)
    assert aggregate(Z, U, Aggregation("wgm")) == pytest.approx(np.prod(Z ** U[:, None], axis=0))
    assert aggregate(Z, U, Aggregation("min")) == pytest.approx(Z.min(axis=0))


def test_weights_are_normalised():
    assert aggregate(Z, U * 10, Aggregation()) == pytest.approx(U @ Z)


def owa_by_hand(z: np.ndarray, u: np.ndarray, v: np.ndarray) -> float:
    order = np.argsort(z)
    uv = u[order] * v
    return float(np.sum(uv * z[order]) / np.sum(uv))


def test_owa_special_cases():
    n = Z.shape[0]
    minimum = aggregate(Z, U, Aggregation("owa", order_weights=(1, 0, 0)))
    maximum = aggregate(Z, U, Aggregation("owa", order_weights=(0, 0, 1)))
    wlc = aggregate(Z, U, Aggregation("owa", order_weights=(1 / n,) * n))
    assert minimum == pytest.approx(Z.min(axis=0))
    assert maximum == pytest.approx(Z.max(axis=0))
    assert wlc == pytest.approx(U @ Z)


def test_owa_with_criterion_weights_matches_formula():
    v = np.array([0.5, 0.3, 0.2])
    out = aggregate(Z, U, Aggregation("owa", order_weights=tuple(v)))
    assert out == pytest.approx([owa_by_hand(Z[:, k], U, v) for k in range(Z.shape[1])])


def test_andness_and_tradeoff_of_special_cases():
    assert (andness_of([1, 0, 0, 0]), tradeoff_of([1, 0, 0, 0])) == (1.0, 0.0)
    assert (andness_of([0, 0, 0, 1]), tradeoff_of([0, 0, 0, 1])) == (0.0, 0.0)
    assert andness_of([0.25] * 4) == 0.5 and tradeoff_of([0.25] * 4) == pytest.approx(1.0)


@pytest.mark.parametrize("n", [3, 5, 8])
@pytest.mark.parametrize("andness", [0.2, 0.5, 0.65, 0.8])
def test_owa_weights_hit_requested_andness_and_tradeoff(n, andness):
    even = owa_weights(n, andness=andness)
    assert andness_of(even) == pytest.approx(andness, abs=1e-12)
    assert even.sum() == pytest.approx(1.0) and np.all(even >= 0)
    target = 0.8 * tradeoff_of(even)
    try:
        v = owa_weights(n, andness=andness, tradeoff=target)
    except ModelError as error:  # only where the reachable range is a single point
        assert "within" in str(error)
        return
    assert andness_of(v) == pytest.approx(andness, abs=1e-12)
    assert tradeoff_of(v) == pytest.approx(target, abs=1e-9)
    assert np.all(v >= -1e-15)


def test_most_even_weights_are_the_least_squares_ones():
    # the most even weights at ANDness 0.5 are uniform: WLC
    assert owa_weights(6, andness=0.5) == pytest.approx(np.full(6, 1 / 6))
    # at ANDness 1 and 0: the minimum and the maximum
    assert owa_weights(4, andness=1.0) == pytest.approx([1, 0, 0, 0], abs=1e-12)
    assert owa_weights(4, andness=0.0) == pytest.approx([0, 0, 0, 1], abs=1e-12)
    # linear weights are most even where they stay positive: 8 criteria, ANDness 0.7
    v = owa_weights(8, andness=0.7)
    assert np.allclose(np.diff(v), np.diff(v)[0])


def test_unreachable_tradeoff_names_the_range():
    with pytest.raises(ModelError, match=r"expected a trade-off within \[0\.\d+, 0\.\d+\]"):
        owa_weights(5, andness=0.9, tradeoff=0.9)


def test_aggregation_from_andness_scores_between_min_and_wlc():
    strict = aggregate(Z, U, Aggregation("owa", andness=0.8))
    assert np.all(strict <= U @ Z + 1e-12) and np.all(strict >= Z.min(axis=0) - 1e-12)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"method": "sum"},
        {"method": "wlc", "andness": 0.5},
        {"method": "owa"},
        {"method": "owa", "order_weights": (1, 0), "andness": 0.5},
        {"method": "owa", "order_weights": (-1, 2)},
        {"method": "owa", "andness": 1.5},
    ],
)
def test_invalid_aggregations(kwargs):
    with pytest.raises(ModelError):
        Aggregation(**kwargs)


def test_order_weights_must_match_criteria_and_weights_positive():
    with pytest.raises(ModelError, match="one order weight per criterion"):
        aggregate(Z, U, Aggregation("owa", order_weights=(0.5, 0.5)))
    with pytest.raises(ModelError, match="zero criterion weight"):
        aggregate(Z, np.array([0.5, 0.5, 0.0]), Aggregation("owa", andness=0.5))


def test_nan_in_any_criterion_gives_nan():
    z = Z.copy()
    z[1, 2] = np.nan
    for method in ("wlc", "wgm", "min"):
        out = aggregate(z, U, Aggregation(method))
        assert np.isnan(out[2]) and not np.isnan(out[:2]).any()
    assert np.isnan(aggregate(z, U, Aggregation("owa", andness=0.3))[2])
    assert np.isnan(aggregate(z, U, Aggregation("owa", order_weights=(1, 0, 0)))[2])
    for method in ("wlc", "wgm"):  # even when the criterion without data weighs nothing
        assert np.isnan(aggregate(z, np.array([0.5, 0.0, 0.5]), Aggregation(method))[2])


AGGREGATIONS = [
    Aggregation("wlc"),
    Aggregation("wgm"),
    Aggregation("min"),
    Aggregation("owa", andness=0.75),
    Aggregation("owa", andness=0.3, tradeoff=0.6),
    Aggregation("owa", order_weights=(0.1, 0.2, 0.3, 0.4)),
]
stacks = arrays(np.float64, (4, 6), elements=st.floats(0, 1))
positive_weights = arrays(np.float64, 4, elements=st.floats(0.01, 10))


@settings(max_examples=60, deadline=None)
@given(stack=stacks, weights=positive_weights, aggregation=st.sampled_from(AGGREGATIONS))
def test_scores_stay_in_unit_interval(stack, weights, aggregation):
    out = aggregate(stack, weights, aggregation)
    assert np.all((out >= 0) & (out <= 1))


@settings(max_examples=80, deadline=None)
@given(
    stack=stacks,
    weights=positive_weights,
    k=st.integers(0, 3),
    factor=st.floats(1.0, 20.0),
    aggregation=st.sampled_from(AGGREGATIONS),
)
def test_raising_a_weight_never_lowers_a_cell_best_on_that_criterion(
    stack, weights, k, factor, aggregation
):
    before = aggregate(stack, weights, aggregation)
    raised = weights.copy()
    raised[k] *= factor
    after = aggregate(stack, raised, aggregation)
    best_on_k = stack[k] >= stack.max(axis=0)
    assert np.all(after[best_on_k] >= before[best_on_k] - 1e-12)
