"""Assemble the web app of one study: ``create_app(study_dir, settings)``.

Routes (OpenAPI docs at ``/docs``)::

    GET  /api/health             public
    GET  /api/layers             read        POST /api/layers     write (multipart upload)
                                             POST /api/layers/from-service  write (JSON)
    GET  /api/sites[/{id}]       read        GeoJSON, EPSG:4326
    GET  /api/equalisation       read
    GET  /api/runs               read        POST /api/runs       plan
    GET  /api/runs/{job}[/events] read       DELETE /api/runs/{job} plan (cancel)
    GET  /api/runs/{run}/files/{name}, /api/runs/{run}/files.zip  read
    GET  /, /runs, /map, /compare, /report  read   HTML pages
    GET  /login, POST /login, POST /logout   public   sign in and out (session cookie)
    GET  /api/session            public      who is signed in, and the session's CSRF token
    GET  /model, GET /api/model, POST /api/model/{preview,histogram,values}  read
    POST /api/model/save         plan        the model builder's draft into study.toml
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from parkplan.accounts import open_accounts
from parkplan.api.deps import ApiContext
from parkplan.api.errors import Redactor, install_error_handlers
from parkplan.api.jobs import RunJobs
from parkplan.api.limits import BodyLimitMiddleware
from parkplan.api.results import SiteStore
from parkplan.api.routers import (
    auth,
    docs,
    downloads,
    equalisation,
    equalisation_page,
    health,
    home,
    layer_pages,
    layers,
    model_page,
    pages,
    runs,
    runs_page,
    sites,
)
from parkplan.api.security import FailureLimiter, SecurityHeadersMiddleware
from parkplan.api.sessions import install_login_redirect, session_policy
from parkplan.api.settings import Settings
from parkplan.api.uploads import UploadGate
from parkplan.study import load_study
from parkplan.whatif import WhatIfs

STUDY_LABEL = "<study>"


def create_app(study_dir: Path, settings: Settings | None = None) -> FastAPI:
    """The FastAPI app serving the study at ``study_dir``.

    Raises :class:`~parkplan.errors.StudyError` when ``study_dir`` is not a study, and
    :class:`~parkplan.errors.ParkplanError` when writes are enabled without an operator token
    or an account.
    """
    settings = settings if settings is not None else Settings()
    root = Path(study_dir).resolve()
    load_study(root)
    accounts = open_accounts(root, policy=session_policy(settings))
    if not accounts.exist():
        settings.refuse_unsafe()
    redact = Redactor({STUDY_LABEL: root})
    context = ApiContext(
        study_dir=root,
        settings=settings,
        limiter=FailureLimiter(settings.auth_failures_per_window, settings.auth_failure_window_s),
        sites=SiteStore(),
        jobs=RunJobs(redact=redact),
        redact=redact,
        uploads=UploadGate(settings.max_concurrent_uploads, settings.upload_wait_s),
        what_ifs=WhatIfs(root),
        accounts=accounts,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        context.jobs.shutdown()

    app = FastAPI(
        title="parkplan",
        summary="Sites, suitability and equalisation of an intermunicipal business park study.",
        lifespan=lifespan,
        docs_url=None,  # served from the installed assets by routers.docs
        redoc_url=None,
    )
    app.state.context = context
    install_error_handlers(app, roots={STUDY_LABEL: root})
    install_login_redirect(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(
        BodyLimitMiddleware,
        default_bytes=settings.max_json_body_kb * 1024,
        limits_bytes={layers.router.prefix: settings.max_upload_bytes},
    )
    app.add_middleware(SecurityHeadersMiddleware)
    for router in (
        health, layers, sites, equalisation, runs, downloads, pages, home, runs_page, docs, auth,
        layer_pages, equalisation_page, model_page,
    ):  # fmt: skip
        app.include_router(router.router)
    return app
