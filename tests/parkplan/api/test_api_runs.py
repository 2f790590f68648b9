"""Background runs with an injected run function: lifecycle, progress, failures, one at a time."""

from __future__ import annotations

import threading
import time

import pytest
from api_support import OPERATOR, auth, client_for, settings

from parkplan.errors import StudyError


def wait_until_finished(client, run_id: str, timeout_s: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = client.get(f"/api/runs/{run_id}").json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.01)
    raise AssertionError(f"run {run_id} did not finish in {timeout_s} s")


class GatedRun:
    """A run that reports half its progress, then waits for the test to let it finish."""

    def __init__(self, error: Exception | None = None) -> None:
        self.halfway = threading.Event()
        self.release = threading.Event()
        self.error = error
        self.calls: list[dict] = []

    def __call__(self, study_dir, *, scenario=None, equalise=True, lang="nl", progress=None):
        self.calls.append(
            {"study_dir": study_dir, "scenario": scenario, "equalise": equalise, "lang": lang}
        )
        progress(1, 2)
        self.halfway.set()
        assert self.release.wait(10)
        if self.error is not None:
            raise self.error
        progress(2, 2)


def start(client, **body):
    return client.post("/api/runs", json=body or None, headers=auth(OPERATOR))


def test_run_lifecycle(study):
    run = GatedRun()
    with client_for(study, settings(), run=run) as client:
        started = start(client, scenario="alt", equalise=False, lang="en")
        assert started.status_code == 202
        status = started.json()
        assert status["status"] in ("queued", "running")
        assert started.headers["Location"] == f"/api/runs/{status['id']}"
        assert run.halfway.wait(10)
        running = client.get(f"/api/runs/{status['id']}").json()
        assert (running["status"], running["progress"]) == ("running", 0.5)
        run.release.set()
        done = wait_until_finished(client, status["id"])
    assert (done["status"], done["progress"], done["error"]) == ("done", 1.0, None)
    assert done["finished_at"] is not None
    assert run.calls == [
        {"study_dir": study.resolve(), "scenario": "alt", "equalise": False, "lang": "en"}
    ]


def test_a_second_run_is_409_until_the_first_is_done(study):
    run = GatedRun()
    with client_for(study, settings(), run=run) as client:
        first = start(client).json()
        assert run.halfway.wait(10)
        second = start(client)
        assert second.status_code == 409
        assert second.json()["error"] == "conflict"
        assert first["id"] in second.json()["detail"]
        upload = client.post(
            "/api/layers",
            files={"file": ("a.geojson", b"{}", "application/json")},
            data={"name": "a"},
            headers=auth(OPERATOR),
        )
        assert upload.status_code == 409
        run.release.set()
        wait_until_finished(client, first["id"])
        third = start(client)
        assert third.status_code == 202
        wait_until_finished(client, third.json()["id"])


def test_a_failed_run_keeps_a_one_line_message_without_paths(study, tmp_path):
    run = GatedRun(StudyError(f"{study}/study.toml is not valid:\n criteria.0.weight: negative"))
    run.release.set()
    with client_for(study, settings(), run=run) as client:
        status = wait_until_finished(client, start(client).json()["id"])
    assert status["status"] == "failed"
    assert status["error"] == "<study>/study.toml is not valid: criteria.0.weight: negative"
    assert str(tmp_path) not in status["error"]


def test_an_internal_failure_says_little(study):
    run = GatedRun(RuntimeError("secret detail in /srv/secret/file.py"))
    run.release.set()
    with client_for(study, settings(), run=run) as client:
        status = wait_until_finished(client, start(client).json()["id"])
    assert status["status"] == "failed"
    assert "secret" not in status["error"]
    assert "RuntimeError" in status["error"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"scenario": "unknown"}, 400),
        ({"scenario": "../x"}, 422),
        ({"lang": "fr"}, 422),
        ({"surprise": 1}, 422),
    ],
)
def test_bad_run_requests(client, body, status):
    response = start(client, **body)
    assert response.status_code == status
    assert set(response.json()) == {"error", "detail"}


def test_unknown_run_is_404(client):
    assert client.get("/api/runs/ffffffffffffffff").status_code == 404


def test_runs_use_the_real_pipeline_by_default():
    from parkplan.api.deps import get_run_function
    from parkplan.run import run_study

    assert get_run_function() is run_study
