"""One weight at a time: the sweep, the ranges where the leader stays first, the sentence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.aggregation import Aggregation
from geo.sensitivity import leader_ranges, sweep_statement, weight_sweep

# A = x·1 + y·0 + z·0.5, B = x·0 + y·0.8 + z·0.5: with z aside, A leads while w_x > 0.8·w_y
TABLE = pd.DataFrame(
    {"site_id": ["A", "B"], "c_x": [1.0, 0.0], "c_y": [0.0, 0.8], "c_z": [0.5, 0.5]}
)


def test_weight_sweep_finds_the_switch():
    two = TABLE.drop(columns="c_z")
    sweep = weight_sweep(two, {"x": 0.5, "y": 0.5}, steps=9)
    on_x = sweep[sweep["criterion"] == "x"]
    # A leads when w_x > 0.8 (1 − w_x) ⇔ w_x > 4/9
    assert on_x["weight"].tolist() == pytest.approx([k / 10 for k in range(1, 10)])
    expected = ["A" if w > 4 / 9 else "B" for w in on_x["weight"]]
    assert on_x["leader"].tolist() == expected
    assert on_x["base_leader_rank"].tolist() == [1 if w > 4 / 9 else 2 for w in on_x["weight"]]


def test_leader_ranges_bracket_the_exact_switch_points():
    weights = {"x": 0.5, "y": 0.3, "z": 0.2}
    ranges = leader_ranges(weight_sweep(TABLE, weights), weights).set_index("criterion")
    assert ranges["weight"].tolist() == pytest.approx([0.5, 0.3, 0.2])
    # x swept, y = 0.6(1 − x), z = 0.4(1 − x): A = x + 0.2(1 − x), B = 0.68(1 − x);
    # A first ⇔ x > 0.48/1.48 = 0.324: lost at 0.32, the highest step under it
    assert ranges.loc["x", "loses_below"] == pytest.approx(0.32)
    assert ranges.loc["x", "rival_below"] == "B" and np.isnan(ranges.loc["x", "loses_above"])
    # y swept, x = 5(1 − y)/7, z = 2(1 − y)/7: A first ⇔ 5(1 − y)/7 > 0.8·y ⇔ y < 0.4717
    assert ranges.loc["y", "loses_above"] == pytest.approx(0.48)
    assert ranges.loc["y", "rival_above"] == "B" and np.isnan(ranges.loc["y", "loses_below"])
    # z adds the same 0.5·z to both: A stays first whatever its weight
    assert ranges.loc["z", ["loses_below", "loses_above"]].isna().all()


def test_sweep_statement_names_the_steady_weights_and_the_switches():
    weights = {"x": 0.5, "y": 0.3, "z": 0.2}
    ranges = leader_ranges(weight_sweep(TABLE, weights), weights)
    text = sweep_statement(ranges)
    assert text == (
        "One weight at a time (the others in proportion): site A stays first whatever the "
        "weight of z; it loses first place to site B when the weight of x falls to 0.32 "
        "(given 0.50) and to site B when the weight of y rises to 0.48 (given 0.30)."
    )


@pytest.mark.parametrize("aggregation", [Aggregation("wgm"), Aggregation("owa", andness=0.8)])
def test_sweeps_follow_the_aggregation(aggregation):
    sweep = weight_sweep(TABLE.assign(c_y=[0.1, 0.8]), {"x": 1, "y": 1, "z": 1}, aggregation)
    assert set(sweep["leader"]) <= {"A", "B"}
    assert sweep["leader_score"].between(0, 1).all()


def test_rival_ids_keep_their_type():
    table = TABLE.assign(site_id=[7, 9])
    weights = {"x": 0.5, "y": 0.3, "z": 0.2}
    ranges = leader_ranges(weight_sweep(table, weights), weights).set_index("criterion")
    assert ranges.loc["x", "rival_below"] == 9 and isinstance(
        ranges.loc["x", "rival_below"], int | np.integer
    )
    assert "to site 9 when" in sweep_statement(ranges.reset_index())
