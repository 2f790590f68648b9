"""``parkplan users``: the accounts that may sign in to a study's web app.

A password is never an argument (it would stay in the shell's history and in the process
list): it is asked twice on the terminal, or read as the first line of standard input with
``--password-stdin``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from parkplan.accounts import ROLES, Accounts, open_accounts
from parkplan.cli.options import existing_study, study_dir

_NAME = click.argument("name")
_PASSWORD_STDIN = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of asking.",
)


@click.group()
def users() -> None:
    """The accounts that may sign in to the web app of a study."""


def accounts_of(study: Path) -> Accounts:
    """The accounts of the study at ``study`` (a one-line error when it is no study)."""
    from parkplan.study import load_study

    root = existing_study(study)
    load_study(root)
    return open_accounts(root)


def read_password(from_stdin: bool) -> str:
    """The new password: the first line of standard input, or asked twice on the terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users.command("add")
@study_dir
@_NAME
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the account may do.")
@_PASSWORD_STDIN
def add(study_dir: Path, name: str, role: str, password_stdin: bool) -> None:
    """Add the account NAME with ROLE: viewer (reads), planner (also builds the model and runs
    it), operator (also manages the layers) or admin."""
    accounts = accounts_of(study_dir)
    account = accounts.add(name, role, read_password(password_stdin))
    click.echo(f"added {account.name} ({account.role})")


@users.command("list")
@study_dir
def list_users(study_dir: Path) -> None:
    """List the accounts: name, role and when each was added."""
    found = accounts_of(study_dir).list()
    if not found:
        click.echo("no accounts; add one with 'parkplan users add STUDY_DIR NAME --role ROLE'")
        return
    width = max(len(account.name) for account in found)
    click.echo(f"{'name':<{width}}  {'role':<8}  added")
    for account in found:
        added = datetime.fromtimestamp(account.created_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        click.echo(f"{account.name:<{width}}  {account.role:<8}  {added}")


@users.command("remove")
@study_dir
@_NAME
def remove(study_dir: Path, name: str) -> None:
    """Remove the account NAME; its sessions end at once."""
    accounts_of(study_dir).remove(name)
    click.echo(f"removed {name}")


@users.command("passwd")
@study_dir
@_NAME
@_PASSWORD_STDIN
def passwd(study_dir: Path, name: str, password_stdin: bool) -> None:
    """Give the account NAME a new password; its sessions end at once."""
    accounts = accounts_of(study_dir)
    accounts.get(name)  # an unknown name stops before the password is asked
    accounts.change_password(name, read_password(password_stdin))
    click.echo(f"changed the password of {name}; its sessions have ended")
