"""The :class:`~parkplan.accounts.store.AccountStore` in SQL, the same for SQLite and
PostgreSQL: a store of this kind only says how to run statements (:meth:`SqlAccountStore._rows`,
:meth:`SqlAccountStore._change`), its placeholder and its tables' names.

Times are seconds since 1970 (floating point); a session's cookie is never stored, only its
SHA-256 (``token_hash``).
"""

from __future__ import annotations

from collections.abc import Sequence

from parkplan.accounts.roles import Account, SessionRecord

ACCOUNT_COLUMNS = "a.name, a.role, a.password_hash, a.created_at"
SESSION_COLUMNS = "s.token_hash, s.name, s.csrf_token, s.created_at, s.seen_at"
#: The tables, created when the first account is added (``IF NOT EXISTS``: safe to repeat).
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS {accounts} (name TEXT PRIMARY KEY, role TEXT NOT NULL, "
    "password_hash TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {sessions} (token_hash TEXT PRIMARY KEY, name TEXT NOT NULL, "
    "csrf_token TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, "
    "seen_at DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS {sessions_index} ON {sessions} (name)",
)

Step = tuple[str, Sequence[object]]


class SqlAccountStore:
    """Accounts and sessions in two SQL tables; subclasses run the statements."""

    placeholder = "?"

    def __init__(self, accounts_table: str, sessions_table: str, sessions_index: str) -> None:
        self._names = {
            "accounts": accounts_table,
            "sessions": sessions_table,
            "sessions_index": sessions_index,
        }

    # -- what a store of this kind provides ----------------------------------------------------

    def _rows(self, statement: str, params: Sequence[object] = ()) -> list[tuple]:
        """The rows of one query; none when the tables do not exist yet."""
        raise NotImplementedError

    def _change(self, steps: Sequence[Step]) -> list[int]:
        """Run ``steps`` in one transaction (creating the tables first if need be); the number
        of rows each changed."""
        raise NotImplementedError

    def _sql(self, template: str) -> str:
        return template.format(p=self.placeholder, **self._names)

    def _schema(self) -> list[str]:
        return [self._sql(statement) for statement in SCHEMA]

    # -- the AccountStore protocol -------------------------------------------------------------

    def has_accounts(self) -> bool:
        return bool(self._rows(self._sql("SELECT 1 FROM {accounts} LIMIT 1")))

    def accounts(self) -> list[Account]:
        rows = self._rows(self._sql(f"SELECT {ACCOUNT_COLUMNS} FROM {{accounts}} a ORDER BY 1"))
        return [_account(row) for row in rows]

    def account(self, name: str) -> Account | None:
        query = f"SELECT {ACCOUNT_COLUMNS} FROM {{accounts}} a WHERE a.name = {{p}}"
        rows = self._rows(self._sql(query), (name,))
        return _account(rows[0]) if rows else None

    def add_account(self, account: Account) -> bool:
        statement = (
            "INSERT INTO {accounts} (name, role, password_hash, created_at) "
            "VALUES ({p}, {p}, {p}, {p}) ON CONFLICT (name) DO NOTHING"
        )
        params = (account.name, account.role, account.password_hash, account.created_at)
        return self._change([(self._sql(statement), params)])[0] == 1

    def remove_account(self, name: str) -> bool:
        steps = [
            (self._sql("DELETE FROM {sessions} WHERE name = {p}"), (name,)),
            (self._sql("DELETE FROM {accounts} WHERE name = {p}"), (name,)),
        ]
        return self._change(steps)[1] == 1

    def set_password_hash(self, name: str, password_hash: str, *, end_sessions: bool) -> bool:
        update = self._sql("UPDATE {accounts} SET password_hash = {p} WHERE name = {p}")
        steps: list[Step] = [(update, (password_hash, name))]
        if end_sessions:
            steps.append((self._sql("DELETE FROM {sessions} WHERE name = {p}"), (name,)))
        return self._change(steps)[0] == 1

    def add_session(self, session: SessionRecord) -> None:
        statement = (
            "INSERT INTO {sessions} (token_hash, name, csrf_token, created_at, seen_at) "
            "VALUES ({p}, {p}, {p}, {p}, {p})"
        )
        params = (
            session.token_hash,
            session.name,
            session.csrf_token,
            session.created_at,
            session.seen_at,
        )
        self._change([(self._sql(statement), params)])

    def session(self, token_hash: str) -> tuple[SessionRecord, Account] | None:
        query = (
            f"SELECT {SESSION_COLUMNS}, {ACCOUNT_COLUMNS} FROM {{sessions}} s "
            "JOIN {accounts} a ON a.name = s.name WHERE s.token_hash = {p}"
        )
        rows = self._rows(self._sql(query), (token_hash,))
        if not rows:
            return None
        row = rows[0]
        session = SessionRecord(row[0], row[1], row[2], float(row[3]), float(row[4]))
        return session, _account(row[5:])

    def touch_session(self, token_hash: str, seen_at: float) -> None:
        statement = self._sql("UPDATE {sessions} SET seen_at = {p} WHERE token_hash = {p}")
        self._change([(statement, (seen_at, token_hash))])

    def remove_session(self, token_hash: str) -> None:
        statement = self._sql("DELETE FROM {sessions} WHERE token_hash = {p}")
        self._change([(statement, (token_hash,))])

    def remove_sessions_older_than(self, created_before: float, seen_before: float) -> int:
        statement = self._sql("DELETE FROM {sessions} WHERE created_at < {p} OR seen_at < {p}")
        return self._change([(statement, (created_before, seen_before))])[0]


def _account(row: Sequence) -> Account:
    name, role, password_hash, created_at = row
    return Account(name, role, password_hash, float(created_at))
