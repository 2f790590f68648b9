"""The workspace backends under test: the GeoPackage folder always, and PostGIS.

The PostGIS tests use the server of ``PARKPLAN_TEST_POSTGRES_URL`` when it is set; otherwise
the first test that needs one starts a throwaway cluster with ``scripts/postgis.sh start``
(Debian's ``postgresql`` and ``postgresql-15-postgis-3``), stopped when the tests end.

A :class:`Backend` prepares a study folder for its kind of workspace and inspects what a
workspace holds, so that one test can check both kinds.
"""

from __future__ import annotations

import atexit
import os
import secrets
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import psycopg
from psycopg import sql

from parkplan.study import Study, save_study
from parkplan.workspace import LayerInfo, Workspace

URL_VARIABLE = "PARKPLAN_TEST_POSTGRES_URL"
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "postgis.sh"


def start_throwaway_server() -> str | None:
    """Start a throwaway PostGIS cluster for this test session and export its variables;
    return why it could not start, or ``None``."""
    try:
        done = subprocess.run(
            ["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"scripts/postgis.sh could not run ({exc})"
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or ["no output"])[-1]
    for line in done.stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        os.environ[name] = value
    folder = os.environ["PARKPLAN_PG_DIR"]
    atexit.register(subprocess.run, ["bash", str(SCRIPT), "stop", folder], capture_output=True)
    return None


@cache
def unreachable_reason() -> str | None:
    """Why the PostGIS tests cannot run here, or ``None`` when they can."""
    if not os.environ.get(URL_VARIABLE):
        failure = start_throwaway_server()
        if failure is not None:
            return f"no PostGIS server for the tests: {URL_VARIABLE} is not set and {failure}"
    url = os.environ[URL_VARIABLE]
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            if conn.execute("SELECT to_regtype('geometry')").fetchone()[0] is None:
                return f"the database of {URL_VARIABLE} has no PostGIS extension"
    except psycopg.Error as exc:
        return f"the PostGIS server of {URL_VARIABLE} is not reachable ({exc})".splitlines()[0]
    return None


def postgres_url() -> str:
    """The URL of the test database (call after checking :func:`unreachable_reason`)."""
    return os.environ[URL_VARIABLE]


def new_schema() -> str:
    """A fresh schema name, so that tests never see each other's studies."""
    return f"test_{secrets.token_hex(6)}"


def query(sql_text: sql.Composable | str, params: tuple = ()) -> list[tuple]:
    """Rows of a query on the test database, in a connection of its own."""
    with psycopg.connect(postgres_url()) as conn:
        cursor = conn.execute(sql_text, params)
        return cursor.fetchall() if cursor.description else []


def tables(schema: str) -> list[str]:
    """The tables of ``schema``, by name."""
    rows = query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1",
        (schema,),
    )
    return [row[0] for row in rows]


def schema_exists(schema: str) -> bool:
    return bool(query("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)))


def drop_schema(schema: str) -> None:
    query(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def write_postgis_study(root: Path, *, schema: str | None, name: str = "study") -> Path:
    """A ``study.toml`` at ``root`` whose workspace is the test database (in ``schema``)."""
    root.mkdir(parents=True, exist_ok=True)
    url = postgres_url() + (f"?schema={schema}" if schema else "")
    return save_study(Study(name=name, workspace=url), root)


@dataclass
class Backend:
    """One kind of workspace: ``"gpkg"`` or ``"postgis"`` (a fresh schema per test)."""

    kind: str
    schemas: list[str] = field(default_factory=list)

    def prepare(self, root: Path) -> Path:
        """Make ``root`` ready for :meth:`Workspace.create` with this backend."""
        if self.kind == "postgis":
            self.schemas.append(new_schema())
            write_postgis_study(root, schema=self.schemas[-1])
        return root

    def nothing_made(self, root: Path) -> bool:
        """Whether a failed create left neither a workspace folder nor a schema."""
        if self.kind == "gpkg":
            return not root.exists()
        return not (root / "workspace").exists() and not schema_exists(self.schemas[-1])

    def state(self, workspace: Workspace) -> tuple:
        """The catalogue and what the workspace stores: what "unchanged" compares."""
        files = sorted(str(p.relative_to(workspace.folder)) for p in workspace.folder.rglob("*"))
        if self.kind == "gpkg":
            return (workspace.folder / "catalog.json").read_text(), files
        schema = workspace.store.database.schema
        catalog = query(
            sql.SQL("SELECT name, stored, info::text FROM {} ORDER BY name").format(
                sql.Identifier(schema, "parkplan_catalog")
            )
        )
        return catalog, tables(schema), files

    def stored(self, workspace: Workspace) -> set[str]:
        """The stored vector layers: GeoPackage files, or tables."""
        if self.kind == "gpkg":
            folder = workspace.folder / "layers"
            return {f"layers/{p.name}" for p in folder.iterdir()} if folder.is_dir() else set()
        return {t for t in tables(workspace.store.database.schema) if t.startswith("layer_")}

    def destroy(self, workspace: Workspace, info: LayerInfo) -> None:
        """Lose a layer's stored data behind the catalogue's back."""
        if self.kind == "gpkg":
            (workspace.folder / info.stored).unlink()
        else:
            query(
                sql.SQL("DROP TABLE {}").format(
                    sql.Identifier(workspace.store.database.schema, info.stored)
                )
            )

    def cleanup(self) -> None:
        for schema in self.schemas:
            drop_schema(schema)
