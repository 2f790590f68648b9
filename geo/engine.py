"""The suitability engine: criteria, weights and exclusions to a score raster, block by block.

For every block (window) of the grid: each criterion's standardised values z_i, the union of
the exclusion masks, and the aggregated score S (see :mod:`geo.aggregation`); excluded cells
and cells where a criterion has no data are NaN. Memory holds a few blocks, whatever the size
of the grid; the score raster is written as a float32 Cloud Optimized GeoTIFF with overviews
(NaN nodata, DEFLATE by default), atomically, its band described (description, units,
statistics). On request, a uint8 COG tells for every cell which exclusion removed
it: 0 where none applies, else 1 + the index of the first exclusion (in the order given) that
excludes the cell (:func:`first_exclusion`).

Rasters that do not depend on the weights can come from an earlier run on the same grid: a
:class:`~geo.criteria.StoredCriterion` is read instead of computed (its μ is not written
again), and :class:`StoredExclusions` (that run's exclusion raster and report) replace the
exclusions; blocks that the stored exclusions exclude entirely are then not read at all.

Examples
--------
>>> import numpy as np
>>> stack = np.array([[[0.2, 1.0]], [[0.6, 0.0]]])
>>> score_array(stack, [0.5, 0.5], excluded_mask=np.array([[False, True]])).tolist()
[[0.4, nan]]
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Protocol

import numpy as np
import rasterio
import rasterio.shutil
from rasterio.windows import Window

from geo.aggregation import Aggregation, aggregate
from geo.atomic import atomic_path
from geo.criteria import Criterion, StoredCriterion
from geo.errors import ModelError
from geo.exclusions import Exclusion, ExclusionReport, ExclusionTally
from geo.grid import Grid
from geo.layers.blocks import (
    CogWriter,
    ThreadLocalReader,
    block_windows,
    check_aligned,
    streaming_env,
)
from geo.runners import IN_PROCESS, Runner
from geo.transforms import Transform, standardise
from geo.weights import direct_weights

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

#: The most exclusions the exclusion raster can name (uint8: 0 = none, 1..255).
MAX_CODED_EXCLUSIONS = 255
#: Compression of the result rasters by name (``score(..., compression=...)``). DEFLATE, the
#: default, opens in every GDAL, QGIS and ArcGIS; ZSTD is faster to write but older readers
#: (GDAL < 2.3, ArcGIS before Pro 2.x) cannot open it. DEFLATE at level 3 writes a dense
#: float32 COG 1.4-1.7 times as fast as at level 6 for 4 % more bytes (level 1: 1.7-2.3 times,
#: 9 % more; measured in benchmarks/results/flanders.md).
COMPRESSIONS: dict[str, dict[str, str]] = {
    "DEFLATE": {"COMPRESS": "DEFLATE", "LEVEL": "3"},
    "ZSTD": {"COMPRESS": "ZSTD", "LEVEL": "3"},
    "LZW": {"COMPRESS": "LZW"},
}
DEFAULT_COMPRESSION = "DEFLATE"
#: The units of the score and of the standardised criteria.
SCORE_UNITS = "score 0-1"
#: The band metadata key naming the exclusion of a code of the exclusion raster.
EXCLUSION_TAG = "EXCLUSION_{code}"


class GridInput(Protocol):
    """A criterion, an exclusion or stored exclusions: refused on a grid it cannot serve."""

    def check(self, grid: Grid) -> None: ...


class Closable(Protocol):
    """A criterion, an exclusion or the block model: closed when the scoring ends."""

    def close(self) -> None: ...


@dataclass(frozen=True)
class ScoreStats:
    """Summary of a score raster: range and mean of the scored cells, shares of the grid."""

    min: float
    mean: float
    max: float
    scored_cells: int
    share_excluded: float
    share_nodata: float


@dataclass(frozen=True)
class SuitabilityResult:
    """A written score raster with everything that produced it."""

    path: Path
    grid: Grid
    weights: dict[str, float]
    aggregation: Aggregation
    criteria: tuple[str, ...]
    exclusions: ExclusionReport
    stats: ScoreStats
    criterion_paths: dict[str, Path] = field(default_factory=dict)
    block_size: int = 512
    raw_paths: dict[str, Path] = field(default_factory=dict)
    raw_transforms: dict[str, Transform] = field(default_factory=dict)
    exclusion_path: Path | None = None


def score_array(
    stack: np.ndarray,
    weights: Sequence[float] | np.ndarray,
    aggregation: Aggregation | None = None,
    excluded_mask: np.ndarray | None = None,
) -> np.ndarray:
    """In-memory scoring of standardised criteria ``stack`` (n, ...): NaN where excluded."""
    scores = aggregate(stack, np.asarray(weights, dtype=np.float64), aggregation or Aggregation())
    if excluded_mask is not None:
        scores[np.asarray(excluded_mask, dtype=bool)] = np.nan
    return scores


def mu_dtype(aggregation: Aggregation) -> type:
    """The type μ is computed, aggregated and written in: float32 (about 1e-7 from float64;
    the sum of the aggregation is taken in float64), except for OWA, which is discontinuous
    where two criteria tie: float32 rounding could make or break a tie and move a score by a
    visible step, so OWA gets float64."""
    return np.float64 if aggregation.method == "owa" else np.float32


def standardised_stack(
    criteria: Sequence[Criterion],
    grid: Grid,
    window: Window,
    aggregation: Aggregation,
    *,
    raw: Mapping[int, np.ndarray] | None = None,
) -> np.ndarray:
    """The criteria's μ over ``window`` as :func:`mu_dtype`, shape (n, rows, cols); criterion
    ``i`` from its raw values ``raw[i]`` when these are already at hand."""
    dtype = mu_dtype(aggregation)
    raw = raw or {}
    return np.stack(
        [
            standardise(raw[i], c.raw_transform, dtype=dtype)
            if i in raw
            else c.standardised_block(grid, window, dtype=dtype)
            for i, c in enumerate(criteria)
        ]
    )


@dataclass(frozen=True)
class ScoredBlock:
    """One scored window: float32 scores (and μ and raw layers when kept), with its tallies."""

    window: Window
    scores: np.ndarray
    layers: np.ndarray | None
    exclusions: ExclusionTally
    stats: StatsTally
    raw: np.ndarray | None = None
    first_exclusion: np.ndarray | None = None


def first_exclusion(masks: Sequence[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    """uint8 codes of one block: 0 where no mask is True, else 1 + the index of the first
    mask (in the order given) that is True.

    >>> first_exclusion([np.array([False, True, True]), np.array([True, False, True])], (3,))
    array([2, 1, 1], dtype=uint8)
    """
    codes = np.zeros(shape, dtype=np.uint8)
    for index in range(len(masks) - 1, -1, -1):
        codes[masks[index]] = index + 1
    return codes


@dataclass(frozen=True)
class StoredExclusions:
    """The exclusions as an earlier scoring run on the same grid applied them: its raster of
    each cell's first exclusion (``path``, codes as :func:`first_exclusion`) and its report."""

    path: Path
    report: ExclusionReport

    def check(self, grid: Grid) -> None:
        """Refuse a raster that is not on ``grid``, or not of uint8 codes."""
        info = check_aligned(self.path, grid, what="stored exclusion raster")
        if info.dtype != "uint8":
            raise ModelError(
                f"stored exclusion raster {self.path.name} holds {info.dtype}; expected the "
                "uint8 codes of an exclusion raster."
            )


@dataclass(frozen=True)
class BlockModel:
    """Everything needed to score any block of the grid (``weights``: normalised, in the
    criteria's order); safe to use from several threads at once.

    ``layer_index`` and ``raw_index``: the criteria whose μ and raw values are kept (to be
    written); ``stored_codes``: the reader of stored exclusion codes, which then replace
    ``exclusions`` (``stored_report`` is their report)."""

    grid: Grid
    criteria: tuple[Criterion, ...]
    exclusions: tuple[Exclusion, ...]
    weights: np.ndarray
    aggregation: Aggregation
    layer_index: tuple[int, ...] = ()
    raw_index: tuple[int, ...] = ()
    keep_exclusions: bool = False
    stored_codes: ThreadLocalReader | None = None
    stored_report: ExclusionReport | None = None

    @property
    def exclusion_names(self) -> tuple[str, ...]:
        if self.stored_report is not None:
            return self.stored_report.names
        return tuple(e.name for e in self.exclusions)

    def exclusion_report(self, tally: ExclusionTally) -> ExclusionReport:
        """The report of the grid: the stored one, else the blocks' ``tally``."""
        return self.stored_report if self.stored_report is not None else tally.report()

    def close(self) -> None:
        """Close the stored exclusion codes' readers, if any."""
        if self.stored_codes is not None:
            self.stored_codes.close()

    def score_block(self, window: Window) -> ScoredBlock:
        """Standardise, exclude and aggregate one window, and tally it."""
        exclusions = ExclusionTally(self.exclusion_names, self.grid)
        excluded, codes = self._excluded(window, exclusions)
        shape = (int(window.height), int(window.width))
        if excluded is not None and excluded.all() and not (self.layer_index or self.raw_index):
            scores, layers, raw = np.full(shape, np.nan), None, None
        else:
            scores, layers, raw = self._scored(window, excluded)
        stats = StatsTally(self.grid)
        stats.add(scores, excluded)
        scores = scores.astype(np.float32)
        return ScoredBlock(window, scores, layers, exclusions, stats, raw, codes)

    def _excluded(
        self, window: Window, tally: ExclusionTally
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The union of the exclusions over ``window`` (tallied; ``None`` without any) and,
        when kept, each cell's first exclusion."""
        if self.stored_codes is not None:
            codes = self.stored_codes.read(window, smallest_float=True).astype(np.uint8)
            return codes > 0, None
        masks = [e.mask_block(self.grid, window) for e in self.exclusions]
        excluded = tally.add(masks)
        shape = (int(window.height), int(window.width))
        return excluded, first_exclusion(masks, shape) if self.keep_exclusions else None

    def _scored(
        self, window: Window, excluded: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """The scores of ``window``, with the kept μ (as :func:`mu_dtype`) and raw values."""
        raw = {i: self.criteria[i].raw_block(self.grid, window) for i in self.raw_index}
        z = standardised_stack(self.criteria, self.grid, window, self.aggregation, raw=raw)
        scores = score_array(z, self.weights, self.aggregation, excluded)
        layers = None
        if self.layer_index:
            every = len(self.layer_index) == len(self.criteria)
            layers = z if every else z[list(self.layer_index)]
        kept = np.stack([raw[i] for i in self.raw_index]).astype(np.float32) if raw else None
        return scores, layers, kept


@dataclass(frozen=True)
class Band:
    """What the band of a result raster says about itself: description, units, metadata."""

    description: str
    units: str = ""
    tags: tuple[tuple[str, str], ...] = ()


def cog_options(compression: str, *, dtype: str) -> dict[str, str]:
    """COG creation options of a result raster of ``dtype``: the named compression with the
    matching predictor, overviews averaged (floats) or by nearest neighbour (codes: a cell of
    an overview keeps the code of one cell, never a blend of two)."""
    chosen = COMPRESSIONS.get(compression.upper())
    if chosen is None:
        raise ModelError(
            f"raster compression {compression!r}; expected one of {', '.join(COMPRESSIONS)}."
        )
    floating = dtype.startswith("float")
    return {
        **chosen,
        "PREDICTOR": "3" if floating else "2",
        "OVERVIEWS": "AUTO",
        "RESAMPLING": "AVERAGE" if floating else "NEAREST",
        "NUM_THREADS": "ALL_CPUS",
        "BIGTIFF": "IF_SAFER",
    }


class BandTally:
    """Count, mean, spread and range of the valid cells of a band, block by block (blocks
    are merged with Chan's update, in float64)."""

    def __init__(self, cells: int) -> None:
        self.cells = cells
        self.count, self.mean, self.m2 = 0, 0.0, 0.0
        self.min, self.max = math.inf, -math.inf

    def add(self, values: np.ndarray) -> None:
        valid = np.asarray(values, dtype=np.float64).ravel()
        valid = valid[~np.isnan(valid)]
        if not valid.size:
            return
        mean = float(valid.mean())
        m2 = float(np.square(valid - mean).sum())
        total = self.count + valid.size
        delta = mean - self.mean
        self.mean += delta * valid.size / total
        self.m2 += m2 + delta * delta * self.count * valid.size / total
        self.count = total
        self.min, self.max = min(self.min, float(valid.min())), max(self.max, float(valid.max()))

    def tags(self) -> dict[str, str]:
        """GDAL's ``STATISTICS_*`` band metadata (none without a valid cell)."""
        if not self.count:
            return {}
        values = {
            "MINIMUM": self.min,
            "MAXIMUM": self.max,
            "MEAN": self.mean,
            "STDDEV": math.sqrt(self.m2 / self.count),
            "VALID_PERCENT": 100.0 * self.count / self.cells,
        }
        return {f"STATISTICS_{key}": f"{value:.14g}" for key, value in values.items()}


class ResultWriter(CogWriter):
    """A float32 raster on the grid written block by block (NaN nodata) that becomes a COG at
    ``path``, atomically, its band described by ``band`` and its statistics."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        grid: Grid,
        *,
        band: Band,
        block_size: int = 512,
        compression: str = DEFAULT_COMPRESSION,
        dtype: str | None = None,
    ) -> None:
        super().__init__(path, grid, block_size=block_size)
        self.band = band
        self.dtype = dtype or self.dtype
        self.options = cog_options(compression, dtype=self.dtype)
        self.tally = BandTally(grid.width * grid.height)

    def write(self, window: Window, values: np.ndarray) -> None:
        """Write one block (NaN = nodata) and tally it."""
        super().write(window, values)
        self.tally.add(values)

    def describe(self) -> None:
        """Give the open band its description, units, metadata and statistics."""
        assert self._dst is not None
        self._dst.set_band_description(1, self.band.description)
        self._dst.set_band_unit(1, self.band.units)
        self._dst.update_tags(1, **dict(self.band.tags), **self.tally.tags())

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._dst is not None and self._tmp is not None
        try:
            if exc_type is None:
                self.describe()
        finally:
            self._dst.close()
        try:
            if exc_type is None:
                with atomic_path(self.path) as staged:
                    rasterio.shutil.copy(self._tmp, staged, driver="COG", **self.options)
                log.debug("wrote %s", self.path)
        finally:
            self._tmp.unlink(missing_ok=True)


class CodeWriter(ResultWriter):
    """A uint8 raster of codes on the grid (no nodata: 0 is a code), written like
    :class:`ResultWriter`."""

    dtype = "uint8"
    nodata = None


def exclusion_band(names: Sequence[str]) -> Band:
    """The band of the exclusion raster: each code's exclusion name in its metadata."""
    tags = tuple((EXCLUSION_TAG.format(code=i), name) for i, name in enumerate(names, start=1))
    return Band("first exclusion (0 = none)", "", tags)


class BlockWriters:
    """The rasters of a scoring run, written block by block as COGs: the score, and each
    criterion's μ (``criterion_paths``, as ``layer_dtype``), raw values (``raw_paths``) and the
    first exclusion of each cell (``exclusion_path``, its codes named by ``exclusion_names``)
    when asked for; compressed with ``compression`` (:data:`COMPRESSIONS`)."""

    def __init__(
        self,
        stack: ExitStack,
        grid: Grid,
        out_path: str | os.PathLike[str],
        *,
        criterion_paths: Mapping[str, Path],
        raw_paths: Mapping[str, Path],
        block_size: int,
        exclusion_path: Path | None = None,
        exclusion_names: Sequence[str] = (),
        compression: str = DEFAULT_COMPRESSION,
        layer_dtype: str = "float32",
    ) -> None:
        def opened(
            path: str | os.PathLike[str], band: Band, kind=ResultWriter, dtype: str | None = None
        ) -> ResultWriter:
            writer = kind(
                path, grid, band=band, block_size=block_size, compression=compression, dtype=dtype
            )
            return stack.enter_context(writer)

        self.score = opened(out_path, Band("suitability score", SCORE_UNITS))
        self.layers = [
            opened(path, Band(f"{name}: standardised", SCORE_UNITS), dtype=layer_dtype)
            for name, path in criterion_paths.items()
        ]
        self.raw = [opened(path, Band(f"{name}: raw value")) for name, path in raw_paths.items()]
        self.codes = None
        if exclusion_path is not None:
            self.codes = opened(exclusion_path, exclusion_band(exclusion_names), CodeWriter)

    def write(self, block: ScoredBlock) -> None:
        self.score.write(block.window, block.scores)
        if self.codes is not None:
            assert block.first_exclusion is not None  # kept when the codes are written
            self.codes.write(block.window, block.first_exclusion)
        for writers, layers in ((self.layers, block.layers), (self.raw, block.raw)):
            for writer, layer in zip(writers, () if layers is None else layers, strict=True):
                writer.write(block.window, layer)


def raster_paths(names: Sequence[str], folder: str | os.PathLike[str] | None) -> dict[str, Path]:
    """``folder/<name>.tif`` for each name, or none without a folder."""
    return {name: Path(folder) / f"{name}.tif" for name in names} if folder else {}


@dataclass(frozen=True)
class ScoringPlan:
    """Where the rasters of a scoring run are: every criterion's μ and raw values and the
    exclusion raster (``*_paths``, ``exclusion_path``), of which the run writes those in
    ``written_*`` (a stored criterion or stored exclusions are read where they are)."""

    criterion_paths: dict[str, Path]
    raw_paths: dict[str, Path]
    exclusion_path: Path | None
    written_criteria: dict[str, Path]
    written_raw: dict[str, Path]
    written_exclusions: Path | None


def scoring_plan(
    criteria: Sequence[Criterion],
    exclusions: Sequence[Exclusion],
    stored_exclusions: StoredExclusions | None,
    *,
    criterion_dir: str | os.PathLike[str] | None,
    raw_dir: str | os.PathLike[str] | None,
    exclusion_path: str | os.PathLike[str] | None,
) -> ScoringPlan:
    """The rasters of a run: ``criterion_dir/<name>.tif``, ``raw_dir/<name>.tif`` and
    ``exclusion_path``, except for a stored criterion (its own files) and stored exclusions."""
    names = [c.name for c in criteria]
    stored = {c.name: c for c in criteria if isinstance(c, StoredCriterion)}
    written_mu, written_raw = raster_paths(names, criterion_dir), raster_paths(names, raw_dir)
    mu, raw = dict(written_mu), dict(written_raw)
    for name, criterion in stored.items():
        written_mu.pop(name, None)
        written_raw.pop(name, None)
        if criterion_dir:
            mu[name] = criterion.standardised_path
        if raw_dir:
            if criterion.raw_path is None:
                raise ModelError(
                    f"raw values asked for, but criterion {name!r} is stored without them; "
                    "compute it again."
                )
            raw[name] = criterion.raw_path
    codes = coded_exclusions_path(exclusion_path, exclusions)
    if stored_exclusions is None:
        return ScoringPlan(mu, raw, codes, written_mu, written_raw, codes)
    kept = stored_exclusions.path if exclusion_path is not None else None
    return ScoringPlan(mu, raw, kept, written_mu, written_raw, None)


def score(
    grid: Grid,
    criteria: Sequence[Criterion],
    weights: Mapping[str, float],
    *,
    aggregation: Aggregation | None = None,
    exclusions: Sequence[Exclusion] = (),
    out_path: str | os.PathLike[str],
    block_size: int = 512,
    criterion_dir: str | os.PathLike[str] | None = None,
    raw_dir: str | os.PathLike[str] | None = None,
    exclusion_path: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    runner: Runner = IN_PROCESS,
    compression: str = DEFAULT_COMPRESSION,
    stored_exclusions: StoredExclusions | None = None,
) -> SuitabilityResult:
    """Score the grid block by block and write the score raster to ``out_path`` (COG).

    ``weights`` maps every criterion name to a weight (normalised here); ``criterion_dir``,
    when given, also receives each criterion's standardised raster as ``<name>.tif`` (as
    :func:`mu_dtype`), and ``raw_dir`` its raw values (metres, raster values, zone codes,
    shares; float32); ``exclusion_path`` a uint8 raster of each cell's first exclusion (0:
    none, else 1 + its index in ``exclusions``); every raster is compressed with
    ``compression`` (:data:`COMPRESSIONS`) and carries its band's description, units and
    statistics. A :class:`~geo.criteria.StoredCriterion` is read, not written: the result
    names its own files; ``stored_exclusions`` (with no ``exclusions``) likewise stand for the
    exclusions and their raster. ``progress(done_blocks, total_blocks)`` is called after each
    block. Blocks are computed (read, scored and tallied: :meth:`BlockModel.score_block`) by
    ``runner`` (default: this process's threads), and written and their tallies summed here,
    in block order, so that every runner gives the same rasters, report and statistics.
    """
    aggregation = aggregation or Aggregation()
    names = check_model(criteria, exclusions, stored_exclusions)
    used = matched_weights(names, weights)
    check_inputs(grid, criteria, exclusions, stored_exclusions, aggregation)
    windows = block_windows(grid, block_size)
    plan = scoring_plan(
        criteria,
        exclusions,
        stored_exclusions,
        criterion_dir=criterion_dir,
        raw_dir=raw_dir,
        exclusion_path=exclusion_path,
    )
    model = block_model(grid, criteria, exclusions, used, aggregation, plan, stored_exclusions)
    tally = ExclusionTally(model.exclusion_names, grid)
    stats = StatsTally(grid)
    log_scoring(grid, criteria, stored_exclusions, len(windows))
    with ExitStack() as stack:
        stack.enter_context(streaming_env())
        opened: tuple[Closable, ...] = (*criteria, *exclusions, model)
        for item in opened:
            stack.callback(item.close)
        writers = block_writers(stack, grid, out_path, plan, model, block_size, compression)
        scored = runner.run(BlockModel.score_block, windows, shared=model)
        blocks = stack.enter_context(closing(scored))
        for done, block in enumerate(blocks, start=1):
            writers.write(block)
            tally.merge(block.exclusions)
            stats.merge(block.stats)
            if progress is not None:
                progress(done, len(windows))
    return scored_result(
        model, out_path, model.exclusion_report(tally), stats.result(), block_size, plan
    )


def check_inputs(
    grid: Grid,
    criteria: Sequence[Criterion],
    exclusions: Sequence[Exclusion],
    stored_exclusions: StoredExclusions | None,
    aggregation: Aggregation,
) -> None:
    """Refuse a grid the criteria or exclusions cannot be computed on, and stored μ of
    another type than the aggregation computes in (:func:`mu_dtype`)."""
    inputs: tuple[GridInput, ...] = (*criteria, *exclusions, *filter(None, [stored_exclusions]))
    for item in inputs:
        item.check(grid)
    wanted = np.dtype(mu_dtype(aggregation)).name
    for c in criteria:
        if isinstance(c, StoredCriterion) and c.dtype != wanted:
            raise ModelError(
                f"criterion {c.name!r} is stored as {c.dtype}; aggregation "
                f"{aggregation.method!r} computes μ as {wanted}: compute it again."
            )


def log_scoring(
    grid: Grid,
    criteria: Sequence[Criterion],
    stored_exclusions: StoredExclusions | None,
    blocks: int,
) -> None:
    stored = sum(isinstance(c, StoredCriterion) for c in criteria)
    log.info(
        "scoring %d criteria (%d stored, exclusions %s) on %d x %d cells in %d blocks",
        len(criteria),
        stored,
        "stored" if stored_exclusions is not None else "computed",
        grid.width,
        grid.height,
        blocks,
    )


def block_writers(
    stack: ExitStack,
    grid: Grid,
    out_path: str | os.PathLike[str],
    plan: ScoringPlan,
    model: BlockModel,
    block_size: int,
    compression: str,
) -> BlockWriters:
    """The writers of the rasters ``plan`` says the run writes."""
    return BlockWriters(
        stack,
        grid,
        out_path,
        criterion_paths=plan.written_criteria,
        raw_paths=plan.written_raw,
        block_size=block_size,
        exclusion_path=plan.written_exclusions,
        exclusion_names=model.exclusion_names,
        compression=compression,
        layer_dtype=np.dtype(mu_dtype(model.aggregation)).name,
    )


def coded_exclusions_path(
    path: str | os.PathLike[str] | None, exclusions: Sequence[Exclusion]
) -> Path | None:
    """``path`` of the exclusion raster, refusing more exclusions than a uint8 code names."""
    if path is None:
        return None
    if len(exclusions) > MAX_CODED_EXCLUSIONS:
        raise ModelError(
            f"{len(exclusions)} exclusions for an exclusion raster; expected at most "
            f"{MAX_CODED_EXCLUSIONS}; merge exclusions or leave exclusion_path out."
        )
    return Path(path)


def block_model(
    grid: Grid,
    criteria: Sequence[Criterion],
    exclusions: Sequence[Exclusion],
    weights: dict[str, float],
    aggregation: Aggregation,
    plan: ScoringPlan,
    stored_exclusions: StoredExclusions | None = None,
) -> BlockModel:
    """The model of a scoring run, keeping the layers that ``plan`` writes."""
    names = [c.name for c in criteria]
    stored = stored_exclusions
    return BlockModel(
        grid,
        tuple(criteria),
        tuple(exclusions),
        np.array([weights[name] for name in names]),
        aggregation,
        layer_index=tuple(names.index(name) for name in plan.written_criteria),
        raw_index=tuple(names.index(name) for name in plan.written_raw),
        keep_exclusions=plan.written_exclusions is not None,
        stored_codes=None if stored is None else ThreadLocalReader(stored.path),
        stored_report=None if stored is None else stored.report,
    )


def scored_result(
    model: BlockModel,
    out_path: str | os.PathLike[str],
    exclusions: ExclusionReport,
    stats: ScoreStats,
    block_size: int,
    plan: ScoringPlan,
) -> SuitabilityResult:
    """The :class:`SuitabilityResult` of a finished scoring run."""
    names = tuple(c.name for c in model.criteria)
    return SuitabilityResult(
        path=Path(out_path),
        grid=model.grid,
        weights=dict(zip(names, model.weights.tolist(), strict=True)),
        aggregation=model.aggregation,
        criteria=names,
        exclusions=exclusions,
        stats=stats,
        criterion_paths=plan.criterion_paths,
        block_size=block_size,
        raw_paths=plan.raw_paths,
        raw_transforms={c.name: c.raw_transform for c in model.criteria},
        exclusion_path=plan.exclusion_path,
    )


def check_model(
    criteria: Sequence[Criterion],
    exclusions: Sequence[Exclusion],
    stored_exclusions: StoredExclusions | None = None,
) -> tuple[str, ...]:
    """The criterion names, in order; refuses an empty model and names used twice."""
    names = tuple(c.name for c in criteria)
    if not names:
        raise ModelError("no criteria given; expected at least one criterion to score.")
    excluded = [e.name for e in exclusions]
    if stored_exclusions is not None:
        if exclusions:
            raise ModelError("exclusions given with stored exclusions; expected one or the other.")
        excluded += stored_exclusions.report.names
    for what, listed in (("criterion", names), ("exclusion", excluded)):
        duplicates = sorted({n for n in listed if list(listed).count(n) > 1})
        if duplicates:
            raise ModelError(f"{what} names {duplicates} used twice; expected unique names.")
    return names


def matched_weights(names: tuple[str, ...], weights: Mapping[str, float]) -> dict[str, float]:
    """One weight per criterion name, normalised to sum 1 (:func:`geo.weights.direct_weights`)."""
    missing, extra = set(names) - set(weights), set(weights) - set(names)
    if missing or extra:
        raise ModelError(
            f"weights for {sorted(weights)} but criteria {list(names)}; expected one weight per "
            f"criterion (missing: {sorted(missing)}, unknown: {sorted(extra)})."
        )
    return direct_weights({name: weights[name] for name in names})


class StatsTally:
    """Accumulates the range, sum and counts of a score raster, block by block.

    The sum is a float: tallies merged in another order can differ in its last bits.
    """

    def __init__(self, grid: Grid) -> None:
        self.cells = grid.width * grid.height
        self.min, self.max, self.total = math.inf, -math.inf, 0.0
        self.scored = self.excluded = 0

    def add(self, scores: np.ndarray, excluded: np.ndarray | None) -> None:
        valid = scores[~np.isnan(scores)]
        if valid.size:
            self.min = min(self.min, float(valid.min()))
            self.max = max(self.max, float(valid.max()))
            self.total += float(valid.sum(dtype=np.float64))
        self.scored += valid.size
        self.excluded += 0 if excluded is None else int(np.count_nonzero(excluded))

    def merge(self, other: StatsTally) -> None:
        """Fold in the tally of other blocks of the same grid."""
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        self.total += other.total
        self.scored += other.scored
        self.excluded += other.excluded

    def result(self) -> ScoreStats:
        scored = self.scored > 0
        return ScoreStats(
            min=self.min if scored else math.nan,
            mean=self.total / self.scored if scored else math.nan,
            max=self.max if scored else math.nan,
            scored_cells=self.scored,
            share_excluded=self.excluded / self.cells,
            share_nodata=(self.cells - self.scored - self.excluded) / self.cells,
        )
