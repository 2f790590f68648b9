"""``/api/layers``: list the study's layers; upload one (operator).

An upload is streamed by the server to a temporary file (the request size is limited by
``PARKPLAN_MAX_UPLOAD_MB``), named after the layer with the upload's suffix only (the
client's file name is never used as a path), then loaded by the same loader as the command
line, :meth:`parkplan.workspace.Workspace.add_layer`, which commits it atomically. Loads are
bounded (:mod:`parkplan.api.uploads`): a few at a time, each in a child process with a memory
budget and a time limit; 503 with ``Retry-After`` when no slot frees up in time.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, UploadFile
from starlette.concurrency import run_in_threadpool

from parkplan.api.deps import READ, WRITE, ApiContext, ContextDep
from parkplan.api.uploads import load_upload
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
        raise HTTPException(
            422,
            f"cannot load a file with suffix {suffix or '(none)'!r}; expected one of "
            f"{', '.join(UPLOAD_SUFFIXES)} (zip a shapefile with its .dbf, .shx and .prj)",
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
        raise HTTPException(409, "a run is in progress; upload the layer when it is done")


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
) -> dict:
    """Load an uploaded file as the layer ``name`` (operator); 503 while uploads are full."""
    suffix = upload_suffix(file.filename)
    refuse_during_run(context)
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
            settings=context.settings,
        )
    return public_layer(entry, context)
