"""``parkplan init``: a new, empty study (``study.toml`` and its workspace), or an example."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

#: The example studies ``--example`` builds from real public data.
EXAMPLES = ("westhoek",)


@click.command("init")
@click.argument("study_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--crs", default="EPSG:31370", show_default=True, help="The study CRS (projected).")
@click.option(
    "--region",
    type=click.Path(exists=True, path_type=Path),
    help="Polygons of the study region (e.g. the partner municipalities), loaded as 'region'.",
)
@click.option(
    "--example",
    type=click.Choice(EXAMPLES),
    default=None,
    help="Build an example study from real public data instead of an empty one.",
)
@click.option(
    "--data",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="The real-data folder of --example (default: ../shared/realdata beside the checkout).",
)
def init(
    study_dir: Path, crs: str, region: Path | None, example: str | None, data: Path | None
) -> None:
    """Create a new, empty study in STUDY_DIR."""
    if example is not None:
        init_example(study_dir, data)
        return
    from parkplan.study import write_new_study
    from parkplan.workspace import WORKSPACE_DIR, Workspace

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


def init_example(study_dir: Path, data: Path | None) -> None:
    """Build the Westhoek example in ``study_dir`` (removed again when building fails)."""
    from parkplan.errors import StudyError
    from parkplan.examples.westhoek import build_westhoek

    if study_dir.exists() and any(study_dir.iterdir()):
        raise StudyError(f"{study_dir} is not empty; give a new folder for the example study")
    made = not study_dir.exists()
    try:
        build_westhoek(study_dir, data)
    except BaseException:
        if made:
            shutil.rmtree(study_dir, ignore_errors=True)
        raise
    click.echo(f"created the Westhoek example study in {study_dir}")
    click.echo(f"  run it with: parkplan run {study_dir}")
