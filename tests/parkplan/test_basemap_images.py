"""The base map under the dossier's maps, fetched from a real server on loopback (MapServer's
WMS, its tiles as XYZ and as a KVP WMTS, over https; see ``basemap_support``).

Every picture is checked where it lies: the served raster's colour tells the block of every
pixel, so each block edge found in a picture must lie within one cell of where it is in
Lambert 72.
"""

from __future__ import annotations

import base64
import re
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import tomli_w
from basemap_support import BLOCK_M, CELL_M, X0, Y0, basemap_server, colour_at
from server_support import free_port
from study_support import make_small_study

from parkplan.basemap_images import (
    Extent,
    FetchPolicy,
    _refused,
    decode_rgba,
    map_backgrounds,
    tile_range,
    tile_url,
)
from parkplan.errors import BasemapError
from parkplan.report import report_data, with_backgrounds
from parkplan.run import run_study
from parkplan.runs import RunStore
from parkplan.study import BasemapConfig, load_study
from parkplan.workspace import Workspace
from webmap.i18n import word
from webmap.report import OVERVIEW_MAP, map_views, report_html, sheet_map

#: What the tests allow: the loopback server (never a setting of study.toml).
LOOPBACK = FetchPolicy(allow_loopback=True)
ATTRIBUTION = "Kleuren © testdienst <b>"
#: A rectangle of 3 by 2 km inside the served raster, drawn 900 by 600 pixels.
EXTENT = Extent((71_000.0, 181_000.0, 74_000.0, 183_000.0), "EPSG:31370", 900, 600)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The base-map server; fails (never skips) when it cannot start."""
    with basemap_server(tmp_path_factory.mktemp("basemap")) as served:
        yield served


@pytest.fixture
def trusted(server, monkeypatch):
    """The server's certificate trusted (the only one) for the test."""
    monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))
    return server


def basemap(server, kind: str, **changes) -> BasemapConfig:
    settings = {
        "wms": {"url": server.wms, "layers": "colours"},
        "xyz": {"url": server.xyz},
        "wmts": {
            "url": server.wmts,
            "layers": "colours",
            "tile_matrix_set": "GoogleMapsCompatible",
        },
    }[kind]
    return BasemapConfig(kind=kind, attribution=ATTRIBUTION, **(settings | changes))


def block_edges_m(rgba: np.ndarray, bounds, axis: str) -> list[tuple[float, float]]:
    """Where the blocks change along the middle row (``axis`` "x", red) or column ("y",
    green): (found, nearest true edge), in metres."""
    x0, y0, x1, y1 = bounds
    height, width = rgba.shape[1:]
    if axis == "x":
        values, origin, step, start = rgba[0, height // 2, :], X0, (x1 - x0) / width, x0
    else:
        values, origin, step, start = rgba[1, :, width // 2], Y0, -(y1 - y0) / height, y1
    level = np.round((values.astype(float) - 8) / 16)
    found = start + (np.flatnonzero(np.diff(level) != 0) + 1) * step
    true = origin + np.round((found - origin) / BLOCK_M) * BLOCK_M
    return list(zip(found.tolist(), true.tolist(), strict=True))


def assert_in_place(rgba: np.ndarray, bounds) -> None:
    """The picture's block edges lie within one cell of the raster's, and it is opaque."""
    width_m, height_m = bounds[2] - bounds[0], bounds[3] - bounds[1]
    for axis, side_m in (("x", width_m), ("y", height_m)):
        edges = block_edges_m(rgba, bounds, axis)
        assert len(edges) >= side_m // BLOCK_M - 1, axis
        worst = max(abs(found - true) for found, true in edges)
        assert worst <= CELL_M, f"{axis} edges off by {worst:.1f} m"
    assert (rgba[3] == 255).all()


def colours_at_centres(rgba: np.ndarray, bounds) -> tuple[list, list]:
    """The picture's colour at the centre of every block of the raster inside it, and the
    raster's colour there."""
    x0, y0, x1, y1 = bounds
    height, width = rgba.shape[1:]
    got, expected = [], []
    for x in np.arange(X0 + BLOCK_M / 2, x1, BLOCK_M):
        for y in np.arange(Y0 + BLOCK_M / 2, y1, BLOCK_M):
            if x < x0 or y < y0:
                continue
            column = int((x - x0) / (x1 - x0) * width)
            row = int((y1 - y) / (y1 - y0) * height)
            got.append(tuple(int(v) for v in rgba[:3, row, column]))
            expected.append(colour_at(x, y))
    return got, expected


# -- one picture per kind -----------------------------------------------------------------------


def test_a_wms_picture_lies_where_the_raster_does(trusted):
    found = map_backgrounds(basemap(trusted, "wms"), {"map": EXTENT}, policy=LOOPBACK)
    assert found.missing == () and found.reason == ""
    picture = found.pictures["map"]
    assert picture.bounds == EXTENT.bounds and picture.attribution == ATTRIBUTION
    rgba = decode_rgba(picture.png, "the picture")
    assert rgba.shape == (4, 600, 900)
    assert_in_place(rgba, EXTENT.bounds)  # a swapped BBOX would ask for y, x: nothing there
    got, expected = colours_at_centres(rgba, EXTENT.bounds)
    assert got == expected


@pytest.mark.parametrize("kind", ["xyz", "wmts"])
def test_web_mercator_tiles_are_warped_onto_the_extent(trusted, kind):
    found = map_backgrounds(basemap(trusted, kind), {"map": EXTENT}, policy=LOOPBACK)
    assert found.missing == (), found.reason
    rgba = decode_rgba(found.pictures["map"].png, "the picture")
    assert rgba.shape == (4, 600, 900)
    assert_in_place(rgba, EXTENT.bounds)
    got, expected = colours_at_centres(rgba, EXTENT.bounds)
    assert np.abs(np.array(got) - np.array(expected)).max() <= 1  # bilinear in one block


def test_a_redirect_is_followed_on_the_same_host_only(trusted):
    same = basemap(trusted, "wms", url=f"{trusted.base}/same")
    assert map_backgrounds(same, {"map": EXTENT}, policy=LOOPBACK).missing == ()
    moved = basemap(trusted, "wms", url=f"{trusted.base}/moved")
    found = map_backgrounds(moved, {"map": EXTENT}, policy=LOOPBACK)
    assert found.missing == ("map",) and "another host" in found.reason


def test_tiles_are_asked_at_the_picture_s_resolution_within_the_tile_cap():
    tiles = tile_range(EXTENT, max_tiles=64)
    # 3 km over 900 pixels at latitude 51° is about 5.3 Web Mercator metres a pixel: zoom 15
    # (4.8 m a pixel) is the coarsest at least as fine
    assert tiles.z == 15 and tiles.count <= 64
    coarser = tile_range(EXTENT, max_tiles=4)
    assert coarser.z < tiles.z and coarser.count <= 4
    template = "https://{s}.tiles.example/{z}/{x}/{-y}.png?t={y}"
    assert tile_url(template, 3, 4, 1) == "https://a.tiles.example/3/4/6.png?t=1"
    with pytest.raises(BasemapError, match=r"\{apikey\}"):
        tile_url("https://tiles.example/{z}/{x}/{y}.png?k={apikey}", 3, 4, 1)


def test_the_loopback_and_link_local_addresses_are_refused_by_default():
    default = FetchPolicy()
    for address in ("127.0.0.1", "::1", "::ffff:127.0.0.1", "169.254.169.254", "0.0.0.0"):
        assert _refused(address, default), address
    assert not _refused("127.0.0.1", LOOPBACK)
    assert not _refused("10.1.2.3", default)  # an intranet server may serve the base map
    assert not _refused("193.190.10.1", default)


@pytest.mark.parametrize(
    ("kind", "changes", "reason"),
    [
        ("wms", {"layers": "nope"}, "is not a PNG or JPEG picture"),
        ("wmts", {"layers": "nope"}, "has none of the"),
        ("wms", {"url": "https://127.0.0.1:{free}/wms"}, "cannot reach"),
    ],
    ids=["wms-error", "wmts-no-tiles", "unreachable"],
)
def test_a_failing_service_gives_no_picture_and_says_why(trusted, kind, changes, reason):
    changes = {k: v.format(free=free_port()) for k, v in changes.items()}
    extents = {"one": EXTENT, "two": replace(EXTENT, width_px=300, height_px=200)}
    found = map_backgrounds(basemap(trusted, kind, **changes), extents, policy=LOOPBACK)
    assert found.pictures == {} and found.missing == ("one", "two")
    assert reason in found.reason and "\n" not in found.reason


# -- the dossier ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wms_study(tmp_path_factory, server):
    """The small study with the server's WMS as its base map, run once (the run's own dossier
    is made with the default policy, which refuses the loopback)."""
    root = make_small_study(tmp_path_factory.mktemp("dossier") / "study")
    path = root / "study.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    data["basemap"] = {
        "kind": "wms",
        "url": server.wms,
        "layers": "colours",
        "attribution": ATTRIBUTION,
        "label": "Kleuren",
    }
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    run_study(root)
    return root


def dossier_data(root: Path, fetch: FetchPolicy):
    study = load_study(root)
    return report_data(study, Workspace.open(root), RunStore(root).folder(None), fetch=fetch)


def svg_images(page: str) -> dict[str, dict]:
    """The ``<image>`` elements of the page's SVG maps by their base64 data: their attributes
    and the PNG decoded."""
    found = {}
    for tag in re.findall(r"<image [^>]*>", page):
        attributes = dict(re.findall(r"(\w+)='([^']*)'", tag))
        data = attributes["href"].removeprefix("data:image/png;base64,")
        rgba = decode_rgba(base64.b64decode(data), "an image of the dossier")
        found[data] = attributes | {"rgba": rgba}
    return found


def test_the_dossier_draws_each_map_over_the_wms(wms_study, monkeypatch, server):
    monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))
    data = dossier_data(wms_study, LOOPBACK)
    views = map_views(data)
    assert set(views) == {OVERVIEW_MAP, *(sheet_map(s) for s in data.sheets)}
    assert data.overview_background is not None
    assert all(w.code != "basemap_unavailable" for w in data.warnings)
    page = report_html(data, lang="nl")
    images = svg_images(page)
    assert len(images) == len(data.sheets) + 1
    for sheet in data.sheets:
        view, _ = views[sheet_map(sheet)]
        assert sheet.background.bounds == pytest.approx(view.bounds)
        image = images[base64.b64encode(sheet.background.png).decode("ascii")]
        placed = tuple(image[k] for k in ("x", "y", "width", "height"))
        assert placed == ("0.00", "0.00", "300.00", "300.00")  # the whole map
        assert image["rgba"].shape == (4, 600, 600)  # twice the map's pixels
        assert_in_place(image["rgba"], sheet.background.bounds)
        got, expected = colours_at_centres(image["rgba"], sheet.background.bounds)
        assert got == expected
    # the attribution is printed on every map, as text (escaped), never translated
    printed = re.findall(r"<text [^>]*translate='no'[^>]*>([^<]*)</text>", page)
    assert printed.count("Kleuren © testdienst &lt;b&gt;") == len(images)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_dossier_whose_base_map_fails_says_so_and_draws_its_maps_bare(wms_study, trusted, lang):
    bare = dossier_data(wms_study, FetchPolicy())  # the loopback refused: as the run did
    assert bare.overview_background is None and all(s.background is None for s in bare.sheets)
    assert [w.figures for w in bare.warnings if w.code == "basemap_unavailable"] == [
        {"service": "WMS", "host": "127.0.0.1"}
    ]
    failing = basemap(trusted, "wms", layers="nope")
    again = with_backgrounds(replace(bare, warnings=()), failing, LOOPBACK)
    for data in (bare, again):
        page = report_html(data, lang=lang)
        assert "<image" not in page and "<svg" in page
        sentence = word("notice_basemap_unavailable", lang).split("(")[0]
        assert sentence in page and "[basemap]" in page
        assert page.count(word("background_missing", lang)) == len(data.sheets) + 1


def test_the_run_itself_writes_the_dossier_without_the_refused_loopback(wms_study):
    page = (wms_study / "report.html").read_text(encoding="utf-8")
    assert "<image" not in page
    assert word("notice_basemap_unavailable", "nl").split("(")[0] in page
