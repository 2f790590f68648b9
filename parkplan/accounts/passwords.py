"""Passwords hashed with argon2id (``argon2-cffi``), never stored or compared as text.

:class:`Passwords` verifies a password against its stored hash and says when the hash was made
with other parameters than today's, so that a successful sign-in can store a new one. A sign-in
for an unknown account verifies against a dummy hash, so that it takes as long as a wrong
password and the answer's timing does not tell whether the account exists.
"""

from __future__ import annotations

import base64
import secrets
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import ARGON2_VERSION


class Passwords:
    """Hash and verify passwords with ``hasher`` (argon2id with the library's RFC 9106
    defaults unless another one is given)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher if hasher is not None else PasswordHasher()

    def hash(self, password: str) -> str:
        """The encoded argon2 hash of ``password`` (salt and parameters included)."""
        return self.hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``password_hash``; ``False`` for a damaged hash."""
        try:
            return self.hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether ``password_hash`` was made with other parameters than this hasher's."""
        try:
            return self.hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def verify_nothing(self, password: str) -> None:
        """Spend the time of one verification, for a sign-in with an unknown name."""
        self.verify(self._dummy_hash, password)

    @cached_property
    def _dummy_hash(self) -> str:
        """A hash with this hasher's parameters that no password matches (random salt and
        digest: made without hashing anything)."""
        h = self.hasher
        salt, digest = _b64(secrets.token_bytes(h.salt_len)), _b64(secrets.token_bytes(h.hash_len))
        return (
            f"$argon2{h.type.name.lower()}$v={ARGON2_VERSION}$m={h.memory_cost},"
            f"t={h.time_cost},p={h.parallelism}${salt}${digest}"
        )


def _b64(data: bytes) -> str:
    """Base64 without padding, as argon2's encoded hashes write salts and digests."""
    return base64.b64encode(data).decode("ascii").rstrip("=")
