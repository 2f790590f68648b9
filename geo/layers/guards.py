"""Client files are data, never instructions: checks made before GDAL opens one, and the
settings client rasters are read with.

Nothing in a source may make GDAL read another file or reach the network. The ways found, and
what stops each:

* a raster's sidecars (``x.tif.ovr`` and ``x.tif.msk``, which may be VRTs reading any file or
  URL; ``x.aux``; ``x.tif.aux.xml``, which sets nodata and metadata and may name an
  ``OVERVIEW_FILE``): rasters are opened with the GTiff driver only and under
  :data:`UNTRUSTED_GDAL_OPTIONS` (no sibling files, no PAM, ``/vsicurl/`` and its kin locked);
  from an archive only the dataset's own members are extracted (:func:`dataset_members`);
* a GeoJSON ``crs`` member of type ``link`` or ``url``, which GDAL downloads: refused
  (:func:`check_geojson_crs`);
* a GeoPackage whose schema declares a virtual table (SpatiaLite's ``VirtualText``,
  ``VirtualShape``, ``VirtualDbf``... read any local file): refused unless it is the ``rtree``
  spatial index GeoPackages use (:func:`check_geopackage_schema`);
* a path with ``!`` (pyogrio reads ``a!b.geojson`` as member ``b.geojson`` of archive ``a``) or
  starting with ``/vsi``: refused (:func:`check_path`).

A file's content must match its extension (:mod:`geo.layers.formats`), so a VRT or an OGR VRT
renamed ``.tif`` or ``.geojson`` is refused before any driver sees it. CRS definitions naming
files or grids are refused in :mod:`geo.layers.crs`.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

import rasterio

from geo.errors import LayerError

#: GDAL settings while a client raster is open.
UNTRUSTED_GDAL_OPTIONS = {
    # GDAL looks for sidecars among the files beside the dataset: EMPTY_DIR says there are none.
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    # No .aux.xml: persistent auxiliary metadata is neither read nor written.
    "GDAL_PAM_ENABLED": "NO",
    # /vsicurl/ (and /vsis3/, /vsigs/... built on it) open only this name, which no URL is.
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "(network disabled)",
}
#: The GDAL driver a client raster is opened with (COGs are GeoTIFFs too).
RASTER_DRIVER = "GTiff"
#: The files of a shapefile that are extracted with it.
SHAPEFILE_PARTS = frozenset({".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx"})

_CHUNK_BYTES = 1 << 20


def untrusted_gdal() -> rasterio.Env:
    """A GDAL environment for reading client rasters (:data:`UNTRUSTED_GDAL_OPTIONS`)."""
    return rasterio.Env(**UNTRUSTED_GDAL_OPTIONS)


def check_path(path: Path) -> None:
    """Refuse a path that GDAL or pyogrio would not take literally."""
    text = str(path)
    if "!" in text or text.startswith("/vsi"):
        reason = "a '!'" if "!" in text else "the prefix '/vsi'"
        raise LayerError(
            f"the path {text!r} contains {reason}, which GDAL reads as an archive or virtual "
            "file system; expected plain file and folder names. Rename the file or its folder."
        )


def dataset_members(member: PurePosixPath, names: Iterable[str]) -> list[str]:
    """The archive members (as named in ``names``) that make up the dataset ``member``: the
    file itself, plus for a shapefile its parts (:data:`SHAPEFILE_PARTS`, same folder and name).
    Nothing else is extracted: sidecars GDAL would follow (``.ovr``, ``.msk``, ``.aux.xml``,
    world files...) never reach the disk."""
    shapefile = member.suffix.lower() == ".shp"
    return [
        name
        for name in names
        if (part := PurePosixPath(name)) == member
        or (
            shapefile
            and part.parent == member.parent
            and part.stem == member.stem
            and part.suffix.lower() in SHAPEFILE_PARTS
        )
    ]


# -- GeoJSON ------------------------------------------------------------------------------------


def _may_link(path: Path) -> bool:
    """Whether the raw bytes could hold a linked ``crs`` member (cheap scan, no parsing)."""
    seen: set[bytes] = set()
    tail = b""
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK_BYTES):
            text = (tail + chunk).lower()
            seen.update(m for m in (b"\\u", b"crs", b"link", b"url") if m in text)
            tail = text[-8:]
    return b"\\u" in seen or (b"crs" in seen and bool(seen & {b"link", b"url"}))


def _linked_crs(path: Path) -> dict | None:
    """The first ``crs`` member of type ``link``/``url`` (GDAL's test: the type starts with
    either, in any case), at any depth; objects are cut down to the keys that matter."""
    found: list[dict] = []

    def keep(pairs: list) -> dict:
        obj = {key.lower(): value for key, value in pairs}
        crs = obj.get("crs")
        if isinstance(crs, dict) and str(crs.get("type", "")).strip().lower().startswith(
            ("link", "url")
        ):
            found.append(crs)
        return {k: v for k, v in obj.items() if k in ("crs", "type", "properties", "href", "url")}

    def drop(_text: str) -> None:
        return None

    with open(path, "rb") as f:
        json.load(f, object_pairs_hook=keep, parse_float=drop, parse_int=drop, parse_constant=drop)
    return found[0] if found else None


def check_geojson_crs(path: Path) -> None:
    """Refuse a GeoJSON whose ``crs`` member links to a URL: GDAL would download it."""
    if not _may_link(path):
        return
    try:
        linked = _linked_crs(path)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
        raise LayerError(
            f"{path.name} is not valid JSON ({' '.join(str(exc).split())[:120]}); expected a "
            "GeoJSON file in UTF-8. Export it again."
        ) from exc
    if linked is None:
        return
    props = linked.get("properties")
    if not isinstance(props, dict):
        props = {}
    target = props.get("href") or props.get("url")
    raise LayerError(
        f"{path.name} has a 'crs' member of type {linked.get('type')!r} linking to {target!r}; "
        "expected a named CRS or none, since linked CRSs would be downloaded. Replace it with "
        "{'type': 'name', 'properties': {'name': 'urn:ogc:def:crs:EPSG::31370'}}, or drop it "
        "and pass --assume-crs."
    )


# -- GeoPackage ---------------------------------------------------------------------------------

#: The one virtual table a GeoPackage may declare: its R*Tree spatial index, as GDAL writes it.
_RTREE = re.compile(
    r'\s*CREATE\s+VIRTUAL\s+TABLE\s+("[^"]*"|\w+)\s+USING\s+rtree'
    r"\s*\(\s*\w+(?:\s*,\s*\w+)*\s*\)\s*",
    re.IGNORECASE,
)
_MODULE = re.compile(r"\bUSING\s+[\"'`\[]?(\w+)", re.IGNORECASE)


def _virtual_tables(path: Path) -> list[tuple[str, str]]:
    """``(name, sql)`` of the schema entries that are virtual tables, read without SpatiaLite
    or GDAL (Python's own SQLite, read-only)."""
    uri = path.resolve().as_uri() + "?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        rows = db.execute("SELECT type, name, rootpage, sql FROM sqlite_master").fetchall()
    return [
        (str(name), str(sql or ""))
        for kind, name, rootpage, sql in rows
        if kind == "table"
        and (rootpage == 0 or re.match(r"\s*CREATE\s+VIRTUAL\b", str(sql or ""), re.IGNORECASE))
    ]


def check_geopackage_schema(path: Path) -> None:
    """Refuse a GeoPackage declaring a virtual table other than its ``rtree`` spatial index."""
    try:
        tables = _virtual_tables(path)
    except sqlite3.Error as exc:
        raise LayerError(
            f"{path.name} cannot be opened as a GeoPackage ({exc}); the file is corrupt or "
            "truncated. Export it again."
        ) from exc
    for name, sql in tables:
        if not _RTREE.fullmatch(sql):
            module = _MODULE.search(sql)
            raise LayerError(
                f"GeoPackage {path.name} declares the virtual table {name!r} using "
                f"{module[1] if module else 'an unknown module'!r}, which can read files outside "
                "it; expected plain tables (and rtree spatial indexes). Export the layer again "
                "to a new GeoPackage (e.g. with ogr2ogr)."
            )
