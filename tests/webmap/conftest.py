"""Fixtures of the webmap tests (the generated results live in ``webmap_fixtures``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from webmap_fixtures import map_data

from webmap.browser import block_network
from webmap.map_data import MapData


@pytest.fixture
def data() -> MapData:
    return map_data()


@dataclass
class OfflinePage:
    """A page with every non-file request aborted, recording script errors and dialogs."""

    page: object
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def open(self, html: str, directory: Path) -> None:
        path = directory / "page.html"
        path.write_text(html, encoding="utf-8")
        self.page.goto(path.as_uri(), wait_until="load")


@pytest.fixture
def offline_page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    block_network(page)
    offline = OfflinePage(page)
    page.on("pageerror", lambda error: offline.errors.append(str(error)))
    page.on("dialog", lambda dialog: (offline.dialogs.append(dialog.message), dialog.dismiss()))
    yield offline
    context.close()
