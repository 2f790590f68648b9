"""The score difference of two runs: a diverging ramp readable with colour blindness, its
legend, its image, and the third map of a comparison kept on the same view."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from affine import Affine
from webmap_fixtures import CRS, map_data

from webmap.colours import cie_lab, delta_e76, ramp_rgb, simulate_cvd
from webmap.difference import (
    DIFFERENCE_RAMP,
    ScoreDifference,
    difference_image,
    difference_legend,
    ramp_limit,
)
from webmap.map_data import ScoreOverlay
from webmap.maps import compare_html

DEFICIENCIES = ("normal", "deuteranopia", "protanopia")


def seen(kind: str) -> np.ndarray:
    """The ramp at 0, 0.1, …, 1 as seen with ``kind``."""
    colours = ramp_rgb(DIFFERENCE_RAMP, np.linspace(0.0, 1.0, 11))
    return colours if kind == "normal" else simulate_cvd(colours, kind)


@pytest.mark.parametrize("kind", DEFICIENCIES)
def test_both_arms_stay_apart_and_lighten_towards_no_change(kind):
    colours = seen(kind)
    lightness = cie_lab(colours)[:, 0]
    assert (np.diff(lightness[:6]) > 0).all() and (np.diff(lightness[5:]) < 0).all()
    # the two ends, and the two sides at the same distance from "no change", differ
    assert float(delta_e76(colours[0], colours[-1])) > 30
    assert min(float(delta_e76(colours[5 - k], colours[5 + k])) for k in range(2, 6)) > 10


def test_the_limit_is_the_largest_difference_rounded_up():
    assert ramp_limit(np.array([[0.12, -0.31], [np.nan, 0.0]])) == pytest.approx(0.35)
    assert ramp_limit(np.array([[0.0, np.nan]])) == pytest.approx(0.05)
    assert ramp_limit(np.array([[0.3]])) == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("lang", "labels"),
    [("nl", ["−0,40", "0,00", "+0,40"]), ("en", ["−0.40", "0.00", "+0.40"])],
)  # fmt: skip
def test_the_legend_labels_each_tick_with_its_signed_difference(lang, labels):
    legend = difference_legend(0.4, lang)
    assert legend["labels"] == labels and legend["ticks"] == [0.0, 0.5, 1.0]
    assert (
        legend["stops"][0][1] == DIFFERENCE_RAMP[0]
        and legend["stops"][-1][1] == DIFFERENCE_RAMP[-1]
    )


def test_no_change_is_drawn_in_the_middle_colour_and_nodata_transparent():
    values = np.array([[-0.2, 0.0, 0.2], [np.nan, 0.0, 0.0]])
    overlay = ScoreOverlay(values, CRS, Affine(100, 0, 150_000, 0, -100, 170_000))
    image = difference_image(ScoreDifference(overlay, 0.2), max_pixels=64)
    rgba = image.rgba.reshape(-1, 4)
    colours = {tuple(int(v) for v in c[:3]) for c in rgba if c[3] == 255}
    assert (0x7F, 0x3B, 0x08) in colours and (0x2D, 0x00, 0x4B) in colours  # both ends
    middle = colours - {(0x7F, 0x3B, 0x08), (0x2D, 0x00, 0x4B)}
    assert len(middle) == 1 and max(abs(v - 0xF7) for v in middle.pop()) <= 2  # ramp's centre
    assert (rgba[:, 3] == 0).any()  # the NaN cell


def test_a_comparison_with_the_difference_has_three_maps_kept_together():
    data = map_data()
    score = data.score
    difference = ScoreDifference(
        ScoreOverlay(np.asarray(score.values) - 0.5, score.crs, score.transform), 0.5
    )
    page = compare_html(data, data, left_title="A", right_title="B", difference=difference)
    assert page.count("L.map(") == 3 and page.count("parkplan.sync(") == 2
    assert "@media (max-width: 720px)" in page
    legends = re.findall(r"parkplan\.legend\(\w+, (\[.*?\]), map_context_", page)
    last = json.loads(legends[-1])
    assert len(legends) == 3 and last[0]["title"] == "Score rechts − links"
    assert last[0]["labels"] == ["−0,50", "0,00", "+0,50"]
    plain = compare_html(data, data, left_title="A", right_title="B")
    assert plain.count("L.map(") == 2 and "@media (max-width: 720px)" not in plain
