"""The colour ramps stay readable with a colour-vision deficiency.

Deuteranopia (no green cones, the commonest severe form of red-green colour blindness) and
protanopia are simulated with the matrices of Machado, Oliveira & Fernandes (2009) at severity
1.0; differences are CIE76 ΔE*ab (about 2.3 is a just-noticeable difference; 10 is clearly
different at a glance).
"""

from __future__ import annotations

import numpy as np
import pytest

from webmap.colours import (
    CATEGORY_COLOURS,
    CRITERION_RAMP,
    RAMPS,
    anchors_rgb,
    cie_lab,
    delta_e76,
    ramp_rgb,
    simulate_cvd,
)

#: The ramp the maps used before: ColorBrewer RdYlGn, 5 classes (red for poor, green for good).
OLD_RED_GREEN = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")
#: Minimum ΔE between the ends of a ramp, and between its colours a tenth of the scale apart.
MIN_ENDS_DELTA_E = 60.0
MIN_STEP_DELTA_E = 5.0
DEFICIENCIES = ("deuteranopia", "protanopia")


def tenths(anchors) -> np.ndarray:
    """The ramp's colours at 0, 0.1, …, 1 (sRGB 0..255)."""
    return ramp_rgb(anchors, np.linspace(0.0, 1.0, 11))


def separations(anchors, kind: str) -> tuple[float, float, np.ndarray]:
    """Under ``kind``: ΔE between the ends, the smallest ΔE between neighbouring tenths, and
    the lightness L* of every tenth."""
    seen = simulate_cvd(tenths(anchors), kind)
    ends = float(delta_e76(seen[0], seen[-1]))
    steps = delta_e76(seen[:-1], seen[1:])
    return ends, float(steps.min()), cie_lab(seen)[:, 0]


def test_simulation_and_colour_difference_match_published_values():
    # pure colours under deuteranopia (Machado et al. 2009, severity 1.0, linear RGB)
    white, black = np.array([255.0, 255.0, 255.0]), np.array([0.0, 0.0, 0.0])
    assert simulate_cvd(white) == pytest.approx(white, abs=0.6)  # rows sum to 1
    assert simulate_cvd(black) == pytest.approx(black)
    red, green = simulate_cvd(np.array([[255.0, 0, 0], [0, 255.0, 0]]))
    assert red[0] > red[2] and green[0] > green[2]  # both become yellowish-brown
    # CIE L*a*b* of sRGB white and of pure red (D65)
    assert cie_lab(white) == pytest.approx([100.0, 0.0, 0.0], abs=0.05)
    assert cie_lab(np.array([255.0, 0, 0])) == pytest.approx([53.24, 80.09, 67.20], abs=0.1)
    assert delta_e76(white, black) == pytest.approx(100.0, abs=0.05)


@pytest.mark.parametrize("kind", DEFICIENCIES)
@pytest.mark.parametrize("ramp", list(RAMPS))
def test_score_ramps_stay_distinguishable_with_colour_blindness(ramp, kind):
    ends, step, lightness = separations(RAMPS[ramp], kind)
    assert ends >= MIN_ENDS_DELTA_E
    assert step >= MIN_STEP_DELTA_E
    assert (np.diff(lightness) > 0).all()  # dark = poor to light = good, in grey too


@pytest.mark.parametrize("kind", DEFICIENCIES)
def test_the_old_red_green_ramp_fails_the_same_check(kind):
    ends, _, lightness = separations(OLD_RED_GREEN, kind)
    assert ends < MIN_ENDS_DELTA_E  # poor and good look alike
    assert not (np.diff(lightness) > 0).all()


def test_criterion_ramp_is_monotonic_and_distinguishable():
    ends, step, lightness = separations(CRITERION_RAMP, "deuteranopia")
    assert ends >= MIN_ENDS_DELTA_E and step >= MIN_STEP_DELTA_E
    assert (np.diff(lightness) < 0).all()  # light = 0 to dark = 1


def test_exclusion_colours_differ_from_each_other_with_deuteranopia():
    seen = simulate_cvd(anchors_rgb(CATEGORY_COLOURS))
    pairs = [
        float(delta_e76(seen[i], seen[j]))
        for i in range(len(seen))
        for j in range(i + 1, len(seen))
    ]
    assert min(pairs) >= 10.0
