"""The study workspace: the layers and rasters of a study, kept safe.

Entry points: :meth:`Workspace.open` (the workspace of a study) and :meth:`Workspace.create`
(a new one); :class:`LayerInfo` is a layer's catalogue entry, :class:`LayerColumn` one of its
attribute columns (:meth:`Workspace.layer_columns`, :func:`source_columns`).

Modules, from the top: :mod:`~parkplan.workspace.workspace` (the :class:`Workspace`, the same
for every store), :mod:`~parkplan.workspace.factory` (which store ``study.toml`` chooses),
the stores :mod:`~parkplan.workspace.files` (``catalog.json`` and GeoPackages in the folder)
and :mod:`~parkplan.workspace.postgis` (PostGIS; the database driver is imported only for a
study that names a database), what a store provides (:mod:`~parkplan.workspace.store`) and
the stored files of the folder (:mod:`~parkplan.workspace.folder`).
"""

from geo.layers.provenance import LayerInfo
from geo.layers.validate import ValidationReport
from parkplan.workspace.files import CATALOG
from parkplan.workspace.folder import WORKSPACE_DIR
from parkplan.workspace.store import LOCK_WAIT_VARIABLE, LayerColumn, LayerStore, lock_wait_s
from parkplan.workspace.workspace import Workspace, check_layer_name, source_columns

__all__ = [
    "CATALOG",
    "LOCK_WAIT_VARIABLE",
    "WORKSPACE_DIR",
    "LayerColumn",
    "LayerInfo",
    "LayerStore",
    "ValidationReport",
    "Workspace",
    "check_layer_name",
    "lock_wait_s",
    "source_columns",
]
