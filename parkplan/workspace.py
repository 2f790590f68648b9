"""The study workspace: the layers and rasters of a study, kept safe.

Layout of ``STUDY/workspace/``::

    catalog.json          the layers and their provenance (the single source of truth)
    layers/NAME-ID.gpkg   one GeoPackage per vector layer, in the study CRS
    rasters/NAME-ID.tif   one Cloud-Optimised GeoTIFF per raster, in its own CRS
    cache/                rasters aligned on (or rasterised to) a study grid, rebuilt on demand
    .lock                 the inter-process lock

Safety: a layer is written to a new file first; the load commits by replacing ``catalog.json``
atomically (temporary file + :func:`os.replace`) under the lock, so a failed load leaves the
study as it was and two processes loading at once never lose each other's layers. The ``ID``
in file names makes a replaced layer's new file distinct from the old one until the commit.
A load claims its new file (a lock on ``NAME-ID.gpkg.loading``) until it ends; a file that no
catalogue entry references and no load claims was left by a process killed mid-load, and is
collected under the lock at the next load or removal.

Backends: when ``study.toml`` names a database (``workspace = "postgresql://..."``),
:meth:`Workspace.open` and :meth:`Workspace.create` return a
:class:`~parkplan.workspace_postgis.PostgisWorkspace`, which keeps the vector layers, the
catalogue and the result tables in PostGIS behind the same interface.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import secrets
import shutil
import tomllib
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import filelock
import geopandas as gpd
import pyogrio
import shapely

from geo.grid import Grid, projected_crs
from geo.layers.archive import DEFAULT_LIMITS, ArchiveLimits
from geo.layers.crs import Bounds, Region, check_lands_inside, crs_label, parse_crs
from geo.layers.formats import RASTER_FORMATS
from geo.layers.load import prepare_vector
from geo.layers.provenance import LayerInfo, source_sha256, utc_now
from geo.layers.raster import (
    MAX_CELLS,
    align_raster,
    bounds_in,
    inspect_raster,
    rasterize,
    write_cog,
    write_grid_raster,
)
from geo.layers.read import Dataset, read_vector, resolved_source
from geo.layers.validate import ValidationReport
from geo.layers.write import VECTOR_DRIVERS, atomic_path, export_vector, remove_quietly, write_gpkg
from parkplan.errors import BusyError, WorkspaceError
from parkplan.study import STUDY_FILE

__all__ = ["LayerInfo", "ValidationReport", "Workspace"]

logger = logging.getLogger(__name__)

WORKSPACE_DIR = "workspace"
CATALOG = "catalog.json"
CATALOG_FORMAT = "parkplan-workspace"
CATALOG_VERSION = 1
REGION = "region"
LAYER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
RASTER_EXPORTS = (".tif", ".tiff")
#: Where each kind of layer is stored in the workspace, and as what.
STORAGE = {"vector": "layers", "raster": "rasters"}
SUFFIX = {"vector": ".gpkg", "raster": ".tif"}
CACHE_DIR = "cache"
CLAIM_SUFFIX = ".loading"
LOCK_WAIT_VARIABLE = "PARKPLAN_LOCK_WAIT_S"
DEFAULT_LOCK_WAIT_S = 30.0
#: The ``NAME-ID`` stem of a stored file, and of its side, staging, temporary and claim files.
STORED_STEM = re.compile(r"^\.?([a-z][a-z0-9_]{0,62}-[0-9a-f]{8})(?=\.|$)")


def check_layer_name(name: str) -> str:
    """``name`` if it is a valid layer name, else :class:`WorkspaceError`."""
    if not LAYER_NAME.fullmatch(name or ""):
        raise WorkspaceError(
            f"layer name {name!r} is not allowed; expected a lower-case letter then up to 62 "
            "lower-case letters, digits or underscores (e.g. 'stations_2024')."
        )
    return name


class Workspace:
    """The workspace of the study at ``root`` (use :meth:`create` or :meth:`open`).

    ``archive_limits`` bounds what a zip archive given to :meth:`add_layer` may expand to and
    ``raster_max_cells`` the size a raster may declare (set them on an instance, e.g. lower for
    uploads through the API).
    """

    archive_limits: ArchiveLimits = DEFAULT_LIMITS
    raster_max_cells: int = MAX_CELLS

    def __init__(self, root: Path, *, folder: Path | None = None) -> None:
        self.root = Path(root)
        self.folder = folder or self.root / WORKSPACE_DIR
        catalog = self._read_catalog()
        self.crs: str = catalog["crs"]
        self._lock = filelock.FileLock(self.folder / ".lock")

    # -- creating and opening ------------------------------------------------------------

    @classmethod
    def create(
        cls, root: Path, *, crs: str = "EPSG:31370", region: Path | None = None
    ) -> Workspace:
        """Make ``root/workspace``; load ``region`` (polygons) as the layer ``"region"``.

        Built in a hidden folder and renamed into place, so a failure (e.g. a bad region file)
        leaves no workspace behind. Refuses a folder that already has one.
        """
        root = Path(root)
        study_crs = crs_label(projected_crs(crs, what="the study CRS"))
        settings = study_settings(root)
        if settings.get("workspace"):
            from parkplan.workspace_postgis import PostgisWorkspace

            return PostgisWorkspace.create_in(root, settings, crs=study_crs, region=region)
        if (root / WORKSPACE_DIR).exists():
            raise WorkspaceError(
                f"{root} already has a workspace; expected a new study folder. "
                "Use another folder or load layers into this study."
            )
        made_root = not root.exists()
        root.mkdir(parents=True, exist_ok=True)
        staging = root / f".{WORKSPACE_DIR}-{secrets.token_hex(4)}"
        staging.mkdir()
        try:
            for folder in (*STORAGE.values(), CACHE_DIR):
                (staging / folder).mkdir()
            _write_json(staging / CATALOG, _new_catalog(study_crs))
            if region is not None:
                cls(root, folder=staging).add_layer(region, REGION, kind="vector")
            os.rename(staging, root / WORKSPACE_DIR)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            if made_root:
                shutil.rmtree(root, ignore_errors=True)
            raise
        logger.info("created workspace in %s (%s)", root / WORKSPACE_DIR, study_crs)
        return cls(root)

    @classmethod
    def open(cls, root: Path) -> Workspace:
        """The workspace of the study at ``root``; :class:`WorkspaceError` if there is none.

        A study whose ``study.toml`` names a database opens its PostGIS workspace.
        """
        root = Path(root)
        settings = study_settings(root)
        if settings.get("workspace"):
            from parkplan.workspace_postgis import PostgisWorkspace

            return PostgisWorkspace.attach(root, settings)
        if not (root / WORKSPACE_DIR / CATALOG).is_file():
            raise WorkspaceError(
                f"{root} is not a study (no {WORKSPACE_DIR}/{CATALOG}); expected a folder made "
                "by 'parkplan init'. Run 'parkplan init STUDY_DIR' first."
            )
        return cls(root)

    # -- the catalogue -------------------------------------------------------------------

    def _read_catalog(self) -> dict:
        path = self.folder / CATALOG
        try:
            catalog = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise WorkspaceError(f"{path} is missing; expected a workspace catalogue.") from exc
        except (OSError, ValueError) as exc:
            raise WorkspaceError(
                f"{path} cannot be read ({exc}); restore it from a backup."
            ) from exc
        if catalog.get("format") != CATALOG_FORMAT or catalog.get("version") != CATALOG_VERSION:
            raise WorkspaceError(
                f"{path} is not a version-{CATALOG_VERSION} workspace catalogue; "
                "expected one written by this version of parkplan."
            )
        return catalog

    def _entries(self) -> dict[str, LayerInfo]:
        return {n: LayerInfo.from_dict(d) for n, d in self._read_catalog()["layers"].items()}

    def _commit(self, add: LayerInfo | None = None, remove: str | None = None) -> None:
        """Rewrite the catalogue with ``add`` set and ``remove`` dropped (lock must be held)."""
        catalog = self._read_catalog()
        if remove is not None:
            catalog["layers"].pop(remove, None)
        if add is not None:
            catalog["layers"][add.name] = add.to_dict()
        with atomic_path(self.folder / CATALOG) as temporary:
            _write_json(temporary, catalog)

    # -- layers --------------------------------------------------------------------------

    def list_layers(self) -> list[LayerInfo]:
        """Every layer, by name."""
        return sorted(self._entries().values(), key=lambda info: info.name)

    def layer(self, name: str) -> LayerInfo:
        """The catalogue entry of ``name``; an unknown name lists the known ones."""
        entries = self._entries()
        if name not in entries:
            known = ", ".join(sorted(entries)) or "none yet"
            raise WorkspaceError(
                f"no layer {name!r} in {self.root}; known layers: {known}. "
                "Load it with 'parkplan layers add'."
            )
        return entries[name]

    def region_bounds(self) -> Bounds | None:
        """Bounds of the ``region`` layer in the study CRS, or ``None`` without one."""
        entries = self._entries()
        return entries[REGION].bounds if REGION in entries else None

    def _region(self) -> Region | None:
        """The study region for landing checks: its bounds, and its polygons read on demand."""
        bounds = self.region_bounds()
        return None if bounds is None else Region(tuple(bounds), self._region_shape)

    def _region_shape(self) -> shapely.Geometry:
        """The polygons of the region layer as one collection (study CRS)."""
        return shapely.geometrycollections(self.read_vector(REGION).geometry.to_numpy())

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
        """
        check_layer_name(name)
        if kind not in (None, "vector", "raster"):
            raise WorkspaceError(f"layer kind {kind!r}; expected 'vector' or 'raster'.")
        self._check_free(name, replace)
        source = Path(source)
        hasher = ThreadPoolExecutor(max_workers=1)  # hash while the data is read
        with self._transaction(), hasher:
            digest = hasher.submit(source_sha256, source)
            with resolved_source(
                source, source_layer=source_layer, limits=self.archive_limits
            ) as dataset:
                found = "raster" if dataset.format in RASTER_FORMATS else "vector"
                if kind is not None and kind != found:
                    raise WorkspaceError(
                        f"{source.name} is a {found} ({dataset.format}); expected a {kind} "
                        f"for layer {name!r}."
                    )
                store = self._store_raster if found == "raster" else self._store_vector
                options = {"categorical": categorical, "allow_outside": allow_outside}
                with store(dataset, name, assume_crs=assume_crs, **options) as facts:
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
                self._forget_files(previous)
        logger.info("loaded %s as %r (%s)", source, name, info.kind)
        return info

    def _check_free(self, name: str, replace: bool) -> None:
        if not replace and name in self._entries():
            raise WorkspaceError(
                f"a layer named {name!r} already exists in {self.root}; choose another name "
                "or replace it (--replace)."
            )

    def _commit_layer(self, info: LayerInfo, *, replace: bool) -> LayerInfo | None:
        """Enter ``info`` in the catalogue under the lock; return the entry it replaced."""
        with self.lock():
            self._collect_garbage()
            self._check_free(info.name, replace)
            previous = self._entries().get(info.name)
            self._commit(add=info)
        return previous

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """Where a load or a removal happens. Files need none: their commit is the atomic
        replacement of the catalogue (the database backend runs one transaction here)."""
        yield

    @contextmanager
    def _new_file(self, kind: str, name: str) -> Iterator[Path]:
        """A new, unused path for the stored file of a layer of ``kind``, claimed by this load.

        The file is removed when the block fails; the claim is given up when it ends.
        """
        folder = self.folder / STORAGE[kind]
        folder.mkdir(exist_ok=True)
        stored = folder / f"{name}-{secrets.token_hex(4)}{SUFFIX[kind]}"
        try:
            with filelock.FileLock(_claim_of(stored)):
                try:
                    yield stored
                except BaseException:
                    remove_quietly(stored)
                    raise
        finally:
            _claim_of(stored).unlink(missing_ok=True)

    def _collect_garbage(self) -> None:
        """Remove stored files that no catalogue entry references and no load claims.

        Such files were left by a process killed mid-load. The lock must be held, so that no
        load commits meanwhile.
        """
        referenced = self._referenced_files()
        for kind, folder_name in STORAGE.items():
            folder = self.folder / folder_name
            if not folder.is_dir():
                continue
            matches = (STORED_STEM.match(path.name) for path in folder.iterdir())
            for stem in sorted({match[1] for match in matches if match}):
                if f"{stem}{SUFFIX[kind]}" not in referenced:
                    _collect_unclaimed(folder / f"{stem}{SUFFIX[kind]}")

    def _referenced_files(self) -> set[str]:
        """The names of the stored files that the catalogue references."""
        return {Path(info.stored).name for info in self._entries().values()}

    def _prepare_vector(
        self, dataset: Dataset, name: str, *, assume_crs: str | None, allow_outside: bool = False
    ):
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

    def _vector_facts(self, prepared, dataset: Dataset, *, stored: str) -> dict:
        """The catalogue facts of a vector layer stored at ``stored``."""
        return {
            "kind": "vector",
            "crs": self.crs,
            "source_crs": prepared.source_crs,
            "validation": prepared.validation,
            "bounds": prepared.bounds,
            "stored": stored,
            "source_layer": dataset.layer,
            "geometry_type": prepared.geometry_type,
            "feature_count": len(prepared.frame),
        }

    @contextmanager
    def _store_vector(
        self,
        dataset: Dataset,
        name: str,
        *,
        assume_crs: str | None,
        categorical: bool | None,
        allow_outside: bool = False,
    ) -> Iterator[dict]:
        """Read, check and reproject ``dataset``; write it to a new GeoPackage; yield its facts.

        The file is removed if the block (the commit) fails.
        """
        prepared = self._prepare_vector(
            dataset, name, assume_crs=assume_crs, allow_outside=allow_outside
        )
        with self._new_file("vector", name) as stored:
            write_gpkg(prepared.frame, stored, layer=name)
            yield self._vector_facts(prepared, dataset, stored=self._relative(stored))

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.folder).as_posix()

    @contextmanager
    def _store_raster(
        self,
        dataset: Dataset,
        name: str,
        *,
        assume_crs: str | None,
        categorical: bool | None,
        allow_outside: bool = False,
    ) -> Iterator[dict]:
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
        with self._new_file("raster", name) as stored:
            write_cog(dataset.path, stored, crs=crs if assume_crs else None)
            yield self._raster_facts(facts, report, stored=self._relative(stored))

    @staticmethod
    def _raster_facts(facts, report: ValidationReport, *, stored: str) -> dict:
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

    def remove_layer(self, name: str) -> None:
        """Remove ``name`` from the study, with its stored and cached files."""
        with self._transaction():
            with self.lock():
                self._collect_garbage()
                info = self.layer(name)
                self._commit(remove=name)
            self._forget_files(info)

    def _forget_files(self, info: LayerInfo) -> None:
        remove_quietly(self.folder / info.stored)
        cache = self.folder / CACHE_DIR
        if cache.is_dir():
            for path in cache.rglob(f"{info.name}-*"):
                remove_quietly(path)

    # -- reading ---------------------------------------------------------------------------

    def _of_kind(self, name: str, kind: str) -> LayerInfo:
        info = self.layer(name)
        if info.kind != kind:
            raise WorkspaceError(f"layer {name!r} is a {info.kind}; expected a {kind} layer.")
        if not self._is_stored(info):
            raise WorkspaceError(
                f"the file of layer {name!r} ({info.stored}) is missing from the workspace; "
                f"load the layer again with 'parkplan layers add --replace'."
            )
        return info

    def _is_stored(self, info: LayerInfo) -> bool:
        return (self.folder / info.stored).is_file()

    def read_vector(self, name: str) -> gpd.GeoDataFrame:
        """The features of the vector layer ``name``, in the study CRS."""
        info = self._of_kind(name, "vector")
        return pyogrio.read_dataframe(self.folder / info.stored, layer=name)

    def raster_path(self, name: str) -> Path:
        """The COG of the raster layer ``name`` (in the raster's own CRS)."""
        return self.folder / self._of_kind(name, "raster").stored

    def _cache_file(self, kind: str, name: str, *key: object) -> Path:
        digest = hashlib.sha256(json.dumps([str(k) for k in key]).encode()).hexdigest()[:16]
        folder = self.folder / CACHE_DIR / kind
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{name}-{digest}.tif"

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

    def rasterize_layer(
        self, name: str, grid: Grid, *, column: str | None = None, all_touched: bool = False
    ) -> Path:
        """The vector layer ``name`` burnt onto ``grid`` (cached GeoTIFF).

        Without ``column``: ``uint8`` 1 inside features, 0 outside; with ``column``: ``float32``
        values, NaN outside (see :func:`geo.layers.raster.rasterize`).
        """
        info = self._of_kind(name, "vector")
        target = self._cache_file(
            "rasterized", name, info.sha256, info.stored, grid, column, all_touched
        )
        if not target.exists():
            frame = self.read_vector(name).to_crs(grid.crs)
            array = rasterize(frame, grid, column=column, all_touched=all_touched)
            with atomic_path(target) as temporary:
                write_grid_raster(
                    array, grid, temporary, nodata=None if column is None else math.nan
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

    @contextmanager
    def lock(self, *, timeout_s: float | None = None) -> Iterator[None]:
        """Hold the study's inter-process lock; :class:`BusyError` after ``timeout_s``
        (default :func:`lock_wait_s`)."""
        timeout_s = lock_wait_s() if timeout_s is None else timeout_s
        try:
            self._lock.acquire(timeout=timeout_s)
        except filelock.Timeout as exc:
            raise BusyError(
                f"the study {self.root} is busy (locked by another process for more than "
                f"{timeout_s:g} s); try again when the other command has finished."
            ) from exc
        try:
            yield
        finally:
            self._lock.release()


def lock_wait_s() -> float:
    """How long a command waits for the study's lock: ``$PARKPLAN_LOCK_WAIT_S``, default 30 s."""
    text = os.environ.get(LOCK_WAIT_VARIABLE, "")
    if not text:
        return DEFAULT_LOCK_WAIT_S
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 86_400:
        raise WorkspaceError(
            f"{LOCK_WAIT_VARIABLE}={text!r}; expected seconds between 0 and 86400 (default "
            f"{DEFAULT_LOCK_WAIT_S:g}). Fix or unset the variable."
        )
    return value


def study_settings(root: Path) -> Mapping:
    """The top-level settings of ``root/study.toml`` ({} without one, or one that cannot be
    parsed: the commands that read the study report that)."""
    path = Path(root) / STUDY_FILE
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return {}


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


def _new_catalog(crs: str) -> dict:
    return {
        "format": CATALOG_FORMAT,
        "version": CATALOG_VERSION,
        "crs": crs,
        "created_at": utc_now(),
        "layers": {},
    }


def _write_json(path: Path, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
