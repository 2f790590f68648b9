"""Concurrency: CLI processes and the web app writing to one study at once.

No update may be lost (every layer loaded is listed and readable), nothing may be corrupted,
and where waiting is not possible the answer is a clear "busy": exit code 2 with one line from
the CLI, HTTP 409 from the web app.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import filelock
import pytest
from fastapi.testclient import TestClient
from fault_support import check_study, snapshot

from parkplan.api import Settings, create_app
from parkplan.api.deps import get_run_function
from parkplan.cli import main
from parkplan.workspace import Workspace

OPERATOR = "operator-token-for-concurrency-tests"
ROUNDS = 4


def web_client(root: Path, *, run=None) -> TestClient:
    app = create_app(root, Settings(operator_tokens=[OPERATOR], auth_failures_per_window=1000))
    if run is not None:
        app.dependency_overrides[get_run_function] = lambda: run
    return TestClient(app, raise_server_exceptions=False)


def upload(client: TestClient, source: Path, name: str):
    with source.open("rb") as f:
        return client.post(
            "/api/layers",
            headers={"Authorization": f"Bearer {OPERATOR}"},
            files={"file": (source.name, f, "application/octet-stream")},
            data={"name": name},
        )


@pytest.fixture(scope="module")
def vector_sources(demo_study: Path, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("vectors")
    layers = demo_study / "workspace" / "layers"
    return {
        name: Path(shutil.copy(next(layers.glob(f"{name}-*.gpkg")), folder / f"{name}_src.gpkg"))
        for name in ("stations", "quays", "business_parks")
    }


@contextlib.contextmanager
def lock_held_elsewhere(root: Path):
    """Another process holding the study's lock until the block ends."""
    code = (
        "import filelock, sys, time\n"
        "lock = filelock.FileLock(sys.argv[1]); lock.acquire()\n"
        "print('held', flush=True); time.sleep(120)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(root / "workspace" / ".lock")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait(timeout=30)


@pytest.fixture
def short_lock_wait(monkeypatch):
    """Make the study lock give up after 0.5 s instead of 30 s (in this process and in the
    processes it starts, such as the web app's upload loader)."""
    monkeypatch.setenv("PARKPLAN_LOCK_WAIT_S", "0.5")


@pytest.mark.timeout(300)
def test_two_cli_processes_and_the_web_app_add_layers_at_once(
    server, study_copy, vector_sources, tmp_path
):
    root = study_copy()
    before = snapshot(root)
    expected = set()
    with web_client(root) as client:
        for r in range(ROUNDS):
            names = {"a": f"cli_a_{r}", "b": f"cli_b_{r}", "web": f"web_{r}"}
            pids = [
                server.spawn(
                    ["layers", "add", str(root), str(vector_sources[src]), "--name", names[key]],
                    tmp_path / f"{key}.log",
                )
                for key, src in (("a", "stations"), ("b", "quays"))
            ]
            response = upload(client, vector_sources["business_parks"], names["web"])
            assert response.status_code == 201, response.text
            for pid, key in zip(pids, ("a", "b"), strict=True):
                assert server.wait(pid) == 0, (tmp_path / f"{key}.log").read_text()
            expected |= set(names.values())
        listed = {entry["name"] for entry in client.get("/api/layers").json()}
    assert expected <= listed
    found = check_study(root, before, new_layers=frozenset(expected))
    assert found.orphans == () and found.temporary == ()
    workspace = Workspace.open(root)
    for name in expected:
        assert len(workspace.read_vector(name)) > 0


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_an_upload_during_a_run_waits_for_it_and_both_succeed(
    server, study_copy, vector_sources, tmp_path
):
    root = study_copy()
    before = snapshot(root)
    log = tmp_path / "run.log"
    started = time.time()
    pid = server.spawn(["run", str(root), "-q"], log)
    lock = filelock.FileLock(root / "workspace" / ".lock")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the run holds the study's lock
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            break
        lock.release()
        time.sleep(0.01)
    with web_client(root) as client:
        response = upload(client, vector_sources["stations"], "during_run")
    assert response.status_code == 201, response.text
    assert server.wait(pid) == 0, log.read_text()
    found = check_study(root, before, new_layers=frozenset({"during_run"}))
    assert "during_run" in {info.name for info in Workspace.open(root).list_layers()}
    assert found.temporary == ()
    for name in ("sites.gpkg", "ledger.csv", "map.html"):  # rewritten by this run
        assert (root / name).stat().st_mtime >= started - 1


@pytest.mark.timeout(120)
@pytest.mark.usefixtures("short_lock_wait")
@pytest.mark.parametrize("command", ["layers add", "run", "layers remove"])
def test_cli_answers_busy_in_one_line_with_exit_code_2(study_copy, vector_sources, capsys, command):
    root = study_copy()
    argv = {
        "layers add": ["layers", "add", str(root), str(vector_sources["stations"]), "--name", "x"],
        "run": ["run", str(root), "-q"],
        "layers remove": ["layers", "remove", str(root), "stations", "--force"],  # a used layer
    }[command]
    before = snapshot(root)
    with lock_held_elsewhere(root):
        code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("parkplan: ") and "busy" in err and "\n" not in err
    assert "Traceback" not in err
    check_study(root, before)


@pytest.mark.timeout(120)
@pytest.mark.usefixtures("short_lock_wait")
def test_web_app_answers_409_when_the_study_stays_locked(study_copy, vector_sources):
    root = study_copy()
    before = snapshot(root)
    with web_client(root) as client, lock_held_elsewhere(root):
        response = upload(client, vector_sources["stations"], "locked_out")
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert "busy" in response.json()["detail"] and str(root) not in response.text
    check_study(root, before)


@pytest.mark.timeout(60)
def test_web_app_answers_409_to_a_second_run_and_to_uploads_during_a_run(
    study_copy, vector_sources
):
    root = study_copy()
    release = threading.Event()

    def slow_run(study_dir, *, scenario=None, equalise=True, lang="nl", progress=None):
        release.wait(30)

    headers = {"Authorization": f"Bearer {OPERATOR}"}
    with web_client(root, run=slow_run) as client:
        first = client.post("/api/runs", headers=headers, json={})
        assert first.status_code == 202
        second = client.post("/api/runs", headers=headers, json={})
        during = upload(client, vector_sources["stations"], "during")
        release.set()
        assert second.status_code == 409 and second.json()["error"] == "conflict"
        assert during.status_code == 409
        for _ in range(200):
            if client.get(f"/api/runs/{first.json()['id']}").json()["status"] == "done":
                break
            time.sleep(0.05)
        assert upload(client, vector_sources["stations"], "after").status_code == 201


def test_layers_list_is_consistent_while_layers_are_added(study_copy, vector_sources):
    """Readers never see a torn catalogue: every listing parses and grows monotonically."""
    root = study_copy()
    stop = threading.Event()
    seen: list[int] = []
    failures: list[str] = []

    def read_continuously() -> None:
        while not stop.is_set():
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                code = main(["layers", "list", str(root), "--json"])
            if code != 0:
                failures.append(out.getvalue())
            seen.append(len(json.loads(out.getvalue())))

    reader = threading.Thread(target=read_continuously)
    reader.start()
    try:
        workspace = Workspace.open(root)
        for i in range(4):
            workspace.add_layer(vector_sources["quays"], f"grow_{i}")
    finally:
        stop.set()
        reader.join(timeout=30)
    assert not failures
    assert seen == sorted(seen) and len(seen) > 1
