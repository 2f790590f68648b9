"""``parkplan advise``: which cooperation form fits the partners' answers."""

from __future__ import annotations

import json

import click

from equalisation.advisor import advise_cooperation_form


@click.command("advise")
@click.option(
    "--private-partners/--no-private-partners",
    default=False,
    show_default=True,
    help="Will private partners take part?",
)
@click.option(
    "--legal-personality/--no-legal-personality",
    default=False,
    show_default=True,
    help="Does the cooperation need legal personality (own staff, property, contracts)?",
)
@click.option(
    "--duration-years",
    type=click.IntRange(min=1),
    required=True,
    help="How long the cooperation must last, in years.",
)
@click.option(
    "--management-transfer/--no-management-transfer",
    default=False,
    show_default=True,
    help="Do the municipalities hand over the management of the park?",
)
@click.option(
    "--other-government-levels/--no-other-government-levels",
    default=False,
    show_default=True,
    help="Will other government levels (province, region) take part?",
)
@click.option("--json", "as_json", is_flag=True, help="Print the advice as JSON.")
def advise(
    private_partners: bool,
    legal_personality: bool,
    duration_years: int,
    management_transfer: bool,
    other_government_levels: bool,
    as_json: bool,
) -> None:
    """Which cooperation forms fit (lightest first), each with the reason."""
    advice = advise_cooperation_form(
        private_partners=private_partners,
        legal_personality_needed=legal_personality,
        duration_years=duration_years,
        management_transfer=management_transfer,
        other_government_levels=other_government_levels,
    )
    if as_json:
        click.echo(json.dumps(advice.to_dict(), ensure_ascii=False))
        return
    for form in advice.forms:
        click.echo(f"{'fits' if form.fits else 'no  '}  {form.form}: {'; '.join(form.reasons)}")
    if advice.recommended:
        click.echo(f"advice: {advice.recommended} (the lightest form that fits)")
    else:
        click.echo("advice: no form fits these answers; revisit the questions")
