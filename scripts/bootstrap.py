#!/usr/bin/env python3
"""Set up parkplan's environment: ``.venv`` with the locked dependencies and the web assets.

Needs only Python 3.11+. Creates ``.venv`` in the repository root, installs the pinned ``uv``
into it, then ``uv sync --locked`` installs exactly what ``uv.lock`` records; with npm present,
``parkplan assets fetch`` puts the web assets (Leaflet, plugins, Swagger UI, ReDoc) into
``.venv/share/parkplan/assets``. Re-running it is cheap: nothing is installed again while
``uv.lock`` and ``pyproject.toml`` are unchanged and the assets are in place.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

UV_VERSION = "0.13.9"
ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".parkplan-sync"


def lock_digest() -> str:
    """SHA-256 of the files that decide what gets installed."""
    digest = hashlib.sha256(UV_VERSION.encode())
    for name in ("pyproject.toml", "uv.lock"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def run(*command: object) -> None:
    subprocess.run([str(part) for part in command], check=True, cwd=ROOT)


def install_web_assets() -> None:
    """Put the web assets (Leaflet and its plugins, Swagger UI, ReDoc) into the installation
    through npm, so that maps and pages work with no internet; fetched once."""
    if shutil.which("npm") is None:
        print("npm not found: web assets not installed; maps will load Leaflet from the web")
        return
    done = subprocess.run([str(VENV / "bin" / "parkplan"), "assets", "fetch"], cwd=ROOT)
    if done.returncode != 0:
        print("web assets could not all be fetched; run '.venv/bin/parkplan assets fetch' later")


def main() -> int:
    if sys.version_info < (3, 11):
        print(f"parkplan needs Python 3.11 or newer; this is {sys.version.split()[0]}")
        return 2
    python = VENV / "bin" / "python"
    uv = VENV / "bin" / "uv"
    if not python.exists():
        print("creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    if not uv.exists():
        run(python, "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}")
    wanted = lock_digest()
    if not (STAMP.exists() and STAMP.read_text() == wanted):
        print("installing the locked dependencies into .venv ...", flush=True)
        os.environ["UV_PROJECT_ENVIRONMENT"] = str(VENV)
        run(uv, "sync", "--locked", "--quiet")
        STAMP.write_text(wanted)
    install_web_assets()
    return 0


if __name__ == "__main__":
    sys.exit(main())
