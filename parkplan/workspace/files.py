"""The folder store: the catalogue in ``catalog.json``, one GeoPackage per vector layer.

Layout of ``STUDY/workspace/`` (the stored files: :mod:`parkplan.workspace.folder`)::

    catalog.json          the layers and their provenance (the single source of truth)
    layers/NAME-ID.gpkg   one GeoPackage per vector layer, in the study CRS
    .lock                 the inter-process lock

Safety: a layer is written to a new file first; the load commits by replacing ``catalog.json``
atomically (temporary file + :func:`os.replace`) under the lock, so a failed load leaves the
study as it was and two processes loading at once never lose each other's layers.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import filelock
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors

from geo.atomic import atomic_path, remove_quietly
from geo.layers.provenance import LayerInfo, utc_now
from geo.layers.write import write_gpkg
from parkplan.errors import BusyError, WorkspaceError
from parkplan.workspace.folder import CACHE_DIR, STORAGE, new_file, relative
from parkplan.workspace.store import CATALOG_FORMAT, CATALOG_VERSION, LayerColumn

__all__ = ["CATALOG", "FileStore", "create_file_store", "open_file_store", "vector_columns"]

logger = logging.getLogger(__name__)

CATALOG = "catalog.json"
LOCK_FILE = ".lock"
#: The kinds of NumPy dtypes -> the column types of the workspace (``datetime64`` apart).
DTYPE_KINDS = {
    "O": "text",
    "U": "text",
    "i": "integer",
    "u": "integer",
    "f": "real",
    "b": "boolean",
}
_READ_ERRORS = (OSError, ValueError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError)


class FileStore:
    """The workspace folder ``folder`` as a :class:`~parkplan.workspace.store.LayerStore`."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.crs: str = self._read()["crs"]
        self._lock = filelock.FileLock(self.folder / LOCK_FILE)

    def __repr__(self) -> str:
        return f"FileStore({str(self.folder)!r})"

    # -- the catalogue -------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        """The parsed ``catalog.json``; a clear error when it is missing or not ours."""
        path = self.folder / CATALOG
        try:
            catalog = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise WorkspaceError(f"{path} is missing; expected a workspace catalogue.") from exc
        except (OSError, ValueError) as exc:
            raise WorkspaceError(
                f"{path} cannot be read ({exc}); restore it from a backup."
            ) from exc
        if (
            not isinstance(catalog, dict)
            or catalog.get("format") != CATALOG_FORMAT
            or catalog.get("version") != CATALOG_VERSION
        ):
            raise WorkspaceError(
                f"{path} is not a version-{CATALOG_VERSION} workspace catalogue; "
                "expected one written by this version of parkplan."
            )
        return catalog

    def entries(self) -> dict[str, LayerInfo]:
        return {n: LayerInfo.from_dict(d) for n, d in self._read()["layers"].items()}

    def commit(self, *, add: LayerInfo | None = None, remove: str | None = None) -> None:
        """Rewrite ``catalog.json`` atomically with ``add`` set and ``remove`` dropped."""
        catalog = self._read()
        if remove is not None:
            catalog["layers"].pop(remove, None)
        if add is not None:
            catalog["layers"][add.name] = add.to_dict()
        with atomic_path(self.folder / CATALOG) as temporary:
            _write_json(temporary, catalog)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Nothing to open: the commit is the atomic replacement of ``catalog.json``."""
        yield

    def after_commit(self, action: Callable[[], None]) -> None:
        action()

    @contextmanager
    def lock(self, timeout_s: float) -> Iterator[None]:
        """Hold the lock file of the workspace folder."""
        try:
            self._lock.acquire(timeout=timeout_s)
        except filelock.Timeout as exc:
            raise BusyError(
                f"the study {self.folder.parent} is busy (locked by another process for more "
                f"than {timeout_s:g} s); try again when the other command has finished."
            ) from exc
        try:
            yield
        finally:
            self._lock.release()

    # -- vector layers -------------------------------------------------------------------

    @contextmanager
    def write_vector(self, frame: gpd.GeoDataFrame, name: str) -> Iterator[str]:
        """Write ``frame`` to a new GeoPackage of ``layers/`` (removed if the block fails)."""
        with new_file(self.folder, "vector", name) as stored:
            write_gpkg(frame, stored, layer=name)
            yield relative(self.folder, stored)

    def read_vector(self, info: LayerInfo) -> gpd.GeoDataFrame:
        return pyogrio.read_dataframe(self.folder / info.stored, layer=info.name)

    def layer_columns(self, info: LayerInfo) -> tuple[LayerColumn, ...]:
        return vector_columns(self.folder / info.stored, info.name)

    def read_attributes(self, info: LayerInfo, columns: Sequence[str]) -> pd.DataFrame:
        path = self.folder / info.stored
        with _read_errors(path):
            return pyogrio.read_dataframe(
                path, layer=info.name, columns=list(columns), read_geometry=False
            )

    def has_vector(self, info: LayerInfo) -> bool:
        return (self.folder / info.stored).is_file()

    def forget_vector(self, info: LayerInfo) -> None:
        remove_quietly(self.folder / info.stored)

    def referenced_files(self) -> set[str]:
        """The names of the stored files (vectors and rasters) that the catalogue references."""
        return {Path(info.stored).name for info in self.entries().values()}

    def publish_results(self, files: Mapping[str, Path]) -> None:
        """Nothing to do: a folder workspace's results are the published run's files."""


def vector_columns(path: Path, layer: str | None = None) -> tuple[LayerColumn, ...]:
    """The attribute columns of ``layer`` (default: the only or first) of the vector file
    ``path``, from its metadata; :class:`WorkspaceError` when it cannot be read."""
    with _read_errors(path):
        meta = pyogrio.read_info(path, layer=layer)
    pairs = zip(meta["fields"], meta["dtypes"], strict=True)
    return tuple(LayerColumn(str(name), _column_type(np.dtype(dtype))) for name, dtype in pairs)


def _column_type(dtype: np.dtype) -> str:
    """The workspace column type of the NumPy ``dtype`` that pyogrio reports."""
    if dtype.kind == "M":
        return "date" if np.datetime_data(dtype)[0] == "D" else "datetime"
    return DTYPE_KINDS.get(dtype.kind, "other")


@contextmanager
def _read_errors(path: Path) -> Iterator[None]:
    """Turn what GDAL raises on an unreadable file into a one-line :class:`WorkspaceError`."""
    try:
        yield
    except _READ_ERRORS as exc:
        if isinstance(exc, WorkspaceError):
            raise
        reason = " ".join(str(exc).split())[:160]
        raise WorkspaceError(
            f"{path.name} cannot be read ({reason}); expected a readable vector dataset. "
            "Export the data again, or load the layer again with --replace."
        ) from exc


def open_file_store(folder: Path) -> FileStore:
    """The store of the workspace folder ``folder``; a clear error if it is not one."""
    if not (folder / CATALOG).is_file():
        raise WorkspaceError(
            f"{folder.parent} is not a study (no {folder.name}/{CATALOG}); expected a folder "
            "made by 'parkplan init'. Run 'parkplan init STUDY_DIR' first."
        )
    return FileStore(folder)


def create_file_store(folder: Path, *, crs: str, fill: Callable[[FileStore], None]) -> FileStore:
    """A new workspace folder ``folder`` in ``crs``, given to ``fill`` (e.g. to load the region).

    Built in a hidden folder and renamed into place once ``fill`` succeeded, so a failure
    leaves nothing behind (not even the study folder, when this made it).
    """
    root = folder.parent
    made_root = not root.exists()
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".{folder.name}-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        for name in (*STORAGE.values(), CACHE_DIR):
            (staging / name).mkdir()
        _write_json(staging / CATALOG, _new_catalog(crs))
        fill(FileStore(staging))
        os.rename(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if made_root:
            shutil.rmtree(root, ignore_errors=True)
        raise
    logger.info("created workspace in %s (%s)", folder, crs)
    return FileStore(folder)


def _new_catalog(crs: str) -> dict[str, Any]:
    return {
        "format": CATALOG_FORMAT,
        "version": CATALOG_VERSION,
        "crs": crs,
        "created_at": utc_now(),
        "layers": {},
    }


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
