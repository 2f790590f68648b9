"""Splitting sites by municipality."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
import shapely.affinity
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import ColumnError, CRSError
from geo.split import OUTSIDE, hosts, split_by_municipality

REALDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "realdata"
CRS = "EPSG:31370"


def three_municipalities() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["Alpha", "Beta", "Gamma"]},
        geometry=[
            shapely.box(0, 0, 1000, 1000),
            shapely.box(1000, 0, 2000, 1000),
            shapely.box(0, 1000, 2000, 1500),
        ],
        crs=CRS,
    )


@pytest.fixture
def municipalities():
    return three_municipalities()


def test_split_areas_shares_and_outside(municipalities):
    sites = gpd.GeoDataFrame(
        {"site_id": ["in", "across", "edge"]},
        geometry=[
            shapely.box(100, 100, 200, 200),
            shapely.box(900, 900, 1100, 1100),
            shapely.box(1900, 400, 2100, 500),
        ],
        crs=CRS,
    )
    split = split_by_municipality(sites, municipalities)
    rows = {(r.site_id, r.municipality): (r.area_ha, r.share) for r in split.itertuples()}
    assert rows[("in", "Alpha")] == (1.0, 1.0)
    for name in ("Alpha", "Beta"):
        assert rows[("across", name)] == pytest.approx((1.0, 0.25))
    assert rows[("across", "Gamma")] == pytest.approx((2.0, 0.5))
    assert rows[("edge", "Beta")] == pytest.approx((1.0, 0.5))
    assert rows[("edge", OUTSIDE)] == pytest.approx((1.0, 0.5))
    assert split.groupby("site_id")["share"].sum().tolist() == pytest.approx([1, 1, 1])
    assert hosts(split).to_dict() == {"across": "Gamma", "edge": "Beta", "in": "Alpha"}


def test_split_refuses_other_crs_and_missing_columns(municipalities):
    sites = gpd.GeoDataFrame({"site_id": [1]}, geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:3812")
    with pytest.raises(CRSError, match="same projected CRS"):
        split_by_municipality(sites, municipalities)
    with pytest.raises(ColumnError, match="'nis'"):
        split_by_municipality(
            sites.set_crs(CRS, allow_override=True), municipalities, name_column="nis"
        )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(-200, 2100), st.floats(-200, 1600), st.floats(1, 400), st.floats(1, 400)
        ),
        min_size=1,
        max_size=20,
    )
)
def test_split_conserves_area(boxes):
    municipalities = three_municipalities()
    geometries = [shapely.box(x, y, x + w, y + h) for x, y, w, h in boxes]
    sites = gpd.GeoDataFrame({"site_id": range(len(boxes))}, geometry=geometries, crs=CRS)
    split = split_by_municipality(sites, municipalities)
    totals = split.groupby("site_id")["area_ha"].sum()
    expected = shapely.area(np.array(geometries)) / 10_000
    assert totals.to_numpy() == pytest.approx(expected, rel=1e-9)
    assert split.groupby("site_id")["share"].sum().to_numpy() == pytest.approx(1.0)


@pytest.mark.skipif(not REALDATA.exists(), reason="shared real data folder not present")
def test_split_on_west_flanders_municipalities():
    municipalities = gpd.read_file(REALDATA / "west_flanders_municipalities_2025_lambert72.geojson")
    province = shapely.union_all(municipalities.geometry.values)
    rng = np.random.default_rng(5)
    x0, y0, x1, y1 = province.bounds
    centres = shapely.points(rng.uniform(x0, x1, 2000), rng.uniform(y0, y1, 2000))
    centres = centres[shapely.contains(province, centres)]
    sites = gpd.GeoDataFrame(
        {"site_id": np.arange(centres.size)},
        geometry=shapely.buffer(centres, 250),
        crs=municipalities.crs,
    )
    split = split_by_municipality(sites, municipalities)
    areas = split.groupby("site_id")["area_ha"].sum().to_numpy()
    assert areas == pytest.approx(shapely.area(sites.geometry.values) / 10_000, rel=1e-6)
    crossing = split.groupby("site_id").size() > 1
    assert crossing.any() and (~crossing).sum() > crossing.sum()
    assert set(hosts(split)) <= set(municipalities["name"])


def test_a_site_clipped_along_a_border_has_no_sliver_in_the_neighbour():
    """Clipping to a partner's territory leaves floating-point contact with the neighbour: the
    split names only the partner (as a real study's clipped sites must)."""
    rng = np.random.default_rng(4)
    border = [(0.0, 0.0), *((1_000.0 * i / 7, 137.3 * rng.random()) for i in range(1, 7))]
    border.append((1_000.0, 0.0))
    north = shapely.Polygon([*border, (1_000.0, 900.0), (0.0, 900.0)])
    south = shapely.Polygon([*border, (1_000.0, -900.0), (0.0, -900.0)])
    x0, y0 = 150_013.37, 201_017.11  # an origin that is no round number
    north, south = (shapely.affinity.translate(p, x0, y0) for p in (north, south))
    towns = gpd.GeoDataFrame({"name": ["Noord", "Zuid"]}, geometry=[north, south], crs="EPSG:31370")
    discs = [
        shapely.Point(x0 + x, y0 + 60.0).buffer(r)
        for x, r in ((180.0, 170.0), (430.0, 250.0), (777.0, 190.0))
    ]
    clipped = [shapely.intersection(d, north) for d in discs]
    sites = gpd.GeoDataFrame({"site_id": [1, 2, 3]}, geometry=clipped, crs="EPSG:31370")
    table = split_by_municipality(sites, towns)
    assert set(table["municipality"]) == {"Noord"}
    assert np.allclose(table["share"], 1.0)
