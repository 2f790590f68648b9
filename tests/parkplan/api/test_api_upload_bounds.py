"""Uploads within bounds: how many are loaded at once, and the memory and time of each.

An upload is held mid-load by holding the study's lock in the test: the child process loading
it waits at its commit, so the upload keeps its slot for as long as the test wants.
"""

from __future__ import annotations

import math
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import filelock
import pytest
from api_support import OPERATOR, auth, client_for, settings

from parkplan.api import Settings

POINTS = (
    b'{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": '
    b'"urn:ogc:def:crs:EPSG::31370"}}, "features": [{"type": "Feature", "properties": '
    b'{"n": 1}, "geometry": {"type": "Point", "coordinates": [150000.0, 170000.0]}}]}'
)


def post_layer(client, name: str, content: bytes = POINTS):
    return client.post(
        "/api/layers",
        files={"file": (f"{name}.geojson", content, "application/geo+json")},
        data={"name": name},
        headers=auth(OPERATOR),
    )


def layer_names(client) -> list[str]:
    return sorted(layer["name"] for layer in client.get("/api/layers").json())


@contextmanager
def study_locked(study: Path):
    """Hold the study's lock: a load reaching its commit waits until the block ends."""
    lock = filelock.FileLock(study / "workspace" / ".lock")
    with lock:
        yield


def in_background(client, name: str) -> tuple[threading.Thread, list]:
    answers: list = []
    thread = threading.Thread(target=lambda: answers.append(post_layer(client, name)))
    thread.start()
    return thread, answers


def wait_for(condition, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.02)


@pytest.mark.timeout(120)
def test_an_upload_beyond_the_bound_gets_503_with_retry_after(study):
    config = settings(max_concurrent_uploads=1, upload_wait_s=0)
    with client_for(study, config) as client:
        gate = client.app.state.context.uploads
        with study_locked(study):
            first, answers = in_background(client, "first")
            wait_for(lambda: gate.active == 1)
            second = post_layer(client, "second")
        first.join(timeout=60)
        assert second.status_code == 503, second.text
        assert second.json()["error"] == "service_unavailable"
        assert "at most 1 upload(s) at once (PARKPLAN_MAX_CONCURRENT_UPLOADS)" in second.text
        assert int(second.headers["Retry-After"]) >= 1
        assert answers[0].status_code == 201, answers[0].text
        assert layer_names(client) == ["first"]
        assert (gate.active, gate.peak_active) == (0, 1)


@pytest.mark.timeout(120)
def test_a_waiting_upload_is_loaded_once_the_first_is_done(study):
    config = settings(max_concurrent_uploads=1, upload_wait_s=60)
    with client_for(study, config) as client:
        gate = client.app.state.context.uploads
        with study_locked(study):
            first, first_answer = in_background(client, "first")
            wait_for(lambda: gate.active == 1)
            second, second_answer = in_background(client, "second")
            wait_for(lambda: gate.waiting == 1)
            assert gate.active == 1
        for thread in (first, second):
            thread.join(timeout=60)
        assert first_answer[0].status_code == 201, first_answer[0].text
        assert second_answer[0].status_code == 201, second_answer[0].text
        assert layer_names(client) == ["first", "second"]
        assert gate.peak_active == 1


def one_polygon_geojson(vertices: int) -> bytes:
    """A circle of ``vertices`` vertices in Lambert 72 (10^6 vertices: 18 MB, ~600 MB to load)."""
    step = 2 * math.pi / vertices
    ring = [
        f"[{150_000 + 500 * math.cos(i * step):.1f},{170_000 + 500 * math.sin(i * step):.1f}]"
        for i in range(vertices)
    ]
    ring.append(ring[0])
    return (
        b'{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": '
        b'"urn:ogc:def:crs:EPSG::31370"}}, "features": [{"type": "Feature", "properties": '
        b'{"n": 1}, "geometry": {"type": "Polygon", "coordinates": [['
        + ",".join(ring).encode()
        + b"]]}}]}"
    )


@pytest.mark.timeout(180)
def test_an_upload_over_the_memory_budget_is_413_and_changes_nothing(study):
    with client_for(study, settings(upload_memory_mb=256)) as client:
        response = post_layer(client, "huge", one_polygon_geojson(1_000_000))
        assert response.status_code == 413, response.text
        assert response.json()["error"] == "content_too_large"
        assert "PARKPLAN_UPLOAD_MEMORY_MB" in response.json()["detail"]
        assert layer_names(client) == []
        assert post_layer(client, "small").status_code == 201


@pytest.mark.timeout(120)
def test_an_upload_over_the_time_limit_is_stopped_with_413(study):
    with client_for(study, settings(upload_timeout_s=1)) as client:
        with study_locked(study):
            response = post_layer(client, "slow")
        assert response.status_code == 413, response.text
        assert "PARKPLAN_UPLOAD_TIMEOUT_S" in response.json()["detail"]
        assert layer_names(client) == []
        assert client.app.state.context.uploads.active == 0


def test_upload_bounds_from_the_environment(monkeypatch):
    monkeypatch.setenv("PARKPLAN_MAX_CONCURRENT_UPLOADS", "3")
    monkeypatch.setenv("PARKPLAN_UPLOAD_WAIT_S", "2.5")
    monkeypatch.setenv("PARKPLAN_UPLOAD_MEMORY_MB", "512")
    loaded = Settings()
    assert (loaded.max_concurrent_uploads, loaded.upload_wait_s) == (3, 2.5)
    assert loaded.upload_memory_bytes == 512 * 1024 * 1024
    monkeypatch.setenv("PARKPLAN_MAX_CONCURRENT_UPLOADS", "0")
    with pytest.raises(ValueError, match="max_concurrent_uploads"):
        Settings()
