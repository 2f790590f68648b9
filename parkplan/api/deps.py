"""Dependencies of the routes: the app's context, the roles, and the run function.

Roles, from least to most allowed: viewer (reads), planner (also runs: ``PLAN``), operator
(also layers: ``WRITE``), admin. A bearer token grants viewer or operator; a signed-in account
(session cookie) its own role, and a change it asks for must carry the session's CSRF token.
Reads are public while no viewer token is configured and the study has no accounts; then a
browser opening a page without a session is sent to ``/login``. A client with too many failed
authentications in the window gets 429 until the window has passed (a valid session is never
refused for that: it cannot be guessed).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, get_args

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from parkplan.accounts import Accounts, ActiveSession
from parkplan.api.errors import Redactor
from parkplan.api.jobs import RunJobs
from parkplan.api.results import SiteStore
from parkplan.api.security import FailureLimiter, token_in
from parkplan.api.sessions import LoginRequiredError, check_csrf, session_cookie, wants_a_page
from parkplan.api.settings import Settings
from parkplan.api.uploads import UploadGate

if TYPE_CHECKING:
    from parkplan.whatif import WhatIfs
from parkplan.study import NAME_PATTERN

Role = Literal["public", "viewer", "planner", "operator", "admin"]
#: The roles from least to most allowed (an account's roles are the last four).
ROLES: tuple[Role, ...] = get_args(Role)
RunFunction = Callable[..., object]


@dataclass(frozen=True)
class ApiContext:
    """Everything the routes of one study's app share."""

    study_dir: Path
    settings: Settings
    limiter: FailureLimiter
    sites: SiteStore
    jobs: RunJobs
    redact: Redactor
    uploads: UploadGate
    what_ifs: WhatIfs
    accounts: Accounts

    def reads_are_public(self) -> bool:
        """Reads need nobody's identity: no viewer token is configured, the study has no
        accounts."""
        return self.settings.reads_are_public and not self.accounts.exist()


def get_context(request: Request) -> ApiContext:
    """The context that :func:`parkplan.api.main.create_app` stored on the app."""
    return request.app.state.context


ContextDep = Annotated[ApiContext, Depends(get_context)]

bearer = HTTPBearer(
    auto_error=False,
    description="An operator token (reads and writes) or a viewer token (reads).",
)
CredentialsDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def client_of(request: Request) -> str:
    """The client address failed authentications are counted against (see ``client_key``).

    It is the socket's peer, unless ``parkplan serve`` was told to trust the proxy it comes
    from (``PARKPLAN_TRUSTED_PROXIES``): then uvicorn has put the forwarded address here.
    """
    return request.client.host if request.client else "unknown"


def role_of(token: str | None, settings: Settings) -> Role | None:
    """The role a bearer token grants, ``None`` for a missing or unknown token."""
    if not token:
        return None
    if token_in(token, settings.operator_tokens):
        return "operator"
    if token_in(token, settings.viewer_tokens):
        return "viewer"
    return None


def authenticate(request: Request, context: ApiContext, token: str | None) -> Role:
    """The caller's role; 429 while the client is blocked, 401 (counted) without a valid token."""
    client = client_of(request)
    wait_s = context.limiter.retry_after_s(client)
    if wait_s > 0:
        raise HTTPException(
            429,
            "too many failed authentications from this client; try again later",
            headers={"Retry-After": str(math.ceil(wait_s))},
        )
    role = role_of(token, context.settings)
    if role is None:
        context.limiter.record(client)
        reason = "a bearer token is required" if not token else "the bearer token is not valid"
        raise HTTPException(
            401,
            f"{reason}; send 'Authorization: Bearer TOKEN'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return role


def at_least(role: Role, needed: Role) -> bool:
    """Whether ``role`` may do what ``needed`` may."""
    return ROLES.index(role) >= ROLES.index(needed)


@dataclass(frozen=True)
class Caller:
    """Who asks: a role, and the session when it is a signed-in account."""

    role: Role
    session: ActiveSession | None = None


def identify(request: Request, context: ApiContext, token: str | None, needed: Role) -> Caller:
    """The caller of a route that needs ``needed``: a bearer token first, else the session
    cookie, else nobody (public reads, a browser sent to sign in, or 401)."""
    if needed != "viewer" and context.settings.read_only:
        raise HTTPException(403, "this server is read-only; writes are switched off")
    if needed == "viewer" and context.reads_are_public():
        return Caller("public")
    if token:
        return permitted(Caller(authenticate(request, context, token)), needed)
    session = context.accounts.session(session_cookie(request))
    if session is not None:
        request.state.user_name, request.state.csrf_token = session.name, session.csrf_token
        return permitted(Caller(session.role, session), needed)
    if wants_a_page(request) and context.accounts.exist():
        raise LoginRequiredError(request)
    return Caller(authenticate(request, context, None))  # raises 401 (or 429)


def permitted(caller: Caller, needed: Role) -> Caller:
    """``caller`` if its role suffices, else 403 saying what is needed."""
    if at_least(caller.role, needed):
        return caller
    if caller.session is None:
        raise HTTPException(403, "this needs an operator token; a viewer token only reads")
    raise HTTPException(
        403, f"this needs the {needed} role; {caller.session.name} is a {caller.role}"
    )


async def authorise(
    request: Request,
    context: ApiContext,
    credentials: HTTPAuthorizationCredentials | None,
    needed: Role,
) -> Role:
    """The caller's role for a route that needs ``needed``; a change asked with the session
    cookie must carry its CSRF token (403)."""
    token = credentials.credentials if credentials else None
    caller = await run_in_threadpool(identify, request, context, token, needed)
    if caller.session is not None:
        await check_csrf(request, caller.session)
    return caller.role


async def require_viewer(
    request: Request, context: ContextDep, credentials: CredentialsDep
) -> Role:
    """Reads: public without viewer tokens or accounts, else any token or session."""
    return await authorise(request, context, credentials, "viewer")


async def require_planner(
    request: Request, context: ContextDep, credentials: CredentialsDep
) -> Role:
    """Runs: 403 on a read-only server, else an operator token or a planner's session."""
    return await authorise(request, context, credentials, "planner")


async def require_operator(
    request: Request, context: ContextDep, credentials: CredentialsDep
) -> Role:
    """Writes: 403 on a read-only server, else an operator token or an operator's session (a
    viewer token gets 403)."""
    return await authorise(request, context, credentials, "operator")


#: Route dependencies: ``@router.get(..., dependencies=[READ])``.
READ = Depends(require_viewer)
PLAN = Depends(require_planner)
WRITE = Depends(require_operator)


def get_run_function() -> RunFunction:
    """The pipeline a run executes (:func:`parkplan.run.run_study`; tests override it)."""
    from parkplan.run import run_study

    return run_study


RunFunctionDep = Annotated[RunFunction, Depends(get_run_function)]


#: A scenario named in a query (the name pattern keeps it a plain folder name).
ScenarioQuery = Annotated[
    str | None, Query(pattern=NAME_PATTERN, description="A scenario (default: the base model).")
]
