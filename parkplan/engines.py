"""The compute engines a study can run on: ``local`` (streaming, one process) or ``dask``.

Both give the same results; ``dask`` runs the suitability raster, the zonal statistics (and the
sites' raw-value profiles) and the Monte Carlo robustness as Dask graphs on a local cluster or
on the scheduler of ``study.toml``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from geo import engine, robustness, zonal
from parkplan.errors import StudyError

ENGINES = ("local", "dask")


@dataclass(frozen=True)
class Engine:
    """The heavy computations of a run, bound to one engine."""

    name: str
    score: Callable
    zonal_scores: Callable
    site_profiles: Callable
    weight_monte_carlo: Callable


LOCAL = Engine(
    "local", engine.score, zonal.zonal_scores, zonal.site_profiles, robustness.weight_monte_carlo
)


@contextmanager
def open_engine(name: str = "local", *, scheduler: str | None = None) -> Iterator[Engine]:
    """The engine ``name``; for ``dask``, connected to ``scheduler`` or a local cluster."""
    if name == "local":
        yield LOCAL
        return
    if name != "dask":
        raise StudyError(f"unknown engine {name!r}; expected one of {list(ENGINES)}")
    from geo import dask_engine

    with dask_engine.dask_client(scheduler) as client:
        yield Engine(
            "dask",
            partial(dask_engine.score_dask, client=client),
            partial(dask_engine.zonal_scores_dask, client=client),
            partial(dask_engine.site_profiles_dask, client=client),
            partial(dask_engine.weight_monte_carlo_dask, client=client),
        )
