"""The rasters of a run that do not depend on the weights, kept in the workspace and reused.

A run writes each criterion's standardised raster (``criteria/NAME.tif``), its raw values
when the robustness varies transforms (``raw/NAME.tif``) and the first exclusion of every
cell, the outside of the study area included (``exclusions.tif``). None of them depends on
the weights or on the aggregation, except that OWA computes μ in float64
(:func:`geo.engine.mu_dtype`). A run whose inputs to one of them are an earlier run's links
that raster into its own folder (a hard link: published runs are never modified) and the
engine reads it instead of computing it: a run with other weights only aggregates and writes
the score raster.

Each raster is keyed by the SHA-256 of exactly what determines it:

- a criterion: its settings but its weight, rank, jitter and texts (name, kind, layer,
  column, categories, radius, transform), its layer's identity (the source's content hash
  and the stored copy: a layer loaded again gets new keys), the grid, the type of μ, the
  compression, and the versions of parkplan, of the distance algorithm and of this format;
- the exclusions: every exclusion's settings in order, without texts, each with its layer's
  identity; the study area's polygons; the grid, the compression and the versions.

Layout of ``workspace/cache/scoring/``::

    KEY.mu.tif       a criterion's μ                 KEY.codes.tif    the exclusion codes
    KEY.raw.tif      its raw values, when kept       KEY.codes.json   their report

Every ``.tif`` is a hard link to a run's file (a copy where links are refused). The map's
cell lookup samples a raster at the same cells in every run on the grid: the values of a
linked raster are kept beside its entry (``KEY.mu.tif.cells-POSITIONS.npy``,
:func:`sampled_cells`) and read from there by the next run. After a run has scored, an entry
that no run links any more (link count 1) and that the run did not use is removed with what
is kept beside it, so the cache holds what the kept runs hold.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import shapely

from geo.atomic import atomic_path
from geo.criteria import StoredCriterion
from geo.distance import ALGORITHM_VERSION, DEFAULT_TOLERANCE_M
from geo.engine import StoredExclusions, SuitabilityResult, mu_dtype
from geo.exclusions import ExclusionReport
from geo.grid import Grid
from geo.transforms import Transform
from parkplan import library_inputs
from parkplan.run_facts import parkplan_version
from parkplan.study import CriterionConfig, ExclusionConfig, Study
from parkplan.workspace import Workspace

log = logging.getLogger(__name__)

#: Bumped whenever what a key covers, or the files of an entry, change.
CACHE_FORMAT = 1
#: Settings of a criterion or an exclusion that do not change its raster.
NOT_IN_RASTER = {"weight", "rank", "transform_jitter", "description", "label"}
MU, RAW, CODES, REPORT = ".mu.tif", ".raw.tif", ".codes.tif", ".codes.json"
#: Age (s) after which a hidden temporary file of the cache was left by a killed process.
STALE_S = 3600


@dataclass(frozen=True)
class ScoringKeys:
    """The key of each criterion's rasters (by name) and of the exclusion raster."""

    criteria: Mapping[str, str]
    exclusions: str

    def all(self) -> set[str]:
        return {*self.criteria.values(), self.exclusions}


@dataclass(frozen=True)
class RunRasters:
    """Where a run keeps its weight-independent rasters: ``criteria/``, ``raw/`` (``None``:
    raw values not kept) and the exclusion raster."""

    criterion_dir: Path
    raw_dir: Path | None
    exclusion_path: Path

    def mu(self, name: str) -> Path:
        return self.criterion_dir / f"{name}.tif"

    def raw(self, name: str) -> Path | None:
        return None if self.raw_dir is None else self.raw_dir / f"{name}.tif"


@dataclass(frozen=True)
class Reused:
    """What a run takes from the cache: stored criteria by name, stored exclusions or
    ``None``."""

    criteria: Mapping[str, StoredCriterion]
    exclusions: StoredExclusions | None


def digest(facts: object) -> str:
    """SHA-256 (hex) of ``facts`` as canonical JSON."""
    text = json.dumps(facts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def layer_identity(workspace: Workspace, name: str) -> dict[str, str]:
    """What a layer is: its source's content hash and its stored copy (new at every load)."""
    info = workspace.layer(name)
    return {"kind": info.kind, "sha256": info.sha256, "stored": info.stored, "crs": info.crs}


def common_facts(grid: Grid, compression: str) -> dict:
    """What every key covers: the grid, the compression and the versions."""
    return {
        "format": CACHE_FORMAT,
        "parkplan": parkplan_version(),
        "distance": [ALGORITHM_VERSION, DEFAULT_TOLERANCE_M],
        "grid": asdict(grid),
        "compression": compression,
    }


def criterion_key(
    config: CriterionConfig, workspace: Workspace, grid: Grid, *, dtype: str, compression: str
) -> str:
    """The key of a criterion's μ and raw rasters."""
    return digest(
        {
            "criterion": config.model_dump(mode="json", exclude=NOT_IN_RASTER),
            "layer": layer_identity(workspace, config.layer),
            "dtype": dtype,
            **common_facts(grid, compression),
        }
    )


def exclusions_key(
    configs: Sequence[ExclusionConfig],
    area: library_inputs.StudyArea,
    workspace: Workspace,
    grid: Grid,
    *,
    compression: str,
) -> str:
    """The key of the exclusion raster: the exclusions in order and the study area."""
    geometries = np.asarray(area.area.geometry.values, dtype=object)
    wkb = shapely.to_wkb(geometries, hex=True, output_dimension=2)
    return digest(
        {
            "study_area": [str(area.area.crs), hashlib.sha256("".join(wkb).encode()).hexdigest()],
            "exclusions": [
                {
                    **e.model_dump(mode="json", exclude=NOT_IN_RASTER),
                    "layer": layer_identity(workspace, e.layer),
                }
                for e in configs
            ],
            **common_facts(grid, compression),
        }
    )


def scoring_keys(
    study: Study, workspace: Workspace, grid: Grid, area: library_inputs.StudyArea
) -> ScoringKeys:
    """The keys of the weight-independent rasters of a run of ``study`` (a variant)."""
    compression = study.outputs.compression
    dtype = np.dtype(mu_dtype(library_inputs.aggregation(study))).name
    criteria = {
        c.name: criterion_key(c, workspace, grid, dtype=dtype, compression=compression)
        for c in study.criteria
    }
    codes = exclusions_key(study.exclusions, area, workspace, grid, compression=compression)
    return ScoringKeys(criteria, codes)


def reuse(
    folder: Path,
    keys: ScoringKeys,
    study: Study,
    workspace: Workspace,
    grid: Grid,
    rasters: RunRasters,
) -> Reused:
    """Link every cached raster of the run into its folder (``rasters``): the criteria found
    (with their raw values when the run keeps them) and the exclusions when found."""
    stored = {}
    for config in study.criteria:
        criterion = _reused_criterion(
            folder, keys.criteria[config.name], config, workspace, grid, rasters
        )
        if criterion is not None:
            stored[config.name] = criterion
    return Reused(stored, _reused_exclusions(folder, keys.exclusions, rasters.exclusion_path))


def _reused_criterion(
    folder: Path,
    key: str,
    config: CriterionConfig,
    workspace: Workspace,
    grid: Grid,
    rasters: RunRasters,
) -> StoredCriterion | None:
    mu, raw = folder / f"{key}{MU}", folder / f"{key}{RAW}"
    wants_raw = rasters.raw_dir is not None
    if not mu.is_file() or (wants_raw and not raw.is_file()):
        return None
    linked(mu, rasters.mu(config.name))
    raw_path = rasters.raw(config.name)
    if raw_path is not None:
        linked(raw, raw_path)
    log.info("criterion %r: reusing its rasters (%s)", config.name, key[:16])
    return StoredCriterion(
        config.name,
        raw_transform(config, workspace, grid),
        standardised=rasters.mu(config.name),
        raw=raw_path,
    )


def raw_transform(config: CriterionConfig, workspace: Workspace, grid: Grid) -> Transform:
    """The transform of a criterion's raw values: its own, except for zoning, whose raw values
    are the codes of the layer's categories."""
    if config.kind == "zoning":
        return library_inputs.criterion(config, workspace, grid).raw_transform
    return library_inputs.transform_of(config.transform)


def _reused_exclusions(folder: Path, key: str, target: Path) -> StoredExclusions | None:
    codes, report = folder / f"{key}{CODES}", folder / f"{key}{REPORT}"
    if not (codes.is_file() and report.is_file()):
        return None
    facts = json.loads(report.read_text(encoding="utf-8"))
    linked(codes, target)
    log.info("exclusions: reusing the exclusion raster (%s)", key[:16])
    return StoredExclusions(target, exclusion_report(facts))


def exclusion_report(facts: Mapping) -> ExclusionReport:
    """The :class:`ExclusionReport` of its ``asdict`` form."""
    return ExclusionReport(
        names=tuple(facts["names"]),
        alone_ha=tuple(facts["alone_ha"]),
        in_sequence_ha=tuple(facts["in_sequence_ha"]),
        excluded_ha=facts["excluded_ha"],
        grid_ha=facts["grid_ha"],
    )


def keep(folder: Path, keys: ScoringKeys, result: SuitabilityResult, reused: Reused) -> None:
    """Link the rasters the run wrote into the cache, then remove the entries no run uses."""
    for name, key in keys.criteria.items():
        if name in reused.criteria:
            continue
        linked(result.criterion_paths[name], folder / f"{key}{MU}")
        if name in result.raw_paths:
            linked(result.raw_paths[name], folder / f"{key}{RAW}")
    if reused.exclusions is None and result.exclusion_path is not None:
        report = folder / f"{keys.exclusions}{REPORT}"
        with atomic_path(report) as temporary:
            temporary.write_text(json.dumps(asdict(result.exclusions)), encoding="utf-8")
        linked(result.exclusion_path, folder / f"{keys.exclusions}{CODES}")
    prune(folder, keys.all())


def prune(folder: Path, used: set[str]) -> None:
    """Remove the entries whose rasters no run links any more, except those in ``used``, and
    what an interrupted process left (hidden temporary files older than :data:`STALE_S`)."""
    entries: dict[str, list[Path]] = {}
    for path in folder.iterdir():
        if not path.name.startswith("."):
            entries.setdefault(path.name.split(".")[0], []).append(path)
        elif time.time() - path.stat().st_mtime > STALE_S:
            path.unlink(missing_ok=True)
    for key, paths in entries.items():
        rasters = [p for p in paths if p.suffix == ".tif"]
        if key in used or any(p.stat().st_nlink > 1 for p in rasters):
            continue
        for path in paths:
            path.unlink(missing_ok=True)
        log.debug("removed the cached rasters %s, which no run uses", key[:16])


def sampled_cells(
    folder: Path | None,
    raster: Path,
    cells: tuple[np.ndarray, np.ndarray, np.ndarray],
    read: Callable[[], np.ndarray],
) -> np.ndarray:
    """The values ``read()`` gives of ``raster`` at ``cells`` (rows, columns, inside): kept
    beside the entry of ``folder`` that ``raster`` is a link of, and taken from there when
    kept already (an entry's key fixes its values); read only, for any other raster."""
    entry = None if folder is None else entry_of(folder, raster)
    if entry is None:
        return read()
    positions = hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in cells))
    memo = entry.with_name(f"{entry.name}.cells-{positions.hexdigest()[:16]}.npy")
    if memo.is_file():
        return np.load(memo)
    values = read()
    try:
        with atomic_path(memo) as temporary:
            np.save(temporary, values)
    except OSError as exc:  # a read-only cache: the values are read again next time
        log.debug("could not keep the sampled cells of %s: %s", raster.name, exc)
    return values


def entry_of(folder: Path, raster: Path) -> Path | None:
    """The raster of ``folder`` that ``raster`` is (the same file: a hard link), if any."""
    try:
        wanted = raster.stat()
    except FileNotFoundError:
        return None
    for path in folder.glob("*.tif"):
        try:
            found = path.stat()
        except FileNotFoundError:  # removed meanwhile
            continue
        if (found.st_dev, found.st_ino) == (wanted.st_dev, wanted.st_ino):
            return path
    return None


def linked(source: Path, target: Path) -> None:
    """``target`` as a hard link to ``source`` (a copy where links are refused), replacing
    it in one step."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as temporary:
        try:
            os.link(source, temporary)
        except OSError:
            shutil.copy2(source, temporary)
