"""The ``parkplan`` command line.

Every subcommand lives in its own module of this package, listed in
:data:`parkplan.cli.commands.COMMANDS` and imported only when it runs (``parkplan --help`` and
``--version`` import none of the heavy libraries). Errors of the
libraries and the application become one line on stderr and exit code 2; anything else is an
internal error (exit code 1). Warnings of the libraries (:class:`geo.errors.GeoWarning`) are one
line each on stderr, ``parkplan: warning: ...``, and never stop a command.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module

import click

from geo.errors import GeoWarning
from parkplan.cli.commands import COMMANDS
from parkplan.errors import USER_ERRORS

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2


def one_line(message: object) -> str:
    """Collapse a message onto one line."""
    return " ".join(str(message).split())


class LazyGroup(click.Group):
    """A group whose subcommands are imported when they run (see :data:`COMMANDS`)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name][0].split(":")
        return getattr(import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        width = max(formatter.width - 16, 40)
        # click 8.3 deprecated make_default_short_help: its module __getattr__ (typed object)
        # still gives it, with a DeprecationWarning, until click 9 removes it
        rows = [
            (name, click.utils.make_default_short_help(text, width))  # type: ignore[operator]
            for name, (_, text) in COMMANDS.items()
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.version_option(package_name="parkplan")
def cli(verbose: int) -> None:
    """parkplan: plan an intermunicipal business park — sites, suitability, fair equalisation."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@contextmanager
def geo_warnings_on_stderr() -> Iterator[None]:
    """Show every :class:`GeoWarning` of the block as one line on stderr, never as an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", GeoWarning)
        shown = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None) -> None:
            if not issubclass(category, GeoWarning):
                shown(message, category, filename, lineno, file, line)
                return
            click.echo(f"parkplan: warning: {one_line(message)}", err=True)

        warnings.showwarning = show
        yield


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of raising (used by ``python -m parkplan``)."""
    try:
        with geo_warnings_on_stderr():
            cli.main(args=argv, standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("parkplan: aborted", err=True)
        return EXIT_USAGE
    except click.ClickException as exc:
        click.echo(f"parkplan: {one_line(exc.format_message())}", err=True)
        return EXIT_USAGE
    except USER_ERRORS as exc:
        click.echo(f"parkplan: {one_line(exc)}", err=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        click.echo("parkplan: interrupted", err=True)
        return 130
    except Exception as exc:  # an internal error: say so, keep the traceback in debug logs
        logging.getLogger(__name__).debug("internal error", exc_info=True)
        click.echo(
            f"parkplan: internal error ({type(exc).__name__}: {one_line(exc)}); "
            "run with -vv for details",
            err=True,
        )
        return EXIT_INTERNAL
    return EXIT_OK


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
