"""``parkplan advise`` through the real command line, and the dossier's use of the advice."""

from __future__ import annotations

import json

from parkplan.cli import cli, main
from parkplan.cli.advise import advise
from parkplan.report import cooperation
from parkplan.study import CooperationConfig, Study

cli.add_command(advise)


def run_cli(capsys, *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_duration_alone_is_a_valid_question_and_gets_the_lightest_form(capsys):
    code, out, _ = run_cli(capsys, "advise", "--duration-years", "20")
    assert code == 0
    assert "fits  cooperation agreement (samenwerkingsovereenkomst)" in out
    assert "advice: cooperation agreement (samenwerkingsovereenkomst)" in out
    assert "note: the number of municipalities was not given" in out


def test_prints_every_form_with_its_reasons(capsys):
    code, out, _ = run_cli(
        capsys, "advise", "--duration-years", "12", "--legal-personality", "--municipalities", "4"
    )
    assert code == 0
    assert "no    interlocal association (interlokale vereniging): does not fit" in out
    assert "advice: project association (projectvereniging)" in out
    assert "note:" not in out


def test_private_partners_need_their_sector(capsys):
    common = ("advise", "--duration-years", "20", "--private-partners", "--own-land")
    code, out, _ = run_cli(capsys, *common)
    assert code == 0 and "advice: no form fits" in out
    code, out, _ = run_cli(capsys, *common, "--private-sector", "energy")
    assert code == 0 and "advice: service-providing association" in out


def test_json_output(capsys):
    code, out, _ = run_cli(
        capsys,
        "advise",
        "--duration-years",
        "4",
        "--private-partners",
        "--other-government-levels",
        "--capital-or-land",
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["recommended"] == "interlocal association"
    assert data["recommended_nl"] == "interlokale vereniging"
    assert data["answers"]["private_partners"] is True
    assert data["answers"]["partners_bring_capital_or_land"] is True
    assert [f["fits"] for f in data["forms"]] == [False, True, False, False, False]


def test_duration_is_required_and_answers_are_checked(capsys):
    code, _, err = run_cli(capsys, "advise")
    assert code == 2 and "--duration-years" in err
    code, _, _ = run_cli(capsys, "advise", "--duration-years", "0")
    assert code == 2
    code, _, err = run_cli(capsys, "advise", "--duration-years", "9", "--private-sector", "water")
    assert code == 2 and "--private-sector" in err
    code, _, _ = run_cli(capsys, "advise", "--duration-years", "9", "--municipalities", "0")
    assert code == 2


def test_the_dossier_reads_form_fits_reasons_and_recommended():
    rows = cooperation(Study(name="dossier"))
    assert rows[0]["form"] == "cooperation agreement"
    assert [r["recommended"] for r in rows] == [True, False, False, False, False]
    assert all(r["reason"] for r in rows)
    study = Study(
        name="dossier",
        cooperation=CooperationConfig(other_government_levels=True, legal_personality_needed=True),
    )
    assert not any(r["fits"] for r in cooperation(study))
