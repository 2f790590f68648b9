"""Errors of the application: study files, workspace, pipeline, CLI and API.

:class:`ParkplanError` is the application's root. The CLI turns any ``ParkplanError``,
``GeoError`` or ``EqualisationError`` into a one-line message and exit code 2.
"""


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


class ParkplanWarning(UserWarning):
    """Root of the warnings issued by :mod:`parkplan`."""
