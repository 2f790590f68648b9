"""Writing a file without ever leaving a half-written one: the one atomic writer of parkplan.

Everything is written to a temporary file in the target's own folder (same file system) and
moved into place with :func:`os.replace`, which is atomic: a reader sees the old file or the
new one, never a part. On failure the temporary file (and any SQLite side files) is removed.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from geo.errors import LayerError

logger = logging.getLogger(__name__)

_SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def temporary_sibling(target: Path) -> Path:
    """A fresh hidden name beside ``target`` that keeps its extension (drivers look at it)."""
    return target.with_name(f".{target.stem}.{secrets.token_hex(6)}.tmp{target.suffix}")


def remove_quietly(path: Path) -> None:
    """Remove ``path`` and its SQLite side files, ignoring any that do not exist."""
    for candidate in (path, *(path.with_name(path.name + s) for s in _SIDE_SUFFIXES)):
        try:
            candidate.unlink(missing_ok=True)
        except OSError:
            logger.warning("could not remove %s", candidate)


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` when the block succeeds.

    The block must create the file at the yielded path. On any exception the temporary file is
    removed and ``target`` is left as it was.
    """
    target = Path(target)
    temporary = temporary_sibling(target)
    try:
        yield temporary
        if not temporary.exists():
            raise LayerError(f"nothing was written for {target.name}; expected a file.")
        os.replace(temporary, target)
    finally:
        remove_quietly(temporary)


def write_atomically(target: Path, content: bytes | str) -> Path:
    """Write ``content`` (text as UTF-8) to ``target`` through :func:`atomic_path`, flushed to
    disk before the rename, so ``target`` holds the old bytes or all of the new ones."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with atomic_path(Path(target)) as temporary, open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return Path(target)
