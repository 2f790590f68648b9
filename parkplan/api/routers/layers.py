"""``/api/layers``: list the study's layers; upload one, or replace one (operator).

An upload is streamed by the server to a temporary file (the request size is limited by
``PARKPLAN_MAX_UPLOAD_MB``), named after the layer with the upload's suffix only (the
client's file name is never used as a path), then loaded by the same loader as the command
line, :meth:`parkplan.workspace.Workspace.add_layer`, which commits it atomically. Loads are
bounded (:mod:`parkplan.api.uploads`): a few at a time, each in a child process with a memory
budget and a time limit; 503 with ``Retry-After`` when no slot frees up in time.

``POST /api/layers/from-service`` loads a layer of a WFS 2.0 or OGC API Features service by
the command line's loader, bounded the same way. The server fetches only what its
:class:`~geo.layers.service_hosts.HostPolicy` allows: https URLs whose host resolves to public
addresses, or hosts listed in ``PARKPLAN_SERVICE_HOSTS``; a refused URL is answered 422
before any request is sent.
"""

from __future__ import annotations

import math
from pathlib import PurePosixPath
from typing import Annotated, Literal

from fastapi import APIRouter, Form, UploadFile
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from geo.errors import GeoError
from geo.layers.service_hosts import HostPolicy
from geo.layers.services import check_service_url
from parkplan.api.deps import READ, WRITE, ApiContext, ContextDep
from parkplan.api.errors import ProblemError
from parkplan.api.layer_problems import problem_of
from parkplan.api.settings import Settings
from parkplan.api.uploads import SERVICE_TERMS, ServiceJob, load_service, load_upload
from parkplan.layers_from_services import in_terms
from parkplan.study import NAME_PATTERN
from parkplan.workspace import Workspace

router = APIRouter(prefix="/api/layers", tags=["layers"])

#: Suffixes the loader reads; a zip archive holds a shapefile (or any of the others).
UPLOAD_SUFFIXES = (".gpkg", ".geojson", ".json", ".fgb", ".zip", ".tif", ".tiff")


def upload_suffix(filename: str | None) -> str:
    """The lower-case suffix of an uploaded file name, if it is one the loader reads."""
    base = PurePosixPath((filename or "").replace("\\", "/")).name.lower()
    suffix = PurePosixPath(base).suffix
    if suffix not in UPLOAD_SUFFIXES:
        raise ProblemError(
            422,
            f"cannot load a file with suffix {suffix or '(none)'!r}; expected one of "
            f"{', '.join(UPLOAD_SUFFIXES)} (zip a shapefile with its .dbf, .shx and .prj)",
            "suffix",
        )
    return suffix


def public_layer(entry: dict, context: ApiContext) -> dict:
    """A layer's catalogue entry (``LayerInfo.to_dict``) with server paths reduced to names."""
    return {
        key: context.redact(value) if isinstance(value, str) else value
        for key, value in entry.items()
    }


def refuse_during_run(context: ApiContext) -> None:
    """409 while a run is in progress."""
    if context.jobs.busy():
        raise ProblemError(409, "a run is in progress; upload the layer when it is done", "running")


def refuse_taken_name(context: ApiContext, name: str, replace: bool) -> None:
    """400 when a layer ``name`` exists and the upload does not replace it."""
    names = {info.name for info in Workspace.open(context.study_dir).list_layers()}
    if not replace and name in names:
        raise ProblemError(
            400,
            f"a layer named {name!r} already exists; choose another name, or replace it "
            "(replace=true)",
            "name_taken",
        )


@router.get("", dependencies=[READ])
def list_layers(context: ContextDep) -> list[dict]:
    """The layers of the study with their provenance (name, kind, CRS, source, SHA-256...)."""
    workspace = Workspace.open(context.study_dir)
    return [public_layer(info.to_dict(), context) for info in workspace.list_layers()]


@router.post("", status_code=201, dependencies=[WRITE])
async def upload_layer(
    context: ContextDep,
    file: UploadFile,
    name: Annotated[str, Form(pattern=NAME_PATTERN, description="The new layer's name.")],
    source_layer: Annotated[str | None, Form(max_length=200)] = None,
    assume_crs: Annotated[str | None, Form(max_length=64)] = None,
    allow_outside: Annotated[
        bool, Form(description="Load a layer lying outside the study region, however far.")
    ] = False,
    replace: Annotated[
        bool, Form(description="Replace the layer of that name (else an existing name is refused).")
    ] = False,
) -> dict:
    """Load an uploaded file as the layer ``name`` (operator); 503 while uploads are full."""
    suffix = upload_suffix(file.filename)
    refuse_during_run(context)
    await run_in_threadpool(refuse_taken_name, context, name, replace)
    async with context.uploads.slot():
        refuse_during_run(context)
        entry = await run_in_threadpool(
            load_upload,
            context.study_dir,
            file.file,
            f"{name}{suffix}",
            name=name,
            source_layer=source_layer,
            assume_crs=assume_crs,
            allow_outside=allow_outside,
            replace=replace,
            settings=context.settings,
        )
    return public_layer(entry, context)


class ServiceLayerRequest(BaseModel):
    """A layer to load from a web service."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN, description="The new layer's name.")
    service: Literal["wfs", "ogcapi"] = Field(
        description="wfs: url is a WFS 2.0; ogcapi: url is an OGC API Features landing page."
    )
    url: str = Field(
        min_length=1,
        max_length=2000,
        description="The service URL: https, at a public address (or a host listed in "
        "PARKPLAN_SERVICE_HOSTS, which may also be http).",
    )
    layer: str = Field(
        min_length=1, max_length=200, description="The feature type or collection to load."
    )
    bbox: tuple[float, float, float, float] | None = Field(
        None,
        description="The area requested, [minx, miny, maxx, maxy] in the study CRS (default: "
        "the bounding box of the study area).",
    )
    page_size: int | None = Field(
        None, ge=1, le=10_000, description="Features asked for per request (default 1000)."
    )
    allow_outside: bool = Field(
        False, description="Load a layer lying outside the study region, however far."
    )
    replace: bool = Field(
        False, description="Replace the layer of that name (else an existing name is refused)."
    )

    @model_validator(mode="after")
    def _ordered_bbox(self) -> ServiceLayerRequest:
        box = self.bbox
        if box is not None and not (
            all(math.isfinite(v) for v in box) and box[0] < box[2] and box[1] < box[3]
        ):
            raise ValueError(
                f"bbox {list(box)} is not a bounding box; expected [minx, miny, maxx, maxy] in "
                "the study CRS with min < max"
            )
        return self


def service_hosts(settings: Settings) -> HostPolicy:
    """The hosts the server may fetch web services from (``PARKPLAN_SERVICE_HOSTS``)."""
    return HostPolicy.of(
        settings.service_hosts,
        "an operator may list the host in PARKPLAN_SERVICE_HOSTS if it is trusted",
    )


def refuse_url(url: str, service: str, hosts: HostPolicy) -> None:
    """422 when the URL is not one the server fetches from (nothing is requested)."""
    try:
        check_service_url(url, service, hosts)
    except GeoError as exc:
        raise ProblemError(422, in_terms(str(exc), SERVICE_TERMS), problem_of(exc)) from None


@router.post("/from-service", status_code=201, dependencies=[WRITE])
async def add_service_layer(context: ContextDep, request: ServiceLayerRequest) -> dict:
    """Load a layer of a web service as the layer ``name`` (operator): only the study area's
    bounding box (or ``bbox``), page by page; the URL, the request and the time are recorded
    in its ``service``. 422 for a URL the server does not fetch from or a service error."""
    hosts = service_hosts(context.settings)
    await run_in_threadpool(refuse_url, request.url, request.service, hosts)
    refuse_during_run(context)
    await run_in_threadpool(refuse_taken_name, context, request.name, request.replace)
    job = ServiceJob(
        service=request.service,
        url=request.url,
        layer=request.layer,
        bbox=request.bbox,
        page_size=request.page_size,
        hosts=hosts,
        max_bytes=context.settings.service_max_bytes,
    )
    async with context.uploads.slot():
        refuse_during_run(context)
        entry = await run_in_threadpool(
            load_service,
            context.study_dir,
            job,
            name=request.name,
            allow_outside=request.allow_outside,
            replace=request.replace,
            settings=context.settings,
        )
    return public_layer(entry, context)
