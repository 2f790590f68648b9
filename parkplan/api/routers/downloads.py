"""``/api/runs/{run_id}/files``: download the outputs of a kept run, one by one or as a zip.

A run is named by its id (:data:`parkplan.runs.RUN_ID`) and found among the complete runs of
the :class:`~parkplan.runs.RunStore`; a file by a name in the fixed :data:`DOWNLOADS` table
that the run lists among its outputs. The path is built from the store's folder and the
table's name, never from the request's text.

The dossier as PDF (``dossier.pdf``) is the run's own ``report.html`` printed by headless
Chromium on the first request and kept in ``workspace/cache/dossiers/RUN_ID.pdf`` while the run
is kept; it is offered only where Chromium is installed.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Annotated

from fastapi import APIRouter, HTTPException
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask

from parkplan.api.deps import READ, ContextDep
from parkplan.api.errors import ProblemError
from parkplan.export import DOSSIER_PDF
from parkplan.outputs import REPORT_HTML
from parkplan.pipeline import SCORE_RASTER
from parkplan.run_facts import read_run_facts
from parkplan.runs import RUN_ID, STABLE_OUTPUTS, RunRecord, RunStore
from parkplan.workspace.folder import CACHE_DIR, WORKSPACE_DIR
from webmap.browser import chromium_path
from webmap.errors import WebmapError
from webmap.pdf import html_to_pdf

router = APIRouter(prefix="/api/runs", tags=["runs"], dependencies=[READ])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Media type by suffix of every downloadable file.
MEDIA_TYPES = {
    ".gpkg": "application/geopackage+sqlite3",
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": XLSX,
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".tif": "image/tiff; application=geotiff",
    ".pdf": "application/pdf",
}
#: The files a run's outputs may be downloaded as: the stable outputs and the score raster.
DOWNLOADS: dict[str, str] = {
    name: MEDIA_TYPES[Path(name).suffix] for name in (*STABLE_OUTPUTS, SCORE_RASTER, DOSSIER_PDF)
}
#: Where the printed dossiers are kept, in the workspace folder.
DOSSIERS_DIR = Path(WORKSPACE_DIR, CACHE_DIR, "dossiers")
#: Below this size the zip is built in memory, above it in a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024
CHUNK_BYTES = 256 * 1024

RunIdParam = Annotated[str, PathParam(max_length=64, description="A kept run's id.")]


@dataclass(frozen=True)
class KeptRun:
    """A complete run with the files it may be downloaded as (in :data:`DOWNLOADS` order)."""

    record: RunRecord
    files: tuple[str, ...]
    warnings: int

    @property
    def run_id(self) -> str:
        return self.record.identity.run_id

    def path(self, name: str) -> Path:
        """The file ``name`` of this run (the dossier printed first); 404 unless it is one of
        :attr:`files`."""
        if name not in self.files:
            raise HTTPException(404, f"run {self.run_id} has no file {name!r} to download")
        allowed = next(known for known in self.files if known == name)
        if allowed == DOSSIER_PDF:
            return printed_dossier(self.record)
        return self.record.folder / allowed


def kept_run(record: RunRecord) -> KeptRun:
    """The downloads and warning count of ``record``, from its ``run.json`` and folder."""
    facts = read_run_facts(record.folder)
    listed = set(DOWNLOADS) if facts is None or facts.outputs is None else set(facts.outputs)
    listed.add(SCORE_RASTER)
    if REPORT_HTML in listed and chromium_path()[0].is_file():
        listed.add(DOSSIER_PDF)
    files = tuple(
        name
        for name in DOWNLOADS
        if name in listed and (name == DOSSIER_PDF or _plain_file(record.folder / name))
    )
    return KeptRun(record, files, len(facts.warnings) if facts else 0)


def kept_runs(study_dir: Path) -> list[KeptRun]:
    """The complete runs of the study, newest first."""
    return [kept_run(record) for record in RunStore(study_dir).records()]


def find_run(study_dir: Path, run_id: str) -> KeptRun:
    """The kept run ``run_id``; 404 for an id that is malformed or names no complete run."""
    if RUN_ID.fullmatch(run_id):
        for record in RunStore(study_dir).records():
            if record.identity.run_id == run_id:
                return kept_run(record)
    raise HTTPException(404, "no such complete run; list the kept runs at /api/runs")


def printed_dossier(record: RunRecord) -> Path:
    """The run's ``report.html`` as PDF: printed once into :data:`DOSSIERS_DIR`, where the
    dossiers of runs no longer kept are removed at the same time."""
    study_dir = record.folder.parents[1]
    folder = study_dir / DOSSIERS_DIR
    target = folder / f"{record.identity.run_id}.pdf"
    if not _plain_file(target):
        html = (record.folder / REPORT_HTML).read_text(encoding="utf-8")
        try:
            html_to_pdf(html, target)
        except WebmapError as exc:
            detail = f"the dossier could not be printed: {exc}"
            raise ProblemError(503, detail, "unavailable") from None
        kept = {f"{run.identity.run_id}.pdf" for run in RunStore(study_dir).records()}
        for old in folder.glob("*.pdf"):
            if old.name not in kept:
                old.unlink(missing_ok=True)
    return target


def _plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def download_name(run_id: str, name: str) -> str:
    """The ASCII file name a download is saved as."""
    return f"parkplan-{run_id}-{name}"


@router.get(
    "/{run_id}/files/{name}",
    response_class=FileResponse,
    responses={200: {"content": {media: {} for media in sorted(set(DOWNLOADS.values()))}}},
)
def download_file(
    context: ContextDep,
    run_id: RunIdParam,
    name: Annotated[str, PathParam(max_length=64, description="An output of the run.")],
) -> FileResponse:
    """One output of a kept run (``GET /api/runs`` lists each run's files)."""
    run = find_run(context.study_dir, run_id)
    path = run.path(name)
    return FileResponse(path, media_type=DOWNLOADS[name], filename=download_name(run.run_id, name))


@router.get(
    "/{run_id}/files.zip",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def download_zip(context: ContextDep, run_id: RunIdParam) -> StreamingResponse:
    """Every downloadable output of a kept run in one zip, in the folder ``parkplan-RUN_ID/``."""
    run = find_run(context.study_dir, run_id)
    spool = zip_run(run)
    size = spool.seek(0, 2)
    spool.seek(0)
    return StreamingResponse(
        chunks(spool),
        media_type="application/zip",
        headers={
            "Content-Length": str(size),
            "Content-Disposition": f'attachment; filename="parkplan-{run.run_id}.zip"',
        },
        background=BackgroundTask(spool.close),
    )


def zip_run(run: KeptRun) -> IO[bytes]:
    """A zip of ``run``'s files in a temporary file (in memory while small); every entry is
    dated at the run's start, so the same run always zips to the same bytes."""
    stamp = datetime.strptime(run.run_id[:16], "%Y%m%dT%H%M%SZ").timetuple()[:6]
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (closed by the response)
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in run.files:
            path = run.path(name)
            entry = zipfile.ZipInfo(f"parkplan-{run.run_id}/{name}", date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.file_size = path.stat().st_size
            with path.open("rb") as source, archive.open(entry, "w") as target:
                shutil.copyfileobj(source, target, CHUNK_BYTES)
    return spool


def chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """The bytes of ``stream`` in chunks."""
    while chunk := stream.read(CHUNK_BYTES):
        yield chunk
