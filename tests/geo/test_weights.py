"""Weights: direct, rank-based (FACTS formulas) and AHP (Saaty's published example)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from geo.errors import ModelError
from geo.weights import (
    RANDOM_INDEX,
    InconsistentJudgementsWarning,
    ahp_weights,
    direct_weights,
    rank_weights,
)


def test_direct_weights_are_normalised():
    assert direct_weights({"a": 2, "b": 6, "c": 0}) == {"a": 0.25, "b": 0.75, "c": 0.0}


@pytest.mark.parametrize("weights", [{"a": -1, "b": 2}, {"a": 0, "b": 0}, {"a": math.nan}, {}])
def test_direct_weights_refuse_bad_input(weights):
    with pytest.raises(ModelError):
        direct_weights(weights)


def exact_rank_weights(n: int, method: str) -> list[float]:
    """FACTS formulas evaluated with exact fractions."""
    if method == "rank_sum":
        w = [Fraction(2 * (n + 1 - k), n * (n + 1)) for k in range(1, n + 1)]
    elif method == "rank_reciprocal":
        total = sum(Fraction(1, i) for i in range(1, n + 1))
        w = [Fraction(1, k) / total for k in range(1, n + 1)]
    else:
        w = [sum(Fraction(1, i) for i in range(k, n + 1)) / n for k in range(1, n + 1)]
    return [float(x) for x in w]


@pytest.mark.parametrize("method", ["rank_sum", "rank_reciprocal", "rank_order_centroid"])
@pytest.mark.parametrize("n", range(1, 7))
def test_rank_weights_match_formulas(n, method):
    names = [f"c{k}" for k in range(n)]
    weights = rank_weights(names, method=method)
    assert list(weights) == names
    assert list(weights.values()) == pytest.approx(exact_rank_weights(n, method), abs=1e-15)
    assert sum(weights.values()) == pytest.approx(1.0)
    values = list(weights.values())
    assert values == sorted(values, reverse=True)


def test_rank_order_centroid_published_values_for_four():
    # Barron & Barrett (1996): ROC weights for 4 criteria 0.5208, 0.2708, 0.1458, 0.0625
    w = rank_weights(list("abcd"), method="rank_order_centroid")
    assert list(w.values()) == pytest.approx([0.5208, 0.2708, 0.1458, 0.0625], abs=1e-4)


def test_rank_weights_refuse_unknown_method_and_duplicates():
    with pytest.raises(ModelError, match="rank_sum, rank_reciprocal, rank_order_centroid"):
        rank_weights(["a"], method="borda")
    with pytest.raises(ModelError):
        rank_weights(["a", "a"])


# Saaty (1990), "How to make a decision: the analytic hierarchy process", EJOR 48: choosing a
# house, eight criteria. Published: weights .173 .054 .188 .018 .031 .036 .167 .333,
# λmax = 9.669, CI = 0.238, CR = 0.169.
HOUSE = [
    "size",
    "transport",
    "neighbourhood",
    "age",
    "yard",
    "facilities",
    "condition",
    "financing",
]
HOUSE_MATRIX = [
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
    [4, 7, 5, 8, 6, 6, 2, 1],
]


def test_ahp_reproduces_saaty_house_example_and_warns():
    with pytest.warns(InconsistentJudgementsWarning, match="consistency ratio 0.169"):
        result = ahp_weights(HOUSE, HOUSE_MATRIX)
    published = [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333]
    assert list(result.weights.values()) == pytest.approx(published, abs=5e-4)
    assert result.lambda_max == pytest.approx(9.669, abs=5e-4)
    assert result.ci == pytest.approx(0.238, abs=5e-4)
    assert result.cr == pytest.approx(0.169, abs=5e-4)
    assert result.random_index == 1.41
    assert not result.acceptable
    # neighbourhood over condition: judged 6, but the weights imply about 1.1
    worst = result.most_inconsistent[0]
    assert {worst.i, worst.j} == {"neighbourhood", "condition"}
    assert worst.judgement == 6 and worst.implied == pytest.approx(0.188 / 0.167, rel=0.02)


def consistent_matrix(w: np.ndarray) -> np.ndarray:
    return w[:, None] / w[None, :]


@pytest.mark.parametrize(("n", "ri"), [(3, 0.58), (4, 0.90), (10, 1.49)])
def test_random_index_for_three_four_and_ten(n, ri):
    assert RANDOM_INDEX[n - 1] == ri
    w = np.arange(1, n + 1, dtype=float)
    result = ahp_weights([f"c{k}" for k in range(n)], consistent_matrix(w))
    assert result.random_index == ri
    assert result.cr == pytest.approx(0.0, abs=1e-9) and result.acceptable
    assert list(result.weights.values()) == pytest.approx(w / w.sum())


def test_consistency_ratio_is_ci_over_ri():
    # a mildly inconsistent 3x3 matrix: CR = ((λ − 3)/2) / 0.58
    matrix = [[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]]
    result = ahp_weights(["a", "b", "c"], matrix)
    lam = max(np.linalg.eigvals(np.array(matrix)).real)
    assert result.lambda_max == pytest.approx(lam)
    assert result.cr == pytest.approx((lam - 3) / 2 / 0.58)
    assert result.acceptable


def test_most_inconsistent_judgement_is_the_perturbed_one():
    w = np.array([4.0, 3.0, 2.0, 1.0])
    matrix = consistent_matrix(w)
    matrix[0, 2] *= 9
    matrix[2, 0] = 1 / matrix[0, 2]
    with pytest.warns(InconsistentJudgementsWarning, match="a over c"):
        result = ahp_weights(list("abcd"), matrix)
    assert (result.most_inconsistent[0].i, result.most_inconsistent[0].j) == ("a", "c")


def test_ahp_refuses_non_reciprocal_and_too_many():
    with pytest.raises(ModelError, match="not reciprocal"):
        ahp_weights(["a", "b"], [[1, 3], [3, 1]])
    with pytest.raises(ModelError, match="1 to 10"):
        ahp_weights([f"c{k}" for k in range(11)], np.ones((11, 11)))
