"""Why a layer was refused, as a stable word (``problem``) that the pages put into sentences.

The loader's errors are classified by their type; the routes add their own words (a bad
suffix, a name in use, a layer the study uses...). See :class:`parkplan.api.errors.ProblemError`.
"""

from __future__ import annotations

from typing import Literal

from geo.errors import ColumnError, CRSError, GeometryError, LayerError, RasterError
from geo.layers.service_hosts import HostRefusedError
from geo.layers.services import ServiceError
from parkplan.errors import BusyError, ParkplanError

Problem = Literal[
    "suffix",
    "name_taken",
    "crs",
    "geometry",
    "raster",
    "column",
    "unreadable",
    "workspace",
    "busy",
    "running",
    "uploads_full",
    "too_large",
    "in_use",
    "not_found",
    "service",
    "host_refused",
    "other",
]

#: The problem of a loader error, most specific type first.
PROBLEM_OF_ERROR: tuple[tuple[type[Exception], Problem], ...] = (
    (CRSError, "crs"),
    (GeometryError, "geometry"),
    (RasterError, "raster"),
    (ColumnError, "column"),
    (HostRefusedError, "host_refused"),
    (ServiceError, "service"),
    (LayerError, "unreadable"),
    (BusyError, "busy"),
    (ParkplanError, "workspace"),
)


def problem_of(exc: Exception) -> Problem:
    """The problem word of a loader error (``"other"`` for an unknown kind)."""
    return next((word for kind, word in PROBLEM_OF_ERROR if isinstance(exc, kind)), "other")
