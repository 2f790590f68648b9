"""Point layers from CSV tables: coordinate columns (x/y, lon/lat...) or a WKT column.

A CSV file carries no CRS, so the caller must state it; column names like ``lon``/``lat`` are
only used to suggest one in the message, never to guess it. Text is read as UTF-8, else Latin-1.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import ColumnError, GeometryError, LayerError

#: Recognised coordinate column pairs (lower case), in order of preference.
XY_PAIRS = (
    ("x", "y"),
    ("lon", "lat"),
    ("lng", "lat"),
    ("long", "lat"),
    ("longitude", "latitude"),
    ("easting", "northing"),
    ("east", "north"),
)
#: Recognised WKT column names (lower case).
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "wkt_geom")
#: Pairs whose names say "degrees".
DEGREE_NAMES = frozenset({"lon", "lng", "long", "longitude"})


def _read_text_table(path: Path) -> tuple[pd.DataFrame, str, str]:
    for encoding, note in (
        ("UTF-8", "text encoding UTF-8"),
        ("ISO-8859-1", "text is not valid UTF-8: read as Latin-1 (ISO-8859-1)"),
    ):
        try:
            table = pd.read_csv(path, encoding=encoding, sep=None, engine="python")
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
            raise LayerError(
                f"{path.name} cannot be read as CSV ({exc}); expected a header row and "
                "comma- or semicolon-separated values."
            ) from exc
        return table, encoding, note
    raise LayerError(f"{path.name} is neither UTF-8 nor Latin-1 text; save it as UTF-8 CSV.")


def _numeric(table: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise GeometryError(
            f"{path.name} column {column!r} has {len(bad)} missing or non-numeric value(s) "
            f"(first on data row {int(bad[0]) + 1}: {table[column].iloc[bad[0]]!r}); expected "
            "a number on every row. Fix or remove those rows."
        )
    return values


def _geometry(table: pd.DataFrame, path: Path) -> tuple[np.ndarray, str, bool]:
    """The geometries, the columns they came from, and whether those look like degrees."""
    lower = {str(c).strip().lower(): c for c in table.columns}
    for x_name, y_name in XY_PAIRS:
        if x_name in lower and y_name in lower:
            xs = _numeric(table, lower[x_name], path)
            ys = _numeric(table, lower[y_name], path)
            # types-shapely gives array inputs "Point | array": 1-d columns give an array
            return (
                cast(np.ndarray, shapely.points(xs, ys)),
                f"{lower[x_name]}/{lower[y_name]}",
                x_name in DEGREE_NAMES,
            )
    for name in WKT_NAMES:
        if name in lower:
            texts = table[lower[name]].astype("string").fillna("")
            geoms = shapely.from_wkt(texts.to_numpy(dtype=object), on_invalid="ignore")
            bad = np.flatnonzero(shapely.is_missing(geoms))
            if len(bad):
                raise GeometryError(
                    f"{path.name} column {lower[name]!r} has {len(bad)} value(s) that are not WKT "
                    f"(first on data row {int(bad[0]) + 1}); expected e.g. 'POINT (x y)'."
                )
            return geoms, str(lower[name]), False
    pairs = ", ".join("/".join(p) for p in XY_PAIRS)
    raise ColumnError(
        f"{path.name} has columns {list(table.columns)}; expected coordinate columns ({pairs}) "
        f"or a WKT column ({', '.join(WKT_NAMES)}). Rename the columns."
    )


def read_csv_points(path: Path) -> tuple[gpd.GeoDataFrame, str, tuple[str, ...]]:
    """Features from a CSV table, with no CRS set (the caller states it).

    Returns the frame, the text encoding and the notes for the validation report.
    """
    table, encoding, note = _read_text_table(path)
    geoms, columns, degrees = _geometry(table, path)
    if columns in table.columns:  # a WKT column: keep the attributes only
        table = table.drop(columns=[columns])
    frame = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, index=table.index), crs=None)
    hint = "degrees (WGS84 EPSG:4326?)" if degrees else "coordinates"
    frame.attrs["crs_hint"] = f"columns {columns} look like {hint}"
    return frame, encoding, (note, f"geometry from columns {columns}")
