"""Web security of ``parkplan serve``, with the OWASP API Security Top 10 as the checklist.

Authorisation on every route (API1/API5), with bearer tokens and with the session cookies of
signed-in accounts (roles and CSRF), brute force (API2/API4), upload and body limits (API4),
CORS and security headers (API8), errors without stack traces or server paths (API8).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from run_support import publish_run
from shapely.geometry import box

from parkplan.accounts import Accounts, Passwords, open_account_store
from parkplan.api import Settings, create_app
from parkplan.api.deps import get_run_function
from parkplan.api.sessions import SESSION_COOKIE
from parkplan.study import Study, save_study
from parkplan.workspace import Workspace

OPERATOR = "operator-token-0123456789-sec"
VIEWER = "viewer-token-0123456789-sec"
WRONG = "wrong-token-0123456789-secxx"
TOKENS = {"none": None, "wrong": WRONG, "viewer": VIEWER, "operator": OPERATOR}
MODES = {
    "public-reads": {},
    "viewer-tokens": {"viewer_tokens": [VIEWER]},
    "read-only": {"viewer_tokens": [VIEWER], "read_only": True},
    "read-only-public": {"read_only": True},
}
HTML_PAGES = ("/docs", "/openapi.json")
#: Routes anyone may call: sign in and out, who is signed in.
ACCOUNT_ROUTES = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/api/session"),
}
PASSWORD = "correct horse battery"
ACCOUNTS = {"vera": "viewer", "piet": "planner", "otto": "operator", "ada": "admin"}
ROLE_ORDER = ("viewer", "planner", "operator", "admin")
#: The session cookie of each account; the last sends no CSRF token with its changes.
SESSIONS = {
    "viewer-session": "vera",
    "planner-session": "piet",
    "operator-session": "otto",
    "admin-session": "ada",
    "no-csrf-session": "otto",
}
#: The role a change needs, by route prefix (any other change: operator).
CHANGE_ROLES = {"/api/runs": "planner", "/api/model/save": "planner"}
SERVICE_ROUTE = "/api/layers/from-service"
MODEL_SAVE_ROUTE = "/api/model/save"
#: Reads asked with POST (the model builder's draft in the body): refused for the empty body.
READ_POSTS = {"/api/model/preview", "/api/model/histogram", "/api/model/values"}


def instant_run(study_dir, *, scenario=None, equalise=True, lang="nl", progress=None):
    progress(1, 1)


def geojson_bytes() -> bytes:
    frame = gpd.GeoDataFrame(
        {"name": ["a"]}, geometry=[box(60_000, 190_000, 60_100, 190_100)], crs="EPSG:31370"
    )
    return frame.to_json(to_wgs84=True).encode()


def make_study(root: Path) -> Path:
    from parkplan.outputs import SITES_GPKG

    root.mkdir(parents=True)
    save_study(Study(name="Beveiliging", scenarios=[{"name": "alt"}]), root)
    Workspace.create(root)
    sites = gpd.GeoDataFrame(
        {"site_id": ["S1"], "area_ha": [4.0], "score": [0.8], "rank": [1], "host": ["Westdorp"]},
        geometry=[box(60_000, 190_000, 60_200, 190_200)],
        crs="EPSG:31370",
    )

    def results(folder: Path) -> None:
        sites.to_file(folder / SITES_GPKG, layer="sites", engine="pyogrio")
        (folder / "equalisation.json").write_text('{"site_id": "S1"}', encoding="utf-8")
        (folder / "map.html").write_text("<html><body>kaart</body></html>", encoding="utf-8")
        (folder / "report.html").write_text("<html><body>rapport</body></html>", encoding="utf-8")

    for scenario in (None, "alt"):
        publish_run(root, scenario, results)
    return root


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    return make_study(tmp_path_factory.mktemp("security") / "study")


@pytest.fixture(scope="module")
def accounts_study(tmp_path_factory) -> Path:
    """A study with an account of each role (hashed cheaply: a sign-in renews the hash)."""
    root = make_study(tmp_path_factory.mktemp("accounts") / "study")
    cheap = Passwords(PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1))
    accounts = Accounts(open_account_store(root), passwords=cheap)
    for name, role in ACCOUNTS.items():
        accounts.add(name, role, PASSWORD)
    return root


def client_for(study: Path, **settings) -> TestClient:
    values = {"operator_tokens": [OPERATOR], "auth_failures_per_window": 1000} | settings
    app = create_app(study, Settings(**values))
    app.dependency_overrides[get_run_function] = lambda: instant_run
    return TestClient(app, raise_server_exceptions=False)


def routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) of the OpenAPI schema, path parameters filled in, plus the docs."""
    spec = client.get("/openapi.json").json()
    fill = {"{site_id}": "S1", "{run_id}": "0" * 16, "{name}": "run.json"}
    found = []
    for path, item in spec["paths"].items():
        for key, value in fill.items():
            path = path.replace(key, value)
        found += [(method.upper(), path) for method in item]
    return found + [("GET", page) for page in HTML_PAGES]


def auth(token: str | None) -> dict[str, str]:
    return {} if token is None else {"Authorization": f"Bearer {token}"}


def session_headers(client: TestClient, who: str) -> dict[str, str]:
    """The cookie of a new session of ``SESSIONS[who]`` (and its CSRF token, but for
    ``no-csrf-session``)."""
    session = client.app.state.context.accounts.sign_in(SESSIONS[who], PASSWORD)
    headers = {"Cookie": f"{SESSION_COOKIE}={session.token}"}
    return headers if who == "no-csrf-session" else headers | {"X-CSRF-Token": session.csrf_token}


COUNTER = iter(range(10**9))


def call(client: TestClient, method: str, path: str, headers: dict[str, str]):
    if (method, path) == ("POST", "/api/layers"):
        name = f"layer_{next(COUNTER)}"
        files = {"file": ("upload.geojson", geojson_bytes(), "application/geo+json")}
        return client.post(path, headers=headers, files=files, data={"name": name})
    if (method, path) == ("POST", "/api/runs"):
        return client.post(path, headers=headers, json={"equalise": False})
    if (method, path) == ("POST", SERVICE_ROUTE):  # authorised, then refused: loopback
        body = {"name": "x", "service": "wfs", "url": "https://127.0.0.1/wfs", "layer": "x"}
        return client.post(path, headers=headers, json=body)
    return client.request(method, path, headers=headers, follow_redirects=False)


def account_route_status(method: str, path: str, who: str) -> set[int]:
    """Signing in needs the sign-in form's own token (none here); signing out a session needs
    its CSRF token, and without a session just sends the browser to /login."""
    if method == "GET":
        return {200}
    if path == "/login":
        return {403}
    return {403} if who == "no-csrf-session" else {303}


def session_change_status(path: str, who: str, done: set[int]) -> set[int]:
    """A change asked with a session cookie: the CSRF token, then the account's role."""
    if who == "no-csrf-session":
        return {403}
    needed = next((r for prefix, r in CHANGE_ROLES.items() if path.startswith(prefix)), "operator")
    role = ACCOUNTS[SESSIONS[who]]
    return done if ROLE_ORDER.index(role) >= ROLE_ORDER.index(needed) else {403}


def read_post_status(mode: dict, who: str, accounts: bool) -> set[int]:
    """A read asked with POST: a session's CSRF token, then the read role (even on a
    read-only server), then 422 for the empty body."""
    if who == "no-csrf-session":
        return {403}
    if (mode.get("viewer_tokens") or accounts) and who in ("none", "wrong"):
        return {401}
    return {422}


def expected_status(
    method: str, path: str, mode: dict, who: str, accounts: bool = False
) -> set[int]:
    """What the matrix must answer (a viewer token is just a wrong one when none are set; with
    accounts, reads are no longer public)."""
    if who == "viewer" and not mode.get("viewer_tokens"):
        who = "wrong"
    if (method, path) in ACCOUNT_ROUTES:
        return account_route_status(method, path, who)
    if path in HTML_PAGES or path == "/api/health":
        return {200}
    if method == "POST" and path in READ_POSTS:
        return read_post_status(mode, who, accounts)
    if method in ("POST", "DELETE"):
        if mode.get("read_only"):
            return {403}
        done = {201, 202, 409} if method == "POST" else {404}  # DELETE: no such run
        done = {422} if path == SERVICE_ROUTE else done  # a loopback URL is never fetched
        done = {422} if path == MODEL_SAVE_ROUTE else done  # authorised; the body is empty
        if who in SESSIONS:
            return session_change_status(path, who, done)
        return {"none": {401}, "wrong": {401}, "viewer": {403}, "operator": done}[who]
    if (mode.get("viewer_tokens") or accounts) and who in ("none", "wrong"):
        return {401}
    if path == "/api/equalisation/what-if":
        return {200, 404}  # authorised; the stand-in results carry no game inputs to recompute
    if path.startswith("/api/layers/"):
        return {404}  # authorised; the study has no layer of the filler's name
    return {404} if "/api/runs/" in path else {200}


@pytest.mark.timeout(240)
@pytest.mark.parametrize("accounts", [False, True], ids=["tokens", "accounts"])
@pytest.mark.parametrize("mode", sorted(MODES))
def test_authorisation_matrix_on_every_route(study, accounts_study, mode, accounts):
    with client_for(accounts_study if accounts else study, **MODES[mode]) as client:
        found = routes(client)
        assert {
            ("POST", "/api/layers"),
            ("POST", SERVICE_ROUTE),
            ("POST", "/api/runs"),
            ("GET", "/api/runs"),
            ("DELETE", f"/api/runs/{'0' * 16}"),
            ("GET", f"/api/runs/{'0' * 16}/files.zip"),
            ("GET", "/map"),
            ("GET", "/"),
            ("GET", "/runs"),
            ("GET", "/compare"),
            ("GET", "/model"),
            ("POST", MODEL_SAVE_ROUTE),
        } | ACCOUNT_ROUTES | {("POST", path) for path in READ_POSTS} <= set(found)
        identities = {who: auth(token) for who, token in TOKENS.items()}
        if accounts:
            identities |= {who: session_headers(client, who) for who in SESSIONS}
        failures = []
        for method, path in found:
            for who, headers in identities.items():
                if (method, path) == ("POST", "/logout") and who in SESSIONS:
                    headers = session_headers(client, who)  # signing out ends the session
                response = call(client, method, path, headers)
                expected = expected_status(method, path, MODES[mode], who, accounts)
                if response.status_code not in expected:
                    failures.append((method, path, who, response.status_code, response.text[:80]))
                if response.status_code == 401:
                    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert not failures, failures


@pytest.mark.timeout(60)
def test_repeated_bad_tokens_are_rate_limited(study):
    with client_for(study, viewer_tokens=[VIEWER], auth_failures_per_window=5) as client:
        codes = [
            client.get("/api/sites", headers=auth(f"{WRONG}{i}")).status_code for i in range(8)
        ]
        assert codes[:5] == [401] * 5 and codes[5:] == [429] * 3
        blocked = client.get("/api/sites", headers=auth(VIEWER))  # even the right token waits
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
        assert client.post("/api/layers", headers=auth(WRONG)).status_code == 429


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def upload(client: TestClient, name: str, filename: str, content: bytes):
    files = {"file": (filename, content, "application/octet-stream")}
    return client.post("/api/layers", headers=auth(OPERATOR), files=files, data={"name": name})


@pytest.mark.timeout(120)
def test_upload_limits(study, tmp_path):
    with client_for(study, max_upload_mb=0.05, max_json_body_kb=1) as client:
        big = upload(client, "too_big", "big.geojson", b" " * 100_000)
        assert big.status_code == 413 and big.json()["error"] == "content_too_large"

        def chunks():
            for _ in range(100):
                yield b"x" * 1024

        chunked = client.post(
            "/api/layers",
            headers=auth(OPERATOR) | {"Content-Type": "multipart/form-data; boundary=b"},
            content=chunks(),
        )
        assert chunked.status_code == 413
        body = client.post("/api/runs", headers=auth(OPERATOR), json={"x": "y" * 5000})
        assert body.status_code == 413
    with client_for(study) as client:
        many = zip_bytes({f"m{i}.txt": b"" for i in range(10_001)})
        assert upload(client, "many_members", "many.zip", many).status_code == 422
        bomb = zip_bytes({"bomb.geojson": b" " * 30_000_000})
        assert upload(client, "bomb", "bomb.zip", bomb).status_code == 422
        for member in ("../../escape.geojson", "/etc/escape.geojson", "..\\..\\escape.geojson"):
            response = upload(client, "slip", "slip.zip", zip_bytes({member: geojson_bytes()}))
            assert response.status_code == 422, (member, response.text)
        escape = study.parent / "escape_name.geojson"
        for i, filename in enumerate(("../../escape_name.geojson", "..\\..\\escape_name.geojson")):
            response = upload(client, f"named_{i}", filename, geojson_bytes())
            assert response.status_code == 201, response.text
            assert response.json()["source"] == f"named_{i}.geojson"
        assert not escape.exists()
        assert upload(client, "../evil", "x.geojson", geojson_bytes()).status_code == 422
        assert upload(client, "script", "x.html", b"<script>").status_code == 422
    assert not any(p.name.startswith("escape") for p in study.parent.rglob("*"))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("configured", [False, True])
def test_cors_is_closed_to_foreign_origins(study, configured):
    allowed = "https://plan.example.org"
    settings = {"cors_origins": [allowed]} if configured else {}
    with client_for(study, **settings) as client:
        foreign = {"Origin": "https://evil.example.com"}
        for response in (
            client.get("/api/sites", headers=foreign),
            client.options(
                "/api/layers",
                headers=foreign | {"Access-Control-Request-Method": "POST"},
            ),
        ):
            assert "access-control-allow-origin" not in response.headers
        own = client.get("/api/sites", headers={"Origin": allowed})
        assert (own.headers.get("access-control-allow-origin") == allowed) is configured
        cancel = client.options(  # a cancel (DELETE) from the allowed origin's page
            f"/api/runs/{'0' * 16}",
            headers={"Origin": allowed, "Access-Control-Request-Method": "DELETE"},
        )
        methods = cancel.headers.get("access-control-allow-methods", "")
        assert ("DELETE" in methods) is configured


@pytest.mark.timeout(60)
def test_security_headers_on_json_html_and_errors(study):
    with client_for(study) as client:
        for path, is_page in (
            ("/api/sites", False),
            ("/map", True),
            ("/api/nothing", False),
            ("/api/sites/none", False),
        ):
            headers = client.get(path).headers
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Referrer-Policy"] == "no-referrer"
            assert headers["X-Frame-Options"] == "SAMEORIGIN"
            csp = headers["Content-Security-Policy"]
            assert "object-src 'none'" in csp if is_page else csp.startswith("default-src 'none'")
            assert "server" not in headers


def leaks(text: str, study: Path) -> list[str]:
    markers = ["Traceback", 'File "', str(study), str(study.resolve()), "/tmp/", ".py"]
    markers.append("site-packages")
    return [marker for marker in markers if marker in text]


@pytest.mark.timeout(120)
def test_errors_reveal_no_stack_trace_or_path(tmp_path):
    study = make_study(tmp_path / "study")
    secret = f"{study}/secret/internal.py"

    def failing_run(study_dir, **kwargs):
        raise RuntimeError(f"boom at {secret}")

    with client_for(study) as client:
        client.app.dependency_overrides[get_run_function] = lambda: failing_run
        run = client.post("/api/runs", headers=auth(OPERATOR), json={})
        status = client.get(run.headers["Location"]).json()
        for _ in range(100):
            if status["status"] == "failed":
                break
            status = client.get(run.headers["Location"]).json()
        assert status["status"] == "failed" and not leaks(json.dumps(status), study)
        (study / "sites.gpkg").write_bytes(b"SQLite format 3\x00 garbage")
        (study / "equalisation.json").write_text("{not json", encoding="utf-8")
        (study / "scenarios" / "alt" / "study.toml").write_text("x", encoding="utf-8")
        responses = [
            client.get("/api/sites"),
            client.get("/api/sites/S1"),
            client.get("/api/equalisation"),
            client.post("/api/runs", headers=auth(OPERATOR), content=b"{bad json"),
            client.get("/api/sites", params={"scenario": "../../etc"}),
            client.get("/api/runs/" + "x" * 100),
            upload(client, "corrupt", "c.gpkg", b"SQLite format 3\x00" + b"\x00" * 200),
            upload(client, "notzip", "c.zip", b"PK\x03\x04 broken"),
        ]
        (study / "study.toml").write_text("name = [", encoding="utf-8")
        responses.append(client.get("/compare"))
        responses.append(client.post("/api/runs", headers=auth(OPERATOR), json={}))
    for response in responses:
        assert response.status_code >= 400, response.request.url
        assert response.headers["content-type"].startswith("application/json")
        assert set(response.json()) - {"problem"} == {"error", "detail"}
        assert not leaks(response.text, study), (response.request.url, response.text)
    assert [r.status_code for r in responses[:3]] == [500, 500, 500]
