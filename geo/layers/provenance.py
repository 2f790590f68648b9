"""Provenance of a loaded layer: where it came from, its fingerprint, and what was done to it.

:class:`LayerInfo` is the catalogue entry of one layer. The source fingerprint is the SHA-256
of the file given; for a shapefile (``.shp`` or a folder) it is the SHA-256 over its parts in
name order (each part's name, then its bytes), so changing the ``.dbf`` or ``.prj`` changes it.
A layer loaded from a web service keeps where and how it was fetched
(:class:`ServiceProvenance`) in its entry.
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
class ServiceProvenance:
    """Where a service layer came from: the service URL (credentials removed), the layer,
    the CRS the features were served in, the bbox asked for (in that CRS's axis order), the
    first request (URL and parameters), pages, bytes, features and the time of retrieval."""

    service: str
    url: str
    layer: str
    crs: str
    bbox: tuple[float, float, float, float]
    request: str
    page_size: int
    pages: int
    bytes: int
    feature_count: int
    retrieved_at: str

    @classmethod
    def from_dict(cls, data: Mapping) -> ServiceProvenance:
        """The inverse of :func:`dataclasses.asdict`; unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        return cls(**values | {"bbox": tuple(data["bbox"])})


@dataclass(frozen=True)
class LayerInfo:
    """The catalogue entry of a layer in a study workspace.

    ``crs`` is the CRS the layer is stored in (the study CRS for vectors; rasters keep their
    own until aligned); ``stored`` is the stored file, relative to the workspace folder;
    ``source_member`` the file taken from a folder or zip archive (``None`` for a file). The
    raster facts (``width`` ... ``categorical``) are ``None`` for vector layers, and
    ``geometry_type``/``feature_count`` are ``None`` for rasters. ``service`` is set for a
    layer fetched from a web service (``source`` is then its URL, ``source_layer`` its layer).
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
    service: ServiceProvenance | None = None

    def source_name(self) -> str:
        """The source as people are shown it: a file's name (with the member taken from a
        folder or archive), never its folder; a service's kind, URL and layer."""
        if self.service is not None:
            return f"{self.source_format} {self.source}, layer {self.source_layer}"
        member = f" ({self.source_member})" if self.source_member else ""
        return Path(self.source).name + member

    def to_dict(self) -> dict:
        """A JSON-serialisable dict (a NaN nodata becomes the string ``"nan"``)."""
        out = asdict(self)
        out["validation"] = self.validation.to_dict()
        out["bounds"] = list(self.bounds)
        if self.resolution is not None:
            out["resolution"] = list(self.resolution)
        if self.nodata is not None and math.isnan(self.nodata):
            out["nodata"] = "nan"
        if self.service is not None:
            out["service"]["bbox"] = list(self.service.bbox)
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
        if data.get("service") is not None:
            values["service"] = ServiceProvenance.from_dict(data["service"])
        return cls(**values)
