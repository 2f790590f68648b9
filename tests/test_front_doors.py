"""The packages' front doors: every name they offer resolves, and importing them stays light."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

#: The packages with a lazy table of their main entry points.
PACKAGES = ("geo", "equalisation", "webmap", "parkplan")
#: Libraries that ``import <package>`` must not load (the command line's start time).
HEAVY = ("geopandas", "rasterio", "folium", "fastapi", "dask")


@pytest.mark.parametrize("name", PACKAGES)
def test_every_name_of_the_front_door_resolves(name: str) -> None:
    package = importlib.import_module(name)
    assert package.__all__ == sorted(package._WHERE)
    for attribute, module in package._WHERE.items():
        value = getattr(package, attribute)
        assert value is getattr(importlib.import_module(module), attribute), attribute
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = package.nothing


@pytest.mark.parametrize("name", PACKAGES)
def test_importing_the_package_loads_no_heavy_library(name: str) -> None:
    code = f"import sys\nimport {name}\nprint(sorted(set({HEAVY!r}) & set(sys.modules)))\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
