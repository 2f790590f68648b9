"""Reading a run's results for the API: the sites as GeoJSON, cached per run.

Every request resolves the current run once (:meth:`parkplan.runs.RunStore.folder`) and reads
its files from that run's folder. A run writes its sites as the API serves them (a WGS84
FeatureCollection and its gzip, :mod:`parkplan.site_geojson`); those bytes are read once per run
and served from memory. For a run without them, ``sites.gpkg`` is converted once instead.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from fastapi import HTTPException

from parkplan import outputs
from parkplan import site_geojson as geojson
from parkplan.errors import StudyError
from parkplan.runs import RunStore


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
    """One version of ``sites.gpkg`` as GeoJSON: the collection, plain and gzip-compressed,
    and (parsed on first use) each feature by id."""

    stamp: tuple[int, int]
    body: bytes
    body_gzip: bytes

    @property
    def etag(self) -> str:
        """An HTTP entity tag naming this version of the file."""
        return '"{:x}-{:x}"'.format(*self.stamp)

    @cached_property
    def features(self) -> dict[str, dict]:
        """Each feature by its ``id`` (the site's ``site_id``)."""
        return {str(f["id"]): f for f in json.loads(self.body)["features"]}


def read_sites_geojson(path: Path, stamp: tuple[int, int]) -> SiteCollection:
    """The sites of ``path`` (a run's ``sites.gpkg``) as GeoJSON: the copy the run wrote
    beside it when there is one, else made now."""
    stored = geojson.read_site_geojson(path.parent)
    if stored is not None:
        return SiteCollection(stamp, stored.body, stored.body_gzip)
    made = geojson.encode_sites(path)
    return SiteCollection(stamp, made.body, made.body_gzip)


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
