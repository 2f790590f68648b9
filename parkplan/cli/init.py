"""``parkplan init``: a new, empty study (``study.toml`` and its workspace)."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from parkplan.study import write_new_study
from parkplan.workspace import WORKSPACE_DIR, Workspace


@click.command("init")
@click.argument("study_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--crs", default="EPSG:31370", show_default=True, help="The study CRS (projected).")
@click.option(
    "--region",
    type=click.Path(exists=True, path_type=Path),
    help="Polygons of the study region (e.g. the partner municipalities), loaded as 'region'.",
)
def init(study_dir: Path, crs: str, region: Path | None) -> None:
    """Create a new, empty study in STUDY_DIR."""
    workspace = Workspace.create(study_dir, crs=crs, region=region)
    try:
        write_new_study(study_dir, crs=workspace.crs, name=study_dir.resolve().name)
    except BaseException:
        shutil.rmtree(study_dir / WORKSPACE_DIR, ignore_errors=True)
        raise
    click.echo(f"created study {study_dir} ({workspace.crs})")
    if region is not None:
        info = workspace.layer("region")
        click.echo(f"  region: {info.feature_count} {info.geometry_type} features")
