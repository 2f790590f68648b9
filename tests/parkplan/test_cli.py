"""The command line: exit codes and one-line errors on bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest

from parkplan.cli import main


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("command", ["run", "score", "equalise", "map"])
def test_missing_study_folder_is_one_line_and_exit_2(capsys, tmp_path, command):
    args = [command, str(tmp_path / "nowhere")]
    if command == "map":
        args += ["-o", str(tmp_path / "map.html")]
    code, _, err = run_cli(capsys, *args)
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("parkplan: ")
    assert "nowhere" in err
    assert "Traceback" not in err


def test_broken_study_toml_is_one_line_and_exit_2(capsys, tmp_path):
    (tmp_path / "study.toml").write_text("name = 'x'\ncell_size_m = 'ten'\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "run", str(tmp_path))
    assert code == 2
    assert "cell_size_m" in err
    assert err.count("\n") == 1


def test_unknown_command_is_usage_error(capsys):
    code, _, err = run_cli(capsys, "frobnicate")
    assert code == 2
    assert "frobnicate" in err


def test_python_dash_m_runs_the_same_cli():
    done = subprocess.run(
        [sys.executable, "-m", "parkplan", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    for command in ("demo", "init", "layers", "run", "score", "equalise", "map", "game"):
        assert command in done.stdout


def test_every_listed_command_runs_the_command_its_help_describes():
    import inspect

    import click

    from parkplan.cli import cli
    from parkplan.cli.commands import COMMANDS

    context = click.Context(cli)
    for name, (_, text) in COMMANDS.items():
        command = cli.get_command(context, name)
        assert command is not None and command.name == name, name
        summary = inspect.getdoc(command.callback).split("\n\n")[0]
        assert " ".join(summary.split()) == text, name


def test_help_and_version_start_without_the_heavy_libraries():
    code = (
        "import sys\n"
        "from parkplan.cli import main\n"
        "assert main(['--help']) == 0 and main(['--version']) == 0\n"
        "heavy = {'geopandas', 'folium', 'fastapi', 'dask', 'rasterio', 'pyogrio', 'scipy'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
