"""``parkplan assets``: fetch the web assets the maps need, once, for offline use."""

from __future__ import annotations

from pathlib import Path

import click

from webmap.assets import default_cache_dir, fetch_assets


@click.group()
def assets() -> None:
    """Web assets (Leaflet and its plugins) for maps that work without internet."""


@assets.command()
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Cache folder (default: $PARKPLAN_ASSETS or ~/.cache/parkplan/assets).",
)
@click.option("--npm", default="npm", show_default=True, help="The npm client to run.")
def fetch(cache_dir: Path | None, npm: str) -> None:
    """Fetch the scripts and styles of the maps through npm into the cache."""
    report = fetch_assets(cache_dir if cache_dir is not None else default_cache_dir(), npm=npm)
    click.echo(f"{len(report.fetched)} web asset(s) in {report.cache_dir}")
    for url, reason in report.unavailable:
        click.echo(f"not available offline: {url} ({reason})", err=True)
    if report.unavailable and not report.fetched:
        raise click.ClickException(
            f"no web asset could be fetched into {report.cache_dir}; check the npm client "
            "and its registry settings, then run `parkplan assets fetch` again."
        )
