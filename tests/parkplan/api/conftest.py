"""Fixtures of the API tests (helpers in :mod:`api_support`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_support import client_for, make_study, settings
from fastapi.testclient import TestClient


@pytest.fixture
def study(tmp_path: Path) -> Path:
    return make_study(tmp_path / "study")


@pytest.fixture(scope="module")
def shared_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One study for tests that only read."""
    return make_study(tmp_path_factory.mktemp("shared") / "study")


@pytest.fixture
def client(study: Path) -> TestClient:
    with client_for(study, settings()) as test_client:
        yield test_client
