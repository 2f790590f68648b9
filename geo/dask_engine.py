"""The suitability engine on Dask: the same results as the local engine, computed by a cluster.

Four computations run as Dask tasks on a :class:`distributed.Client`, each giving exactly
what its local counterpart gives:

- :func:`score_dask` (:func:`geo.engine.score`): one task per block (window) of the grid
  computes the criteria's standardised values z_i, the union of the exclusion masks and the
  aggregated score S, plus the block's exclusion and score tallies. The model (criteria,
  exclusions, weights, aggregation) is scattered to every worker once; each worker reads its
  raster windows itself. The driver writes the blocks into the COG as they arrive, with a
  bounded number of blocks in flight, and folds the tallies in block order, so the exclusion
  report and the statistics equal the local engine's to the last bit;
- :func:`zonal_scores_dask` (:func:`geo.zonal.zonal_scores`): one task per batch of sites
  (north to south, so that each batch reads one band of the rasters); the ranks are taken
  over all sites on the driver; :func:`site_profiles_dask` (:func:`geo.zonal.site_profiles`)
  the same way;
- :func:`weight_monte_carlo_dask` (:func:`geo.robustness.weight_monte_carlo`): the driver
  draws the Dirichlet weight vectors (and, with uncertain transforms, the perturbed
  transforms) with the local code's random sequence, the workers rank the sites under each
  chunk of draws; the counts of first places and top-k places add up to the local ones.

What travels: the model objects (features, raster *paths*, transforms) once per worker, one
window per task, and the float32 blocks back to the driver. Rasters are read where the task
runs, so on a real cluster the study's workspace must be on storage every worker and the
driver see under the same path (a shared file system or mounted object store), and the
``geo`` package must be installed on the workers.

:func:`dask_client` opens a :class:`distributed.LocalCluster` on the loopback interface, or
connects to a running scheduler (``tcp://HOST:PORT``).
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import ExitStack, closing, contextmanager

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from distributed import Client, Future, LocalCluster, as_completed
from rasterio.windows import Window

from geo.aggregation import Aggregation
from geo.criteria import Criterion
from geo.engine import (
    DEFAULT_COMPRESSION,
    BlockModel,
    Closable,
    Progress,
    ScoredBlock,
    ScoreStats,
    StatsTally,
    StoredExclusions,
    SuitabilityResult,
    block_model,
    block_writers,
    check_inputs,
    check_model,
    log_scoring,
    matched_weights,
    scored_result,
    scoring_plan,
)
from geo.errors import EngineError
from geo.exclusions import Exclusion, ExclusionReport, ExclusionTally
from geo.grid import Grid
from geo.layers.blocks import block_windows, streaming_env
from geo.robustness import (
    RobustnessResult,
    TransformJitter,
    chunk_counts,
    chunk_draws,
    monte_carlo_inputs,
    robustness_result,
)
from geo.zonal import SiteProfiles, checked_sites, rank_sites, site_profiles, zonal_scores

log = logging.getLogger(__name__)

#: Seconds to wait for a remote scheduler before giving up.
CONNECT_TIMEOUT_S = 10.0

#: Blocks in flight per worker thread: enough to keep every worker busy while the driver
#: writes, few enough that the blocks waiting on the workers stay a handful.
BLOCKS_IN_FLIGHT_PER_THREAD = 2


# ----------------------------------------------------------------------------- the cluster


@contextmanager
def dask_client(
    scheduler: str | None = None,
    *,
    n_workers: int = 2,
    threads_per_worker: int = 1,
    connect_timeout_s: float = CONNECT_TIMEOUT_S,
) -> Iterator[Client]:
    """A Dask client: on a new local cluster, or connected to ``scheduler``.

    Without ``scheduler``, ``n_workers`` worker processes of ``threads_per_worker`` threads
    listen on 127.0.0.1 only, without a dashboard, and import this module as they start.
    Everything opened here is closed on exit; a remote scheduler is left running.

    Raises
    ------
    EngineError
        When ``scheduler`` is malformed or cannot be reached within ``connect_timeout_s``.
    """
    if scheduler is None:
        with (
            LocalCluster(
                n_workers=n_workers,
                threads_per_worker=threads_per_worker,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                # the scheduler's HTTP endpoints (health, metrics) on a free loopback port
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                preload=[__name__],  # workers import the engine (and geo) while starting
            ) as cluster,
            Client(cluster) as client,
        ):
            log.info("local Dask cluster: %d workers x %d threads", n_workers, threads_per_worker)
            yield client
        return
    try:
        client = Client(scheduler, timeout=connect_timeout_s)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise EngineError(
            f"cannot reach the Dask scheduler {scheduler!r} within {connect_timeout_s:g} s "
            f"({reason}); expected the address of a running scheduler such as "
            "'tcp://HOST:8786': start one with `dask scheduler`, or leave the scheduler "
            "unset to use a local cluster."
        ) from exc
    with client:
        log.info("connected to the Dask scheduler %s", scheduler)
        yield client


# ----------------------------------------------------------------------------- score raster


def _score_block(model: BlockModel, index: int, window: Window) -> tuple[int, ScoredBlock]:
    """The local engine's computation of one block, run on a worker."""
    with streaming_env():
        return index, model.score_block(window)


def score_dask(
    grid: Grid,
    criteria: Sequence[Criterion],
    weights: Mapping[str, float],
    *,
    client: Client,
    aggregation: Aggregation | None = None,
    exclusions: Sequence[Exclusion] = (),
    out_path: str | os.PathLike[str],
    block_size: int = 512,
    criterion_dir: str | os.PathLike[str] | None = None,
    raw_dir: str | os.PathLike[str] | None = None,
    exclusion_path: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    compression: str = DEFAULT_COMPRESSION,
    stored_exclusions: StoredExclusions | None = None,
) -> SuitabilityResult:
    """:func:`geo.engine.score` with the blocks computed by the workers of ``client``.

    The driver validates the model, scatters it to every worker, keeps at most
    :data:`BLOCKS_IN_FLIGHT_PER_THREAD` blocks per worker thread in flight, and writes each
    block to ``out_path`` (and ``criterion_dir``, ``raw_dir``, ``exclusion_path``) as it
    arrives, compressed with ``compression``;
    ``progress(done, total)`` is called after each block. The result equals the local
    engine's.
    """
    aggregation = aggregation or Aggregation()
    names = check_model(criteria, exclusions, stored_exclusions)
    used = matched_weights(names, weights)
    windows = block_windows(grid, block_size)
    plan = scoring_plan(
        criteria,
        exclusions,
        stored_exclusions,
        criterion_dir=criterion_dir,
        raw_dir=raw_dir,
        exclusion_path=exclusion_path,
    )
    with ExitStack() as stack:
        stack.enter_context(streaming_env())  # a small GDAL cache for the writers, as locally
        opened: tuple[Closable, ...] = (*criteria, *exclusions)
        for item in opened:
            stack.callback(item.close)
        # on the driver: refuse a bad model before any task runs
        check_inputs(grid, criteria, exclusions, stored_exclusions, aggregation)
        model = block_model(grid, criteria, exclusions, used, aggregation, plan, stored_exclusions)
        stack.callback(model.close)
        log_scoring(grid, criteria, stored_exclusions, len(windows))
        writers = block_writers(stack, grid, out_path, plan, model, block_size, compression)
        tallies = _GridTallies(model, len(windows))
        blocks = stack.enter_context(closing(_scored_blocks(client, model, windows)))
        for done, (index, block) in enumerate(blocks, start=1):
            writers.write(block)
            tallies.add(index, block)
            if progress is not None:
                progress(done, len(windows))
    report, stats = tallies.results()
    return scored_result(model, out_path, report, stats, block_size, plan)


def _scored_blocks(
    client: Client, model: BlockModel, windows: Sequence[Window]
) -> Generator[tuple[int, ScoredBlock], None, None]:
    """Blocks as they finish, in any order, with a bounded number in flight."""
    shipped = client.scatter(model, broadcast=True, hash=False)
    run = uuid.uuid4().hex[:12]
    limit = max(2, BLOCKS_IN_FLIGHT_PER_THREAD * sum(client.nthreads().values()))
    queue = iter(enumerate(windows))
    in_flight: set[Future] = set()
    finished = as_completed()

    def submit_next() -> None:
        item = next(queue, None)
        if item is not None:
            index, window = item
            future = client.submit(
                _score_block, shipped, index, window, key=f"parkplan-block-{run}-{index}"
            )
            in_flight.add(future)
            finished.add(future)

    try:
        for _ in range(limit):
            submit_next()
        for future in finished:
            block = future.result()
            in_flight.discard(future)
            future.release()
            submit_next()
            yield block
    finally:
        client.cancel([*in_flight, shipped])


class _GridTallies:
    """The exclusion report and score statistics of the grid, from its blocks in any order.

    Counts, minimum and maximum do not depend on the order; the sum of the scores is made in
    block order at the end, as the local engine makes it, so the mean is the same to the bit.
    Only numbers are kept from a block: its arrays are views into the received message.
    """

    def __init__(self, model: BlockModel, blocks: int) -> None:
        self.grid = model.grid
        self.model = model
        self.exclusions = ExclusionTally(model.exclusion_names, model.grid)
        self.block_stats: list[StatsTally | None] = [None] * blocks

    def add(self, index: int, block: ScoredBlock) -> None:
        self.exclusions.merge(block.exclusions)
        self.block_stats[index] = block.stats

    def results(self) -> tuple[ExclusionReport, ScoreStats]:
        assert None not in self.block_stats, "a block was never scored"
        stats = StatsTally(self.grid)
        for part in self.block_stats:
            assert part is not None
            stats.merge(part)
        return self.model.exclusion_report(self.exclusions), stats.result()


# ----------------------------------------------------------------------------- site scores


def zonal_scores_dask(
    sites: gpd.GeoDataFrame,
    grid: Grid,
    score_raster_path: str | os.PathLike[str],
    *,
    client: Client,
    criterion_rasters: Mapping[str, str | os.PathLike[str]] | None = None,
    id_column: str = "site_id",
    batch_size: int = 500,
) -> pd.DataFrame:
    """:func:`geo.zonal.zonal_scores` with each batch of ``batch_size`` sites a task.

    Batches are cut north to south, as locally; each worker reads the band its batch covers.
    The table (columns, order, ranks) equals the local one.
    """
    checked_sites(sites, grid, id_column)
    batches, parts = _site_batches(
        client,
        zonal_scores,
        sites,
        id_column,
        batch_size,
        grid,
        score_raster_path,
        criterion_rasters=criterion_rasters,
    )
    if not batches:
        return zonal_scores(
            sites, grid, score_raster_path, criterion_rasters=criterion_rasters, id_column=id_column
        )
    frame = pd.concat(parts, ignore_index=True).drop(columns="rank")
    frame.index = np.concatenate(batches)
    return rank_sites(frame.sort_index().reset_index(drop=True))


def site_profiles_dask(
    sites: gpd.GeoDataFrame,
    grid: Grid,
    score_raster_path: str | os.PathLike[str],
    raw_rasters: Mapping[str, str | os.PathLike[str]],
    *,
    client: Client,
    nodes: int = 16,
    id_column: str = "site_id",
    batch_size: int = 500,
) -> SiteProfiles:
    """:func:`geo.zonal.site_profiles` with each batch of ``batch_size`` sites a task; the
    profiles equal the local ones."""
    checked_sites(sites, grid, id_column)
    batches, parts = _site_batches(
        client,
        site_profiles,
        sites,
        id_column,
        batch_size,
        grid,
        score_raster_path,
        raw_rasters,
        nodes=nodes,
    )
    if not batches:
        return site_profiles(
            sites, grid, score_raster_path, raw_rasters, nodes=nodes, id_column=id_column
        )
    values = np.empty((len(sites), len(raw_rasters), nodes))
    values[np.concatenate(batches)] = np.concatenate([part.values for part in parts])
    return SiteProfiles(sites[id_column].to_numpy(), tuple(raw_rasters), values)


def _site_batches(
    client: Client,
    task: Callable,
    sites: gpd.GeoDataFrame,
    id_column: str,
    batch_size: int,
    *args: object,
    **kwargs: object,
) -> tuple[list[np.ndarray], list]:
    """``task(batch_of_sites, *args, id_column=…, batch_size=…, **kwargs)`` for each batch of
    sites cut north to south as locally: the batches (row positions) and their results."""
    geometries = np.asarray(sites.geometry.values, dtype=object)
    top = shapely.bounds(geometries)[:, 3]
    order = np.argsort(-np.nan_to_num(top, nan=-np.inf), kind="stable")
    batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    slim = sites[[id_column, sites.geometry.name]]
    futures = [
        client.submit(
            task,
            slim.iloc[batch],
            *args,
            id_column=id_column,
            batch_size=len(batch),
            pure=False,
            **kwargs,
        )
        for batch in batches
    ]
    return batches, client.gather(futures)


# ----------------------------------------------------------------------------- robustness


def weight_monte_carlo_dask(
    sites: pd.DataFrame,
    weights: Mapping[str, float],
    aggregation: Aggregation | None = None,
    *,
    client: Client,
    draws: int = 1000,
    concentration: float = 50.0,
    transform_jitter: TransformJitter | None = None,
    top_k: int = 3,
    seed: int = 0,
    id_column: str = "site_id",
    chunk: int = 64,
) -> RobustnessResult:
    """:func:`geo.robustness.weight_monte_carlo` with each chunk of draws a task.

    The driver replays the local random sequence: per chunk, the Dirichlet weights
    w ~ Dir(κ·w₀), then (with ``transform_jitter``) the perturbed transforms, draw by draw;
    the workers re-standardise the sites' profiles and rank them. Same ``seed``, same numbers
    as the local run.
    """
    aggregation = aggregation or Aggregation()
    ids, values, base = monte_carlo_inputs(
        sites, weights, draws=draws, concentration=concentration, top_k=top_k, id_column=id_column
    )
    shift = transform_jitter.shift(ids, list(base)) if transform_jitter else None
    w0 = np.array(list(base.values()))
    shipped_values, shipped_shift = client.scatter([values, shift], broadcast=True, hash=False)
    futures = [
        client.submit(
            chunk_counts,
            *(shipped_values, w, shipped_shift, drawn, aggregation, top_k),
            pure=False,
        )
        for w, drawn in chunk_draws(seed, w0, concentration, shift, draws, chunk)
    ]
    result = robustness_result(
        ids,
        values,
        base,
        aggregation,
        client.gather(futures),
        draws=draws,
        concentration=concentration,
        transform_jitter=transform_jitter,
        top_k=top_k,
        seed=seed,
    )
    client.cancel([shipped_values, shipped_shift])
    return result
