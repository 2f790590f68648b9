"""Signing in to the web app: the session cookie, CSRF, roles, expiry, sign-out, the sign-in
page; against the real app, with the accounts in SQLite and in PostgreSQL."""

from __future__ import annotations

import re
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from api_support import OPERATOR, VIEWER, auth, client_for, make_study, settings
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from server_support import served

from parkplan.accounts import open_accounts, token_hash
from parkplan.api.sessions import SESSION_COOKIE, local_path

PASSWORD = "correct horse battery"
CHEAP = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
ACCOUNTS = {"vera": "viewer", "piet": "planner", "otto": "operator", "ada": "admin"}
PAGE = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch) -> None:
    """Argon2 with small parameters, so that the many sign-ins are quick (the defaults are
    checked in tests/parkplan/test_account_stores.py)."""
    monkeypatch.setattr("parkplan.accounts.passwords.PasswordHasher", lambda: CHEAP)


@pytest.fixture
def study(tmp_path: Path, account_workspace: str | None) -> Path:
    root = make_study(tmp_path / "study", workspace=account_workspace)
    accounts = open_accounts(root)
    for name, role in ACCOUNTS.items():
        accounts.add(name, role, PASSWORD)
    return root


@pytest.fixture
def client(study: Path) -> TestClient:
    with client_for(study, settings()) as test_client:
        yield test_client


def form_token(page: httpx.Response) -> str:
    """The token of the sign-in form on ``page``."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def sign_in(
    client: TestClient, name: str, password: str = PASSWORD, next_path: str = "/"
) -> httpx.Response:
    """Open the sign-in page and send its form, as a browser does."""
    token = form_token(client.get(f"/login?next={quote(next_path)}"))
    form = {"name": name, "password": password, "csrf_token": token, "next": next_path}
    return client.post("/login", data=form, follow_redirects=False)


def session_cookie_of(response: httpx.Response) -> SimpleCookie:
    """The ``Set-Cookie`` of the session cookie in ``response``."""
    (header,) = [h for h in response.headers.get_list("set-cookie") if SESSION_COOKIE in h]
    cookie = SimpleCookie()
    cookie.load(header)
    return cookie


def csrf(client: TestClient) -> dict[str, str]:
    """The header carrying the CSRF token of the client's session."""
    return {"X-CSRF-Token": client.get("/api/session").json()["csrf_token"]}


def with_cookie(token: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={token}"}


# -- signing in -------------------------------------------------------------------------------


def test_signing_in_sets_a_private_session_cookie_and_returns_to_next(client):
    response = sign_in(client, "piet", next_path="/map?scenario=alt")
    assert response.status_code == 303 and response.headers["location"] == "/map?scenario=alt"
    cookie = session_cookie_of(response)[SESSION_COOKIE]
    assert len(cookie.value) >= 43
    assert cookie["httponly"] and cookie["samesite"].lower() == "lax" and cookie["path"] == "/"
    assert not cookie["secure"]  # plain http, no setting
    assert int(cookie["max-age"]) == 12 * 3600
    assert client.get("/map?scenario=alt").status_code == 200
    me = client.get("/api/session")
    assert me.headers["Cache-Control"] == "no-store"
    assert me.json() | {"csrf_token": None} == {
        "signed_in": True,
        "name": "piet",
        "role": "planner",
        "csrf_token": None,
    }


@pytest.mark.parametrize(
    ("base_url", "configured"), [("https://testserver", False), ("http://testserver", True)]
)
def test_the_cookies_are_secure_over_https_or_when_configured(study, base_url, configured):
    app = client_for(study, settings(secure_cookies=configured)).app
    with TestClient(app, base_url=base_url) as client:
        page = client.get("/login")
        login_cookie = SimpleCookie(page.headers["set-cookie"])["parkplan_login"]
        assert login_cookie["secure"] and login_cookie["samesite"].lower() == "strict"
        form = {"name": "vera", "password": PASSWORD, "csrf_token": form_token(page)}
        cookie = {"Cookie": f"parkplan_login={login_cookie.value}"}  # as a browser on https
        response = client.post("/login", data=form, headers=cookie, follow_redirects=False)
        assert session_cookie_of(response)[SESSION_COOKIE]["secure"]


def test_a_failed_sign_in_does_not_tell_whether_the_account_exists(client):
    wrong_password = sign_in(client, "otto", "not the password!")
    unknown = sign_in(client, "nobody", PASSWORD)
    for response in (wrong_password, unknown):
        assert response.status_code == 401
        assert "De gebruikersnaam of het wachtwoord is niet juist." in response.text
        assert not any(SESSION_COOKIE in h for h in response.headers.get_list("set-cookie"))
    strip = lambda page: re.sub(r'value="[^"]*"', "", page)  # noqa: E731 (tokens, typed name)
    assert strip(wrong_password.text) == strip(unknown.text)
    assert client.get("/api/session").json()["signed_in"] is False


def test_failed_sign_ins_are_rate_limited_even_with_the_right_password(study):
    with client_for(study, settings(auth_failures_per_window=3)) as client:
        codes = [sign_in(client, "otto", f"wrong password {i}").status_code for i in range(3)]
        assert codes == [401, 401, 401]
        blocked = sign_in(client, "otto")
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
        assert "Te veel mislukte pogingen" in blocked.text
        assert client.get("/api/session").json()["signed_in"] is False


def test_the_sign_in_form_needs_its_own_token(client, study):
    form = {"name": "otto", "password": PASSWORD, "next": "/"}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 403
    with client_for(study, settings()) as other:  # a token from another browser's form
        stolen = form_token(other.get("/login"))
    client.cookies.clear()
    response = client.post("/login", data=form | {"csrf_token": stolen}, follow_redirects=False)
    assert response.status_code == 403 and "verlopen" in response.text
    assert client.get("/api/session").json()["signed_in"] is False


def test_a_session_id_planted_before_sign_in_is_never_kept(client, study):
    with client_for(study, settings()) as attacker:
        planted = session_cookie_of(sign_in(attacker, "vera"))[SESSION_COOKIE].value
    client.cookies.set(SESSION_COOKIE, planted)
    response = sign_in(client, "otto")
    fresh = session_cookie_of(response)[SESSION_COOKIE].value
    assert fresh != planted
    with client_for(study, settings()) as replay:
        assert replay.get("/api/sites", headers=with_cookie(planted)).status_code == 401
        assert replay.get("/api/session", headers=with_cookie(fresh)).json()["name"] == "otto"


def test_signing_out_ends_the_session_on_the_server(client, study):
    token = session_cookie_of(sign_in(client, "otto"))[SESSION_COOKIE].value
    assert client.post("/logout", follow_redirects=False).status_code == 403  # no CSRF token
    assert client.get("/api/sites").status_code == 200
    response = client.post("/logout", headers=csrf(client), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert session_cookie_of(response)[SESSION_COOKIE]["max-age"] == "0"
    with client_for(study, settings()) as replay:  # the old cookie, kept by an attacker
        assert replay.get("/api/sites", headers=with_cookie(token)).status_code == 401


def test_signing_out_with_the_form_field(client):
    sign_in(client, "vera")
    token = client.get("/api/session").json()["csrf_token"]
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/api/session").json()["signed_in"] is False


def test_signing_out_of_an_english_page_returns_to_the_english_sign_in(client):
    sign_in(client, "vera")
    page = client.get("/runs?lang=en", headers=PAGE)
    assert 'action="/logout?lang=en"' in page.text
    token = form_token(page)
    response = client.post("/logout?lang=en", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?lang=en"


@pytest.mark.parametrize(("name", "offered"), [("vera", False), ("piet", True), ("otto", True)])
def test_the_runs_page_offers_to_start_a_run_from_the_planner_role(client, name, offered):
    sign_in(client, name)
    page = client.get("/runs?lang=en", headers=PAGE)
    assert page.status_code == 200
    assert ('id="run-form"' in page.text) is offered
    assert ('id="run-cancel"' in page.text) is offered
    assert ('<p class="notice">Starting a run needs the planner' in page.text) is not offered


def test_an_expired_session_is_refused(client):
    token = session_cookie_of(sign_in(client, "vera"))[SESSION_COOKIE].value
    context = client.app.state.context
    context.accounts.store.touch_session(token_hash(token), time.time() - 3 * 3600)
    assert client.get("/api/sites").status_code == 401
    page = client.get("/map", headers=PAGE, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fmap"
    assert context.accounts.store.session(token_hash(token)) is None


def test_removing_an_account_or_changing_its_password_signs_it_out_everywhere(client, study):
    sign_in(client, "otto")
    with client_for(study, settings()) as second:
        sign_in(second, "otto")
        sign_in(second, "piet")  # the same browser signs in as someone else: otto's ends too
        open_accounts(study).change_password("piet", "a brand new password")
        assert second.get("/api/session").json()["signed_in"] is False
    assert client.get("/api/sites").status_code == 200
    open_accounts(study).remove("otto")  # as 'parkplan users remove' does
    assert client.get("/api/sites").status_code == 401


# -- CSRF, roles, tokens ----------------------------------------------------------------------


def test_a_change_asked_with_the_cookie_needs_the_csrf_token(client):
    sign_in(client, "otto")
    assert client.post("/api/runs", json={"equalise": False}).status_code == 403
    wrong = {"X-CSRF-Token": "x" * 43}
    assert client.post("/api/runs", json={}, headers=wrong).status_code == 403
    response = client.post("/api/runs", json={"equalise": False}, headers=csrf(client))
    assert response.status_code == 202, response.text
    assert client.delete("/api/runs/0123456789abcdef").status_code == 403
    assert client.delete("/api/runs/0123456789abcdef", headers=csrf(client)).status_code == 404


def test_a_form_upload_carries_the_csrf_token_as_a_field(client):
    sign_in(client, "otto")
    token = client.get("/api/session").json()["csrf_token"]
    geojson = b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},'
    geojson += b' "geometry": {"type": "Point", "coordinates": [4.37, 50.84]}}]}'
    files = {"file": ("pts.geojson", geojson, "application/geo+json")}
    refused = client.post("/api/layers", files=files, data={"name": "pts"})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    accepted = client.post("/api/layers", files=files, data={"name": "pts", "csrf_token": token})
    assert accepted.status_code == 201, accepted.text


@pytest.mark.parametrize("name", list(ACCOUNTS))
def test_each_role_may_do_what_its_rank_allows(client, name):
    sign_in(client, name)
    headers = csrf(client)
    role = ACCOUNTS[name]
    assert client.get("/api/sites").status_code == 200
    run = client.post("/api/runs", json={"equalise": False}, headers=headers)
    assert run.status_code == (403 if role == "viewer" else 202), run.text
    if role == "viewer":
        assert run.json()["detail"] == "this needs the planner role; vera is a viewer"
    upload = client.post(
        "/api/layers", headers=headers, files={"file": ("x.exe", b"")}, data={"name": "x"}
    )
    assert upload.status_code == (403 if role in ("viewer", "planner") else 422), upload.text


def test_bearer_tokens_work_as_before_and_need_no_csrf_token(study):
    with client_for(study, settings(viewer_tokens=[VIEWER])) as client:
        assert client.get("/api/sites", headers=auth(VIEWER)).status_code == 200
        assert client.get("/api/sites").status_code == 401
        sign_in(client, "vera")  # a viewer's cookie goes along, but the token decides
        response = client.post("/api/runs", json={"equalise": False}, headers=auth(OPERATOR))
        assert response.status_code == 202
        sign_in(client, "otto")
        refused = client.post("/api/runs", json={}, headers=auth(VIEWER) | csrf(client))
        assert refused.status_code == 403


def test_read_only_refuses_changes_whoever_asks(study):
    with client_for(study, settings(read_only=True)) as client:
        sign_in(client, "ada")
        response = client.post("/api/runs", json={}, headers=csrf(client))
        assert response.status_code == 403 and "read-only" in response.json()["detail"]


# -- pages and redirects ----------------------------------------------------------------------


def test_a_browser_without_a_session_is_sent_to_sign_in_and_back(client):
    response = client.get("/map?scenario=alt&lang=en", headers=PAGE, follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location == "/login?next=%2Fmap%3Fscenario%3Dalt%26lang%3Den&lang=en"
    page = client.get(location)
    assert page.status_code == 200 and "Sign in" in page.text
    assert 'name="next" value="/map?scenario=alt&amp;lang=en"' in page.text
    assert client.get("/map").status_code == 401  # a script gets JSON, not a redirect
    back = sign_in(client, "vera", next_path="/map?scenario=alt&lang=en")
    assert back.headers["location"] == "/map?scenario=alt&lang=en"


def test_every_page_sends_a_browser_without_a_session_to_sign_in(client):
    spec = client.get("/openapi.json").json()
    pages = [
        path
        for path, item in spec["paths"].items()
        if "pages" in item.get("get", {}).get("tags", []) and "{" not in path
    ]
    assert {"/", "/map", "/report", "/compare"} <= set(pages)
    for path in pages:
        response = client.get(path, headers=PAGE, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={quote(path, safe='')}"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/x",
        "//evil.example/x",
        "/\\evil.example/x",
        "\\\\evil.example",
        "/\t/evil.example",
        "/ /evil.example",
        "javascript:alert(1)",
        "http:evil.example",
        "evil.example",
        "/login",
        "/logout?x=1",
        "",
    ],
)
def test_next_must_be_a_local_path(client, target):
    assert local_path(target) == "/"
    assert sign_in(client, "vera", next_path=target).headers["location"] == "/"


def test_the_sign_in_page_is_dutch_or_english_and_escapes_what_it_echoes(client):
    dutch = client.get("/login")
    assert dutch.status_code == 200 and "<h1>Aanmelden</h1>" in dutch.text
    assert dutch.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in dutch.headers
    english = client.get("/login?lang=en")
    assert '<html lang="en">' in english.text and "User name" in english.text
    payload = '"><script>alert(1)</script>'
    token = form_token(client.get("/login"))
    form = {"name": payload, "password": "x", "csrf_token": token, "next": f"/map?q={payload}"}
    echoed = client.post("/login", data=form)
    assert echoed.status_code == 401
    assert "<script>alert(1)" not in echoed.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in echoed.text
    assert 'value="/map?q=&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in echoed.text


def test_pages_carry_the_session_csrf_token(client):
    sign_in(client, "otto")
    token = client.get("/api/session").json()["csrf_token"]
    home = client.get("/")
    assert home.status_code == 200, home.text[:200]
    assert f'<meta name="csrf-token" content="{token}">' in home.text
    assert f'name="csrf_token" value="{token}"' in home.text  # the sign-out form
    assert "otto" in home.text


# -- without accounts -------------------------------------------------------------------------


def test_without_accounts_the_app_is_as_before_and_creates_nothing(tmp_path):
    root = make_study(tmp_path / "open")
    with client_for(root, settings()) as client:
        assert client.get("/map", headers=PAGE).status_code == 200  # public reads, no redirect
        assert client.get("/api/session").json() == {
            "signed_in": False,
            "name": None,
            "role": None,
            "csrf_token": None,
        }
        assert sign_in(client, "otto").status_code == 401
        assert client.post("/api/runs", json={}).status_code == 401
        assert client.post("/logout", follow_redirects=False).status_code == 303
    assert not (root / "accounts").exists()


def test_an_account_lets_a_server_start_without_an_operator_token(study, tmp_path):
    from parkplan.api import create_app
    from parkplan.errors import ParkplanError

    create_app(study, settings(operator_tokens=[]))
    with pytest.raises(ParkplanError, match="add an account"):
        create_app(make_study(tmp_path / "open"), settings(operator_tokens=[]))


@pytest.mark.timeout(180)
def test_the_real_server_marks_the_cookie_secure_behind_a_trusted_https_proxy(tmp_path):
    root = make_study(tmp_path / "served")
    open_accounts(root).add("otto", "operator", PASSWORD)
    env = {"PARKPLAN_OPERATOR_TOKENS": OPERATOR}
    with served(root, "--trusted-proxy", "127.0.0.1", env=env) as base:
        for proto, secure in (("https", True), ("http", False)):
            headers = {"X-Forwarded-Proto": proto}
            page = httpx.get(f"{base}/login", headers=headers)
            cookie = SimpleCookie()
            cookie.load(page.headers["set-cookie"])
            form = {"name": "otto", "password": PASSWORD, "csrf_token": form_token(page)}
            response = httpx.post(
                f"{base}/login",
                data=form,
                headers=headers | {"Cookie": f"parkplan_login={cookie['parkplan_login'].value}"},
            )
            assert response.status_code == 303, response.text
            assert bool(session_cookie_of(response)[SESSION_COOKIE]["secure"]) is secure
