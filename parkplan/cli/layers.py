"""``parkplan layers``: load, list, show, remove and export the layers of a study."""

from __future__ import annotations

import json
from pathlib import Path

import click

from geo.layers import LayerInfo
from geo.layers.crs import FAR_KM
from geo.layers.services import SERVICES, redacted_url
from parkplan.errors import WorkspaceError
from parkplan.layers_from_services import ServiceSource, add_service_layer, parse_bbox
from parkplan.workspace import Workspace

_STUDY = click.argument("study_dir", type=click.Path(file_okay=False, path_type=Path))
_NAME = click.argument("name")
_COLUMNS = (
    ("name", 16),
    ("kind", 6),
    ("geometry", 15),
    ("features", 8),
    ("crs", 11),
    ("sha256", 12),
    ("source", 0),
)


@click.group()
def layers() -> None:
    """Load and manage the layers of a study."""


@layers.command("add")
@_STUDY
@click.argument("source")
@click.option("--name", required=True, help="Layer name: lower case, digits, underscores.")
@click.option(
    "--layer",
    "source_layer",
    help="Layer or dataset to take from a multi-layer source; the feature type or collection "
    "of a service.",
)
@click.option("--assume-crs", help="CRS of a source that declares none, e.g. EPSG:31370.")
@click.option(
    "--service",
    type=click.Choice(sorted(SERVICES)),
    help="SOURCE is the URL of a web service: a WFS 2.0 or an OGC API Features landing page.",
)
@click.option(
    "--bbox",
    help="With --service: the area to request, minx,miny,maxx,maxy in the study CRS "
    "(default: the study area's bounding box).",
)
@click.option("--replace", is_flag=True, help="Replace an existing layer of that name.")
@click.option(
    "--allow-outside",
    is_flag=True,
    help=f"Load a layer that lies outside the study region even more than {FAR_KM:.0f} km away.",
)
def add(
    study_dir: Path,
    source: str,
    name: str,
    source_layer: str | None,
    assume_crs: str | None,
    service: str | None,
    bbox: str | None,
    replace: bool,
    allow_outside: bool,
) -> None:
    """Load SOURCE as the layer NAME of the study.

    SOURCE: GeoPackage, Shapefile (.shp, a folder or a .zip), GeoJSON, FlatGeobuf, CSV (x/y,
    lon/lat or WKT columns) or GeoTIFF/COG. Vectors are checked, repaired where safe and
    stored in the study CRS; the source's CRS is never guessed. A layer that lies outside the
    study region is loaded with a warning giving its distance (far away: --allow-outside).

    With --service wfs|ogcapi and --layer, SOURCE is the URL of a web service: only the study
    area's bounding box (or --bbox) is requested, page by page, and the URL, the request and
    the time are recorded.
    """
    if service is not None:
        info = _add_from_service(
            study_dir, source, name, source_layer, assume_crs, service, bbox, replace,
            allow_outside,
        )  # fmt: skip
    else:
        _refuse_service_options(source, bbox)
        info = Workspace.open(study_dir).add_layer(
            Path(source),
            name,
            source_layer=source_layer,
            assume_crs=assume_crs,
            replace=replace,
            allow_outside=allow_outside,
        )
    click.echo(f"loaded {info.name}: {_summary(info)}")
    for message in info.validation.messages:
        click.echo(f"  {message}")


def _refuse_service_options(source: str, bbox: str | None) -> None:
    if source.lower().startswith(("http://", "https://")):
        raise WorkspaceError(
            f"{redacted_url(source)} is a URL; expected a file, or a web service with "
            "--service wfs or --service ogcapi and --layer NAME."
        )
    if bbox is not None:
        raise WorkspaceError("--bbox applies to web services only; add --service wfs|ogcapi.")


def _add_from_service(
    study_dir: Path,
    url: str,
    name: str,
    source_layer: str | None,
    assume_crs: str | None,
    service: str,
    bbox: str | None,
    replace: bool,
    allow_outside: bool,
) -> LayerInfo:
    if not source_layer:
        raise WorkspaceError(
            f"--service {service} needs --layer NAME: the feature type or collection to load."
        )
    if assume_crs:
        raise WorkspaceError(
            "--assume-crs does not apply to a web service, which declares its CRS; drop it."
        )
    crs = Workspace.open(study_dir).crs
    return add_service_layer(
        study_dir,
        ServiceSource(url, service, source_layer),
        name,
        bbox=None if bbox is None else parse_bbox(bbox, crs),
        replace=replace,
        allow_outside=allow_outside,
    )


def _summary(info: LayerInfo) -> str:
    if info.kind == "raster":
        return f"raster {info.width} x {info.height} {info.dtype}, {info.crs}"
    return f"{info.feature_count} {info.geometry_type} features, {info.source_crs} -> {info.crs}"


def _source(info: LayerInfo) -> str:
    """The source column: a file's path, or a service's URL with its kind, layer and time."""
    service = info.service
    if service is None:
        return info.source
    return f"{info.source} ({service.service} {service.layer}, {service.retrieved_at})"


def _row(info: LayerInfo) -> dict[str, str]:
    return {
        "name": info.name,
        "kind": info.kind,
        "geometry": info.geometry_type or "-",
        "features": "-" if info.feature_count is None else str(info.feature_count),
        "crs": info.crs if len(info.crs) < 40 else "(custom)",
        "sha256": info.sha256[:12],
        "source": _source(info),
    }


@layers.command("list")
@_STUDY
@click.option("--json", "as_json", is_flag=True, help="Print the full entries as JSON.")
def list_(study_dir: Path, as_json: bool) -> None:
    """List the layers of the study."""
    entries = Workspace.open(study_dir).list_layers()
    if as_json:
        click.echo(json.dumps([info.to_dict() for info in entries], indent=2))
        return
    if not entries:
        click.echo("no layers yet; load one with 'parkplan layers add'")
        return
    click.echo("  ".join(title.ljust(width) for title, width in _COLUMNS).rstrip())
    for info in entries:
        row = _row(info)
        click.echo("  ".join(row[title].ljust(width) for title, width in _COLUMNS).rstrip())


@layers.command("show")
@_STUDY
@_NAME
def show(study_dir: Path, name: str) -> None:
    """Show the provenance and the validation report of layer NAME."""
    info = Workspace.open(study_dir).layer(name)
    data = info.to_dict()
    validation = data.pop("validation")
    service = data.pop("service")
    for key, value in data.items():
        if value is not None:
            click.echo(f"{key + ':':16} {value}")
    if service is not None:
        click.echo("service:")
        for key, value in service.items():
            click.echo(f"  {key + ':':18} {value}")
    click.echo("validation:")
    for key, value in validation.items():
        if key != "messages":
            click.echo(f"  {key + ':':18} {value}")
    for message in validation["messages"]:
        click.echo(f"  - {message}")


@layers.command("remove")
@_STUDY
@_NAME
@click.option("--force", is_flag=True, help="Remove the layer even while study.toml uses it.")
def remove(study_dir: Path, name: str, force: bool) -> None:
    """Remove layer NAME from the study; refused while a setting of study.toml reads it."""
    from parkplan.layer_uses import layer_uses, refusal
    from parkplan.study import load_study

    uses = layer_uses(load_study(study_dir), name)
    if uses and not force:
        raise WorkspaceError(f"{refusal(name, uses)} (or pass --force)")
    Workspace.open(study_dir).remove_layer(name)
    click.echo(f"removed {name}")


@layers.command("export")
@_STUDY
@_NAME
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file: .gpkg, .geojson, .fgb (vectors) or .tif (rasters).",
)
def export(study_dir: Path, name: str, out: Path) -> None:
    """Export layer NAME to a file; the format follows the extension."""
    written = Workspace.open(study_dir).export_layer(name, out)
    click.echo(f"wrote {written}")
