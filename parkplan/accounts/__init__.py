"""The people who may sign in to a study's web app: accounts, roles, passwords and sessions.

``open_accounts(study_dir)`` gives the :class:`Accounts` of a study, kept in SQLite in its
folder or in its PostgreSQL schema (see :mod:`parkplan.accounts.factory`). The command line
manages them (``parkplan users``); the web app signs people in and out.
"""

from __future__ import annotations

from pathlib import Path

from parkplan.accounts.factory import open_account_store
from parkplan.accounts.passwords import Passwords
from parkplan.accounts.roles import ROLES, Account, AccountRole, SessionRecord, role_at_least
from parkplan.accounts.service import (
    Accounts,
    ActiveSession,
    NewSession,
    SessionPolicy,
    token_hash,
)
from parkplan.accounts.store import AccountStore

__all__ = [
    "ROLES",
    "Account",
    "AccountRole",
    "AccountStore",
    "Accounts",
    "ActiveSession",
    "NewSession",
    "Passwords",
    "SessionPolicy",
    "SessionRecord",
    "open_account_store",
    "open_accounts",
    "role_at_least",
    "token_hash",
]


def open_accounts(study_dir: Path, *, policy: SessionPolicy | None = None) -> Accounts:
    """The accounts of the study at ``study_dir``."""
    return Accounts(open_account_store(study_dir), policy=policy)
