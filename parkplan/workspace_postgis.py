"""The shared PostGIS workspace: a study's vector layers, catalogue and results in a database.

Chosen by ``study.toml``: ``workspace = "postgresql://USER@HOST:PORT/DB"``. The password is
never written there: libpq takes it from ``PGPASSWORD`` or ``~/.pgpass``. Each study has a
schema of its own, named after the study (``name`` in ``study.toml``, made a safe identifier)
unless the URL chooses one with ``?schema=NAME``::

    parkplan_meta        the study CRS, the format and version of the workspace
    parkplan_catalog     one row per layer: name, kind, stored table or file, the provenance (jsonb)
    parkplan_documents   the JSON results written through the workspace (path, body jsonb)
    layer_NAME_ID        one table per vector layer: fid, the attributes, geometry (study CRS)
    result_FILE          the table results written through the workspace (sites, split, ledger)

Rasters stay Cloud-Optimised GeoTIFFs in the study folder (``workspace/rasters``), catalogued in
the database; aligned and rasterised caches stay in ``workspace/cache``.

Safety: a load is one transaction: the new layer table, the catalogue row and the removal of
a replaced layer's table commit together under ``pg_advisory_xact_lock``, so a failed load
leaves nothing and two operators loading at once never lose or damage each other's layers.
:meth:`PostgisWorkspace.lock` holds the same advisory lock for a whole session;
:class:`~parkplan.errors.BusyError` when it cannot be taken in time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import threading
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import pandas as pd
import psycopg
import pyogrio
import shapely
from psycopg import sql
from psycopg.types.json import Jsonb

from geo.grid import projected_crs
from geo.layers.crs import crs_label, parse_crs
from geo.layers.read import Dataset
from parkplan.errors import BusyError, StudyError, WorkspaceError
from parkplan.workspace import CATALOG as FILE_CATALOG
from parkplan.workspace import (
    CATALOG_FORMAT,
    CATALOG_VERSION,
    REGION,
    WORKSPACE_DIR,
    LayerInfo,
    Workspace,
    lock_wait_s,
)

__all__ = ["Database", "PostgisWorkspace", "schema_name"]

logger = logging.getLogger(__name__)

META = "parkplan_meta"
CATALOG = "parkplan_catalog"
DOCUMENTS = "parkplan_documents"
KEY = "fid"
GEOMETRY = "geometry"
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
MAX_IDENTIFIER_BYTES = 63
SCHEMES = ("postgresql", "postgres")
CONNECT_TIMEOUT_S = 10


# -- the database of a study --------------------------------------------------------------


def schema_name(study_name: str) -> str:
    """A safe schema name for a study: lower case ASCII letters, digits and underscores.

    ``"Westhoek — Poperinge 2026"`` becomes ``"westhoek_poperinge_2026"``; a name that does not
    start with a letter (or starts with ``pg_``) gets ``study_`` in front; one longer than 63
    characters is cut and made unique with 8 hex digits of its SHA-256.
    """
    ascii_name = unicodedata.normalize("NFKD", study_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    if not slug[:1].isalpha() or slug.startswith("pg_"):
        slug = f"study_{slug}".rstrip("_")
    if len(slug) > MAX_IDENTIFIER_BYTES:
        slug = f"{slug[:54]}_{hashlib.sha256(study_name.encode()).hexdigest()[:8]}"
    return slug


@dataclass(frozen=True)
class Database:
    """Where a study's workspace lives: a libpq URL (without password) and a schema."""

    url: str
    schema: str

    @classmethod
    def from_url(cls, url: str, *, study_name: str) -> Database:
        """Parse ``workspace = URL`` of ``study.toml``; refuse a password in it."""
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.netloc:
            raise StudyError(
                f"study.toml: workspace {_without_secrets(url)!r} is not a database URL; expected "
                "'postgresql://USER@HOST:PORT/DB' (or leave it out for the GeoPackage workspace)"
            )
        query = dict(parse_qsl(parts.query))
        if parts.password is not None or "password" in query:
            raise StudyError(
                "study.toml: the workspace URL contains a password; remove it and put the "
                "password in the PGPASSWORD environment variable or in ~/.pgpass"
            )
        schema = query.pop("schema", None) or schema_name(study_name)
        if not IDENTIFIER.fullmatch(schema):
            raise StudyError(
                f"study.toml: workspace schema {schema!r} is not allowed; expected lower-case "
                "letters, digits and underscores (e.g. ?schema=westhoek_2026)"
            )
        bare = urlunsplit(parts._replace(query=urlencode(query)))
        try:
            psycopg.conninfo.conninfo_to_dict(bare)
        except psycopg.ProgrammingError as exc:
            raise StudyError(
                f"study.toml: workspace {bare!r} is not a valid PostgreSQL URL ({_first_line(exc)})"
            ) from None
        return cls(bare, schema)

    @classmethod
    def of_study(cls, root: Path, settings: Mapping) -> Database:
        """The database that the ``study.toml`` settings of the study at ``root`` name."""
        url = settings["workspace"]
        if not isinstance(url, str):
            raise StudyError(f"study.toml: workspace = {url!r}; expected a 'postgresql://' URL")
        return cls.from_url(url, study_name=str(settings.get("name") or Path(root).resolve().name))

    def connect(self) -> psycopg.Connection:
        """A new connection in autocommit mode (transactions are explicit)."""
        try:
            return psycopg.connect(
                self.url,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_S,
                application_name="parkplan",
            )
        except psycopg.OperationalError as exc:
            raise WorkspaceError(
                f"cannot connect to the workspace database {self.url} ({_first_line(exc)}); "
                "check that the server runs and that PGPASSWORD or ~/.pgpass has the password"
            ) from None

    def table(self, name: str) -> sql.Identifier:
        """The table ``name`` in the study's schema."""
        return sql.Identifier(self.schema, name)

    @property
    def lock_key(self) -> int:
        """The advisory lock key of the study (64 bits of a hash of the schema name)."""
        digest = hashlib.sha256(f"parkplan:{self.schema}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _without_secrets(url: str) -> str:
    return re.sub(r"//[^@/]*@", "//…@", url)


# -- tables of features -------------------------------------------------------------------


def _column_type(series: pd.Series) -> str:
    """The PostgreSQL type that holds the values of ``series``."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_unsigned_integer_dtype(dtype) and dtype.itemsize == 8:
        return "numeric"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double precision"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "timestamptz"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "timestamp"
    return "text"


def _cells(series: pd.Series, column_type: str) -> list:
    """The values of ``series`` as Python objects, ``None`` for missing ones."""
    values = series.astype(object).where(series.notna(), None).tolist()
    if column_type == "text":
        return [None if value is None else str(value) for value in values]
    return values


def _check_columns(columns: list[str], table: str) -> None:
    long = [c for c in columns if len(c.encode()) > MAX_IDENTIFIER_BYTES]
    if long or KEY in columns:
        raise WorkspaceError(
            f"cannot store {table}: column {(long or [KEY])[0]!r} is too long or reserved; "
            f"expected names of at most {MAX_IDENTIFIER_BYTES} bytes other than {KEY!r}. "
            "Rename it in the source."
        )


def write_table(
    conn: psycopg.Connection, table: sql.Identifier, frame: pd.DataFrame, *, srid: int
) -> None:
    """Create ``table`` and fill it with ``frame`` through ``COPY`` (hex EWKB geometries).

    The table has ``fid`` (1, 2, ... in row order), the attribute columns, and for a
    GeoDataFrame ``geometry`` of SRID ``srid`` with a GiST index.
    """
    geometries = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else None
    attributes = frame if geometries is None else frame.drop(columns=geometries.name)
    columns = [str(c) for c in attributes.columns]
    _check_columns(columns, table.as_string())
    types = [_column_type(attributes[c]) for c in attributes.columns]
    definitions = [sql.SQL("{} bigint PRIMARY KEY").format(sql.Identifier(KEY))]
    definitions += [
        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t))
        for c, t in zip(columns, types, strict=True)
    ]
    names = [KEY, *columns]
    cells = [range(1, len(frame) + 1)]
    cells += [_cells(attributes[c], t) for c, t in zip(attributes.columns, types, strict=True)]
    if geometries is not None:
        kind = sql.SQL(f"geometry(Geometry, {int(srid)})" if srid else "geometry")
        definitions.append(sql.SQL("{} {}").format(sql.Identifier(GEOMETRY), kind))
        names.append(GEOMETRY)
        with_srid = shapely.set_srid(geometries.to_numpy(), srid)
        cells.append(shapely.to_wkb(with_srid, hex=True, include_srid=True).tolist())
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(table, sql.SQL(", ").join(definitions)))
    copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
        table, sql.SQL(", ").join(map(sql.Identifier, names))
    )
    with conn.cursor().copy(copy) as writer:
        for row in zip(*cells, strict=True):
            writer.write_row(row)
    if geometries is not None:
        conn.execute(
            sql.SQL("CREATE INDEX ON {} USING GIST ({})").format(table, sql.Identifier(GEOMETRY))
        )


def read_table(conn: psycopg.Connection, table: sql.Identifier, *, crs: str) -> gpd.GeoDataFrame:
    """The features of ``table`` (written by :func:`write_table`) in row order, in ``crs``."""
    float8 = conn.adapters.types["float8"].oid
    described = conn.execute(sql.SQL("SELECT * FROM {} LIMIT 0").format(table)).description
    attributes = [d for d in described if d.name not in (KEY, GEOMETRY)]
    selected = [sql.Identifier(d.name) for d in attributes]
    selected.append(sql.SQL("ST_AsBinary({})").format(sql.Identifier(GEOMETRY)))
    query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
        sql.SQL(", ").join(selected), table, sql.Identifier(KEY)
    )
    rows = conn.cursor(binary=True).execute(query).fetchall()
    frame = pd.DataFrame.from_records(rows, columns=[*(d.name for d in attributes), GEOMETRY])
    for d in attributes:
        if d.type_code == float8:
            frame[d.name] = frame[d.name].astype("float64")
    geometry = shapely.from_wkb(frame.pop(GEOMETRY).to_numpy())
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=crs), crs=crs)


# -- the workspace ------------------------------------------------------------------------


class _Session(threading.local):
    """What one thread holds of a workspace: its connection, transaction and lock."""

    def __init__(self) -> None:
        self.connection: psycopg.Connection | None = None
        self.in_transaction = False
        self.lock_depth = 0
        self.after_commit: list[Callable[[], None]] = []


class PostgisWorkspace(Workspace):
    """A study workspace whose vector layers, catalogue and results live in PostGIS.

    Same interface as :class:`~parkplan.workspace.Workspace`, which returns one from
    :meth:`~parkplan.workspace.Workspace.open` when ``study.toml`` names a database.
    """

    def __init__(
        self, root: Path, database: Database, *, crs: str, folder: Path | None = None
    ) -> None:
        self.root = Path(root)
        self.folder = folder or self.root / WORKSPACE_DIR
        self.database = database
        self.crs = crs
        self._session_state = _Session()

    def __repr__(self) -> str:
        return f"PostgisWorkspace({str(self.root)!r}, schema={self.database.schema!r})"

    # -- creating and opening ------------------------------------------------------------

    @classmethod
    def attach(cls, root: Path, settings: Mapping) -> PostgisWorkspace:
        """The workspace of the study at ``root`` in the database that ``settings`` name.

        The schema is made on first use, in the CRS of ``study.toml``; an existing one must
        hold its layers in that CRS.
        """
        root = Path(root)
        database = Database.of_study(root, settings)
        study_crs = crs_label(
            projected_crs(settings.get("crs", "EPSG:31370"), what="the study CRS")
        )
        workspace = cls(root, database, crs=study_crs)
        with workspace._transaction() as conn:
            workspace._check_postgis(conn)
            stored_crs = workspace._stored_crs(conn)
            if stored_crs is None:
                with workspace.lock():  # until the transaction commits
                    stored_crs = workspace._stored_crs(conn)
                    if stored_crs is None:
                        workspace._create_schema(conn)
                        logger.info("made workspace schema %s (%s)", database.schema, study_crs)
        if stored_crs is not None and not parse_crs(stored_crs).equals(parse_crs(study_crs)):
            raise WorkspaceError(
                f"the workspace schema {database.schema!r} holds layers in {stored_crs}, but "
                f"study.toml says crs = {study_crs!r}; set crs back or choose another schema "
                "(?schema=NAME in the workspace URL)."
            )
        workspace.folder.mkdir(parents=True, exist_ok=True)
        return workspace

    @classmethod
    def create_in(
        cls, root: Path, settings: Mapping, *, crs: str, region: Path | None = None
    ) -> PostgisWorkspace:
        """A new workspace in a schema that must not exist yet; load ``region`` into it.

        One transaction: a failure (e.g. a bad region file) leaves no schema behind.
        """
        root = Path(root)
        database = Database.of_study(root, settings)
        if (root / WORKSPACE_DIR).exists():
            raise WorkspaceError(
                f"{root} already has a workspace; expected a new study folder. "
                "Use another folder or load layers into this study."
            )
        workspace = cls(root, database, crs=crs)
        with workspace._transaction() as conn, workspace.lock():  # lock: until it commits
            workspace._check_postgis(conn)
            if workspace._stored_crs(conn) is not None:
                raise WorkspaceError(
                    f"the database already holds a study in schema {database.schema!r}; "
                    "expected a new one. Open that study, or choose another schema "
                    "(?schema=NAME in the workspace URL)."
                )
            workspace._create_schema(conn)
            if region is not None:
                workspace.add_layer(region, REGION, kind="vector")
            workspace.folder.mkdir(parents=True)
        logger.info("created workspace schema %s (%s)", database.schema, crs)
        return workspace

    def _check_postgis(self, conn: psycopg.Connection) -> None:
        if conn.execute("SELECT to_regtype('geometry')").fetchone()[0] is None:
            raise WorkspaceError(
                f"the database {self.database.url} has no PostGIS; expected the extension. "
                "Ask its administrator to run CREATE EXTENSION postgis."
            )

    def _stored_crs(self, conn: psycopg.Connection) -> str | None:
        """The CRS recorded in the study's schema, ``None`` when there is no workspace yet."""
        exists = conn.execute(
            "SELECT to_regclass(%s)", (self.database.table(META).as_string(conn),)
        ).fetchone()[0]
        if exists is None:
            return None
        query = sql.SQL("SELECT value FROM {} WHERE key = 'crs'").format(self.database.table(META))
        return conn.execute(query).fetchone()[0]

    def _create_schema(self, conn: psycopg.Connection) -> None:
        table = self.database.table
        conn.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.database.schema))
        )
        statements = [
            f"CREATE TABLE {{{META}}} (key text PRIMARY KEY, value text NOT NULL)",
            f"CREATE TABLE {{{CATALOG}}} (name text PRIMARY KEY, kind text NOT NULL, "
            "stored text NOT NULL, sha256 text NOT NULL, source text NOT NULL, "
            "loaded_at timestamptz NOT NULL, info jsonb NOT NULL)",
            f"CREATE TABLE {{{DOCUMENTS}}} (path text PRIMARY KEY, "
            "written_at timestamptz NOT NULL DEFAULT now(), body jsonb NOT NULL)",
        ]
        names = {META: table(META), CATALOG: table(CATALOG), DOCUMENTS: table(DOCUMENTS)}
        for statement in statements:
            conn.execute(sql.SQL(statement).format(**names))
        meta = {"format": CATALOG_FORMAT, "version": str(CATALOG_VERSION), "crs": self.crs}
        with conn.cursor() as cur:
            cur.executemany(
                sql.SQL("INSERT INTO {} (key, value) VALUES (%s, %s)").format(table(META)),
                list(meta.items()),
            )

    # -- sessions, transactions and the lock ---------------------------------------------

    @contextmanager
    def _session(self) -> Iterator[psycopg.Connection]:
        """The connection this thread holds (in a transaction or the lock), else a new one."""
        state = self._session_state
        if state.connection is not None:
            yield state.connection
            return
        with self.database.connect() as conn:
            state.connection = conn
            try:
                yield conn
            except psycopg.errors.LockNotAvailable as exc:
                raise self._busy() from exc
            except psycopg.Error as exc:
                raise WorkspaceError(
                    f"the workspace database {self.database.url} (schema "
                    f"{self.database.schema!r}) failed: {_first_line(exc)}"
                ) from exc
            finally:
                state.connection = None

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection]:
        """One transaction for a load or a removal; a nested call joins the running one.

        File removals asked for meanwhile (:meth:`_after_commit`) run once it has committed.
        """
        state = self._session_state
        if state.in_transaction:
            yield state.connection
            return
        with self._session() as conn:
            state.in_transaction, state.after_commit = True, []
            try:
                with conn.transaction():
                    yield conn
                actions = state.after_commit
            finally:
                state.in_transaction, state.after_commit = False, []
        for action in actions:
            action()

    def _after_commit(self, action: Callable[[], None]) -> None:
        if self._session_state.in_transaction:
            self._session_state.after_commit.append(action)
        else:
            action()

    @contextmanager
    def lock(self, *, timeout_s: float | None = None) -> Iterator[None]:
        """Hold the study's advisory lock; :class:`BusyError` after ``timeout_s`` (default
        :func:`~parkplan.workspace.lock_wait_s`).

        Inside a transaction the lock lasts until it commits; otherwise this thread keeps one
        connection holding it for the block, and the workspace calls in the block use it.
        """
        timeout_s = lock_wait_s() if timeout_s is None else timeout_s
        state = self._session_state
        if state.in_transaction:
            self._take_lock(state.connection, timeout_s, until_commit=True)
            yield
            return
        if state.lock_depth:
            state.lock_depth += 1
            try:
                yield
            finally:
                state.lock_depth -= 1
            return
        with self._session() as conn:
            self._take_lock(conn, timeout_s, until_commit=False)
            state.lock_depth = 1
            try:
                yield
            finally:
                state.lock_depth = 0
                if not conn.closed:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (self.database.lock_key,))

    def _take_lock(self, conn: psycopg.Connection, timeout_s: float, *, until_commit: bool) -> None:
        function = "pg_advisory_xact_lock" if until_commit else "pg_advisory_lock"
        timeout = f"{max(1, round(timeout_s * 1000))}ms"
        conn.execute("SELECT set_config('lock_timeout', %s, %s)", (timeout, until_commit))
        try:
            conn.execute(
                sql.SQL("SELECT {}(%s)").format(sql.Identifier(function)),
                (self.database.lock_key,),
            )
        except psycopg.errors.LockNotAvailable as exc:
            raise self._busy(timeout_s) from exc
        finally:
            if not until_commit:
                conn.execute("RESET lock_timeout")

    def _busy(self, timeout_s: float | None = None) -> BusyError:
        waited = "" if timeout_s is None else f" for more than {timeout_s:g} s"
        return BusyError(
            f"the study {self.root} is busy (its workspace schema {self.database.schema!r} is "
            f"locked by another process{waited}); try again when the other command has finished."
        )

    # -- the catalogue -------------------------------------------------------------------

    def _entries(self) -> dict[str, LayerInfo]:
        query = sql.SQL("SELECT info FROM {} ORDER BY name").format(self.database.table(CATALOG))
        with self._session() as conn:
            rows = conn.execute(query).fetchall()
        return {info.name: info for info in (LayerInfo.from_dict(row[0]) for row in rows)}

    def _commit(self, add: LayerInfo | None = None, remove: str | None = None) -> None:
        """Set ``add`` and drop ``remove`` in the catalogue, in the running transaction."""
        catalog = self.database.table(CATALOG)
        with self._transaction() as conn:
            if remove is not None:
                conn.execute(sql.SQL("DELETE FROM {} WHERE name = %s").format(catalog), (remove,))
            if add is not None:
                conn.execute(
                    sql.SQL(
                        "INSERT INTO {} (name, kind, stored, sha256, source, loaded_at, info) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
                        "kind = EXCLUDED.kind, stored = EXCLUDED.stored, "
                        "sha256 = EXCLUDED.sha256, source = EXCLUDED.source, "
                        "loaded_at = EXCLUDED.loaded_at, info = EXCLUDED.info"
                    ).format(catalog),
                    (
                        add.name,
                        add.kind,
                        add.stored,
                        add.sha256,
                        add.source,
                        add.loaded_at,
                        Jsonb(add.to_dict()),
                    ),
                )

    # -- storing vector layers -----------------------------------------------------------

    @property
    def srid(self) -> int:
        """The SRID of the study CRS (0 when it has no EPSG code)."""
        return parse_crs(self.crs).to_epsg() or 0

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
        """Read, check and reproject ``dataset`` into a new table of the running transaction."""
        prepared = self._prepare_vector(
            dataset, name, assume_crs=assume_crs, allow_outside=allow_outside
        )
        table = f"layer_{name[:48]}_{secrets.token_hex(4)}"
        with self._transaction() as conn:
            write_table(conn, self.database.table(table), prepared.frame, srid=self.srid)
            yield self._vector_facts(prepared, dataset, stored=table)

    def _referenced_files(self) -> set[str]:
        """The raster files the catalogue references, and the files of a GeoPackage workspace
        in the same folder (a study moved to the database keeps them)."""
        referenced = super()._referenced_files()
        if (self.folder / FILE_CATALOG).exists():
            referenced |= Workspace(self.root, folder=self.folder)._referenced_files()
        return referenced

    def _is_stored(self, info: LayerInfo) -> bool:
        if info.kind != "vector":
            return super()._is_stored(info)
        with self._session() as conn:
            table = self.database.table(info.stored).as_string(conn)
            return conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is not None

    def _forget_files(self, info: LayerInfo) -> None:
        """Drop a vector layer's table in the running transaction; remove a raster's file and
        the cached files once it has committed."""
        if info.kind == "vector":
            with self._transaction() as conn:
                conn.execute(
                    sql.SQL("DROP TABLE IF EXISTS {}").format(self.database.table(info.stored))
                )
        self._after_commit(lambda: super(PostgisWorkspace, self)._forget_files(info))

    def read_vector(self, name: str) -> gpd.GeoDataFrame:
        """The features of the vector layer ``name``, in the study CRS."""
        with self._session() as conn:
            info = self._of_kind(name, "vector")
            return read_table(conn, self.database.table(info.stored), crs=self.crs)

    # -- results -------------------------------------------------------------------------

    def publish_results(self, files: Mapping[str, Path]) -> None:
        """Copy a published run's results into the database, in one transaction.

        ``files`` maps the path a user finds a result at (relative to the study folder, e.g.
        ``sites.gpkg`` or ``scenarios/alt/sites.gpkg``) to the file in the run's folder. Tables
        (``.gpkg``, ``.csv``) become ``result_<path>`` (e.g. ``result_sites_gpkg``), JSON
        documents rows of ``parkplan_documents``; other files stay files.
        """
        with self._transaction() as conn:
            for relative, written in files.items():
                self._publish_one(conn, relative, Path(written))

    def _publish_one(self, conn: psycopg.Connection, relative: str, written: Path) -> None:
        suffix = written.suffix.lower()
        if suffix == ".json":
            body = json.loads(written.read_text(encoding="utf-8"))
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (path, body) VALUES (%s, %s) ON CONFLICT (path) DO "
                    "UPDATE SET body = EXCLUDED.body, written_at = now()"
                ).format(self.database.table(DOCUMENTS)),
                (relative, Jsonb(body)),
            )
        elif suffix in (".gpkg", ".csv"):
            try:
                frame = (
                    pyogrio.read_dataframe(written)
                    if suffix == ".gpkg"
                    else pd.read_csv(written, encoding="utf-8")
                )
            except pd.errors.EmptyDataError:
                return
            table = self.database.table(result_table(relative))
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
            write_table(conn, table, frame, srid=self.srid)


def result_table(relative: str) -> str:
    """The table of result file ``s/b/sites.gpkg`` -> ``result_s_b_sites_gpkg``."""
    slug = re.sub(r"[^a-z0-9]+", "_", relative.lower()).strip("_")
    name = f"result_{slug}"
    if len(name) > MAX_IDENTIFIER_BYTES:
        name = f"{name[:54]}_{hashlib.sha256(relative.encode()).hexdigest()[:8]}"
    return name
