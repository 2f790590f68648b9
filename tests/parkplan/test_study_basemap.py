"""``[basemap]`` of study.toml: XYZ tiles, a WMS or a WMTS, each with what its kind needs, https
only, in one line per problem."""

from __future__ import annotations

import tomllib

import pytest

from parkplan.study import InvalidStudyError, parse_study, study_toml
from webmap.map_data import Basemap

WMS = {
    "kind": "wms",
    "url": "https://geo.api.vlaanderen.be/OMWRGBMRVL/wms",
    "layers": "Ortho",
    "format": "image/jpeg",
    "attribution": "Orthofoto © Digitaal Vlaanderen",
}
WMTS = {
    "kind": "wmts",
    "url": "https://geo.api.vlaanderen.be/GRB/wmts",
    "layers": "grb_bsk",
    "tile_matrix_set": "GoogleMapsVL",
    "attribution": "GRB © Digitaal Vlaanderen",
}
XYZ = {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "© OSM"}


def with_basemap(basemap: dict):
    return parse_study({"name": "test", "basemap": basemap})


@pytest.mark.parametrize("basemap", [WMS, WMTS, XYZ], ids=["wms", "wmts", "xyz"])
def test_each_kind_loads_and_round_trips(basemap):
    study = with_basemap(basemap)
    assert study.basemap.kind == basemap.get("kind", "xyz")
    assert parse_study(tomllib.loads(study_toml(study))) == study
    shown = Basemap(**study.basemap.model_dump())  # the web map's values, field for field
    assert (shown.url, shown.layers, shown.format) == (
        basemap["url"],
        basemap.get("layers"),
        basemap.get("format", "image/png"),
    )


@pytest.mark.parametrize(
    ("basemap", "fragment"),
    [
        (WMS | {"url": "http://geo.api.vlaanderen.be/OMWRGBMRVL/wms"}, "is not an https address"),
        (WMS | {"url": "http://127.0.0.1:8080/wms"}, "is not an https address"),
        (WMS | {"url": "ftp://example.org/wms"}, "is not an https address"),
        (WMS | {"url": "https://example.org/wms?x='1'"}, "without spaces, quotes"),
        (XYZ | {"url": "http://tile.openstreetmap.org/{z}/{x}/{y}.png"}, "not an https address"),
        ({k: v for k, v in WMS.items() if k != "layers"}, "needs layers"),
        ({k: v for k, v in WMTS.items() if k != "tile_matrix_set"}, "needs tile_matrix_set"),
        ({k: v for k, v in WMTS.items() if k != "layers"}, "needs layers"),
        (WMS | {"tile_matrix_set": "GoogleMapsVL"}, "only a WMTS takes"),
        (XYZ | {"layers": "Ortho"}, "only a WMS or WMTS takes"),
        (XYZ | {"url": "https://example.org/tiles/{z}/{x}.png"}, "lacks {y}"),
        (WMS | {"url": "https://example.org/{z}/wms"}, "is a tile template"),
        (WMS | {"url": WMS["url"] + "?REQUEST=GetMap&map=x"}, "carries the request parameters"),
        (WMS | {"format": "image/gif"}, "image/png"),
        (WMS | {"layers": "Ortho\u0000"}, "control character"),
    ],
)
def test_a_basemap_that_does_not_fit_its_kind_is_one_line_saying_what_to_do(basemap, fragment):
    with pytest.raises(InvalidStudyError) as caught:
        with_basemap(basemap)
    message = str(caught.value)
    assert fragment in message and "\n" not in message and "basemap" in message
    assert len(caught.value.problems) == 1  # never also "missing"


def test_an_endpoint_with_a_parameter_of_its_own_is_kept():
    study = with_basemap(WMS | {"url": "https://example.org/cgi-bin/mapserv?map=ortho"})
    assert study.basemap.url.endswith("?map=ortho")
