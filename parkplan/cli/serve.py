"""``parkplan serve``: the web app of a study (API, maps, report) with uvicorn."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from pydantic import ValidationError

from parkplan.cli import options
from parkplan.errors import ParkplanError

log = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "::1", "localhost")


def load_settings(*, read_only: bool):
    """The settings from ``PARKPLAN_*`` variables, ``--read-only`` taking precedence."""
    from parkplan.api.settings import Settings

    try:
        return Settings(read_only=True) if read_only else Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = f"PARKPLAN_{'_'.join(str(p) for p in first['loc']).upper()}"
        raise ParkplanError(f"{name}: {first['msg']}") from None


@click.command("serve")
@options.study_dir
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--read-only", is_flag=True, help="Switch off uploads and runs (they answer 403).")
def serve(study_dir: Path, host: str, port: int, read_only: bool) -> None:
    """Serve the API, the maps and the report of a study (docs at /docs).

    Tokens come from PARKPLAN_OPERATOR_TOKENS (writes) and PARKPLAN_VIEWER_TOKENS (reads;
    without them reads are public); send them as 'Authorization: Bearer TOKEN'.
    """
    import uvicorn

    from parkplan.api.main import create_app

    settings = load_settings(read_only=read_only)
    app = create_app(study_dir, settings)
    if host not in LOOPBACK and settings.reads_are_public:
        log.warning("serving on %s with public reads; set PARKPLAN_VIEWER_TOKENS to restrict", host)
    click.echo(f"serving {study_dir} on http://{host}:{port} (docs at /docs)")
    uvicorn.run(app, host=host, port=port, server_header=False, log_level="info")
