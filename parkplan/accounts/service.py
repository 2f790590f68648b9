"""The rules of accounts and sessions, over any :class:`~parkplan.accounts.store.AccountStore`.

A session's cookie is 256 random bits; the store keeps only its SHA-256, so a copy of the
database opens no browser's session. A session ends when it has been idle for
:attr:`SessionPolicy.idle_s` or has lasted :attr:`SessionPolicy.max_s`, when its user signs
out, and when the account is removed or its password changes. Each session has a CSRF token of
its own (the synchronizer pattern), given to the pages and checked on every change they ask for.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from parkplan.accounts.passwords import Passwords
from parkplan.accounts.roles import (
    ACCOUNT_NAME,
    MAX_PASSWORD_LENGTH,
    Account,
    AccountRole,
    SessionRecord,
    checked_name,
    checked_password,
    checked_role,
)
from parkplan.accounts.store import AccountStore
from parkplan.errors import AccountError

#: Random bytes of a session's cookie and of its CSRF token.
TOKEN_BYTES = 32
#: A cookie longer than this is no cookie of ours (not even hashed).
MAX_TOKEN_LENGTH = 128


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives: ``idle_s`` without a request, ``max_s`` at most; its last
    use is written at most every ``touch_every_s``."""

    idle_s: float = 2 * 3600.0
    max_s: float = 12 * 3600.0
    touch_every_s: float = 60.0


@dataclass(frozen=True)
class NewSession:
    """A session just begun: ``token`` is the cookie's value, shown once and never stored."""

    token: str
    name: str
    role: AccountRole
    csrf_token: str


@dataclass(frozen=True)
class ActiveSession:
    """A valid session, as a request presents it."""

    token_hash: str
    name: str
    role: AccountRole
    csrf_token: str


def token_hash(token: str) -> str:
    """What the store keeps of a session's cookie."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Accounts:
    """Accounts and sessions of one study, kept in ``store``."""

    def __init__(
        self,
        store: AccountStore,
        *,
        passwords: Passwords | None = None,
        policy: SessionPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.passwords = passwords if passwords is not None else Passwords()
        self.policy = policy if policy is not None else SessionPolicy()
        self._clock = clock
        self._seen_accounts = False

    # -- accounts ------------------------------------------------------------------------------

    def exist(self) -> bool:
        """Whether the study has accounts. Once seen, they count as there until this object
        goes (so removing the last account never opens a running server)."""
        if not self._seen_accounts:
            self._seen_accounts = self.store.has_accounts()
        return self._seen_accounts

    def list(self) -> list[Account]:
        """Every account, by name."""
        return self.store.accounts()

    def add(self, name: str, role: str, password: str) -> Account:
        """A new account; :class:`AccountError` for a bad name, role or password or a taken
        name."""
        account = Account(
            checked_name(name),
            checked_role(role),
            self.passwords.hash(checked_password(password)),
            self._clock(),
        )
        if not self.store.add_account(account):
            raise AccountError(f"there is already an account {name!r}; choose another name")
        return account

    def get(self, name: str) -> Account:
        """The account ``name``; :class:`AccountError` when there is none."""
        account = self.store.account(name)
        if account is None:
            raise self._no_account(name)
        return account

    def remove(self, name: str) -> None:
        """Remove the account ``name`` and end its sessions."""
        if not self.store.remove_account(name):
            raise self._no_account(name)

    def change_password(self, name: str, password: str) -> None:
        """Give ``name`` a new password and end its sessions."""
        new_hash = self.passwords.hash(checked_password(password))
        if not self.store.set_password_hash(name, new_hash, end_sessions=True):
            raise self._no_account(name)

    def _no_account(self, name: str) -> AccountError:
        return AccountError(f"there is no account {name[:80]!r}; 'parkplan users list' shows them")

    # -- sessions ------------------------------------------------------------------------------

    def sign_in(
        self, name: str, password: str, *, replacing: str | None = None
    ) -> NewSession | None:
        """A new session when ``password`` is ``name``'s, else ``None`` after the same work.

        The session that ``replacing`` (a cookie the browser held) named ends: a signed-in
        browser always has a session id the server chose at sign-in.
        """
        account = self._verified(name, password[:MAX_PASSWORD_LENGTH])
        if account is None:
            return None
        if replacing:
            self.sign_out(replacing)
        now = self._clock()
        self.store.remove_sessions_older_than(now - self.policy.max_s, now - self.policy.idle_s)
        token, csrf = secrets.token_urlsafe(TOKEN_BYTES), secrets.token_urlsafe(TOKEN_BYTES)
        self.store.add_session(SessionRecord(token_hash(token), account.name, csrf, now, now))
        return NewSession(token, account.name, account.role, csrf)

    def _verified(self, name: str, password: str) -> Account | None:
        """The account when the password is right (its hash renewed if outdated), else
        ``None``; an unknown name costs one verification too."""
        account = self.store.account(name) if ACCOUNT_NAME.fullmatch(name) else None
        if account is None:
            self.passwords.verify_nothing(password)
            return None
        if not self.passwords.verify(account.password_hash, password):
            return None
        if self.passwords.needs_rehash(account.password_hash):
            renewed = self.passwords.hash(password)
            self.store.set_password_hash(account.name, renewed, end_sessions=False)
        return account

    def session(self, token: str | None) -> ActiveSession | None:
        """The valid session of a cookie; an expired one is removed and gives ``None``."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        hashed = token_hash(token)
        found = self.store.session(hashed)
        if found is None:
            return None
        record, account = found
        now = self._clock()
        if now - record.created_at > self.policy.max_s or now - record.seen_at > self.policy.idle_s:
            self.store.remove_session(hashed)
            return None
        if now - record.seen_at >= self.policy.touch_every_s:
            self.store.touch_session(hashed, now)
        return ActiveSession(hashed, account.name, account.role, record.csrf_token)

    def sign_out(self, token: str) -> None:
        """End the session of a cookie, if it has one."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return
        hashed = token_hash(token)
        if self.store.session(hashed) is not None:  # (creates no database when there is none)
            self.store.remove_session(hashed)
