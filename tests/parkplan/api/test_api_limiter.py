"""The failed-login limiter: bounded memory and work per failure, eviction policy, client keys."""

from __future__ import annotations

import ipaddress

import pytest

from parkplan.api.security import MAX_TRACKED_CLIENTS, FailureLimiter, client_key

CLIENTS = 100_000


def ipv4(i: int) -> str:
    return str(ipaddress.IPv4Address(0x0A00_0000 + i))


def test_many_failing_clients_keep_the_table_at_its_cap_and_a_failure_cheap():
    limiter = FailureLimiter(10, 60.0, clock=lambda: 0.0)
    for i in range(CLIENTS):
        limiter.record(ipv4(i))
    assert len(limiter) == MAX_TRACKED_CLIENTS
    assert limiter.touched <= 2 * CLIENTS  # each failure: its client, at most one eviction
    before = limiter.touched
    limiter.record("192.0.2.1")
    assert limiter.touched - before <= 2
    assert len(limiter) == MAX_TRACKED_CLIENTS


def test_expired_clients_are_forgotten_in_amortised_constant_work():
    now = [0.0]
    limiter = FailureLimiter(10, 60.0, clock=lambda: now[0])
    for i in range(CLIENTS):
        now[0] = i * 0.01  # 100 new clients a second: 6,000 within any window
        limiter.record(ipv4(i))
    assert len(limiter) <= 6_001
    assert limiter.touched <= 2 * CLIENTS  # each client entered once and left at most once
    before, remembered = limiter.touched, len(limiter)
    now[0] += 61.0
    limiter.record("192.0.2.1")
    assert len(limiter) == 1
    assert limiter.touched - before == remembered + 1  # the expired ones, and nothing more


def test_a_blocked_client_outlives_fewer_new_clients_than_the_cap():
    limiter = FailureLimiter(3, 60.0, capacity=100, clock=lambda: 0.0)
    for _ in range(3):
        limiter.record("198.51.100.7")
    assert limiter.retry_after_s("198.51.100.7") == 60.0
    for i in range(99):
        limiter.record(ipv4(i))
    assert limiter.retry_after_s("198.51.100.7") == 60.0
    limiter.record(ipv4(99))  # the 100th newer client evicts the least recently failed
    assert limiter.retry_after_s("198.51.100.7") == 0.0
    assert len(limiter) == 100


def test_a_client_keeps_at_most_max_failures_timestamps():
    limiter = FailureLimiter(3, 60.0, clock=lambda: 0.0)
    for _ in range(50):
        limiter.record("198.51.100.7")
    assert len(limiter._failures[client_key("198.51.100.7")]) == 3


def test_ipv6_clients_are_counted_per_64_network():
    limiter = FailureLimiter(3, 60.0, clock=lambda: 0.0)
    for host in ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:2:abcd:1:2:3"):
        limiter.record(host)
    assert limiter.retry_after_s("2001:db8:1:2::42") == 60.0
    assert limiter.retry_after_s("2001:db8:1:3::1") == 0.0
    assert len(limiter) == 1


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("2001:db8::1", "2001:db8::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("testclient", "testclient"),
        ("x" * 500, "x" * 100),
    ],
)
def test_client_key(address, key):
    assert client_key(address) == key
