"""The dossier of whole runs: the demo and a generated study, in Dutch and English.

Nothing a reader sees is an identifier or a word of the other language; the reconciliation and
"alone versus together" in the dossier are those of ``equalisation.json`` (the numbers are read
back from the page); the run's warnings carry a code the dossier says in both languages; the
ledger is also ``ledger.xlsx``, whose totals are those of ``ledger.csv``; the printed dossier
is tagged and numbers every page.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pandas as pd
import pytest
import tomli_w
from dossier_text import untranslated, visible_text
from study_support import make_small_study

from equalisation.summary import EqualisationSummary
from parkplan.cli import main
from parkplan.demo import run_demo
from parkplan.notices import CODES
from parkplan.report import render_report
from parkplan.run import run_study
from webmap.formats import Formats
from webmap.notices import NOTICES

ROAD_LABEL = "Bereikbaarheid via de N-weg"
KEY_LABEL = "Volgens inwonersaantal"


def with_labels(root: Path) -> Path:
    """The small study with a label on a criterion and on a key (the rest by default)."""
    path = root / "study.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for criterion in data["criteria"]:
        if criterion["name"] == "road":
            criterion["label"] = ROAD_LABEL
    data["keys"]["population"]["label"] = KEY_LABEL
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    root = with_labels(make_small_study(tmp_path_factory.mktemp("dossier") / "study"))
    run_study(root)
    return root


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "parkplan-demo"
    patch = pytest.MonkeyPatch()
    patch.setenv("PARKPLAN_CACHE", str(tmp_path_factory.mktemp("cache")))
    try:
        run_demo(out, scale=0.3)
    finally:
        patch.undo()
    return out


def summary_of(root: Path) -> EqualisationSummary:
    data = json.loads((root / "equalisation.json").read_text(encoding="utf-8"))
    return EqualisationSummary.from_dict(data["summary"])


def rows_of(page: str, element_id: str) -> list[list[str]]:
    """The cell texts of the rows of the table with ``id``."""
    start = page.index(f'id="{element_id}"')
    body = page[start : page.index("</table>", start)]
    return [
        [visible_text(cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def cents(shown: str) -> int:
    """A Dutch amount (``€ −1.234,56`` or whole euros) in cents."""
    sign = -1 if "−" in shown else 1
    whole, _, rest = re.sub(r"[^\d,]", "", shown).partition(",")
    return sign * (int(whole) * 100 + int(rest or 0))


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_demo_dossier_says_everything_in_one_language(demo, lang):
    page = render_report(demo, lang=lang)
    assert untranslated(page, lang) == []


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_generated_study_dossier_says_everything_in_one_language(small, lang):
    page = render_report(small, lang=lang)
    text = visible_text(page)
    assert ROAD_LABEL in text and KEY_LABEL in text  # the study's labels, in both languages
    given = page.replace(ROAD_LABEL, "").replace(KEY_LABEL, "")  # the study's words, as given
    assert untranslated(given, lang) == []
    assert ("buiten het studiegebied (de partnergemeenten)" in text) == (lang == "nl")


def test_the_run_writes_the_dossier_in_dutch_first(small):
    page = (small / "report.html").read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="nl">')
    assert "Dossier voor het burgemeestersoverleg" in page


def test_the_reconciliation_is_that_of_the_equalisation_to_the_cent(small):
    page = render_report(small, lang="nl")
    shown = [cents(row[-1]) for row in rows_of(page, "reconciliation")]
    r = summary_of(small).reconciliation
    assert shown == [
        r.site_npv_cents,
        r.municipal_tax_pv_cents,
        r.outside_pv_cents,
        r.rounding_cents,
        r.partners_total_pv_cents,
    ]
    assert sum(shown[:4]) == shown[4]


def test_alone_versus_together_is_that_of_the_equalisation(small):
    page = render_report(small, lang="nl")
    summary = summary_of(small)
    header, *body = rows_of(page, "alone-together")
    chosen = summary.fairness_of("key:population")
    by_header = {
        "Shapley": "shapley",
        "Nucleolus": "nucleolus",
        "Prenucleolus": "prenucleolus",
        "SCRB": "scrb",
        KEY_LABEL: "key:population",
    }
    assert {row[0] for row in body} == set(summary.partners)
    for row in body:
        partner = row[0]
        assert cents(row[1]) // 100 == round(chosen.net_alone_eur[partner])
        for title, cell in zip(header[2:-1], row[2:-1], strict=True):
            check = summary.fairness_of(by_header[title])
            assert abs(cents(cell) / 100 - check.net_together_eur[partner]) <= 0.5, title
        assert abs(cents(row[-1]) / 100 - chosen.gain_eur[partner]) <= 0.5
    for name, cells in re.findall(r'<tr data-allocation="([^"]+)">(.*?)</tr>', page, re.S):
        check = summary.fairness_of(name)
        found = re.search(r"(\d+) van (\d+)", visible_text(cells))
        assert (int(found[1]), int(found[2])) == (check.blocking_count, check.coalitions_checked)


def test_every_warning_carries_a_code_the_dossier_can_say(small, demo):
    for root in (small, demo):
        facts = json.loads((root / "run.json").read_text(encoding="utf-8"))
        assert [n["text"] for n in facts["notices"]] == facts["warnings"]
        assert all(n["code"] in CODES for n in facts["notices"])
    assert set(CODES) == set(NOTICES)


def test_the_ledger_is_also_a_workbook_with_a_sheet_per_key(small):
    from openpyxl import load_workbook

    assert (small / "ledger.xlsx").is_file()
    facts = json.loads((small / "run.json").read_text(encoding="utf-8"))
    assert "ledger.xlsx" in facts["outputs"]
    ledger = pd.read_csv(small / "ledger.csv")
    book = load_workbook(small / "ledger.xlsx", read_only=True)
    keys = list(dict.fromkeys(ledger["key"]))
    assert book.sheetnames == ["Samenvatting", *keys]
    for key in keys:
        rows = list(book[key].iter_rows(values_only=True))
        header, body, total = rows[0], rows[1:-1], rows[-1]
        assert header[:6] == (
            "Verdeelsleutel",
            "Gemeente",
            "Jaar",
            "Betaald (EUR)",
            "Ontvangen (EUR)",
            "Netto (EUR)",
        )
        mine = ledger[ledger["key"] == key]
        assert len(body) == len(mine)
        for column, at in (("paid_eur", 3), ("received_eur", 4), ("net_eur", 5)):
            assert sum(r[at] for r in body) == pytest.approx(mine[column].sum(), abs=0.005)
            assert total[at] == pytest.approx(mine[column].sum(), abs=0.005)
    summary = list(book["Samenvatting"].iter_rows(min_row=6, values_only=True))
    totals = ledger.groupby(["key", "partner"], sort=False)["net_eur"].sum()
    assert {(r[0], r[1]): r[4] for r in summary} == pytest.approx(totals.to_dict(), abs=0.005)


def test_amounts_in_the_summary_are_belgian(small):
    page = render_report(small, lang="nl")
    header, *body, total = rows_of(page, "summary-money")
    assert header[1:] == ["Betaalt (NCW)", "Ontvangt (NCW)", "Netto (NCW)"]
    for row in [*body, total]:
        assert all(re.fullmatch(r"€ −?\d{1,3}(\.\d{3})*", " ".join(c.split())) for c in row[1:])
    summary = summary_of(small)
    net = sum(f.net_pv_cents for f in summary.key("population").partners)
    assert " ".join(total[3].split()) == " ".join(Formats("nl").euro_of_cents(net).split())


@pytest.mark.browser
def test_the_printed_dossier_is_tagged_and_numbers_every_page(small, tmp_path, browser):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdfinfo, pdftotext) is not installed")
    out = tmp_path / "dossier.pdf"
    assert (
        main(
            [
                "report",
                str(small),
                "-o",
                str(out),
                "--lang",
                "en",
                "--chromium",
                shutil.which("chromium") or "/usr/bin/chromium",
            ]
        )
        == 0
    )
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
    assert re.search(r"Tagged:\s+yes", info.stdout)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout)[1])
    run_id = json.loads((small / "run.json").read_text(encoding="utf-8"))["run"]["run_id"]
    for number in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), str(out), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert f"Page {number} of {pages}" in text and run_id in text, number


def test_a_missing_chromium_is_one_line(small, tmp_path, capsys):
    missing = tmp_path / "no-chromium"
    assert (
        main(["report", str(small), "-o", str(tmp_path / "d.pdf"), "--chromium", str(missing)]) == 2
    )
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(missing) in err and "PARKPLAN_CHROMIUM" in err


def test_text_in_the_workbook_never_becomes_a_formula(tmp_path):
    from openpyxl import load_workbook

    from parkplan.outputs import write_ledger_xlsx

    hostile = '=HYPERLINK("http://127.0.0.1/leak","open")'
    ledger = pd.DataFrame(
        {
            "key": ["=1+1", "=1+1"],
            "partner": [hostile, "Haverbeke"],
            "year": [2027, 2027],
            "paid_eur": [100.0, 0.0],
            "received_eur": [0.0, 100.0],
            "net_eur": [-100.0, 100.0],
            "explanation": ["=cmd|' /C calc'!A0", "gelijk"],
            "assumed": ["", ""],
            "run_id": ["0" * 16, "0" * 16],
        }
    )
    target = write_ledger_xlsx(ledger, None, tmp_path / "ledger.xlsx", lang="nl")
    book = load_workbook(target)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells}
    assert {hostile, "=1+1", "=cmd|' /C calc'!A0"} <= texts
