"""Accounts and sessions in an embedded SQLite database: ``accounts/accounts.sqlite`` in the
study folder.

Made when the first account is added: the folder with mode 0700, the file with mode 0600 (and
SQLite gives its write-ahead log the file's mode), in WAL mode so that the server reads while
the command line writes. Until then every read finds nothing and creates nothing.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

from parkplan.accounts.records import SqlAccountStore, Step
from parkplan.accounts.store import ACCOUNTS_TABLE, SESSIONS_TABLE
from parkplan.errors import AccountError

ACCOUNTS_DIR = "accounts"
ACCOUNTS_FILE = "accounts.sqlite"
BUSY_TIMEOUT_S = 10.0


class SqliteAccountStore(SqlAccountStore):
    """The :class:`~parkplan.accounts.store.AccountStore` in the SQLite file ``path``."""

    placeholder = "?"

    def __init__(self, path: Path) -> None:
        super().__init__(ACCOUNTS_TABLE, SESSIONS_TABLE, f"{SESSIONS_TABLE}_name")
        self.path = Path(path)

    @classmethod
    def of_study(cls, study_dir: Path) -> SqliteAccountStore:
        """The store of the study folder ``study_dir``."""
        return cls(Path(study_dir) / ACCOUNTS_DIR / ACCOUNTS_FILE)

    def _rows(self, statement: str, params: Sequence[object] = ()) -> list[tuple]:
        if not self.path.exists():
            return []
        with self._connection() as conn:
            return conn.execute(statement, params).fetchall()

    def _change(self, steps: Sequence[Step]) -> list[int]:
        if not self.path.exists():
            self._create()
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                counts = [conn.execute(statement, params).rowcount for statement, params in steps]
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        return counts

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode (transactions are explicit); one-line errors."""
        try:
            with closing(
                sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            ) as conn:
                yield conn
        except sqlite3.Error as exc:
            raise AccountError(
                f"the accounts database {ACCOUNTS_DIR}/{ACCOUNTS_FILE} cannot be used ({exc}); "
                "check its permissions, or move it away to start without accounts"
            ) from None

    def _create(self) -> None:
        """The folder (0700), the file (0600) in WAL mode and the tables."""
        folder = self.path.parent
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            os.chmod(folder, 0o700)
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            os.chmod(self.path, 0o600)
        except OSError as exc:
            raise AccountError(
                f"cannot create the accounts database in the study folder ({exc.strerror}); "
                "check that the folder exists and is writable"
            ) from None
        with self._connection() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            for statement in self._schema():
                conn.execute(statement)
