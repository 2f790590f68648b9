"""One scoring kernel: the engine, the Monte Carlo and the weight sweep score with the same
function, so they agree for every aggregation method and any weights, zeros included.

A criterion of weight 0 once made the geometric mean NaN in the Monte Carlo (0 × log 0) while
the engine scored the site 0.5: the mayors would have read "never first" for the site ranked
first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from geo.aggregation import Aggregation, aggregate
from geo.robustness import scores_for, weight_monte_carlo

METHODS = [
    Aggregation("wlc"),
    Aggregation("wgm"),
    Aggregation("min"),
    Aggregation("owa", andness=0.7),
]


def test_a_zero_weight_takes_no_part_in_the_geometric_mean():
    values = np.array([[0.0, 0.25], [0.5, 0.81]])  # sites x criteria; criterion 0 weighs 0
    weights = np.array([0.0, 1.0])
    engine = aggregate(values.T, weights, Aggregation("wgm"))
    monte_carlo = scores_for(weights[None], values[None], Aggregation("wgm"))[0]
    assert engine == pytest.approx([0.25, 0.81]) and monte_carlo == pytest.approx(engine)


def site_table(values: np.ndarray) -> pd.DataFrame:
    table = pd.DataFrame(values, columns=[f"c_k{i}" for i in range(values.shape[1])])
    return table.assign(site_id=np.arange(1, len(values) + 1))


@settings(max_examples=60, deadline=None)
@given(
    values=hnp.arrays(np.float64, (6, 4), elements=st.floats(0.0, 1.0)),
    raw_weights=hnp.arrays(np.float64, 4, elements=st.sampled_from([0.0, 0.1, 0.3, 1.0, 2.5])),
    method=st.sampled_from(range(len(METHODS))),
)
def test_the_monte_carlo_at_its_base_point_reproduces_the_engine(values, raw_weights, method):
    aggregation = METHODS[method]
    if raw_weights.sum() == 0 or (aggregation.method == "owa" and np.any(raw_weights == 0)):
        return  # refused by both (all-zero weights; OWA needs every weight > 0)
    weights = raw_weights / raw_weights.sum()
    engine = aggregate(values.T, weights, aggregation)  # each site a cell of uniform values
    names = [f"k{i}" for i in range(4)]
    result = weight_monte_carlo(
        site_table(values),
        dict(zip(names, weights, strict=True)),
        aggregation=aggregation,
        draws=20,
        concentration=50.0,
        seed=1,
    )
    table = result.table.sort_values("site_id")
    np.testing.assert_allclose(table["base_score"], engine, rtol=0, atol=1e-12)
    engine_ranks = pd.Series(-engine).rank(method="first").to_numpy()
    by_monte_carlo = table.set_index("site_id")["base_rank"].to_numpy()
    tied = np.isclose(np.sort(engine)[:-1], np.sort(engine)[1:], atol=1e-12).any()
    if not tied:
        assert (by_monte_carlo == engine_ranks).all()
