"""Fixtures of the webmap tests (the generated results live in ``webmap_fixtures``)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from webmap_fixtures import map_data

from webmap.assets import AssetSource, default_cache_dir, fetch_assets, map_asset_urls
from webmap.browser import DEFAULT_CHROMIUM, block_network, chromium_browser
from webmap.errors import AssetError
from webmap.model import MapData


@pytest.fixture
def data() -> MapData:
    return map_data()


@pytest.fixture(scope="session")
def assets(tmp_path_factory) -> AssetSource:
    """Offline web assets: the user's cache, else a fresh fetch through npm (else skip)."""
    source = AssetSource(default_cache_dir())
    try:
        for url in map_asset_urls():
            source.path(url)
        return source
    except AssetError:
        pass
    if shutil.which("npm") is None:
        pytest.skip("no cached web assets and no npm client to fetch them")
    cache = tmp_path_factory.mktemp("assets")
    report = fetch_assets(cache)
    if report.unavailable:
        pytest.skip(f"web assets could not be fetched through npm: {report.unavailable[0]}")
    return AssetSource(cache)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium (skip when it is not installed)."""
    if not DEFAULT_CHROMIUM.is_file():
        pytest.skip(f"headless Chromium is not installed at {DEFAULT_CHROMIUM}")
    with chromium_browser() as running:
        yield running


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
