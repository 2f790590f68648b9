"""Errors and warnings of the spatial library.

Every error derives from :class:`GeoError` and also from the matching builtin, so callers
can catch either. Messages say what was given, what was expected, and how to fix it.
"""


class GeoError(Exception):
    """Root of every error raised by :mod:`geo`."""


class CRSError(GeoError, ValueError):
    """A coordinate reference system is missing, unknown, geographic where metres are needed,
    or does not match the data."""


class LayerError(GeoError, ValueError):
    """A layer cannot be read or is not what it claims to be (corrupt, empty, wrong format)."""


class GeometryError(GeoError, ValueError):
    """Geometries are invalid, empty or of an unexpected type."""


class ColumnError(GeoError, KeyError):
    """A required attribute column is missing."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class RasterError(GeoError, ValueError):
    """A raster is not georeferenced, not aligned, or has an unusable value range."""


class ModelError(GeoError, ValueError):
    """A suitability model is inconsistent: weights, transforms, exclusions, aggregation."""


class GeoWarning(UserWarning):
    """Root of the warnings issued by :mod:`geo` (e.g. an AHP consistency ratio above 0.10)."""


class EngineError(GeoError, ConnectionError):
    """A compute engine cannot be reached or used (e.g. an unreachable Dask scheduler)."""
