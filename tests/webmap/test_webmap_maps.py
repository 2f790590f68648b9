"""The interactive map: layers, legend, popup data, escaping, translations."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser

import numpy as np
import pytest
from branca.colormap import LinearColormap
from webmap_fixtures import XSS, map_data

from webmap.colours import SCORE_COLOURS, colour_scores, score_colormap, score_hex, score_lut
from webmap.display import site_features
from webmap.errors import MapDataError
from webmap.i18n import LABELS, label, labels
from webmap.maps import map_html, site_map
from webmap.model import Basemap


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


def embedded_features(page: str) -> list[dict]:
    """Every GeoJSON FeatureCollection the page hands to Leaflet, properties unpacked."""
    collections = []
    for data, fields in re.findall(r"parkplan\.unpack\((.*?), (\[[^\]]*\])\), \{style", page):
        names = json.loads(fields)
        collection = json.loads(data)
        for feature in collection["features"]:
            values = feature["properties"]
            feature["properties"] = {
                k: v for k, v in zip(names, values, strict=True) if v is not None
            }
        collections.append(collection)
    return collections


def site_collection(page: str) -> dict:
    return next(c for c in embedded_features(page) if "fill" in c["features"][0]["properties"])


def test_sites_carry_breakdown_split_and_robustness(data):
    features = site_features(data, tolerance_m=1.0)["features"]
    first = next(f["properties"] for f in features if f["properties"]["site_id"] == 1)
    row = data.sites.set_index("site_id").loc[1]
    expected = [row.c_motorway, row.c_station, row.c_nuisance]
    assert first["c"] == pytest.approx(expected, abs=0.0051)  # two decimals are shown
    assert first["p_first"] == 0.62 and first["p_top3"] == 0.97
    split = {name: (area, share) for name, area, share in first["split"]}
    assert split == {"Westdorp": (24.0, 0.5), "Middelkerke-Oost": (24.0, 0.5)}
    shares = [share for f in features for _, _, share in [r for r in f["properties"]["split"]]]
    assert all(0 < s <= 1 for s in shares)


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
    colormap = score_colormap()
    for feature in sites:
        props = feature["properties"]
        assert props["fill"] == colormap.rgb_hex_str(props["score"])


def test_colour_scale_ends_and_middle():
    assert score_hex([0.0, 0.5, 1.0, float("nan")]) == ["#d7191c", "#ffffbf", "#1a9641", "#9e9e9e"]
    assert score_hex([-1.0, 2.0]) == ["#d7191c", "#1a9641"]  # clipped to 0..1


def test_raster_colours_follow_the_colormap_and_nan_is_transparent():
    values = np.array([[0.0, 0.5], [1.0, np.nan]])
    rgba = colour_scores(values)
    colormap = LinearColormap(list(SCORE_COLOURS), vmin=0, vmax=1)
    assert tuple(rgba[0, 0]) == colormap.rgba_bytes_tuple(0.0)
    assert tuple(rgba[0, 1]) == colormap.rgba_bytes_tuple(0.5)
    assert tuple(rgba[1, 0]) == colormap.rgba_bytes_tuple(1.0)
    assert rgba[1, 1, 3] == 0
    lut = score_lut()
    for i in (0, 64, 200, 255):
        assert tuple(lut[i]) == colormap.rgba_bytes_tuple(i / 255)


def test_legend_shows_the_scale_stops(data):
    page = map_html(data)
    call = re.search(r"parkplan\.legend\([^,]+, (\{.*?\})\);", page)
    legend = json.loads(call.group(1))
    assert legend["stops"][0] == [0.0, SCORE_COLOURS[0]]
    assert legend["stops"][-1] == [1.0, SCORE_COLOURS[-1]]
    assert legend["title"] == label("legend", "nl")


def test_layers_and_plugins_are_on_the_map(data):
    page = map_html(data, lang="en")
    for name in ("Municipalities", "Suitability", "Excluded: Natura 2000", "Candidate sites"):
        assert json.dumps(name) in page  # an entry of the layer control
    assert "L.control.layers" in page
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
    assert json.dumps(label("sites", lang)) in page
    assert json.dumps(label("sites", other)) not in page
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
    assert set(props[1]) == {"site_id", "score", "fill", "c", "split"}


def test_a_map_without_sites_still_renders(data):
    empty = map_data()
    object.__setattr__(empty, "sites", data.sites.iloc[0:0])
    page = map_html(empty)
    assert json.dumps(label("municipalities", "nl")) in page
