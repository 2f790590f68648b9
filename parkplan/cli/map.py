"""``parkplan map`` and ``parkplan report``: the map and the dossier of a study's last run."""

from __future__ import annotations

from pathlib import Path

import click

from geo.atomic import write_atomically
from parkplan.cli import options
from parkplan.report import render_report
from parkplan.run import render_comparison, render_map
from webmap.assets import AssetSource
from webmap.pdf import html_to_pdf


@click.command("map")
@options.study_dir
@options.output_file("HTML file to write.")
@options.scenario("Map a scenario's results instead of the base.")
@click.option(
    "--compare",
    "compare_with",
    default=None,
    metavar="SCENARIO",
    help="Show this scenario ('base' for the base model) beside the map, views in sync.",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Inline Leaflet and the plugins (from 'parkplan assets fetch') into one file.",
)
@options.lang
def map_command(
    study_dir: Path,
    output: Path,
    scenario: str | None,
    compare_with: str | None,
    offline: bool,
    lang: str,
) -> None:
    """Write the interactive map of the study's last run (or two runs side by side)."""
    assets = AssetSource.default() if offline else None
    if compare_with is None:
        html = render_map(study_dir, scenario=scenario, lang=lang, assets=assets)
    else:
        other = None if compare_with == "base" else compare_with
        html = render_comparison(study_dir, scenario, other, lang=lang, assets=assets)
    write_atomically(output, html)
    click.echo(f"map written to {output}")


@click.command("report")
@options.study_dir
@options.output_file("report.html, or report.pdf (printed by headless Chromium).")
@options.scenario("Report on a scenario's results instead.")
@options.lang
@click.option(
    "--chromium",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="PATH",
    help="Chromium executable that prints a PDF (default: $PARKPLAN_CHROMIUM, else "
    "/usr/bin/chromium).",
)
def report_command(
    study_dir: Path, output: Path, scenario: str | None, lang: str, chromium: Path | None
) -> None:
    """Write the dossier for a mayors' conference (HTML or PDF)."""
    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise click.BadParameter(
            f"{output.name} has the extension {suffix or '(none)'}; expected .html or .pdf",
            param_hint="--output",
        )
    html = render_report(study_dir, scenario=scenario, lang=lang)
    if suffix == ".pdf":
        html_to_pdf(html, output, chromium=chromium)
    else:
        write_atomically(output, html)
    click.echo(f"report written to {output}")
