"""Headless Chromium through Playwright, for printing reports and for checking pages offline.

Debian's own Chromium is driven (``executable_path``); Playwright never downloads a browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from webmap.errors import BrowserError

DEFAULT_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


@contextmanager
def chromium_browser(chromium: Path | str = DEFAULT_CHROMIUM) -> Iterator[Any]:
    """A Playwright ``Browser`` running ``chromium`` headless; closed on exit."""
    executable = Path(chromium)
    if not executable.is_file():
        raise BrowserError(
            f"Chromium was not found at {executable}; install it (Debian: apt-get install "
            "chromium) or pass the path of a Chromium executable."
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
