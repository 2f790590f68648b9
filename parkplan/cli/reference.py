"""``parkplan reference``: the reference of ``study.toml`` and its JSON Schema."""

from __future__ import annotations

from pathlib import Path

import click

from parkplan.reference import reference_markdown, write_reference


@click.command("reference")
@click.option(
    "--write",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write study-toml.md and study-toml.schema.json into this folder.",
)
def reference_command(folder: Path | None) -> None:
    """Print the reference of study.toml (every section, key, unit, default and choice).

    With --write DIR, write it and the JSON Schema for editors (Taplo, Even Better TOML).
    """
    if folder is None:
        click.echo(reference_markdown(), nl=False)
        return
    for path in write_reference(folder):
        click.echo(f"wrote {path}")
