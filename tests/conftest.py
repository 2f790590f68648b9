"""Small generated fixtures shared by the tests; every spatial fixture carries an explicit CRS."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from postgis_support import drop_schema, new_schema, postgres_url, unreachable_reason
from shapely.geometry import Point, box

from geo.grid import Grid
from webmap.assets import AssetSource, default_cache_dir, fetch_assets, map_asset_urls
from webmap.browser import DEFAULT_CHROMIUM, chromium_browser
from webmap.errors import AssetError

#: Run by the system Python that has QGIS (see the QGIS project tests), never imported here.
collect_ignore = ["qgis_check.py"]

LAMBERT72 = "EPSG:31370"
REPO = Path(__file__).resolve().parents[1]
REALDATA = REPO.parent / "shared" / "realdata"


@pytest.fixture
def lambert72() -> str:
    return LAMBERT72


@pytest.fixture
def two_municipalities() -> gpd.GeoDataFrame:
    """Two 2 km x 1 km municipalities side by side near Roeselare (Lambert 72)."""
    return gpd.GeoDataFrame(
        {"name": ["Westdorp", "Oostdorp"], "population": [6000, 18000]},
        geometry=[box(60_000, 190_000, 62_000, 191_000), box(62_000, 190_000, 64_000, 191_000)],
        crs=LAMBERT72,
    )


@pytest.fixture
def exits() -> gpd.GeoDataFrame:
    """One motorway exit at the eastern edge."""
    return gpd.GeoDataFrame({"ref": ["E1"]}, geometry=[Point(64_000, 190_500)], crs=LAMBERT72)


@pytest.fixture
def small_grid() -> Grid:
    """A 400 x 100 grid of 10 m cells over the two municipalities."""
    return Grid.covering((60_000, 190_000, 64_000, 191_000), 10.0, LAMBERT72)


@pytest.fixture
def realdata() -> Path:
    """The real West-Flanders data beside the repository (skips when absent)."""
    if not REALDATA.is_dir():
        pytest.skip(f"real data folder {REALDATA.name!r} not found beside the repository")
    return REALDATA


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


@pytest.fixture(params=["sqlite", "postgres"])
def account_workspace(request) -> Iterator[str | None]:
    """The ``workspace`` of a study for each account store: none (the folder, so SQLite) or
    a fresh schema of the test PostGIS server (skipped, with the reason, without one)."""
    if request.param == "sqlite":
        yield None
        return
    if reason := unreachable_reason():
        pytest.skip(reason)
    schema = new_schema()
    yield f"{postgres_url()}?schema={schema}"
    drop_schema(schema)
