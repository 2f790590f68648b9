"""The addresses a base map is drawn from: an XYZ template, a WMTS's GetTile, a WMS endpoint.

:func:`tile_template` gives the ``{z}/{x}/{y}`` template of the tiles of an XYZ or a WMTS base
map (a KVP GetTile whose ``TILEMATRIX`` is the zoom level: a Web Mercator tile matrix set named
by zoom level, such as GoogleMapsCompatible); :func:`service_endpoint` the endpoint a WMS
request is appended to. Text from ``study.toml`` (layer, style, tile matrix set, format) is
percent-encoded into the query, so it never becomes a ``{placeholder}`` of the template or a
parameter of its own.
"""

from __future__ import annotations

from urllib.parse import quote

from webmap.errors import MapDataError
from webmap.map_data import Basemap

#: The WMS version asked for (its BBOX follows the axis order of the CRS).
WMS_VERSION = "1.3.0"
#: The WMTS style asked for when the study gives none.
DEFAULT_WMTS_STYLE = "default"


def tile_template(basemap: Basemap) -> str:
    """The tile template of an XYZ base map (its ``url``) or of a WMTS (a KVP GetTile with
    ``TILEMATRIX={z}``, ``TILEROW={y}`` and ``TILECOL={x}``)."""
    if basemap.kind == "xyz":
        return basemap.url
    if basemap.kind != "wmts":
        raise MapDataError(
            f"a base map of kind {basemap.kind!r} has no tile template; expected kind 'xyz' "
            "or 'wmts' (a WMS is asked by bounding box)"
        )
    values = {
        "LAYER": basemap.layers or "",
        "STYLE": basemap.style or DEFAULT_WMTS_STYLE,
        "FORMAT": basemap.format,
        "TILEMATRIXSET": basemap.tile_matrix_set or "",
    }
    query = "&".join(f"{key}={quote(value, safe='')}" for key, value in values.items())
    return (
        f"{with_query(service_endpoint(basemap.url))}SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        f"&{query}&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}"
    )


def service_endpoint(url: str) -> str:
    """A WMS or WMTS endpoint with any brace percent-encoded (a tile template's placeholders
    are braces, and an endpoint has none)."""
    return url.replace("{", "%7B").replace("}", "%7D")


def with_query(url: str) -> str:
    """``url`` ready for parameters to follow: ending in ``?`` or ``&``."""
    if "?" not in url:
        return f"{url}?"
    return url if url.endswith(("?", "&")) else f"{url}&"
