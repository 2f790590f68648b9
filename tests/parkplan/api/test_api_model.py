"""The model builder's routes: the draft, the live preview, the histogram, saving into
study.toml (comments kept, only the intended lines changed, stale versions refused), one-line
422s, the AHP check on a published example, the planner role, escaping."""

from __future__ import annotations

import copy
import difflib
import hashlib
import re
import shutil
from pathlib import Path

import pytest
from api_support import OPERATOR, auth, client_for, settings
from model_support import PASSWORD, make_model_study

from parkplan.accounts import open_accounts
from parkplan.run import run_study
from parkplan.study import STUDY_FILE, load_study

# Saaty (1990), "How to make a decision: the analytic hierarchy process", EJOR 48: choosing a
# house. Published: weights .173 .054 .188 .018 .031 .036 .167 .333, λmax = 9.669, CI = 0.238,
# CR = 0.169; the judgement farthest from the weights: neighbourhood over condition (6).
HOUSE = [
    "size",
    "transport",
    "neighbourhood",
    "age",
    "yard",
    "facilities",
    "condition",
    "financing",
]
HOUSE_MATRIX = [
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
    [4, 7, 5, 8, 6, 6, 2, 1],
]
PAYLOAD = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> Path:
    """The model study, run once."""
    root = make_model_study(tmp_path_factory.mktemp("model") / "study", name=PAYLOAD)
    run_study(root, equalise=False)
    return root


@pytest.fixture
def study(ran: Path, tmp_path: Path) -> Path:
    """A copy of the run study that a test may change."""
    root = tmp_path / "study"
    shutil.copytree(ran, root, symlinks=True)
    return root


@pytest.fixture
def client(study: Path):
    with client_for(study, settings()) as test_client:
        yield test_client


def state(client) -> dict:
    answer = client.get("/api/model")
    assert answer.status_code == 200, answer.text
    return answer.json()


def preview(client, model: dict, **extra):
    return client.post("/api/model/preview", json={"model": model, **extra})


def save(client, model: dict, etag: str, **extra):
    body = {"model": model, "etag": etag, **extra}
    return client.post("/api/model/save", json=body, headers=auth(OPERATOR))


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines removed from and added to ``before``."""
    diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm=""))
    removed = [line[1:] for line in diff if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in diff if line.startswith("+") and not line.startswith("+++")]
    return removed, added


def criterion(model: dict, name: str) -> dict:
    return next(c for c in model["criteria"] if c["name"] == name)


# -- the draft and the preview ------------------------------------------------------------------


def test_the_model_comes_with_its_version_layers_and_forms(client, study):
    found = state(client)
    assert found["etag"] == hashlib.sha256((study / STUDY_FILE).read_bytes()).hexdigest()
    assert [c["name"] for c in found["model"]["criteria"]] == [
        "station", "road", "flat", "zones", "industry_near"
    ]  # fmt: skip
    layers = {layer["name"]: layer for layer in found["layers"]}
    assert layers["slope"]["kind"] == "raster" and "zone" in layers["zoning"]["columns"]
    kinds = next(f for f in found["forms"]["exclusion"] if f["name"] == "kind")["options"]
    assert kinds == ["inside", "buffer", "zoning", "raster"]
    assert client.get("/api/model?scenario=nope").status_code == 404


@pytest.mark.timeout(300)
def test_the_ranking_changes_where_the_hand_computed_weights_cross(client):
    """With a weighted sum of two criteria, a site scores w·c_station + (1 − w)·c_road, its
    criterion means measured at w = 1 and w = 0; two sites swap places at the w where their
    lines cross, and nowhere else."""
    model = state(client)["model"]

    def ranked(w: float) -> tuple[dict[str, float], dict[str, int]]:
        draft = copy.deepcopy(model)
        for c in draft["criteria"]:
            c["weight"] = {"station": w, "road": 1 - w}.get(c["name"], 0.0)
        answer = preview(client, draft)
        assert answer.status_code == 200, answer.text
        sites = answer.json()["sites"]
        return {s["site_id"]: s["score"] for s in sites}, {s["site_id"]: s["rank"] for s in sites}

    station, road = ranked(1.0)[0], ranked(0.0)[0]
    mixed = ranked(0.3)[0]
    assert mixed == pytest.approx({k: 0.3 * station[k] + 0.7 * road[k] for k in station}, abs=1e-9)

    def a_over_b(w: float, a: str, b: str) -> bool:
        return w * station[a] + (1 - w) * road[a] > w * station[b] + (1 - w) * road[b]

    crossings = [
        ((road[b] - road[a]) / slope, a, b)
        for a in station
        for b in station
        if a < b and (slope := (station[a] - road[a]) - (station[b] - road[b]))
    ]
    crossings = [(w, a, b) for w, a, b in crossings if 0.05 < w < 0.95]
    assert crossings, "the study's sites should trade places somewhere"
    w, a, b = crossings[0]
    assert a_over_b(w - 0.02, a, b) != a_over_b(w + 0.02, a, b)
    for weight in (w - 0.02, w + 0.02):
        ranks = ranked(weight)[1]
        assert (ranks[a] < ranks[b]) == a_over_b(weight, a, b)


def test_the_preview_draws_the_overview_and_the_requested_curves(client):
    model = state(client)["model"]
    answer = preview(client, model, domains={"station": [0, 5000], "zones": [0, 1]})
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["image"].startswith("data:image/png;base64,")
    assert (found["width"], found["height"], found["cell_size_m"]) == (320, 200, 20.0)
    curve = found["curves"]["station"]
    assert curve[0] == [0.0, 1.0] and curve[-1] == [5000.0, 0.0]
    assert [200.0, 1.0] in curve and [4000.0, 0.0] in curve
    assert "zones" not in found["curves"]  # categorical: no curve
    assert sum(found["weights"].values()) == pytest.approx(1.0)
    names = [e["name"] for e in found["exclusions"]]
    assert names == ["outside_study_area", "nature", "housing_buffer", "steep", "no_homes"]
    assert all(s["sign"] in ("robust", "uncertain", "out") for s in found["sites"])


def test_the_histogram_of_a_draft_criterion(client):
    model = state(client)["model"]
    new = {"name": "homes", "kind": "distance", "layer": "housing",
           "transform": {"kind": "linear", "a": 0, "b": 1}}  # fmt: skip
    answer = client.post("/api/model/histogram", json={"criterion": new})
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert len(found["counts"]) == 40 and found["low"] == 0.0
    zones = client.post("/api/model/histogram", json={"criterion": criterion(model, "zones")})
    assert {c["category"] for c in zones.json()["categories"]} == {"industrie", "landbouw", "wonen"}
    values = client.post("/api/model/values", json={"layer": "zoning", "column": "zone"})
    assert values.json() == {"values": ["industrie", "landbouw", "wonen"], "truncated": False}


def test_ahp_consistency_and_the_most_inconsistent_judgement_of_saatys_house(client):
    model = state(client)["model"]
    base = criterion(model, "station")
    model["criteria"] = [dict(base, name=name) for name in HOUSE]
    model["weights"] = {"method": "ahp", "pairwise": HOUSE_MATRIX}
    answer = preview(client, model)
    assert answer.status_code == 200, answer.text
    ahp = answer.json()["ahp"]
    assert ahp["cr"] == pytest.approx(0.169, abs=5e-4)
    assert ahp["ci"] == pytest.approx(0.238, abs=5e-4)
    assert ahp["lambda_max"] == pytest.approx(9.669, abs=5e-4)
    assert ahp["random_index"] == 1.41 and not ahp["acceptable"]
    worst = ahp["most_inconsistent"]
    assert {worst["i"], worst["j"]} == {"neighbourhood", "condition"} and worst["judgement"] == 6
    assert worst["implied"] == pytest.approx(0.188 / 0.167, rel=0.02)
    published = [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333]
    assert list(answer.json()["weights"].values()) == pytest.approx(published, abs=5e-4)


# -- refused drafts -----------------------------------------------------------------------------


def broken(change):
    def apply(model: dict) -> dict:
        model = copy.deepcopy(model)
        change(model)
        return model

    return apply


INVALID = {
    "edge without width": (
        broken(lambda m: criterion(m, "station")["transform"].update(c=4000.0)),
        "expected",
    ),
    "points out of order": (
        broken(lambda m: criterion(m, "station")["transform"].update(c=5000.0)),
        "a ≤ b ≤ c ≤ d",
    ),
    "unknown layer": (broken(lambda m: criterion(m, "road").update(layer="nowhere")), "nowhere"),
    "zoning without a column": (
        broken(lambda m: criterion(m, "zones").update(column=None)),
        "zoning.column",
    ),
    "all weights zero": (
        broken(lambda m: [c.update(weight=0.0) for c in m["criteria"]]),
        "zero",
    ),
    "two criteria of one name": (
        broken(lambda m: criterion(m, "road").update(name="station")),
        "duplicate",
    ),
    "no criteria": (broken(lambda m: m.update(criteria=[])), "no criteria"),
    "a key the schema lacks": (broken(lambda m: m["weights"].update(colour="red")), "colour"),
    "a matrix of the wrong size": (
        broken(lambda m: m.update(weights={"method": "ahp", "pairwise": [[1, 2], [0.5, 1]]})),
        "AHP",
    ),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_a_draft_the_schema_or_the_libraries_refuse_is_a_one_line_422(client, study, case):
    change, words = INVALID[case]
    found = state(client)
    model = change(found["model"])
    before = (study / STUDY_FILE).read_bytes()
    for answer in (preview(client, model), save(client, model, found["etag"])):
        assert answer.status_code == 422, (case, answer.text)
        detail = answer.json()["detail"]
        assert words in detail and "\n" not in detail and str(study) not in detail
        assert "Traceback" not in detail
    assert (study / STUDY_FILE).read_bytes() == before


# -- saving -------------------------------------------------------------------------------------


def test_saving_the_base_model_changes_only_the_intended_lines(client, study):
    found = state(client)
    model = found["model"]
    criterion(model, "station")["weight"] = 0.35
    criterion(model, "road")["transform"]["d"] = 3000.0
    next(e for e in model["exclusions"] if e["name"] == "housing_buffer")["buffer_m"] = 150.0
    before = (study / STUDY_FILE).read_text(encoding="utf-8")
    answer = save(client, model, found["etag"])
    assert answer.status_code == 200, answer.text
    after = (study / STUDY_FILE).read_text(encoding="utf-8")
    assert answer.json() == {
        "etag": hashlib.sha256(after.encode()).hexdigest(), "saved": "base", "scenario": None
    }  # fmt: skip
    removed, added = changed_lines(before, after)
    assert removed == ["buffer_m = 100.0", "weight = 0.3", "d = 2500.0"]
    assert added == ["buffer_m = 150.0", "weight = 0.35", "d = 3000.0"]
    for comment in ("# criteria: stations first", "# how the criteria are weighed"):
        assert comment in after
    again = state(client)
    assert again["etag"] == answer.json()["etag"] and again["model"] == model


def test_adding_and_removing_items_keeps_the_comments_around_them(client, study):
    found = state(client)
    model = found["model"]
    model["exclusions"] = [e for e in model["exclusions"] if e["name"] != "nature"]
    transform = {"kind": "linear", "direction": "increasing", "a": 100, "b": 800}
    extra = {"name": "homes", "kind": "distance", "layer": "housing", "weight": 0.1}
    extra["transform"] = transform
    model["criteria"].append(extra)
    before = (study / STUDY_FILE).read_text(encoding="utf-8")
    answer = save(client, model, found["etag"])
    assert answer.status_code == 200, answer.text
    after = (study / STUDY_FILE).read_text(encoding="utf-8")
    removed, added = changed_lines(before, after)
    assert removed == [
        'name = "nature"', 'kind = "inside"', 'layer = "nature"', 'description = ""', "",
        "[[exclusions]]",
    ]  # fmt: skip
    assert [line for line in added if line] == [
        "[[criteria]]", 'name = "homes"', 'kind = "distance"', 'layer = "housing"',
        "weight = 0.1", "[criteria.transform]", 'kind = "linear"', "a = 100.0", "b = 800.0",
    ]  # fmt: skip
    assert added.count("") == 2  # one before the new criterion, one before its transform
    assert "\nb = 800.0\n\n# how the criteria are weighed\n[weights]" in after
    assert '# land that never scores\n[[exclusions]]\nname = "housing_buffer"' in after
    assert [c.name for c in load_study(study).criteria][-1] == "homes"


def test_saving_a_scenario_adds_it_and_changing_it_changes_its_lines(client, study):
    found = state(client)
    model = found["model"]
    for c in model["criteria"]:
        c["weight"] = {"flat": 0.5}.get(c["name"], 0.125)
    model["exclusions"] = [e for e in model["exclusions"] if e["name"] != "steep"]
    model["aggregation"] = {"method": "wgm"}
    before = (study / STUDY_FILE).read_text(encoding="utf-8")
    first = save(client, model, found["etag"], scenario="vlak", description="vlak terrein")
    assert first.status_code == 200, first.text
    middle = (study / STUDY_FILE).read_text(encoding="utf-8")
    removed, added = changed_lines(before, middle)
    assert removed == ["scenarios = []"]
    assert added[:4] == ["", "[[scenarios]]", 'name = "vlak"', 'drop_exclusions = ["steep"]']
    assert 'description = "vlak terrein"' in added and "flat = 0.5" in added
    scenario = load_study(study).scenarios[0]
    assert scenario.aggregation.method == "wgm" and scenario.weights["station"] == 0.125
    criterion(model, "flat")["weight"] = 0.6
    second = save(client, model, first.json()["etag"], scenario="vlak")
    assert second.status_code == 200, second.text
    after = (study / STUDY_FILE).read_text(encoding="utf-8")
    removed, added = changed_lines(middle, after)
    assert len(removed) == len(added) == 5  # the five weights, rescaled; nothing else
    assert all(line.split(" = ")[0] in {c["name"] for c in model["criteria"]} for line in added)
    reloaded = client.get("/api/model?scenario=vlak").json()["model"]
    assert [e["name"] for e in reloaded["exclusions"]] == ["nature", "housing_buffer", "no_homes"]


def test_a_scenario_cannot_change_a_criterion(client, study):
    found = state(client)
    model = found["model"]
    criterion(model, "road")["transform"]["d"] = 3000.0
    answer = save(client, model, found["etag"], scenario="anders")
    assert answer.status_code == 422
    assert "criterion 'road' differs" in answer.json()["detail"]


def test_a_file_changed_since_loading_is_not_overwritten(client, study):
    found = state(client)
    path = study / STUDY_FILE
    edited = path.read_text(encoding="utf-8") + "# edited meanwhile\n"
    path.write_text(edited, encoding="utf-8")
    answer = save(client, found["model"], found["etag"])
    assert answer.status_code == 409
    detail = answer.json()["detail"]
    assert "changed since this model was loaded" in detail and "reload" in detail
    assert path.read_text(encoding="utf-8") == edited
    assert not list(study.glob(".study.toml*"))


# -- who may, and what the page shows ---------------------------------------------------------


def sign_in(client, name: str) -> dict[str, str]:
    """Sign in as a browser does; the CSRF header of the session."""
    page = client.get("/login?next=/model")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"name": name, "password": PASSWORD, "csrf_token": token, "next": "/model"}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    return {"X-CSRF-Token": client.get("/api/session").json()["csrf_token"]}


def test_saving_needs_a_planner_and_the_session_s_csrf_token(study):
    accounts = open_accounts(study)
    accounts.add("vera", "viewer", PASSWORD)
    accounts.add("piet", "planner", PASSWORD)
    for name, expected in (("vera", 403), ("piet", 200)):
        with client_for(study, settings()) as client:
            headers = sign_in(client, name)
            found = client.get("/api/model").json()
            body = {"model": found["model"], "etag": found["etag"]}
            assert client.post("/api/model/save", json=body).status_code == 403  # no token
            answer = client.post("/api/model/save", json=body, headers=headers)
            assert answer.status_code == expected, answer.text
            assert preview(client, found["model"]).status_code == 403  # a POST needs it too
            previewed = client.post(
                "/api/model/preview", json={"model": found["model"]}, headers=headers
            )
            assert previewed.status_code == 200


def test_the_page_escapes_text_from_data(client):
    for lang in ("nl", "en"):
        page = client.get(f"/model?lang={lang}")
        assert page.status_code == 200
        assert PAYLOAD not in page.text
        assert "&lt;img src=x onerror=alert(1)&gt;" in page.text
        assert '<script src="/app-static/model.js" defer></script>' in page.text
    assert client.get("/app-static/model.js").status_code == 200
    assert client.get("/app-static/model.css").status_code == 200
