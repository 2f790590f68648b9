"""Which hosts a service fetch may reach: the guard of a server that fetches URLs for clients.

A server that loads a layer from a URL its client names must not become the client's way into
the server's own network (server-side request forgery). :class:`HostPolicy` allows a URL when

* its host is listed (the operator's own services): http or https, at any address; or
* it is https and every address its host name resolves to is public: not private, loopback,
  link-local, multicast, reserved, shared or unspecified (an IPv4 address inside an IPv6 one
  is judged as IPv4).

The name is resolved once per request and the connection goes to the address that was checked
(:meth:`HostPolicy.address`: the first, IPv4 before IPv6), so a second answer of the name
server cannot send it elsewhere (DNS rebinding). Redirects and paging links are checked the
same way, request by request.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from geo.errors import LayerError

__all__ = ["HostPolicy", "HostRefusedError", "address_kind", "normal_host"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class HostRefusedError(LayerError):
    """A service URL whose scheme, host or addresses the :class:`HostPolicy` refuses."""


def normal_host(host: str) -> str:
    """A host name or IP address as it is compared: lower case, an IP address normalised
    (``::1`` for ``0:0::1``), IPv6 without brackets."""
    text = host.strip().lower().removeprefix("[").removesuffix("]")
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text.rstrip(".")


def address_kind(address: IPAddress) -> str | None:
    """Why ``address`` is not public (``"loopback"``, ``"private"``...), ``None`` if it is."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if inner is not None:
            return address_kind(inner)
    for kind in ("unspecified", "loopback", "link_local", "multicast", "reserved", "private"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if address.is_global else "non-public"


@dataclass(frozen=True)
class HostPolicy:
    """The hosts a fetch may reach: ``allowed`` (normalised by :func:`normal_host`) at any
    address and over http too, others over https at public addresses only. ``how_to_allow``
    ends a refusal (e.g. which setting lists hosts)."""

    allowed: frozenset[str] = frozenset()
    how_to_allow: str = "use a public https service"

    @classmethod
    def of(cls, hosts: list[str] | tuple[str, ...], how_to_allow: str) -> HostPolicy:
        return cls(frozenset(normal_host(h) for h in hosts), how_to_allow)

    def address(self, url: str, what: str) -> str:
        """The address to connect to for ``url`` (the first its host resolves to); raises
        :class:`HostRefusedError` (one line naming ``what``) when the policy refuses it."""
        parts = urlsplit(url)
        host = normal_host(parts.hostname or "")
        listed = host in self.allowed
        if parts.scheme.lower() != "https" and not listed:
            raise HostRefusedError(
                f"the {what} URL {_origin(url)!r} is not https; expected an https URL (this "
                f"server fetches from other hosts over https only); {self.how_to_allow}."
            )
        addresses = _resolved(host, parts, what)
        if not listed:
            self._refuse_internal(host, addresses, what)
        return str(addresses[0])

    def _refuse_internal(self, host: str, addresses: list[IPAddress], what: str) -> None:
        for address in addresses:
            kind = address_kind(address)
            if kind is None:
                continue
            article = "an" if kind[0] in "aeiou" else "a"
            raise HostRefusedError(
                f"the host {host!r} of the {what} URL is at {address}, {article} {kind} "
                "address; expected a public address (this server does not fetch from its own "
                f"network); {self.how_to_allow}."
            )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{parts.path}"


def _resolved(host: str, parts: SplitResult, what: str) -> list[IPAddress]:
    """Every address of ``host`` (an IP address stands for itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:
        raise HostRefusedError(
            f"the host {host!r} of the {what} URL cannot be resolved ({exc}); expected a "
            "host name the server's name service knows; check the URL."
        ) from exc
    found = sorted(found, key=lambda info: info[0] != socket.AF_INET)  # IPv4 first
    addresses = list(dict.fromkeys(_ip(str(info[4][0])) for info in found))  # AF_INET(6): str
    if not addresses:
        raise HostRefusedError(f"the host {host!r} of the {what} URL has no address.")
    return addresses


def _ip(text: str) -> IPAddress:
    return ipaddress.ip_address(text.split("%")[0])  # without an IPv6 zone
