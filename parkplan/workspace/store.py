"""What a workspace store provides: the :class:`LayerStore` protocol, and the lock's wait.

A store keeps what differs between the kinds of workspace: the catalogue, the vector layers,
the transactions, the study's lock and the published results. Everything else (layer names,
loading and checking sources, rasters and their caches, exports, collecting the files left by
an interrupted load) is the same for every store and lives in
:class:`~parkplan.workspace.Workspace`. Two stores exist:
:class:`~parkplan.workspace.files.FileStore` (``catalog.json`` and GeoPackages in the workspace
folder) and :class:`~parkplan.workspace.postgis.PostgisStore` (tables in PostGIS).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import pandas as pd

from geo.layers.provenance import LayerInfo
from parkplan.errors import WorkspaceError

#: The format and version of a workspace catalogue (``catalog.json`` or the database's).
CATALOG_FORMAT = "parkplan-workspace"
CATALOG_VERSION = 1
LOCK_WAIT_VARIABLE = "PARKPLAN_LOCK_WAIT_S"
DEFAULT_LOCK_WAIT_S = 30.0
MAX_LOCK_WAIT_S = 86_400.0
#: The kinds of values an attribute column holds, the same words for every store.
COLUMN_TYPES = ("text", "integer", "real", "boolean", "date", "datetime", "other")


@dataclass(frozen=True)
class LayerColumn:
    """An attribute column of a vector layer: its name and the kind of its values (one of
    :data:`COLUMN_TYPES`)."""

    name: str
    type: str


class LayerStore(Protocol):
    """Where a workspace keeps its catalogue and its vector layers.

    Rasters and caches are files of :attr:`folder` in every store. Changes happen in
    :meth:`transaction` (nested calls join the running one); :meth:`commit` and
    :meth:`forget_vector` take effect when it commits, and :meth:`after_commit` runs file
    removals only then.
    """

    @property
    def folder(self) -> Path:
        """The workspace folder: rasters, caches and (for files) the catalogue."""
        ...

    @property
    def crs(self) -> str:
        """The study CRS, in which every vector layer is stored."""
        ...

    def entries(self) -> dict[str, LayerInfo]:
        """The catalogue: every layer's entry, by name."""
        ...

    def commit(self, *, add: LayerInfo | None = None, remove: str | None = None) -> None:
        """Set ``add`` and drop ``remove`` in the catalogue (the lock must be held)."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """One load or removal: all of it, or nothing."""
        ...

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once the running transaction has committed (now, without one)."""
        ...

    def lock(self, timeout_s: float) -> AbstractContextManager[None]:
        """Hold the study's lock (reentrant); :class:`~parkplan.errors.BusyError` after
        ``timeout_s``."""
        ...

    def write_vector(self, frame: gpd.GeoDataFrame, name: str) -> AbstractContextManager[str]:
        """Store ``frame`` (study CRS) as a new, unused item of layer ``name``; yield what
        :attr:`LayerInfo.stored` records. The item is gone if the block fails."""
        ...

    def read_vector(self, info: LayerInfo) -> gpd.GeoDataFrame:
        """The features of the vector layer of ``info``, in the study CRS."""
        ...

    def layer_columns(self, info: LayerInfo) -> tuple[LayerColumn, ...]:
        """The attribute columns of the vector layer of ``info`` (no geometry, no key), in
        order, read from the store's metadata without reading the features."""
        ...

    def read_attributes(self, info: LayerInfo, columns: Sequence[str]) -> pd.DataFrame:
        """The values of ``columns`` (existing ones) of the vector layer of ``info``, in
        feature order, without the geometries."""
        ...

    def has_vector(self, info: LayerInfo) -> bool:
        """Whether the stored features of ``info`` are there."""
        ...

    def forget_vector(self, info: LayerInfo) -> None:
        """Remove the stored features of ``info`` (a layer that left the catalogue)."""
        ...

    def referenced_files(self) -> set[str]:
        """The names of the files in the workspace folder that the store still needs."""
        ...

    def publish_results(self, files: Mapping[str, Path]) -> None:
        """Keep a published run's results (see :meth:`Workspace.publish_results`)."""
        ...


def lock_wait_s() -> float:
    """How long a command waits for the study's lock: ``$PARKPLAN_LOCK_WAIT_S``, default 30 s."""
    text = os.environ.get(LOCK_WAIT_VARIABLE, "")
    if not text:
        return DEFAULT_LOCK_WAIT_S
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= MAX_LOCK_WAIT_S:
        raise WorkspaceError(
            f"{LOCK_WAIT_VARIABLE}={text!r}; expected seconds between 0 and "
            f"{MAX_LOCK_WAIT_S:g} (default {DEFAULT_LOCK_WAIT_S:g}). Fix or unset the variable."
        )
    return value
