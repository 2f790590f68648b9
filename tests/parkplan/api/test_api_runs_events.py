"""Following a run live (server-sent events) and cancelling it, with injected run functions."""

from __future__ import annotations

import json
import threading
import time

import pytest
from api_support import OPERATOR, VIEWER, auth, client_for, settings
from test_api_runs import GatedRun

from parkplan.api.routers import runs as runs_router


def start(client, **body) -> dict:
    response = client.post("/api/runs", json=body or None, headers=auth(OPERATOR))
    assert response.status_code == 202, response.text
    return response.json()


def wait_until_ended(client, job_id: str, timeout_s: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = client.get(f"/api/runs/{job_id}").json()
        if status["status"] not in ("queued", "running"):
            return status
        time.sleep(0.01)
    raise AssertionError(f"run {job_id} did not end in {timeout_s} s")


def events(text: str) -> list[tuple[str, int, dict]]:
    """(event, id, data) of every event of a stream, comments left out."""
    found = []
    for block in text.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if not line.startswith(":")
        )
        if fields:
            found.append((fields["event"], int(fields["id"]), json.loads(fields["data"])))
    return found


def test_the_events_of_an_instant_run_end_with_its_outcome(study):
    with client_for(study, settings()) as client:
        job = start(client)
        response = client.get(f"/api/runs/{job['id']}/events")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    found = events(response.text)
    assert [number for _, number, _ in found] == list(range(1, len(found) + 1))
    assert [name for name, _, _ in found] == ["status"] * (len(found) - 1) + ["end"]
    progress = [data["progress"] for _, _, data in found]
    assert progress == sorted(progress)
    last = found[-1][2]
    assert (last["id"], last["status"], last["progress"], last["error"]) == (
        job["id"],
        "done",
        1.0,
        None,
    )


def test_the_events_follow_a_running_run_with_heartbeats(study, monkeypatch):
    monkeypatch.setattr(runs_router, "HEARTBEAT_S", 0.05)
    monkeypatch.setattr(runs_router, "POLL_S", 0.01)
    run = GatedRun()
    with client_for(study, settings(viewer_tokens=[VIEWER]), run=run) as client:
        job = start(client, scenario="alt")
        assert run.halfway.wait(10)
        threading.Timer(0.5, run.release.set).start()
        response = client.get(f"/api/runs/{job['id']}/events", headers=auth(VIEWER))
        assert client.get(f"/api/runs/{job['id']}/events").status_code == 401
    found = events(response.text)
    assert ": heartbeat\n\n" in response.text
    assert [(name, data["status"], data["progress"]) for name, _, data in found] == [
        ("status", "running", 0.5),
        ("end", "done", 1.0),
    ]


def test_the_events_of_a_failed_run_end_with_its_error(study):
    run = GatedRun(RuntimeError("boom"))
    run.release.set()
    with client_for(study, settings(), run=run) as client:
        job = start(client)
        found = events(client.get(f"/api/runs/{job['id']}/events").text)
    name, _, data = found[-1]
    assert (name, data["status"]) == ("end", "failed")
    assert "RuntimeError" in data["error"]


def test_events_of_an_unknown_run_are_404(client):
    response = client.get(f"/api/runs/{'f' * 16}/events")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_cancel_stops_a_running_run_at_its_next_progress_report(study):
    run = GatedRun()
    with client_for(study, settings(), run=run) as client:
        job = start(client)
        assert run.halfway.wait(10)
        cancelled = client.delete(f"/api/runs/{job['id']}", headers=auth(OPERATOR))
        assert cancelled.status_code == 202
        assert (cancelled.json()["status"], cancelled.json()["cancel_requested"]) == (
            "running",
            True,
        )
        run.release.set()
        status = wait_until_ended(client, job["id"])
        assert status["status"] == "cancelled" and status["error"] is None
        assert status["run_id"] is None
        listed = client.get("/api/runs").json()["jobs"]
        assert [(j["id"], j["status"]) for j in listed] == [(job["id"], "cancelled")]
        again = client.delete(f"/api/runs/{job['id']}", headers=auth(OPERATOR))
        assert again.status_code == 409
        assert again.json()["error"] == "conflict"
        assert start(client)["status"] in ("queued", "running")


@pytest.mark.parametrize(
    ("token", "code"), [(None, 401), (OPERATOR, 404)], ids=["no-token", "unknown"]
)
def test_cancel_needs_an_operator_and_a_known_run(client, token, code):
    response = client.delete(f"/api/runs/{'f' * 16}", headers=auth(token))
    assert response.status_code == code
