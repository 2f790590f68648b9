"""The difference between the scores of two runs, as a map layer: a diverging colour ramp
centred on "no change", its image and its legend.

The ramp is ColorBrewer's "PuOr" with 11 classes (Brewer, colorbrewer2.org), marked there as
safe for colour-blind readers: orange where the right-hand run scores lower, purple where it
scores higher, near-white where both agree. Its two arms differ in lightness as well as hue,
so they stay apart with deuteranopia and protanopia (see :func:`webmap.colours.simulate_cvd`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from webmap.colours import gradient_stops, ramp_lut
from webmap.formats import Formats
from webmap.i18n import check_lang
from webmap.map_data import ScoreOverlay
from webmap.overlay import OverlayImage, overlay_image

#: Lower on the right (orange) … equal (near-white) … higher on the right (purple).
DIFFERENCE_RAMP: tuple[str, ...] = (
    "#7f3b08", "#b35806", "#e08214", "#fdb863", "#fee0b6", "#f7f7f7",
    "#d8daeb", "#b2abd2", "#8073ac", "#542788", "#2d004b",
)  # fmt: skip
#: The smallest half-width of the legend (a difference this small is "no change").
MIN_LIMIT = 0.05
#: Positions of the legend's ticks on the ramp (0: −limit, 0.5: no change, 1: +limit).
TICKS = (0.0, 0.5, 1.0)
TEXT = {
    "nl": {"title": "Verschil in geschiktheid", "legend": "Score rechts − links"},
    "en": {"title": "Difference in suitability", "legend": "Score right − left"},
}


@dataclass(frozen=True)
class ScoreDifference:
    """Right-hand minus left-hand score on one grid (NaN where either has no score), and the
    half-width of the colour ramp: ``-limit`` is its orange end, ``+limit`` its purple end."""

    overlay: ScoreOverlay
    limit: float


def ramp_limit(values: np.ndarray) -> float:
    """The legend's half-width: the largest absolute difference, rounded up to 0.05."""
    finite = np.abs(values[np.isfinite(values)])
    largest = float(finite.max()) if finite.size else 0.0
    steps = math.ceil(round(largest / MIN_LIMIT, 9))
    return max(MIN_LIMIT, round(steps * MIN_LIMIT, 9))


def difference_image(difference: ScoreDifference, *, max_pixels: int = 2048) -> OverlayImage:
    """The difference warped and coloured for a Leaflet image overlay."""
    values = np.asarray(difference.overlay.values, dtype=np.float64)
    positions = np.clip(0.5 + values / (2 * difference.limit), 0.0, 1.0)
    shifted = ScoreOverlay(positions, difference.overlay.crs, difference.overlay.transform)
    return overlay_image(shifted, max_pixels=max_pixels, lut=ramp_lut(DIFFERENCE_RAMP))


def difference_legend(limit: float, lang: str) -> dict[str, Any]:
    """The legend entry of the difference: its gradient and signed tick labels."""
    fmt = Formats(check_lang(lang))
    labels = []
    for tick in TICKS:
        value = (2 * tick - 1) * limit
        shown = fmt.number(abs(value), 2)
        labels.append(shown if value == 0 else ("+" if value > 0 else "−") + shown)
    return {
        "kind": "ramp",
        "title": TEXT[lang]["legend"],
        "stops": gradient_stops(DIFFERENCE_RAMP),
        "ticks": list(TICKS),
        "labels": labels,
    }
