"""The study workspace: the layers and rasters of a study, kept safe, in any store.

:class:`Workspace` holds what every store shares: layer names, loading (reading, checking and
reprojecting a source; rasters copied as COGs), reading, the aligned-raster cache,
exports, the collection of files left by interrupted loads, and the lock. Where the catalogue
and the vector layers live is its :attr:`Workspace.store`
(:class:`~parkplan.workspace.store.LayerStore`), chosen by :mod:`parkplan.workspace.factory`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo.atomic import atomic_path, remove_quietly
from geo.grid import Grid, projected_crs
from geo.layers.archive import DEFAULT_LIMITS, ArchiveLimits
from geo.layers.crs import Bounds, Region, check_lands_inside, crs_label, parse_crs
from geo.layers.formats import RASTER_FORMATS
from geo.layers.load import PreparedVector, prepare_vector
from geo.layers.provenance import LayerInfo, source_sha256, utc_now
from geo.layers.raster import (
    MAX_CELLS,
    RasterFacts,
    align_raster,
    bounds_in,
    inspect_raster,
    write_cog,
)
from geo.layers.read import Dataset, read_vector, resolved_source
from geo.layers.validate import ValidationReport
from geo.layers.write import VECTOR_DRIVERS, export_vector
from parkplan.errors import WorkspaceError
from parkplan.workspace.factory import create_store, open_store
from parkplan.workspace.files import vector_columns
from parkplan.workspace.folder import (
    CACHE_DIR,
    collect_garbage,
    forget_cached,
    new_file,
    relative,
)
from parkplan.workspace.store import LayerColumn, LayerStore, lock_wait_s

__all__ = ["Workspace", "check_layer_name", "source_columns"]

logger = logging.getLogger(__name__)

REGION = "region"
LAYER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
KINDS = ("vector", "raster")
RASTER_EXPORTS = (".tif", ".tiff")


def check_layer_name(name: str) -> str:
    """``name`` if it is a valid layer name, else :class:`WorkspaceError`."""
    if not LAYER_NAME.fullmatch(name or ""):
        raise WorkspaceError(
            f"layer name {name!r} is not allowed; expected a lower-case letter then up to 62 "
            "lower-case letters, digits or underscores (e.g. 'stations_2024')."
        )
    return name


class Workspace:
    """The workspace of the study at ``root``, kept in ``store`` (use :meth:`create` or
    :meth:`open`).

    ``archive_limits`` bounds what a zip archive given to :meth:`add_layer` may expand to and
    ``raster_max_cells`` the size a raster may declare (set them on an instance, e.g. lower for
    uploads through the API).
    """

    archive_limits: ArchiveLimits = DEFAULT_LIMITS
    raster_max_cells: int = MAX_CELLS

    def __init__(self, root: Path, store: LayerStore) -> None:
        self.root = Path(root)
        self.store = store

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r}, {self.store!r})"

    @property
    def folder(self) -> Path:
        """The workspace folder: rasters and caches (and the folder store's files)."""
        return self.store.folder

    @property
    def crs(self) -> str:
        """The study CRS, in which every vector layer is stored."""
        return self.store.crs

    # -- creating and opening ------------------------------------------------------------

    @classmethod
    def create(
        cls, root: Path, *, crs: str = "EPSG:31370", region: Path | None = None
    ) -> Workspace:
        """Make the workspace of a new study at ``root``; load ``region`` (polygons) as the
        layer ``"region"``. A failure (e.g. a bad region file) leaves no workspace behind;
        refuses a study that already has one. The store follows ``root/study.toml`` when
        there is one (:mod:`parkplan.workspace.factory`), else it is the folder."""
        root = Path(root)
        study_crs = crs_label(projected_crs(crs, what="the study CRS"))

        def load_region(store: LayerStore) -> None:
            if region is not None:
                cls(root, store).add_layer(region, REGION, kind="vector")

        return cls(root, create_store(root, crs=study_crs, fill=load_region))

    @classmethod
    def open(cls, root: Path) -> Workspace:
        """The workspace of the study at ``root``, in the store its ``study.toml`` names;
        :class:`WorkspaceError` if there is none."""
        return cls(Path(root), open_store(Path(root)))

    # -- the catalogue -------------------------------------------------------------------

    def list_layers(self) -> list[LayerInfo]:
        """Every layer, by name."""
        return sorted(self.store.entries().values(), key=lambda info: info.name)

    def layer(self, name: str) -> LayerInfo:
        """The catalogue entry of ``name``; an unknown name lists the known ones."""
        entries = self.store.entries()
        if name not in entries:
            known = ", ".join(sorted(entries)) or "none yet"
            raise WorkspaceError(
                f"no layer {name!r} in {self.root}; known layers: {known}. "
                "Load it with 'parkplan layers add'."
            )
        return entries[name]

    def region_bounds(self) -> Bounds | None:
        """Bounds of the ``region`` layer in the study CRS, or ``None`` without one."""
        entries = self.store.entries()
        return entries[REGION].bounds if REGION in entries else None

    def _region(self) -> Region | None:
        """The study region for landing checks: its bounds, and its polygons read on demand."""
        bounds = self.region_bounds()
        return None if bounds is None else Region(bounds, self._region_shape)

    def _region_shape(self) -> shapely.Geometry:
        """The polygons of the region layer as one collection (study CRS)."""
        return shapely.geometrycollections(self.read_vector(REGION).geometry.to_numpy())

    # -- loading -------------------------------------------------------------------------

    def add_layer(
        self,
        source: Path,
        name: str,
        *,
        source_layer: str | None = None,
        assume_crs: str | None = None,
        kind: str | None = None,
        replace: bool = False,
        categorical: bool | None = None,
        allow_outside: bool = False,
    ) -> LayerInfo:
        """Load ``source`` as the layer ``name``; return its catalogue entry.

        Parameters
        ----------
        source : a data file, a folder of shapefiles, or a zip archive.
        name : the layer name (lower case, digits, underscores); must be new unless ``replace``.
        source_layer : which layer (GeoPackage) or dataset (folder, archive) to take.
        assume_crs : the CRS of a source that declares none (refused if it declares another).
        kind : ``"vector"`` or ``"raster"`` to insist on one; default: whatever the source is.
        replace : replace an existing layer of that name.
        categorical : for rasters, whether values are classes (default: integer data type).
        allow_outside : load a layer that lies entirely outside the region, however far (a
            warning is recorded in its validation report).

        Safety: the layer is stored as a new item first and enters the catalogue in one
        commit under the lock (:meth:`_commit_layer`), so a failed load leaves the study as
        it was; a replaced layer's data goes once the new entry has committed.
        """
        check_layer_name(name)
        if kind not in (None, *KINDS):
            raise WorkspaceError(f"layer kind {kind!r}; expected 'vector' or 'raster'.")
        self._check_free(name, replace)
        source = Path(source)
        hasher = ThreadPoolExecutor(max_workers=1)  # hash while the data is read
        with self.store.transaction(), hasher:
            digest = hasher.submit(source_sha256, source)
            with resolved_source(
                source, source_layer=source_layer, limits=self.archive_limits
            ) as dataset:
                stored = (
                    self._store_raster(dataset, name, assume_crs, categorical, allow_outside)
                    if _kind_of(dataset, source, name, kind) == "raster"
                    else self._store_vector(dataset, name, assume_crs, allow_outside)
                )
                with stored as facts:
                    info = LayerInfo(
                        name=name,
                        source=str(source.resolve()),
                        sha256=digest.result(),
                        loaded_at=utc_now(),
                        source_format=dataset.format,
                        source_member=dataset.member,
                        **facts,
                    )
                    previous = self._commit_layer(info, replace=replace)
            if previous is not None:
                self._forget(previous)
        logger.info("loaded %s as %r (%s)", source, name, info.kind)
        return info

    def _check_free(self, name: str, replace: bool) -> None:
        if not replace and name in self.store.entries():
            raise WorkspaceError(
                f"a layer named {name!r} already exists in {self.root}; choose another name "
                "or replace it (--replace)."
            )

    def _commit_layer(self, info: LayerInfo, *, replace: bool) -> LayerInfo | None:
        """Enter ``info`` in the catalogue under the lock; return the entry it replaced."""
        with self.lock():
            self._collect_garbage()
            self._check_free(info.name, replace)
            previous = self.store.entries().get(info.name)
            self.store.commit(add=info)
        return previous

    def _collect_garbage(self) -> None:
        """Remove the stored files that the store does not need and no load claims: files
        left by a process killed mid-load (the lock must be held)."""
        collect_garbage(self.folder, self.store.referenced_files())

    def _prepare_vector(
        self, dataset: Dataset, name: str, assume_crs: str | None, allow_outside: bool
    ) -> PreparedVector:
        """Read, check and reproject ``dataset`` (see :func:`geo.layers.load.prepare_vector`)."""
        prepared = prepare_vector(
            read_vector(dataset),
            study_crs=self.crs,
            assume_crs=assume_crs,
            region=None if name == REGION else self._region(),
            allow_outside=allow_outside,
        )
        if name == REGION and "Polygon" not in prepared.geometry_type:
            raise WorkspaceError(
                f"the region layer from {dataset.path.name} has {prepared.geometry_type} "
                "geometries; expected polygons (the study area or its municipalities)."
            )
        return prepared

    @contextmanager
    def _store_vector(
        self, dataset: Dataset, name: str, assume_crs: str | None, allow_outside: bool
    ) -> Iterator[dict[str, Any]]:
        """Read, check and reproject ``dataset`` into the store; yield its catalogue facts.

        The stored item is removed if the block (the commit) fails.
        """
        prepared = self._prepare_vector(dataset, name, assume_crs, allow_outside)
        with self.store.write_vector(prepared.frame, name) as stored:
            yield _vector_facts(prepared, dataset, self.crs, stored=stored)

    @contextmanager
    def _store_raster(
        self,
        dataset: Dataset,
        name: str,
        assume_crs: str | None,
        categorical: bool | None,
        allow_outside: bool,
    ) -> Iterator[dict[str, Any]]:
        """Check ``dataset`` and copy it to a new COG; yield its facts (file removed on failure)."""
        facts, crs = inspect_raster(
            dataset.path,
            assume_crs=assume_crs,
            categorical=categorical,
            max_cells=self.raster_max_cells,
        )
        outside = check_lands_inside(
            bounds_in(facts, crs, self.crs),
            parse_crs(self.crs),
            region=self._region(),
            source_bounds=facts.bounds,
            src=crs,
            what=dataset.path.name,
            declared=assume_crs is None,
            allow_outside=allow_outside,
        )
        report = ValidationReport(messages=(outside,) if outside else ())
        with new_file(self.folder, "raster", name) as stored:
            write_cog(dataset.path, stored, crs=crs if assume_crs else None)
            yield _raster_facts(facts, report, stored=relative(self.folder, stored))

    def remove_layer(self, name: str) -> None:
        """Remove ``name`` from the study, with its stored and cached data."""
        with self.store.transaction():
            with self.lock():
                self._collect_garbage()
                info = self.layer(name)
                self.store.commit(remove=name)
            self._forget(info)

    def _forget(self, info: LayerInfo) -> None:
        """Drop the stored data of a layer that left the catalogue; its files (a raster's,
        the caches) go once that change has committed."""
        if info.kind == "vector":
            self.store.forget_vector(info)
        self.store.after_commit(lambda: self._forget_files(info))

    def _forget_files(self, info: LayerInfo) -> None:
        if info.kind == "raster":
            remove_quietly(self.folder / info.stored)
        forget_cached(self.folder, info)

    # -- reading ---------------------------------------------------------------------------

    def _of_kind(self, name: str, kind: str) -> LayerInfo:
        info = self.layer(name)
        if info.kind != kind:
            raise WorkspaceError(f"layer {name!r} is a {info.kind}; expected a {kind} layer.")
        stored = (
            self.store.has_vector(info)
            if kind == "vector"
            else (self.folder / info.stored).is_file()
        )
        if not stored:
            raise WorkspaceError(
                f"the file of layer {name!r} ({info.stored}) is missing from the workspace; "
                f"load the layer again with 'parkplan layers add --replace'."
            )
        return info

    def read_vector(self, name: str) -> gpd.GeoDataFrame:
        """The features of the vector layer ``name``, in the study CRS."""
        with self.store.transaction():  # one connection for a database
            return self.store.read_vector(self._of_kind(name, "vector"))

    def layer_columns(self, name: str) -> tuple[LayerColumn, ...]:
        """The attribute columns (name and type) of the vector layer ``name``, from the
        store's metadata: no feature is read."""
        with self.store.transaction():
            return self.store.layer_columns(self._of_kind(name, "vector"))

    def read_attributes(self, name: str, columns: Sequence[str]) -> pd.DataFrame:
        """The values of ``columns`` of the vector layer ``name`` in feature order, without the
        geometries; an unknown column is refused with the layer's columns."""
        with self.store.transaction():
            info = self._of_kind(name, "vector")
            known = [column.name for column in self.store.layer_columns(info)]
            unknown = [column for column in columns if column not in known]
            if unknown:
                raise WorkspaceError(
                    f"layer {name!r} has no column {unknown[0]!r}; its columns: "
                    f"{', '.join(known) or 'none'}. Name one of them."
                )
            return self.store.read_attributes(info, columns)

    def raster_path(self, name: str) -> Path:
        """The COG of the raster layer ``name`` (in the raster's own CRS)."""
        return self.folder / self._of_kind(name, "raster").stored

    def _cache_file(self, kind: str, name: str, *key: object) -> Path:
        digest = hashlib.sha256(json.dumps([str(k) for k in key]).encode()).hexdigest()[:16]
        folder = self.folder / CACHE_DIR / kind
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{name}-{digest}.tif"

    def distance_cache(self, name: str) -> Path:
        """The folder that keeps the distance rasters of vector layer ``name`` as it is now
        (one per grid and tolerance, see :class:`geo.criteria.DistanceCriterion`); removed
        with the layer or when the layer is replaced."""
        info = self._of_kind(name, "vector")
        folder = self.folder / CACHE_DIR / "distance" / f"{name}-{info.sha256[:16]}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def scoring_cache(self) -> Path:
        """The folder that keeps the rasters of runs that do not depend on the weights, by the
        hash of their inputs (see :mod:`parkplan.score_cache`)."""
        folder = self.folder / CACHE_DIR / "scoring"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def aligned_raster(self, name: str, grid: Grid, *, resampling: str | None = None) -> Path:
        """The raster ``name`` resampled onto ``grid`` (cached; see :mod:`geo.layers.raster`).

        Nearest neighbour for categorical rasters, bilinear for continuous ones, unless
        ``resampling`` says otherwise; nodata is kept (NaN for continuous rasters).
        """
        info = self._of_kind(name, "raster")
        target = self._cache_file("aligned", name, info.sha256, info.stored, grid, resampling)
        if not target.exists():
            with atomic_path(target) as temporary:
                align_raster(
                    self.folder / info.stored,
                    grid,
                    temporary,
                    categorical=bool(info.categorical),
                    resampling=resampling,
                )
        return target

    # -- writing ---------------------------------------------------------------------------

    def export_layer(self, name: str, out: Path) -> Path:
        """Write the layer ``name`` to ``out``, in the format of its extension.

        Vectors: ``.gpkg``, ``.geojson`` (WGS84, RFC 7946), ``.fgb``; rasters: ``.tif``.
        """
        info = self._of_kind(name, self.layer(name).kind)
        out = Path(out)
        suffix = out.suffix.lower()
        allowed = RASTER_EXPORTS if info.kind == "raster" else tuple(VECTOR_DRIVERS)
        if suffix not in allowed:
            raise WorkspaceError(
                f"cannot export the {info.kind} layer {name!r} as {out.name}; expected an "
                f"extension among {', '.join(allowed)}."
            )
        if not out.parent.is_dir():
            raise WorkspaceError(f"folder {out.parent} does not exist; create it first.")
        with atomic_path(out) as temporary:
            if info.kind == "raster":
                shutil.copyfile(self.folder / info.stored, temporary)
            else:
                export_vector(self.read_vector(name), temporary, layer=name)
        return out

    def publish_results(self, files: Mapping[str, Path]) -> None:
        """Give the workspace a published run's results (``files``: the path a user finds each
        at, relative to the study folder -> the file in the run's folder). A folder workspace
        needs nothing: the results are the run's files; a database copies them."""
        self.store.publish_results(files)

    @contextmanager
    def lock(self, *, timeout_s: float | None = None) -> Iterator[None]:
        """Hold the study's inter-process lock; :class:`~parkplan.errors.BusyError` after
        ``timeout_s`` (default :func:`~parkplan.workspace.store.lock_wait_s`)."""
        with self.store.lock(lock_wait_s() if timeout_s is None else timeout_s):
            yield


def source_columns(source: Path, *, source_layer: str | None = None) -> tuple[LayerColumn, ...]:
    """The attribute columns of a vector source that is not loaded yet (the dataset that
    ``source`` and ``source_layer`` choose, as :meth:`Workspace.add_layer` would), from its
    metadata; :class:`WorkspaceError` (or :class:`~geo.errors.LayerError` for a source that
    names no single dataset) when they cannot be read."""
    with resolved_source(Path(source), source_layer=source_layer) as dataset:
        return vector_columns(dataset.path, dataset.layer)


def _kind_of(dataset: Dataset, source: Path, name: str, wanted: str | None) -> str:
    """``"vector"`` or ``"raster"``: what ``dataset`` (from ``source``) is; refused if not
    what was ``wanted``."""
    found = "raster" if dataset.format in RASTER_FORMATS else "vector"
    if wanted is not None and wanted != found:
        raise WorkspaceError(
            f"{source.name} is a {found} ({dataset.format}); expected a {wanted} "
            f"for layer {name!r}."
        )
    return found


def _vector_facts(
    prepared: PreparedVector, dataset: Dataset, crs: str, *, stored: str
) -> dict[str, Any]:
    """The catalogue facts of a vector layer stored as ``stored`` (in ``crs``)."""
    return {
        "kind": "vector",
        "crs": crs,
        "source_crs": prepared.source_crs,
        "validation": prepared.validation,
        "bounds": prepared.bounds,
        "stored": stored,
        "source_layer": dataset.layer,
        "geometry_type": prepared.geometry_type,
        "feature_count": len(prepared.frame),
    }


def _raster_facts(facts: RasterFacts, report: ValidationReport, *, stored: str) -> dict[str, Any]:
    """The catalogue facts of a raster layer stored as ``stored``."""
    return {
        "kind": "raster",
        "crs": facts.crs,
        "source_crs": facts.crs,
        "validation": report,
        "bounds": facts.bounds,
        "stored": stored,
        "width": facts.width,
        "height": facts.height,
        "band_count": facts.count,
        "resolution": facts.resolution,
        "dtype": facts.dtype,
        "nodata": facts.nodata,
        "categorical": facts.categorical,
    }
