"""Which store a study's workspace uses: the folder, or PostGIS when ``study.toml`` says so.

``workspace = "postgresql://USER@HOST:PORT/DB"`` in ``study.toml`` chooses PostGIS (checked by
:func:`parkplan.workspace.postgis.parse_database_url`, which imports the database driver: only
then is it loaded); without it, or without a ``study.toml`` yet (``parkplan init`` makes the
workspace first), the workspace is the folder. A ``study.toml`` that cannot be read is an
error, never a silent fallback to the folder.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.grid import projected_crs
from geo.layers.crs import crs_label
from parkplan.errors import StudyError, WorkspaceError
from parkplan.workspace.files import create_file_store, open_file_store
from parkplan.workspace.folder import WORKSPACE_DIR
from parkplan.workspace.store import LayerStore

if TYPE_CHECKING:
    from parkplan.workspace.postgis import Database

__all__ = ["STUDY_FILE", "StoreSettings", "create_store", "open_store", "store_settings"]

#: The settings file of a study (the same name as :data:`parkplan.study.STUDY_FILE`).
STUDY_FILE = "study.toml"
DEFAULT_CRS = "EPSG:31370"


@dataclass(frozen=True)
class StoreSettings:
    """What ``study.toml`` says about the workspace: the database (``None``: the folder) and
    the study CRS."""

    database: Database | None = None
    crs: str = DEFAULT_CRS


def store_settings(root: Path) -> StoreSettings:
    """The workspace settings of ``root/study.toml`` (the defaults when there is none yet);
    :class:`StudyError` when it cannot be read or names no valid database."""
    path = Path(root) / STUDY_FILE
    data = _read_toml(path)
    if data is None or "workspace" not in data:
        return StoreSettings()
    url = _text(data, "workspace", path, "a 'postgresql://USER@HOST:PORT/DB' URL")
    name = _text(data, "name", path, "the study's name", Path(root).resolve().name)
    crs = _text(data, "crs", path, "a projected CRS such as 'EPSG:31370'", DEFAULT_CRS)
    return StoreSettings(_database(path, url, study_name=name), crs)


def open_store(root: Path) -> LayerStore:
    """The store of the study at ``root``; :class:`WorkspaceError` if it has no workspace."""
    root = Path(root)
    settings = store_settings(root)
    folder = root / WORKSPACE_DIR
    if settings.database is None:
        return open_file_store(folder)
    from parkplan.workspace.postgis import attach_postgis_store

    crs = crs_label(projected_crs(settings.crs, what="the study CRS"))
    return attach_postgis_store(folder, settings.database, crs=crs)


def create_store(root: Path, *, crs: str, fill: Callable[[LayerStore], None]) -> LayerStore:
    """A new store in ``crs`` for the study at ``root``, given to ``fill`` (e.g. to load the
    region) before it is kept: a failure leaves no workspace. Refuses a study that has one."""
    root = Path(root)
    settings = store_settings(root)
    folder = root / WORKSPACE_DIR
    if folder.exists():
        raise WorkspaceError(
            f"{root} already has a workspace; expected a new study folder. "
            "Use another folder or load layers into this study."
        )
    if settings.database is None:
        return create_file_store(folder, crs=crs, fill=fill)
    from parkplan.workspace.postgis import create_postgis_store

    return create_postgis_store(folder, settings.database, crs=crs, fill=fill)


def _database(path: Path, url: str, *, study_name: str) -> Database:
    """The database of ``url``; the error names the study file ``path``."""
    from parkplan.workspace.postgis import parse_database_url  # the database driver, only now

    try:
        return parse_database_url(url, study_name=study_name)
    except StudyError as exc:
        raise StudyError(f"{path}: {exc}") from None


def _read_toml(path: Path) -> dict[str, Any] | None:
    """The data of the TOML file ``path``, ``None`` if there is none; one-line errors."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StudyError(
            f"{path} cannot be read ({exc}); expected a UTF-8 text file. Fix its permissions "
            "or its encoding."
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StudyError(
            f"{path} is not valid TOML ({' '.join(str(exc).split())}); fix the syntax "
            "('parkplan check' shows every problem)."
        ) from None
    except RecursionError:
        raise StudyError(f"{path} is nested too deeply to be a study file.") from None


def _text(data: dict[str, Any], key: str, path: Path, expected: str, default: str = "") -> str:
    """The text setting ``key``, ``default`` when it is left out."""
    value = data.get(key, default)
    if not isinstance(value, str):
        raise StudyError(f"{path}: {key} = {value!r:.60}; expected {expected}.")
    return value
