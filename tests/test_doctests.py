"""The examples in the docstrings of the packages run as tests (one test per module)."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil

import pytest

PACKAGES = ("geo", "equalisation", "webmap", "data", "parkplan")


def modules_with_examples() -> list[str]:
    """The modules of the packages whose source holds a ``>>>`` example."""
    found = []
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            spec = importlib.util.find_spec(info.name)
            origin = spec.origin if spec else None
            if origin and origin.endswith(".py"):
                with open(origin, encoding="utf-8") as source:
                    if ">>> " in source.read():
                        found.append(info.name)
    return sorted(found)


def test_the_packages_have_examples() -> None:
    assert len(modules_with_examples()) >= 15


@pytest.mark.parametrize("name", modules_with_examples())
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has '>>> ' in its source but no docstring example"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} fail"
