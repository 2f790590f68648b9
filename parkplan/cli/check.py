"""``parkplan check``: validate a whole study without computing anything."""

from __future__ import annotations

import json
from pathlib import Path

import click

from parkplan.check import check_study, report_lines
from parkplan.cli.options import existing_study, study_dir
from parkplan.errors import StudyError


@click.command("check")
@study_dir
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def check_command(study_dir: Path, as_json: bool) -> None:
    """Check STUDY_DIR without computing: list every problem with its line in study.toml.

    Checks the schema, the layers and columns the study names, the partners' names, the
    model's weights and transforms, the sharing keys, the partner facts a run needs and the
    finance assumptions. Exit code 2 when there are problems.
    """
    report = check_study(existing_study(study_dir))
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        if report.ok:
            click.echo(f"study OK: {report.study_file}")
        for line in report_lines(report):
            click.echo(line)
    if not report.ok:
        count = len(report.problems)
        them = "them" if count > 1 else "it"
        raise StudyError(
            f"{count} problem{'s' if count > 1 else ''} in {report.study_file}; fix {them} and "
            "run 'parkplan check' again"
        )
