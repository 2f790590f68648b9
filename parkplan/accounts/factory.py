"""Which store holds a study's accounts: the study's PostgreSQL schema when its workspace is
PostGIS, else the SQLite file of its folder (as ``study.toml`` says, through
:func:`parkplan.workspace.factory.store_settings`)."""

from __future__ import annotations

from pathlib import Path

from parkplan.accounts.store import AccountStore
from parkplan.workspace.factory import store_settings


def open_account_store(study_dir: Path) -> AccountStore:
    """The account store of the study at ``study_dir`` (nothing is created yet)."""
    database = store_settings(Path(study_dir)).database
    if database is None:
        from parkplan.accounts.sqlite import SqliteAccountStore

        return SqliteAccountStore.of_study(study_dir)
    from parkplan.accounts.postgres import PostgresAccountStore  # the database driver, only now

    return PostgresAccountStore(database)
