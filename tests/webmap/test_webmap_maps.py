"""The interactive map: layers, legend, popup data, escaping, translations."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser

import numpy as np
import pytest
import report_fixtures
from map_fixtures import embedded_context, legend_entries, site_collection
from webmap_fixtures import XSS, map_data

from equalisation.money import to_cents
from webmap.colours import NODATA_HEX, RAMPS, colour_scores, legend_stops, score_hex, score_lut
from webmap.display import site_features
from webmap.errors import MapDataError
from webmap.i18n import LABELS, label, labels
from webmap.map_data import Basemap, map_equalisation
from webmap.maps import key_labels, map_html, site_map


class TagCollector(HTMLParser):
    """Start tags of a page as the browser's parser sees them (script bodies are text)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def start_tags(page: str) -> list[tuple[str, dict]]:
    parser = TagCollector()
    parser.feed(page)
    return parser.tags


def test_sites_carry_breakdown_split_and_robustness(data):
    features = site_features(data, tolerance_m=1.0)["features"]
    first = next(f["properties"] for f in features if f["properties"]["site_id"] == 1)
    row = data.sites.set_index("site_id").loc[1]
    expected = [row.c_motorway, row.c_station, row.c_nuisance]
    assert first["c"] == pytest.approx(expected, abs=0.0051)  # two decimals are shown
    assert first["p_first"] == 0.62 and first["p_top3"] == 0.97
    split = {name: (area, percent) for name, area, percent, _ in first["split"]}
    assert split == {"Westdorp": (24.0, 50), "Middelkerke-Oost": (24.0, 50)}
    for feature in features:
        assert sum(row[2] for row in feature["properties"]["split"]) == 100


def test_site_geometry_is_wgs84_and_rounded(data):
    features = site_features(data, tolerance_m=1.0)["features"]
    ring = np.array(features[0]["geometry"]["coordinates"][0])
    lon, lat = ring[:, 0], ring[:, 1]
    assert (lon > 2.0).all() and (lon < 3.5).all() and (lat > 50.5).all() and (lat < 51.5).all()
    decimals = [len(repr(float(v)).split(".")[1]) for v in ring.ravel()]
    assert max(decimals) <= 5


def test_page_embeds_sites_with_score_colours(data):
    page = map_html(data)
    sites = site_collection(page)["features"]
    assert len(sites) == len(data.sites)
    for feature in sites:
        props = feature["properties"]
        assert [props["fill"]] == score_hex([props["score"]])


@pytest.mark.parametrize("ramp", list(RAMPS))
def test_colour_scale_ends_and_middle(ramp):
    first, *_, last = RAMPS[ramp]
    assert score_hex([0.0, 1.0, float("nan")], ramp) == [first, last, NODATA_HEX]
    assert score_hex([-1.0, 2.0], ramp) == [first, last]  # clipped to 0..1


def test_raster_colours_follow_the_lookup_table_and_nan_is_transparent():
    values = np.array([[0.0, 0.5], [1.0, np.nan]])
    rgba = colour_scores(values)
    lut = score_lut()
    assert (rgba[0, 0] == lut[0]).all() and (rgba[0, 1] == lut[128]).all()
    assert (rgba[1, 0] == lut[255]).all() and rgba[1, 1, 3] == 0
    assert "#" + bytes(lut[0, :3]).hex() == RAMPS["viridis"][0]


def test_legend_shows_the_scale_stops(data):
    entries = legend_entries(map_html(data))
    ramp = next(e for e in entries if e["kind"] == "ramp")
    assert ramp["stops"] == [list(stop) for stop in legend_stops()]
    assert ramp["stops"][0] == [0.0, RAMPS["viridis"][0]]
    assert ramp["title"] == label("legend", "nl")


def test_layers_and_plugins_are_on_the_map(data):
    page = map_html(data, lang="en")
    for name in ("Municipalities", "Suitability", "Natura 2000", "Candidate sites"):
        assert json.dumps(name) in page  # an entry of the layer control
    assert "parkplan.layers(" in page and "L.Control.Layers.extend" in page
    assert "L.control.fullscreen" in page
    assert "L.Control.Measure" not in page  # leaflet-measure needs eval, which the CSP forbids
    assert "parkplan.scale(" in page  # a metric scale bar
    assert "L.imageOverlay" in page
    # criterion layers are off by default: created but not added to the map
    criterion = re.search(r"var (geo_json_\w+) = L.geoJson\(null, \{[^}]*?radius", page, re.S)
    assert criterion is None or f"{criterion.group(1)}.addTo" not in page


def test_basemap_and_minimap_only_when_the_study_has_a_basemap(data):
    assert "L.Control.MiniMap" not in map_html(data) and "L.tileLayer" not in map_html(data)
    url = "https://tiles.example.org/{z}/{x}/{y}.png"
    page = map_html(replace(data, basemap=Basemap(url, "(c) {{ 7*7 }} Voorbeeld", "Achtergrond")))
    assert "L.Control.MiniMap" in page and "parkplan.tileNotice(" in page
    assert json.dumps(url) in page and "(c) {{ 7*7 }} Voorbeeld" in page


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_labels_follow_the_language(data, lang):
    page = map_html(data, lang=lang)
    other = "en" if lang == "nl" else "nl"
    assert json.dumps(label("map_sites", lang)) in page
    assert json.dumps(label("map_sites", other)) not in page
    context = json.loads(re.search(r"var map_context_\w+ = (\{.*?\});", page).group(1))
    assert context["labels"] == labels(lang)


def test_every_label_has_dutch_and_english():
    for key, (dutch, english) in LABELS.items():
        assert dutch.strip() and english.strip(), key


def test_unknown_language_is_refused(data):
    with pytest.raises(MapDataError, match="language 'fr'"):
        site_map(data, lang="fr")


def test_missing_columns_are_named(data):
    broken = map_data()
    object.__setattr__(broken, "sites", broken.sites.drop(columns="score"))
    with pytest.raises(MapDataError, match=r"sites lacks the column\(s\) \['score'\]"):
        map_html(broken)


def test_xss_payload_stays_text(tmp_path):
    names = (XSS, "Middelkerke-Oost", "Oostveld")
    data = map_data(names=names, title=XSS, host=XSS)
    object.__setattr__(data, "exclusions", {XSS: data.exclusions["Natura 2000"]})
    page = map_html(data)
    assert XSS not in page
    assert not [tag for tag, attrs in start_tags(page) if tag == "img" or "onerror" in attrs]
    # the payload still arrives, as data, for the popups and labels to show as text
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in page  # layer-control entry


def test_sites_without_optional_columns_or_with_nan_scores(data):
    sites = data.sites[["site_id", "score", "geometry"]].copy()
    sites.loc[sites["site_id"] == 2, "score"] = float("nan")
    bare = map_data()
    object.__setattr__(bare, "sites", sites)
    features = site_collection(map_html(bare))["features"]
    props = {f["properties"]["site_id"]: f["properties"] for f in features}
    assert props[2]["fill"] == "#9e9e9e" and "score" not in props[2]  # grey, no score
    assert set(props[1]) == {"site_id", "score", "fill", "c", "split", "at"}


def test_a_map_without_sites_still_renders(data):
    empty = map_data()
    object.__setattr__(empty, "sites", data.sites.iloc[0:0])
    page = map_html(empty)
    assert json.dumps(label("municipalities", "nl")) in page


def test_the_popups_equalisation_is_the_summary_to_the_cent():
    summary = report_fixtures.summary()
    data = replace(map_data(), equalisation=map_equalisation(summary))
    shown = embedded_context(map_html(data, lang="en"))["equalisation"]

    def cents(eur: float) -> int:
        return round(eur * 100)

    assert cents(shown["npv_eur"]) == summary.npv_cents
    for key in summary.keys:
        partners = shown["keys"][key.name]
        total = sum(sum(flows.net_cents) for flows in key.partners)
        assert sum(cents(p["net_eur"]) for p in partners.values()) == total
        for flows in key.partners:
            totals = partners[flows.partner]
            assert [cents(totals[f]) for f in ("paid_eur", "received_eur", "net_pv_eur")] == [
                sum(flows.paid_cents),
                sum(flows.received_cents),
                flows.net_pv_cents,
            ]
    assert [(t["key"], t["from"], t["to"], cents(t["amount_eur"])) for t in shown["transfers"]] == [
        (key.name, t.payer, t.payee, t.amount_cents) for key in summary.keys for t in key.transfers
    ]
    # the game has no nucleolus: the prenucleolus, which some coalitions would rather leave
    check = summary.fairness_of("prenucleolus")
    assert check is not None and check.blocking_count > 0
    core = shown["core"]
    assert (core["method"], core["in_core"], core["blocking_count"]) == (
        "prenucleolus",
        False,
        check.blocking_count,
    )
    assert [(b["coalition"], cents(b["saving_eur"])) for b in core["blocking"]] == [
        (" + ".join(b.coalition), to_cents(b.saving_eur)) for b in check.blocking
    ]


def test_key_labels_name_the_keys_of_the_equalisation(data):
    assert key_labels(data.equalisation, "en") == {
        "population": "Population",
        "equal": "Equal shares",
    }
    assert key_labels(None, "en") == {}
