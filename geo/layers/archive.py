"""Safe extraction of zip archives into a private temporary folder.

Members are checked before anything is written: absolute names, ``..`` components and symbolic
links are refused (no "zip-slip"), and so are archives that would expand beyond
:class:`ArchiveLimits` (too many members, too large, a compression ratio typical of a "zip
bomb", or members whose compressed data overlap, which only bombs do). Only the members asked
for are extracted (a dataset's own files), and the sizes are enforced again on the bytes
actually written: never more than ``max_ratio`` times the compressed bytes of the members
written so far (beyond ``ratio_floor_bytes``), nor than :func:`budget_bytes`.
"""

from __future__ import annotations

import logging
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Collection, Iterator
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


DEFAULT_LIMITS = ArchiveLimits()


def budget_bytes(archive_bytes: int, limits: ArchiveLimits) -> int:
    """The most an archive of ``archive_bytes`` may write: its size at ``max_ratio`` plus the
    floor, and never more than ``max_total_bytes``."""
    ratio_bound = limits.ratio_floor_bytes + limits.max_ratio * archive_bytes
    return int(min(limits.max_total_bytes, ratio_bound))


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
    """Refuse too many members and unsafe member names, before extracting anything."""
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


def check_sizes(members: list[zipfile.ZipInfo], source: Path, limits: ArchiveLimits) -> None:
    """Refuse ``members`` whose declared sizes exceed ``limits``, before extracting them."""
    total = sum(info.file_size for info in members)
    packed = sum(info.compress_size for info in members)
    archive_bytes = source.stat().st_size
    if packed > archive_bytes:
        raise LayerError(
            f"archive {source.name} declares {packed:,} compressed bytes in a file of "
            f"{archive_bytes:,}: its members overlap (a zip bomb construction); expected members "
            "stored one after the other. Repack the archive."
        )
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


def _copy_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, allowance: int
) -> int:
    """Copy one member to ``target``; return the bytes written. Refuse to exceed ``allowance``."""
    written = 0
    with archive.open(info) as src, open(target, "wb") as dst:
        while chunk := src.read(_CHUNK_BYTES):
            written += len(chunk)
            if written > allowance:
                raise LayerError(
                    f"archive member {info.filename!r} expands beyond {allowance:,} bytes, more "
                    "than its compressed size allows; refusing it (a corrupt archive or a zip "
                    "bomb). Repack the archive."
                )
            dst.write(chunk)
    return written


def _open_zip(source: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise LayerError(
            f"{source.name} is not a readable zip archive ({exc}); expected a .zip file. "
            "Check that the download finished."
        ) from exc


def archive_members(source: Path, *, limits: ArchiveLimits = DEFAULT_LIMITS) -> list[str]:
    """The names of the files in ``source``, once its member count and names are checked."""
    with _open_zip(source) as archive:
        check_members(archive, source, limits)
        return [info.filename for info in archive.infolist() if not info.is_dir()]


def _write(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], root: Path, limits: ArchiveLimits
) -> None:
    """Write ``members`` under ``root``, within the ratio and the budget (module docstring)."""
    assert archive.filename is not None  # opened from a file
    source = Path(archive.filename)
    budget = budget_bytes(source.stat().st_size, limits)
    written = packed = 0
    for info in members:
        target = (root / info.filename).resolve()
        if not target.is_relative_to(root):  # belt and braces after the name checks
            raise LayerError(f"archive member {info.filename!r} escapes the folder; refusing.")
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        packed += info.compress_size
        allowance = int(min(budget, max(limits.ratio_floor_bytes, limits.max_ratio * packed)))
        try:
            written += _copy_member(archive, info, target, allowance - written)
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
            raise LayerError(
                f"archive {source.name} is corrupt at member {info.filename!r} "
                f"({' '.join(str(exc).split())}); download it again."
            ) from exc


def extract_zip(
    source: Path,
    folder: Path,
    *,
    members: Collection[str] | None = None,
    limits: ArchiveLimits = DEFAULT_LIMITS,
) -> None:
    """Extract ``members`` of ``source`` (default: all) into ``folder`` (which must exist),
    refusing anything unsafe."""
    with _open_zip(source) as archive:
        check_members(archive, source, limits)
        wanted = None if members is None else set(members)
        chosen = [i for i in archive.infolist() if wanted is None or i.filename in wanted]
        check_sizes(chosen, source, limits)
        _write(archive, chosen, folder.resolve(), limits)


@contextmanager
def extracted(
    source: Path,
    *,
    members: Collection[str] | None = None,
    limits: ArchiveLimits = DEFAULT_LIMITS,
) -> Iterator[Path]:
    """Extract ``members`` of ``source`` (default: all) into a private temporary folder, yield
    it, and remove it afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="layer-archive-"))
    try:
        extract_zip(source, folder, members=members, limits=limits)
        logger.debug("extracted %s into %s", source, folder)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
