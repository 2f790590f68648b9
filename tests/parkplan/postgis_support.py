"""The workspace backends under test: the GeoPackage folder always, PostGIS when a server is
reachable (``PARKPLAN_TEST_POSTGRES_URL``, e.g. from ``eval "$(scripts/postgis.sh start)"``).

A :class:`Backend` prepares a study folder for its kind of workspace and inspects what a
workspace holds, so that one test can check both kinds.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import psycopg
from psycopg import sql

from parkplan.study import Study, save_study
from parkplan.workspace import LayerInfo, Workspace

URL_VARIABLE = "PARKPLAN_TEST_POSTGRES_URL"


@cache
def unreachable_reason() -> str | None:
    """Why the PostGIS tests cannot run here, or ``None`` when they can."""
    url = os.environ.get(URL_VARIABLE)
    if not url:
        return (
            f"no PostGIS server for the tests: {URL_VARIABLE} is not set "
            '(eval "$(scripts/postgis.sh start)" starts a throwaway one)'
        )
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
        schema = workspace.database.schema
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
        return {t for t in tables(workspace.database.schema) if t.startswith("layer_")}

    def destroy(self, workspace: Workspace, info: LayerInfo) -> None:
        """Lose a layer's stored data behind the catalogue's back."""
        if self.kind == "gpkg":
            (workspace.folder / info.stored).unlink()
        else:
            query(
                sql.SQL("DROP TABLE {}").format(
                    sql.Identifier(workspace.database.schema, info.stored)
                )
            )

    def cleanup(self) -> None:
        for schema in self.schemas:
            drop_schema(schema)
