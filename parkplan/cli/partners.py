"""``parkplan partners import``: fill ``[[partners]]`` from a table of municipal facts."""

from __future__ import annotations

from pathlib import Path

import click

from parkplan.cli import options

#: Command-line option -> partner fact.
FACT_OPTIONS = {
    "population": "population",
    "demand": "demand_ha",
    "opcentiemen": "municipal_opcentiemen",
    "capital": "capital_eur",
    "fiscal_capacity": "fiscal_capacity_eur",
}


@click.group()
def partners() -> None:
    """The partner municipalities of a study and their facts."""


@partners.command("import")
@options.study_dir
@click.argument("table", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--select",
    required=True,
    help="The partners, comma-separated, as named in the name column.",
)
@click.option("--name", "name_column", default="name", show_default=True, help="Name column.")
@click.option("--population", default=None, metavar="COLUMN", help="Population column.")
@click.option("--demand", default=None, metavar="COLUMN", help="Demand column (net ha).")
@click.option("--opcentiemen", default=None, metavar="COLUMN", help="Surcharge (OV) column.")
@click.option("--capital", default=None, metavar="COLUMN", help="Capital column (euros).")
@click.option(
    "--fiscal-capacity", default=None, metavar="COLUMN", help="Fiscal capacity column (euros)."
)
@click.option(
    "--regional-fallback",
    is_flag=True,
    help="Assume the table's median (range: min–max) for facts a partner lacks.",
)
def import_command(
    study_dir: Path,
    table: Path,
    select: str,
    name_column: str,
    regional_fallback: bool,
    **columns: str | None,
) -> None:
    """Write [[partners]] from TABLE (CSV): blank cells stay unknown, never zero."""
    from parkplan.partners import imported_partners, write_partners

    chosen = {FACT_OPTIONS[option]: column for option, column in columns.items() if column}
    if not chosen:
        raise click.UsageError("name at least one fact column, e.g. --population COLUMN")
    names = [name.strip() for name in select.split(",") if name.strip()]
    found, fallbacks = imported_partners(
        table, names=names, name_column=name_column, columns=chosen
    )
    path = write_partners(
        options.existing_study(study_dir), found, fallbacks, regional_fallback=regional_fallback
    )
    click.echo(f"{len(found)} partners written to {path}")
    for partner in found:
        unknown = [fact for fact, value in partner.facts.items() if value is None]
        if unknown:
            click.echo(f"  {partner.name}: unknown {', '.join(unknown)}")
