"""Runners: where the work of a heavy computation runs.

Each heavy computation is a pure function ``fn(shared, item)`` mapped over its work items,
and a fold of the results, in item order, where it was called:

- :func:`geo.engine.score`: ``BlockModel.score_block`` over the blocks (windows) of the grid;
  the blocks are written into the COGs and their exclusion and score tallies summed;
- :func:`geo.zonal.zonal_scores`, :func:`geo.zonal.site_profiles`: ``SiteRasters.batch_table``
  over batches of sites cut north to south (each reads one band of the rasters); the rows are
  placed in the site order, and the sites ranked;
- :func:`geo.robustness.weight_monte_carlo`: ``SiteRanking.counts`` over chunks of draws
  (weights, and transforms), drawn here with one random sequence; the counts of first and
  top-k places are summed.

A :class:`Runner` maps the function: :data:`IN_PROCESS` on threads of this process,
:class:`DaskRunner` on the workers of a Dask cluster. Both give the same results in the same
order, so the folded result is the same to the last bit.

What travels to Dask: ``shared`` once per worker (the block model: criteria and exclusions
with their features, transforms and raster *paths*, weights, aggregation; the sites' rasters
as paths; the sites' criterion values), one item per task (a window: four integers; a batch
of polygons; a chunk of weight vectors) and each result back (a float32 block with its
tallies; a batch's table; two count vectors). Rasters are read where the task runs, so on a
real cluster the study's workspace must be on storage every worker and the driver see under
the same path (a shared file system or mounted object store), and the ``geo`` package must be
installed on the workers. Dask is imported by :func:`dask_client` only.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from geo.errors import EngineError
from geo.layers.blocks import streaming_env

if TYPE_CHECKING:
    from distributed import Client
    from distributed import Future as DaskFuture

log = logging.getLogger(__name__)

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

#: Threads of the in-process runner: one per core, at most 4.
DEFAULT_THREADS = min(4, os.cpu_count() or 1)
#: Seconds to wait for a remote scheduler before giving up.
CONNECT_TIMEOUT_S = 10.0
#: What Dask workers import as they start, so that no task waits for it.
WORKER_MODULES = ("geo.engine", "geo.zonal", "geo.robustness")


class Runner(Protocol):
    """Maps a pure function over work items."""

    def run(
        self, fn: Callable[[S, T], R], items: Iterable[T], *, shared: S
    ) -> Generator[R, None, None]:
        """``fn(shared, item)`` for each item, yielded in item order with a bounded number in
        flight; closing the generator stops the work."""
        ...


@dataclass(frozen=True)
class InProcess:
    """The items mapped in this process by ``threads`` threads (1: a plain loop), at most
    ``threads + 1`` in flight (numpy, shapely and GDAL release the GIL)."""

    threads: int = DEFAULT_THREADS

    def run(
        self, fn: Callable[[S, T], R], items: Iterable[T], *, shared: S
    ) -> Generator[R, None, None]:
        if self.threads <= 1:
            return (fn(shared, item) for item in items)
        return _threaded(fn, items, shared, self.threads)


#: The default runner: this process's threads.
IN_PROCESS = InProcess()


def _threaded(
    fn: Callable[[S, T], R], items: Iterable[T], shared: S, threads: int
) -> Generator[R, None, None]:
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="geo-runner") as pool:
        pending: deque[Future[R]] = deque()
        try:
            for item in items:
                pending.append(pool.submit(fn, shared, item))
                if len(pending) > threads:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


@dataclass(frozen=True)
class DaskRunner:
    """The items mapped by the workers of a Dask ``client``: ``shared`` scattered to every
    worker once, one task per item, at most ``in_flight_per_thread`` tasks per worker thread
    (enough to keep the workers busy while the driver folds, few enough that the results
    waiting on the workers stay a handful), results gathered in item order."""

    client: Client
    in_flight_per_thread: int = 2

    def run(
        self, fn: Callable[[S, T], R], items: Iterable[T], *, shared: S
    ) -> Generator[R, None, None]:
        [shipped] = self.client.scatter([shared], broadcast=True, hash=False)
        name = f"{getattr(fn, '__name__', 'task')}-{uuid.uuid4().hex[:12]}"
        limit = max(2, self.in_flight_per_thread * sum(self.client.nthreads().values()))
        pending: deque[DaskFuture] = deque()
        try:
            for index, item in enumerate(items):
                pending.append(self.client.submit(_task, fn, shipped, item, key=f"{name}-{index}"))
                if len(pending) >= limit:
                    yield _gathered(pending.popleft())
            while pending:
                yield _gathered(pending.popleft())
        finally:
            self.client.cancel([*pending, shipped])


def _task(fn: Callable[[S, T], R], shared: S, item: T) -> R:
    """``fn(shared, item)`` on a worker, reading rasters with a small GDAL cache."""
    with streaming_env():
        return fn(shared, item)


def _gathered(future: DaskFuture) -> Any:
    """The result of a task, released on the cluster."""
    result = future.result()
    future.release()
    return result


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
    listen on 127.0.0.1 only, without a dashboard, and import :data:`WORKER_MODULES` as they
    start. Everything opened here is closed on exit; a remote scheduler is left running.

    Raises
    ------
    EngineError
        When ``scheduler`` is malformed or cannot be reached within ``connect_timeout_s``.
    """
    from distributed import Client, LocalCluster  # Dask is optional: imported when used

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
                preload=list(WORKER_MODULES),
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
