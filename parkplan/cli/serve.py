"""``parkplan serve``: the web app of a study (API, maps, report) with uvicorn.

uvicorn reads ``X-Forwarded-For`` only from the proxies given by ``--trusted-proxy`` or
``PARKPLAN_TRUSTED_PROXIES``; without them it ignores the header, so a client cannot choose the
address its failed logins are counted against.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TypedDict

import click
from pydantic import ValidationError

from parkplan.cli import options
from parkplan.errors import ParkplanError

log = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "::1", "localhost")


class _Overrides(TypedDict, total=False):
    """The settings the command's options give (``trusted_proxies`` as its variable's text)."""

    read_only: bool
    trusted_proxies: str


class ProxyOptions(TypedDict, total=False):
    """uvicorn's options for the forwarded headers."""

    proxy_headers: bool
    forwarded_allow_ips: list[str]


def load_settings(*, read_only: bool, trusted_proxies: str | None = None):
    """The settings from ``PARKPLAN_*`` variables, the command's options taking precedence."""
    from parkplan.api.settings import Settings

    overrides: _Overrides = {"read_only": True} if read_only else {}
    if trusted_proxies is not None:
        overrides["trusted_proxies"] = trusted_proxies
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = f"PARKPLAN_{'_'.join(str(p) for p in first['loc']).upper()}"
        raise ParkplanError(f"{name}: {first['msg']}") from None


@click.command("serve")
@options.study_dir
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--read-only", is_flag=True, help="Switch off uploads and runs (they answer 403).")
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    metavar="IP[,NETWORK...]",
    default=None,
    help="Reverse proxies whose X-Forwarded-For is believed (default: "
    "PARKPLAN_TRUSTED_PROXIES, else none).",
)
def serve(
    study_dir: Path, host: str, port: int, read_only: bool, trusted_proxies: str | None
) -> None:
    """Serve the API, the maps and the report of a study (docs at /docs).

    Tokens come from PARKPLAN_OPERATOR_TOKENS (writes) and PARKPLAN_VIEWER_TOKENS (reads;
    without them, and without accounts, reads are public); send them as 'Authorization: Bearer
    TOKEN'. People with an account ('parkplan users') sign in at /login.
    """
    import uvicorn

    from parkplan.api.main import create_app

    settings = load_settings(read_only=read_only, trusted_proxies=trusted_proxies)
    app = create_app(study_dir, settings)
    if host not in LOOPBACK and app.state.context.reads_are_public():
        log.warning(
            "serving on %s with public reads; set PARKPLAN_VIEWER_TOKENS or add accounts "
            "('parkplan users add') to restrict",
            host,
        )
    click.echo(f"serving {study_dir} on http://{host}:{port} (docs at /docs)")
    uvicorn.run(
        app,
        host=host,
        port=port,
        server_header=False,
        log_level="info",
        **proxy_options(settings.trusted_proxies),
    )


def proxy_options(trusted_proxies: list[str]) -> ProxyOptions:
    """uvicorn's options: forwarded headers off, or believed from ``trusted_proxies`` only."""
    if not trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": list(trusted_proxies)}
