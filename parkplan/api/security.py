"""Security pieces of the web app: token matching, failed-login limiting, response headers."""

from __future__ import annotations

import bisect
import ipaddress
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from pydantic import SecretStr
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: For HTML pages: every script, style and font comes from the app itself (``/assets/``, and
#: the maps' inline scripts); only images (background tiles) may come from elsewhere over https.
PAGE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
#: For everything else (JSON): nothing may run or frame it.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
#: The most clients (addresses or IPv6 networks) with recent failures the limiter remembers.
MAX_TRACKED_CLIENTS = 10_000
#: IPv6 clients are counted per network of this prefix length (one subscriber's usual share).
IPV6_PREFIX_LENGTH = 64
#: A client that is no IP address (a proxy's odd header, a test client) is cut to this length.
MAX_KEY_LENGTH = 100

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
    """Count failed authentications per client in a sliding window, in bounded memory and time.

    A client with ``max_failures`` failures in the last ``window_s`` seconds is blocked until
    the oldest of them leaves the window. Clients are keyed by :func:`client_key`: an IPv4
    address, or the /64 network of an IPv6 address (one subscriber usually holds a whole /64,
    so counting single IPv6 addresses would hand one attacker 2^64 fresh clients).

    Memory: at most ``capacity`` clients, each with at most its latest ``max_failures``
    timestamps (in time order). Time: the table is ordered by each client's latest failure. A
    failure moves its client to the end, forgets from the front the clients whose latest
    failure has left the window (each client once: amortised O(1)), then, if the table is over
    ``capacity``, evicts the front one, the least recently failed client (O(1)). A check looks
    at one client only.

    Eviction: the least recently failed client goes first, so a blocked client is forgotten
    only once ``capacity`` other clients (addresses or /64 networks) have failed after it, all
    within one window. An attacker with fewer addresses than that gets at most
    ``max_failures`` guesses per address per window; one with more can cycle through them
    faster than the table remembers them. Bounding that as well would mean blocking clients
    that never failed, which the limiter refuses to do; tokens of 16 or more random characters
    keep such guessing hopeless. ``touched`` counts the clients visited by :meth:`record`.
    """

    def __init__(
        self,
        max_failures: int,
        window_s: float,
        *,
        capacity: int = MAX_TRACKED_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.capacity = capacity
        self.touched = 0
        self._clock = clock
        self._failures: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many clients the limiter remembers."""
        return len(self._failures)

    def retry_after_s(self, client: str) -> float:
        """Seconds until ``client`` may try again (0 when it is not blocked)."""
        key = client_key(client)
        with self._lock:
            failures = self._failures.get(key)
            if failures is None:
                return 0.0
            now = self._clock()
            del failures[: bisect.bisect_right(failures, now - self.window_s)]
            if not failures:
                del self._failures[key]
            if len(failures) < self.max_failures:
                return 0.0
            return max(0.0, failures[0] + self.window_s - now)

    def record(self, client: str) -> None:
        """Note one failed authentication by ``client``."""
        key = client_key(client)
        with self._lock:
            now = self._clock()
            failures = self._failures.get(key)
            if failures is None:
                failures = self._failures[key] = []
            else:
                self._failures.move_to_end(key)
            failures.append(now)
            del failures[: -self.max_failures]
            self.touched += 1
            self._forget_expired(now)
            while len(self._failures) > self.capacity:
                self._failures.popitem(last=False)
                self.touched += 1

    def _forget_expired(self, now: float) -> None:
        """Drop the clients at the front whose latest failure has left the window."""
        oldest = now - self.window_s
        while self._failures:
            first = next(iter(self._failures.values()))
            if first and first[-1] > oldest:
                return
            self._failures.popitem(last=False)
            self.touched += 1


def client_key(address: str) -> str:
    """What failures are counted against: an IPv4 address, an IPv6 /64 network, else the text.

    An IPv4 address mapped into IPv6 (``::ffff:192.0.2.1``) counts as the IPv4 address.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address[:MAX_KEY_LENGTH]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX_LENGTH), strict=False))
    return str(ip)
