"""Helpers for the layer tests: in-memory sources with an explicit CRS."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from geo.layers.read import Dataset, VectorRead


def as_read(frame: gpd.GeoDataFrame, name: str = "test.geojson") -> VectorRead:
    """``frame`` as if read from a file called ``name``."""
    return VectorRead(frame, Dataset(Path(name), "GeoJSON"), None, ())


@pytest.fixture(scope="session")
def read_of():
    return as_read
