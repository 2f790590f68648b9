"""Reading a run's results for the API: the sites as GeoJSON, cached on the file's mtime.

``sites.gpkg`` is converted to a WGS84 (EPSG:4326) FeatureCollection once per version of the
file (keyed on its modification time and size) and served from memory afterwards; a new run
replaces the file atomically, so the next request sees the new sites.
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
from fastapi import HTTPException

from parkplan import outputs

WGS84 = "EPSG:4326"


def results_folder(study_dir: Path, scenario: str | None) -> Path:
    """Where the results of the base model or of ``scenario`` lie (the name is pre-validated)."""
    return study_dir if scenario is None else study_dir / "scenarios" / scenario


def result_file(study_dir: Path, scenario: str | None, name: str) -> Path:
    """A result file of the last run; 404 when that run has not written it."""
    path = results_folder(study_dir, scenario) / name
    if not path.is_file():
        which = "the study" if scenario is None else f"scenario {scenario!r}"
        raise HTTPException(
            404, f"{name} of {which} does not exist yet; run {which} first (POST /api/runs)"
        )
    return path


@dataclass(frozen=True)
class SiteCollection:
    """One version of ``sites.gpkg`` as GeoJSON: the whole collection and each feature."""

    stamp: tuple[int, int]
    body: bytes
    body_gzip: bytes
    features: dict[str, dict]

    @property
    def etag(self) -> str:
        """An HTTP entity tag naming this version of the file."""
        return '"{:x}-{:x}"'.format(*self.stamp)


def read_sites_geojson(path: Path, stamp: tuple[int, int]) -> SiteCollection:
    """Read ``path``, reproject to WGS84, and keep the columns as feature properties."""
    sites = gpd.read_file(path, engine="pyogrio").to_crs(WGS84)
    collection = json.loads(sites.to_json(na="null", drop_id=True))
    features: dict[str, dict] = {}
    for feature in collection["features"]:
        site_id = str(feature["properties"].get("site_id", len(features)))
        feature["id"] = site_id
        features[site_id] = feature
    body = json.dumps(collection, ensure_ascii=False, allow_nan=False).encode("utf-8")
    return SiteCollection(
        stamp=stamp, body=body, body_gzip=gzip.compress(body, mtime=0), features=features
    )


class SiteStore:
    """``sites.gpkg`` files as GeoJSON, re-read only when a file changes."""

    def __init__(self) -> None:
        self._cache: dict[Path, SiteCollection] = {}
        self._lock = threading.Lock()

    def collection(self, study_dir: Path, scenario: str | None) -> SiteCollection:
        """The sites of the last run of the study or ``scenario``."""
        path = result_file(study_dir, scenario, outputs.SITES_GPKG)
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(path)
        if cached is not None and cached.stamp == stamp:
            return cached
        fresh = read_sites_geojson(path, stamp)
        with self._lock:
            self._cache[path] = fresh
        return fresh
