"""``parkplan advise``: which cooperation form fits the partners' answers."""

from __future__ import annotations

import json

import click

from equalisation.advisor import SECTORS, advise_cooperation_form


@click.command("advise")
@click.option(
    "--duration-years",
    type=click.IntRange(min=1),
    required=True,
    help="How long the cooperation must last, in years.",
)
@click.option(
    "--private-partners/--no-private-partners",
    default=False,
    show_default=True,
    help="Will private partners take part?",
)
@click.option(
    "--private-sector",
    type=click.Choice(SECTORS),
    default=None,
    help="The sector of the private partners (only energy and waste admit them in an "
    "association with legal personality).",
)
@click.option(
    "--other-government-levels/--no-other-government-levels",
    default=False,
    show_default=True,
    help="Will the province or Flanders take part?",
)
@click.option(
    "--legal-personality/--no-legal-personality",
    default=False,
    show_default=True,
    help="Must the cooperation be a legal person?",
)
@click.option(
    "--management-transfer/--no-management-transfer",
    default=False,
    show_default=True,
    help="Do the municipalities hand over the management of the park?",
)
@click.option(
    "--municipalities",
    "municipality_count",
    type=click.IntRange(min=1),
    default=None,
    help="How many municipalities take part (every form needs two or more).",
)
@click.option(
    "--capital-or-land/--no-capital-or-land",
    default=False,
    show_default=True,
    help="Do the partners bring capital or land into the cooperation?",
)
@click.option(
    "--own-land/--no-own-land",
    default=False,
    show_default=True,
    help="Must the cooperation itself own land?",
)
@click.option(
    "--hire-staff/--no-hire-staff",
    default=False,
    show_default=True,
    help="Must the cooperation itself employ staff?",
)
@click.option(
    "--award-contracts/--no-award-contracts",
    default=False,
    show_default=True,
    help="Must the cooperation itself award contracts?",
)
@click.option("--json", "as_json", is_flag=True, help="Print the advice as JSON.")
def advise(
    duration_years: int,
    private_partners: bool,
    private_sector: str | None,
    other_government_levels: bool,
    legal_personality: bool,
    management_transfer: bool,
    municipality_count: int | None,
    capital_or_land: bool,
    own_land: bool,
    hire_staff: bool,
    award_contracts: bool,
    as_json: bool,
) -> None:
    """Which cooperation forms fit (lightest first), each with the rules that decide it."""
    advice = advise_cooperation_form(
        duration_years=duration_years,
        private_partners=private_partners,
        private_sector=private_sector,
        other_government_levels=other_government_levels,
        legal_personality_needed=legal_personality,
        management_transfer=management_transfer,
        municipality_count=municipality_count,
        partners_bring_capital_or_land=capital_or_land,
        must_own_land=own_land,
        must_hire_staff=hire_staff,
        must_award_contracts=award_contracts,
    )
    if as_json:
        click.echo(json.dumps(advice.to_dict(), ensure_ascii=False))
        return
    for form in advice.forms:
        verdict = "fits" if form.fits else "no  "
        click.echo(f"{verdict}  {form.form} ({form.name_nl}): {'; '.join(form.reasons)}")
    for note in advice.notes:
        click.echo(f"note: {note}")
    if advice.recommended:
        best = next(f for f in advice.forms if f.form == advice.recommended)
        click.echo(f"advice: {best.form} ({best.name_nl}), the lightest form that fits")
    else:
        click.echo("advice: no form fits these answers; revisit the questions")
