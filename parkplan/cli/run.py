"""``parkplan run``, ``score`` and ``equalise``: the pipeline of a study."""

from __future__ import annotations

import json
from pathlib import Path

import click

from parkplan.cli import options
from parkplan.cli.progress import progress_bar
from parkplan.run import RunOutputs, compare_scenarios, equalise_study, run_study
from parkplan.run_facts import read_run_facts
from parkplan.runs import RunStore


def report_files(outputs: RunOutputs) -> None:
    """Print the run's id, its warnings, and where each output went."""
    for warning in outputs.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"run {outputs.run.run_id} published in {outputs.folder}")
    for name, path in outputs.files.items():
        click.echo(f"  {name:<26} {path}")


def report_outputs(outputs: RunOutputs) -> None:
    """Print the area each exclusion removed, the best site, and where each output went."""
    assert outputs.scoring is not None
    report = outputs.scoring.suitability.exclusions
    if report.names:
        click.echo(f"{'exclusion':<20} {'alone (ha)':>12} {'in sequence (ha)':>17}")
        for name, alone, in_sequence in zip(
            report.names, report.alone_ha, report.in_sequence_ha, strict=True
        ):
            click.echo(f"{name:<20} {alone:>12,.1f} {in_sequence:>17,.1f}")
        click.echo(
            f"{'excluded in all':<20} {report.excluded_ha:>12,.1f} "
            f"({report.share_excluded:.0%} of {report.grid_ha:,.0f} ha)"
        )
    best = outputs.scoring.sites.iloc[0]
    click.echo(
        f"best site: {best['site_id']} (score {best['score']:.3f}, {best['area_ha']:.1f} ha, "
        f"host {best['host']})"
    )
    if outputs.scoring.robustness is not None:
        click.echo(f"robustness: {outputs.scoring.robustness.statement}")
    facts = read_run_facts(outputs.folder)
    if facts and facts.weight_sweep:
        click.echo(f"sensitivity: {facts.weight_sweep}")
    report_files(outputs)


@click.command("run")
@options.study_dir
@options.lang
@options.engine
@options.scheduler
@options.quiet
def run_command(
    study_dir: Path, lang: str, engine: str | None, scheduler: str | None, quiet: bool
) -> None:
    """Run the whole study: suitability, sites, split, equalisation, map, report."""
    with progress_bar("suitability", enabled=not quiet) as progress:
        outputs = run_study(
            study_dir, lang=lang, engine=engine, scheduler=scheduler, progress=progress
        )
    report_outputs(outputs)


@click.command("score")
@options.study_dir
@options.scenario("A named scenario of study.toml.")
@options.lang
@options.engine
@options.scheduler
@options.quiet
def score_command(
    study_dir: Path,
    scenario: str | None,
    lang: str,
    engine: str | None,
    scheduler: str | None,
    quiet: bool,
) -> None:
    """Score suitability and rank the candidate sites (no equalisation)."""
    with progress_bar("suitability", enabled=not quiet) as progress:
        outputs = run_study(
            study_dir,
            scenario=scenario,
            equalise=False,
            lang=lang,
            engine=engine,
            scheduler=scheduler,
            progress=progress,
        )
    report_outputs(outputs)


@click.command("equalise")
@options.study_dir
@click.option("--site", "site_id", default=None, help="Site to equalise (default: the best).")
def equalise_command(study_dir: Path, site_id: str | None) -> None:
    """Share the costs and revenues of a site among the partners, as a new run derived from the
    current one (same sites and rasters; new equalisation, ledger, map and report)."""
    report_files(equalise_study(study_dir, site_id=site_id))


@click.command("runs")
@options.study_dir
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
def runs_command(study_dir: Path, as_json: bool) -> None:
    """List the complete runs of the study, newest first, and which ones are current."""
    records = RunStore(options.existing_study(study_dir)).records()
    if as_json:
        rows = [
            r.identity.to_dict()
            | {"finished_at": r.finished_at, "current_for": list(r.current_for)}
            for r in records
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not records:
        click.echo(f"no runs yet; start one with 'parkplan run {study_dir}'")
    for r in records:
        what = r.identity.scenario or "base"
        current = f"  current: {', '.join(r.current_for)}" if r.current_for else ""
        derived = f"  from {r.identity.derived_from}" if r.identity.derived_from else ""
        click.echo(f"{r.identity.run_id}  {what:<16} {r.finished_at}{derived}{current}")


@click.command("compare")
@options.study_dir
@click.argument("scenarios", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the table as CSV.",
)
def compare_command(study_dir: Path, scenarios: tuple[str, ...], output: Path | None) -> None:
    """Rank changes of the sites between scenarios ("base" is the base model; first = baseline)."""
    table = compare_scenarios(study_dir, list(scenarios))
    click.echo(table.to_string(index=False))
    if output is not None:
        table.to_csv(output, index=False)
        click.echo(f"comparison written to {output}")
