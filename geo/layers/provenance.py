"""Provenance of a loaded layer: where it came from, its fingerprint, and what was done to it.

:class:`LayerInfo` is the catalogue entry of one layer. The source fingerprint is the SHA-256
of the file given; for a shapefile (``.shp`` or a folder) it is the SHA-256 over its parts in
name order (each part's name, then its bytes), so changing the ``.dbf`` or ``.prj`` changes it.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

from geo.layers.validate import ValidationReport

_CHUNK_BYTES = 1 << 20
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def _feed(digest: hashlib._Hash, path: Path) -> None:
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK_BYTES):
            digest.update(chunk)


def _parts(source: Path) -> list[Path]:
    if source.is_dir():
        return sorted(p for p in source.rglob("*") if p.is_file())
    if source.suffix.lower() == ".shp":
        stems = {p for p in source.parent.glob(source.stem + ".*")}
        return sorted(p for p in stems if p.suffix.lower() in _SHAPEFILE_PARTS)
    return [source]


def source_sha256(source: Path) -> str:
    """SHA-256 (hex) of a source file, or of a shapefile's parts / a folder's files."""
    parts = _parts(source)
    digest = hashlib.sha256()
    if parts == [source]:
        _feed(digest, source)
        return digest.hexdigest()
    for part in parts:
        digest.update(str(part.relative_to(source if source.is_dir() else source.parent)).encode())
        _feed(digest, part)
    return digest.hexdigest()


def utc_now() -> str:
    """The current time as ISO 8601 UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class LayerInfo:
    """The catalogue entry of a layer in a study workspace.

    ``crs`` is the CRS the layer is stored in (the study CRS for vectors; rasters keep their
    own until aligned); ``stored`` is the stored file, relative to the workspace folder;
    ``source_member`` the file taken from a folder or zip archive (``None`` for a file). The
    raster facts (``width`` ... ``categorical``) are ``None`` for vector layers, and
    ``geometry_type``/``feature_count`` are ``None`` for rasters.
    """

    name: str
    kind: str
    crs: str
    source: str
    sha256: str
    source_crs: str
    loaded_at: str
    validation: ValidationReport
    bounds: tuple[float, float, float, float]
    stored: str
    source_format: str
    source_layer: str | None = None
    source_member: str | None = None
    geometry_type: str | None = None
    feature_count: int | None = None
    width: int | None = None
    height: int | None = None
    band_count: int | None = None
    resolution: tuple[float, float] | None = None
    dtype: str | None = None
    nodata: float | None = None
    categorical: bool | None = None

    def to_dict(self) -> dict:
        """A JSON-serialisable dict (a NaN nodata becomes the string ``"nan"``)."""
        out = asdict(self)
        out["validation"] = self.validation.to_dict()
        out["bounds"] = list(self.bounds)
        if self.resolution is not None:
            out["resolution"] = list(self.resolution)
        if self.nodata is not None and math.isnan(self.nodata):
            out["nodata"] = "nan"
        return out

    @classmethod
    def from_dict(cls, data: Mapping) -> LayerInfo:
        """The inverse of :meth:`to_dict`; unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["validation"] = ValidationReport.from_dict(data["validation"])
        values["bounds"] = tuple(data["bounds"])
        if data.get("resolution") is not None:
            values["resolution"] = tuple(data["resolution"])
        if data.get("nodata") == "nan":
            values["nodata"] = math.nan
        return cls(**values)
