"""Recognise the format of a source file from its content, and check it against its extension.

A file whose content is not the format its extension claims is refused with both named, so a
GeoJSON renamed to ``.gpkg`` or an HTML error page saved as ``.zip`` gives a clear message
instead of a driver error.
"""

from __future__ import annotations

from pathlib import Path

from geo.errors import LayerError

#: Format names by file extension.
EXTENSIONS = {
    ".gpkg": "GeoPackage",
    ".shp": "Shapefile",
    ".zip": "zip archive",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".fgb": "FlatGeobuf",
    ".csv": "CSV",
    ".tif": "GeoTIFF",
    ".tiff": "GeoTIFF",
}

RASTER_FORMATS = frozenset({"GeoTIFF"})

_MAGIC = (
    (b"SQLite format 3\x00", "GeoPackage"),
    (b"fgb\x03", "FlatGeobuf"),
    (b"II*\x00", "GeoTIFF"),
    (b"MM\x00*", "GeoTIFF"),
    (b"II+\x00", "GeoTIFF"),
    (b"MM\x00+", "GeoTIFF"),
    (b"PK\x03\x04", "zip archive"),
    (b"PK\x05\x06", "zip archive"),
    (b"\x00\x00\x27\x0a", "Shapefile"),
)


def sniff(head: bytes) -> str | None:
    """The format the first bytes of a file belong to, or ``None`` when unknown."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return "GeoJSON"
    if text and b"\x00" not in head:
        return "text"
    return None


def detect_format(path: Path) -> str:
    """The format of the file ``path``, refusing empty files and content that does not match.

    Returns one of the values of :data:`EXTENSIONS`.
    """
    expected = EXTENSIONS.get(path.suffix.lower())
    if expected is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise LayerError(
            f"{path.name} has the extension {path.suffix or '(none)'!r}; expected one of {known}. "
            "Rename the file or convert it (e.g. with ogr2ogr)."
        )
    size = path.stat().st_size
    if size == 0:
        raise LayerError(f"{path.name} is empty (0 bytes); expected a {expected}. Export it again.")
    with open(path, "rb") as f:
        head = f.read(64)
    found = sniff(head)
    if found == expected or (found == "text" and expected == "CSV"):
        return expected
    if found in (None, "text") or found == "CSV":
        raise LayerError(
            f"{path.name} is not a {expected}: its content starts with {head[:16]!r}. "
            "The file is corrupt, truncated or another format; export it again."
        )
    suffix = next(ext for ext, name in EXTENSIONS.items() if name == found)
    raise LayerError(
        f"{path.name} is named as a {expected} but contains a {found}; "
        f"rename it to {path.stem}{suffix}."
    )
