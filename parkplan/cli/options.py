"""Options and arguments shared by several subcommands."""

from pathlib import Path

import click

study_dir = click.argument(
    "study_dir", type=click.Path(file_okay=False, path_type=Path), metavar="STUDY_DIR"
)
lang = click.option(
    "--lang",
    type=click.Choice(["nl", "en"]),
    default="nl",
    show_default=True,
    help="Language of the map and report labels.",
)
quiet = click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
engine = click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default=None,
    help="Compute engine (default: study.toml's 'engine').",
)
scheduler = click.option(
    "--scheduler",
    default=None,
    metavar="tcp://HOST:PORT",
    help="Dask scheduler to use with --engine dask (default: a local cluster).",
)


def output_file(help_text: str):
    """The required ``-o/--output FILE`` option of the commands that write one file."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        required=True,
        help=help_text,
    )


def existing_study(path: Path) -> Path:
    """``path`` if it holds a study, else a usage error naming what was expected."""
    from parkplan.pipeline import study_root

    return study_root(path)


def scenario(help_text: str):
    """The ``--scenario NAME`` option."""
    return click.option("--scenario", default=None, help=help_text)
