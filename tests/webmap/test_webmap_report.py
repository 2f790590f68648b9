"""The report for the mayors' conference: sections, numbers, charts, escaping, PDF pages."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from shapely.geometry import box
from webmap_fixtures import MUNICIPALITY_NAMES, XSS, map_data, municipalities

from webmap.errors import MapDataError
from webmap.i18n import label
from webmap.model import ReportData
from webmap.pdf import html_to_pdf
from webmap.report import Formats, report_html, site_sheet, top_sheets
from webmap.svg import criteria_chart, grouped_bars, site_snapshot


def report_data(data=None, *, names=MUNICIPALITY_NAMES, text="Discount rate") -> ReportData:
    data = data or map_data(names=names)
    summary = dict(data.equalisation)
    summary["transfers"] = [{"from": names[1], "to": names[0], "amount_eur": 41_000.0}]
    summary["ledger"] = [
        {"year": year, "partner": partner, "net_eur": 1_000.0 * (year - 2025)}
        for year in (2026, 2027)
        for partner in names
    ]
    return ReportData(
        title="Regionaal bedrijventerrein",
        sites=data.sites.drop(columns="geometry"),
        sheets=top_sheets(data, count=2, finance={1: {"npv_eur": 540_000.0}}),
        equalisation=summary,
        assumptions=[
            {"name": text, "value": 0.03, "unit": "per year", "source": "illustrative"},
            {"name": "OV base rate", "value": 0.025, "unit": "of KI", "source": "Vlaamse Codex"},
        ],
        cooperation=[
            {"form": "Interlocal association", "fits": True, "reason": text},
            {"form": "Project association", "fits": False, "reason": "public partners only"},
        ],
        robustness="Site 1 ranks first in 62 % of 1 000 weight draws.",
    )


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.ids.add(attributes["id"])


def parse(page: str) -> Collector:
    collector = Collector()
    collector.feed(page)
    return collector


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_report_has_every_section(lang):
    page = report_html(report_data(), lang=lang)
    parsed = parse(page)
    assert {
        "ranking",
        "site-1",
        "site-2",
        "equalisation",
        "assumptions",
        "cooperation",
    } <= parsed.ids
    for key in (
        "ranking",
        "equalisation",
        "assumptions",
        "cooperation",
        "keys_side_by_side",
        "transfers",
        "core_check",
        "split",
        "exclusions_nearby",
        "finance",
        "robustness",
    ):
        assert label(key, lang) in page, key
    assert label("core_ok", lang) in page
    assert label("illustrative", lang) in page and "Vlaamse Codex" in page
    assert "Site 1 ranks first in 62 %" in page
    assert page.count("<svg") == 2 * 2 + 1  # snapshot + chart per sheet, the key chart
    assert len(re.findall(r'<section class="sheet"', page)) == 2


def test_ranking_is_ordered_and_formatted_per_language():
    nl = report_html(report_data(), lang="nl")
    en = report_html(report_data(), lang="en")
    ranking = nl[nl.index('id="ranking"') : nl.index('id="site-1"')]
    assert ranking.index(">0,91<") < ranking.index(">0,74<") < ranking.index(">0,12<")
    assert ">62 %<" in ranking and ">48,0<" in ranking
    assert "€ 540.000" in nl and "€ 540,000" in en


def test_keys_side_by_side_and_transfers():
    page = report_html(report_data(), lang="en")
    chapter = page[page.index('id="equalisation"') :]
    # net PV per partner under each key: population 180 000 x (0.26, 0.55, 0.19), equal 60 000
    for amount in ("€ 46,800", "€ 99,000", "€ 34,200", "€ 60,000"):
        assert amount in chapter
    assert "€ 41,000" in chapter and "Middelkerke-Oost" in chapter
    assert "2026" in chapter and "2027" in chapter  # the per-year table


def test_core_violation_in_plain_words():
    data = report_data()
    summary = dict(data.equalisation)
    summary["core"] = {
        "in_core": False,
        "violations": [{"coalition": ["Westdorp", "Oostveld"], "excess_eur": 12_000.0}],
    }
    page = report_html(ReportData(title="t", sites=data.sites, equalisation=summary), lang="en")
    assert label("core_violated", "en") in page
    assert "Westdorp + Oostveld: € 12,000" in page


def test_sparse_equalisation_still_renders():
    data = report_data()
    page = report_html(
        ReportData(title="t", sites=data.sites, equalisation={"site_id": 1}), lang="nl"
    )
    assert label("core_unknown", "nl") in page
    assert 'id="assumptions"' not in page


def test_report_escapes_everything():
    names = (XSS, "Middelkerke-Oost", "Oostveld")
    page = report_html(report_data(names=names, text=XSS), lang="nl")
    assert XSS not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert not [tag for tag, attrs in parse(page).tags if tag == "img" or "onerror" in attrs]


def test_site_sheet_from_map_data_measures_nearby_exclusions():
    sheet = site_sheet(map_data(), 1)
    # the Natura 2000 box (57 000-59 000, 192 000-194 000) to site 1 (59 600.., ..190 200)
    assert sheet.exclusions_nearby == (
        {
            "name": "Natura 2000",
            "distance_m": round(((59_600 - 59_000) ** 2 + (192_000 - 190_200) ** 2) ** 0.5),
        },
    )
    assert set(sheet.split["municipality"]) == {"Westdorp", "Middelkerke-Oost"}
    assert sheet.breakdown.keys() == {"motorway", "station", "nuisance"}
    with pytest.raises(MapDataError, match="site 99"):
        site_sheet(map_data(), 99)


def test_criteria_chart_bars_are_proportional():
    chart = str(criteria_chart({"a": 0.25, "b": 1.0, "c": float("nan")}, title="t", width=400))
    widths = [float(w) for w in re.findall(r"width='([\d.]+)' height='13' fill='#(?!eee)", chart)]
    assert widths[1] == pytest.approx(4 * widths[0])
    assert "–" in chart  # NaN shown as a dash


def test_grouped_bars_hang_negative_values_below_zero():
    chart = str(grouped_bars({"k": {"A": 100.0, "B": -50.0}}, title="t"))
    zero = float(re.search(r"<line x1='70' x2='640' y1='([\d.]+)'", chart).group(1))
    bars = re.findall(
        r"<rect x='[\d.]+' y='([\d.]+)' width='[\d.]+' height='([\d.]+)' fill='[^']+'><title>",
        chart,
    )
    (top_a, height_a), (top_b, height_b) = ((float(y), float(h)) for y, h in bars)
    assert top_a + height_a == pytest.approx(zero) and top_b == pytest.approx(zero)
    assert height_a == pytest.approx(2 * height_b)


def test_snapshot_centres_the_site():
    svg = str(
        site_snapshot(
            box(60_000, 190_000, 60_400, 190_400),
            "EPSG:31370",
            municipalities(),
            title="t",
            size=300,
        )
    )
    site_path = re.findall(r"<path d='M([^']+)Z' fill='#1a9641'", svg)[0]
    xs = [float(p.split(",")[0]) for p in site_path.split()]
    assert min(xs) == pytest.approx(300 * 1.5 / 4) and max(xs) == pytest.approx(300 * 2.5 / 4)


def test_formats():
    assert Formats("nl").euro(1_234_567.8) == "€ 1.234.568"
    assert Formats("en").number(0.915, 2) == "0.92" and Formats("nl").percent(0.5) == "50 %"
    assert Formats("nl").number(None) == "–"


@pytest.mark.browser
def test_pdf_has_one_page_per_sheet(tmp_path, browser):
    """``browser`` keeps a Playwright session open: printing must still work beside it."""
    if shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils (pdfinfo, pdftotext) is not installed")
    out = html_to_pdf(report_html(report_data(), lang="nl"), tmp_path / "report.pdf")
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]  # no partial file left
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    assert pages >= 1 + 2 + 2  # ranking, two sheets, equalisation, assumptions

    def page_text(number: int) -> str:
        return subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), str(out), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    assert "Rangschikking van de sites" in page_text(1)
    assert page_text(2).lstrip().startswith("Fiche: Site 1")
    assert page_text(3).lstrip().startswith("Fiche: Site 3")
    assert page_text(4).lstrip().startswith("Verevening")
