"""Print an HTML page to PDF with headless Chromium: A4 as the page's print CSS sets it (its
``@page`` margin boxes print the page numbers), backgrounds, and a tagged PDF (structure for
screen readers) with an outline of the headings."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from geo.atomic import atomic_path
from webmap.browser import block_network, chromium_browser
from webmap.errors import BrowserError

logger = logging.getLogger(__name__)


def html_to_pdf(html: str, out: Path | str, *, chromium: Path | str | None = None) -> Path:
    """Write ``html`` as a PDF to ``out`` (atomically, :func:`geo.atomic.atomic_path`: a
    partial file never replaces ``out``).

    ``chromium`` is the executable to drive (default: ``PARKPLAN_CHROMIUM``, else
    ``/usr/bin/chromium``; :func:`webmap.browser.chromium_path`). The page is loaded with
    every network request aborted, so only inline content is printed. Called from inside an
    event loop (an async web handler), the printing runs in a worker thread, as Playwright's
    synchronous API requires.
    """
    target = Path(out)
    if event_loop_running():
        with ThreadPoolExecutor(max_workers=1) as worker:
            return worker.submit(print_pdf, html, target, chromium).result()
    return print_pdf(html, target, chromium)


def event_loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def print_pdf(html: str, target: Path, chromium: Path | str | None) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as partial:
        with chromium_browser(chromium) as browser:
            page = browser.new_page()
            block_network(page)
            page.set_content(html, wait_until="load")
            page.emulate_media(media="print")
            page.pdf(
                path=str(partial),
                format="A4",
                print_background=True,
                prefer_css_page_size=True,
                tagged=True,
                outline=True,
            )
        if partial.stat().st_size == 0:
            raise BrowserError(f"Chromium printed an empty PDF for {target}; check the HTML.")
    logger.info("wrote %s", target)
    return target
