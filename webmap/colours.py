"""The score colour scale shared by site polygons, the raster overlay and the legend.

A diverging red-yellow-green scale (ColorBrewer RdYlGn, 5 classes) from score 0 (red, poor)
to score 1 (green, suitable), interpolated linearly by :class:`branca.colormap.LinearColormap`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from branca.colormap import LinearColormap

SCORE_COLOURS = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")
NODATA_HEX = "#9e9e9e"
LEVELS = 256


def score_colormap(caption: str = "") -> LinearColormap:
    """The linear colormap of scores 0..1."""
    return LinearColormap(list(SCORE_COLOURS), vmin=0.0, vmax=1.0, caption=caption)


def score_hex(scores: Iterable[float]) -> list[str]:
    """``#rrggbb`` of each score (clipped to 0..1); grey for NaN."""
    colormap = score_colormap()
    return [
        colormap.rgb_hex_str(min(max(float(s), 0.0), 1.0)) if np.isfinite(s) else NODATA_HEX
        for s in scores
    ]


def score_lut() -> np.ndarray:
    """A (256, 4) uint8 RGBA table: row ``i`` is the colour of score ``i / 255``."""
    colormap = score_colormap()
    return np.array(
        [colormap.rgba_bytes_tuple(i / (LEVELS - 1)) for i in range(LEVELS)], dtype=np.uint8
    )


def colour_scores(values: np.ndarray) -> np.ndarray:
    """RGBA image of a 2-D score array: ``lut[round(255 * clip(v, 0, 1))]``, transparent NaN."""
    valid = np.isfinite(values)
    index = np.zeros(values.shape, dtype=np.intp)
    index[valid] = np.rint(np.clip(values[valid], 0.0, 1.0) * (LEVELS - 1))
    rgba = score_lut()[index]
    rgba[~valid] = 0
    return rgba


def legend_stops() -> list[tuple[float, str]]:
    """``(position 0..1, #rrggbb)`` stops for a CSS gradient of the scale."""
    positions = np.linspace(0.0, 1.0, len(SCORE_COLOURS))
    return [(float(p), c) for p, c in zip(positions, SCORE_COLOURS, strict=True)]
