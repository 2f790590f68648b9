"""Validation and repair of vector layers as they enter a study.

What happens to a layer, in order (all vectorised over the geometry array):

1. zero features: refused;
2. missing or empty geometries: dropped and counted (all empty: refused);
3. NaN or infinite coordinates: refused, with the number of features (GEOS counts such a
   geometry as invalid, so only the invalid ones are scanned for them);
4. geometry families (point, line, polygon) mixed in one layer: refused; single and multi
   parts of one family (``Polygon`` + ``MultiPolygon``) are normalised to the multi type;
5. invalid geometries (self-intersections, bad rings): repaired with
   ``shapely.make_valid(method="structure")`` for polygons (keeps polygonal output and the
   area of valid input; parts it leaves touching along an edge are merged with a zero-width
   buffer), ``"linework"`` otherwise, and counted; a repair that collapses a geometry to
   nothing drops it (counted with the empty ones);
6. key columns (``id``, ``nis``, ``*_id``...): duplicate values and nulls are counted and reported,
   not refused (a layer of stations may legitimately repeat a municipality code).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Protocol

import geopandas as gpd
import numpy as np
import shapely

from geo.errors import GeometryError, LayerError

logger = logging.getLogger(__name__)

#: Column names treated as identifiers (lower case); names ending in ``_id`` are too.
KEY_NAMES = frozenset(
    {"id", "fid", "gid", "uid", "uuid", "objectid", "nis", "nis_code", "niscode", "capakey", "uri"}
)

_FAMILY = {0: "point", 4: "point", 1: "line", 2: "line", 5: "line", 3: "polygon", 6: "polygon"}
_MULTI_TYPE = {"point": "MultiPoint", "line": "MultiLineString", "polygon": "MultiPolygon"}


class _MultiMaker(Protocol):
    """``shapely.multipoints`` and its kin: parts grouped by ``indices`` into multi parts."""

    def __call__(
        self, geometries: np.ndarray, *, indices: np.ndarray
    ) -> np.ndarray | shapely.Geometry: ...


_MULTI_MAKER: dict[str, _MultiMaker] = {
    "point": shapely.multipoints,
    "line": shapely.multilinestrings,
    "polygon": shapely.multipolygons,
}
_SINGLE_IDS = {"point": 0, "line": 1, "polygon": 3}


@dataclass(frozen=True)
class ValidationReport:
    """What validation found and did. Counts are numbers of features."""

    repaired_invalid: int = 0
    dropped_empty: int = 0
    mixed_types: str | None = None
    duplicate_ids: Mapping[str, int] = field(default_factory=dict)
    null_key_values: Mapping[str, int] = field(default_factory=dict)
    encoding: str | None = None
    messages: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """A JSON-serialisable dict."""
        out = asdict(self)
        out["duplicate_ids"] = dict(self.duplicate_ids)
        out["null_key_values"] = dict(self.null_key_values)
        out["messages"] = list(self.messages)
        return out

    @classmethod
    def from_dict(cls, data: Mapping) -> ValidationReport:
        """The inverse of :meth:`to_dict`."""
        return cls(**{**data, "messages": tuple(data.get("messages", ()))})


def key_columns(frame: gpd.GeoDataFrame) -> list[str]:
    """The attribute columns that look like identifiers."""
    return [
        c
        for c in frame.columns
        if c != frame.geometry.name
        and (str(c).lower() in KEY_NAMES or str(c).lower().endswith("_id"))
    ]


def _present(geoms: np.ndarray) -> np.ndarray:
    """Boolean mask of the geometries to keep (present and not empty)."""
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def _check_finite(geoms: np.ndarray, rows: np.ndarray, what: str) -> None:
    """Refuse NaN or infinite coordinates; ``rows`` are the feature numbers of ``geoms``."""
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    bad = np.unique(rows[owner[~np.isfinite(coords).all(axis=1)]])
    if not len(bad):
        return
    raise GeometryError(
        f"{what} has {len(bad)} feature(s) with NaN or infinite coordinates (first: feature "
        f"{int(bad[0])}); expected finite numbers. Fix or remove them at the source."
    )


def family_of(geoms: np.ndarray, what: str) -> str:
    """``"point"``, ``"line"`` or ``"polygon"``; mixed families raise :class:`GeometryError`."""
    type_ids = shapely.get_type_id(geoms)
    families = {_FAMILY.get(int(t), "collection") for t in np.unique(type_ids)}
    if len(families) == 1 and "collection" not in families:
        return families.pop()
    counts = {
        shapely.GeometryType(int(t)).name.title().replace("string", "String"): int(n)
        for t, n in zip(*np.unique(type_ids, return_counts=True), strict=True)
    }
    shown = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
    raise GeometryError(
        f"{what} mixes geometry types ({shown}); expected one family (points, lines or "
        "polygons). Split it into one layer per type (e.g. ogr2ogr -where) and load each."
    )


def repair(geoms: np.ndarray, invalid: np.ndarray, family: str) -> np.ndarray:
    """``geoms`` with the ``invalid`` ones made valid (a copy when any is)."""
    if not invalid.any():
        return geoms
    geoms = geoms.copy()
    if family == "polygon":  # "structure" can leave parts sharing an edge: merge them
        fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
        still = ~shapely.is_valid(fixed)
        fixed[still] = shapely.buffer(fixed[still], 0)
    else:  # linework (which keeps collapsed parts) may leave collections of lines and points
        fixed = shapely.make_valid(geoms[invalid], method="linework")
        fixed = np.array([_only_family(g, family) for g in fixed], dtype=object)
    geoms[invalid] = fixed
    return geoms


def _only_family(geom: shapely.Geometry, family: str) -> shapely.Geometry:
    parts = shapely.get_parts(geom)
    kept = [p for p in parts if _FAMILY.get(int(shapely.get_type_id(p))) == family]
    return shapely.union_all(kept) if kept else shapely.from_wkt("POINT EMPTY")


def _to_multi(geoms: np.ndarray, family: str) -> tuple[np.ndarray, str | None]:
    """Promote single parts to multi parts when both occur; return the note for the report."""
    singles = shapely.get_type_id(geoms) == _SINGLE_IDS[family]
    if singles.all() or not singles.any():
        return geoms, None
    geoms = geoms.copy()
    idx = np.flatnonzero(singles)
    geoms[idx] = _MULTI_MAKER[family](geoms[idx], indices=np.arange(len(idx)))
    multi = _MULTI_TYPE[family]
    return (
        geoms,
        f"{len(idx)} single {family}(s) promoted to {multi} (layer mixed single and multi)",
    )


def _key_counts(frame: gpd.GeoDataFrame, keys: Sequence[str]) -> tuple[dict, dict]:
    duplicates, nulls = {}, {}
    for column in keys:
        values = frame[column]
        n_null = int(values.isna().sum())
        n_dup = int(values.dropna().duplicated().sum())
        if n_dup:
            duplicates[column] = n_dup
        if n_null:
            nulls[column] = n_null
    return duplicates, nulls


def validate_vector(
    frame: gpd.GeoDataFrame,
    *,
    what: str = "the layer",
    keys: Sequence[str] | None = None,
    encoding: str | None = None,
    notes: Sequence[str] = (),
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Check and repair ``frame``; return the cleaned frame and the report.

    Parameters
    ----------
    frame : the features as read from the source (any CRS).
    what : how messages name the layer.
    keys : identifier columns to check; default :func:`key_columns`.
    encoding : the text encoding the source was read with, recorded in the report.
    notes : messages of the reader (how the encoding was found...), kept in the report.
    """
    if len(frame) == 0:
        raise LayerError(f"{what} has no features; expected at least one. Check the source.")
    keep = _present(frame.geometry.to_numpy())
    dropped = int((~keep).sum())
    if not keep.any():
        raise GeometryError(f"{what} has {len(frame)} features, all with empty geometries.")
    rows = np.flatnonzero(keep)
    geoms = frame.geometry.to_numpy()[rows]
    invalid = ~shapely.is_valid(geoms)
    _check_finite(geoms[invalid], rows[invalid], what)
    family = family_of(geoms, what)
    geoms = repair(geoms, invalid, family)
    repaired = int(invalid.sum())
    survived = _present(geoms) if repaired else np.ones(len(geoms), dtype=bool)
    collapsed = int((~survived).sum())
    keep[rows[~survived]] = False
    geoms, mixed = _to_multi(geoms[survived], family)
    cleaned = frame
    if repaired or mixed or not keep.all():
        cleaned = frame.loc[keep].copy()
        cleaned[frame.geometry.name] = gpd.GeoSeries(geoms, index=cleaned.index, crs=frame.crs)
    duplicates, nulls = _key_counts(cleaned, key_columns(cleaned) if keys is None else keys)
    report = ValidationReport(
        repaired_invalid=repaired,
        dropped_empty=dropped + collapsed,
        mixed_types=mixed,
        duplicate_ids=duplicates,
        null_key_values=nulls,
        encoding=encoding,
        messages=(*notes, *_messages(repaired, dropped, collapsed, mixed, duplicates, nulls)),
    )
    for message in report.messages:
        logger.info("%s: %s", what, message)
    return cleaned, report


def _messages(repaired, dropped, collapsed, mixed, duplicates, nulls) -> tuple[str, ...]:
    out = []
    if repaired:
        out.append(f"{repaired} invalid geometr{'y' if repaired == 1 else 'ies'} repaired")
    if dropped:
        out.append(f"{dropped} feature(s) with empty geometry dropped")
    if collapsed:
        out.append(f"{collapsed} feature(s) collapsed to nothing when repaired, dropped")
    if mixed:
        out.append(mixed)
    out += [f"column {c!r}: {n} duplicate value(s)" for c, n in duplicates.items()]
    out += [f"column {c!r}: {n} null value(s)" for c, n in nulls.items()]
    return tuple(out)
