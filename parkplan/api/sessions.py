"""The web side of sessions: the cookie, the CSRF check, where a browser is sent to sign in.

The session cookie (``parkplan_session``) is HttpOnly, ``SameSite=Lax`` (a link from another
site still opens the page signed in; every change needs the CSRF token anyway), ``Path=/`` and
``Secure`` when the request came over https (as the socket or a trusted proxy says) or
``PARKPLAN_SECURE_COOKIES`` is set. A request authenticated by the cookie that asks for a change
(POST, PUT, PATCH, DELETE) must carry its session's CSRF token, as the ``X-CSRF-Token`` header or
the ``csrf_token`` field of a form; requests with ``Authorization: Bearer`` are not
authenticated by the cookie and need none.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from parkplan.accounts import ActiveSession, SessionPolicy
from parkplan.api.settings import Settings

SESSION_COOKIE = "parkplan_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
#: The longest ``next`` a sign-in returns to.
MAX_NEXT_LENGTH = 2000
#: Pages that a sign-in never returns to.
NOT_NEXT = ("/login", "/logout")


def session_policy(settings: Settings) -> SessionPolicy:
    """How long sessions last, from the settings."""
    return SessionPolicy(
        idle_s=settings.session_idle_minutes * 60, max_s=settings.session_max_hours * 3600
    )


def cookie_is_secure(request: Request, settings: Settings) -> bool:
    """Whether cookies get the ``Secure`` flag: over https, or when the settings say so."""
    return settings.secure_cookies or request.url.scheme == "https"


def set_session_cookie(
    response: Response, request: Request, settings: Settings, token: str
) -> None:
    """Give the browser its new session cookie."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_max_hours * 3600),
        path="/",
        secure=cookie_is_secure(request, settings),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, request: Request, settings: Settings) -> None:
    """Make the browser forget its session cookie."""
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        secure=cookie_is_secure(request, settings),
        httponly=True,
        samesite="lax",
    )


def session_cookie(request: Request) -> str | None:
    """The session cookie the request carries, if any."""
    return request.cookies.get(SESSION_COOKIE)


async def sent_csrf_token(request: Request) -> str | None:
    """The CSRF token of a request: its ``X-CSRF-Token`` header, else its form's field."""
    header = request.headers.get(CSRF_HEADER)
    if header is not None:
        return header
    if request.headers.get("content-type", "").startswith(FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def same_token(sent: str | None, expected: str) -> bool:
    """Whether ``sent`` is ``expected``, compared in constant time."""
    return sent is not None and secrets.compare_digest(sent.encode(), expected.encode())


async def check_csrf(request: Request, session: ActiveSession) -> None:
    """403 when a change asked with the cookie lacks its session's CSRF token."""
    if request.method in UNSAFE_METHODS and not same_token(
        await sent_csrf_token(request), session.csrf_token
    ):
        raise HTTPException(
            403, "the CSRF token is missing or wrong; reload the page and try again"
        )


def local_path(target: str | None) -> str:
    """``target`` if it is a path of this server to return to after signing in, else ``/``.

    Refused: anything with a scheme or a host (``https://x``, ``//x``), backslashes (which
    browsers read as ``/``), control characters (which browsers drop), and the sign-in and
    sign-out pages themselves.
    """
    if not target or len(target) > MAX_NEXT_LENGTH or not target.startswith("/"):
        return "/"
    if target.startswith("//") or "\\" in target or not target.isprintable() or " " in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path in NOT_NEXT:
        return "/"
    return target


class LoginRequiredError(Exception):
    """A browser without a session asked for a page: it is sent to ``/login``."""

    def __init__(self, request: Request) -> None:
        super().__init__("sign in first")
        query = {"next": request.url.path + (f"?{request.url.query}" if request.url.query else "")}
        if request.query_params.get("lang") == "en":
            query["lang"] = "en"
        self.location = f"/login?{urlencode(query)}"


def wants_a_page(request: Request) -> bool:
    """Whether the request is a browser opening a page (not a script calling the API)."""
    return (
        request.method in ("GET", "HEAD")
        and "authorization" not in request.headers
        and "text/html" in request.headers.get("accept", "")
    )


def install_login_redirect(app: FastAPI) -> None:
    """Answer :class:`LoginRequiredError` with a redirect to the sign-in page."""

    async def to_login(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequiredError)
        return RedirectResponse(exc.location, status_code=303)

    app.add_exception_handler(LoginRequiredError, to_login)
