"""The architecture, read from the source with :mod:`ast` (no module of the project is imported).

* Direction: each package imports only the packages below it (see ARCHITECTURE.md).
* No cycle among the modules' top-level imports (an import inside a function is a lazy edge:
  it may close a cycle, but it still counts for the direction).
* Confinement: the database driver, GDAL's vector I/O and the HTML toolkit stay in the
  modules that own them.

Each rule is a function from parsed modules to violations (``file:line what``); each has a
self-test that feeds it made-up modules breaking it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Each package, and the packages of the project it may import.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "geo": frozenset(),
    "equalisation": frozenset(),
    "webmap": frozenset({"geo", "equalisation"}),
    "data": frozenset({"geo", "equalisation"}),
    "parkplan": frozenset({"geo", "equalisation", "webmap", "data"}),
}
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
#: Calls that read or write vector files through geopandas (and so through pyogrio).
GEOPANDAS_IO = ("read_file", "to_file")


@dataclass(frozen=True)
class Import:
    """One imported name: ``target`` is the dotted module, or ``module.name`` for ``from``."""

    target: str
    line: int
    lazy: bool = False
    typing_only: bool = False
    parent: str | None = None  # for ``from m import n``: ``m``


@dataclass(frozen=True)
class Module:
    """A parsed module: its dotted name, its file (relative, with ``/``) and what it uses."""

    name: str
    file: str
    imports: tuple[Import, ...]
    io_calls: tuple[tuple[str, int], ...] = field(default=())


@dataclass(frozen=True)
class Confinement:
    """``library`` may be used only under ``homes`` (folders end in ``/``) and in the files
    of ``exceptions`` (file -> why)."""

    library: str
    homes: tuple[str, ...]
    exceptions: Mapping[str, str] = field(default_factory=dict)

    def allows(self, file: str) -> bool:
        return file in self.exceptions or any(
            file.startswith(home) if home.endswith("/") else file == home for home in self.homes
        )


CONFINED = (
    # tables.py holds the PostGIS store's COPY helpers; only postgis.py imports it (tested below)
    Confinement(
        "psycopg",
        ("parkplan/workspace/postgis.py", "parkplan/workspace/tables.py"),
        {"parkplan/accounts/postgres.py": "a PostGIS study's accounts, in its workspace schema"},
    ),
    Confinement(
        "pyogrio",
        ("geo/layers/", "parkplan/workspace/"),
        {
            "data/demo_region.py": "writes the embedded demo region's files (the data maker)",
            "parkplan/gis_outputs.py": "writes a run's result GeoPackage with its QGIS styles",
            "parkplan/outputs.py": "reads a run's sites.gpkg back (the run's own output)",
            "parkplan/site_geojson.py": "reads a published run's sites.gpkg to serve it as GeoJSON",
            "parkplan/examples/westhoek.py": "writes the example's derived coastal-strip file",
        },
    ),
    Confinement("folium", ("webmap/",)),
    Confinement("branca", ("webmap/",)),
    Confinement(
        "jinja2",
        ("webmap/",),
        {"parkplan/api/app_pages.py": "the web app's own pages: one layout, fixed templates"},
    ),
)


# -- parsing ----------------------------------------------------------------------------------


def module_name(file: str) -> str:
    """``parkplan/workspace/__init__.py`` -> ``parkplan.workspace``."""
    parts = file.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module of a (possibly relative) ``from`` import in ``module``."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST, where: tuple[str, bool], lazy: bool, typing: bool) -> Iterator[Import]:
    """The imports under ``node``; ``where`` is the module's name and whether it is a package."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield Import(alias.name, node.lineno, lazy, typing)
    elif isinstance(node, ast.ImportFrom):
        base = _absolute(node, *where)
        for alias in node.names:
            yield Import(f"{base}.{alias.name}", node.lineno, lazy, typing, parent=base)
    elif isinstance(node, ast.If) and _is_type_checking(node.test):
        for statement in node.body:
            yield from _imports(statement, where, lazy, True)
        for statement in node.orelse:
            yield from _imports(statement, where, lazy, typing)
    else:
        inner = lazy or isinstance(node, FUNCTIONS)
        for child in ast.iter_child_nodes(node):
            yield from _imports(child, where, inner, typing)


def _io_calls(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """Calls of geopandas' file I/O (``gpd.read_file(...)``, ``frame.to_file(...)``)."""
    for node in ast.walk(tree):
        func = node.func if isinstance(node, ast.Call) else None
        if isinstance(func, ast.Attribute) and func.attr in GEOPANDAS_IO:
            yield func.attr, node.lineno


def parse_modules(sources: Mapping[str, str]) -> dict[str, Module]:
    """The modules of ``sources`` (relative file -> source text), by dotted name."""
    modules = {}
    for file, text in sources.items():
        name = module_name(file)
        tree = ast.parse(text, filename=file)
        where = (name, file.endswith("__init__.py"))
        imports = tuple(_imports(tree, where, lazy=False, typing=False))
        modules[name] = Module(name, file, imports, tuple(_io_calls(tree)))
    return modules


@cache
def project() -> dict[str, Module]:
    """Every module of the project's packages."""
    files = sorted(p for package in MAY_IMPORT for p in (ROOT / package).rglob("*.py"))
    return parse_modules({p.relative_to(ROOT).as_posix(): p.read_text("utf-8") for p in files})


# -- the rules --------------------------------------------------------------------------------


def _package(dotted: str) -> str:
    return dotted.split(".")[0]


def direction_violations(modules: Mapping[str, Module]) -> list[str]:
    """Imports (lazy and type-only ones too) of a package that the importer may not use."""
    found = []
    for module in modules.values():
        own = _package(module.name)
        for imp in module.imports:
            other = _package(imp.target)
            if other in MAY_IMPORT and other != own and other not in MAY_IMPORT[own]:
                allowed = ", ".join(sorted(MAY_IMPORT[own])) or "no other package"
                found.append(
                    f"{module.file}:{imp.line}: {own} imports {imp.parent or imp.target} "
                    f"({own} may import {allowed})"
                )
    return found


def _resolve(imp: Import, modules: Mapping[str, Module]) -> str | None:
    """The project module an import loads: ``m.n`` when it is one, else ``m``."""
    for candidate in (imp.target, imp.parent):
        while candidate:
            if candidate in modules:
                return candidate
            if imp.parent is not None:
                break  # ``from m import n``: only ``m.n`` or ``m`` itself
            candidate = candidate.rpartition(".")[0]
    return None


def import_graph(modules: Mapping[str, Module]) -> dict[str, dict[str, int]]:
    """Module -> the modules it imports at load time -> the line (lazy and type-only left out)."""
    graph: dict[str, dict[str, int]] = {name: {} for name in modules}
    for module in modules.values():
        for imp in module.imports:
            target = None if imp.lazy or imp.typing_only else _resolve(imp, modules)
            if target is not None and target != module.name:
                graph[module.name].setdefault(target, imp.line)
    return graph


def strongly_connected(graph: Mapping[str, Mapping[str, int]]) -> list[list[str]]:
    """The groups of two or more modules that import each other in a circle (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = stack[stack.index(node) :]
            del stack[stack.index(node) :]
            groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [group for group in groups if len(group) > 1]


def cycle_violations(modules: Mapping[str, Module]) -> list[str]:
    """One line per cycle: its modules, and the ``file:line`` of each import inside it."""
    graph = import_graph(modules)
    found = []
    for group in strongly_connected(graph):
        edges = [
            f"{modules[a].file}:{line} imports {b}"
            for a in group
            for b, line in sorted(graph[a].items())
            if b in group
        ]
        found.append(f"cycle among {', '.join(group)}: {'; '.join(edges)}")
    return found


def confinement_violations(modules: Mapping[str, Module], rule: Confinement) -> list[str]:
    """Uses of ``rule.library`` outside its homes and named exceptions."""
    found = []
    for module in modules.values():
        if rule.allows(module.file):
            continue
        lines = [i.line for i in module.imports if _package(i.target) == rule.library]
        if rule.library == "pyogrio":
            lines += [line for _, line in module.io_calls]
        where = ", ".join(rule.homes)
        found += [f"{module.file}:{n}: uses {rule.library} (only in {where})" for n in lines]
    return found


def importers_of(modules: Mapping[str, Module], target: str) -> set[str]:
    """The files that import the module ``target`` (at load time or lazily)."""
    return {
        module.file
        for module in modules.values()
        if any(_resolve(imp, modules) == target for imp in module.imports)
    }


# -- the project ------------------------------------------------------------------------------


def test_every_package_is_read():
    packages = {_package(name) for name in project()}
    assert packages == set(MAY_IMPORT)
    assert len(project()) > 100


def test_packages_import_only_the_packages_below_them():
    assert direction_violations(project()) == []


def test_modules_import_each_other_without_a_cycle():
    assert cycle_violations(project()) == []


@pytest.mark.parametrize("rule", CONFINED, ids=lambda rule: rule.library)
def test_libraries_stay_in_the_modules_that_own_them(rule):
    assert confinement_violations(project(), rule) == []


@pytest.mark.parametrize(
    ("rule", "file"),
    [(rule, file) for rule in CONFINED for file in rule.exceptions],
    ids=lambda value: getattr(value, "library", value),
)
def test_every_named_exception_is_still_needed(rule, file):
    """An exception whose file no longer uses the library must be struck from the list."""
    home_only = Confinement(rule.library, rule.homes)
    module = next(m for m in project().values() if m.file == file)
    assert confinement_violations({module.name: module}, home_only), f"{file}: drop it"


def test_only_the_postgis_store_imports_its_table_helpers():
    """So the database driver is loaded only with the PostGIS store."""
    assert importers_of(project(), "parkplan.workspace.tables") == {"parkplan/workspace/postgis.py"}


# -- the checks can fail ----------------------------------------------------------------------


def test_the_direction_check_names_the_file_and_line():
    modules = parse_modules(
        {
            "geo/engine.py": "import numpy\n\ndef f():\n    from parkplan.study import Study\n",
            "webmap/maps.py": "from geo.grid import Grid\nimport parkplan\n",
            "data/region.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from webmap import maps\n",
            "parkplan/run.py": "from webmap import maps\nfrom data import region\n",
        }
    )
    assert direction_violations(modules) == [
        "geo/engine.py:4: geo imports parkplan.study (geo may import no other package)",
        "webmap/maps.py:2: webmap imports parkplan (webmap may import equalisation, geo)",
        "data/region.py:3: data imports webmap (data may import equalisation, geo)",
    ]


def test_the_cycle_check_counts_top_level_imports_only():
    sources = {
        "parkplan/__init__.py": "",
        "parkplan/a.py": "from parkplan import b\n",
        "parkplan/b.py": "from parkplan.c import thing\n",
        "parkplan/c.py": "import parkplan.a\n",
    }
    found = cycle_violations(parse_modules(sources))
    assert found == [
        "cycle among parkplan.a, parkplan.b, parkplan.c: parkplan/a.py:1 imports parkplan.b; "
        "parkplan/b.py:1 imports parkplan.c; parkplan/c.py:1 imports parkplan.a"
    ]
    sources["parkplan/c.py"] = "def later():\n    import parkplan.a\n"
    assert cycle_violations(parse_modules(sources)) == []


def test_the_cycle_check_sees_relative_imports_and_package_front_doors():
    sources = {
        "parkplan/workspace/__init__.py": "from .files import FileStore\n",
        "parkplan/workspace/files.py": "from parkplan.workspace import LayerStore\n",
    }
    (found,) = cycle_violations(parse_modules(sources))
    assert "parkplan/workspace/__init__.py:1 imports parkplan.workspace.files" in found


def test_the_confinement_check_names_the_file_and_line():
    rules = {rule.library: rule for rule in CONFINED}
    modules = parse_modules(
        {
            "parkplan/check.py": "import pandas\nimport pyogrio.errors\n",
            "parkplan/views.py": "import geopandas as gpd\ngpd.read_file('x.gpkg')\n",
            "parkplan/workspace/files.py": "import pyogrio\n",
            "parkplan/workspace/factory.py": "from psycopg import sql\n",
            "parkplan/report.py": "def page():\n    from folium import Map\n",
        }
    )
    assert confinement_violations(modules, rules["pyogrio"]) == [
        "parkplan/check.py:2: uses pyogrio (only in geo/layers/, parkplan/workspace/)",
        "parkplan/views.py:2: uses pyogrio (only in geo/layers/, parkplan/workspace/)",
    ]
    assert confinement_violations(modules, rules["psycopg"]) == [
        "parkplan/workspace/factory.py:1: uses psycopg (only in parkplan/workspace/postgis.py, "
        "parkplan/workspace/tables.py)"
    ]
    assert confinement_violations(modules, rules["folium"]) == [
        "parkplan/report.py:2: uses folium (only in webmap/)"
    ]
