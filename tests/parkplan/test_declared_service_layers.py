"""Web-service layers declared under ``[[layers]]`` of ``study.toml``: validated by the schema
and ``parkplan check``, loaded by ``parkplan run`` through the command line's loader, and
their service provenance kept by both workspace stores, ``layers list``, the dossier and the
export. Against MapServer (WFS 2.0) and pygeoapi (OGC API Features) on loopback."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
import tomli_w
from postgis_support import Backend, unreachable_reason
from server_support import free_port
from service_support import (
    GRID_COUNT,
    WGS84_POINTS,
    grid_point,
    mapserver_server,
    pygeoapi_server,
)
from study_support import make_small_study

from geo.layers.services import SERVICES
from parkplan.cli import main
from parkplan.export import MANIFEST_JSON
from parkplan.layers_from_services import ServiceSource, add_service_layer, study_bbox
from parkplan.reference import EXAMPLES
from parkplan.run import ensure_layers
from parkplan.study import (
    LOOPBACK_SERVICES_VARIABLE,
    STUDY_FILE,
    InvalidStudyError,
    ServiceKind,
    load_study,
    parse_study,
)
from parkplan.workspace import Workspace

#: Covers every grid point and every WGS84 point (Lambert 72).
WHOLE_GRID = [59_000.0, 170_000.0, 81_000.0, 183_000.0]


@pytest.fixture(scope="module")
def wfs_server(tmp_path_factory) -> str:
    with mapserver_server(tmp_path_factory.mktemp("mapserver")) as base:
        yield base


@pytest.fixture(scope="module")
def ogcapi_server(tmp_path_factory) -> str:
    with pygeoapi_server(tmp_path_factory.mktemp("pygeoapi")) as base:
        yield base


@pytest.fixture
def url_of(request):
    """The URL serving a layer with a service (``"wfs"`` or ``"ogcapi"``)."""

    def url(service: str, layer: str) -> str:
        base = request.getfixturevalue(f"{service}_server")
        if service == "ogcapi":
            return base
        return f"{base}/wfs84" if layer == "wgs84_points" else f"{base}/wfs"

    return url


@pytest.fixture(autouse=True)
def loopback_allowed(monkeypatch):
    """The test servers speak http on loopback: allowed only with the explicit setting."""
    monkeypatch.setenv(LOOPBACK_SERVICES_VARIABLE, "1")


@pytest.fixture
def study(tmp_path) -> Path:
    """The small study (its area: x 70-76.4 km, y 180-184 km), its criterion 'station'
    measured to the layer 'grid', which only a declaration can provide."""
    root = make_small_study(tmp_path / "study", draws=0)
    edit(root, lambda data: data["criteria"][0].update(layer="grid"))
    return root


def edit(root: Path, change) -> None:
    data = tomllib.loads((root / STUDY_FILE).read_text(encoding="utf-8"))
    change(data)
    (root / STUDY_FILE).write_text(tomli_w.dumps(data), encoding="utf-8")


def declare(root: Path, **layer) -> None:
    """Declare one layer under ``[[layers]]`` (named 'grid' unless given)."""
    edit(root, lambda data: data.update(layers=[{"name": "grid", **layer}]))


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


def idents(root: Path, name: str) -> set:
    return set(Workspace.open(root).read_vector(name)["ident"])


def inside(bounds) -> set[int]:
    x0, y0, x1, y1 = bounds
    points = {i: grid_point(i) for i in range(GRID_COUNT)}
    return {i for i, (x, y) in points.items() if x0 <= x <= x1 and y0 <= y <= y1}


# -- the schema and parkplan check ------------------------------------------------------------


def test_the_schema_names_the_services_the_loader_knows():
    assert set(ServiceKind.__args__) == set(SERVICES)


def test_the_reference_example_is_valid():
    study = parse_study({"name": "x", **tomllib.loads(EXAMPLES["layers"])})
    kinds = [layer.service for layer in study.layers]
    assert kinds == [None, "wfs", "ogcapi"] and study.layers[2].page_size == 500


def test_the_template_declares_a_service_layer(tmp_path):
    assert main(["init", str(tmp_path / "new")]) == 0
    text = (tmp_path / "new" / STUDY_FILE).read_text(encoding="utf-8")
    assert 'service = "wfs"' in text and 'source = "https://geo.example.org/wfs"' in text


GOOD = {"service": "wfs", "source": "https://geo.example.org/wfs", "source_layer": "x"}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"source": "http://geo.example.org/wfs"}, "has the http URL 'http://geo.example.org/wfs'"),
        ({"source": "ftp://geo.example.org/wfs"}, "expected an https URL"),
        ({"source": "https://ann:pa55@geo.example.org/wfs"}, "a user name or password"),
        ({"source": "https://geo.example.org/wfs?api_key=s3cret"}, "the parameter 'api_key'"),
        ({"source_layer": None}, "needs source_layer"),
        ({"assume_crs": "EPSG:4326"}, "remove it"),
        ({"bbox": [5.0, 0.0, 1.0, 1.0]}, "with min < max"),
        ({"service": "wms"}, "Input should be 'wfs' or 'ogcapi'"),
        ({"service": None}, "has a URL as its source but no service"),
    ],
)  # fmt: skip
def test_a_bad_service_declaration_is_one_placed_problem(changes, expected):
    layer = {k: v for k, v in ({"name": "grid"} | GOOD | changes).items() if v is not None}
    with pytest.raises(InvalidStudyError) as raised:
        parse_study({"name": "x", "layers": [layer]})
    message = str(raised.value)
    assert expected in message and "[[layers]]" in message and "\n" not in message
    assert "pa55" not in message and "s3cret" not in message


def test_a_file_layer_takes_no_service_keys():
    with pytest.raises(InvalidStudyError, match="apply to web services only"):
        parse_study({"name": "x", "layers": [{"name": "a", "source": "a.gpkg", "page_size": 9}]})


def test_http_on_loopback_needs_the_explicit_setting(monkeypatch, capsys, study, wfs_server):
    declare(study, service="wfs", source=f"{wfs_server}/wfs", source_layer="grid_points")
    assert run_cli(capsys, "check", study)[0] == 0
    monkeypatch.delenv(LOOPBACK_SERVICES_VARIABLE)
    code, out, _ = run_cli(capsys, "check", study)
    assert code != 0
    assert f"has the http URL '{wfs_server}/wfs'; expected https" in out
    assert f"{LOOPBACK_SERVICES_VARIABLE}=1" in out


def test_check_reports_a_service_layer_without_an_area(capsys, tmp_path, wfs_server):
    root = tmp_path / "empty"
    assert main(["init", str(root)]) == 0
    declare(root, service="wfs", source=f"{wfs_server}/wfs", source_layer="grid_points")
    code, out, _ = run_cli(capsys, "check", root)
    assert code != 0
    assert "'grid' is requested for the study area, but there is no municipalities" in out
    assert "give bbox = [minx, miny, maxx, maxy]" in out
    declare(root, service="wfs", source=f"{wfs_server}/wfs", source_layer="grid_points",
            bbox=WHOLE_GRID)  # fmt: skip
    code, out, _ = run_cli(capsys, "check", root)
    assert "is requested for the study area" not in out
    assert f"'grid' is loaded by the next run from the WFS 2.0 at {wfs_server}/wfs" in out


# -- parkplan run ---------------------------------------------------------------------------------


def test_a_run_loads_a_declared_service_layer_of_the_study_area(
    capsys, study, wfs_server, tmp_path
):
    url = f"{wfs_server}/wfs"
    declare(study, service="wfs", source=url, source_layer="grid_points")
    code, out, err = run_cli(capsys, "check", study)
    assert code == 0, out + err
    assert f"'grid' is loaded by the next run from the WFS 2.0 at {url}" in out
    code, _, err = run_cli(capsys, "run", study, "-q")
    assert code == 0, err
    expected = inside(study_bbox(study, Workspace.open(study)))
    assert 0 < len(expected) < GRID_COUNT and idents(study, "grid") == expected
    info = Workspace.open(study).layer("grid")
    service = info.service
    assert (service.service, service.url, service.layer) == ("wfs", url, "grid_points")
    assert "GetFeature" in service.request and "bbox=" in service.request
    assert service.retrieved_at == info.loaded_at and service.feature_count == len(expected)
    run = json.loads((study / "run.json").read_text(encoding="utf-8"))
    assert run["run"]["inputs_sha256"]["grid"] == info.sha256
    report = (study / "report.html").read_text(encoding="utf-8")
    assert f"WFS 2.0 {url}, layer grid_points" in report
    assert service.request.replace("&", "&amp;") in report
    code, out, _ = run_cli(capsys, "layers", "list", study)
    assert f"{url} (wfs grid_points, {service.retrieved_at})" in out
    code, out, _ = run_cli(capsys, "layers", "show", study, "grid")
    assert "service:" in out and "request:" in out and "GetFeature" in out
    target = tmp_path / "export"
    assert run_cli(capsys, "export", study, "--to", target, "--no-pdf")[0] == 0
    manifest = json.loads((target / MANIFEST_JSON).read_text(encoding="utf-8"))
    layer = {item["name"]: item for item in manifest["layers"]}["grid"]
    assert layer["file_name"] == f"WFS 2.0 {url}, layer grid_points"
    assert layer["service"]["request"] == service.request and layer["service"]["url"] == url


@pytest.mark.parametrize("service", ["ogcapi", "wfs"])
def test_a_declared_layer_is_fetched_page_by_page(study, url_of, service):
    declare(study, service=service, source=url_of(service, "grid_points"),
            source_layer="grid_points", bbox=WHOLE_GRID, page_size=50)  # fmt: skip
    ensure_layers(load_study(study), Workspace.open(study))
    assert idents(study, "grid") == set(range(GRID_COUNT))
    provenance = Workspace.open(study).layer("grid").service
    assert provenance.page_size == 50 and provenance.pages >= -(-GRID_COUNT // 50)


@pytest.mark.parametrize("service", ["ogcapi", "wfs"])
def test_a_declared_wgs84_layer_is_reprojected_within_a_metre(study, url_of, service):
    declare(study, service=service, source=url_of(service, "wgs84_points"),
            source_layer="wgs84_points", bbox=WHOLE_GRID)  # fmt: skip
    ensure_layers(load_study(study), Workspace.open(study))
    frame = Workspace.open(study).read_vector("grid").set_index("ident")
    assert set(frame.index) == set(WGS84_POINTS)
    for name, (x, y) in WGS84_POINTS.items():
        assert np.hypot(frame.geometry[name].x - x, frame.geometry[name].y - y) < 1.0, name


@pytest.mark.parametrize("service", ["ogcapi", "wfs"])
def test_a_service_error_stops_the_run_in_one_line_and_changes_nothing(
    capsys, study, url_of, service
):
    declare(study, service=service, source=url_of(service, "grid_points"),
            source_layer="no_such_layer")  # fmt: skip
    before = snapshot(study)
    code, _, err = run_cli(capsys, "run", study, "-q")
    assert code == 2 and err.count("\n") == 1, err
    kind = "collection" if service == "ogcapi" else "feature type"
    assert err.startswith("parkplan: layer 'grid' of [[layers]] in study.toml: ")
    assert f"has no {kind} 'no_such_layer'" in err and "check source_layer" in err
    assert "--layer" not in err
    assert snapshot(study) == before


@pytest.mark.parametrize("service", ["ogcapi", "wfs"])
def test_an_unreachable_service_stops_the_run_in_one_line_and_changes_nothing(
    capsys, study, service
):
    closed = f"http://127.0.0.1:{free_port()}/ogc"
    declare(study, service=service, source=closed, source_layer="grid_points")
    before = snapshot(study)
    code, _, err = run_cli(capsys, "run", study, "-q")
    assert code == 2 and err.count("\n") == 1, err
    assert f"layer 'grid' of [[layers]] in study.toml: cannot reach the {SERVICES[service]}" in err
    assert closed in err and "check the URL" in err
    assert snapshot(study) == before


# -- the catalogue keeps the service ------------------------------------------------------------


@pytest.fixture(params=["gpkg", "postgis"])
def backend(request) -> Backend:
    if request.param == "postgis" and (reason := unreachable_reason()):
        pytest.skip(reason)
    chosen = Backend(request.param)
    yield chosen
    if chosen.kind == "postgis":
        chosen.cleanup()


def test_both_stores_keep_the_service_provenance(backend, tmp_path, ogcapi_server):
    root = backend.prepare(tmp_path / "study")
    Workspace.create(root)
    source = ServiceSource(ogcapi_server, "ogcapi", "grid_points")
    loaded = add_service_layer(root, source, "grid", bbox=tuple(WHOLE_GRID))
    read_back = Workspace.open(root).layer("grid")
    assert read_back.service == loaded.service and read_back == loaded
    assert read_back.service.bbox == pytest.approx(tuple(WHOLE_GRID), abs=1e-6)
    assert read_back.service.retrieved_at and "limit=" in read_back.service.request
    assert read_back.to_dict()["service"]["url"] == ogcapi_server
