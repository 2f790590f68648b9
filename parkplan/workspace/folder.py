"""The files of a workspace folder: new stored files claimed by their load, and the collection
of the files that an interrupted load left behind.

Layout of ``STUDY/workspace/``::

    layers/NAME-ID.gpkg   one GeoPackage per vector layer (the folder store)
    rasters/NAME-ID.tif   one Cloud-Optimised GeoTIFF per raster, in its own CRS (every store)
    cache/                rasters aligned on a study grid, rebuilt on demand

The ``ID`` in file names makes a replaced layer's new file distinct from the old one until the
catalogue commits. A load claims its new file (a lock on ``NAME-ID.gpkg.loading``) until it
ends; a file that the store does not reference and no load claims was left by a process killed
mid-load, and is collected under the study's lock.
"""

from __future__ import annotations

import logging
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from geo.atomic import remove_quietly
from geo.layers.provenance import LayerInfo

logger = logging.getLogger(__name__)

WORKSPACE_DIR = "workspace"
#: Where each kind of layer is stored in the workspace folder, and as what.
STORAGE = {"vector": "layers", "raster": "rasters"}
SUFFIX = {"vector": ".gpkg", "raster": ".tif"}
CACHE_DIR = "cache"
CLAIM_SUFFIX = ".loading"
#: The ``NAME-ID`` stem of a stored file, and of its side, staging, temporary and claim files.
STORED_STEM = re.compile(r"^\.?([a-z][a-z0-9_]{0,62}-[0-9a-f]{8})(?=\.|$)")


@contextmanager
def new_file(folder: Path, kind: str, name: str) -> Iterator[Path]:
    """A new, unused path in ``folder`` for the stored file of a layer of ``kind``, claimed
    by this load; the file is removed when the block fails, the claim given up when it ends."""
    storage = folder / STORAGE[kind]
    storage.mkdir(exist_ok=True)
    stored = storage / f"{name}-{secrets.token_hex(4)}{SUFFIX[kind]}"
    try:
        with filelock.FileLock(_claim_of(stored)):
            try:
                yield stored
            except BaseException:
                remove_quietly(stored)
                raise
    finally:
        _claim_of(stored).unlink(missing_ok=True)


def relative(folder: Path, path: Path) -> str:
    """``path`` as :attr:`LayerInfo.stored` records it: relative to ``folder``, with ``/``."""
    return path.relative_to(folder).as_posix()


def collect_garbage(folder: Path, referenced: set[str]) -> None:
    """Remove the stored files of ``folder`` that are not ``referenced`` (by name) and that no
    load claims. The study's lock must be held, so that no load commits meanwhile."""
    for kind, storage_name in STORAGE.items():
        storage = folder / storage_name
        if not storage.is_dir():
            continue
        matches = (STORED_STEM.match(path.name) for path in storage.iterdir())
        for stem in sorted({match[1] for match in matches if match}):
            if f"{stem}{SUFFIX[kind]}" not in referenced:
                _collect_unclaimed(storage / f"{stem}{SUFFIX[kind]}")


def forget_cached(folder: Path, info: LayerInfo) -> None:
    """Remove the cached rasters made from the layer of ``info``."""
    cache = folder / CACHE_DIR
    if cache.is_dir():
        for path in cache.rglob(f"{info.name}-*"):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                remove_quietly(path)


def _claim_of(stored: Path) -> Path:
    return stored.with_name(stored.name + CLAIM_SUFFIX)


def _collect_unclaimed(stored: Path) -> None:
    """Remove ``stored`` with its side files unless a load in progress claims it."""
    claim = filelock.FileLock(_claim_of(stored))
    try:
        claim.acquire(timeout=0)
    except filelock.Timeout:
        return
    try:
        stem = stored.name.removesuffix(stored.suffix)
        for path in [*stored.parent.glob(f"{stem}.*"), *stored.parent.glob(f".{stem}.*")]:
            if path.name != _claim_of(stored).name:
                remove_quietly(path)
        logger.warning("removed %s, left behind by an interrupted load", stored)
    finally:
        claim.release()
        _claim_of(stored).unlink(missing_ok=True)
