"""The stages of a real run, told live over server-sent events, and a cancel that takes effect
when the next stage begins (not only while the scoring reports its blocks)."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import pytest
from api_support import OPERATOR, auth, client_for, settings
from study_support import make_small_study
from test_api_runs_events import events, start

from parkplan.run import run_study
from parkplan.runs import RunStore
from parkplan.stages import STAGES


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return make_small_study(tmp_path_factory.mktemp("stages") / "study", draws=20)


class HeldAtStage:
    """The real pipeline, held when stage ``stage`` is about to begin until the test lets it
    go on (the stage is then told to the server's progress, which may stop the run)."""

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self.reached = threading.Event()
        self.go_on = threading.Event()

    def __call__(self, study_dir, *, progress, **options):
        held = self

        class Progress:
            def __call__(self, done: int, total: int) -> None:
                progress(done, total)

            def stage(self, name: str) -> None:
                if name == held.stage:
                    held.reached.set()
                    assert held.go_on.wait(60)
                progress.stage(name)

        return run_study(study_dir, progress=Progress(), **options)


@pytest.mark.timeout(180)
def test_stage_names_arrive_over_the_event_stream_in_order(root):
    with client_for(root, settings(), run=run_study) as client:
        job = start(client, lang="en")
        response = client.get(f"/api/runs/{job['id']}/events")
    found = events(response.text)
    assert found[-1][0] == "end" and found[-1][2]["status"] == "done", found[-1]
    lists = [data["stages"] for _, _, data in found]
    for earlier, later in itertools.pairwise(lists):
        assert later[: len(earlier)] == earlier  # each event extends what came before
    assert lists[-1] == list(STAGES)
    current = [data["stage"] for _, _, data in found if data["stage"]]
    assert current == sorted(current, key=STAGES.index)
    progress = [data["progress"] for _, _, data in found]
    assert progress == sorted(progress) and progress[-1] == 1.0


@pytest.mark.timeout(180)
def test_a_cancel_after_the_scoring_stops_the_run_at_its_next_stage(root):
    run = HeldAtStage("sites")
    before = [record.identity.run_id for record in RunStore(root).records()]
    with client_for(root, settings(), run=run) as client:
        job = start(client)
        assert run.reached.wait(120)  # the scoring is done: no block progress comes any more
        cancelled = client.delete(f"/api/runs/{job['id']}", headers=auth(OPERATOR))
        assert cancelled.status_code == 202
        run.go_on.set()
        deadline = time.monotonic() + 60
        while (status := client.get(f"/api/runs/{job['id']}").json())["status"] == "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
    assert (status["status"], status["run_id"]) == ("cancelled", None)
    assert status["stages"] == ["layers", "exclusions", "criteria", "score"]  # "sites" refused
    assert [record.identity.run_id for record in RunStore(root).records()] == before
    assert not [p for p in (root / "runs").iterdir() if p.name.startswith(".building-")]
