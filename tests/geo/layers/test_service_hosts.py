"""The hosts a server may fetch web services from (:mod:`geo.layers.service_hosts`); no
request is sent: IP addresses and ``localhost`` (from ``/etc/hosts``) need no name server."""

from __future__ import annotations

import ipaddress

import pytest

from geo.layers.service_hosts import HostPolicy, HostRefusedError, address_kind, normal_host

POLICY = HostPolicy.of(["Geo.Intranet.example", "10.0.0.7", "[::1]"], "list it")


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),  # shared address space (carrier-grade NAT)
        ("192.0.2.1", "private"),  # documentation
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
    ],
)
def test_only_public_addresses_pass(address, kind):
    assert address_kind(ipaddress.ip_address(address)) == kind


def test_hosts_are_compared_normalised():
    assert normal_host("[0:0::1]") == "::1" and normal_host("Geo.Example.ORG.") == "geo.example.org"
    assert POLICY.allowed == {"geo.intranet.example", "10.0.0.7", "::1"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://8.8.8.8/wfs", "is not https; expected an https URL"),
        ("https://127.0.0.1/wfs", "is at 127.0.0.1, a loopback address"),
        ("https://localhost:8443/ogc", "'localhost' of the WFS 2.0 URL is at 127.0.0.1"),
        ("https://[::ffff:10.0.0.1]/wfs", "a private address"),
        ("https://10.0.0.8/wfs", "is at 10.0.0.8, a private address"),
    ],
)
def test_a_refusal_is_one_line_saying_how_to_allow(url, expected):
    with pytest.raises(HostRefusedError) as raised:
        POLICY.address(url, "WFS 2.0")
    message = str(raised.value)
    assert expected in message and message.endswith("; list it.") and "\n" not in message


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://8.8.8.8/wfs", "8.8.8.8"),
        ("http://10.0.0.7:8080/wfs", "10.0.0.7"),  # listed: http and a private address
        ("http://[::1]:8080/wfs", "::1"),
    ],
)
def test_an_allowed_url_gives_the_address_to_connect_to(url, address):
    assert POLICY.address(url, "WFS 2.0") == address


def test_a_listed_name_is_resolved_once_to_the_address_used():
    assert HostPolicy.of(["localhost"], "list it").address("http://LOCALHOST/x", "WFS") in (
        "127.0.0.1",
        "::1",
    )
