"""The real ``parkplan serve`` in a subprocess on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(base: str, server: subprocess.Popen, timeout_s: float = 90) -> None:
    """Wait until ``base/api/health`` answers; fail if the server stops first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the server stopped with code {server.returncode}"
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("the server did not answer in time")


@contextmanager
def served(
    study: Path, *args: str, env: Mapping[str, str] | None = None, log: Path | None = None
) -> Iterator[str]:
    """``parkplan serve STUDY *ARGS`` running on a free port; yields its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "parkplan", "serve", str(study), "--port", str(port), *args]
    output = open(log, "wb") if log is not None else subprocess.DEVNULL  # noqa: SIM115
    server = subprocess.Popen(
        command, env=os.environ | dict(env or {}), stdout=output, stderr=output
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        if log is not None:
            output.close()


def offline_page(browser, base: str, size: tuple[int, int], *, token: str | None = None):
    """A page of ``size`` (with the bearer ``token`` if given), every request outside ``base``
    aborted, and the console errors, page errors and dialogs (dismissed) it records."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    context = browser.new_context(
        viewport={"width": size[0], "height": size[1]}, extra_http_headers=headers
    )
    page = context.new_page()
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith((base, "data:", "about:", "blob:"))
            else route.abort()
        ),
    )
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    return context, page, problems
