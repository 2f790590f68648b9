"""``run.json`` as one typed, versioned record: what a run writes is what a reader reads back,
the JSON is the record the run always wrote plus its format version, and a file that is not a
run record is no run."""

from __future__ import annotations

import json
import math

import pytest
from run_support import publish_run
from study_support import make_small_study

from parkplan import outputs
from parkplan.run import equalise_study, run_facts, run_study
from parkplan.run_facts import (
    RUN_JSON,
    FinishedRun,
    LeaderRangeFacts,
    RunFacts,
    RunIdentity,
    ScoreStatsFacts,
    read_run_facts,
)
from parkplan.runs import RunStore

#: The keys of ``run.json``, in order.
KEYS = [
    "format_version",
    "run",
    "outputs",
    "warnings",
    "notices",
    "scenario",
    "grid",
    "weights",
    "weights_given",
    "weight_method",
    "aggregation",
    "score_stats",
    "exclusions",
    "sites",
    "robustness",
    "robustness_inputs",
    "weight_sweep",
    "leader_ranges",
    "lang",
]


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """A run of the small study, in English."""
    return run_study(make_small_study(tmp_path_factory.mktemp("facts") / "study"), lang="en")


def test_what_a_run_writes_is_what_a_reader_reads(ran, tmp_path):
    written = json.loads((ran.folder / RUN_JSON).read_text(encoding="utf-8"))
    facts = read_run_facts(ran.folder)
    assert facts is not None
    assert facts.model_dump(mode="json") == written
    assert list(written) == KEYS
    assert facts.run.run_id == ran.run.run_id and facts.lang == "en"
    assert facts.outputs == tuple(ran.files) and facts.warnings == ran.warnings
    assert [n.text for n in facts.notices or ()] == list(facts.warnings)


def test_the_json_is_the_record_a_run_wrote_before_plus_its_version(ran, tmp_path):
    written = json.loads((ran.folder / RUN_JSON).read_text(encoding="utf-8"))
    record = {
        "run": ran.run.to_dict() | {"finished_at": written["run"]["finished_at"]},
        "outputs": list(ran.files),
        "warnings": list(ran.warnings),
        "notices": written["notices"],
        **run_facts(ran.scoring),
        "lang": "en",
    }
    before = json.loads(outputs.write_json(record, tmp_path / RUN_JSON).read_text("utf-8"))
    assert written == {"format_version": 1, **before}
    assert list(written) == ["format_version", *before]


def test_a_run_equalised_again_keeps_what_its_source_found(ran):
    source = read_run_facts(ran.folder)
    derived = equalise_study(ran.root)
    again = read_run_facts(derived.folder)
    assert source is not None and again is not None
    assert again.run.derived_from == source.run.run_id
    assert again.found() == source.found()
    assert again.warnings == () and again.notices == ()
    assert again.outputs == tuple(derived.files)


def test_unknown_figures_are_kept_as_none(tmp_path):
    identity = RunIdentity.start(scenario=None, study_sha256="0" * 64, inputs_sha256={})
    facts = RunFacts(
        run=FinishedRun.of(identity, identity.started_at),
        score_stats=ScoreStatsFacts(
            min=math.nan,
            mean=math.nan,
            max=math.nan,
            scored_cells=0,
            share_excluded=1.0,
            share_nodata=0.0,
        ),
        leader_ranges=(LeaderRangeFacts(criterion="road", base_leader=3, weight=0.5),),
    )
    assert facts.score_stats is not None and facts.score_stats.mean is None
    outputs.write_json(facts.model_dump(mode="json"), tmp_path / RUN_JSON)
    assert read_run_facts(tmp_path) == facts


def test_an_older_record_reads_with_what_it_lacks_left_out(tmp_path):
    """A record without a version, outputs or notices (an older or hand-written run)."""
    folder = publish_run(tmp_path, None, lambda folder: None)
    facts = read_run_facts(folder)
    assert facts is not None
    assert (facts.format_version, facts.outputs, facts.notices, facts.lang) == (1, None, None, "nl")
    assert [r.identity.run_id for r in RunStore(tmp_path).records()] == [folder.name]


@pytest.mark.parametrize(
    "damage",
    [
        lambda record: "{not json",
        lambda record: "[1, 2]",
        lambda record: '{"outputs": []}',
        lambda record: json.dumps(record | {"run": "yesterday"}),
        lambda record: json.dumps(record | {"weights": {"road": "heavy"}}),
        lambda record: json.dumps(record | {"format_version": 2}),
    ],
    ids=["not JSON", "not an object", "no run", "run not an object", "bad value", "newer"],
)
def test_a_damaged_record_is_no_run(tmp_path, damage):
    folder = publish_run(tmp_path, None, lambda folder: None)
    record = json.loads((folder / RUN_JSON).read_text(encoding="utf-8"))
    (folder / RUN_JSON).write_text(damage(record), encoding="utf-8")
    assert read_run_facts(folder) is None
    assert RunStore(tmp_path).records() == []  # not listed, as before


def test_a_record_that_is_not_text_is_no_run(tmp_path):
    (tmp_path / RUN_JSON).write_bytes(b"\xff\xfe{")
    assert read_run_facts(tmp_path) is None


def test_a_folder_without_a_record_has_no_facts(tmp_path):
    assert read_run_facts(tmp_path) is None
