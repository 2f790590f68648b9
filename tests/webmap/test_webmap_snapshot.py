"""The dossier's site maps: every municipality label names the polygon it stands in."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon, box

from webmap.svg import LABEL_HALF_CHAR_PX, SnapshotView, site_snapshot, town_labels

L72 = "EPSG:31370"
SVG = "{http://www.w3.org/2000/svg}"
SITE = box(60_000, 190_000, 60_400, 190_400)  # its view: x 59 400..61 000, y 189 400..191 000
SIZE = 360.0


def towns() -> gpd.GeoDataFrame:
    """Municipalities of unequal sizes and irregular shapes; the first two lie outside the
    view of :data:`SITE`, so clipping to the view drops rows before the visible ones."""
    named = {
        "Vleteren": box(40_000, 200_000, 45_000, 206_000),
        "Lo-Reninge": Polygon([(44_000, 185_000), (52_000, 183_000), (50_000, 192_000)]),
        # most of the view, concave: a notch cut out of its north-east
        "Veurne": Polygon(
            [(55_000, 185_000), (60_930, 185_000), (60_930, 190_600), (60_300, 190_600),
             (60_300, 195_000), (55_000, 195_000)]
        ),
        # a sliver 70 m (16 px) wide along the east edge of the view: a label centred in the
        # picture cannot stand in it
        "Koksijde": box(60_930, 185_000, 66_000, 195_000),
        # the notch, smaller and off-centre
        "Nieuwpoort": box(60_300, 190_600, 60_930, 195_000),
        "Diksmuide": box(70_000, 180_000, 80_000, 200_000),
    }  # fmt: skip
    return gpd.GeoDataFrame({"name": list(named)}, geometry=list(named.values()), crs=L72)


def drawn_labels(svg: str, view: SnapshotView) -> dict[str, shapely.Point]:
    """The ``<text>`` labels of the municipalities, back in map coordinates."""
    labels = {}
    for node in ET.fromstring(svg).iter(f"{SVG}text"):
        if node.get("font-weight") == "600":  # the scale bar's text is not a label
            labels[node.text] = shapely.Point(
                view.to_map(float(node.get("x")), float(node.get("y")))
            )
    return labels


def assert_each_label_in_its_town(labels, frame: gpd.GeoDataFrame, view: SnapshotView) -> None:
    """Each label point lies in the polygon it names (up to the SVG's 0.1 px rounding)."""
    outlines = frame.set_index("name").geometry
    for name, point in labels.items():
        assert outlines[name].distance(point) <= 0.06 / view.scale, (name, point)


def test_the_view_maps_to_pixels_and_back():
    view = SnapshotView.around(SITE, size=SIZE, margin_factor=1.5)
    assert view.to_px(59_400, 191_000) == (0.0, 0.0)
    assert view.to_px(61_000, 189_400) == pytest.approx((SIZE, SIZE))
    assert view.to_map(*view.to_px(60_123.4, 190_567.8)) == pytest.approx((60_123.4, 190_567.8))


def test_labels_stand_in_the_municipality_they_name():
    frame = towns()
    view = SnapshotView.around(SITE, size=SIZE, margin_factor=1.5)
    labels = drawn_labels(str(site_snapshot(SITE, L72, frame, title="t", size=SIZE)), view)
    assert sorted(labels) == ["Koksijde", "Nieuwpoort", "Veurne"]
    assert_each_label_in_its_town(labels, frame, view)
    placed = dict(town_labels(frame, view))
    assert labels.keys() == placed.keys()
    outlines = frame.set_index("name").geometry
    assert all(outlines[name].contains(point) for name, point in placed.items())


def test_labels_stay_in_the_picture_when_their_polygon_allows():
    frame = towns()
    view = SnapshotView.around(SITE, size=SIZE, margin_factor=1.5)
    for name, point in town_labels(frame, view):
        x, _ = view.to_px(point.x, point.y)
        half_px = LABEL_HALF_CHAR_PX * len(name)
        if name == "Koksijde":  # too narrow: in its polygon, over the picture's edge
            assert x > SIZE - half_px
        else:
            assert half_px <= x <= SIZE - half_px


def test_unnamed_and_invisible_rows_get_no_label():
    frame = towns()
    frame.loc[frame["name"] == "Nieuwpoort", "name"] = None
    view = SnapshotView.around(SITE, size=SIZE, margin_factor=1.5)
    assert [name for name, _ in town_labels(frame, view)] == ["Veurne", "Koksijde"]


# -- real data ---------------------------------------------------------------------------------


def site_between(veurne, koksijde, side_m: float = 800.0) -> shapely.Polygon:
    """A square site mostly (80–95 %) in Veurne and partly (at least 5 %) in Koksijde."""
    border = veurne.boundary.intersection(koksijde.boundary)
    for share in (0.5, 0.3, 0.7, 0.1, 0.9):
        centre = border.interpolate(share, normalized=True)
        for dx in range(-600, 601, 50):
            for dy in range(-600, 601, 50):
                site = shapely.box(
                    centre.x + dx - side_m / 2,
                    centre.y + dy - side_m / 2,
                    centre.x + dx + side_m / 2,
                    centre.y + dy + side_m / 2,
                )
                in_veurne = site.intersection(veurne).area / site.area
                in_koksijde = site.intersection(koksijde).area / site.area
                if 0.8 <= in_veurne <= 0.95 and in_koksijde >= 0.05:
                    return site
    raise AssertionError("no site mostly in Veurne and partly in Koksijde")


def test_real_site_in_veurne_and_koksijde_is_labelled_with_them(realdata):
    frame = gpd.read_file(realdata / "west_flanders_municipalities_2025_lambert72.geojson")
    outlines = frame.set_index("name").geometry
    site = site_between(outlines["Veurne"], outlines["Koksijde"])
    view = SnapshotView.around(site, size=300, margin_factor=1.5)
    svg = str(site_snapshot(site, L72, frame, title="t", size=300))
    labels = drawn_labels(svg, view)
    assert {"Veurne", "Koksijde"} <= labels.keys()
    assert not {"Vleteren", "Lo-Reninge"} & labels.keys()
    assert_each_label_in_its_town(labels, frame, view)
