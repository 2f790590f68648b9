"""The layers page, ``/layers``, and the layer routes it needs besides ``/api/layers``.

- ``GET /layers``: the study's layers (kind, geometry, CRS, count, source, validation report
  in words, what uses each), an upload form with drag and drop, a form loading a layer from a
  web service (``POST /api/layers/from-service``), a preview map. A viewer sees;
  the form and the buttons that change layers are there unless the server is read-only or the
  caller is known to be less than an operator (the API answers every change for the operator
  only).
- ``GET /api/layers/{name}/preview``: the layer as GeoJSON in EPSG:4326, thinned and simplified
  (:mod:`parkplan.api.layer_preview`).
- ``DELETE /api/layers/{name}`` (operator): refused (409, ``problem`` ``in_use``) while a
  criterion, an exclusion or another setting of the study reads the layer, naming them.

Replacing a layer is ``POST /api/layers`` with ``replace=true``.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from geo.layers import LayerInfo
from parkplan.api.app_pages import LangQuery, render_page
from parkplan.api.deps import (
    READ,
    WRITE,
    ApiContext,
    ContextDep,
    Role,
    at_least,
    require_viewer,
)
from parkplan.api.errors import ProblemError
from parkplan.api.layer_catalogue import layer_row
from parkplan.api.layer_preview import preview
from parkplan.api.layer_words import say, texts
from parkplan.api.routers.docs import asset_url
from parkplan.api.routers.layers import UPLOAD_SUFFIXES, refuse_during_run
from parkplan.layer_uses import layer_uses, refusal
from parkplan.study import NAME_PATTERN, load_study
from parkplan.workspace import Workspace
from webmap.elements import LeafletMap

router = APIRouter()

LayerName = Annotated[str, Path(max_length=100, description="The layer's name.")]
LoadedQuery = Annotated[
    str | None, Query(pattern=NAME_PATTERN, description="A layer just loaded: its report shown.")
]
ReadRole = Annotated[Role, Depends(require_viewer)]
GEOJSON = "application/geo+json"


def known_layer(context: ApiContext, name: str) -> LayerInfo:
    """The catalogue entry of ``name``; 404 for a name that is no layer of the study."""
    entries = {info.name: info for info in Workspace.open(context.study_dir).list_layers()}
    if not re.fullmatch(NAME_PATTERN, name) or name not in entries:
        raise ProblemError(404, f"the study has no layer {name!r}", "not_found")
    return entries[name]


@router.get("/api/layers/{name}/preview", tags=["layers"], dependencies=[READ])
def layer_preview(context: ContextDep, name: LayerName) -> JSONResponse:
    """The layer ``name`` as GeoJSON in EPSG:4326 for a preview: at most 2,000 features (every
    k-th), simplified to 1/2000 of its extent; a raster as its outline. ``total`` and ``shown``
    count the features."""
    info = known_layer(context, name)
    return JSONResponse(preview(context.study_dir, info), media_type=GEOJSON)


@router.delete("/api/layers/{name}", tags=["layers"], dependencies=[WRITE])
def remove_layer(context: ContextDep, name: LayerName) -> dict:
    """Remove the layer ``name`` (operator); 409 while a run is in progress, or while the study
    uses the layer (the answer names the criteria, exclusions and settings that read it)."""
    refuse_during_run(context)
    known_layer(context, name)
    uses = layer_uses(load_study(context.study_dir), name)
    if uses:
        raise ProblemError(409, refusal(name, uses), "in_use")
    Workspace.open(context.study_dir).remove_layer(name)
    return {"removed": name}


def may_change(context: ApiContext, role: Role) -> bool:
    """Whether the page offers the changes: not on a read-only server, nor to a caller known
    to be less than an operator (with public reads the caller is unknown: the API decides)."""
    return not context.settings.read_only and (role == "public" or at_least(role, "operator"))


def leaflet_urls() -> tuple[str, str]:
    """Where the page loads Leaflet's script and style sheet (the app's copy, see ``/assets``)."""
    script = dict(LeafletMap.default_js)["leaflet"]
    style = dict(LeafletMap.default_css)["leaflet_css"]
    return asset_url(script), asset_url(style)


@router.get("/layers", tags=["pages"], response_class=HTMLResponse)
def layers_page(
    request: Request,
    context: ContextDep,
    role: ReadRole,
    lang: LangQuery = "nl",
    loaded: LoadedQuery = None,
) -> HTMLResponse:
    """The study's layers with their provenance and validation report, an upload form with
    drag and drop (operator), and a preview map."""
    study = load_study(context.study_dir)
    infos = Workspace.open(context.study_dir).list_layers()
    rows = [layer_row(info, study, lang, context.redact) for info in infos]
    names = [row.name for row in rows]
    script, style = leaflet_urls()
    config = {
        "texts": texts(lang),
        "lang": lang,
        "initial": loaded if loaded in names else next(iter(names), None),
        "context": study.region.municipalities if study.region.municipalities in names else None,
    }
    return render_page(
        request,
        "layers.html.j2",
        lang=lang,
        title=say("title", lang),
        current="layers",
        w=texts(lang),
        rows=rows,
        loaded=next((row for row in rows if row.name == loaded), None),
        can_change=may_change(context, role),
        read_only=context.settings.read_only,
        accept=",".join(UPLOAD_SUFFIXES),
        name_pattern=NAME_PATTERN.strip("^$"),
        config=config,
        leaflet_js=script,
        leaflet_css=style,
    )
