"""Reading a run's results for the API: the sites as GeoJSON, cached per run.

Every request resolves the current run once (:meth:`parkplan.runs.RunStore.folder`) and reads
its files from that run's folder; a published run never changes, so ``sites.gpkg`` is
converted to a WGS84 (EPSG:4326) FeatureCollection once per run and served from memory.
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
from parkplan.errors import StudyError
from parkplan.runs import RunStore

WGS84 = "EPSG:4326"


def result_file(study_dir: Path, scenario: str | None, name: str) -> Path:
    """A result file of the current run; 404 when there is none or it has no such file."""
    which = "the study" if scenario is None else f"scenario {scenario!r}"
    try:
        folder = RunStore(study_dir).folder(scenario)
    except StudyError:
        raise HTTPException(
            404, f"{which} has no results yet; run {which} first (POST /api/runs)"
        ) from None
    path = folder / name
    if not path.is_file():
        raise HTTPException(404, f"the current run of {which} has no {name}")
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
    """The sites of the current runs as GeoJSON: one collection per base model or scenario,
    read again only when another run (or another version of the file) is current."""

    def __init__(self) -> None:
        self._cache: dict[str | None, tuple[Path, SiteCollection]] = {}
        self._lock = threading.Lock()

    def collection(self, study_dir: Path, scenario: str | None) -> SiteCollection:
        """The sites of the current run of the study or ``scenario``."""
        path = result_file(study_dir, scenario, outputs.SITES_GPKG)
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(scenario)
        if cached is not None and cached[0] == path and cached[1].stamp == stamp:
            return cached[1]
        fresh = read_sites_geojson(path, stamp)
        with self._lock:
            self._cache[scenario] = (path, fresh)
        return fresh
