"""Safe extraction of zip archives into a private temporary folder.

Members are checked before anything is written: absolute names, ``..`` components and symbolic
links are refused (no "zip-slip"), and so are archives that would expand beyond
:class:`ArchiveLimits` (too many members, too large, or a compression ratio typical of a
"zip bomb"). Sizes are enforced on the bytes actually written, not only on what the archive
declares.
"""

from __future__ import annotations

import logging
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from geo.errors import LayerError

logger = logging.getLogger(__name__)

_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class ArchiveLimits:
    """What an archive may expand to.

    The compression ratio ``uncompressed / compressed`` is only judged once the archive expands
    to more than ``ratio_floor_bytes``: tiny archives cannot be bombs.
    """

    max_total_bytes: int = 2 * 1024**3
    max_ratio: float = 100.0
    max_members: int = 10_000
    ratio_floor_bytes: int = 1024**2


def _unsafe_reason(info: zipfile.ZipInfo) -> str | None:
    """Why a member may not be extracted, or ``None`` when it is safe."""
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in path.parts:
        return "a '..' component"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a symbolic link"
    return None


def check_members(archive: zipfile.ZipFile, source: Path, limits: ArchiveLimits) -> None:
    """Refuse unsafe member names and archives beyond ``limits``, before extracting anything."""
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise LayerError(
            f"archive {source.name} has {len(members)} members; expected at most "
            f"{limits.max_members}. Unpack it yourself and load the dataset it contains."
        )
    for info in members:
        reason = _unsafe_reason(info)
        if reason:
            raise LayerError(
                f"archive {source.name} has a member {info.filename!r} with {reason}; refusing to "
                "extract it. Repack the archive with plain relative member names."
            )
    total = sum(info.file_size for info in members)
    packed = sum(info.compress_size for info in members)
    if total > limits.max_total_bytes:
        raise LayerError(
            f"archive {source.name} expands to {total:,} bytes; expected at most "
            f"{limits.max_total_bytes:,}. Unpack it yourself and load the dataset directly."
        )
    if total > limits.ratio_floor_bytes and total > limits.max_ratio * max(packed, 1):
        raise LayerError(
            f"archive {source.name} has a compression ratio of {total / max(packed, 1):.0f}:1; "
            f"expected at most {limits.max_ratio:.0f}:1 (this looks like a zip bomb). "
            "Unpack it yourself if you trust it."
        )


def _copy_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Copy one member to ``target``; return the bytes written. Refuse to exceed ``budget``."""
    written = 0
    with archive.open(info) as src, open(target, "wb") as dst:
        while chunk := src.read(_CHUNK_BYTES):
            written += len(chunk)
            if written > budget:
                raise LayerError(
                    f"archive member {info.filename!r} expands beyond its declared size and the "
                    "archive's size limit; refusing it (corrupt archive or zip bomb)."
                )
            dst.write(chunk)
    return written


DEFAULT_LIMITS = ArchiveLimits()


def extract_zip(source: Path, folder: Path, *, limits: ArchiveLimits = DEFAULT_LIMITS) -> None:
    """Extract ``source`` into ``folder`` (which must exist), refusing anything unsafe."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise LayerError(
            f"{source.name} is not a readable zip archive ({exc}); expected a .zip file. "
            "Check that the download finished."
        ) from exc
    with archive:
        check_members(archive, source, limits)
        root = folder.resolve()
        budget = limits.max_total_bytes
        for info in archive.infolist():
            target = (root / info.filename).resolve()
            if not target.is_relative_to(root):  # belt and braces after the name checks
                raise LayerError(f"archive member {info.filename!r} escapes the folder; refusing.")
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                budget -= _copy_member(archive, info, target, budget)
            except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
                raise LayerError(
                    f"archive {source.name} is corrupt at member {info.filename!r} ({exc}); "
                    "download it again."
                ) from exc


@contextmanager
def extracted(source: Path, *, limits: ArchiveLimits = DEFAULT_LIMITS) -> Iterator[Path]:
    """Extract ``source`` into a private temporary folder, yield it, and remove it afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="layer-archive-"))
    try:
        extract_zip(source, folder, limits=limits)
        logger.debug("extracted %s into %s", source, folder)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
