"""Template injection: text in the data (a station's name, a municipality, a partner, the study's
name, descriptions) must never be evaluated as a Jinja template on the server.

Folium and branca render every map element's output again as template source, so a station
named ``{{ cycler.__init__.__globals__.os.popen('id').read() }}`` used to run a shell command
under ``parkplan map``, ``parkplan run`` and ``POST /api/runs``. Each test below takes the
payloads through one way of making a page and asserts that the literal text is what the page
carries and that no marker file appeared.
"""

from __future__ import annotations

import html
import re
import sys
import time
import tomllib
from pathlib import Path

import pytest
import tomli_w
from fastapi.testclient import TestClient

from parkplan.api import Settings, create_app
from parkplan.cli import main
from parkplan.demo import build_demo_study
from parkplan.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "webmap"))
from webmap_fixtures import map_data

OPERATOR = "operator-token-0123456789-ssti"


def payloads(marker_dir: Path) -> dict[str, str]:
    """Template payloads by what they try; the command ones would create a file in
    ``marker_dir``."""
    return {
        "command": "{{ cycler.__init__.__globals__.os.popen('touch "
        + str(marker_dir / "marker-cycler")
        + "').read() }}",
        "block": "{% if True %}{{ lipsum.__globals__.os.popen('touch "
        + str(marker_dir / "marker-lipsum")
        + "').read() }}{% endif %}",
        "arithmetic": "Station {{ 7*7 }}",
        "comment": "Dorp {# hidden #} Oost",
        "unbalanced": "Noord {{ half {% open",
        "other_syntaxes": "${7*7} #{7*7} <%= 7*7 %> [[ 7*7 ]]",
        "slot_lookalike": "ppslot000000000000x0z",
    }


def decoded(text: str) -> str:
    """``text`` with JavaScript/JSON string escapes and HTML entities undone."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    text = text.replace("\\/", "/").replace('\\"', '"').replace("\\'", "'")
    return html.unescape(text)


def assert_literal(page: str, texts, where: str) -> None:
    shown = decoded(page)
    for text in texts:
        assert text in shown, (where, text)


def assert_no_marker(marker_dir: Path) -> None:
    assert sorted(p.name for p in marker_dir.iterdir()) == []


# -- the map functions, on a small generated result -----------------------------------------


def test_map_and_comparison_keep_template_text_literal(tmp_path):
    from webmap.maps import compare_html, map_html

    markers = tmp_path / "markers"
    markers.mkdir()
    found = payloads(markers)
    names = (found["command"], found["block"], found["comment"])
    data = map_data(names=names, title=found["arithmetic"], host=found["unbalanced"])
    stations = data.criteria_layers["motorway exits"].assign(
        name=[found["other_syntaxes"], found["slot_lookalike"]]
    )
    data = type(data)(
        **{
            **data.__dict__,
            "criteria_layers": {found["arithmetic"]: stations},
            "exclusions": {found["comment"]: data.exclusions["Natura 2000"]},
        }
    )
    for page, where in (
        (map_html(data, lang="nl"), "map"),
        (compare_html(data, data, left_title=names[0], right_title=names[1]), "compare"),
    ):
        assert_literal(page, found.values(), where)
        assert "ppslot" not in page.replace(found["slot_lookalike"], "")
    assert_no_marker(markers)


# -- a whole study: run, map, report, and the web app --------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """The demo study (small) with payloads in a station name, two municipality names (and so
    the partners and a site's host), the study name and the descriptions."""
    base = tmp_path_factory.mktemp("ssti")
    markers = base / "markers"
    markers.mkdir()
    found = payloads(markers)
    root = base / "study"
    build_demo_study(root, scale=0.2)
    workspace = Workspace.open(root)
    stations = workspace.read_vector("stations")
    stations["name"] = [found["arithmetic"], *[found["command"]] * (len(stations) - 1)]
    replace_layer(workspace, stations, "stations", base)
    towns = workspace.read_vector("municipalities")
    kinds = ("block", "comment", "unbalanced")
    renamed = {name: found[kind] for name, kind in zip(towns["name"][:3], kinds, strict=True)}
    towns["name"] = towns["name"].replace(renamed)
    replace_layer(workspace, towns, "municipalities", base)
    study = tomllib.loads((root / "study.toml").read_text(encoding="utf-8"))
    study["name"] = found["arithmetic"] + " " + found["other_syntaxes"]
    study["criteria"][0]["description"] = found["command"]
    study["scenarios"][0]["description"] = found["block"]
    for partner in study["partners"]:
        partner["name"] = renamed.get(partner["name"], partner["name"])
    (root / "study.toml").write_text(tomli_w.dumps(study), encoding="utf-8")
    return root, markers, found


def replace_layer(workspace: Workspace, frame, name: str, folder: Path) -> None:
    source = folder / f"{name}_hostile.gpkg"
    frame.to_file(source, layer=name, engine="pyogrio")
    workspace.add_layer(source, name, replace=True)


@pytest.mark.timeout(600)
def test_cli_run_map_and_report_keep_template_text_literal(hostile, tmp_path):
    root, markers, found = hostile
    assert main(["run", str(root), "--lang", "en"]) == 0
    assert_no_marker(markers)
    visible = [found[k] for k in ("arithmetic", "block", "comment", "unbalanced")]
    assert_literal((root / "map.html").read_text(encoding="utf-8"), visible, "run map")
    assert_literal((root / "report.html").read_text(encoding="utf-8"), visible[1:], "run report")
    assert_literal(
        (root / "report.html").read_text(encoding="utf-8"), [found["arithmetic"]], "report title"
    )
    for argv, name in (
        (["map", str(root), "-o", str(tmp_path / "m.html")], "m.html"),
        (["map", str(root), "-o", str(tmp_path / "c.html"), "--compare", "base"], "c.html"),
        (["report", str(root), "-o", str(tmp_path / "r.html")], "r.html"),
    ):
        assert main(argv) == 0, argv
        assert_literal((tmp_path / name).read_text(encoding="utf-8"), visible[1:], name)
    assert_no_marker(markers)


@pytest.mark.timeout(600)
def test_web_app_run_and_pages_keep_template_text_literal(hostile):
    root, markers, found = hostile
    app = create_app(root, Settings(operator_tokens=[OPERATOR]))
    headers = {"Authorization": f"Bearer {OPERATOR}"}
    with TestClient(app, raise_server_exceptions=False) as client:
        started = client.post("/api/runs", json={"lang": "nl"}, headers=headers)
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]
        deadline = time.monotonic() + 500
        while (status := client.get(f"/api/runs/{run_id}").json())["status"] in (
            "queued",
            "running",
        ):
            assert time.monotonic() < deadline
            time.sleep(0.5)
        assert status["status"] == "done", status
        visible = [found[k] for k in ("block", "comment", "unbalanced")]
        for path in ("/map", "/report", "/compare"):
            page = client.get(path)
            assert page.status_code == 200, path
            assert_literal(page.text, visible, path)
    assert_no_marker(markers)
