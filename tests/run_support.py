"""Publishing hand-made results as a run, for tests of the readers (API, map, report)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from parkplan.run_facts import RunIdentity
from parkplan.runs import RunStore


def publish_run(root: Path, scenario: str | None, write: Callable[[Path], None]) -> Path:
    """Publish a run of the study at ``root`` whose files ``write(folder)`` makes; return the
    published folder."""
    identity = RunIdentity.start(scenario=scenario, study_sha256="0" * 64, inputs_sha256={})
    with RunStore(root).build(identity) as folder:
        write(folder)
        record = {"run": identity.to_dict() | {"finished_at": identity.started_at}}
        (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")
    return RunStore(root).folder(scenario)
