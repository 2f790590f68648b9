"""``POST /api/layers/from-service``: a layer of a web service loaded by the web app, against
MapServer (WFS 2.0) and pygeoapi (OGC API Features) on loopback, which the server reaches only
while ``PARKPLAN_SERVICE_HOSTS`` lists the host."""

from __future__ import annotations

import hashlib
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
import pytest
from api_support import OPERATOR, VIEWER, auth, client_for, settings
from server_support import free_port
from service_support import (
    GRID_COUNT,
    WGS84_POINTS,
    grid_point,
    mapserver_server,
    pygeoapi_server,
)
from study_support import make_small_study

from parkplan.api.settings import Settings
from parkplan.layers_from_services import study_bbox
from parkplan.workspace import Workspace

ROUTE = "/api/layers/from-service"
#: Covers every grid point and every WGS84 point (Lambert 72).
WHOLE_GRID = [59_000.0, 170_000.0, 81_000.0, 183_000.0]
LOOPBACK = ["127.0.0.1"]


@pytest.fixture(scope="module")
def wfs_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mapserver")


@pytest.fixture(scope="module")
def wfs_server(wfs_folder) -> str:
    with mapserver_server(wfs_folder) as base:
        yield base


@pytest.fixture(scope="module")
def ogcapi_server(tmp_path_factory) -> str:
    with pygeoapi_server(tmp_path_factory.mktemp("pygeoapi")) as base:
        yield base


@pytest.fixture
def url_of(request):
    def url(service: str, layer: str) -> str:
        base = request.getfixturevalue(f"{service}_server")
        if service == "ogcapi":
            return base
        return f"{base}/wfs84" if layer == "wgs84_points" else f"{base}/wfs"

    return url


@pytest.fixture
def study(tmp_path) -> Path:
    """The small study with its municipalities (its area: x 70-76.4 km, y 180-184 km)."""
    return make_small_study(tmp_path / "study")


def post(client, token=OPERATOR, **body):
    request = {"name": "grid", "service": "wfs", "layer": "grid_points"} | body
    return client.post(ROUTE, headers=auth(token), json=request)


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def idents(root: Path, name: str) -> set:
    return set(Workspace.open(root).read_vector(name)["ident"])


def marked_log(base: str, folder: Path, offset: int = 0) -> list[str]:
    """The lines of MapServer's access log after byte ``offset``, up to a marker request sent
    now (lighttpd writes its log in batches: the marker shows that all earlier ones are in)."""
    marker = f"marker{uuid.uuid4().hex}"
    httpx.get(f"{base}/wfs?{marker}=1&service=WFS&request=GetCapabilities", timeout=10)
    log = folder / "access.log"
    deadline = time.monotonic() + 10
    while marker not in log.read_bytes()[offset:].decode() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = log.read_bytes()[offset:].decode().splitlines()
    assert any(marker in line for line in lines), lines
    return lines[: next(i for i, line in enumerate(lines) if marker in line) + 1]


def log_offset(base: str, folder: Path) -> int:
    """Where the next request will be logged: after every request made so far."""
    marked_log(base, folder)
    return (folder / "access.log").stat().st_size


def requests_since(base: str, folder: Path, offset: int) -> list[str]:
    """The requests MapServer logged after byte ``offset`` (see :func:`marked_log`)."""
    return [line for line in marked_log(base, folder, offset) if "marker" not in line]


@pytest.mark.timeout(180)
def test_an_operator_loads_the_study_area_from_an_allowed_service(study, wfs_server):
    url = f"{wfs_server}/wfs"
    with client_for(study, settings(service_hosts=LOOPBACK)) as client:
        response = post(client, url=url)
        assert response.status_code == 201, response.text
        entry = response.json()
        listed = {layer["name"]: layer for layer in client.get("/api/layers").json()}
    x0, y0, x1, y1 = study_bbox(study, Workspace.open(study))
    points = {i: grid_point(i) for i in range(GRID_COUNT)}
    inside = {i for i, (x, y) in points.items() if x0 <= x <= x1 and y0 <= y <= y1}
    assert 0 < len(inside) < GRID_COUNT and idents(study, "grid") == inside
    service = entry["service"]
    assert (entry["source"], entry["source_layer"]) == (url, "grid_points")
    assert (service["service"], service["url"], service["layer"]) == ("wfs", url, "grid_points")
    assert "GetFeature" in service["request"] and service["retrieved_at"] == entry["loaded_at"]
    assert service["feature_count"] == len(inside)
    assert listed["grid"]["service"] == service
    assert Workspace.open(study).layer("grid").service.request == service["request"]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("service", ["ogcapi", "wfs"])
def test_paging_and_a_wgs84_service_through_the_web(study, url_of, service):
    with client_for(study, settings(service_hosts=LOOPBACK)) as client:
        paged = post(client, service=service, url=url_of(service, "grid_points"),
                     bbox=WHOLE_GRID, page_size=50)  # fmt: skip
        assert paged.status_code == 201, paged.text
        wgs84 = post(client, name="points", service=service, url=url_of(service, "wgs84_points"),
                     layer="wgs84_points", bbox=WHOLE_GRID)  # fmt: skip
        assert wgs84.status_code == 201, wgs84.text
    assert idents(study, "grid") == set(range(GRID_COUNT))
    assert paged.json()["service"]["pages"] >= -(-GRID_COUNT // 50)
    frame = Workspace.open(study).read_vector("points").set_index("ident")
    assert set(frame.index) == set(WGS84_POINTS)
    for name, (x, y) in WGS84_POINTS.items():
        assert np.hypot(frame.geometry[name].x - x, frame.geometry[name].y - y) < 1.0, name


@pytest.mark.timeout(180)
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("{base}/wfs", "is not https; expected an https URL"),
        ("https://127.0.0.1:{port}/wfs", "is at 127.0.0.1, a loopback address"),
        ("https://localhost:{port}/wfs", "'localhost' of the WFS 2.0 URL is at 127.0.0.1, a"),
        ("https://[::ffff:127.0.0.1]:{port}/wfs", "a loopback address"),
        ("https://10.20.30.40/wfs", "is at 10.20.30.40, a private address"),
        ("https://[fd00::1]/wfs", "a private address"),
        ("https://169.254.169.254/latest/meta-data", "a link-local address"),
        ("https://0.0.0.0:{port}/wfs", "an unspecified address"),
    ],
)  # fmt: skip
def test_without_the_allowlist_no_internal_address_is_fetched(
    study, wfs_server, wfs_folder, url, expected
):
    port = wfs_server.rsplit(":", 1)[1]
    before, logged = snapshot(study), log_offset(wfs_server, wfs_folder)
    with client_for(study, settings()) as client:
        response = post(client, url=url.format(base=wfs_server, port=port))
    assert response.status_code == 422
    body = response.json()
    assert expected in body["detail"] and body["problem"] == "host_refused"
    assert "PARKPLAN_SERVICE_HOSTS" in body["detail"] and "\n" not in body["detail"]
    assert snapshot(study) == before
    assert requests_since(wfs_server, wfs_folder, logged) == []


@pytest.mark.timeout(180)
def test_a_listed_host_name_is_reached_at_its_checked_address(study, wfs_server):
    url = wfs_server.replace("127.0.0.1", "localhost") + "/wfs"
    with client_for(study, settings(service_hosts=["LocalHost"])) as client:
        response = post(client, url=url, bbox=WHOLE_GRID)
    assert response.status_code == 201, response.text
    assert response.json()["feature_count"] == GRID_COUNT


@pytest.mark.timeout(180)
@pytest.mark.parametrize("service", ["ogcapi", "wfs"])
def test_a_service_error_and_a_closed_port_are_one_line_and_store_nothing(study, url_of, service):
    before = snapshot(study)
    closed = f"http://127.0.0.1:{free_port()}/ogc"
    with client_for(study, settings(service_hosts=LOOPBACK)) as client:
        unknown = post(client, service=service, url=url_of(service, "grid_points"),
                       layer="no_such_layer")  # fmt: skip
        unreachable = post(client, service=service, url=closed)
    kind = "collection" if service == "ogcapi" else "feature type"
    assert unknown.status_code == 422 and unknown.json()["problem"] == "service"
    detail = unknown.json()["detail"]
    assert f"has no {kind} 'no_such_layer'" in detail and "check layer." in detail
    assert "--layer" not in detail
    assert unreachable.status_code == 422
    assert (
        f"cannot reach the {'OGC API Features' if service == 'ogcapi' else 'WFS 2.0'}"
        in (unreachable.json()["detail"])
    )
    assert snapshot(study) == before


@pytest.mark.timeout(60)
def test_a_viewer_may_not_and_a_bad_request_is_refused(study):
    with client_for(study, settings(viewer_tokens=[VIEWER])) as client:
        assert post(client, VIEWER, url="https://example.org/wfs").status_code == 403
        bad_box = post(client, url="https://example.org/wfs", bbox=[5, 0, 1, 1])
        assert bad_box.status_code == 422 and "min < max" in bad_box.json()["detail"]
        unknown = post(client, url="https://example.org/wfs", service="wms")
        assert unknown.status_code == 422
    assert "grid" not in {info.name for info in Workspace.open(study).list_layers()}


@pytest.mark.parametrize("given", ["http://geo.example.org", "geo.example.org:8080", "*.example"])
def test_the_allowlist_takes_host_names_and_addresses_only(monkeypatch, given):
    monkeypatch.setenv("PARKPLAN_SERVICE_HOSTS", f"geo.example.org, 10.0.0.7,{given}")
    with pytest.raises(ValueError, match="is not a host name or IP address"):
        Settings()
    monkeypatch.setenv("PARKPLAN_SERVICE_HOSTS", "Geo.Example.org, 10.0.0.7, [::1]")
    assert Settings().service_hosts == ["geo.example.org", "10.0.0.7", "::1"]
