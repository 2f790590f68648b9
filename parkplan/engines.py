"""The compute engines a study can run on: ``local`` (this process) or ``dask``.

An engine is a :class:`geo.runners.Runner`: the heavy computations of a run (the suitability
raster, the zonal statistics and the sites' raw-value profiles, the Monte Carlo robustness)
take it as ``runner=`` and give the same results on either; ``dask`` runs their work on a
local cluster or on the scheduler of ``study.toml``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from geo.runners import IN_PROCESS, DaskRunner, Runner, dask_client
from parkplan.errors import StudyError

ENGINES = ("local", "dask")


@contextmanager
def open_engine(name: str = "local", *, scheduler: str | None = None) -> Iterator[Runner]:
    """The runner of engine ``name``; for ``dask``, connected to ``scheduler`` or a local
    cluster."""
    if name == "local":
        yield IN_PROCESS
        return
    if name != "dask":
        raise StudyError(f"unknown engine {name!r}; expected one of {list(ENGINES)}")
    with dask_client(scheduler) as client:
        yield DaskRunner(client)
