"""``X-Forwarded-For`` against the failed-login limit, on the real ``parkplan serve``.

uvicorn believes forwarded headers from loopback by default, so a client on 127.0.0.1 could
pick the address its failures were counted against: a fresh one per guess (never throttled),
or a victim's (locked out). ``parkplan serve`` believes them only from configured proxies.
The victim is a client connecting from 127.0.0.2 (Linux routes all of 127/8 to loopback).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from parkplan.study import Study, save_study
from parkplan.workspace import Workspace

OPERATOR = "operator-token-0123456789-fwd"
VIEWER = "viewer-token-0123456789-fwd"
WRONG = "wrong-token-0123456789-fwdxx"
VICTIM = "127.0.0.2"
LIMIT = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def can_connect_from(address: str) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("forwarded") / "study"
    root.mkdir()
    save_study(Study(name="Doorgestuurd"), root)
    Workspace.create(root)
    return root


@pytest.fixture
def serve(study, tmp_path):
    """Start ``parkplan serve STUDY *ARGS`` on a free port; the base URL."""
    servers: list[subprocess.Popen] = []

    def start(*args: str) -> str:
        port = free_port()
        env = os.environ | {
            "PARKPLAN_OPERATOR_TOKENS": OPERATOR,
            "PARKPLAN_VIEWER_TOKENS": VIEWER,
            "PARKPLAN_AUTH_FAILURES_PER_WINDOW": str(LIMIT),
        }
        env.pop("PARKPLAN_TRUSTED_PROXIES", None)
        command = [sys.executable, "-m", "parkplan", "serve", str(study), "--port", str(port)]
        log = (tmp_path / f"server-{port}.log").open("wb")
        servers.append(subprocess.Popen([*command, *args], env=env, stdout=log, stderr=log))
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, servers[-1])
        return base

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=30)


def wait_until_up(base: str, server: subprocess.Popen, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the server stopped with code {server.returncode}"
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("the server did not answer in time")


def client(base: str, source: str = "127.0.0.1") -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=base, transport=transport, timeout=30)


def read(http: httpx.Client, token: str, forwarded_for: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    return http.get("/api/layers", headers=headers).status_code


@pytest.mark.timeout(180)
def test_a_new_forwarded_address_per_guess_does_not_escape_the_limit(serve):
    base = serve()
    with client(base) as attacker:
        codes = [read(attacker, WRONG, f"203.0.113.{i}") for i in range(30)]
    assert codes[:LIMIT] == [401] * LIMIT
    assert codes[LIMIT:] == [429] * (30 - LIMIT)


@pytest.mark.timeout(180)
def test_a_forwarded_address_does_not_lock_out_that_client(serve):
    if not can_connect_from(VICTIM):
        pytest.skip(f"cannot connect from {VICTIM} on this system")
    base = serve()
    with client(base) as attacker:
        codes = [read(attacker, WRONG, VICTIM) for _ in range(LIMIT + 1)]
    assert codes == [401] * LIMIT + [429]  # the attacker blocked itself
    with client(base, VICTIM) as victim:
        assert read(victim, VIEWER) == 200


@pytest.mark.timeout(180)
def test_a_trusted_proxy_forwards_the_address_failures_count_against(serve):
    if not can_connect_from(VICTIM):
        pytest.skip(f"cannot connect from {VICTIM} on this system")
    base = serve("--trusted-proxy", "127.0.0.1")
    with client(base) as proxy:
        codes = [read(proxy, WRONG, "198.51.100.7") for _ in range(LIMIT + 1)]
        assert codes == [401] * LIMIT + [429]
        assert read(proxy, VIEWER, "198.51.100.7") == 429  # that client is blocked...
        assert read(proxy, VIEWER, "198.51.100.8") == 200  # ...not the proxy's other clients
    with client(base, VICTIM) as direct:  # not a trusted proxy: its header is ignored
        codes = [read(direct, WRONG, "198.51.100.8") for _ in range(LIMIT)]
        assert codes == [401] * LIMIT and read(direct, VIEWER) == 429
    with client(base) as proxy:
        assert read(proxy, VIEWER, "198.51.100.8") == 200
