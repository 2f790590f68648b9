"""The study's pages on a real study with real runs: the home page, the runs page and the
comparison, in Dutch and English; text from data escaped; a missing run is a 404 page in the
page's language."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from api_support import client_for, settings
from study_support import CRS, make_small_study, model

from parkplan import outputs
from parkplan.run import run_study
from parkplan.runs import RunStore
from parkplan.study import parse_study, save_study
from webmap.formats import Formats

NAME = 'Studie "Noord" <script>alert(1)</script>'
DESCRIPTION = "<img src=x onerror=alert(2)> & 'meer station'"


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    """The small study with a hostile name, a scenario run besides the base model, and a
    scenario never run."""
    root = make_small_study(tmp_path_factory.mktemp("study-pages") / "study", draws=20)
    scenarios = [
        {"name": "stations", "weights": {"station": 0.9, "road": 0.1}, "description": DESCRIPTION},
        {"name": "later", "drop_exclusions": ["nature"]},
    ]
    data = {"name": NAME, "crs": CRS, **model(draws=20), "scenarios": scenarios}
    save_study(parse_study(data, source="study.toml"), root)
    run_study(root)
    run_study(root, scenario="stations")
    return root


@pytest.fixture(scope="module")
def client(study):
    with client_for(study, settings(), run=run_study) as test_client:
        yield test_client


def page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def assert_escaped(text: str, *, names_the_study: bool = True) -> None:
    """No markup of the data reached the page as markup (and the study's name is shown as
    text where the page names it)."""
    assert "<script>alert" not in text and "<img src=x" not in text
    assert ("&lt;script&gt;alert(1)&lt;/script&gt;" in text) == names_the_study


def runs_of(study: Path) -> dict[str | None, str]:
    return {r.identity.scenario: r.identity.run_id for r in RunStore(study).records()}


class Selects(HTMLParser):
    """Every select list of a page: its options (value, label) and the selected value."""

    def __init__(self) -> None:
        super().__init__()
        self.lists: dict[str, list[tuple[str, str]]] = {}
        self.selected: dict[str, str] = {}
        self._name: str | None = None
        self._option: str | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "select":
            self._name = values["name"]
            self.lists[self._name] = []
        elif tag == "option" and self._name:
            self._option = values.get("value", "")
            if "selected" in values:
                self.selected[self._name] = self._option

    def handle_data(self, data):
        if self._option is not None and self._name:
            self.lists[self._name].append((self._option, data))
            self._option = None

    def handle_endtag(self, tag):
        if tag == "select":
            self._name = None


def selects(text: str) -> Selects:
    parser = Selects()
    parser.feed(text)
    return parser


def test_home_page_in_dutch(client, study):
    text = page(client, "/")
    assert '<html lang="nl">' in text and ">Partnergemeenten<" in text
    assert_escaped(text)
    for partner in ("Aarbeke", "Bovendijk", "Calvene"):
        assert f'<th scope="row">{partner}</th>' in text
    assert "6.200" in text and "1.300" in text  # Belgian number format
    # capital_eur and fiscal_capacity_eur are unknown for every partner: never shown as 0
    assert text.count('<span class="unknown">onbekend</span>') == 6
    assert ">€ 0<" not in text and ">0<" not in text
    for layer in ("municipalities", "stations", "road", "nature", "housing"):
        assert f"<code>{layer}</code>" in text
    assert "EPSG:31370" in text and "3 objecten" in text and "stations.gpkg" in text
    assert "Scenario ‘stations’" in text and "gewichten: station 0,9, road 0,1" in text
    assert "zonder uitsluiting: nature" in text and "nog niet berekend" in text
    assert "&lt;img src=x onerror=alert(2)&gt; &amp; &#39;meer station&#39;" in text
    runs = runs_of(study)
    for run_id in runs.values():
        assert f"/map?run={run_id}" in text and f"/report?run={run_id}" in text
        assert f"/api/runs/{run_id}/files.zip" in text and f"/compare?right={run_id}" in text
    assert "2 waarschuwingen</summary>" in text and 'href="/runs"' in text


def test_home_page_in_english(client):
    text = page(client, "/?lang=en")
    assert '<html lang="en">' in text and ">Partner municipalities<" in text
    assert_escaped(text)
    assert text.count('<span class="unknown">unknown</span>') == 6
    assert "6,200" in text and "weights: station 0.9, road 0.1" in text
    assert "lang=en" in text.split('href="/runs')[1][:20]
    assert "2 warnings</summary>" in text


def test_runs_page_offers_a_run_of_each_scenario_and_lists_the_kept_runs(client, study):
    for lang, words in (("nl", ("Een berekening starten", "Bewaarde berekeningen", "Robuustheid")),
                        ("en", ("Start a run", "Kept runs", "Robustness"))):  # fmt: skip
        text = page(client, f"/runs?lang={lang}")
        assert all(word in text for word in words)
        assert_escaped(text)
        found = selects(text)
        assert [value for value, _ in found.lists["scenario"]] == ["", "stations", "later"]
        stages = re.findall(r'<li data-stage="(\w+)">', text)
        assert stages == ["layers", "exclusions", "criteria", "score", "sites", "robustness",
                          "equalisation", "outputs", "publish"]  # fmt: skip
        assert '<meta name="csrf-token"' in text and "/app-static/runs.js" in text
        for run_id in runs_of(study).values():
            assert f"/api/runs/{run_id}/files/sites.gpkg" in text
            assert f"/api/runs/{run_id}/files/suitability.tif" in text


def test_the_runs_script_sends_the_csrf_token_and_follows_the_events(client):
    script = client.get("/app-static/runs.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith(
        "text/javascript"
    )
    body = script.text
    assert '"X-CSRF-Token": csrf' in body and 'meta[name="csrf-token"]' in body
    assert 'send("POST", "/api/runs"' in body and 'send("DELETE", "/api/runs/"' in body
    assert "new EventSource(" in body and "innerHTML" not in body


def test_compare_page_defaults_to_the_base_model_against_a_scenario(client, study):
    text = page(client, "/compare")
    found = selects(text)
    runs = runs_of(study)
    values = [value for value, _ in found.lists["left"]]
    assert values[:3] == ["", "stations", "later"] and set(runs.values()) <= set(values)
    assert found.selected == {"left": "", "right": "stations"}
    assert_escaped(text)
    frame = re.search(r'<iframe class="compare-maps" title="[^"]*" srcdoc="([^"]*)"', text)
    assert frame is not None and "<script" not in frame.group(1)
    assert frame.group(1).count("L.map(") == 3 and frame.group(1).count("parkplan.sync(") == 2
    assert "Het grootste verschil:" in text
    assert ">Rangschikking van de kandidaat-locaties<" in text


def test_compare_by_run_ids_in_english_with_the_equalisation_side_by_side(client, study):
    runs = runs_of(study)
    left, right = runs[None], runs["stations"]
    text = page(client, f"/compare?left={left}&right={right}&lang=en")
    found = selects(text)
    assert found.selected == {"left": left, "right": right}
    assert ">Equalisation side by side<" in text and "sharing key" in text
    fmt = Formats("en")
    folder = RunStore(study).folder(None)
    key = outputs.read_summary(folder).keys[0]  # the chosen key: the first of [keys]
    flows = key.flows("Aarbeke")
    row = text.split('<th scope="row">Aarbeke</th>')[1].split("</tr>")[0]
    assert fmt.euro_of_cents(sum(flows.paid_cents)) in row
    assert fmt.euro_of_cents(flows.net_pv_cents) in row
    ranks = text.split('<table class="ranks stack">')[1].split("</table>")[0]
    assert ranks.count("<tr>") == 1 + len(outputs.read_sites_gpkg(folder))
    assert "= same" in ranks  # the scenario ranks the base model's sites


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/report?scenario=later", "Scenario ‘later’ heeft nog geen berekening."),
        ("/map?scenario=later&lang=en", "Scenario ‘later’ has no run yet."),
        ("/report?scenario=nope&lang=en", "Scenario ‘nope’ has no run yet."),
        (
            "/map?run=20990101T000000Z-abcdef",
            "Er is geen bewaarde berekening 20990101T000000Z-abcdef.",
        ),
        ("/compare?right=later", "Scenario ‘later’ heeft nog geen berekening"),
        ("/compare?left=later&lang=en", "Scenario ‘later’ has no run yet"),
    ],
)
def test_a_scenario_without_a_run_is_a_404_page_in_its_language(client, path, words):
    text = page(client, path, 404)
    assert words in text and "<h1>" in text
    assert_escaped(text, names_the_study=path.startswith("/compare"))


def test_map_and_report_of_a_kept_run_and_of_a_scenario(client, study):
    runs = runs_of(study)
    scenario_folder = RunStore(study).folder("stations")
    assert page(client, "/report?scenario=stations") == (scenario_folder / "report.html").read_text(
        encoding="utf-8"
    )
    assert runs["stations"] in page(client, f"/map?run={runs['stations']}")
    assert client.get("/map?run=../etc").status_code == 422
    assert client.get("/compare?left=../x").status_code == 422
