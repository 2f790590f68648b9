"""The cell lookup: what a click anywhere on the map tells, packed small into the page.

The run's rasters (score, each criterion's standardised and raw values, the first exclusion of
each cell) are sampled on a coarse grid in Web Mercator, the plane the map itself works in, so
the browser finds the cell under a click with one division and no projection library:

- :func:`lookup_grid` lays a grid of square cells, at most ``max_cells`` a side, over the
  raster's bounds; :func:`sample_cells` gives, for the centre of each lookup cell, the row and
  column of the analysis cell under it (the application reads those cells into a
  :class:`webmap.map_data.CellLookup`);
- :func:`encode_lookup` quantises each layer to uint16 codes ``round((v - offset) / scale)``
  (65535 = no value): the score and the standardised values in steps of 0.0001, raw values in
  the finest power-of-ten step that spans their range in 65 534 steps (1 m for distances up
  to 65 km), the exclusion codes as uint8; takes the difference of neighbours along each
  row (modulo 2¹⁶ or 2⁸: smooth surfaces become runs of small numbers), splits the 16-bit
  values into a plane of low and a plane of high bytes, deflates the concatenated planes
  (zlib) and encodes them as base64: one string for the page's data slot.
  ``static/parkplan.js`` (``cellLookup``) and :func:`decode_lookup` reverse it exactly.

Size: the 200 × 190 lookup of the demo study (score, 6 criteria with standardised and raw
values, exclusion codes) adds about 0.5 MB to its ``map.html`` (``docs/map.md`` has the
measured figures).
"""

from __future__ import annotations

import base64
import math
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np
from affine import Affine
from pyproj import Transformer
from rasterio.transform import array_bounds
from rasterio.warp import transform_bounds

from webmap.errors import MapDataError
from webmap.map_data import CellLookup

WEB_MERCATOR = "EPSG:3857"
#: Longest side of the lookup grid, in cells.
MAX_LOOKUP_CELLS = 200
#: The uint16 code of a missing value; values are quantised to 0..NO_VALUE - 1.
NO_VALUE = 65535
STEPS = NO_VALUE - 1
#: Quantisation step of the score and of the standardised values (both 0..1).
UNIT_STEP = 1e-4
ZLIB_LEVEL = 9


def lookup_grid(
    crs: str, transform: Affine, shape: tuple[int, int], *, max_cells: int = MAX_LOOKUP_CELLS
) -> tuple[Affine, tuple[int, int]]:
    """A Web Mercator grid of square cells over a raster's bounds, at most ``max_cells`` a side.

    Returns the grid's transform (north up) and its ``(rows, cols)``.
    """
    west, south, east, north = transform_bounds(
        crs, WEB_MERCATOR, *array_bounds(*shape, transform), densify_pts=21
    )
    size = max(east - west, north - south) / max_cells
    rows = max(1, int(np.ceil((north - south) / size)))
    cols = max(1, int(np.ceil((east - west) / size)))
    return Affine(size, 0.0, west, 0.0, -size, north), (rows, cols)


def sample_cells(
    grid: Affine,
    grid_shape: tuple[int, int],
    crs: str,
    transform: Affine,
    shape: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the centre of each lookup cell: the ``row`` and ``col`` of the raster cell under it
    (a north-up raster in ``crs`` with ``transform`` and ``shape``) and whether one is
    (``inside``)."""
    rows, cols = np.indices(grid_shape)
    xs, ys = grid.c + (cols + 0.5) * grid.a, grid.f + (rows + 0.5) * grid.e
    to_raster = Transformer.from_crs(WEB_MERCATOR, crs, always_xy=True)
    x, y = (np.asarray(v) for v in to_raster.transform(xs, ys))
    col = np.floor((x - transform.c) / transform.a).astype(np.int64)
    row = np.floor((y - transform.f) / transform.e).astype(np.int64)
    inside = (row >= 0) & (row < shape[0]) & (col >= 0) & (col < shape[1])
    return np.where(inside, row, 0), np.where(inside, col, 0), inside


def quantise(values: np.ndarray, offset: float, scale: float) -> np.ndarray:
    """uint16 codes of ``values``: ``round((v - offset) / scale)`` in 0..65534, NaN → 65535."""
    valid = np.isfinite(values)
    codes = np.full(values.shape, NO_VALUE, dtype=np.uint16)
    steps = np.rint((values[valid] - offset) / scale)
    codes[valid] = np.clip(steps, 0, STEPS).astype(np.uint16)
    return codes


def raw_scale(values: np.ndarray) -> tuple[float, float]:
    """``(offset, scale)`` of raw values: their minimum, and the finest power-of-ten step that
    spans their range in at most 65 534 steps."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if high <= low:
        return low, 1.0
    return low, 10.0 ** math.ceil(math.log10((high - low) / STEPS))


def row_deltas(codes: np.ndarray) -> np.ndarray:
    """Each value minus its left neighbour (the first of a row kept), modulo its dtype."""
    deltas = codes.copy()
    deltas[:, 1:] = codes[:, 1:] - codes[:, :-1]
    return deltas


def planes(deltas: np.ndarray) -> bytes:
    """The bytes of ``deltas``: uint8 as they are; uint16 as a low-byte then a high-byte plane."""
    if deltas.dtype == np.uint8:
        return deltas.tobytes()
    return (deltas & 0xFF).astype(np.uint8).tobytes() + (deltas >> 8).astype(np.uint8).tobytes()


def layer_entries(lookup: CellLookup) -> list[tuple[dict[str, Any], np.ndarray]]:
    """``(description, codes)`` of each layer of ``lookup``, in the order they are packed."""
    unit = (0.0, UNIT_STEP)
    entries = [({"layer": "score"}, quantise(lookup.score, *unit), unit)]
    for name, values in lookup.standardised.items():
        entries.append(({"layer": "z", "name": name}, quantise(values, *unit), unit))
    for name, values in lookup.raw.items():
        scale = raw_scale(values)
        entries.append(({"layer": "raw", "name": name}, quantise(values, *scale), scale))
    packed = [
        ({**about, "offset": offset, "scale": scale, "bits": 16}, codes)
        for about, codes, (offset, scale) in entries
    ]
    if lookup.exclusion is not None:
        codes = np.asarray(lookup.exclusion, dtype=np.uint8)
        packed.append(({"layer": "exclusion", "offset": 0.0, "scale": 1.0, "bits": 8}, codes))
    return packed


def encode_lookup(lookup: CellLookup) -> dict[str, Any]:
    """The lookup as JSON-ready data: grid, layer descriptions and the packed bytes (base64)."""
    shape = lookup.shape
    entries = layer_entries(lookup)
    for about, codes in entries:
        if codes.shape != shape:
            raise MapDataError(
                f"lookup layer {about.get('name', about['layer'])!r} has shape {codes.shape}; "
                f"expected the score's {shape}. Sample every layer on the same lookup grid."
            )
    packed = b"".join(planes(row_deltas(codes)) for _, codes in entries)
    t = lookup.transform
    return {
        "shape": list(shape),
        "transform": [t.a, t.b, t.c, t.d, t.e, t.f],
        "cell_size_m": lookup.cell_size_m,
        "exclusions": list(lookup.exclusion_names),
        "layers": [about for about, _ in entries],
        "data": base64.b64encode(zlib.compress(packed, ZLIB_LEVEL)).decode("ascii"),
    }


def decode_lookup(payload: Mapping[str, Any]) -> dict[tuple[str, str | None], np.ndarray]:
    """The layers of an encoded lookup: ``(layer, name) -> values`` (float64 with NaN; the
    exclusion codes as uint8)."""
    rows, cols = payload["shape"]
    data = np.frombuffer(zlib.decompress(base64.b64decode(payload["data"])), dtype=np.uint8)
    layers, at = {}, 0
    for about in payload["layers"]:
        size = rows * cols * about["bits"] // 8
        chunk, at = data[at : at + size], at + size
        if about["bits"] == 8:
            codes = np.cumsum(chunk.reshape(rows, cols), axis=1, dtype=np.uint8)
            layers[(about["layer"], about.get("name"))] = codes
            continue
        low, high = chunk[: rows * cols].astype(np.uint16), chunk[rows * cols :].astype(np.uint16)
        deltas = (low | (high << 8)).reshape(rows, cols)
        codes = np.cumsum(deltas, axis=1, dtype=np.uint16)
        values = about["offset"] + codes * about["scale"]
        layers[(about["layer"], about.get("name"))] = np.where(codes == NO_VALUE, np.nan, values)
    return layers
