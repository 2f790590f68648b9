"""``parkplan assets``: fetch the web assets the maps need, once, for offline use."""

from __future__ import annotations

import os
from pathlib import Path

import click

from webmap.assets import ENV_CACHE, fetch_assets, installed_assets_dir


@click.group()
def assets() -> None:
    """Web assets (Leaflet and its plugins) for maps that work without internet."""


@assets.command()
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder (default: $PARKPLAN_ASSETS, else the installation's share/parkplan/assets).",
)
@click.option("--npm", default="npm", show_default=True, help="The npm client to run.")
@click.option("--force", is_flag=True, help="Fetch again what is already there.")
def fetch(cache_dir: Path | None, npm: str, force: bool) -> None:
    """Fetch the scripts and styles of the maps and the web app through npm (once)."""
    if cache_dir is None:
        configured = os.environ.get(ENV_CACHE)
        cache_dir = Path(configured).expanduser() if configured else installed_assets_dir()
    report = fetch_assets(cache_dir, npm=npm, force=force)
    if report.fetched or report.unavailable:
        click.echo(f"{len(report.fetched)} web asset(s) fetched into {report.cache_dir}")
    else:
        click.echo(f"the web assets are in place in {report.cache_dir}")
    for url, reason in report.unavailable:
        click.echo(f"not available offline: {url} ({reason})", err=True)
    if report.unavailable and not report.fetched:
        raise click.ClickException(
            f"no web asset could be fetched into {report.cache_dir}; check the npm client "
            "and its registry settings, then run `parkplan assets fetch` again."
        )
