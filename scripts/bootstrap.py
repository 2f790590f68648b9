#!/usr/bin/env python3
"""Set up parkplan's environment: ``.venv`` with the locked dependencies.

Needs only Python 3.11+. Creates ``.venv`` in the repository root, installs the pinned ``uv``
into it, then ``uv sync --locked`` installs exactly what ``uv.lock`` records. Re-running it is
cheap: nothing is done while ``uv.lock`` and ``pyproject.toml`` are unchanged.
"""

from __future__ import annotations

import hashlib
import os
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
    if STAMP.exists() and STAMP.read_text() == wanted:
        return 0
    print("installing the locked dependencies into .venv ...", flush=True)
    os.environ["UV_PROJECT_ENVIRONMENT"] = str(VENV)
    run(uv, "sync", "--locked", "--quiet")
    STAMP.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
