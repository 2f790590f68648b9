"""Security pieces of the web app: token matching, failed-login limiting, response headers."""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

from pydantic import SecretStr
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: For HTML pages: the maps run inline Leaflet scripts and may load assets and tiles over https.
PAGE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https:; "
    "style-src 'self' 'unsafe-inline' https:; img-src 'self' data: blob: https:; "
    "font-src 'self' data: https:; connect-src 'self' https:; frame-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
#: For everything else (JSON): nothing may run or frame it.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
#: Past this many clients with recent failures, forget the ones whose window has passed.
MAX_TRACKED_CLIENTS = 10_000

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def security_headers(content_type: str | None) -> dict[str, str]:
    """The headers every response carries; the CSP depends on whether it is an HTML page."""
    is_page = (content_type or "").startswith("text/html")
    return COMMON_HEADERS | {"Content-Security-Policy": PAGE_CSP if is_page else API_CSP}


class SecurityHeadersMiddleware:
    """ASGI middleware adding :func:`security_headers` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in security_headers(headers.get("content-type")).items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def token_in(token: str, tokens: Iterable[SecretStr]) -> bool:
    """Whether ``token`` equals one of ``tokens``, compared in constant time each."""
    given = token.encode("utf-8")
    matches = [secrets.compare_digest(given, t.get_secret_value().encode("utf-8")) for t in tokens]
    return any(matches)


class FailureLimiter:
    """Count failed authentications per client in a sliding window.

    A client with ``max_failures`` failures in the last ``window_s`` seconds is blocked until
    the oldest of them leaves the window.
    """

    def __init__(
        self,
        max_failures: int,
        window_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after_s(self, client: str) -> float:
        """Seconds until ``client`` may try again (0 when it is not blocked)."""
        with self._lock:
            failures = self._recent(client)
            if len(failures) < self.max_failures:
                return 0.0
            return max(0.0, failures[0] + self.window_s - self._clock())

    def record(self, client: str) -> None:
        """Note one failed authentication by ``client``."""
        with self._lock:
            if len(self._failures) >= MAX_TRACKED_CLIENTS:
                for known in list(self._failures):
                    self._recent(known)
            self._recent(client)
            self._failures.setdefault(client, deque()).append(self._clock())

    def _recent(self, client: str) -> deque[float]:
        """The failures of ``client`` still in the window (forgetting the older ones)."""
        failures = self._failures.get(client, deque())
        oldest = self._clock() - self.window_s
        while failures and failures[0] <= oldest:
            failures.popleft()
        if not failures:
            self._failures.pop(client, None)
        return failures
