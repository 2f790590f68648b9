"""Coordinate reference systems where data enters: detect, never guess, and check the landing.

The source CRS comes from the file. A file without one is refused unless the caller states it
(``assume_crs``); a stated CRS that contradicts the file's is refused too. After reprojection
the data must land where the study is (the study region, or the CRS's area of use); when it
does not, the message names the likely cause: swapped latitude/longitude or a wrongly declared
CRS (tried against the CRSs common in Belgium).

CRS text comes from users (``--assume-crs``, the study CRS) and from files (a ``.prj``, a
GeoPackage, a GeoTIFF), so a definition that names a file, a grid or a URL is refused before
PROJ can open it: ``+nadgrids=``, ``+geoidgrids=``, ``+init=`` and the like in PROJ strings
(also inside a WKT1 ``EXTENSION["PROJ4", ...]``), ``PARAMETERFILE``, ``GEOIDMODEL`` and
``DEFORMATIONMODEL`` in WKT2, and their PROJJSON forms. Only the built-in ``@null`` grid is
allowed (old Web Mercator definitions carry it). PROJ's network access is switched off when
this module is imported, for pyproj and for the PROJ copies inside GDAL (``PROJ_NETWORK``).
"""

from __future__ import annotations

import math
import os
import re
import warnings
from functools import lru_cache

import numpy as np
import pyproj.network
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as PyprojCRSError

from geo.errors import CRSError

# No grid downloads, whatever the environment says: PROJ reads PROJ_NETWORK when a context first
# needs it (GDAL's copies of PROJ included); pyproj's own contexts are switched off explicitly.
os.environ["PROJ_NETWORK"] = "OFF"
pyproj.network.set_network_enabled(False)

Bounds = tuple[float, float, float, float]

#: CRSs tried when explaining data that lands in the wrong place.
CANDIDATE_CRS = ("EPSG:31370", "EPSG:3812", "EPSG:4326", "EPSG:3857", "EPSG:32631")


#: PROJ parameters whose value names a file, a grid or a URL.
_FILE_PARAMETER = re.compile(
    r"\b(nadgrids|geoidgrids|grids|init|file|model|catalog)\s*=\s*"  # the parameter
    r"([^\s\"',\]]*(?:,[^\s\"',\]]*)*)",  # its value: a comma-separated list
    re.IGNORECASE,
)
#: WKT2 nodes that name a file or a grid.
_FILE_NODE = re.compile(r"\b(PARAMETERFILE|GEOIDMODEL|DEFORMATIONMODEL)\s*[\[(]", re.IGNORECASE)
#: PROJJSON members that name a grid (parameter files are found by their text value).
_FILE_MEMBERS = frozenset({"geoid_model", "geoid_models", "deformation_models"})


def _named_in_text(text: str) -> str | None:
    """The part of a CRS definition (PROJ string or WKT) that names a file, else ``None``."""
    for match in _FILE_PARAMETER.finditer(text):
        grids = match.group(2).split(",")
        if match.group(1).lower() == "nadgrids" and all(
            grid.lstrip("@").lower() == "null" for grid in grids
        ):
            continue  # PROJ's built-in null grid: no file
        return match.group(0)
    found = _FILE_NODE.search(text)
    return found.group(1) if found else None


def _named_in_json(node: object) -> str | None:
    """The same in PROJJSON: a geoid or deformation model, or a parameter whose value is text."""
    if isinstance(node, list):
        return next(filter(None, map(_named_in_json, node)), None)
    if not isinstance(node, dict):
        return None
    member = next(iter(_FILE_MEMBERS & node.keys()), None)
    if member:
        return member
    for parameter in node.get("parameters", ()):
        if isinstance(parameter, dict) and isinstance(parameter.get("value"), str):
            return f"{parameter.get('name')}: {parameter['value']}"
    return next(filter(None, map(_named_in_json, node.values())), None)


def _proj_string(crs: CRS) -> str:
    """``crs`` as a PROJ string (where a WKT1 PROJ4 extension shows), or ``''``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "you will likely lose information": not used here
        try:
            return crs.to_proj4() or ""
        except PyprojCRSError:
            return ""


def _named_in_crs(crs: CRS) -> str | None:
    """What a parsed CRS names as a file or grid, in any of its forms, else ``None``."""
    for text in (crs.srs, crs.to_wkt() or "", _proj_string(crs)):
        found = _named_in_text(text)
        if found:
            return found
    return _named_in_json(crs.to_json_dict())


@lru_cache(maxsize=256)
def _named_in_definition(text: str) -> str | None:
    """:func:`_named_in_crs` for a definition PROJ accepts (cached: the same CRSs recur)."""
    return _named_in_crs(CRS.from_user_input(text))


def _as_text(value: object) -> str:
    """The text PROJ will parse for ``value`` (a PROJ-style dict as ``+key=value``), or ``''``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return " ".join(f"+{key}={item}" for key, item in value.items())
    return ""


def _refuse_named_file(value: object, found: str | None, what: str) -> None:
    if found is None:
        return
    shown = " ".join(_as_text(value).split()) or type(value).__name__
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    raise CRSError(
        f"{what} {shown!r} names a file, grid or URL ({found!r}); expected a CRS without file "
        "references, e.g. 'EPSG:31370' or a PROJ string without +nadgrids/+geoidgrids/+init. "
        "Give the CRS by its EPSG code instead."
    )


def parse_crs(value: object, *, what: str = "the CRS") -> CRS:
    """``value`` as a :class:`pyproj.CRS`; an unknown one, or one that names a file, a grid or a
    URL (see the module docstring), raises :class:`CRSError`."""
    _refuse_named_file(value, _named_in_text(_as_text(value)), what)  # before PROJ reads it
    try:
        crs = CRS.from_user_input(value)
    except PyprojCRSError as exc:
        raise CRSError(
            f"{what} {value!r} is not a known CRS; expected e.g. 'EPSG:31370' or 'EPSG:4326'."
        ) from exc
    found = _named_in_definition(value) if isinstance(value, str) else _named_in_crs(crs)
    _refuse_named_file(value, found, what)
    return crs


def crs_label(crs: CRS) -> str:
    """A short name such as ``'EPSG:31370'`` when an authority code matches, else the WKT."""
    found = crs.to_authority(min_confidence=70)
    return f"{found[0]}:{found[1]}" if found else crs.to_wkt()


def source_crs(declared: object, *, assume_crs: str | None, what: str) -> CRS:
    """The CRS of a source: the declared one, else ``assume_crs``; refuse none or a conflict."""
    assumed = parse_crs(assume_crs, what="--assume-crs") if assume_crs else None
    if declared is None:
        if assumed is None:
            raise CRSError(
                f"{what} declares no CRS; expected a CRS in the file (e.g. a .prj). "
                "State it with --assume-crs EPSG:XXXX (31370 Lambert 72, 3812 Lambert 2008, "
                "4326 WGS84)."
            )
        return assumed
    crs = parse_crs(declared, what=f"the CRS declared by {what}")
    if assumed is not None and not crs.equals(assumed, ignore_axis_order=True):
        raise CRSError(
            f"{what} declares {crs_label(crs)} but --assume-crs says {crs_label(assumed)}; "
            "--assume-crs only fills in a missing CRS. Fix the file's CRS or drop --assume-crs."
        )
    return crs


def area_of_use_bounds(crs: CRS) -> Bounds:
    """The area of use of ``crs``, ``(west, south, east, north)`` in degrees (else the world)."""
    area = crs.area_of_use
    return (area.west, area.south, area.east, area.north) if area else (-180.0, -90.0, 180.0, 90.0)


@lru_cache(maxsize=32)
def transformer(src: CRS | str, dst: CRS | str) -> Transformer:
    """A cached ``always_xy`` transformer (building one takes tens of milliseconds)."""
    return Transformer.from_crs(src, dst, always_xy=True)


def _transform_point(x: float, y: float, src: CRS, dst: CRS) -> tuple[float, float]:
    tx, ty = transformer(src, dst).transform(x, y, errcheck=False)
    return float(tx), float(ty)


def _inside(point: tuple[float, float], box: Bounds) -> bool:
    x, y = point
    return math.isfinite(x) and math.isfinite(y) and box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _intersects(a: Bounds, b: Bounds) -> bool:
    return (
        all(math.isfinite(v) for v in a)
        and a[0] <= b[2]
        and b[0] <= a[2]
        and a[1] <= b[3]
        and b[1] <= a[3]
    )


def expanded(box: Bounds, *, share: float = 0.1, min_margin: float = 0.0) -> Bounds:
    """``box`` grown on every side by ``max(share × its larger side, min_margin)``."""
    margin = max(share * max(box[2] - box[0], box[3] - box[1]), min_margin)
    return (box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin)


def likely_cause(source_bounds: Bounds, src: CRS, target: Bounds, study: CRS) -> str:
    """Explain data that does not land in ``target`` (study CRS): swapped axes or another CRS."""
    centre = ((source_bounds[0] + source_bounds[2]) / 2, (source_bounds[1] + source_bounds[3]) / 2)
    if src.is_geographic and _inside(_transform_point(centre[1], centre[0], src, study), target):
        return "latitude and longitude look swapped; put longitude (x) first"
    fits = [
        name
        for name in CANDIDATE_CRS
        if not parse_crs(name).equals(src)
        and _inside(_transform_point(*centre, parse_crs(name), study), target)
    ]
    if fits:
        return (
            f"the coordinates fit {fits[0]}, so the declared CRS {crs_label(src)} is probably "
            f"wrong; declare {fits[0]} in the file (its .prj), or for a GeoJSON without a "
            f"'crs' member pass --assume-crs {fits[0]}"
        )
    return "check the CRS declared by the file and the order of the coordinates"


def landing_zone(study: CRS, region: Bounds | None) -> tuple[Bounds, str]:
    """Where data must land, in the study CRS, and how to name it.

    With a ``region`` (study CRS): the region grown by 10 % (at least 5 km); without one: the
    area of use of the study CRS grown by 10 %.
    """
    if region is not None:
        return expanded(region, share=0.1, min_margin=5_000.0), "the study region"
    west, south, east, north = expanded(area_of_use_bounds(study), share=0.1)
    target = transformer("EPSG:4326", study).transform_bounds(
        west, south, east, north, errcheck=False
    )
    return target, f"the area of use of {crs_label(study)}"


def check_geographic_range(
    bounds: Bounds, src: CRS, *, study: CRS, region: Bounds | None, what: str
) -> None:
    """Refuse coordinates outside ±180°/±90° in a geographic CRS (they are likely metres)."""
    if not src.is_geographic:
        return
    x0, y0, x1, y1 = bounds
    if -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90:
        return
    cause = likely_cause(bounds, src, landing_zone(study, region)[0], study)
    raise CRSError(
        f"{what} declares the geographic CRS {crs_label(src)} but its coordinates span "
        f"x {x0:.6g}..{x1:.6g}, y {y0:.6g}..{y1:.6g}, outside ±180°/±90°, so they are not "
        f"degrees; {cause}."
    )


def check_lands_inside(
    bounds: Bounds,
    study: CRS,
    *,
    region: Bounds | None,
    source_bounds: Bounds,
    src: CRS,
    what: str,
) -> None:
    """Refuse data whose ``bounds`` (study CRS) miss :func:`landing_zone`; say the likely cause."""
    target, where = landing_zone(study, region)
    if _intersects(bounds, target):
        return
    cause = likely_cause(source_bounds, src, target, study)
    shown = ", ".join(f"{v:.0f}" if np.isfinite(v) else str(v) for v in bounds)
    raise CRSError(
        f"{what} lands outside {where} (its bounds in {crs_label(study)} are {shown}); {cause}."
    )
