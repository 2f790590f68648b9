"""Uploads within bounds: a few loaded at a time, each in a child process with a memory cap.

**How many at once.** :class:`UploadGate` lets ``PARKPLAN_MAX_CONCURRENT_UPLOADS`` uploads
(default 1) be loaded at once. A further upload waits up to ``PARKPLAN_UPLOAD_WAIT_S``
(default 30 s) for a slot, polling without holding a thread (its body is already spooled to
a temporary file), then is answered 503 with ``Retry-After``. Waiters are not served in order.

**How much each.** :func:`load_upload` runs :meth:`~parkplan.workspace.Workspace.add_layer`
in a child process, forked from a fork server that imported the loader once, so a child
starts in milliseconds rather than the seconds the imports take. The child caps its address
space (``RLIMIT_AS``, Linux) at what it has plus ``PARKPLAN_UPLOAD_MEMORY_MB`` and writes no
core file; the server kills it after ``PARKPLAN_UPLOAD_TIMEOUT_S``. A load over budget fails
in the child alone (GDAL's GeoJSON reader may even crash there), answered 413, and whatever a
load allocated goes back to the system when its child ends: the server process never holds
the layer's features. As with any use of :mod:`multiprocessing`, a script that serves the app
itself must guard its entry point (``if __name__ == "__main__":``); ``parkplan serve`` does.

**Web services.** :func:`load_service` fetches a layer of a web service the same way, in a
child process within the same budget, through the command line's loader
(:func:`~parkplan.layers_from_services.add_service_layer`) with the server's
:class:`~geo.layers.service_hosts.HostPolicy` and at most ``PARKPLAN_SERVICE_MAX_MB`` read.
"""

from __future__ import annotations

import functools
import logging
import math
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import anyio
from fastapi import HTTPException

from geo.layers.service_hosts import HostPolicy
from geo.layers.services import ServiceLimits
from parkplan.api.errors import ProblemError, status_of
from parkplan.api.layer_problems import problem_of
from parkplan.api.settings import Settings
from parkplan.layers_from_services import ServiceSource, add_service_layer, in_terms
from parkplan.workspace import LOCK_WAIT_VARIABLE, LayerInfo, Workspace, lock_wait_s

log = logging.getLogger(__name__)

#: How often a waiting upload looks for a free slot.
POLL_S = 0.05
COPY_CHUNK_BYTES = 1024 * 1024


class UploadGate:
    """At most ``slots`` uploads at once; a further one waits up to ``wait_s``, then gets 503."""

    def __init__(self, slots: int, wait_s: float) -> None:
        self.slots = slots
        self.wait_s = wait_s
        self.active = 0
        self.waiting = 0
        self.peak_active = 0
        self._free = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the block; 503 when none frees up within ``wait_s``."""
        await self._acquire()
        with self._lock:
            self.active += 1
            self.peak_active = max(self.peak_active, self.active)
        try:
            yield
        finally:
            with self._lock:
                self.active -= 1
            self._free.release()

    async def _acquire(self) -> None:
        deadline = time.monotonic() + self.wait_s
        with self._lock:
            self.waiting += 1
        try:
            while not self._free.acquire(blocking=False):
                if time.monotonic() >= deadline:
                    raise self._busy()
                await anyio.sleep(POLL_S)
        finally:
            with self._lock:
                self.waiting -= 1

    def _busy(self) -> HTTPException:
        retry_s = max(1, math.ceil(self.wait_s))
        return ProblemError(
            503,
            f"the server loads at most {self.slots} upload(s) at once "
            f"(PARKPLAN_MAX_CONCURRENT_UPLOADS) and none ended within {self.wait_s:g} s; "
            f"retry in {retry_s} s",
            "uploads_full",
            headers={"Retry-After": str(retry_s)},
        )


@dataclass(frozen=True)
class ServiceJob:
    """A layer of a web service for the child to fetch: the service, its URL and layer, the
    area (``None``: the study area), features per page, and the hosts and bytes allowed."""

    service: str
    url: str
    layer: str
    bbox: tuple[float, float, float, float] | None
    page_size: int | None
    hosts: HostPolicy
    max_bytes: int


#: The fields of a service request that stand for the command line's options in messages.
SERVICE_TERMS = {"--layer": "layer", "--service": "service", "--bbox": "bbox"}


@dataclass(frozen=True)
class UploadJob:
    """What the child process loads (a file at ``path``, or a web-service layer), and within
    what."""

    study_dir: Path
    path: Path | None
    name: str
    source_layer: str | None
    assume_crs: str | None
    allow_outside: bool
    raster_max_cells: int
    memory_bytes: int
    lock_wait_s: float
    replace: bool = False
    service: ServiceJob | None = None


def load_upload(
    study_dir: Path,
    upload: BinaryIO,
    filename: str,
    *,
    name: str,
    source_layer: str | None,
    assume_crs: str | None,
    settings: Settings,
    allow_outside: bool = False,
    replace: bool = False,
) -> dict:
    """Copy ``upload`` to a private folder as ``filename`` and load it as layer ``name``
    (replacing a layer of that name with ``replace``).

    Returns the layer's catalogue entry (:meth:`LayerInfo.to_dict`). Blocks: call it in a thread.
    """
    with tempfile.TemporaryDirectory(prefix="parkplan-upload-") as folder:
        path = Path(folder) / filename
        with path.open("wb") as target:
            shutil.copyfileobj(upload, target, length=COPY_CHUNK_BYTES)
        job = UploadJob(
            study_dir=Path(study_dir),
            path=path,
            name=name,
            source_layer=source_layer,
            assume_crs=assume_crs,
            allow_outside=allow_outside,
            raster_max_cells=settings.max_raster_cells,
            memory_bytes=settings.upload_memory_bytes,
            lock_wait_s=lock_wait_s(),
            replace=replace,
        )
        return run_in_child(job, timeout_s=settings.upload_timeout_s)


def load_service(
    study_dir: Path,
    request: ServiceJob,
    *,
    name: str,
    settings: Settings,
    allow_outside: bool = False,
    replace: bool = False,
) -> dict:
    """Fetch ``request`` as layer ``name`` in a child process, bounded like an upload; return
    the layer's catalogue entry. Blocks: call it in a thread."""
    job = UploadJob(
        study_dir=Path(study_dir),
        path=None,
        name=name,
        source_layer=request.layer,
        assume_crs=None,
        allow_outside=allow_outside,
        raster_max_cells=settings.max_raster_cells,
        memory_bytes=settings.upload_memory_bytes,
        lock_wait_s=lock_wait_s(),
        replace=replace,
        service=request,
    )
    return run_in_child(job, timeout_s=settings.upload_timeout_s)


def run_in_child(job: UploadJob, *, timeout_s: float) -> dict:
    """Load ``job`` in a child process; its catalogue entry, or the error it met."""
    context = _process_context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_load_in_child, args=(job, sender), daemon=True)
    child.start()
    sender.close()
    try:
        outcome = _receive(receiver, timeout_s)
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    return _result(outcome, job, child.exitcode, timeout_s)


@functools.cache
def _process_context() -> (
    multiprocessing.context.ForkServerContext | multiprocessing.context.SpawnContext
):
    """A fork server that has imported this module (and the server's main module), or spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", __name__])
    return context


def _receive(receiver, timeout_s: float) -> tuple | None:
    """The child's outcome; ``None`` if it ended without one, ``("timeout",)`` if too slow."""
    if not receiver.poll(timeout_s):
        return ("timeout",)
    try:
        return receiver.recv()
    except EOFError:
        return None


def _result(outcome: tuple | None, job: UploadJob, exitcode: int | None, timeout_s: float):
    """The entry of a loaded layer, else the HTTP error that says why not."""
    budget_mb = job.memory_bytes // (1024 * 1024)
    over_budget = (
        f"the memory budget of {budget_mb} MB per upload (PARKPLAN_UPLOAD_MEMORY_MB); "
        "upload fewer or simpler features (or a smaller raster), or raise the budget"
    )
    if outcome is None:
        log.warning("the child loading %s ended with code %s", job.name, exitcode)
        raise ProblemError(
            413, f"loading the upload stopped, most likely over {over_budget}", "too_large"
        )
    kind, *rest = outcome
    if kind == "ok":
        return rest[0]
    if kind == "memory":
        raise ProblemError(413, f"loading the upload needed more than {over_budget}", "too_large")
    if kind == "timeout":
        raise ProblemError(
            413,
            f"loading the upload took longer than {timeout_s:g} s (PARKPLAN_UPLOAD_TIMEOUT_S); "
            "upload a smaller or simpler file, or raise the limit",
            "too_large",
        )
    status, message, trace, problem = rest
    if status is None:
        log.error("internal error loading an upload:\n%s", trace)
        raise HTTPException(500, "internal server error; the server log has the details")
    log.info("upload %s refused: %s", job.name, message)
    raise ProblemError(status, message, problem)


def _load_in_child(job: UploadJob, sender) -> None:
    """The child's work: load ``job`` within its budget and send back what happened."""
    try:
        limit_resources(job.memory_bytes)
        os.environ[LOCK_WAIT_VARIABLE] = repr(job.lock_wait_s)  # the server's, at the request
        outcome: tuple = ("ok", _load(job).to_dict())
    except MemoryError:
        outcome = ("memory",)
    except Exception as exc:
        message = in_terms(str(exc), SERVICE_TERMS) if job.service else str(exc)
        outcome = ("error", status_of(exc), message, traceback.format_exc(), problem_of(exc))
    sender.send(outcome)
    sender.close()


def _load(job: UploadJob) -> LayerInfo:
    """Load ``job``'s file, or fetch its web-service layer, as the same loaders as the CLI."""
    if job.service is not None:
        return _fetch(job, job.service)
    workspace = Workspace.open(job.study_dir)
    workspace.raster_max_cells = job.raster_max_cells
    assert job.path is not None  # a job without a service loads a file
    return workspace.add_layer(
        job.path,
        job.name,
        source_layer=job.source_layer,
        assume_crs=job.assume_crs,
        allow_outside=job.allow_outside,
        replace=job.replace,
    )


def _fetch(job: UploadJob, request: ServiceJob) -> LayerInfo:
    pages = {"page_size": request.page_size} if request.page_size else {}
    return add_service_layer(
        job.study_dir,
        ServiceSource(request.url, request.service, request.layer),
        job.name,
        bbox=request.bbox,
        replace=job.replace,
        allow_outside=job.allow_outside,
        limits=ServiceLimits(max_bytes=request.max_bytes, **pages),
        hosts=request.hosts,
    )


def limit_resources(budget_bytes: int) -> None:
    """Cap this process's address space at its current size plus ``budget_bytes``; no cores.

    Linux only (elsewhere ``RLIMIT_AS`` is not enforced or not there): a no-op there.
    """
    try:
        import resource
    except ImportError:
        return
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    used = address_space_bytes()
    if used is None:
        return
    limit = used + budget_bytes
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def address_space_bytes() -> int | None:
    """This process's virtual memory size, ``None`` where ``/proc`` does not tell it."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")
