"""``parkplan layers add STUDY URL --service ogcapi|wfs``: against real servers on loopback,
pygeoapi (OGC API Features) and MapServer (WFS 2.0), started here."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np
import pytest
from server_support import free_port
from service_support import (
    GRID_COUNT,
    WGS84_POINTS,
    grid_point,
    mapserver_server,
    pygeoapi_server,
)
from study_support import make_small_study

from geo.layers.services import ServiceError, ServiceLimits, redacted_url
from parkplan.cli import main
from parkplan.layers_from_services import ServiceSource, add_service_layer, study_bbox
from parkplan.workspace import Workspace

#: Covers every grid point and every WGS84 point (Lambert 72).
WHOLE_GRID = "59000,170000,81000,183000"
SERVICES = ("ogcapi", "wfs")


@pytest.fixture(scope="module")
def ogcapi_server(tmp_path_factory) -> str:
    """pygeoapi serving the generated collections; fails (never skips) if it cannot start."""
    with pygeoapi_server(tmp_path_factory.mktemp("pygeoapi")) as base:
        yield base


@pytest.fixture(scope="module")
def wfs_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mapserver")


@pytest.fixture(scope="module")
def wfs_server(wfs_folder) -> str:
    """MapServer serving the generated layers; fails (never skips) if it cannot start."""
    with mapserver_server(wfs_folder) as base:
        yield base


@pytest.fixture(params=SERVICES)
def service(request) -> str:
    return request.param


@pytest.fixture
def url_of(request, service):
    """The URL serving a layer with ``service``."""
    base = request.getfixturevalue(f"{service}_server")

    def url(layer: str) -> str:
        if service == "ogcapi":
            return base
        return f"{base}/wfs84" if layer == "wgs84_points" else f"{base}/wfs"

    return url


@pytest.fixture
def study(tmp_path) -> Path:
    """A study with three partner municipalities (its area: x 70-76.4 km, y 180-184 km)."""
    return make_small_study(tmp_path / "study")


@pytest.fixture
def empty_study(capsys, tmp_path) -> Path:
    """A study with no municipalities: a bbox must be given."""
    root = tmp_path / "empty"
    assert main(["init", str(root)]) == 0
    capsys.readouterr()
    return root


def run_cli(capsys, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def snapshot(root: Path) -> dict[str, str]:
    """Every file of the study (path -> SHA-256), to show that nothing changed."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def served_requests(log: Path, expected: str, timeout_s: float = 5) -> str:
    """The server's access log once it shows ``expected`` (it is written in batches)."""
    deadline = time.monotonic() + timeout_s
    while expected not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    text = log.read_text()
    assert expected in text, text
    return text


def catalog_entry(root: Path, name: str) -> dict:
    return json.loads((root / "workspace" / "catalog.json").read_text())["layers"][name]


def idents(root: Path, name: str) -> set[int]:
    return {int(v) for v in Workspace.open(root).read_vector(name)["ident"]}


def test_only_features_in_the_study_area_arrive(capsys, service, url_of, study):
    before = set(snapshot(study))
    server = url_of("grid_points")
    code, out, err = run_cli(
        capsys, "layers", "add", study, server, "--service", service,
        "--layer", "grid_points", "--name", "grid",
    )  # fmt: skip
    assert code == 0, err
    x0, y0, x1, y1 = study_bbox(study, Workspace.open(study))
    inside = {
        i
        for i in range(GRID_COUNT)
        if x0 <= grid_point(i)[0] <= x1 and y0 <= grid_point(i)[1] <= y1
    }
    assert 0 < len(inside) < GRID_COUNT
    assert idents(study, "grid") == inside
    assert f"loaded grid: {len(inside)} Point features" in out
    entry = catalog_entry(study, "grid")
    assert entry["source"] == server and entry["source_layer"] == "grid_points"
    provenance = entry["service"]
    assert provenance["service"] == service and provenance["crs"] == "EPSG:31370"
    assert provenance["feature_count"] == len(inside) and provenance["retrieved_at"]
    assert provenance["bbox"] == pytest.approx([x0, y0, x1, y1])
    assert "bbox=" in provenance["request"] and "31370" in provenance["request"]
    assert set(snapshot(study)) - before  # a new GeoPackage


def test_paging_fetches_every_page(service, url_of, empty_study):
    limits = ServiceLimits(page_size=50)
    bbox = tuple(float(v) for v in WHOLE_GRID.split(","))
    info = add_service_layer(
        empty_study, ServiceSource(url_of("grid_points"), service, "grid_points"), "grid",
        bbox=bbox, limits=limits,
    )  # fmt: skip
    assert 3 * limits.page_size < GRID_COUNT
    assert info.feature_count == GRID_COUNT
    assert idents(empty_study, "grid") == set(range(GRID_COUNT))
    provenance = catalog_entry(empty_study, "grid")["service"]
    assert provenance["pages"] >= -(-GRID_COUNT // 50) and provenance["page_size"] == 50


def test_page_byte_and_time_caps_refuse_and_leave_the_study(ogcapi_server, empty_study):
    before = snapshot(empty_study)
    bbox = tuple(float(v) for v in WHOLE_GRID.split(","))
    source = ServiceSource(ogcapi_server, "ogcapi", "grid_points")
    for limits, expected in (
        (ServiceLimits(page_size=50, max_pages=2), "more than 2 pages of 50 features"),
        (ServiceLimits(max_bytes=5_000), "more than 5,000 bytes"),
        (ServiceLimits(total_time_s=0.0), "took more than 0 s"),
    ):
        with pytest.raises(ServiceError, match=expected) as raised:
            add_service_layer(empty_study, source, "grid", bbox=bbox, limits=limits)
        assert "\n" not in str(raised.value)
        assert snapshot(empty_study) == before


def test_a_wgs84_collection_is_reprojected_within_a_metre(
    capsys, request, service, url_of, empty_study
):
    code, out, err = run_cli(
        capsys, "layers", "add", empty_study, url_of("wgs84_points"), "--service", service,
        "--layer", "wgs84_points", "--name", "points", "--bbox", WHOLE_GRID,
    )  # fmt: skip
    assert code == 0, err
    served = "OGC:CRS84" if service == "ogcapi" else "EPSG:4326"  # lat/lon axis order
    assert f"{served} -> EPSG:31370" in out
    frame = Workspace.open(empty_study).read_vector("points").set_index("ident")
    assert set(frame.index) == set(WGS84_POINTS)
    for name, (x, y) in WGS84_POINTS.items():
        point = frame.geometry[name]
        assert np.hypot(point.x - x, point.y - y) < 1.0, name
    if service == "wfs":  # GML read without fetching the schema the answer points to
        log = served_requests(request.getfixturevalue("wfs_folder") / "access.log", "GetFeature")
        assert "DescribeFeatureType" not in log


def test_an_unknown_layer_is_one_clear_line_and_leaves_the_study(capsys, service, url_of, study):
    before = snapshot(study)
    code, out, err = run_cli(
        capsys, "layers", "add", study, url_of("grid_points"), "--service", service,
        "--layer", "no_such_layer", "--name", "nothing",
    )  # fmt: skip
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    kind = "collection" if service == "ogcapi" else "feature type"
    assert f"has no {kind} 'no_such_layer'" in err and "grid_points" in err
    assert "check --layer" in err
    assert snapshot(study) == before


@pytest.mark.parametrize("kind", SERVICES)
def test_an_unreachable_host_is_one_clear_line_and_leaves_the_study(capsys, kind, study):
    before = snapshot(study)
    closed = f"http://127.0.0.1:{free_port()}/ogc"
    code, out, err = run_cli(
        capsys, "layers", "add", study, closed, "--service", kind,
        "--layer", "grid_points", "--name", "grid",
    )  # fmt: skip
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    name = "OGC API Features" if kind == "ogcapi" else "WFS 2.0"
    assert f"cannot reach the {name} at {closed}" in err and "check the URL" in err
    assert snapshot(study) == before


def test_a_study_without_municipalities_needs_a_bbox(capsys, ogcapi_server, empty_study):
    before = snapshot(empty_study)
    code, _, err = run_cli(
        capsys, "layers", "add", empty_study, ogcapi_server, "--service", "ogcapi",
        "--layer", "grid_points", "--name", "grid",
    )  # fmt: skip
    assert code == 2 and err.count("\n") == 1
    assert "no municipalities layer" in err and "--bbox minx,miny,maxx,maxy" in err
    assert "EPSG:31370" in err
    assert snapshot(empty_study) == before


@pytest.mark.parametrize(
    ("source", "options", "expected"),
    [
        ("file:///etc/passwd", ["--service", "ogcapi", "--layer", "x"], "not an http or https"),
        ("ftp://example.org/wfs", ["--service", "wfs", "--layer", "x"], "not an http or https"),
        ("https://example.org/ogc", [], "is a URL; expected a file, or a web service"),
        ("https://example.org/ogc", ["--service", "ogcapi"], "needs --layer NAME"),
        ("https://example.org/ogc", ["--service", "ogcapi", "--layer", "x", "--bbox", "1,2,3"],
         "expected minx,miny,maxx,maxy"),
    ],
)  # fmt: skip
def test_refused_sources_and_options(capsys, empty_study, source, options, expected):
    before = snapshot(empty_study)
    code, _, err = run_cli(capsys, "layers", "add", empty_study, source, "--name", "x", *options)
    assert code == 2 and err.count("\n") == 1
    assert expected in err
    assert snapshot(empty_study) == before


def test_provenance_urls_carry_no_credentials():
    shown = redacted_url("https://ann:s3cret@example.org/wfs?service=WFS&token=abc&MAP=x")
    assert shown == "https://example.org/wfs?service=WFS&token=***&MAP=x"


def test_a_redirect_on_the_same_host_is_followed(wfs_server, empty_study):
    bbox = tuple(float(v) for v in WHOLE_GRID.split(","))
    source = ServiceSource(f"{wfs_server}/to-wfs", "wfs", "grid_points")
    info = add_service_layer(empty_study, source, "grid", bbox=bbox)
    assert info.feature_count == GRID_COUNT


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("to-file", "sent the client to 'file:///etc/passwd?service=WFS&request="
                    "GetCapabilities&acceptVersions=2.0.0', not an http or https URL; refused"),
        ("to-other-host", "sent the client to 'http://localhost:"),
        ("loop", "redirected more than 3 times"),
    ],
)  # fmt: skip
def test_redirects_elsewhere_are_refused(capsys, wfs_server, empty_study, path, expected):
    before = snapshot(empty_study)
    code, _, err = run_cli(
        capsys, "layers", "add", empty_study, f"{wfs_server}/{path}", "--service", "wfs",
        "--layer", "grid_points", "--name", "grid", "--bbox", WHOLE_GRID,
    )  # fmt: skip
    assert code == 2 and err.count("\n") == 1
    assert expected in err
    assert path != "to-other-host" or "on another host; expected every request to stay" in err
    assert snapshot(empty_study) == before


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        ("ogcapi", "the description of collection 'grid_points' is not JSON"),
        ("wfs", "is not XML"),
    ],
)
def test_the_wrong_kind_of_service_is_one_clear_line(
    capsys, ogcapi_server, wfs_server, empty_study, asked, expected
):
    before = snapshot(empty_study)
    url = f"{wfs_server}/wfs" if asked == "ogcapi" else ogcapi_server
    code, _, err = run_cli(
        capsys, "layers", "add", empty_study, url, "--service", asked,
        "--layer", "grid_points", "--name", "grid", "--bbox", WHOLE_GRID,
    )  # fmt: skip
    assert code == 2 and err.count("\n") == 1
    assert expected in err and "check the URL and --service" in err
    assert snapshot(empty_study) == before


def test_credentials_are_sent_but_never_recorded(wfs_server, empty_study):
    bbox = tuple(float(v) for v in WHOLE_GRID.split(","))
    with_secrets = wfs_server.replace("http://", "http://ann:pa55word@") + "/wfs?token=s3cret"
    info = add_service_layer(
        empty_study, ServiceSource(with_secrets, "wfs", "grid_points"), "grid", bbox=bbox
    )
    assert info.feature_count == GRID_COUNT
    catalog = (empty_study / "workspace" / "catalog.json").read_text()
    assert "pa55word" not in catalog and "s3cret" not in catalog and "ann:" not in catalog
    assert f'"source": "{wfs_server}/wfs?token=***"' in catalog


def test_replace_swaps_the_stored_layer(capsys, ogcapi_server, empty_study):
    args = ["layers", "add", empty_study, ogcapi_server, "--service", "ogcapi", "--name", "pts"]
    assert run_cli(capsys, *args, "--layer", "wgs84_points", "--bbox", WHOLE_GRID)[0] == 0
    first = catalog_entry(empty_study, "pts")["stored"]
    code, _, err = run_cli(capsys, *args, "--layer", "grid_points", "--bbox", WHOLE_GRID)
    assert code == 2 and "already exists" in err and "--replace" in err
    code, _, err = run_cli(
        capsys, *args, "--layer", "grid_points", "--bbox", WHOLE_GRID, "--replace"
    )
    assert code == 0, err
    assert catalog_entry(empty_study, "pts")["feature_count"] == GRID_COUNT
    assert not (empty_study / "workspace" / first).exists()


def test_no_features_in_the_area_is_one_clear_line(capsys, ogcapi_server, empty_study):
    before = snapshot(empty_study)
    code, _, err = run_cli(
        capsys, "layers", "add", empty_study, ogcapi_server, "--service", "ogcapi",
        "--layer", "grid_points", "--name", "grid", "--bbox", "100000,100000,101000,101000",
    )  # fmt: skip
    assert code == 2 and err.count("\n") == 1
    assert "has no features of 'grid_points' in the bounding box 100000,100000,101000,101000" in err
    assert snapshot(empty_study) == before
