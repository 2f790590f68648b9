"""The kept runs over the API: the list (which survives a restart) and the downloads of a
real small study's runs, one file at a time and as a zip."""

from __future__ import annotations

import io
import json
import subprocess
import threading
import time
import zipfile
from pathlib import Path

import pytest
from api_support import OPERATOR, auth, client_for, settings
from study_support import make_small_study

from parkplan.run import run_study
from parkplan.runs import RunStore

MEDIA = {
    "sites.gpkg": "application/geopackage+sqlite3",
    "sites.csv": "text/csv; charset=utf-8",
    "ledger.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "equalisation.json": "application/json",
    "report.html": "text/html; charset=utf-8",
    "suitability.tif": "image/tiff; application=geotiff",
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Two real runs: ``full`` (equalised) then ``plain`` (not equalised, so no ledger)."""
    root = make_small_study(tmp_path_factory.mktemp("kept") / "study")
    full = run_study(root, lang="en").folder
    plain = run_study(root, equalise=False).folder
    return {"root": root, "full": full, "plain": plain}


@pytest.fixture(scope="module")
def client(runs):
    with client_for(runs["root"], settings()) as test_client:
        yield test_client


def test_the_list_shows_the_kept_runs_newest_first_after_a_restart(runs):
    with client_for(runs["root"], settings()) as first:
        listed = first.get("/api/runs").json()
    with client_for(runs["root"], settings()) as second:
        assert second.get("/api/runs").json() == listed
    full, plain = runs["full"], runs["plain"]
    assert [run["id"] for run in listed["runs"]] == [plain.name, full.name]
    assert listed["jobs"] == []
    newest, older = listed["runs"]
    assert (newest["current"], newest["current_for"]) == (True, ["latest"])
    assert (older["current"], older["current_for"]) == (False, [])
    facts = json.loads((full / "run.json").read_text(encoding="utf-8"))
    assert older["warnings"] == len(facts["warnings"])
    assert older["study_sha256"] == facts["run"]["study_sha256"]
    assert older["finished_at"] == facts["run"]["finished_at"]
    assert {"ledger.xlsx", "suitability.tif", "sites.gpkg", "report.html"} <= set(older["outputs"])
    assert "ledger.xlsx" not in newest["outputs"]
    assert "study.toml" not in older["outputs"]


def test_the_list_shows_failed_jobs_of_this_server(runs):
    def failing(study_dir, **kwargs):
        raise RuntimeError("boom")

    with client_for(runs["root"], settings(), run=failing) as client:
        job = client.post("/api/runs", json={}, headers=auth(OPERATOR)).json()
        for _ in range(500):
            jobs = client.get("/api/runs").json()["jobs"]
            if jobs and jobs[0]["status"] == "failed":
                break
        assert [(j["id"], j["status"]) for j in jobs] == [(job["id"], "failed")]


def test_every_listed_file_downloads_byte_identical(client, runs):
    listed = {run["id"]: run for run in client.get("/api/runs").json()["runs"]}
    for key in ("full", "plain"):
        folder = runs[key]
        for name in listed[folder.name]["outputs"]:
            response = client.get(f"/api/runs/{folder.name}/files/{name}")
            assert response.status_code == 200, (name, response.text)
            assert response.content == stored(folder, name).read_bytes(), name
            disposition = f'attachment; filename="parkplan-{folder.name}-{name}"'
            assert response.headers["content-disposition"] == disposition
            if name in MEDIA:
                assert response.headers["content-type"] == MEDIA[name]


@pytest.mark.parametrize(
    "name",
    [
        "../study.toml",
        "..%2Fstudy.toml",
        "%2e%2e/x",
        "%2e%2e%2fx",
        "study.toml",
        "sites.geojson",
        "suitability.qml",
        "exclusions.tif",
        "criteria",
        "..",
        "%2Fetc%2Fpasswd",
        "/etc/passwd",
        "run.json%00",
        "SITES.GPKG",
    ],
)
def test_a_name_that_is_not_an_allowed_output_is_404(client, runs, name):
    response = client.get(f"/api/runs/{runs['full'].name}/files/{name}")
    assert_not_found(response, runs["root"])


def test_a_file_only_another_run_has_is_404(client, runs):
    assert (runs["full"] / "ledger.xlsx").is_file()
    assert_not_found(client.get(f"/api/runs/{runs['plain'].name}/files/ledger.xlsx"), runs["root"])


@pytest.mark.parametrize(
    "run_id",
    ["0" * 16, "20261203T141502Z-3fa9c1", "latest", "..", "%2e%2e", "runs", "{full}%0a"],
)
def test_a_run_id_that_names_no_kept_run_is_404(client, runs, run_id):
    run_id = run_id.format(full=runs["full"].name)
    assert_not_found(client.get(f"/api/runs/{run_id}/files/run.json"), runs["root"])
    assert_not_found(client.get(f"/api/runs/{run_id}/files.zip"), runs["root"])


def assert_not_found(response, root: Path) -> None:
    assert response.status_code == 404, response.text
    assert response.json()["error"] == "not_found"
    assert set(response.json()) == {"error", "detail"}
    assert str(root) not in response.text and str(root.resolve()) not in response.text


def test_the_zip_holds_exactly_the_listed_files(client, runs):
    folder = runs["full"]
    listed = {run["id"]: run for run in client.get("/api/runs").json()["runs"]}
    response = client.get(f"/api/runs/{folder.name}/files.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    disposition = f'attachment; filename="parkplan-{folder.name}.zip"'
    assert response.headers["content-disposition"] == disposition
    assert int(response.headers["content-length"]) == len(response.content)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        assert names == [f"parkplan-{folder.name}/{n}" for n in listed[folder.name]["outputs"]]
        for name in names:
            assert archive.read(name) == stored(folder, name.split("/", 1)[1]).read_bytes()
    assert client.get(f"/api/runs/{folder.name}/files.zip").content == response.content


def stored(folder: Path, name: str) -> Path:
    """Where the study keeps the download ``name`` of the run in ``folder``."""
    if name == "dossier.pdf":
        return folder.parents[1] / "workspace" / "cache" / "dossiers" / f"{folder.name}.pdf"
    return folder / name


def test_the_dossier_downloads_as_the_run_s_report_printed(client, runs, tmp_path):
    folder = runs["full"]
    listed = {run["id"]: run for run in client.get("/api/runs").json()["runs"]}
    assert listed[folder.name]["outputs"][-1] == "dossier.pdf"
    response = client.get(f"/api/runs/{folder.name}/files/dossier.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    (tmp_path / "dossier.pdf").write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "dossier.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert folder.name in text  # the run id printed on the pages
    assert "Equalisation" in text or "equalisation" in text  # the run's English dossier
    again = client.get(f"/api/runs/{folder.name}/files/dossier.pdf")
    assert again.content == response.content  # printed once, then served from the cache


def test_a_run_without_an_outputs_list_offers_its_allowed_files(shared_study):
    """Runs written by hand (the API tests' studies) have a ``run.json`` without ``outputs``."""
    folder = RunStore(shared_study).folder()
    with client_for(shared_study, settings()) as client:
        (run,) = [r for r in client.get("/api/runs").json()["runs"] if r["id"] == folder.name]
        assert run["outputs"] == [
            "sites.gpkg",
            "sites.csv",
            "site_municipalities.csv",
            "equalisation.json",
            "map.html",
            "report.html",
            "run.json",
            "dossier.pdf",
        ]
        response = client.get(f"/api/runs/{folder.name}/files/map.html")
    assert response.content == (folder / "map.html").read_bytes()


class PausedRun:
    """The real pipeline, held at its first progress report until the test lets it go on."""

    def __init__(self) -> None:
        self.reported = threading.Event()
        self.go_on = threading.Event()

    def __call__(self, study_dir, *, progress, **options):
        def report(done: int, total: int) -> None:
            if not self.reported.is_set():
                self.reported.set()
                assert self.go_on.wait(30)
            progress(done, total)

        return run_study(study_dir, progress=report, **options)


@pytest.mark.timeout(120)
def test_a_cancelled_real_run_publishes_nothing(runs):
    root, run = runs["root"], PausedRun()
    before = [record.identity.run_id for record in RunStore(root).records()]
    with client_for(root, settings(), run=run) as client:
        job = client.post("/api/runs", json={}, headers=auth(OPERATOR)).json()
        assert run.reported.wait(60)
        assert client.delete(f"/api/runs/{job['id']}", headers=auth(OPERATOR)).status_code == 202
        run.go_on.set()
        for _ in range(3000):
            status = client.get(f"/api/runs/{job['id']}").json()
            if status["status"] not in ("queued", "running"):
                break
            time.sleep(0.01)
    assert (status["status"], status["run_id"]) == ("cancelled", None)
    assert [record.identity.run_id for record in RunStore(root).records()] == before
    assert RunStore(root).current_id() == before[0]
    assert sorted(p.name for p in (root / "runs").iterdir()) == sorted([*before, "latest"])
