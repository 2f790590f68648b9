"""Where accounts and sessions are kept: the :class:`AccountStore` protocol.

Two stores: :class:`~parkplan.accounts.sqlite.SqliteAccountStore` (a file of the study
folder) and :class:`~parkplan.accounts.postgres.PostgresAccountStore` (two tables in the
schema of a PostGIS study). They keep records and nothing else: the rules (hashing, expiry,
who may sign in) are :class:`~parkplan.accounts.service.Accounts`'. Removing an account or
changing its password removes its sessions in the same transaction.
"""

from __future__ import annotations

from typing import Protocol

from parkplan.accounts.roles import Account, SessionRecord

ACCOUNTS_TABLE = "parkplan_accounts"
SESSIONS_TABLE = "parkplan_sessions"


class AccountStore(Protocol):
    """The accounts and sessions of one study."""

    def has_accounts(self) -> bool:
        """Whether any account exists (without creating anything)."""
        ...

    def accounts(self) -> list[Account]:
        """Every account, by name."""
        ...

    def account(self, name: str) -> Account | None:
        """The account ``name``, if there is one."""
        ...

    def add_account(self, account: Account) -> bool:
        """Add ``account``; ``False`` (and nothing changed) when its name is taken."""
        ...

    def remove_account(self, name: str) -> bool:
        """Remove the account ``name`` and its sessions; ``False`` when there is none."""
        ...

    def set_password_hash(self, name: str, password_hash: str, *, end_sessions: bool) -> bool:
        """Store a new hash for ``name`` (removing its sessions when ``end_sessions``);
        ``False`` when there is no such account."""
        ...

    def add_session(self, session: SessionRecord) -> None:
        """Keep a new session."""
        ...

    def session(self, token_hash: str) -> tuple[SessionRecord, Account] | None:
        """The session of ``token_hash`` and its account, if both exist."""
        ...

    def touch_session(self, token_hash: str, seen_at: float) -> None:
        """Note that the session was used at ``seen_at``."""
        ...

    def remove_session(self, token_hash: str) -> None:
        """Forget one session (nothing happens when there is none)."""
        ...

    def remove_sessions_older_than(self, created_before: float, seen_before: float) -> int:
        """Forget the sessions begun before ``created_before`` or last seen before
        ``seen_before``; how many there were."""
        ...
