"""Errors of the presentation layer."""


class WebmapError(Exception):
    """Root of every error raised by :mod:`webmap`."""


class AssetError(WebmapError, OSError):
    """Offline web assets are missing from the cache or could not be fetched."""


class MapDataError(WebmapError, ValueError):
    """The result objects handed to a map or report lack a column, a CRS or a valid option."""


class BrowserError(WebmapError, RuntimeError):
    """Headless Chromium is missing or failed to print a page."""
