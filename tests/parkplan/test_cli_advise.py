"""``parkplan advise`` through the real command line."""

from __future__ import annotations

import json

from parkplan.cli import cli, main
from parkplan.cli.advise import advise

cli.add_command(advise)


def run_cli(capsys, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_prints_every_form_and_the_advice(capsys):
    code, out, _ = run_cli(capsys, "advise", "--duration-years", "12", "--legal-personality")
    assert code == 0
    assert "no    project association" in out
    assert "advice: service-providing association" in out


def test_json_output(capsys):
    code, out, _ = run_cli(
        capsys, "advise", "--duration-years", "4", "--private-partners", "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["recommended"] == "interlocal association"
    assert data["answers"]["private_partners"] is True


def test_duration_is_required_and_checked(capsys):
    code, _, err = run_cli(capsys, "advise")
    assert code == 2 and "--duration-years" in err
    code, _, err = run_cli(capsys, "advise", "--duration-years", "0")
    assert code == 2
