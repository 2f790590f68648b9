"""What an account and a session are: the roles, the stored records, the checks of names and
passwords.

Roles are ordered: ``viewer`` reads, ``planner`` also builds the model and runs it,
``operator`` also manages the layers, ``admin`` may do everything an operator may.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

from parkplan.errors import AccountError

AccountRole = Literal["viewer", "planner", "operator", "admin"]
#: The roles from least to most allowed.
ROLES: tuple[AccountRole, ...] = get_args(AccountRole)
#: Account names: lower-case letters, digits, ``.``, ``_`` and ``-``, starting with a letter.
ACCOUNT_NAME = re.compile(r"^[a-z][a-z0-9._-]{0,63}$")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


@dataclass(frozen=True)
class Account:
    """A person who may sign in: name, role and the argon2 hash of the password."""

    name: str
    role: AccountRole
    password_hash: str
    created_at: float


@dataclass(frozen=True)
class SessionRecord:
    """A signed-in browser as stored: the SHA-256 of its cookie (never the cookie itself), its
    account, its CSRF token, when it began and when it was last seen (seconds since 1970)."""

    token_hash: str
    name: str
    csrf_token: str
    created_at: float
    seen_at: float


def checked_name(name: str) -> str:
    """``name`` if it may name an account, else :class:`AccountError`."""
    if not ACCOUNT_NAME.fullmatch(name):
        raise AccountError(
            f"account name {name[:80]!r} is not allowed; expected 1-64 lower-case letters, digits, "
            "'.', '_' or '-', starting with a letter (e.g. 'eva.peeters')"
        )
    return name


def checked_role(role: str) -> AccountRole:
    """``role`` if it is one of :data:`ROLES`, else :class:`AccountError`."""
    if role not in ROLES:
        raise AccountError(f"role {role[:40]!r} is not known; expected one of {', '.join(ROLES)}")
    return role


def checked_password(password: str) -> str:
    """``password`` if it is long enough (and not absurdly long), else :class:`AccountError`."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"the password has {len(password)} characters; expected at least "
            f"{MIN_PASSWORD_LENGTH} (a few words make a good one)"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"the password is longer than {MAX_PASSWORD_LENGTH} characters")
    return password


def role_at_least(role: AccountRole, needed: AccountRole) -> bool:
    """Whether ``role`` may do what ``needed`` may."""
    return ROLES.index(role) >= ROLES.index(needed)
