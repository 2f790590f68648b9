"""Tables of features in PostGIS: a (Geo)DataFrame written through ``COPY`` and read back.

Used by :mod:`parkplan.workspace.postgis` for the layers and the result tables of a study.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
import psycopg
import shapely
from psycopg import sql

from parkplan.errors import WorkspaceError
from parkplan.workspace.store import LayerColumn

__all__ = [
    "new_table_name",
    "read_table",
    "read_table_attributes",
    "result_table",
    "table_columns",
    "write_table",
]

KEY = "fid"
GEOMETRY = "geometry"
MAX_IDENTIFIER_BYTES = 63
#: The PostgreSQL types of :func:`write_table` -> the column types of the workspace
#: (``numeric`` holds only unsigned 64-bit integers there).
PG_TYPES = {
    "text": "text",
    "bigint": "integer",
    "numeric": "integer",
    "double precision": "real",
    "boolean": "boolean",
    "date": "date",
    "timestamp without time zone": "datetime",
    "timestamp with time zone": "datetime",
}


def first_line(exc: BaseException) -> str:
    """The first line of a database error's message (for one-line errors of our own)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def new_table_name(layer: str) -> str:
    """A new, unused table name for the features of ``layer``: ``layer_NAME_ID``."""
    return f"layer_{layer[:48]}_{secrets.token_hex(4)}"


def result_table(relative: str, layer: str | None = None) -> str:
    """The table of result file ``s/b/sites.gpkg`` -> ``result_s_b_sites_gpkg``; with
    ``layer`` (another layer of that GeoPackage) -> ``result_s_b_sites_gpkg_LAYER``."""
    key = relative if layer is None else f"{relative}/{layer}"
    slug = re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_")
    name = f"result_{slug}"
    if len(name) > MAX_IDENTIFIER_BYTES:
        name = f"{name[:54]}_{hashlib.sha256(key.encode()).hexdigest()[:8]}"
    return name


def _column_type(series: pd.Series) -> str:
    """The PostgreSQL type that holds the values of ``series``."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    # numpy's and pandas' (masked) integer dtypes have an itemsize; ExtensionDtype declares none
    if pd.api.types.is_unsigned_integer_dtype(dtype) and getattr(dtype, "itemsize", 0) == 8:
        return "numeric"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double precision"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "timestamptz"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "timestamp"
    return "text"


def _cells(series: pd.Series, column_type: str) -> list[object]:
    """The values of ``series`` as Python objects, ``None`` for missing ones."""
    values: list[object] = series.astype(object).where(series.notna(), None).tolist()
    if column_type == "text":
        return [None if value is None else str(value) for value in values]
    return values


def _check_columns(columns: list[str], table: str) -> None:
    long = [c for c in columns if len(c.encode()) > MAX_IDENTIFIER_BYTES]
    if long or KEY in columns:
        raise WorkspaceError(
            f"cannot store {table}: column {(long or [KEY])[0]!r} is too long or reserved; "
            f"expected names of at most {MAX_IDENTIFIER_BYTES} bytes other than {KEY!r}. "
            "Rename it in the source."
        )


def write_table(
    conn: psycopg.Connection, table: sql.Identifier, frame: pd.DataFrame, *, srid: int
) -> None:
    """Create ``table`` and fill it with ``frame`` through ``COPY`` (hex EWKB geometries).

    The table has ``fid`` (1, 2, ... in row order), the attribute columns, and for a
    GeoDataFrame ``geometry`` of SRID ``srid`` with a GiST index.
    """
    geometries = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else None
    attributes = frame if geometries is None else frame.drop(columns=geometries.name)
    columns = [str(c) for c in attributes.columns]
    _check_columns(columns, table.as_string())
    types = [_column_type(attributes[c]) for c in attributes.columns]
    definitions = [sql.SQL("{} bigint PRIMARY KEY").format(sql.Identifier(KEY))]
    definitions += [
        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t))
        for c, t in zip(columns, types, strict=True)
    ]
    names = [KEY, *columns]
    cells: list[Sequence[object]] = [range(1, len(frame) + 1)]
    cells += [_cells(attributes[c], t) for c, t in zip(attributes.columns, types, strict=True)]
    if geometries is not None:
        kind = sql.SQL(f"geometry(Geometry, {int(srid)})" if srid else "geometry")
        definitions.append(sql.SQL("{} {}").format(sql.Identifier(GEOMETRY), kind))
        names.append(GEOMETRY)
        with_srid = shapely.set_srid(geometries.to_numpy(), srid)
        cells.append(shapely.to_wkb(with_srid, hex=True, include_srid=True).tolist())
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(table, sql.SQL(", ").join(definitions)))
    copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
        table, sql.SQL(", ").join(map(sql.Identifier, names))
    )
    with conn.cursor().copy(copy) as writer:
        for row in zip(*cells, strict=True):
            writer.write_row(row)
    if geometries is not None:
        conn.execute(
            sql.SQL("CREATE INDEX ON {} USING GIST ({})").format(table, sql.Identifier(GEOMETRY))
        )


def read_table(conn: psycopg.Connection, table: sql.Identifier, *, crs: str) -> gpd.GeoDataFrame:
    """The features of ``table`` (written by :func:`write_table`) in row order, in ``crs``."""
    float8 = conn.adapters.types["float8"].oid
    described = conn.execute(sql.SQL("SELECT * FROM {} LIMIT 0").format(table)).description or []
    attributes = [d for d in described if d.name not in (KEY, GEOMETRY)]
    selected: list[sql.Composable] = [sql.Identifier(d.name) for d in attributes]
    selected.append(sql.SQL("ST_AsBinary({})").format(sql.Identifier(GEOMETRY)))
    query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
        sql.SQL(", ").join(selected), table, sql.Identifier(KEY)
    )
    rows = conn.cursor(binary=True).execute(query).fetchall()
    frame = pd.DataFrame.from_records(rows, columns=[*(d.name for d in attributes), GEOMETRY])
    for d in attributes:
        if d.type_code == float8:
            frame[d.name] = frame[d.name].astype("float64")
    geometry = shapely.from_wkb(frame.pop(GEOMETRY).to_numpy())
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=crs), crs=crs)


def table_columns(conn: psycopg.Connection, schema: str, table: str) -> tuple[LayerColumn, ...]:
    """The attribute columns of ``schema.table`` (no key, no geometry), in table order, from
    ``information_schema``: no row is read."""
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s AND column_name NOT IN (%s, %s) "
        "ORDER BY ordinal_position",
        (schema, table, KEY, GEOMETRY),
    ).fetchall()
    return tuple(LayerColumn(name, PG_TYPES.get(kind, "other")) for name, kind in rows)


def read_table_attributes(
    conn: psycopg.Connection, table: sql.Identifier, columns: Sequence[str]
) -> pd.DataFrame:
    """The values of ``columns`` of ``table`` in row order, without the geometries."""
    query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), table, sql.Identifier(KEY)
    )
    return pd.DataFrame.from_records(conn.execute(query).fetchall(), columns=list(columns))
