"""Coordinate reference systems where data enters: detect, never guess, and check the landing.

The source CRS comes from the file. A file without one is refused unless the caller states it
(``assume_crs``); a stated CRS that contradicts the file's is refused too. After reprojection
the data should land where the study is (the study region, or the CRS's area of use). When it
does not, :func:`check_lands_inside` tells a wrong CRS from a right CRS far away:

- wrong CRS or swapped axes, refused with the likely cause (tried against the CRSs common in
  Belgium): coordinates outside the area of use of their CRS; with a geographic or an assumed
  CRS, data that would land with its axes swapped; with an assumed CRS, data in the sea or in
  another country (outside the area of use of the study CRS);
- right CRS, far away (a distance criterion may use far features): loaded with an
  :class:`OutsideRegionWarning` that gives the distance from the region to the nearest
  feature; beyond :data:`FAR_KM` refused as a likely mistake, unless ``allow_outside``.

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import numpy as np
import pyproj.network
import shapely
import shapely.ops
from pyproj import CRS, Transformer
from pyproj.aoi import AreaOfUse
from pyproj.exceptions import CRSError as PyprojCRSError

from geo.errors import CRSError, GeoWarning

# No grid downloads, whatever the environment says: PROJ reads PROJ_NETWORK when a context first
# needs it (GDAL's copies of PROJ included); pyproj's own contexts are switched off explicitly.
os.environ["PROJ_NETWORK"] = "OFF"
pyproj.network.set_network_enabled(False)

Bounds = tuple[float, float, float, float]


def as_bounds(values: Iterable[float]) -> Bounds:
    """Four numbers (e.g. an array's ``total_bounds``) as ``(minx, miny, maxx, maxy)`` floats."""
    minx, miny, maxx, maxy = (float(v) for v in values)
    return minx, miny, maxx, maxy


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


def area_of_use(crs: CRS) -> AreaOfUse | None:
    """The area of use of ``crs``, or of the authority CRS it matches (a CRS read from a file's
    WKT may carry none), else ``None``."""
    area = crs.area_of_use
    if area is None:
        found = crs.to_authority(min_confidence=70)
        area = CRS.from_authority(*found).area_of_use if found else None
    # pyproj's stubs name a pyproj._crs.AreaOfUse, which is pyproj.aoi.AreaOfUse at run time
    return cast("AreaOfUse | None", area)


def area_of_use_bounds(crs: CRS) -> Bounds:
    """The area of use of ``crs``, ``(west, south, east, north)`` in degrees (else the world)."""
    area = area_of_use(crs)
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


def _swapped(box: Bounds) -> Bounds:
    return (box[1], box[0], box[3], box[2])


def _bounds_in(box: Bounds, src: CRS, dst: CRS) -> Bounds:
    """``box`` (in ``src``) as bounds in ``dst``; non-finite where it cannot be transformed."""
    if src.equals(dst):
        return box
    return transformer(src, dst).transform_bounds(*box, densify_pts=21, errcheck=False)


def _degrees_in(box: Bounds, crs: CRS) -> Bounds:
    """``box`` in WGS84 degrees as bounds in ``crs``; non-finite where it cannot be."""
    return transformer("EPSG:4326", crs).transform_bounds(*box, densify_pts=21, errcheck=False)


def _fits(point: tuple[float, float], candidate: CRS, src: CRS, target: Bounds, study: CRS) -> bool:
    """Whether ``point`` read in ``candidate`` (not ``src``) is in its area of use and in
    ``target``."""
    return (
        not candidate.equals(src)
        and not _off_area_of_use((*point, *point), candidate)
        and _inside(_transform_point(*point, candidate, study), target)
    )


def likely_cause(source_bounds: Bounds, src: CRS, target: Bounds, study: CRS) -> str:
    """Explain data that does not land in ``target`` (study CRS): swapped axes or another CRS."""
    centre = ((source_bounds[0] + source_bounds[2]) / 2, (source_bounds[1] + source_bounds[3]) / 2)
    if src.is_geographic and _inside(_transform_point(centre[1], centre[0], src, study), target):
        return "latitude and longitude look swapped; put longitude (x) first"
    fits = [name for name in CANDIDATE_CRS if _fits(centre, parse_crs(name), src, target, study)]
    if fits:
        return (
            f"the coordinates fit {fits[0]}, so {crs_label(src)} is probably not their CRS; "
            f"declare {fits[0]} in the file (its .prj), or for a file that declares none (a "
            f"GeoJSON without a 'crs' member) pass --assume-crs {fits[0]}"
        )
    return "check the CRS of the file and the order of its coordinates"


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


def check_geographic_range(bounds: Bounds, src: CRS, *, study: CRS, what: str) -> None:
    """Refuse coordinates outside ±180°/±90° in a geographic CRS (they are likely metres)."""
    if not src.is_geographic:
        return
    x0, y0, x1, y1 = bounds
    if -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90:
        return
    cause = likely_cause(bounds, src, landing_zone(study, None)[0], study)
    raise CRSError(
        f"{what} declares the geographic CRS {crs_label(src)} but its coordinates span "
        f"x {x0:.6g}..{x1:.6g}, y {y0:.6g}..{y1:.6g}, outside ±180°/±90°, so they are not "
        f"degrees; {cause}."
    )


# -- landing: wrong CRS, or right CRS and far away ------------------------------------------

#: Beyond this distance from the study region a layer is refused unless ``allow_outside``.
FAR_KM = 200.0
#: Tolerance around a CRS's area of use when checking coordinates against it (share of its
#: larger side: about 3 km for Lambert 72, so that degrees read as metres still fall outside).
AREA_OF_USE_TOLERANCE = 0.01


class OutsideRegionWarning(GeoWarning):
    """A layer lies entirely outside the study region, in its CRS's area of use (loaded)."""


@dataclass(frozen=True)
class Region:
    """The study region in the study CRS: its bounds and, read only when needed, its shape."""

    bounds: Bounds
    read_shape: Callable[[], shapely.Geometry] | None = None

    def shape(self) -> shapely.Geometry:
        """The region's polygons (a collection), else its bounding box."""
        return self.read_shape() if self.read_shape else shapely.box(*self.bounds)


@dataclass(frozen=True)
class Landing:
    """A layer that misses the study region, as :func:`check_lands_inside` judges it."""

    what: str
    src: CRS
    study: CRS
    source_bounds: Bounds
    bounds: Bounds
    where: str
    cause: str


def _off_area_of_use(source_bounds: Bounds, src: CRS) -> bool:
    """Whether ``source_bounds`` (in ``src``) miss the area of use of ``src`` entirely."""
    if area_of_use(src) is None:
        return False
    area = _degrees_in(area_of_use_bounds(src), src)
    if not all(math.isfinite(v) for v in area):
        return False  # the area cannot be expressed in the CRS: nothing to judge by
    return not _intersects(source_bounds, expanded(area, share=AREA_OF_USE_TOLERANCE))


def _span(box: Bounds) -> str:
    return f"x {box[0]:.6g}..{box[2]:.6g}, y {box[1]:.6g}..{box[3]:.6g}"


def nearest_distance_km(geometries: np.ndarray, target: shapely.Geometry, crs: CRS) -> float:
    """Distance in km from ``target`` to the nearest of ``geometries`` (all in ``crs``).

    Measured in ``crs`` when it is projected (in its unit, converted to metres); on the
    ellipsoid between the nearest points when it is geographic.
    """
    index, distance = shapely.STRtree(geometries).query_nearest(
        target, return_distance=True, all_matches=False
    )
    if crs.is_projected:
        return float(distance.min()) * crs.axis_info[0].unit_conversion_factor / 1000
    near, far = shapely.ops.nearest_points(target, geometries[int(index[0])])
    geod = crs.get_geod()
    assert geod is not None, "a geographic CRS has an ellipsoid"
    return abs(geod.inv(near.x, near.y, far.x, far.y)[2]) / 1000


def _refuse_off_area_of_use(landing: Landing) -> None:
    """Case (a): coordinates outside the area of use of their CRS: wrong CRS or swapped axes."""
    if not _off_area_of_use(landing.source_bounds, landing.src):
        return
    area = area_of_use(landing.src)
    assert area is not None  # _off_area_of_use found one
    name = (area.name or "unnamed").rstrip(".")
    raise CRSError(
        f"{landing.what} lands outside {landing.where} and its coordinates "
        f"({_span(landing.source_bounds)}) lie outside the area of use of "
        f"{crs_label(landing.src)} ({name}): wrong CRS or swapped axes; "
        f"{landing.cause}."
    )


def _refuse_swapped(landing: Landing, target: Bounds, home: Bounds, home_name: str) -> None:
    """Case (a): the data misses, but with x and y swapped it would land where it belongs."""
    swapped = _bounds_in(_swapped(landing.source_bounds), landing.src, landing.study)
    if _intersects(swapped, target):
        place = landing.where
    elif not _intersects(landing.bounds, home) and _intersects(swapped, home):
        place = home_name
    else:
        return
    axes = "latitude and longitude" if landing.src.is_geographic else "x and y"
    first = "longitude (x)" if landing.src.is_geographic else "x (easting)"
    raise CRSError(
        f"{landing.what} lands outside {place} but would land in it with its axes swapped: "
        f"{axes} look swapped ({_span(landing.source_bounds)} in {crs_label(landing.src)}); "
        f"put {first} first in the file."
    )


def _refuse_foreign(landing: Landing, distance_km: float, home_name: str) -> None:
    """Case (a) for an assumed CRS: data in the sea or in another country."""
    place = "it" if landing.where == home_name else landing.where
    raise CRSError(
        f"{landing.what} lands in the sea or in another country: outside {home_name}, "
        f"{distance_km:,.0f} km from {place}, in a CRS the file does not declare "
        f"({crs_label(landing.src)}, assumed); that CRS is probably wrong: {landing.cause}. "
        "If the place is right, load it with --allow-outside."
    )


def _refuse_far(landing: Landing, distance_km: float) -> None:
    """Case (b) beyond :data:`FAR_KM`: probably a mistake, loaded only when asked."""
    raise CRSError(
        f"{landing.what} lies {distance_km:,.0f} km from {landing.where} (its nearest feature, "
        f"in {crs_label(landing.study)}), more than {FAR_KM:.0f} km: likely a mistake "
        f"({landing.cause}). If the layer is right, load it with --allow-outside."
    )


def outside_message(what: str, distance_km: float, where: str, study: CRS) -> str:
    """The warning for a layer loaded although it lies entirely outside ``where``."""
    return (
        f"{what} lies entirely outside {where}: its nearest feature is {distance_km:,.1f} km "
        f"away (in {crs_label(study)}); loaded, as a distance criterion may use far features. "
        "Check that its place is right."
    )


def check_lands_inside(
    bounds: Bounds,
    study: CRS,
    *,
    region: Bounds | Region | None,
    source_bounds: Bounds,
    src: CRS,
    what: str,
    geometries: np.ndarray | None = None,
    declared: bool = True,
    allow_outside: bool = False,
) -> str | None:
    """Check where data lands; refuse a wrong CRS, warn of (or refuse) a far-away layer.

    ``bounds`` and ``geometries`` are in the study CRS, ``source_bounds`` in ``src``;
    ``declared`` is false when the CRS was assumed (``--assume-crs``, a format default).
    Data that meets :func:`landing_zone` passes. Otherwise, in order, refused as a wrong CRS:
    coordinates outside the area of use of ``src``; data that would land with its axes
    swapped (geographic or assumed CRS); with an assumed CRS, data outside the area of use of
    the study CRS (unless ``allow_outside``). Then right CRS, far away: beyond :data:`FAR_KM`
    from the region refused unless ``allow_outside``; else loaded with an
    :class:`OutsideRegionWarning`, whose message is returned. ``None`` when the data lands.
    """
    if region is not None and not isinstance(region, Region):
        region = Region(as_bounds(region))
    target, where = landing_zone(study, region.bounds if region else None)
    if _intersects(bounds, target):
        return None
    home, home_name = landing_zone(study, None)
    cause = likely_cause(source_bounds, src, home, study)
    landing = Landing(what, src, study, source_bounds, bounds, where, cause)
    _refuse_off_area_of_use(landing)
    if src.is_geographic or not declared:
        _refuse_swapped(landing, target, home, home_name)
    shapes = np.array([shapely.box(*bounds)]) if geometries is None else geometries
    area = region.shape() if region else shapely.box(*_degrees_in(area_of_use_bounds(study), study))
    distance_km = nearest_distance_km(shapes, area, study)
    if not allow_outside and not declared and not _intersects(bounds, home):
        _refuse_foreign(landing, distance_km, home_name)
    if not allow_outside and distance_km > FAR_KM:
        _refuse_far(landing, distance_km)
    message = outside_message(what, distance_km, where, study)
    warnings.warn(message, OutsideRegionWarning, stacklevel=2)
    return message
