"""``parkplan export``: the current run's results as a self-describing folder."""

from __future__ import annotations

from pathlib import Path

import click

from parkplan.cli import options
from parkplan.export import export_run


@click.command("export")
@options.study_dir
@click.option(
    "--to",
    "target",
    type=click.Path(path_type=Path),
    required=True,
    metavar="DIR",
    help="Folder to write (new, or empty).",
)
@options.scenario("Export a scenario's results instead of the base.")
@options.lang
@click.option("--no-pdf", is_flag=True, help="Do not print the dossier as dossier.pdf.")
@click.option(
    "--chromium",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="PATH",
    help="Chromium executable that prints the dossier (default: $PARKPLAN_CHROMIUM, else "
    "/usr/bin/chromium).",
)
def export_command(
    study_dir: Path,
    target: Path,
    scenario: str | None,
    lang: str,
    no_pdf: bool,
    chromium: Path | None,
) -> None:
    """Export the current run's results as a self-describing folder.

    DIR must be new or empty; it appears only when everything is written. The README (in
    --lang) lists every file: what it is, its CRS and its source (run, study, source layers).
    """
    export = export_run(
        study_dir, target, scenario=scenario, lang=lang, pdf=not no_pdf, chromium=chromium
    )
    click.echo(f"run {export.run_id} exported to {export.folder} ({len(export.files)} files)")
