"""Dependencies of the routes: the app's context, the roles, and the run function.

Roles: writes need an operator token; reads need a viewer or an operator token once viewer
tokens are configured, and are public otherwise. A client with too many failed
authentications in the window gets 429 until the window has passed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from parkplan.api.errors import Redactor
from parkplan.api.jobs import RunJobs
from parkplan.api.results import SiteStore
from parkplan.api.security import FailureLimiter, token_in
from parkplan.api.settings import Settings
from parkplan.api.uploads import UploadGate

if TYPE_CHECKING:
    from parkplan.whatif import WhatIfs
from parkplan.study import NAME_PATTERN

Role = Literal["public", "viewer", "operator"]
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


def require_viewer(request: Request, context: ContextDep, credentials: CredentialsDep) -> Role:
    """Reads: public without viewer tokens, else a viewer or operator token."""
    if context.settings.reads_are_public:
        return "public"
    return authenticate(request, context, credentials and credentials.credentials)


def require_operator(request: Request, context: ContextDep, credentials: CredentialsDep) -> Role:
    """Writes: 403 on a read-only server, else an operator token (a viewer token gets 403)."""
    if context.settings.read_only:
        raise HTTPException(403, "this server is read-only; writes are switched off")
    role = authenticate(request, context, credentials and credentials.credentials)
    if role != "operator":
        raise HTTPException(403, "this needs an operator token; a viewer token only reads")
    return role


#: Route dependencies: ``@router.get(..., dependencies=[READ])``.
READ = Depends(require_viewer)
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
