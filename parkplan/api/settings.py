"""Settings of the web app, read from ``PARKPLAN_*`` environment variables.

Tokens are comma-separated lists (``PARKPLAN_OPERATOR_TOKENS=tok1,tok2``). Writes need an
operator token; reads need a viewer or operator token once viewer tokens are set, and are
public otherwise. :meth:`Settings.refuse_unsafe` stops a server that would accept writes from
anyone.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from parkplan.errors import ParkplanError

MIN_TOKEN_LENGTH = 16

TokenList = Annotated[list[SecretStr], NoDecode]


class Settings(BaseSettings):
    """What the server allows, and to whom."""

    model_config = SettingsConfigDict(env_prefix="PARKPLAN_", frozen=True, extra="ignore")

    operator_tokens: TokenList = []
    viewer_tokens: TokenList = []
    read_only: bool = False
    max_upload_mb: Annotated[float, Field(gt=0, le=10_000)] = 200.0
    max_json_body_kb: Annotated[int, Field(gt=0, le=100_000)] = 64
    max_raster_cells: Annotated[int, Field(gt=0, le=2**32)] = 400_000_000
    cors_origins: Annotated[list[str], NoDecode] = []
    auth_failures_per_window: Annotated[int, Field(ge=1)] = 10
    auth_failure_window_s: Annotated[float, Field(gt=0)] = 60.0

    @field_validator("operator_tokens", "viewer_tokens", "cors_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("operator_tokens", "viewer_tokens")
    @classmethod
    def _long_enough(cls, tokens: list[SecretStr]) -> list[SecretStr]:
        if any(len(token.get_secret_value()) < MIN_TOKEN_LENGTH for token in tokens):
            raise ValueError(
                f"every token needs at least {MIN_TOKEN_LENGTH} characters; generate one with "
                "'python -c \"import secrets; print(secrets.token_urlsafe(32))\"'"
            )
        return tokens

    @property
    def max_upload_bytes(self) -> int:
        """The largest accepted upload request, in bytes."""
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def reads_are_public(self) -> bool:
        """Reads need no token when no viewer token is configured."""
        return not self.viewer_tokens

    def refuse_unsafe(self) -> None:
        """Raise when writes are enabled but nobody could be an operator."""
        if not self.read_only and not self.operator_tokens:
            raise ParkplanError(
                "writes are enabled but PARKPLAN_OPERATOR_TOKENS is empty; set an operator "
                "token or serve with --read-only"
            )
