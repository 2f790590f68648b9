"""``/api/sites``: the candidate sites of the last run as GeoJSON in WGS84."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import JSONResponse, Response

from parkplan.api.deps import READ, ContextDep, ScenarioQuery

router = APIRouter(prefix="/api/sites", tags=["sites"], dependencies=[READ])

GEOJSON = "application/geo+json"


@router.get("", response_class=Response, responses={200: {"content": {GEOJSON: {}}}})
def list_sites(context: ContextDep, request: Request, scenario: ScenarioQuery = None) -> Response:
    """Every site as a FeatureCollection (EPSG:4326) with the site table's columns.

    Answers 304 when ``If-None-Match`` names the current version (its ``ETag``), and the
    gzip the run wrote beside it when the client accepts gzip.
    """
    collection = context.sites.collection(context.study_dir, scenario)
    headers = {"ETag": collection.etag, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == collection.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(collection.body_gzip, media_type=GEOJSON, headers=headers)
    return Response(collection.body, media_type=GEOJSON, headers=headers)


@router.get("/{site_id}", responses={200: {"content": {GEOJSON: {}}}})
def get_site(
    context: ContextDep,
    site_id: Annotated[str, Path(max_length=200)],
    scenario: ScenarioQuery = None,
) -> JSONResponse:
    """One site as a GeoJSON Feature (EPSG:4326)."""
    feature = context.sites.collection(context.study_dir, scenario).features.get(site_id)
    if feature is None:
        raise HTTPException(404, f"no site {site_id!r} in the last run; list them at /api/sites")
    return JSONResponse(feature, media_type=GEOJSON)
