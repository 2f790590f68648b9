"""Settings of the web app, read from ``PARKPLAN_*`` environment variables.

Tokens are comma-separated lists (``PARKPLAN_OPERATOR_TOKENS=tok1,tok2``). Writes need an
operator token; reads need a viewer or operator token once viewer tokens are set, and are
public otherwise. :meth:`Settings.refuse_unsafe` stops a server that would accept writes from
anyone.

Forwarded client addresses (``X-Forwarded-For``) are trusted only from the proxies listed in
``PARKPLAN_TRUSTED_PROXIES`` (addresses or networks; none by default). Uploads are loaded one
at a time by default (``PARKPLAN_MAX_CONCURRENT_UPLOADS``), each in a child process limited to
``PARKPLAN_UPLOAD_MEMORY_MB`` of memory and ``PARKPLAN_UPLOAD_TIMEOUT_S`` of time.

A layer fetched from a web service (``POST /api/layers/service``) is read only from an https
URL whose host resolves to public addresses, unless the host is listed in
``PARKPLAN_SERVICE_HOSTS`` (host names or IP addresses, comma-separated; none by default),
and at most ``PARKPLAN_SERVICE_MAX_MB`` (default 100 MB) is read from it.

Sessions of signed-in accounts end after ``PARKPLAN_SESSION_IDLE_MINUTES`` without a request
and ``PARKPLAN_SESSION_MAX_HOURS`` in all; ``PARKPLAN_SECURE_COOKIES`` marks the cookie
``Secure`` even when the request does not look like https (behind a proxy that is not trusted
for ``X-Forwarded-Proto``).
"""

from __future__ import annotations

import ipaddress
import re
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
    auth_failures_per_window: Annotated[int, Field(ge=1, le=1000)] = 10
    auth_failure_window_s: Annotated[float, Field(gt=0, le=86_400)] = 60.0
    trusted_proxies: Annotated[list[str], NoDecode] = []
    max_concurrent_uploads: Annotated[int, Field(ge=1, le=64)] = 1
    upload_wait_s: Annotated[float, Field(ge=0, le=600)] = 30.0
    upload_memory_mb: Annotated[int, Field(ge=256, le=1_048_576)] = 2048
    upload_timeout_s: Annotated[float, Field(gt=0, le=86_400)] = 900.0
    service_hosts: Annotated[list[str], NoDecode] = []
    service_max_mb: Annotated[float, Field(gt=0, le=10_000)] = 100.0
    session_idle_minutes: Annotated[float, Field(gt=0, le=7 * 24 * 60)] = 120.0
    session_max_hours: Annotated[float, Field(gt=0, le=30 * 24)] = 12.0
    secure_cookies: bool = False

    @field_validator(
        "operator_tokens",
        "viewer_tokens",
        "cors_origins",
        "trusted_proxies",
        "service_hosts",
        mode="before",
    )
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

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses_or_networks(cls, proxies: list[str]) -> list[str]:
        return [proxy_network(proxy) for proxy in proxies]

    @field_validator("service_hosts")
    @classmethod
    def _host_names(cls, hosts: list[str]) -> list[str]:
        return [service_host(host) for host in hosts]

    @property
    def service_max_bytes(self) -> int:
        """The most a layer fetched from a web service may read, in bytes."""
        return int(self.service_max_mb * 1024 * 1024)

    @property
    def max_upload_bytes(self) -> int:
        """The largest accepted upload request, in bytes."""
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def upload_memory_bytes(self) -> int:
        """The address space one upload may add to its loading process, in bytes."""
        return self.upload_memory_mb * 1024 * 1024

    @property
    def reads_are_public(self) -> bool:
        """Reads need no token when no viewer token is configured."""
        return not self.viewer_tokens

    def refuse_unsafe(self) -> None:
        """Raise when writes are enabled but nobody could make them (the app calls this only
        for a study without accounts)."""
        if not self.read_only and not self.operator_tokens:
            raise ParkplanError(
                "writes are enabled but PARKPLAN_OPERATOR_TOKENS is empty; set an operator "
                "token, add an account ('parkplan users add') or serve with --read-only"
            )


def proxy_network(text: str) -> str:
    """``text`` as a normalised IP address or network (``10.0.0.0/8``); ``ValueError`` if not."""
    try:
        if "/" in text:
            return str(ipaddress.ip_network(text, strict=False))
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValueError(
            f"{text!r} is not an IP address or network; expected the reverse proxy's address "
            "or network, e.g. '10.0.0.5' or '10.0.0.0/24' (a wildcard is not accepted)"
        ) from None


_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*")


def service_host(text: str) -> str:
    """``text`` as a host the server may fetch web services from: a lower-case host name or a
    normalised IP address; ``ValueError`` for anything else (a URL, a port, a wildcard)."""
    host = text.strip().lower().removeprefix("[").removesuffix("]")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not _HOST_NAME.fullmatch(host.rstrip(".")):
        raise ValueError(
            f"{text!r} is not a host name or IP address; expected e.g. 'geo.example.org' or "
            "'10.0.0.7' in PARKPLAN_SERVICE_HOSTS (no scheme, port, path or wildcard)"
        )
    return host.rstrip(".")
