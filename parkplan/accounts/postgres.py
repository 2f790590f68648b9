"""Accounts and sessions of a PostGIS study: the tables ``parkplan_accounts`` and
``parkplan_sessions`` in the study's schema, beside its workspace.

The tables are made when the first account is added (the schema must exist: it is the
workspace's, made by ``parkplan init``); until then every read finds nothing. Each call opens a
connection of its own through the workspace's :class:`~parkplan.workspace.postgis.Database`.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg import sql

from parkplan.accounts.records import SqlAccountStore, Step
from parkplan.accounts.store import ACCOUNTS_TABLE, SESSIONS_TABLE
from parkplan.errors import AccountError
from parkplan.workspace.postgis import Database


class PostgresAccountStore(SqlAccountStore):
    """The :class:`~parkplan.accounts.store.AccountStore` in the schema of ``database``."""

    placeholder = "%s"

    def __init__(self, database: Database) -> None:
        super().__init__(
            sql.Identifier(database.schema, ACCOUNTS_TABLE).as_string(),
            sql.Identifier(database.schema, SESSIONS_TABLE).as_string(),
            sql.Identifier(f"{SESSIONS_TABLE}_name").as_string(),
        )
        self.database = database

    def _rows(self, statement: str, params: Sequence[object] = ()) -> list[tuple]:
        try:
            with self.database.connect() as conn:
                return conn.execute(statement, params).fetchall()
        except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
            return []
        except psycopg.Error as exc:
            raise self._failed(exc) from None

    def _change(self, steps: Sequence[Step]) -> list[int]:
        try:
            return self._run(steps)
        except psycopg.errors.UndefinedTable:
            self._run([(statement, ()) for statement in self._schema()])
            return self._run(steps)

    def _run(self, steps: Sequence[Step]) -> list[int]:
        """``steps`` in one transaction; one-line errors (but a missing table is raised)."""
        try:
            with self.database.connect() as conn, conn.transaction():
                return [conn.execute(s, p).rowcount for s, p in steps]
        except psycopg.errors.UndefinedTable:
            raise
        except psycopg.errors.InvalidSchemaName:
            raise AccountError(
                f"the study's workspace schema {self.database.schema!r} does not exist; create "
                "the study's workspace first ('parkplan init')"
            ) from None
        except psycopg.Error as exc:
            raise self._failed(exc) from None

    def _failed(self, exc: psycopg.Error) -> AccountError:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return AccountError(
            f"the accounts of schema {self.database.schema!r} cannot be used ({reason})"
        )
