"""From a source file to a layer ready to store: CRS resolved, reprojected, checked, repaired.

The steps for a vector source, in order:

1. the source CRS: the file's own, else ``assume_crs``, else refused (never guessed);
2. validation in the source CRS (:func:`geo.layers.validate.validate_vector`);
3. coordinates in range for a geographic CRS (±180°/±90°);
4. reprojection to the study CRS, and a second repair pass when it made anything invalid;
5. the layer should land in the study region (or the study CRS's area of use): a wrong CRS is
   refused, a right CRS far away is loaded with a warning, also kept in the validation report
   (see :func:`geo.layers.crs.check_lands_inside`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import geopandas as gpd
import shapely
from pyproj import CRS

from geo.errors import CRSError
from geo.layers.crs import (
    Bounds,
    Region,
    as_bounds,
    check_geographic_range,
    check_lands_inside,
    crs_label,
    parse_crs,
    source_crs,
)
from geo.layers.read import VectorRead
from geo.layers.validate import ValidationReport, family_of, repair, validate_vector

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreparedVector:
    """A vector layer in the study CRS, with its source CRS, validation report and bounds
    ``(x_min, y_min, x_max, y_max)`` in the study CRS."""

    frame: gpd.GeoDataFrame
    source_crs: str
    validation: ValidationReport
    bounds: Bounds

    @property
    def geometry_type(self) -> str:
        """The (single) geometry type of the features."""
        return str(self.frame.geometry.geom_type.iloc[0])


def _declared_crs(read: VectorRead, assume_crs: str | None) -> tuple[CRS, tuple[str, ...]]:
    """The source CRS (see :func:`geo.layers.crs.source_crs`) and a note for the report.

    ``assume_crs`` also replaces an implicit CRS (a GeoJSON without a ``crs`` member).
    """
    what = read.dataset.path.name
    if read.frame.crs is None and not assume_crs and "crs_hint" in read.frame.attrs:
        raise CRSError(
            f"{what} is a table and carries no CRS ({read.frame.attrs['crs_hint']}); "
            "state it with --assume-crs EPSG:XXXX."
        )
    if read.crs_implicit and assume_crs:
        crs = parse_crs(assume_crs, what="--assume-crs")
        note = f"no 'crs' member: {crs_label(crs)} assumed as asked, not the RFC 7946 WGS84"
        return crs, (note,)
    return source_crs(read.frame.crs, assume_crs=assume_crs, what=what), ()


def _without_fid_column(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
    """GeoPackages reserve ``fid`` for the feature id; keep a source column of that name aside."""
    clash = [c for c in frame.columns if str(c).lower() == "fid"]
    if not clash:
        return frame, ()
    frame = frame.rename(columns={clash[0]: "source_fid"})
    return frame, (f"column {clash[0]!r} renamed to 'source_fid' (reserved by GeoPackage)",)


def _repair_after_reprojection(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Reprojection can make a valid geometry slightly invalid: repair those again."""
    geoms = frame.geometry.to_numpy()
    invalid = ~shapely.is_valid(geoms)
    if not invalid.any():
        return frame, 0
    geoms = repair(geoms, invalid, family_of(geoms, "the reprojected layer"))
    frame = frame.copy()
    frame[frame.geometry.name] = gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs)
    return frame, int(invalid.sum())


def prepare_vector(
    read: VectorRead,
    *,
    study_crs: str,
    assume_crs: str | None = None,
    region: Bounds | Region | None = None,
    allow_outside: bool = False,
) -> PreparedVector:
    """Turn features as read into a layer in ``study_crs``; see the module docstring.

    Parameters
    ----------
    read : the features and where they came from.
    study_crs : the CRS every vector layer of the study is stored in.
    assume_crs : the CRS to use when the source declares none.
    region : the study region in ``study_crs`` (bounds, or a :class:`Region` with its shape);
        default: the CRS's area of use.
    allow_outside : load a layer that lies entirely outside the region, however far.
    """
    what = read.dataset.path.name
    src, crs_notes = _declared_crs(read, assume_crs)
    frame = read.frame.set_crs(src, allow_override=True)
    frame, fid_notes = _without_fid_column(frame)
    frame, report = validate_vector(
        frame, what=what, encoding=read.encoding, notes=(*read.notes, *crs_notes, *fid_notes)
    )
    source_bounds = bounds = as_bounds(frame.total_bounds)
    study = parse_crs(study_crs, what="the study CRS")
    check_geographic_range(source_bounds, src, study=study, what=what)
    if not src.equals(study):
        frame, repaired = _repair_after_reprojection(frame.to_crs(study))
        if repaired:
            note = (
                f"{repaired} geometr{'y' if repaired == 1 else 'ies'} repaired after reprojection"
            )
            report = _noted(report, note, repaired=repaired)
        bounds = as_bounds(frame.total_bounds)
    outside = check_lands_inside(
        bounds,
        study,
        region=region,
        source_bounds=source_bounds,
        src=src,
        what=what,
        geometries=frame.geometry.to_numpy(),
        declared=read.frame.crs is not None and not read.crs_implicit,
        allow_outside=allow_outside,
    )
    if outside:
        report = _noted(report, outside)
    logger.info("%s: %d features from %s", what, len(frame), crs_label(src))
    return PreparedVector(frame, crs_label(src), report, bounds)


def _noted(report: ValidationReport, message: str, *, repaired: int = 0) -> ValidationReport:
    """``report`` with ``message`` added (and ``repaired`` more repaired geometries)."""
    return replace(
        report,
        repaired_invalid=report.repaired_invalid + repaired,
        messages=(*report.messages, message),
    )
