"""Standardisation functions against their formulas (FACTS: fuzzy standardisation)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import ModelError
from geo.transforms import KINDS, Transform, perturbed, standardise


def mu(transform: Transform, *xs: float) -> list[float]:
    return standardise(np.array(xs, dtype=float), transform).tolist()


def test_linear_increasing_at_and_between_control_points():
    t = Transform("linear", a=10.0, b=30.0)
    assert mu(t, 0, 10, 15, 20, 30, 40) == pytest.approx([0, 0, 0.25, 0.5, 1, 1])


def test_linear_decreasing_and_symmetric():
    assert mu(Transform("linear", "decreasing", c=10, d=30), 0, 10, 25, 30, 99) == pytest.approx(
        [1, 1, 0.25, 0, 0]
    )
    sym = Transform("linear", "symmetric", a=0, b=10, c=20, d=40)
    assert mu(sym, -1, 5, 10, 15, 20, 30, 40, 50) == pytest.approx([0, 0.5, 1, 1, 1, 0.5, 0, 0])


def test_sigmoid_matches_cos_squared_formula():
    a, b, c, d = 100.0, 500.0, 2000.0, 6000.0
    rising = Transform("sigmoid", a=a, b=b)
    xs = [50, a, 150, 300, 420, b, 900]
    expected = [
        0.0 if x <= a else 1.0 if x >= b else math.cos((1 - (x - a) / (b - a)) * math.pi / 2) ** 2
        for x in xs
    ]
    assert mu(rising, *xs) == pytest.approx(expected, abs=1e-15)
    assert mu(rising, (a + b) / 2) == pytest.approx([0.5])
    falling = Transform("sigmoid", "decreasing", c=c, d=d)
    xs = [0, c, 2500, 4000, 5900, d, 9000]
    expected = [
        1.0 if x <= c else 0.0 if x >= d else math.cos((x - c) / (d - c) * math.pi / 2) ** 2
        for x in xs
    ]
    assert mu(falling, *xs) == pytest.approx(expected, abs=1e-15)


def test_sigmoid_symmetric_is_one_between_b_and_c():
    t = Transform("sigmoid", "symmetric", a=0, b=10, c=20, d=30)
    assert mu(t, 0, 5, 10, 15, 20, 25, 30) == pytest.approx([0, 0.5, 1, 1, 1, 0.5, 0], abs=1e-12)


def test_j_shaped_is_half_at_a_and_never_zero():
    a, b = 10.0, 20.0
    t = Transform("j_shaped", a=a, b=b)
    xs = [-1000.0, 0.0, a, 15.0, b, 25.0]
    expected = [1 / (1 + ((x - b) / (b - a)) ** 2) if x < b else 1.0 for x in xs]
    values = mu(t, *xs)
    assert values == pytest.approx(expected)
    assert values[2] == pytest.approx(0.5) and values[1] == pytest.approx(0.2)
    assert min(values) > 0
    falling = Transform("j_shaped", "decreasing", c=100, d=300)
    assert mu(falling, 50, 100, 300, 500) == pytest.approx([1, 1, 0.5, 0.2])


def test_gaussian_near_formula():
    t = Transform("gaussian", "symmetric", a=0, b=10, c=20, d=40)
    xs = [-10, 0, 5, 10, 15, 20, 40, 60]
    expected = [
        math.exp(-math.log(2) * ((x - 10) / 10) ** 2)
        if x < 10
        else 1.0
        if x <= 20
        else math.exp(-math.log(2) * ((x - 20) / 20) ** 2)
        for x in xs
    ]
    assert mu(t, *xs) == pytest.approx(expected)
    assert mu(t, 0, 40, -10) == pytest.approx([0.5, 0.5, 1 / 16])


def test_piecewise_interpolates_and_holds_ends():
    t = Transform("piecewise", points=[(0, 0), (10, 1), (20, 0.5)])
    assert mu(t, -5, 0, 5, 10, 15, 20, 30) == pytest.approx([0, 0, 0.5, 1, 0.75, 0.5, 0.5])


def test_categorical_unknown_is_zero_and_nan_stays():
    t = Transform("categorical", mapping={1: 0.2, 2: 1.0})
    values = mu(t, 1, 2, 3, math.nan)
    assert values[:3] == [0.2, 1.0, 0.0] and math.isnan(values[3])


@pytest.mark.parametrize(
    "transform",
    [
        Transform("linear", a=0, b=1),
        Transform("sigmoid", "decreasing", c=0, d=1),
        Transform("j_shaped", a=0, b=1),
        Transform("gaussian", "symmetric", a=0, b=1, c=2, d=3),
        Transform("piecewise", points=[(0, 0), (1, 1)]),
        Transform("categorical", mapping={0: 1.0}),
    ],
)
def test_nan_is_preserved(transform):
    out = standardise(np.array([np.nan, 0.5, np.nan]), transform)
    assert out.dtype == np.float64
    assert np.isnan(out[[0, 2]]).all() and not np.isnan(out[1])


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"kind": "logistic"}, "linear, sigmoid, j_shaped, gaussian, piecewise, categorical"),
        (
            {"kind": "linear", "direction": "up", "a": 0, "b": 1},
            "increasing, decreasing, symmetric",
        ),
        ({"kind": "linear", "a": 0}, "without b"),
        ({"kind": "linear", "direction": "decreasing", "a": 0, "b": 1}, "without c, d"),
        ({"kind": "sigmoid", "a": 5, "b": 1}, "a ≤ b ≤ c ≤ d"),
        ({"kind": "linear", "a": 1, "b": 1}, "expected a < b"),
        ({"kind": "piecewise", "points": [(0, 0), (0, 1)]}, "increasing x"),
        ({"kind": "piecewise", "points": [(0, 0), (1, 2)]}, "within [0, 1]"),
        ({"kind": "categorical", "mapping": {}}, "non-empty mapping"),
        ({"kind": "categorical", "mapping": {"a": 1.5}}, "within [0, 1]"),
    ],
)
def test_invalid_transforms_are_refused_in_one_line(kwargs, fragment):
    with pytest.raises(ModelError, match=None) as info:
        Transform(**kwargs)
    message = str(info.value)
    assert fragment in message and "\n" not in message


def test_all_kinds_are_listed():
    assert KINDS == ("linear", "sigmoid", "j_shaped", "gaussian", "piecewise", "categorical")


finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(
    kind=st.sampled_from(["linear", "sigmoid", "j_shaped", "gaussian"]),
    points=st.lists(st.floats(-1e3, 1e3), min_size=4, max_size=4, unique=True).map(sorted),
    xs=st.lists(finite, min_size=1, max_size=20),
)
def test_output_in_unit_interval_and_monotone(kind, points, xs):
    a, b, c, d = points
    x = np.sort(np.array(xs))
    rising = standardise(x, Transform(kind, a=a, b=b))
    falling = standardise(x, Transform(kind, "decreasing", c=c, d=d))
    sym = standardise(x, Transform(kind, "symmetric", a=a, b=b, c=c, d=d))
    for values in (rising, falling, sym):
        assert np.all((values >= 0) & (values <= 1))
    assert np.all(np.diff(rising) >= -1e-12)
    assert np.all(np.diff(falling) <= 1e-12)


@pytest.mark.parametrize("kind", ["linear", "sigmoid", "j_shaped", "gaussian"])
def test_float32_output_is_close_and_never_subnormal(kind):
    x = np.linspace(-1e4, 1e4, 20_001)
    t = Transform(kind, "symmetric", a=-10, b=0, c=1, d=11)
    single = standardise(x.astype(np.float32), t, dtype=np.float32)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, standardise(x, t), atol=1e-6)
    for values in (single, standardise(x, t)):
        tiny = np.finfo(values.dtype).tiny
        assert not np.any((values > 0) & (values < tiny))


CONTROL_POINTS = {"increasing": "ab", "decreasing": "cd", "symmetric": "abcd"}
PERTURBABLE = [
    Transform("linear", a=0.0, b=10.0),
    Transform("sigmoid", "decreasing", c=100.0, d=1500.0),
    Transform("gaussian", "symmetric", a=0.0, b=1.0, c=1.0, d=3.0),
    Transform("j_shaped", "symmetric", a=-5.0, b=0.0, c=4.0, d=4.5),
    Transform("piecewise", points=((0.0, 0.0), (5.0, 1.0), (9.0, 0.5))),
    Transform("categorical", mapping={1: 0.0, 2: 0.4, 3: 1.0}),
]


@pytest.mark.parametrize("transform", PERTURBABLE, ids=lambda t: f"{t.kind}-{t.direction}")
def test_zero_perturbation_keeps_the_transform(transform):
    assert perturbed(transform, np.random.default_rng(0), 0.0) == transform


@pytest.mark.parametrize("transform", PERTURBABLE, ids=lambda t: f"{t.kind}-{t.direction}")
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), sd=st.floats(0.0, 1.0))
def test_perturbed_transforms_are_valid_and_consume_one_number_per_parameter(transform, seed, sd):
    rng = np.random.default_rng(seed)
    moved = perturbed(transform, rng, sd)  # validated by Transform itself: a < b ≤ c < d …
    assert (moved.kind, moved.direction) == (transform.kind, transform.direction)
    mu = standardise(np.linspace(-10.0, 2000.0, 301), moved)
    assert np.all((mu >= 0) & (mu <= 1))
    parameters = len(transform.mapping or transform.points or CONTROL_POINTS[transform.direction])
    after = np.random.default_rng(seed)
    after.normal(size=parameters)
    assert rng.random() == after.random()


def test_perturbation_has_the_stated_spread():
    """Control points move by N(0, (σ·width)²): b − a = 10, σ = 0.1 gives sd 1 on a and b."""
    rng = np.random.default_rng(1)
    moved = [perturbed(Transform("linear", a=100.0, b=110.0), rng, 0.1) for _ in range(4000)]
    a = np.array([t.a for t in moved])
    assert a.mean() == pytest.approx(100.0, abs=0.06) and a.std() == pytest.approx(1.0, rel=0.05)
    shifts = np.array(
        [
            t.mapping[2]
            for t in (
                perturbed(Transform("categorical", mapping={2: 0.5}), rng, 0.1) for _ in range(4000)
            )
        ]
    )
    assert shifts.std() == pytest.approx(0.1, rel=0.05)


def test_perturbation_refuses_a_bad_sd():
    with pytest.raises(ModelError, match="perturbation sd"):
        perturbed(PERTURBABLE[0], np.random.default_rng(0), -0.1)
