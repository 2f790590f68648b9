"""``/login`` and ``/logout``: people sign in with an account's name and password;
``/api/session``: who is signed in, with the CSRF token the pages' scripts send back.

A successful sign-in begins a new session (a cookie the server chose, never one the browser
brought: that session ends) and returns to ``next`` when it is a path of this server. A failed
one says only that the name or the password is wrong, after the same work either way, and counts
against the client like a wrong token (429 once blocked). The sign-in form carries a token of
its own, matched against a short-lived cookie, so another site cannot sign a browser in.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from typing import Annotated, TypedDict

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from parkplan.api.app_pages import Lang, LangQuery, render_page
from parkplan.api.deps import ApiContext, ContextDep, client_of
from parkplan.api.sessions import (
    MAX_NEXT_LENGTH,
    check_csrf,
    clear_session_cookie,
    cookie_is_secure,
    local_path,
    same_token,
    session_cookie,
    set_session_cookie,
)

router = APIRouter(tags=["accounts"])

LOGIN_COOKIE = "parkplan_login"
#: How long a sign-in form may stay open before it must be loaded again.
LOGIN_FORM_S = 3600

TEXT: Mapping[Lang, Mapping[str, str]] = {
    "nl": {
        "title": "Aanmelden",
        "name": "Gebruikersnaam",
        "password": "Wachtwoord",
        "submit": "Aanmelden",
        "wrong": "De gebruikersnaam of het wachtwoord is niet juist.",
        "expired": "Het formulier was verlopen; meld u opnieuw aan.",
        "blocked": "Te veel mislukte pogingen; probeer het over {seconds} seconden opnieuw.",
    },
    "en": {
        "title": "Sign in",
        "name": "User name",
        "password": "Password",
        "submit": "Sign in",
        "wrong": "The user name or the password is not right.",
        "expired": "The form had expired; please sign in again.",
        "blocked": "Too many failed attempts; try again in {seconds} seconds.",
    },
}

NextQuery = Annotated[
    str, Query(max_length=MAX_NEXT_LENGTH, description="The page to return to (a local path).")
]
NameField = Annotated[str, Form(max_length=200)]
PasswordField = Annotated[str, Form(max_length=4096)]
TokenField = Annotated[str, Form(max_length=200)]
NextField = Annotated[str, Form(max_length=MAX_NEXT_LENGTH)]


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request, context: ContextDep, lang: LangQuery = "nl", next: NextQuery = "/"
) -> Response:
    """The sign-in form (public; shown even to a signed-in browser, whose session a new sign-in
    replaces)."""
    return login_form(request, context, lang=lang, next_path=local_path(next))


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    context: ContextDep,
    name: NameField = "",
    password: PasswordField = "",
    csrf_token: TokenField = "",
    next: NextField = "/",
    lang: Annotated[Lang, Form()] = "nl",
) -> Response:
    """Sign in: to ``next`` with a new session cookie (303), else the form again with why
    (401 wrong name or password, 403 expired form, 429 too many failures)."""
    form: LoginForm = {"lang": lang, "next_path": local_path(next), "name": name}
    client = client_of(request)
    wait_s = context.limiter.retry_after_s(client)
    if wait_s > 0:
        return blocked_form(request, context, form, math.ceil(wait_s))
    if not csrf_token or not same_token(request.cookies.get(LOGIN_COOKIE), csrf_token):
        return login_form(request, context, **form, message=TEXT[lang]["expired"], status_code=403)
    session = await run_in_threadpool(
        context.accounts.sign_in, name, password, replacing=session_cookie(request)
    )
    if session is None:
        context.limiter.record(client)
        return login_form(request, context, **form, message=TEXT[lang]["wrong"], status_code=401)
    response = RedirectResponse(form["next_path"], status_code=303)
    set_session_cookie(response, request, context.settings, session.token)
    response.delete_cookie(LOGIN_COOKIE, path="/login", httponly=True, samesite="strict")
    return response


@router.post("/logout", response_class=RedirectResponse, status_code=303)
async def logout(request: Request, context: ContextDep, lang: LangQuery = "nl") -> Response:
    """Sign out (a form with the session's CSRF token): the session ends on the server and the
    browser forgets its cookie; then to ``/login`` in the page's language."""
    token = session_cookie(request)
    session = await run_in_threadpool(context.accounts.session, token)
    if session is not None:
        await check_csrf(request, session)
        await run_in_threadpool(context.accounts.sign_out, token or "")
    response = RedirectResponse("/login?lang=en" if lang == "en" else "/login", status_code=303)
    clear_session_cookie(response, request, context.settings)
    return response


class SessionInfo(BaseModel):
    """The signed-in account of the request's session cookie, if any."""

    model_config = ConfigDict(frozen=True)

    signed_in: bool
    name: str | None = None
    role: str | None = None
    csrf_token: str | None = Field(
        None, description="Send it back as the X-CSRF-Token header with every change."
    )


@router.get("/api/session")
def session_info(request: Request, context: ContextDep, response: Response) -> SessionInfo:
    """Who the session cookie signs in (public: without a valid session, nobody)."""
    response.headers["Cache-Control"] = "no-store"
    session = context.accounts.session(session_cookie(request))
    if session is None:
        return SessionInfo(signed_in=False)
    return SessionInfo(
        signed_in=True, name=session.name, role=session.role, csrf_token=session.csrf_token
    )


class LoginForm(TypedDict):
    """What the sign-in form shows again: its language, where it leads, the name typed."""

    lang: Lang
    next_path: str
    name: str


def blocked_form(
    request: Request, context: ApiContext, form: LoginForm, seconds: int
) -> HTMLResponse:
    """The sign-in page for a client blocked after too many failures (429, ``Retry-After``)."""
    message = TEXT[form["lang"]]["blocked"].format(seconds=seconds)
    response = login_form(request, context, **form, message=message, status_code=429)
    response.headers["Retry-After"] = str(seconds)
    return response


def login_form(
    request: Request,
    context: ApiContext,
    *,
    lang: Lang,
    next_path: str,
    name: str = "",
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The sign-in page with a fresh form token (also set as a cookie for ``/login`` only)."""
    form_token = secrets.token_urlsafe(32)
    response = render_page(
        request,
        "login.html.j2",
        lang=lang,
        title=TEXT[lang]["title"],
        current="login",
        status_code=status_code,
        text=TEXT[lang],
        form_token=form_token,
        next_path=next_path,
        name=name,
        message=message,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        form_token,
        max_age=LOGIN_FORM_S,
        path="/login",
        secure=cookie_is_secure(request, context.settings),
        httponly=True,
        samesite="strict",
    )
    response.headers["Cache-Control"] = "no-store"
    return response
