"""The PostGIS store: a study's vector layers, catalogue and results in a database.

Chosen by ``study.toml``: ``workspace = "postgresql://USER@HOST:PORT/DB"``
(:func:`parse_database_url` is the one check of that URL). The password is never written
there: libpq takes it from ``PGPASSWORD`` or ``~/.pgpass``. Each study has a schema of its own,
named after the study (``name`` in ``study.toml``, made a safe identifier) unless the URL
chooses one with ``?schema=NAME``::

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
:meth:`PostgisStore.lock` holds the same advisory lock for a whole session;
:class:`~parkplan.errors.BusyError` when it cannot be taken in time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import pandas as pd
import psycopg
import pyogrio
from psycopg import sql
from psycopg.types.json import Jsonb

from geo.layers.crs import parse_crs
from geo.layers.provenance import LayerInfo
from parkplan.errors import BusyError, StudyError, WorkspaceError
from parkplan.workspace.files import CATALOG as FILE_CATALOG
from parkplan.workspace.files import FileStore
from parkplan.workspace.store import CATALOG_FORMAT, CATALOG_VERSION, LayerColumn, lock_wait_s
from parkplan.workspace.tables import (
    MAX_IDENTIFIER_BYTES,
    first_line,
    new_table_name,
    read_table,
    read_table_attributes,
    result_table,
    table_columns,
    write_table,
)

__all__ = [
    "Database",
    "PostgisStore",
    "attach_postgis_store",
    "create_postgis_store",
    "parse_database_url",
    "schema_name",
]

logger = logging.getLogger(__name__)

META = "parkplan_meta"
CATALOG = "parkplan_catalog"
DOCUMENTS = "parkplan_documents"
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
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
                f"cannot connect to the workspace database {self.url} ({first_line(exc)}); "
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


def parse_database_url(url: str, *, study_name: str) -> Database:
    """The database that ``workspace = URL`` names; :class:`StudyError` if it is not one.

    The one check of that setting (the study schema calls it too): a ``postgresql://`` URL
    with a host, no password (libpq takes it from ``PGPASSWORD`` or ``~/.pgpass``), an
    optional ``?schema=NAME`` of lower-case letters, digits and underscores (default: made
    from ``study_name``, see :func:`schema_name`), and otherwise what libpq accepts.
    """
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.netloc:
        raise StudyError(
            f"workspace {_without_secrets(url)!r} is not a PostgreSQL URL; expected "
            "'postgresql://USER@HOST:PORT/DB' (or leave it out for the folder workspace)"
        )
    query = dict(parse_qsl(parts.query))
    if parts.password is not None or "password" in query:
        raise StudyError(
            "the workspace URL holds a password; remove it and put the password in the "
            "PGPASSWORD environment variable or in ~/.pgpass"
        )
    schema = query.pop("schema", None) or schema_name(study_name)
    if not IDENTIFIER.fullmatch(schema):
        raise StudyError(
            f"workspace schema {schema!r} is not allowed; expected lower-case letters, digits "
            "and underscores (e.g. ?schema=westhoek_2026)"
        )
    bare = urlunsplit(parts._replace(query=urlencode(query)))
    try:
        psycopg.conninfo.conninfo_to_dict(bare)
    except psycopg.ProgrammingError as exc:
        raise StudyError(
            f"workspace {bare!r} is not a valid PostgreSQL URL ({first_line(exc)}); "
            "expected 'postgresql://USER@HOST:PORT/DB'"
        ) from None
    return Database(bare, schema)


def _without_secrets(url: str) -> str:
    return re.sub(r"//[^@/]*@", "//…@", url)


# -- the store ----------------------------------------------------------------------------


class _Session(threading.local):
    """What one thread holds of a store: its connection, transaction and lock."""

    def __init__(self) -> None:
        self.connection: psycopg.Connection | None = None
        self.in_transaction = False
        self.lock_depth = 0
        self.after_commit: list[Callable[[], None]] = []


class PostgisStore:
    """The schema of ``database`` as a :class:`~parkplan.workspace.store.LayerStore`; rasters
    and caches stay in the workspace folder ``folder``.

    Each thread has a session of its own: the calls inside :meth:`transaction` or
    :meth:`lock` share its connection; other calls open one for themselves.
    """

    def __init__(self, folder: Path, database: Database, *, crs: str) -> None:
        self.folder = Path(folder)
        self.database = database
        self.crs = crs
        self._state = _Session()

    def __repr__(self) -> str:
        return f"PostgisStore({str(self.folder)!r}, schema={self.database.schema!r})"

    @property
    def srid(self) -> int:
        """The SRID of the study CRS (0 when it has no EPSG code)."""
        return parse_crs(self.crs).to_epsg() or 0

    # -- sessions, transactions and the lock ---------------------------------------------

    @contextmanager
    def _session(self) -> Iterator[psycopg.Connection]:
        """The connection this thread holds (in a transaction or the lock), else a new one."""
        state = self._state
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
                    f"{self.database.schema!r}) failed: {first_line(exc)}"
                ) from exc
            finally:
                state.connection = None

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection]:
        """One transaction; a nested call joins the running one. The actions given to
        :meth:`after_commit` meanwhile run once it has committed."""
        state = self._state
        if state.in_transaction and state.connection is not None:
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

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._transaction():
            yield

    def after_commit(self, action: Callable[[], None]) -> None:
        if self._state.in_transaction:
            self._state.after_commit.append(action)
        else:
            action()

    @contextmanager
    def lock(self, timeout_s: float) -> Iterator[None]:
        """Hold the study's advisory lock.

        Inside a transaction the lock lasts until it commits; otherwise this thread keeps one
        connection holding it for the block, and the store's calls in the block use it.
        """
        state = self._state
        if state.in_transaction and state.connection is not None:
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
            f"the study {self.folder.parent} is busy (its workspace schema "
            f"{self.database.schema!r} is locked by another process{waited}); try again when "
            "the other command has finished."
        )

    # -- the catalogue -------------------------------------------------------------------

    def entries(self) -> dict[str, LayerInfo]:
        query = sql.SQL("SELECT info FROM {} ORDER BY name").format(self.database.table(CATALOG))
        with self._session() as conn:
            rows = conn.execute(query).fetchall()
        return {info.name: info for info in (LayerInfo.from_dict(row[0]) for row in rows)}

    def commit(self, *, add: LayerInfo | None = None, remove: str | None = None) -> None:
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

    # -- vector layers -------------------------------------------------------------------

    @contextmanager
    def write_vector(self, frame: gpd.GeoDataFrame, name: str) -> Iterator[str]:
        """Write ``frame`` to a new table in the running transaction (gone if it fails)."""
        table = new_table_name(name)
        with self._transaction() as conn:
            write_table(conn, self.database.table(table), frame, srid=self.srid)
            yield table

    def read_vector(self, info: LayerInfo) -> gpd.GeoDataFrame:
        with self._session() as conn:
            return read_table(conn, self.database.table(info.stored), crs=self.crs)

    def layer_columns(self, info: LayerInfo) -> tuple[LayerColumn, ...]:
        with self._session() as conn:
            return table_columns(conn, self.database.schema, info.stored)

    def read_attributes(self, info: LayerInfo, columns: Sequence[str]) -> pd.DataFrame:
        with self._session() as conn:
            return read_table_attributes(conn, self.database.table(info.stored), columns)

    def has_vector(self, info: LayerInfo) -> bool:
        with self._session() as conn:
            table = self.database.table(info.stored).as_string(conn)
            return _scalar(conn, "SELECT to_regclass(%s)", (table,)) is not None

    def forget_vector(self, info: LayerInfo) -> None:
        """Drop the layer's table in the running transaction."""
        with self._transaction() as conn:
            conn.execute(
                sql.SQL("DROP TABLE IF EXISTS {}").format(self.database.table(info.stored))
            )

    def referenced_files(self) -> set[str]:
        """The raster files the catalogue references, and the files of a folder store in the
        same folder (a study moved to the database keeps them)."""
        referenced = {Path(info.stored).name for info in self.entries().values()}
        if (self.folder / FILE_CATALOG).exists():
            referenced |= FileStore(self.folder).referenced_files()
        return referenced

    # -- results -------------------------------------------------------------------------

    def publish_results(self, files: Mapping[str, Path]) -> None:
        """Copy a published run's results into the database, in one transaction.

        Tables (``.csv``, and the layer of a ``.gpkg`` named after the file, else its first)
        become ``result_<path>`` (e.g. ``result_sites_gpkg``), the other layers of a GeoPackage
        ``result_<path>_<layer>``; JSON documents become rows of ``parkplan_documents``; other
        files stay files.
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
        elif suffix == ".csv":
            try:
                frame = pd.read_csv(written, encoding="utf-8")
            except pd.errors.EmptyDataError:
                return
            self._replace_table(conn, result_table(relative), frame)
        elif suffix == ".gpkg":
            layers = _spatial_layers(written)
            main = written.stem if written.stem in layers else next(iter(layers), None)
            for layer in layers:
                frame = pyogrio.read_dataframe(written, layer=layer)
                name = result_table(relative, None if layer == main else layer)
                self._replace_table(conn, name, frame)

    def _replace_table(self, conn: psycopg.Connection, name: str, frame: pd.DataFrame) -> None:
        table = self.database.table(name)
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
        write_table(conn, table, frame, srid=self.srid)

    # -- the schema ----------------------------------------------------------------------

    def _check_postgis(self, conn: psycopg.Connection) -> None:
        if _scalar(conn, "SELECT to_regtype('geometry')") is None:
            raise WorkspaceError(
                f"the database {self.database.url} has no PostGIS; expected the extension. "
                "Ask its administrator to run CREATE EXTENSION postgis."
            )

    def _stored_crs(self, conn: psycopg.Connection) -> str | None:
        """The CRS recorded in the study's schema, ``None`` when there is no workspace yet."""
        meta = self.database.table(META)
        if _scalar(conn, "SELECT to_regclass(%s)", (meta.as_string(conn),)) is None:
            return None
        crs = _scalar(conn, sql.SQL("SELECT value FROM {} WHERE key = 'crs'").format(meta))
        return None if crs is None else str(crs)

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


def _spatial_layers(path: Path) -> list[str]:
    """The layers of the GeoPackage ``path`` that have geometries (not e.g. ``layer_styles``)."""
    return [str(name) for name, geometry in pyogrio.list_layers(path) if geometry is not None]


def _scalar(
    conn: psycopg.Connection, query: str | sql.Composed, params: tuple[object, ...] = ()
) -> object:
    """The first value of the first row of ``query``, ``None`` without a row."""
    row = conn.execute(query, params).fetchone()
    return None if row is None else row[0]


def attach_postgis_store(folder: Path, database: Database, *, crs: str) -> PostgisStore:
    """The store of the study whose workspace folder is ``folder``, in ``database``.

    The schema is made on first use, in ``crs`` (the study's); an existing one must hold its
    layers in that CRS.
    """
    store = PostgisStore(folder, database, crs=crs)
    with store._transaction() as conn:
        store._check_postgis(conn)
        stored_crs = store._stored_crs(conn)
        if stored_crs is None:
            with store.lock(lock_wait_s()):  # until the transaction commits
                stored_crs = store._stored_crs(conn)
                if stored_crs is None:
                    store._create_schema(conn)
                    logger.info("made workspace schema %s (%s)", database.schema, crs)
    if stored_crs is not None and not parse_crs(stored_crs).equals(parse_crs(crs)):
        raise WorkspaceError(
            f"the workspace schema {database.schema!r} holds layers in {stored_crs}, but "
            f"study.toml says crs = {crs!r}; set crs back or choose another schema "
            "(?schema=NAME in the workspace URL)."
        )
    store.folder.mkdir(parents=True, exist_ok=True)
    return store


def create_postgis_store(
    folder: Path, database: Database, *, crs: str, fill: Callable[[PostgisStore], None]
) -> PostgisStore:
    """A new workspace in a schema of ``database`` that must not exist yet, given to ``fill``
    (e.g. to load the region). One transaction: a failure leaves no schema behind."""
    store = PostgisStore(folder, database, crs=crs)
    with store._transaction() as conn, store.lock(lock_wait_s()):  # lock: until it commits
        store._check_postgis(conn)
        if store._stored_crs(conn) is not None:
            raise WorkspaceError(
                f"the database already holds a study in schema {database.schema!r}; "
                "expected a new one. Open that study, or choose another schema "
                "(?schema=NAME in the workspace URL)."
            )
        store._create_schema(conn)
        fill(store)
        store.folder.mkdir(parents=True)
    logger.info("created workspace schema %s (%s)", database.schema, crs)
    return store
