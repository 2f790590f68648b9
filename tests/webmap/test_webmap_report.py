"""The dossier for the mayors' conference: chapters, words, numbers, charts, escaping, PDF pages.

Built from the small generated results of ``webmap_fixtures`` with a real equalisation
(``report_fixtures``); the dossier of whole runs is tested in ``tests/parkplan/test_dossier.py``.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from html.parser import HTMLParser
from itertools import product

import pytest
from dossier_text import untranslated, visible_text
from hypothesis import given
from hypothesis import strategies as st
from report_fixtures import report_data
from shapely.geometry import box
from webmap_fixtures import XSS, map_data, municipalities

from equalisation import advisor, finance, keys, mechanisms
from geo import transforms
from geo.aggregation import METHODS as AGGREGATIONS
from geo.proximity import NearbyLayer, layers_within
from geo.weights import RANK_METHODS, ahp_weights
from webmap.advice import advice_reason
from webmap.catalogue import DOSSIER, TERMS
from webmap.charts import Contribution, contribution_bars
from webmap.errors import MapDataError
from webmap.formats import Formats, largest_remainder
from webmap.i18n import word
from webmap.pdf import html_to_pdf
from webmap.report import NEARBY_M, css_string, report_html, site_sheet
from webmap.svg import criteria_chart, grouped_bars, site_snapshot

CHAPTERS = (
    ("summary", "summary"),
    ("method", "method"),
    ("exclusions", "exclusions"),
    ("criteria", "criteria"),
    ("overview", "overview"),
    ("sensitivity", "sensitivity"),
    ("keys", "sharing_keys"),
    ("together", "alone_together"),
    ("assumptions", "assumptions"),
    ("cooperation", "cooperation"),
)


@pytest.fixture(scope="module")
def data():
    return report_data()


@pytest.fixture(scope="module")
def pages(data):
    return {lang: report_html(data, lang=lang) for lang in ("nl", "en")}


class Tables(HTMLParser):
    """The rows of the table with a given id (or of every table inside an element with it):
    each row's cell texts."""

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id, self.depth, self.rows, self.cell = element_id, 0, [], None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.depth:
            self.depth += tag not in ("br", "meta")
        elif attributes.get("id") == self.element_id:
            self.depth = 1
        if self.depth and tag == "tr":
            self.rows.append([])
        if self.depth and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and self.cell is not None:
            self.cell.append(data)


def table(page: str, element_id: str) -> list[list[str]]:
    parser = Tables(element_id)
    parser.feed(page)
    return [row for row in parser.rows if row]


def cents_of(shown: str) -> int:
    """``€ −1.234.567,89`` (Dutch) → −123456789."""
    sign = -1 if "−" in shown or "-" in shown else 1
    digits = re.sub(r"[^\d,]", "", shown)
    whole, _, rest = digits.partition(",")
    return sign * (int(whole) * 100 + int((rest or "0").ljust(2, "0")))


def euros_of(shown: str) -> int:
    return cents_of(shown) // 100 if not shown.startswith("€ −") else -(abs(cents_of(shown)) // 100)


# --- chapters and words ------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_chapter_in_both_languages(pages, lang):
    page = pages[lang]
    for element_id, heading in CHAPTERS:
        assert f'id="{element_id}"' in page, element_id
        assert word(heading, lang) in page, heading
    assert 'id="site-1"' in page and 'id="site-2"' in page and 'id="finance"' in page
    assert len(re.findall(r'<section class="chapter sheet"', page)) == 2
    assert 'id="reconciliation"' in page and 'id="alone-together"' in page


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_identifier_or_word_of_the_other_language(pages, lang):
    assert untranslated(pages[lang], lang) == []


def test_the_untranslated_check_catches_what_it_should(pages):
    slipped = pages["nl"].replace("<p>", "<p>the host_first key ", 1)
    found = untranslated(slipped, "nl")
    assert any("host_first" in f for f in found) and any("'the'" in f for f in found)
    assert untranslated(pages["en"].replace("<p>", "<p>de gemeente ", 1), "en")
    shown_as_given = pages["nl"].replace(
        "<p>", '<p><span translate="no">host_first of the partners</span> ', 1
    )
    assert untranslated(shown_as_given, "nl") == []


def test_the_catalogue_has_both_languages_and_the_same_figures():
    entries = [*DOSSIER.items(), *((f"{g}:{n}", p) for g, t in TERMS.items() for n, p in t.items())]
    for key, pair in entries:
        assert len(pair) == 2 and all(isinstance(s, str) and s.strip() for s in pair), key
        nl, en = (set(re.findall(r"\{(\w+)\}", s)) for s in pair)
        assert nl == en, key


def test_the_catalogue_names_every_built_in_thing():
    fields = [f.name for f in dataclasses.fields(finance.FinanceAssumptions)]
    assert set(fields) <= set(TERMS["assumption"]) and set(fields) <= set(
        TERMS["assumption_meaning"]
    )
    assert set(finance.LINES) <= set(TERMS["cash_line"])
    always = {"cost_and_revenue_sharing", "own_property_tax"}
    assert set(mechanisms.REGISTRY) | always <= set(TERMS["mechanism"])
    assert set(keys.KINDS) <= set(TERMS["key_kind"])
    assert set(transforms.KINDS) <= set(TERMS["transform"])
    assert {"direct", *RANK_METHODS, "ahp"} <= set(TERMS["weight_method"])
    assert set(AGGREGATIONS) <= set(TERMS["aggregation"])
    assert set(advisor.FORMS) <= set(TERMS["form"]) and set(advisor.FORMS) <= set(
        TERMS["form_summary"]
    )
    assert {f: TERMS["form"][f][0] for f in advisor.FORMS} == advisor.NAMES_NL
    assert {f.summary for f in advisor.FORMS_DATA} == {p[1] for p in TERMS["form_summary"].values()}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_reason_the_advisor_gives_is_said_again(lang):
    """Every answer ``[cooperation]`` can give, for 1, 2 and 6 municipalities."""
    for private, legal, transfer, levels, years, count in product(
        (False, True), (False, True), (False, True), (False, True), (3, 6, 12, 20, 40), (1, 2, 6)
    ):
        advice = advisor.advise_cooperation_form(
            private_partners=private,
            legal_personality_needed=legal,
            management_transfer=transfer,
            other_government_levels=levels,
            duration_years=years,
            municipality_count=count,
        )
        for form in advice.forms:
            for reason in form.reasons:
                assert advice_reason(reason, lang) is not None, reason


def test_an_unknown_warning_is_shown_as_the_english_sentence_it_was():
    data = dataclasses.replace(
        report_data(with_money=False),
        warnings=(dataclasses.replace(report_data(with_money=False).warnings[0], code=None),),
    )
    page = report_html(data, lang="nl")
    assert '<span lang="en">criterion &#39;station&#39; hardly varies</span>' in page


# --- numbers -----------------------------------------------------------------------------


def test_formats():
    nl, en = Formats("nl"), Formats("en")
    assert nl.euro(1_825_446.4) == "€\u00a01.825.446" and en.euro(1_825_446.4) == "€\u00a01,825,446"
    assert nl.hectares(43.21) == "43,2\u00a0ha" and nl.percent(0.61) == "61\u00a0%"
    assert nl.cents(-123_456_789) == "€\u00a0−1.234.567,89" and en.cents(5) == "€\u00a00.05"
    assert nl.euro_of_cents(-150) == "€\u00a0−2" and nl.euro_of_cents(149) == "€\u00a01"
    assert nl.share(0.035) == "3,5\u00a0%" and nl.trimmed(1417.0) == "1.417"
    assert nl.number(None) == "–" and nl.number(float("nan")) == "–" and nl.number(-0.0001) == "0"
    assert nl.date("2026-12-03T15:38:28+00:00") == "3 december 2026"
    assert en.date("2026-12-03T15:38:28+00:00") == "3 December 2026"


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=12))
def test_largest_remainder_adds_up(shares):
    parts = largest_remainder(shares)
    assert sum(parts) == (100 if sum(shares) > 0 else 0)
    if sum(shares) > 0:
        quotas = [100 * s / sum(shares) for s in shares]
        assert all(abs(p - q) < 1 for p, q in zip(parts, quotas, strict=True))


def test_summary_page_amounts_and_ranking_are_belgian(pages):
    page = pages["nl"]
    summary = page[page.index('id="summary"') : page.index('id="contents"')]
    assert "Locatie 1 met gastgemeente Westdorp (48,0\u00a0ha, score 0,91)" in summary
    assert re.search(r"€\u00a0\d{1,3}(\.\d{3})+<", summary)
    ranking = table(page, "overview")
    assert [row[1] for row in ranking[1:4]] == ["1", "3", "6"]


# --- the checks that tie the dossier to the equalisation ------------------------------------


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_reconciliation_adds_up_to_the_cent_and_is_the_summary(data, pages, lang):
    rows = table(pages[lang], "reconciliation")
    as_cents = [
        cents_of(
            cell.replace(",", "#").replace(".", ",").replace("#", ".") if lang == "en" else cell
        )
        for _, cell in rows
    ]
    site, tax, outside, rounding, total = as_cents
    assert site + tax + outside + rounding == total
    r = data.equalisation.reconciliation
    expected = (
        r.site_npv_cents,
        r.municipal_tax_pv_cents,
        r.outside_pv_cents,
        r.rounding_cents,
        r.partners_total_pv_cents,
    )
    assert tuple(as_cents) == expected


def test_alone_versus_together_is_the_summary(data, pages):
    rows = table(pages["nl"], "alone-together")
    header, body = rows[0], rows[1:]
    summary = data.equalisation
    columns = {
        "Shapley": "shapley",
        "Nucleolus": "nucleolus",
        "Prenucleolus": "prenucleolus",
        "SCRB": "scrb",
        "Inwoners": "key:population",
    }
    assert header[0] == "Gemeente" and header[1] == "Alleen" and header[-1] == "Winst"
    for row in body:
        partner = row[0]
        chosen = summary.fairness_of("key:population")
        assert euros_of(row[1]) == round(chosen.net_alone_eur[partner])
        for title, cell in zip(header[2:-1], row[2:-1], strict=True):
            check = summary.fairness_of(columns[title])
            assert euros_of(cell) == round(check.net_together_eur[partner]), (title, partner)
        assert euros_of(row[-1]) == round(chosen.gain_eur[partner])


def test_the_core_check_names_the_allocation_and_counts(data, pages):
    page = pages["nl"]
    rows = re.findall(r'<tr data-allocation="([^"]+)">(.*?)</tr>', page, flags=re.S)
    assert {name for name, _ in rows} == {f.allocation for f in data.equalisation.fairness}
    for name, cells in rows:
        check = data.equalisation.fairness_of(name)
        count = re.search(r"(\d+) van (\d+)", cells)
        assert (int(count[1]), int(count[2])) == (check.blocking_count, check.coalitions_checked)
        assert ("ja" in cells) == check.everyone_better_off
    chosen = page[page.index("Onder verdeelsleutel ‘Inwoners’ zouden") :]
    first = data.equalisation.fairness_of("key:population").blocking[0]
    assert " + ".join(first.coalition) in chosen


def test_each_key_has_its_own_transfers(data, pages):
    page = pages["en"]
    for key in data.equalisation.keys:
        shown = [tuple(row) for row in table(page, f"transfers-{key.name}")[1:]]
        euro = Formats("en").euro_of_cents
        expected = [
            (t.payer, t.payee, " ".join(euro(t.amount_cents).split())) for t in key.transfers
        ]
        assert shown == expected, key.name


def test_split_shares_add_up_to_100(pages):
    for number in (1, 2):
        page = pages["nl"]
        sheet = page[page.index(f'id="site-{number}"') :]
        sheet = sheet[: sheet.index("</section>")]
        shares = [int(s) for s in re.findall(r'<td class="num">(\d+)\u00a0%</td></tr>', sheet)]
        assert shares and sum(shares) == 100


def test_contributions_add_up_to_the_score(data):
    sheet = data.sheets[0]
    weights = {c.name: c.weight for c in data.criteria}
    total = sum(weights[n] * v for n, v in sheet.breakdown.items())
    page = report_html(data, lang="en")
    part = page[page.index('id="site-1"') :]
    assert f">{total:.3f}<" in part


# --- escaping ------------------------------------------------------------------------------


def test_report_escapes_everything():
    names = (XSS, "Middelkerke-Oost", "Oostveld")
    page = report_html(report_data(names=names, text=XSS), lang="nl")
    assert XSS not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    collected = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            collected.append((tag, dict(attrs)))

    Tags().feed(page)
    assert not [tag for tag, attrs in collected if tag == "img" or "onerror" in attrs]


def test_text_in_the_page_margins_cannot_leave_its_css_string():
    hostile = 'a"; } body { display: none } @page { x: "'
    quoted = css_string(hostile)
    assert quoted.count('"') == 2 and "}" not in quoted and ";" in quoted


# --- sheets and charts -----------------------------------------------------------------------


def test_site_sheet_lists_the_layers_measured_near_the_site():
    data = map_data()
    site = data.sites.geometry[data.sites["site_id"] == 1].iloc[0]
    near = layers_within(site, data.sites.crs, data.exclusions, within_m=NEARBY_M)
    sheet = site_sheet(data.sites, data.site_municipalities, data.municipalities, 1, nearby=near)
    corner_to_corner_m = round(((59_600 - 59_000) ** 2 + (192_000 - 190_200) ** 2) ** 0.5)
    assert sheet.exclusions_nearby == (NearbyLayer("Natura 2000", corner_to_corner_m),)
    assert set(sheet.split["municipality"]) == {"Westdorp", "Middelkerke-Oost"}
    assert sheet.breakdown.keys() == {"motorway", "station", "nuisance"}
    with pytest.raises(MapDataError, match="site 99"):
        site_sheet(data.sites, data.site_municipalities, data.municipalities, 99)


def test_contribution_bars_stack_to_the_score():
    rows = [Contribution("a", 0.5, 0.8), Contribution("b", 0.5, 0.4)]
    chart = str(contribution_bars(rows, title="t", format_value=str, total_label="score"))
    stacked = [
        float(w)
        for w in re.findall(
            r"width='([\d.]+)' height='13' fill='#[0-9a-f]+' "
            r"stroke='#fff'",
            chart,
        )
    ]
    scale = float(re.search(r"width='([\d.]+)' height='13' fill='#e8e8e3'", chart)[1]) / 0.5
    assert sum(stacked) == pytest.approx(0.6 * scale, abs=0.2)


def test_criteria_chart_bars_are_proportional():
    chart = str(criteria_chart({"a": 0.25, "b": 1.0, "c": float("nan")}, title="t", width=400))
    widths = [float(w) for w in re.findall(r"width='([\d.]+)' height='13' fill='#(?!eee)", chart)]
    assert widths[1] == pytest.approx(4 * widths[0])


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


def test_a_dossier_without_equalisation_still_has_every_chapter():
    page = report_html(report_data(with_money=False), lang="nl")
    for element_id, _ in CHAPTERS:
        assert f'id="{element_id}"' in page
    assert word("no_equalisation", "nl") in visible_text(page)


# --- the printed dossier ---------------------------------------------------------------------


@pytest.mark.browser
def test_every_printed_page_carries_its_number_the_run_and_the_version(tmp_path, browser, pages):
    """``browser`` keeps a Playwright session open: printing must still work beside it."""
    if shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils (pdfinfo, pdftotext) is not installed")
    out = html_to_pdf(pages["nl"], tmp_path / "report.pdf")
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]  # no partial file left
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
    count = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    assert re.search(r"Tagged:\s+yes", info.stdout)
    assert count >= 14
    for number in range(1, count + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), str(out), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert f"Pagina {number} van {count}" in text, number
        assert "20261203T153737Z-d44a77" in text and "parkplan 0.1.0" in text, number
        assert "3 december 2026" in text


def test_ahp_weights_come_with_their_matrix_and_consistency_ratio():
    matrix = [[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]]
    ahp = ahp_weights(["motorway", "station", "nuisance"], matrix)
    data = report_data(with_money=False)
    data = dataclasses.replace(
        data, method=dataclasses.replace(data.method, weight_method="ahp", ahp=ahp)
    )
    page = report_html(data, lang="nl")
    chapter = page[page.index('id="criteria"') : page.index('id="overview"')]
    assert f"CR = {Formats('nl').number(ahp.cr, 3)} (aanvaardbaar" in chapter
    rows = table(chapter, "ahp")
    assert rows[0][1:] == [
        "Nabijheid van een op- en afrit",
        "Nabijheid van een station",
        "Discount rate",
    ]
    assert rows[1][1:] == ["1", "3", "5"] and rows[3][2] == "0,5"
    assert "paarsgewijze vergelijkingen (AHP" in page
