"""The equalisation page and its what-ifs: each setting a mayor moves gives, to the cent, what
the equalisation computes with that setting written into ``study.toml`` (and what a whole run
of such a study writes); the sums hold exactly; the page in Dutch and English; escaping."""

from __future__ import annotations

import json
import shutil
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
import tomli_w
from api_support import client_for, settings
from study_support import make_small_study

from equalisation.summary import EqualisationSummary
from parkplan import outputs, pipeline
from parkplan.run import run_study
from parkplan.runs import RunStore
from parkplan.study import load_study
from parkplan.whatif import WhatIf, WhatIfs
from webmap.formats import Formats

HOSTILE = "\"'><img src=x onerror=alert(1)>"

#: One change of each setting: the what-if's parameter, and the same written into study.toml.
CHANGES = {
    "discount_rate_per_year": (
        0.06,
        {"finance": {"assumptions": {"discount_rate_per_year": 0.06}}},
    ),
    "fund_ov_share": (0.4, {"mechanisms": {"sub_regional_fund": {"ov_share": 0.4}}}),
    "host_compensation_eur_per_ha_per_year": (
        750.0,
        {
            "mechanisms": {
                "sub_regional_fund": {"ov_share": 1.0},
                "host_compensation": {"eur_per_ha_per_year": 750.0},
            }
        },
    ),
    "key": ("equal", {"finance": {"chosen_key": "equal"}}),
}


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    root = make_small_study(tmp_path_factory.mktemp("equalisation") / "study")
    run_study(root)
    return root


@pytest.fixture(scope="module")
def client(root):
    with client_for(root, settings()) as test_client:
        yield test_client


def merged(base: dict, change: dict) -> dict:
    """``base`` with ``change`` written into it, table by table."""
    out = dict(base)
    for key, value in change.items():
        out[key] = merged(out.get(key, {}), value) if isinstance(value, dict) else value
    return out


def written(root: Path, folder: Path, change: dict) -> Path:
    """A copy of the study at ``folder`` whose study.toml says ``change``."""
    shutil.copytree(root, folder, symlinks=True)
    toml = tomllib.loads((root / "study.toml").read_text(encoding="utf-8"))
    (folder / "study.toml").write_text(tomli_w.dumps(merged(toml, change)), encoding="utf-8")
    return folder


def direct(root: Path, study_dir: Path) -> pipeline.SiteEqualisation:
    """The equalisation of ``study_dir``'s study on the sites of ``root``'s current run."""
    sites, parts = outputs.read_site_tables(RunStore(root).folder())
    site_id = json.loads((root / "equalisation.json").read_text())["site_id"]
    return pipeline.equalise(load_study(study_dir), sites, parts, site_id=site_id)


@pytest.mark.parametrize("setting", list(CHANGES))
def test_each_setting_equals_the_study_with_it_written_to_the_cent(root, client, tmp_path, setting):
    value, change = CHANGES[setting]
    expected = direct(root, written(root, tmp_path / "study", change))
    outcome = WhatIfs(root).outcome(WhatIf(**{setting: value}))
    assert outcome.summary == expected.summary
    assert outcome.summary != WhatIfs(root).outcome(WhatIf()).summary or setting == "key"
    answer = client.get("/api/equalisation/what-if", params={setting: value})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert EqualisationSummary.from_dict(body["summary"]) == expected.summary
    assert body["what_if"] == {setting: value}
    if setting == "key":
        assert (body["settings"]["key"], body["settings"]["key_origin"]) == ("equal", "what-if")
    else:
        assert body["settings"][setting] == {"value": value, "origin": "what-if"}
    assert body["chosen_key"] == ("equal" if setting == "key" else "population")


def test_all_four_at_once_equal_a_whole_run_of_such_a_study(root, client, tmp_path):
    values = {name: value for name, (value, _) in CHANGES.items()}
    change = {
        "finance": {"assumptions": {"discount_rate_per_year": 0.06}, "chosen_key": "equal"},
        "mechanisms": {
            "sub_regional_fund": {"ov_share": 0.4},
            "host_compensation": {"eur_per_ha_per_year": 750.0},
        },
    }
    copy = written(root, tmp_path / "study", change)
    run_study(copy)
    ran = json.loads((copy / "equalisation.json").read_text(encoding="utf-8"))
    body = client.get("/api/equalisation/what-if", params=values).json()
    assert EqualisationSummary.from_dict(body["summary"]) == EqualisationSummary.from_dict(
        ran["summary"]
    )


def test_the_sums_hold_to_the_cent(root):
    values = {name: value for name, (value, _) in CHANGES.items()}
    summary = WhatIfs(root).outcome(WhatIf(**values)).summary
    rec = summary.reconciliation
    assert (
        rec.site_npv_cents + rec.municipal_tax_pv_cents + rec.outside_pv_cents + rec.rounding_cents
        == rec.partners_total_pv_cents
    )
    for key in summary.keys:
        assert sum(f.net_pv_cents for f in key.partners) == rec.partners_total_pv_cents
        balances = {f.partner: f.balance_pv_cents for f in key.partners}
        assert sum(balances.values()) == 0
        for transfer in key.transfers:
            balances[transfer.payer] += transfer.amount_cents
            balances[transfer.payee] -= transfer.amount_cents
        assert set(balances.values()) == {0}, key.name
        for flows in key.partners:
            assert all(isinstance(c, int) for c in (*flows.paid_cents, *flows.received_cents))


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"fund_ov_share": 1.5}, "fund_ov_share"),
        ({"discount_rate_per_year": "nan"}, "finite"),
        ({"discount_rate_per_year": -0.01}, "discount_rate_per_year"),
        ({"host_compensation_eur_per_ha_per_year": 1e9}, "host_compensation"),
        ({"key": "nope"}, "not a key of the study"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_a_setting_out_of_bounds_is_a_one_line_422(client, params, says):
    answer = client.get("/api/equalisation/what-if", params=params)
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert says in detail and "\n" not in detail


def test_the_page_in_dutch_with_belgian_amounts_and_assumptions(root, client):
    page = client.get("/equalisation").text
    summary = WhatIfs(root).outcome(WhatIf()).summary
    nl = Formats("nl")
    for flows in summary.key("population").partners:
        assert nl.euro_of_cents(flows.net_pv_cents) in page
    for text in ("Discontovoet", "Verdeelsleutels naast elkaar", "Alleen versus samen",
                 "Kerncontrole", "Overdrachten onder ‘Inwonertal’", "Shapley-waarde",
                 "Aanname: 3\u00a0%, een illustratieve standaardwaarde", "(aanname)"):  # fmt: skip
        assert text in page, text
    assert nl.cents(summary.reconciliation.partners_total_pv_cents) in page
    assert "De studie geeft de gastgemeente geen compensatie" in page  # no mechanism, said so


def test_the_page_in_english_and_a_what_if_marked_changed(root, client):
    page = client.get("/equalisation", params={"lang": "en", "discount_rate_per_year": 0.06}).text
    summary = WhatIfs(root).outcome(WhatIf(discount_rate_per_year=0.06)).summary
    en = Formats("en")
    assert en.euro_of_cents(summary.npv_cents) in page
    assert "Discount rate" in page and "Sharing keys side by side" in page
    assert '6\u00a0%</span> <span class="status">(changed)' in page
    assert 'value="0.06"' in page  # the slider stands where the figures were computed


def test_the_results_part_follows_each_setting(root, client):
    base = client.get("/equalisation/results").text
    for setting, (value, _) in CHANGES.items():
        moved = client.get("/equalisation/results", params={setting: value})
        assert moved.status_code == 200 and moved.text != base, setting
        assert "<html" not in moved.text
    assert "kan de studie niet aannemen" in client.get("/equalisation?key=nope").text


def test_before_a_run_the_page_says_so(tmp_path):
    fresh = make_small_study(tmp_path / "fresh")
    with client_for(fresh, settings()) as client:
        page = client.get("/equalisation")
        assert page.status_code == 200
        assert "Er zijn nog geen resultaten" in page.text
        assert 'id="whatif"' not in page.text


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_hostile_key_names_and_labels_are_escaped(root, tmp_path):
    toml = tomllib.loads((root / "study.toml").read_text(encoding="utf-8"))
    toml["keys"][HOSTILE] = {
        "kind": "equal",
        "label": f"</script><script>alert(1)</script>{HOSTILE}",
    }
    copy = written(root, tmp_path / "study", {})
    (copy / "study.toml").write_text(tomli_w.dumps(toml), encoding="utf-8")
    with client_for(copy, settings()) as client:
        for params in ({}, {"key": HOSTILE}):
            page = client.get("/equalisation", params=params)
            assert page.status_code == 200, page.text
            tags = Tags()
            tags.feed(page.text)
            for tag, attributes in tags.tags:
                assert tag not in ("img", "svg") or "onerror" not in attributes
                assert not any(name.startswith("on") for name in attributes), (tag, attributes)
            sources = [a.get("src") for t, a in tags.tags if t == "script"]
            assert all(src and src.startswith("/app-static/") for src in sources), sources
            assert "&lt;/script&gt;&lt;script&gt;alert(1)" in page.text


def test_an_unknown_fact_is_shown_as_an_assumption_never_as_zero(root, tmp_path):
    toml = tomllib.loads((root / "study.toml").read_text(encoding="utf-8"))
    calvene = next(p for p in toml["partners"] if p["name"] == "Calvene")
    calvene["population"] = "unknown"
    toml["unknowns"] = {"fallback": "median"}
    copy = written(root, tmp_path / "study", {})
    (copy / "study.toml").write_text(tomli_w.dumps(toml), encoding="utf-8")
    with client_for(copy, settings()) as client:
        page = client.get("/equalisation").text
    assumed = page.split('id="assumed-title"')[1]
    assert "Aangenomen gegevens van partners" in page
    assert "Calvene" in assumed and "inwoners" in assumed
    assert "10.500" in assumed  # the median of 6.200 and 14.800, not 0
    assert "6.200 – 14.800" in assumed
