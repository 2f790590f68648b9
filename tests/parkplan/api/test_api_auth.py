"""Who may do what: the whole matrix of configurations, tokens and routes; brute force; CORS."""

from __future__ import annotations

import json

import pytest
from api_support import OPERATOR, VIEWER, WRONG, auth, client_for, settings
from pydantic import ValidationError

from parkplan.api import Settings, create_app
from parkplan.api.security import FailureLimiter, token_in
from parkplan.errors import ParkplanError

CONFIGS = {
    "public_reads": {},
    "viewers": {"viewer_tokens": [VIEWER]},
    "read_only": {"viewer_tokens": [VIEWER], "read_only": True},
    "read_only_open": {"operator_tokens": [], "read_only": True},
}
TOKENS = {"none": None, "wrong": WRONG, "viewer": VIEWER, "operator": OPERATOR}
READS = [
    ("/api/sites", 200),
    ("/api/sites/S1", 200),
    ("/api/equalisation", 200),
    ("/api/layers", 200),
    ("/map", 200),
    ("/compare?left=alt", 200),
    ("/report", 200),
    ("/api/runs/0123456789abcdef", 404),
]


def expected_read(config: dict, token: str) -> int | None:
    """``None``: allowed (the route's own answer); else the refusal's status."""
    if not config.get("viewer_tokens"):
        return None
    return None if token in ("viewer", "operator") else 401


def expected_write(config: dict, token: str) -> int | None:
    if config.get("read_only"):
        return 403
    if token == "operator":
        return None
    if token == "viewer" and config.get("viewer_tokens"):
        return 403
    return 401


@pytest.fixture(scope="module", params=list(CONFIGS))
def configured(request, shared_study):
    with client_for(shared_study, settings(**CONFIGS[request.param])) as test_client:
        yield CONFIGS[request.param], test_client


@pytest.mark.parametrize("token", list(TOKENS))
def test_reads(configured, token):
    config, client = configured
    refusal = expected_read(config, token)
    for path, allowed in READS:
        response = client.get(path, headers=auth(TOKENS[token]))
        assert response.status_code == (refusal or allowed), path
        if refusal == 401:
            assert response.headers["WWW-Authenticate"] == "Bearer"
            assert response.json()["error"] == "unauthorized"


@pytest.mark.parametrize("token", list(TOKENS))
def test_health_is_public(configured, token):
    _, client = configured
    assert client.get("/api/health", headers=auth(TOKENS[token])).status_code == 200


def upload(client, token):
    point = {"type": "Point", "coordinates": [4.37, 50.84]}
    feature = {"type": "Feature", "properties": {}, "geometry": point}
    body = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    return client.post(
        "/api/layers",
        files={"file": ("points.geojson", body, "application/geo+json")},
        data={"name": "points"},
        headers=auth(token),
    )


WRITES = {
    "run": (lambda client, token: client.post("/api/runs", headers=auth(token)), 202),
    "upload": (upload, 201),
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("token", list(TOKENS))
@pytest.mark.parametrize("name", list(CONFIGS))
def test_writes(study, name, token, write):
    config = CONFIGS[name]
    send, allowed = WRITES[write]
    with client_for(study, settings(**config)) as client:
        response = send(client, TOKENS[token])
        refusal = expected_write(config, token)
        assert response.status_code == (refusal or allowed), response.text
        if refusal == 401:
            assert response.headers["WWW-Authenticate"] == "Bearer"
        layers = client.get("/api/layers", headers=auth(OPERATOR)).json()
    assert (write == "upload" and refusal is None) == (len(layers) == 1)


def test_a_bearer_scheme_is_required(shared_study):
    with client_for(shared_study, settings(viewer_tokens=[VIEWER])) as client:
        response = client.get("/api/sites", headers={"Authorization": f"Basic {VIEWER}"})
    assert response.status_code == 401


def test_failed_logins_are_limited_per_client(shared_study):
    config = settings(viewer_tokens=[VIEWER], auth_failures_per_window=3)
    with client_for(shared_study, config) as client:
        codes = [client.get("/api/sites", headers=auth(WRONG)).status_code for _ in range(3)]
        assert codes == [401, 401, 401]
        blocked = client.get("/api/sites", headers=auth(VIEWER))
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) >= 1
        assert blocked.json()["error"] == "too_many_requests"


def test_failure_limiter_window_slides():
    now = [0.0]
    limiter = FailureLimiter(2, 60.0, clock=lambda: now[0])
    limiter.record("a")
    now[0] = 30.0
    limiter.record("a")
    assert limiter.retry_after_s("a") == pytest.approx(30.0)
    assert limiter.retry_after_s("b") == 0.0
    now[0] = 60.5
    assert limiter.retry_after_s("a") == 0.0


def test_tokens_compare_exactly():
    tokens = Settings(operator_tokens=[OPERATOR]).operator_tokens
    assert token_in(OPERATOR, tokens)
    assert not token_in(OPERATOR[:-1], tokens)
    assert not token_in(OPERATOR + "x", tokens)
    assert not token_in("", tokens)


def test_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("PARKPLAN_OPERATOR_TOKENS", f" {OPERATOR} , {WRONG}")
    monkeypatch.setenv("PARKPLAN_VIEWER_TOKENS", VIEWER)
    monkeypatch.setenv("PARKPLAN_MAX_UPLOAD_MB", "12.5")
    monkeypatch.setenv("PARKPLAN_CORS_ORIGINS", "https://a.example,https://b.example")
    loaded = Settings()
    assert [t.get_secret_value() for t in loaded.operator_tokens] == [OPERATOR, WRONG]
    assert [t.get_secret_value() for t in loaded.viewer_tokens] == [VIEWER]
    assert loaded.max_upload_bytes == int(12.5 * 1024 * 1024)
    assert loaded.cors_origins == ["https://a.example", "https://b.example"]
    assert OPERATOR not in repr(loaded)


def test_short_tokens_are_refused():
    with pytest.raises(ValidationError, match="at least 16 characters"):
        Settings(operator_tokens=["secret"])


def test_no_start_with_writes_and_no_operator(shared_study):
    with pytest.raises(ParkplanError, match="PARKPLAN_OPERATOR_TOKENS"):
        create_app(shared_study, settings(operator_tokens=[]))
    assert create_app(shared_study, settings(operator_tokens=[], read_only=True)) is not None


def test_cors_is_closed_by_default(shared_study):
    with client_for(shared_study, settings()) as client:
        response = client.get("/api/sites", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_opens_to_configured_origins(shared_study):
    config = settings(cors_origins=["https://atlas.example"])
    with client_for(shared_study, config) as client:
        allowed = client.get("/api/sites", headers={"Origin": "https://atlas.example"})
        other = client.get("/api/sites", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://atlas.example"
    assert "access-control-allow-origin" not in other.headers
