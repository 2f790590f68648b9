"""The web app's own copies of its scripts: ``/assets/...`` (Leaflet, its plugins and Swagger
UI, from the installed asset folder) and the API documentation page that uses them
(``/docs``), so that every page works on a network without internet.

Public, like the OpenAPI document: these are published libraries, not the study's data. There
is no ReDoc page: ReDoc fetches its logo from its vendor's server, which a page that must work
offline under the app's Content-Security-Policy cannot allow.
"""

from __future__ import annotations

import logging
from importlib import resources

from fastapi import APIRouter, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from webmap.assets import SWAGGER_CSS, SWAGGER_JS, AssetSource, safe_relative
from webmap.errors import AssetError

log = logging.getLogger(__name__)

router = APIRouter(tags=["documentation"])

ASSETS_PREFIX = "/assets/"
#: No favicon request leaves the page.
NO_ICON = "data:,"


def asset_url(url: str) -> str:
    """Where the page loads ``url`` from: the web app's copy, else (not installed) the web."""
    entry = AssetSource.default().manifest()["assets"].get(url)
    if entry is None:
        log.warning("web asset %s is not installed; run 'parkplan assets fetch'", url)
        return url
    return ASSETS_PREFIX + safe_relative(entry["file"]).as_posix()


@router.get("/assets/{path:path}", include_in_schema=False)
def asset(path: str) -> FileResponse:
    """A file of the installed web assets (scripts, styles, images, fonts)."""
    try:
        local = AssetSource.default().served_path(path)
    except AssetError:
        raise HTTPException(404, f"no web asset {path!r}") from None
    return FileResponse(local, headers={"Cache-Control": "public, max-age=86400"})


#: The web app's own files (its layout's style sheet and the pages' scripts), by name.
APP_STATIC = resources.files("parkplan.api") / "static"
APP_STATIC_TYPES = {".css": "text/css", ".js": "text/javascript"}


@router.get("/app-static/{name}", include_in_schema=False)
def app_static(name: str) -> FileResponse:
    """A file of the app's own static folder: a plain name, no path (``app.css``)."""
    suffix = name[name.rfind(".") :] if "." in name else ""
    known = {entry.name for entry in APP_STATIC.iterdir()}
    if name not in known or suffix not in APP_STATIC_TYPES:
        raise HTTPException(404, f"no app file {name!r}")
    with resources.as_file(APP_STATIC / name) as path:
        return FileResponse(path, media_type=APP_STATIC_TYPES[suffix])


@router.get("/docs", include_in_schema=False)
def swagger_page() -> HTMLResponse:
    """The interactive API documentation (Swagger UI)."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="parkplan — API",
        swagger_js_url=asset_url(SWAGGER_JS),
        swagger_css_url=asset_url(SWAGGER_CSS),
        swagger_favicon_url=NO_ICON,
    )
