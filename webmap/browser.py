"""Headless Chromium through Playwright, for printing reports and for checking pages offline.

Debian's own Chromium is driven (``executable_path``); Playwright never downloads a browser.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from webmap.errors import BrowserError

DEFAULT_CHROMIUM = Path("/usr/bin/chromium")
#: The environment variable naming the Chromium executable to drive.
CHROMIUM_ENV = "PARKPLAN_CHROMIUM"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def chromium_path(given: Path | str | None = None) -> tuple[Path, str]:
    """The Chromium to drive and where its path came from: ``given`` (``--chromium``), else
    the environment variable :data:`CHROMIUM_ENV`, else :data:`DEFAULT_CHROMIUM`."""
    if given:
        return Path(given), "given"
    if os.environ.get(CHROMIUM_ENV):
        return Path(os.environ[CHROMIUM_ENV]), f"from {CHROMIUM_ENV}"
    return DEFAULT_CHROMIUM, "the default"


@contextmanager
def chromium_browser(chromium: Path | str | None = None) -> Iterator[Any]:
    """A Playwright ``Browser`` running Chromium headless (see :func:`chromium_path`); closed
    on exit."""
    executable, origin = chromium_path(chromium)
    if not executable.is_file():
        raise BrowserError(
            f"Chromium was not found at {executable} ({origin}); expected a Chromium or Chrome "
            f"executable; install it (Debian: apt-get install chromium) or give its path with "
            f"--chromium PATH or {CHROMIUM_ENV}=PATH"
        )
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a declared dependency
        raise BrowserError("Playwright for Python is not installed; install `playwright`.") from exc
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=str(executable), headless=True, args=list(CHROMIUM_ARGS)
            )
        except Error as exc:
            message = " ".join(str(exc).split())[:300]
            raise BrowserError(f"Chromium at {executable} did not start: {message}") from exc
        try:
            yield browser
        finally:
            browser.close()


def block_network(page: Any) -> None:
    """Abort every request of ``page`` that is not a ``file:``, ``data:`` or ``blob:`` URL."""

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            request_route.continue_()
        else:
            request_route.abort()

    page.route("**/*", route)
