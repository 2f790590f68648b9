"""The colour ramps of the maps, as data, and the colour science that checks them.

A ramp is a tuple of ``#rrggbb`` anchors spaced evenly over 0..1, interpolated linearly in
sRGB between neighbours. The score ramps (:data:`RAMPS`) run from score 0 (dark) to score 1
(bright) and stay readable with the common colour-vision deficiencies (see
:func:`simulate_cvd`; the tests check the distances). Sources of the anchors:

- ``viridis``: van der Walt & Smith (2015), matplotlib's viridis; the 11 anchors at 0, 0.1,
  …, 1 as the R package viridisLite publishes them (``viridis(11)``);
- ``cividis``: Nuñez, Anderton & Renslow (2018), "Optimizing colormaps with consideration
  for color vision deficiency…", PLoS ONE 13(7): e0199239; its table at 0, 0.2, …, 1;
- :data:`CRITERION_RAMP`: ColorBrewer "Blues", 9 classes (Brewer, colorbrewer2.org), for the
  standardised criterion surfaces, so that they never look like the score;
- :data:`CATEGORY_COLOURS`: Okabe & Ito (2008), "Color Universal Design", for the
  exclusions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, get_args

import numpy as np

#: The ramp names ``[map] ramp`` accepts (the schema's Literal); :data:`RAMPS` holds each.
RampName = Literal["viridis", "cividis"]
RAMPS: dict[RampName, tuple[str, ...]] = {
    "viridis": (
        "#440154", "#482576", "#414487", "#35608d", "#2a788e", "#21908c",
        "#22a884", "#43bf71", "#7ad151", "#bbdf27", "#fde725",
    ),
    "cividis": ("#00224e", "#35456c", "#666970", "#948e77", "#c8b866", "#fee838"),
}  # fmt: skip
RAMP_NAMES: tuple[RampName, ...] = get_args(RampName)
DEFAULT_RAMP: RampName = "viridis"
CRITERION_RAMP: tuple[str, ...] = (
    "#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6",
    "#4292c6", "#2171b5", "#08519c", "#08306b",
)  # fmt: skip
#: Okabe-Ito without black and yellow (black outlines the sites; yellow is the best score).
CATEGORY_COLOURS: tuple[str, ...] = (
    "#d55e00", "#0072b2", "#cc79a7", "#e69f00", "#56b4e9", "#009e73",
)  # fmt: skip
NODATA_HEX = "#9e9e9e"
LEVELS = 256


def check_ramp(name: str) -> RampName:
    """``name`` when it is a known ramp; else a one-line ``ValueError``."""
    for known in RAMP_NAMES:
        if name == known:
            return known
    raise ValueError(
        f"colour ramp {name!r} is unknown; expected one of {', '.join(RAMP_NAMES)}; "
        "set [map] ramp in study.toml"
    )


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` as three integers 0..255."""
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def anchors_rgb(anchors: Sequence[str]) -> np.ndarray:
    """The anchors as an (n, 3) float array of 0..255."""
    return np.array([hex_to_rgb(c) for c in anchors], dtype=np.float64)


def ramp_rgb(anchors: Sequence[str], positions: np.ndarray) -> np.ndarray:
    """(…, 3) float RGB 0..255 of ``positions`` (clipped to 0..1) on the ramp ``anchors``."""
    rgb = anchors_rgb(anchors)
    stops = np.linspace(0.0, 1.0, len(rgb))
    at = np.clip(np.asarray(positions, dtype=np.float64), 0.0, 1.0)
    return np.stack([np.interp(at, stops, rgb[:, k]) for k in range(3)], axis=-1)


def ramp_lut(anchors: Sequence[str]) -> np.ndarray:
    """A (256, 4) uint8 RGBA table: row ``i`` is the colour of ``i / 255``, opaque."""
    rgb = np.rint(ramp_rgb(anchors, np.linspace(0.0, 1.0, LEVELS))).astype(np.uint8)
    return np.concatenate([rgb, np.full((LEVELS, 1), 255, dtype=np.uint8)], axis=1)


def score_lut(ramp: str = DEFAULT_RAMP) -> np.ndarray:
    """The RGBA table of the score ramp ``ramp`` (see :func:`ramp_lut`)."""
    return ramp_lut(RAMPS[check_ramp(ramp)])


def score_hex(scores: Iterable[float], ramp: str = DEFAULT_RAMP) -> list[str]:
    """``#rrggbb`` of each score (clipped to 0..1) on ``ramp``; grey for NaN."""
    lut = score_lut(ramp)
    colours = []
    for score in scores:
        if not np.isfinite(score):
            colours.append(NODATA_HEX)
            continue
        r, g, b, _ = lut[int(np.rint(min(max(float(score), 0.0), 1.0) * (LEVELS - 1)))]
        colours.append(f"#{r:02x}{g:02x}{b:02x}")
    return colours


def colour_values(values: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """RGBA image of a 2-D array of 0..1: ``lut[round(255 * clip(v, 0, 1))]``, NaN transparent."""
    valid = np.isfinite(values)
    index = np.zeros(values.shape, dtype=np.intp)
    index[valid] = np.rint(np.clip(values[valid], 0.0, 1.0) * (LEVELS - 1))
    rgba = lut[index]
    rgba[~valid] = 0
    return rgba


def colour_scores(values: np.ndarray, ramp: str = DEFAULT_RAMP) -> np.ndarray:
    """RGBA image of a 2-D score array on ``ramp`` (NaN transparent)."""
    return colour_values(values, score_lut(ramp))


def colour_mask(mask: np.ndarray, colour: str, *, alpha: int = 150) -> np.ndarray:
    """RGBA image of a boolean ``mask``: ``colour`` at ``alpha`` where True, else transparent."""
    rgba = np.zeros((*mask.shape, 4), dtype=np.uint8)
    rgba[mask, :3] = hex_to_rgb(colour)
    rgba[mask, 3] = alpha
    return rgba


def hatched_mask(mask: np.ndarray, colour: str, *, spacing_px: int = 6) -> np.ndarray:
    """RGBA image of a boolean ``mask`` hatched in ``colour``: diagonal lines two pixels wide
    every ``spacing_px`` pixels, a light wash of the colour between them, transparent
    outside the mask."""
    rows, cols = np.indices(mask.shape)
    lines = (rows + cols) % spacing_px < 2
    rgba = colour_mask(mask, colour, alpha=60)
    rgba[mask & lines, 3] = 230
    return rgba


def gradient_stops(anchors: Sequence[str]) -> list[tuple[float, str]]:
    """``(position 0..1, #rrggbb)`` stops for a CSS gradient of a ramp."""
    positions = np.linspace(0.0, 1.0, len(anchors))
    return [(round(float(p), 4), c) for p, c in zip(positions, anchors, strict=True)]


def legend_stops(ramp: str = DEFAULT_RAMP) -> list[tuple[float, str]]:
    """The CSS gradient stops of the score ramp ``ramp``."""
    return gradient_stops(RAMPS[check_ramp(ramp)])


def category_colour(index: int) -> str:
    """The ``index``-th colour of :data:`CATEGORY_COLOURS` (cycling)."""
    return CATEGORY_COLOURS[index % len(CATEGORY_COLOURS)]


# -- colour science: how a ramp looks with a colour-vision deficiency ---------------------

#: Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of
#: color vision deficiency", IEEE TVCG 15(6): the matrices for severity 1.0, applied to
#: linear RGB.
CVD_MATRICES: dict[str, np.ndarray] = {
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
         [-0.011820, 0.042940, 0.968881]]
    ),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
         [-0.003882, -0.048116, 1.051998]]
    ),
}  # fmt: skip
#: sRGB (D65) to CIE XYZ, IEC 61966-2-1.
SRGB_TO_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
)
D65_WHITE = np.array([0.95047, 1.0, 1.08883])


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    """sRGB 0..255 to linear 0..1 (IEC 61966-2-1)."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Linear 0..1 (clipped) to sRGB 0..255."""
    c = np.clip(linear, 0.0, 1.0)
    return 255.0 * np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


def simulate_cvd(rgb: np.ndarray, kind: str = "deuteranopia") -> np.ndarray:
    """sRGB 0..255 colours (…, 3) as seen with the deficiency ``kind`` (Machado et al. 2009)."""
    if kind not in CVD_MATRICES:
        raise ValueError(f"deficiency {kind!r} is unknown; expected one of {list(CVD_MATRICES)}")
    return linear_to_srgb(srgb_to_linear(rgb) @ CVD_MATRICES[kind].T)


def cie_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB 0..255 colours (…, 3) in CIE L*a*b* (D65)."""
    xyz = srgb_to_linear(rgb) @ SRGB_TO_XYZ.T / D65_WHITE
    eps, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > eps, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )


def delta_e76(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """CIE76 colour difference ΔE*ab between sRGB 0..255 colours ``a`` and ``b``."""
    return np.linalg.norm(cie_lab(a) - cie_lab(b), axis=-1)
