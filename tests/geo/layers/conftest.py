"""Helpers for the layer tests: in-memory sources with an explicit CRS, a loopback HTTP server
that records requests, and a secret file that hostile data must not reach."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from hostile_support import SECRET_BYTES, recording_server

from geo.layers.read import Dataset, VectorRead


def as_read(frame: gpd.GeoDataFrame, name: str = "test.geojson") -> VectorRead:
    """``frame`` as if read from a file called ``name``."""
    return VectorRead(frame, Dataset(Path(name), "GeoJSON"), None, ())


@pytest.fixture(scope="session")
def read_of():
    return as_read


@pytest.fixture
def loopback():
    """A tiny HTTP server on 127.0.0.1: ``(base_url, hits)``; ``hits`` lists the paths asked."""
    with recording_server() as served:
        yield served


@pytest.fixture
def secret_file(tmp_path) -> Path:
    """A file outside any study that hostile data tries to read."""
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_bytes(SECRET_BYTES)
    return path
