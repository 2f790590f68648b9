"""What a run refuses or states about its inputs: unknown partners, rescaled weights, an empty
partner list, and numbers far outside any real study (each a one-line error, exit code 2)."""

from __future__ import annotations

import json
import re
import tomllib

import pytest
import tomli_w
from study_support import make_small_study

from parkplan.cli import main
from parkplan.runs import RunStore


@pytest.fixture(scope="module")
def study_root(tmp_path_factory):
    return make_small_study(tmp_path_factory.mktemp("inputs") / "study")


def edited(root, change) -> None:
    """Apply ``change`` to the parsed study.toml of ``root`` and write it back."""
    data = tomllib.loads((root / "study.toml").read_text(encoding="utf-8"))
    change(data)
    (root / "study.toml").write_text(tomli_w.dumps(data), encoding="utf-8")


@pytest.fixture
def root(study_root, tmp_path):
    """A fresh copy of the small study's study.toml around the shared workspace."""
    original = (study_root / "study.toml").read_bytes()
    yield study_root
    (study_root / "study.toml").write_bytes(original)


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(list(map(str, args)))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("given", "closest"), [("Atlantis", None), ("Bovendyk", "Bovendijk"), ("aarbeke", "Aarbeke")]
)
def test_a_partner_missing_from_the_municipalities_is_refused(capsys, root, given, closest):
    before = RunStore(root).current_id()

    def rename(data):
        data["partners"][0]["name"] = given

    edited(root, rename)
    code, _, err = run(capsys, "run", root, "-q")
    assert code == 2
    assert err.count("\n") == 1 and repr(given) in err and "fix the name" in err
    if closest:
        assert closest in err.split("closest:")[1]
    assert RunStore(root).current_id() == before  # nothing published, nobody paid


def test_weights_that_do_not_sum_to_one_are_rescaled_and_said(capsys, root):
    def double(data):
        for criterion in data["criteria"]:
            criterion["weight"] *= 2

    edited(root, double)
    code, _, err = run(capsys, "run", root, "-q")
    assert code == 0, err
    assert "sum to 2" in err and "divided by 2" in err
    facts = json.loads((root / "run.json").read_text(encoding="utf-8"))
    assert facts["weights_given"] == {"station": 1.0, "road": 1.0}
    assert facts["weights"] == {"station": 0.5, "road": 0.5}
    assert any("sum to 2" in warning for warning in facts["warnings"])
    dossier = (root / "report.html").read_text(encoding="utf-8")  # in Dutch by default
    assert "tellen op tot 2 in plaats van 1" in dossier and "50" in dossier


def test_an_empty_partner_list_keeps_the_earlier_ledger_and_says_so(capsys, root):
    assert run(capsys, "run", root, "-q")[0] == 0
    with_ledger = RunStore(root).current_id()

    def no_partners(data):
        data["partners"] = []

    edited(root, no_partners)
    code, _, err = run(capsys, "run", root, "-q")
    assert code == 0
    assert "no [[partners]]" in err and "previous run keeps them" in err
    assert not (root / "ledger.csv").exists()  # the current run has no ledger...
    kept = RunStore(root).runs_dir / with_ledger / "ledger.csv"
    assert kept.is_file()  # ...the earlier one is kept and listed
    code, out, _ = run(capsys, "runs", root)
    assert code == 0 and with_ledger in out


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("cell_size_m",), 1e-9),
        (("cell_size_m",), 1e308),
        (("exclusions", 1, "buffer_m"), 1e308),
        (("exclusions", 1, "buffer_m"), float("inf")),
        (("criteria", 0, "transform", "d"), float("nan")),
        (("criteria", 0, "weight"), 1e300),
        (("sites", "min_area_ha"), 1e300),
        (("robustness", "concentration"), float("inf")),
        (("robustness", "seed"), -1),
        (("partners", 0, "population"), 10**12),
        (("partners", 0, "municipal_opcentiemen"), 1e308),
        (("finance", "provincial_opcentiemen"), -5.0),
    ],
)
def test_numbers_outside_any_real_study_are_one_line_errors(capsys, root, path, value):
    def put(data):
        target = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    edited(root, put)
    code, _, err = run(capsys, "run", root, "-q")
    assert code == 2, err
    assert err.count("\n") == 1 and " line " in err
    assert re.search(rf"(→ |line \d+ )(\w+\.)*{path[-1]}:", err), err


def test_a_grid_too_fine_for_the_area_is_refused_before_computing(capsys, root):
    def fine(data):
        data["cell_size_m"] = 0.1

    edited(root, fine)
    code, _, err = run(capsys, "run", root, "-q")
    assert code == 2 and "raise cell_size_m" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda data: data.setdefault("keys", {}).update(pop={"kind": "populaton"}), "populaton"),
        (
            lambda data: data["finance"].setdefault("assumptions", {}).update(discount=0.04),
            "discount",
        ),
        (lambda data: data.update(mechanisms={"host_bonus": {"x": 1}}), "host_bonus"),
    ],
)
def test_a_wrong_key_mechanism_or_assumption_is_refused_before_the_scoring(
    capsys, root, monkeypatch, change, named
):
    before = RunStore(root).current_id()
    scored = []
    monkeypatch.setattr("parkplan.pipeline.score", lambda *a, **k: scored.append(1))
    edited(root, change)
    code, _, err = run(capsys, "run", root, "-q")
    assert code == 2, err
    assert err.count("\n") == 1 and named in err and "line " in err, err
    assert scored == [] and RunStore(root).current_id() == before
