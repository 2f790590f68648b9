"""Formats are recognised from content and checked against the extension."""

from __future__ import annotations

import pytest

from geo.errors import LayerError
from geo.layers.formats import detect_format, sniff


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"SQLite format 3\x00rest", "GeoPackage"),
        (b"fgb\x03\x00", "FlatGeobuf"),
        (b"II*\x00", "GeoTIFF"),
        (b"MM\x00*", "GeoTIFF"),
        (b"II+\x00", "GeoTIFF"),
        (b"PK\x03\x04", "zip archive"),
        (b"\x00\x00\x27\x0a\x00", "Shapefile"),
        (b'\xef\xbb\xbf  {"type"', "GeoJSON"),
        (b"name,x,y\n", "text"),
        (b"\x01\x02\x00\x00", None),
    ],
)
def test_sniff(head, expected):
    assert sniff(head) == expected


def test_content_must_match_the_extension(tmp_path):
    path = tmp_path / "parcels.fgb"
    path.write_bytes(b"SQLite format 3\x00" + bytes(100))
    with pytest.raises(
        LayerError,
        match=r"named as a FlatGeobuf but contains a GeoPackage; rename it to parcels\.gpkg",
    ):
        detect_format(path)


def test_csv_is_any_text_and_json_is_geojson(tmp_path):
    (tmp_path / "a.csv").write_text("x,y\n1,2\n")
    (tmp_path / "b.json").write_text('{"type": "FeatureCollection", "features": []}')
    assert detect_format(tmp_path / "a.csv") == "CSV"
    assert detect_format(tmp_path / "b.json") == "GeoJSON"
