"""Find the dataset a user points at, and read vector data from it.

A source is a file (GeoPackage, Shapefile, GeoJSON, FlatGeobuf, CSV, GeoTIFF), a folder of
such files, or a zip archive of them. :func:`resolved_source` narrows it down to one
:class:`Dataset` (one file, one layer) or refuses with the choices; :func:`read_vector` reads it
with its declared CRS. In a zip archive the dataset is chosen from the member list, and only its
own members are extracted (see :mod:`geo.layers.archive` and
:func:`geo.layers.guards.dataset_members`): other datasets, padding and sidecars (``.ovr``,
``.aux.xml``...) are never written. Every dataset passes :mod:`geo.layers.guards` before GDAL
opens it.

Shapefile text encoding: the ``.cpg`` file when present; else UTF-8 when every value decodes
as UTF-8, else Latin-1 (ISO-8859-1). The report says which and why.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath

import geopandas as gpd
import pyogrio
import pyogrio.errors
import shapely.errors

from geo.errors import LayerError
from geo.layers.archive import DEFAULT_LIMITS, ArchiveLimits, archive_members, extracted
from geo.layers.crs import crs_label, parse_crs
from geo.layers.formats import EXTENSIONS, detect_format
from geo.layers.guards import (
    check_geojson_crs,
    check_geopackage_schema,
    check_path,
    dataset_members,
)
from geo.layers.tables import read_csv_points

logger = logging.getLogger(__name__)

_READ_ERRORS = (
    shapely.errors.GEOSException,
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
    UnicodeDecodeError,
    OSError,
    ValueError,
)


@dataclass(frozen=True)
class Dataset:
    """One readable dataset: a file, its format and (for GeoPackages) the layer in it.

    ``member`` is the file's path inside the folder or archive the user gave, if any.
    """

    path: Path
    format: str
    layer: str | None = None
    member: str | None = None


@dataclass(frozen=True)
class VectorRead:
    """Features as read from a :class:`Dataset`, in the source's own CRS (``frame.crs``).

    ``crs_implicit`` is true when that CRS is a default rather than declared: a GeoJSON file
    without a ``crs`` member is WGS84 by RFC 7946, yet older files hold Lambert 72 that way.
    """

    frame: gpd.GeoDataFrame
    dataset: Dataset
    encoding: str | None
    notes: tuple[str, ...]
    crs_implicit: bool = False


def _is_data_file(relative: PurePath) -> bool:
    """Whether ``relative`` (inside a folder or archive) names a data file: a known extension
    other than .zip, and no hidden or resource-fork part."""
    if any(p.startswith((".", "__MACOSX")) for p in relative.parts):
        return False
    return relative.suffix.lower() in EXTENSIONS and relative.suffix.lower() != ".zip"


def _datasets_in(folder: Path) -> list[Path]:
    """The data files in ``folder`` (recursively)."""
    return [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and _is_data_file(path.relative_to(folder))
    ]


def _datasets_among(names: list[str]) -> list[PurePosixPath]:
    """The data files among an archive's member names."""
    return sorted(p for p in map(PurePosixPath, names) if _is_data_file(p))


def _pick_file(
    files: Sequence[PurePath], source: Path, source_layer: str | None
) -> tuple[PurePath, bool]:
    """Choose the data file; return it and whether ``source_layer`` was used to choose it."""
    if not files:
        raise LayerError(
            f"{source.name} contains no spatial data file; expected one of "
            f"{', '.join(sorted(set(EXTENSIONS) - {'.zip'}))}."
        )
    if len(files) == 1:
        return files[0], False
    named = [f for f in files if source_layer and f.stem == source_layer]
    if len(named) == 1:
        return named[0], True
    names = ", ".join(f.stem for f in files)
    given = f"--layer {source_layer!r} matches none" if source_layer else "no --layer was given"
    raise LayerError(
        f"{source.name} contains {len(files)} datasets ({names}) and {given}; choose one "
        "with --layer NAME."
    )


def _check_shapefile_parts(path: Path) -> None:
    for suffix in (".shx", ".dbf"):
        if not any(path.with_suffix(s).exists() for s in (suffix, suffix.upper())):
            raise LayerError(
                f"shapefile {path.name} has no {suffix} file beside it; a shapefile needs its "
                ".shp, .shx and .dbf (and .prj for the CRS). Copy or zip all parts together."
            )


def _gpkg_layer(path: Path, source_layer: str | None) -> str:
    try:
        listed = pyogrio.list_layers(path)
    except _READ_ERRORS as exc:
        raise LayerError(
            f"{path.name} cannot be opened as a GeoPackage ({_short(exc)}); the file is corrupt or "
            "truncated. Export it again."
        ) from exc
    names = [str(name) for name, gtype in listed if gtype is not None]
    if not names:
        raise LayerError(f"GeoPackage {path.name} has no vector layer; expected at least one.")
    if source_layer is None and len(names) == 1:
        return names[0]
    if source_layer in names:
        return source_layer
    given = f"has no layer {source_layer!r}" if source_layer else "has several layers"
    raise LayerError(
        f"GeoPackage {path.name} {given}; choose one with --layer: {', '.join(names)}."
    )


def _check_before_opening(path: Path, fmt: str) -> None:
    """What GDAL must not be given (see :mod:`geo.layers.guards`)."""
    check_path(path)
    if fmt == "GeoJSON":
        check_geojson_crs(path)
    elif fmt == "GeoPackage":
        check_geopackage_schema(path)


def _dataset(
    path: Path, source: Path, source_layer: str | None, chosen: bool, *, within: Path | None = None
) -> Dataset:
    fmt = detect_format(path)
    member = path.relative_to(within).as_posix() if within else None
    _check_before_opening(path, fmt)
    if fmt == "GeoPackage":
        return Dataset(path, fmt, _gpkg_layer(path, None if chosen else source_layer), member)
    if source_layer and not chosen and source_layer != path.stem:
        raise LayerError(
            f"{source.name} has one layer, {path.stem!r}; --layer {source_layer!r} does not match. "
            "Drop --layer or give that name."
        )
    if fmt == "Shapefile":
        _check_shapefile_parts(path)
    return Dataset(path, fmt, member=member)


@contextmanager
def resolved_source(
    source: Path, *, source_layer: str | None = None, limits: ArchiveLimits = DEFAULT_LIMITS
) -> Iterator[Dataset]:
    """Narrow ``source`` (file, folder or zip) down to one dataset, valid inside the ``with``.

    From a zip archive, the dataset's own members are extracted into a private temporary
    folder removed on exit; nothing is extracted before the dataset is chosen.
    """
    source = Path(source)
    if not source.exists():
        raise LayerError(f"{source} does not exist; expected a data file, folder or .zip.")
    if source.is_dir():
        path, chosen = _pick_file(_datasets_in(source), source, source_layer)
        yield _dataset(Path(path), source, source_layer, chosen, within=source)
    elif detect_format(source) == "zip archive":
        names = archive_members(source, limits=limits)
        member, chosen = _pick_file(_datasets_among(names), source, source_layer)
        members = dataset_members(PurePosixPath(member), names)
        _log_left_out(source, member, names, members)
        with extracted(source, members=members, limits=limits) as folder:
            yield _dataset(folder / member, source, source_layer, chosen, within=folder)
    else:
        yield _dataset(source, source, source_layer, False)


def _log_left_out(source: Path, member: PurePath, names: list[str], members: list[str]) -> None:
    """Say which sidecars of the chosen dataset were not extracted (they are never read)."""
    prefix = f"{member.stem}."
    left = [n for n in names if n not in members and PurePosixPath(n).name.startswith(prefix)]
    if left:
        logger.warning(
            "%s: not extracted beside %s (sidecar files are never read): %s",
            source.name,
            member.name,
            ", ".join(left),
        )


def _cpg_encoding(path: Path) -> str | None:
    """The encoding a shapefile's ``.cpg`` declares, or ``None`` without one."""
    for cpg in (path.with_suffix(".cpg"), path.with_suffix(".CPG")):
        if cpg.exists():
            return cpg.read_text(errors="replace").strip() or None
    return None


def _read(dataset: Dataset, encoding: str | None) -> gpd.GeoDataFrame:
    try:
        return pyogrio.read_dataframe(dataset.path, layer=dataset.layer, encoding=encoding)
    except _READ_ERRORS as exc:
        if isinstance(exc, UnicodeDecodeError):
            raise
        raise LayerError(
            f"{dataset.path.name} cannot be read as a {dataset.format} ({_short(exc)}); "
            "the file is corrupt, truncated or not that format. Export it again."
        ) from exc


def _read_shapefile(dataset: Dataset) -> tuple[gpd.GeoDataFrame, str, str]:
    """The features, the encoding used and how it was chosen (see the module docstring)."""
    declared = _cpg_encoding(dataset.path)
    if declared is not None:  # GDAL applies the .cpg itself
        return _read(dataset, None), declared, f"text encoding {declared} (from the .cpg file)"
    try:
        frame = _read(dataset, "UTF-8")
    except UnicodeDecodeError:
        frame = _read(dataset, "ISO-8859-1")
        return (
            frame,
            "ISO-8859-1",
            "text is not valid UTF-8 and there is no .cpg: read as Latin-1 (ISO-8859-1)",
        )
    return frame, "UTF-8", "text encoding UTF-8 (no .cpg; every value is valid UTF-8)"


def read_vector(dataset: Dataset) -> VectorRead:
    """Read every feature of ``dataset``; text decoded as described in the module docstring."""
    encoding: str | None
    if dataset.format == "CSV":
        frame, encoding, notes = read_csv_points(dataset.path)
        return VectorRead(frame, dataset, encoding, notes)
    if dataset.format == "Shapefile":
        frame, encoding, note = _read_shapefile(dataset)
        notes = (note,)
    else:
        try:
            frame, encoding, notes = _read(dataset, None), None, ()
        except UnicodeDecodeError as exc:
            raise LayerError(
                f"{dataset.path.name} has text that is not valid UTF-8 ({exc.reason}); "
                f"a {dataset.format} must be UTF-8. Export it again as UTF-8."
            ) from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        raise LayerError(f"{dataset.path.name} has no geometry column; expected spatial features.")
    implicit = dataset.format == "GeoJSON" and not _declares_crs(dataset.path)
    return VectorRead(frame, dataset, encoding, notes, crs_implicit=implicit)


def _declares_crs(path: Path, *, head_bytes: int = 65_536) -> bool:
    """Whether a GeoJSON file has a ``crs`` member (written before the features, if at all)."""
    with open(path, "rb") as f:
        return b'"crs"' in f.read(head_bytes)


def _short(exc: BaseException) -> str:
    """The message of ``exc`` on one line, at most 120 characters (the end says most)."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 120 else "..." + text[-117:]


def layer_crs_labels(path: Path) -> tuple[str, ...]:
    """The CRS labels (``EPSG:31370``) of the vector layers of a file, each once, sorted; a
    layer without a CRS adds nothing. :class:`LayerError` if the file cannot be read."""
    try:
        layers = pyogrio.list_layers(path)
        found = {pyogrio.read_info(path, layer=str(name)).get("crs") for name, _ in layers}
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise LayerError(f"{path.name} is not a readable vector file ({_short(exc)})") from None
    return tuple(sorted({crs_label(parse_crs(crs)) for crs in found if crs}))
