"""Unknown partner facts are never zero: a run that needs one stops and lists what is missing,
or assumes what [unknowns] states and shows it in the JSON, the ledger, the map and the dossier
with the effect of the plausible range on every partner's net result."""

from __future__ import annotations

import csv
import json
import tomllib

import pytest
import tomli_w
from study_support import make_small_study

from parkplan.cli import main
from parkplan.errors import StudyError
from parkplan.runs import RunStore
from parkplan.study import parse_study


@pytest.fixture(scope="module")
def study_root(tmp_path_factory):
    return make_small_study(tmp_path_factory.mktemp("unknowns") / "study")


@pytest.fixture
def root(study_root):
    original = (study_root / "study.toml").read_bytes()
    yield study_root
    (study_root / "study.toml").write_bytes(original)


def edit(root, change) -> None:
    data = tomllib.loads((root / "study.toml").read_text(encoding="utf-8"))
    change(data)
    (root / "study.toml").write_text(tomli_w.dumps(data), encoding="utf-8")


def unknown_surcharges(data, *, fallback: str | None = None) -> None:
    """Every partner's surcharge unknown but Aarbeke's (900) and Calvene's (1100)."""
    for partner in data["partners"]:
        if partner["name"] == "Bovendijk":
            partner["municipal_opcentiemen"] = "unknown"
    if fallback:
        data["unknowns"] = {"fallback": fallback}


def test_unknown_is_written_unknown_or_left_out_and_nan_is_refused():
    study = parse_study(
        {"name": "x", "partners": [{"name": "A", "population": "unknown", "demand_ha": 2}]}
    )
    assert study.partners[0].population is None
    assert "municipal_opcentiemen" in study.partners[0].unknown()
    with pytest.raises(StudyError, match='write municipal_opcentiemen = "unknown"'):
        parse_study(
            {"name": "x", "partners": [{"name": "A", "municipal_opcentiemen": float("nan")}]}
        )


def test_a_needed_unknown_stops_the_run_and_names_what_is_missing(capsys, root):
    before = RunStore(root).current_id()
    edit(root, unknown_surcharges)
    assert main(["run", str(root), "-q"]) == 2
    err = capsys.readouterr().err
    assert "municipal_opcentiemen of Bovendijk" in err and "property tax" in err
    assert "[unknowns]" in err and err.count("\n") == 1
    assert RunStore(root).current_id() == before


def test_an_assumed_unknown_is_stated_everywhere_with_its_effect(capsys, root):
    edit(root, lambda data: unknown_surcharges(data, fallback="median"))
    assert main(["run", str(root), "-q"]) == 0
    err = capsys.readouterr().err
    assert "unknown facts were assumed" in err
    result = json.loads((root / "equalisation.json").read_text(encoding="utf-8"))
    [assumed] = result["assumed_facts"]
    assert assumed["partner"] == "Bovendijk" and assumed["fact"] == "municipal_opcentiemen"
    assert (assumed["value"], assumed["low"], assumed["high"]) == (1000.0, 900.0, 1100.0)
    host = result["host"]
    effects = result["assumption_effects"]["population"][host]
    if host == "Bovendijk":  # the host's surcharge decides its property tax: the range matters
        assert effects["net_pv_low_eur"] < effects["net_pv_value_eur"] < effects["net_pv_high_eur"]
    with open(root / "ledger.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert all(("assumed" in r["assumed"]) == (r["partner"] == "Bovendijk") for r in rows)
    report = (root / "report.html").read_text(encoding="utf-8")
    assert 'id="assumed"' in report and "municipal_opcentiemen" not in report  # said in words
    assert "mediaan van de 2 partners waarvan gemeentelijke opcentiemen bekend is" in report
    assert "Bovendijk: municipal_opcentiemen = 1000" in (root / "map.html").read_text("utf-8")


def test_a_stated_assumption_takes_precedence_over_the_fallback(root):
    def stated(data):
        unknown_surcharges(data, fallback="median")
        data["unknowns"]["assume"] = {
            "municipal_opcentiemen": {
                "value": 1250.0,
                "low": 598.0,
                "high": 1417.0,
                "source": "median of the known surcharges in the regional facts table",
            }
        }

    edit(root, stated)
    assert main(["run", str(root), "-q"]) == 0
    [assumed] = json.loads((root / "equalisation.json").read_text(encoding="utf-8"))[
        "assumed_facts"
    ]
    assert (assumed["value"], assumed["low"], assumed["high"]) == (1250.0, 598.0, 1417.0)
