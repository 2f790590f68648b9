"""``parkplan map``: the interactive map of a study's last run, optionally self-contained."""

from __future__ import annotations

from pathlib import Path

import click

from parkplan.cli import options
from parkplan.run import render_map
from webmap.assets import AssetSource


@click.command("map")
@options.study_dir
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="HTML file to write.",
)
@click.option("--scenario", default=None, help="Map a scenario's results instead of the base.")
@click.option(
    "--offline",
    is_flag=True,
    help="Inline Leaflet and the plugins (from 'parkplan assets fetch') into one file.",
)
@options.lang
def map_command(
    study_dir: Path, output: Path, scenario: str | None, offline: bool, lang: str
) -> None:
    """Write the interactive map of the study's last run."""
    assets = AssetSource.default() if offline else None
    html = render_map(study_dir, scenario=scenario, lang=lang, assets=assets)
    temp = output.with_name(f".{output.name}.tmp")
    temp.write_text(html, encoding="utf-8")
    temp.replace(output)
    click.echo(f"map written to {output}")
