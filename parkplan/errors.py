"""Errors of the application: study files, workspace, pipeline, CLI and API.

:class:`ParkplanError` is the application's root. :data:`USER_ERRORS` are the roots of every
package's errors, which mean bad input or usage: the CLI says them in one line with exit code
2, the API answers them with a 4xx status (``parkplan.api.errors.STATUS_OF_ERROR``).
"""

from equalisation.errors import EqualisationError
from geo.errors import GeoError
from webmap.errors import WebmapError


class ParkplanError(Exception):
    """Root of every error raised by :mod:`parkplan`."""


class StudyError(ParkplanError, ValueError):
    """``study.toml`` is missing, unreadable or does not follow the schema."""


class WorkspaceError(ParkplanError, OSError):
    """The study workspace cannot be read or written."""


class BusyError(ParkplanError, RuntimeError):
    """Another process holds the study's lock."""


class BasemapError(ParkplanError, OSError):
    """The base map's service gives no picture: refused address, unreachable, error, no image."""


class AccountError(ParkplanError, ValueError):
    """An account of the web app cannot be added, found or changed as asked."""


#: The error roots of the four packages.
USER_ERRORS: tuple[type[Exception], ...] = (ParkplanError, GeoError, EqualisationError, WebmapError)


class ParkplanWarning(UserWarning):
    """Root of the warnings issued by :mod:`parkplan`."""
