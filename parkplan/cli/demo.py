"""``parkplan demo``: the whole pipeline on the embedded fictional region."""

from __future__ import annotations

import time
from pathlib import Path

import click

from parkplan.cli import options
from parkplan.cli.progress import progress_bar
from parkplan.cli.run import report_outputs
from parkplan.demo import run_demo


@click.command("demo")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("parkplan-demo"),
    show_default=True,
    help="Folder to write the demo study and its results into.",
)
@click.option(
    "--scale",
    type=click.FloatRange(0.2, 1.0),
    default=1.0,
    show_default=True,
    help="Size of the region (1 = full; smaller is faster).",
)
@options.lang
@options.quiet
def demo(out: Path, scale: float, lang: str, quiet: bool) -> None:
    """Generate the fictional demo region and run the whole pipeline on it."""
    started = time.perf_counter()
    click.echo("parkplan demo: a FICTIONAL region, generated for demonstration only")
    with progress_bar("suitability", enabled=not quiet) as progress:
        outputs = run_demo(out, scale=scale, lang=lang, progress=progress)
    report_outputs(outputs)
    click.echo(f"study and results in {out.resolve()} ({time.perf_counter() - started:.0f} s)")
    click.echo(f"open the map: {(out.resolve() / 'map.html').as_uri()}")
