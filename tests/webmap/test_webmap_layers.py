"""What the map embeds: rank labels inside their sites, shares and contributions that add up,
every exclusion and criterion as a layer with a legend, the cell lookup, the PNG images."""

from __future__ import annotations

import json
import re
import struct
import zlib
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from map_fixtures import (
    WEIGHTS,
    embedded_context,
    full_map_data,
    legend_entries,
    site_collection,
)
from shapely.geometry import Point, Polygon, shape

from parkplan.errors import StudyError
from parkplan.study import parse_study
from webmap.colours import RAMPS, score_hex
from webmap.display import contributions, rounded_parts, share_percents
from webmap.lookup import NO_VALUE, UNIT_STEP, decode_lookup, encode_lookup
from webmap.map_data import LayerInfo
from webmap.maps import layer_label, map_html
from webmap.overlay import png_bytes

#: A U-shaped site (Lambert 72): its centroid lies in the notch, outside the polygon.
U_SHAPE = Polygon(
    [(64_000, 186_000), (65_000, 186_000), (65_000, 187_000), (64_800, 187_000),
     (64_800, 186_200), (64_200, 186_200), (64_200, 187_000), (64_000, 187_000)]
)  # fmt: skip


def overlay_names(page: str) -> list[str]:
    overlays = re.search(r"parkplan\.layers\(\w+, \{.*?\}, \{(.*?)\}, \{", page).group(1)
    return [json.loads(name) for name in re.findall(r'("(?:[^"\\]|\\.)*"): \w+,', overlays)]


# -- sites --------------------------------------------------------------------------------


def test_rank_labels_lie_inside_their_sites_even_a_concave_one():
    data = full_map_data()
    sites = data.sites.copy()
    sites.loc[sites["site_id"] == 4, "geometry"] = U_SHAPE
    assert not U_SHAPE.contains(U_SHAPE.centroid)  # the centroid would miss it
    features = site_collection(map_html(replace(data, sites=sites)))["features"]
    assert len(features) == len(sites)
    for feature in features:
        lat, lon = feature["properties"]["at"]
        assert shape(feature["geometry"]).contains(Point(lon, lat)), feature["properties"]


def test_contributions_add_up_to_the_score_as_shown():
    features = site_collection(map_html(full_map_data()))["features"]
    for feature in features:
        p = feature["properties"]
        assert round(sum(p["k"]), 6) == round(p["score"], 3)
        for part, value, weight in zip(p["k"], p["c"], WEIGHTS.values(), strict=True):
            assert abs(part - weight * value) <= 0.0015


def test_no_contributions_when_the_aggregation_is_not_a_weighted_sum():
    page = map_html(replace(full_map_data(), aggregation="owa"), lang="en")
    assert all("k" not in f["properties"] for f in site_collection(page)["features"])
    ctx = embedded_context(page)
    assert ctx["additive"] is False
    assert ctx["aggregation_label"] == "ordered weighted averaging (OWA)"


def test_weights_are_shown_as_percentages_adding_up_to_100():
    ctx = embedded_context(map_html(full_map_data()))
    assert [c["weight_pct"] for c in ctx["criteria"]] == [50, 30, 20]


def test_a_split_of_9447_and_553_shows_as_94_and_6():
    assert share_percents([0.9447, 0.0553]) == ([94, 6], 0)
    assert share_percents([0.998, 0.002]) == ([99.8, 0.2], 1)  # no share shows as 0 %


@given(st.lists(st.floats(min_value=0.0, max_value=1e6), min_size=1, max_size=12))
def test_shares_always_add_up_to_100(shares):
    if sum(shares) <= 0:
        return
    percents, digits = share_percents(shares)
    scale = 10**digits
    assert sum(round(p * scale) for p in percents) == 100 * scale
    total = sum(shares)
    for percent, share in zip(percents, shares, strict=True):
        assert abs(percent - 100 * share / total) < 1 / scale


@given(
    st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=10),
    st.integers(min_value=0, max_value=1000),
)
def test_rounded_parts_add_up_to_the_total(values, total):
    parts = rounded_parts(values, total)
    if sum(values) <= 0:
        assert parts == [0] * len(values)
        return
    assert sum(parts) == total
    exact = [total * v / sum(values) for v in values]
    assert all(abs(p - e) < 1 for p, e in zip(parts, exact, strict=True))


def test_contributions_are_refused_without_a_value():
    assert contributions([0.5, None], [0.5, 0.5], 0.4) is None
    assert contributions([0.5, 0.3], [0.5, 0.5], 0.4) == [0.25, 0.15]


# -- layers and their legends -------------------------------------------------------------


def test_every_exclusion_and_criterion_is_a_layer_with_a_legend():
    page = map_html(full_map_data(), lang="en")
    names = overlay_names(page)
    for expected in (
        "Outside the study area",
        "Natura 2000",
        "Too steep",  # a raster exclusion, drawn as a mask
        "Snelweg dichtbij",  # a criterion surface (its label in study.toml)
        "Motorway exits",  # the features of a criterion
        "Candidate sites",
    ):
        assert expected in names
    kinds = [entry["kind"] for entry in legend_entries(page)]
    assert kinds == [
        "sites", "municipalities", "ramp", "outside", "exclusion", "exclusion", "criterion",
        "criterion",
    ]  # fmt: skip
    assert page.count('"pane": "ppMasks"') == 1  # the steep mask
    assert page.count('"pane": "ppCriteria"') == 1  # the motorway surface
    # criteria are off by default: their groups are never added to the map
    for group in re.findall(r"var (layer_group_\w+) = L\.layerGroup", page):
        assert f"{group}.addTo(" not in page


def test_layer_labels_come_from_the_study_then_the_catalogue_then_the_name():
    assert layer_label("criterion", "motorway", LayerInfo(label="Snelweg"), "en") == "Snelweg"
    assert layer_label("criterion", "motorway", None, "nl") == "Nabijheid van een op- en afrit"
    assert layer_label("exclusion", "steep", LayerInfo(), "en") == "Too steep"
    assert layer_label("criterion", "bus_stops", None, "nl") == "Bus stops"


@pytest.mark.parametrize("ramp", list(RAMPS))
def test_the_study_chooses_the_ramp(ramp):
    page = map_html(replace(full_map_data(), ramp=ramp))
    ramp_entry = next(e for e in legend_entries(page) if e["kind"] == "ramp")
    assert [stop[1] for stop in ramp_entry["stops"]] == list(RAMPS[ramp])
    for feature in site_collection(page)["features"]:
        p = feature["properties"]
        assert [p["fill"]] == score_hex([p["score"]], ramp)


def test_study_toml_takes_a_known_ramp_and_refuses_others():
    assert parse_study({"name": "x", "map": {"ramp": "cividis"}}, source="t").map.ramp == "cividis"
    assert parse_study({"name": "x"}, source="t").map.ramp == "viridis"
    with pytest.raises(StudyError, match="ramp"):
        parse_study({"name": "x", "map": {"ramp": "jet"}}, source="t")


# -- the cell lookup ----------------------------------------------------------------------


def test_the_lookup_decodes_to_what_was_sampled():
    lookup = full_map_data().lookup
    decoded = decode_lookup(encode_lookup(lookup))
    np.testing.assert_allclose(decoded[("score", None)], lookup.score, atol=UNIT_STEP / 2)
    for name, values in lookup.standardised.items():
        np.testing.assert_allclose(decoded[("z", name)], values, atol=UNIT_STEP / 2)
    for name, values in lookup.raw.items():
        np.testing.assert_allclose(decoded[("raw", name)], values, atol=0.5)  # metres
    np.testing.assert_array_equal(decoded[("exclusion", None)], lookup.exclusion)
    assert np.isnan(decoded[("score", None)]).sum() == np.isnan(lookup.score).sum() > 0
    assert set(np.unique(lookup.exclusion)) == {0, 1, 3}


def test_the_lookup_is_embedded_once_and_small():
    data = full_map_data()
    page = map_html(data)
    calls = re.findall(r"parkplan\.cellLookup\(\w+, (\{.*?\})\);", page)
    assert len(calls) == 1
    payload = json.loads(calls[0])
    assert payload["exclusions"] == list(data.lookup.exclusion_names)
    assert max(payload["shape"]) <= 200
    rows, cols = payload["shape"]
    assert len(payload["data"]) < rows * cols * 2 * 7  # less than the raw uint16 layers
    assert NO_VALUE == 65535


# -- images -------------------------------------------------------------------------------


def decoded_png(data: bytes) -> np.ndarray:
    """An 8-bit palette or RGBA PNG (filters 0 and 2 only) as an RGBA array."""
    at, chunks = 8, {}
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        tag = data[at + 4 : at + 8]
        chunks[tag] = chunks.get(tag, b"") + data[at + 8 : at + 8 + length]
        at += 12 + length
    width, height, _, kind = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    channels = 1 if kind == 3 else 4
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8)
    raw = raw.reshape(height, 1 + width * channels)
    rows = raw[:, 1:].copy()
    for r in range(1, height):
        if raw[r, 0] == 2:
            rows[r] = rows[r] + rows[r - 1]
    if kind == 6:
        return rows.reshape(height, width, 4)
    palette = np.frombuffer(chunks[b"PLTE"], dtype=np.uint8).reshape(-1, 3)
    alpha = np.frombuffer(chunks[b"tRNS"], dtype=np.uint8)
    return np.concatenate([palette, alpha[:, None]], axis=1)[rows]


@pytest.mark.parametrize("colours", [3, 256, 300])
def test_png_images_decode_to_the_pixels_given(colours):
    rng = np.random.default_rng(colours)
    palette = rng.integers(0, 256, size=(colours, 4), dtype=np.uint8)
    rgba = palette[rng.integers(0, colours, size=(40, 30))]
    rgba[:10] = rgba[0]  # runs of equal rows, where the "up" filter wins
    png = png_bytes(rgba)
    assert png.startswith(b"\x89PNG") and (b"PLTE" in png) == (colours <= 256)
    np.testing.assert_array_equal(decoded_png(png), rgba)


def test_a_map_without_lookup_masks_or_surfaces_still_renders():
    data = replace(
        full_map_data(),
        lookup=None,
        exclusion_masks={},
        criteria_surfaces={},
        study_area=None,
        exclusion_info={},
        criterion_info={},
    )
    page = map_html(data)
    assert "parkplan.cellLookup(" not in page
    assert "Natura 2000" in overlay_names(page)
