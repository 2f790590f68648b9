"""Error answers: JSON, 4xx for the client's errors, no traceback or server path, headers always."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_support import client_for, settings

from geo.errors import LayerError
from parkplan.api.errors import STATUS_OF_ERROR, Redactor
from parkplan.errors import USER_ERRORS, BusyError, WorkspaceError
from webmap.errors import BrowserError, MapDataError

SECURITY_HEADERS = (
    "content-security-policy",
    "x-content-type-options",
    "referrer-policy",
    "x-frame-options",
)


@pytest.fixture
def failing(study):
    """An app with routes that raise, to see how errors are answered."""
    with client_for(study, settings()) as client:
        app = client.app

        def raiser(error):
            def route():
                raise error

            return route

        secret = f"{study}/workspace/secret.gpkg"
        app.add_api_route("/boom", raiser(RuntimeError(f"disk full at {secret}")))
        app.add_api_route("/busy", raiser(BusyError(f"the study {study} is busy")))
        app.add_api_route("/geo", raiser(LayerError("/data/input/roads.shp has no CRS")))
        app.add_api_route("/workspace", raiser(WorkspaceError(f"no layer 'x' in {study}")))
        app.add_api_route("/map-data", raiser(MapDataError("sites lack the column 'score'")))
        app.add_api_route("/chromium", raiser(BrowserError(f"no Chromium at {study}/bin")))
        yield client


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/boom", 500, "internal_error"),
        ("/busy", 409, "conflict"),
        ("/geo", 422, "unprocessable_content"),
        ("/workspace", 400, "bad_request"),
        ("/map-data", 422, "unprocessable_content"),
        ("/chromium", 503, "service_unavailable"),
        ("/nowhere", 404, "not_found"),
    ],
)
def test_errors_are_json_without_traceback_or_path(failing, study, path, status, code):
    response = failing.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] == code
    assert "Traceback" not in response.text
    assert str(study.parent) not in response.text
    assert "/data/input" not in response.text
    assert "secret" not in response.text
    for header in SECURITY_HEADERS:
        assert header in response.headers, header


def test_every_package_s_error_root_has_a_status_as_on_the_cli():
    """The CLI says USER_ERRORS in one line (exit 2); the API answers each with a status."""
    answered = {kind for kind, _ in STATUS_OF_ERROR}
    assert set(USER_ERRORS) <= answered


def test_method_not_allowed_is_json(client):
    response = client.delete("/api/sites")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


def test_a_broken_workspace_is_a_4xx_without_path(client, study):
    (study / "workspace" / "catalog.json").write_text("{broken", encoding="utf-8")
    response = client.get("/api/layers")
    assert response.status_code == 400
    assert str(study) not in response.text
    assert "catalog.json" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/health", "/api/sites", "/map", "/docs", "/openapi.json"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    csp = response.headers["content-security-policy"]
    if response.headers["content-type"].startswith("text/html"):
        assert "frame-ancestors 'self'" in csp and "object-src 'none'" in csp
    else:
        assert csp == "default-src 'none'; frame-ancestors 'none'"


def test_redactor_removes_paths_but_keeps_routes():
    redact = Redactor({"<study>": Path("/srv/studies/west")})
    assert redact("/srv/studies/west/study.toml: bad") == "<study>/study.toml: bad"
    assert (
        redact("cannot read /home/ann/data/roads.gpkg (corrupt)")
        == "cannot read roads.gpkg (corrupt)"
    )
    assert redact("C:\\Users\\ann\\roads.shp lacks a .prj") == "roads.shp lacks a .prj"
    assert redact("run it first (POST /api/runs)") == "run it first (POST /api/runs)"
    assert redact("see https://example.org/a/b") == "see https://example.org/a/b"
    assert redact("two\nlines") == "two lines"


def test_too_large_json_body_is_413(client):
    from api_support import OPERATOR, auth

    response = client.post(
        "/api/runs",
        content=b"{" + b" " * 200_000 + b"}",
        headers=auth(OPERATOR) | {"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "content_too_large"
