"""Zonal statistics against a brute-force computation (polygon ∩ cell box areas)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import ColumnError, CRSError, ModelError
from geo.grid import Grid
from geo.transforms import Transform, standardise
from geo.zonal import coverage_fractions, site_profiles, zonal_scores


def brute_force_fractions(polygon, grid: Grid) -> dict[tuple[int, int], float]:
    cell = grid.cell_size_m
    x0, y0, x1, y1 = polygon.bounds
    fractions = {}
    for row in range(
        int(np.floor((grid.y_max - y1) / cell)), int(np.ceil((grid.y_max - y0) / cell))
    ):
        for col in range(
            int(np.floor((x0 - grid.x_min) / cell)), int(np.ceil((x1 - grid.x_min) / cell))
        ):
            box = shapely.box(
                grid.x_min + col * cell,
                grid.y_max - (row + 1) * cell,
                grid.x_min + (col + 1) * cell,
                grid.y_max - row * cell,
            )
            area = shapely.intersection(polygon, box).area / cell**2
            if area > 1e-12:
                fractions[(row, col)] = area
    return fractions


def shapes(grid: Grid):
    x, y = grid.x_min, grid.y_max
    return [
        shapely.Point(x + 503.3, y - 497.1).buffer(137),
        shapely.box(x + 100, y - 200, x + 200, y - 100),  # exactly on grid lines
        shapely.box(x + 103.3, y - 181, x + 157.2, y - 101.5),
        shapely.Polygon(
            [(x, y - 900), (x + 300, y - 850), (x + 120, y - 500), (x + 50, y - 780)]
        ).difference(shapely.Point(x + 120, y - 780).buffer(30)),  # with a hole
        shapely.MultiPolygon(
            [
                shapely.box(x + 600, y - 400, x + 655.5, y - 367),
                shapely.box(x + 700, y - 300, x + 712, y - 255),
            ]
        ),
        shapely.Polygon([(x - 15, y + 5), (x + 20, y + 5), (x + 20, y - 20)]),  # off the grid
        shapely.box(x + 1001, y - 1009, x + 1004, y - 1002),  # inside one cell
    ]


def test_coverage_fractions_equal_brute_force(grid):
    polygons = np.array(shapes(grid), dtype=object)
    cover = coverage_fractions(polygons, grid)
    assert np.all(np.diff(cover.polygon) >= 0)
    for k, polygon in enumerate(polygons):
        mine = {
            (r, c): f
            for r, c, f in zip(
                cover.row[cover.polygon == k],
                cover.col[cover.polygon == k],
                cover.fraction[cover.polygon == k],
                strict=True,
            )
        }
        expected = brute_force_fractions(polygon, grid)
        assert mine.keys() == expected.keys()
        assert max(abs(mine[key] - expected[key]) for key in mine) < 1e-9


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 300), st.floats(0, 300)), min_size=3, max_size=12),
    st.floats(0, 10),
    st.floats(0, 10),
)
def test_fractions_add_up_to_the_polygon_area(points, dx, dy):
    grid = Grid("EPSG:31370", 0.0, 400.0, 10.0, 40, 40)
    polygon = shapely.convex_hull(shapely.MultiPoint([(x + dx, y + dy) for x, y in points]))
    if polygon.area < 1e-6:
        return
    cover = coverage_fractions(np.array([polygon], dtype=object), grid)
    assert cover.fraction.sum() * 100 == pytest.approx(polygon.area, rel=1e-9, abs=1e-6)
    assert np.all((cover.fraction > 0) & (cover.fraction <= 1))


@pytest.fixture
def rasters(grid, tmp_path, write_raster):
    rng = np.random.default_rng(7)
    score = rng.random(grid.shape)
    score[40:60, 40:50] = np.nan  # excluded cells
    a, b = rng.random(grid.shape), rng.random(grid.shape)
    score_wlc = 0.25 * a + 0.75 * b
    score_wlc[np.isnan(score)] = np.nan
    return {
        "score": (write_raster(tmp_path / "score.tif", score_wlc, grid), score_wlc),
        "a": (write_raster(tmp_path / "a.tif", a, grid), a),
        "b": (write_raster(tmp_path / "b.tif", b, grid), b),
    }


def test_zonal_scores_equal_brute_force(grid, rasters):
    x, y = grid.x_min, grid.y_max
    polygons = [*shapes(grid)[:5], shapely.box(x + 380, y - 620, x + 530, y - 380)]
    sites = gpd.GeoDataFrame(
        {"site_id": [f"s{k}" for k in range(len(polygons))]}, geometry=polygons, crs=grid.crs
    )
    table = zonal_scores(
        sites,
        grid,
        rasters["score"][0],
        batch_size=4,
        criterion_rasters={"a": rasters["a"][0], "b": rasters["b"][0]},
    )
    assert list(table.columns) == [
        "site_id",
        "area_ha",
        "score",
        "score_min",
        "score_p10",
        "share_excluded",
        "c_a",
        "c_b",
        "rank",
    ]
    score = rasters["score"][1]
    for k, polygon in enumerate(polygons):
        cells = brute_force_fractions(polygon, grid)
        f = np.array(list(cells.values()))
        rows, cols = np.array(list(cells)).T
        s = score[rows, cols]
        ok = ~np.isnan(s)
        row = table.iloc[k]
        assert row["site_id"] == f"s{k}"
        assert row["area_ha"] == pytest.approx(polygon.area / 10_000)
        assert row["score"] == pytest.approx(np.sum(f[ok] * s[ok]) / f[ok].sum(), abs=1e-12)
        assert row["score_min"] == pytest.approx(s[ok].min())
        assert row["share_excluded"] == pytest.approx(f[~ok].sum() / f.sum(), abs=1e-12)
        order = np.argsort(s[ok])
        cumulative = np.cumsum(f[ok][order]) / f[ok].sum()
        assert row["score_p10"] == pytest.approx(s[ok][order][np.argmax(cumulative >= 0.1 - 1e-12)])
        for name in ("a", "b"):
            values = rasters[name][1][rows, cols]
            assert row[f"c_{name}"] == pytest.approx(np.sum(f[ok] * values[ok]) / f[ok].sum())
        # a weighted linear combination of the criterion means is the site score
        assert 0.25 * row["c_a"] + 0.75 * row["c_b"] == pytest.approx(row["score"], abs=1e-6)
    assert table.iloc[5]["share_excluded"] > 0
    expected_rank = table.sort_values(["score", "site_id"], ascending=[False, True]).index
    assert table.loc[expected_rank, "rank"].tolist() == list(range(1, len(table) + 1))


def test_ties_rank_by_site_id_and_fully_excluded_last(grid, tmp_path, write_raster):
    values = np.full(grid.shape, 0.5)
    values[:, :20] = np.nan
    path = write_raster(tmp_path / "flat.tif", values, grid)
    x, y = grid.x_min, grid.y_max
    sites = gpd.GeoDataFrame(
        {"site_id": [3, 1, 2]},
        geometry=[
            shapely.box(x + 500, y - 500, x + 600, y - 400),
            shapely.box(x + 10, y - 100, x + 90, y - 20),
            shapely.box(x + 700, y - 500, x + 800, y - 400),
        ],
        crs=grid.crs,
    )
    table = zonal_scores(sites, grid, path)
    assert dict(zip(table["site_id"], table["rank"], strict=True)) == {3: 2, 1: 3, 2: 1}
    assert np.isnan(table.set_index("site_id").loc[1, "score"])
    assert table.set_index("site_id").loc[1, "share_excluded"] == 1.0


def test_zonal_refuses_bad_sites(grid, rasters):
    site = shapely.box(grid.x_min, grid.y_max - 50, grid.x_min + 50, grid.y_max)
    sites = gpd.GeoDataFrame({"site_id": [1, 1]}, geometry=[site, site], crs=grid.crs)
    with pytest.raises(ColumnError, match="repeat"):
        zonal_scores(sites, grid, rasters["score"][0])
    with pytest.raises(ColumnError, match="'parcel'"):
        zonal_scores(sites, grid, rasters["score"][0], id_column="parcel")
    with pytest.raises(CRSError):
        zonal_scores(
            sites.set_crs("EPSG:3812", allow_override=True).assign(site_id=[1, 2]),
            grid,
            rasters["score"][0],
        )


def _site_frame(polygons, grid):
    ids = [f"s{k}" for k in range(len(polygons))]
    return gpd.GeoDataFrame({"site_id": ids}, geometry=polygons, crs=grid.crs)


def test_site_profiles_are_coverage_weighted_quantiles_of_the_scored_cells(grid, rasters):
    x, y = grid.x_min, grid.y_max
    polygons = [*shapes(grid)[:5], shapely.box(x + 380, y - 620, x + 530, y - 380)]
    raw = {"a": rasters["a"][0], "b": rasters["b"][0]}
    profiles = site_profiles(
        _site_frame(polygons, grid), grid, rasters["score"][0], raw, nodes=8, batch_size=4
    )
    assert profiles.values.shape == (6, 2, 8) and profiles.criteria == ("a", "b")
    assert profiles.levels.tolist() == pytest.approx([(j + 0.5) / 8 for j in range(8)])
    score = rasters["score"][1]
    for k, polygon in enumerate(polygons):
        cells = brute_force_fractions(polygon, grid)
        f = np.array(list(cells.values()))
        rows, cols = np.array(list(cells)).T
        ok = ~np.isnan(score[rows, cols])
        for i, name in enumerate(("a", "b")):
            values = rasters[name][1][rows, cols][ok]
            order = np.argsort(values)
            cumulative = np.cumsum(f[ok][order]) / f[ok].sum()
            expected = [values[order][np.argmax(cumulative >= q - 1e-12)] for q in profiles.levels]
            assert profiles.values[k, i].tolist() == pytest.approx(expected, abs=1e-7)
            assert np.all(np.diff(profiles.values[k, i]) >= 0)


def test_profile_means_approach_the_exact_mean_of_any_transform(grid, tmp_path, write_raster):
    """(1/J) Σ μ(x_j) over 16 quantiles is within 0.01 of the exact coverage-weighted mean of μ
    over the site, for linear, sigmoid and Gaussian transforms of a distance-like field."""
    rows, cols = np.indices(grid.shape)
    distance_m = np.hypot(rows - 70.3, cols - 40.1) * 10.0
    score = np.full(grid.shape, 0.5)
    paths = (
        write_raster(tmp_path / "s.tif", score, grid),
        write_raster(tmp_path / "d.tif", distance_m, grid),
    )
    x, y = grid.x_min, grid.y_max
    site = shapely.Point(x + 700, y - 900).buffer(260)
    profiles = site_profiles(_site_frame([site], grid), grid, paths[0], {"d": paths[1]})
    cells = brute_force_fractions(site, grid)
    f = np.array(list(cells.values()))
    r, c = np.array(list(cells)).T
    rng = np.random.default_rng(5)
    for kind in ("linear", "sigmoid", "gaussian"):
        for _ in range(10):
            a = rng.uniform(0, 400)
            transform = Transform(kind, "decreasing", c=a, d=a + rng.uniform(100, 900))
            exact = np.sum(f * standardise(distance_m[r, c], transform)) / f.sum()
            estimate = standardise(profiles.values[0, 0], transform).mean()
            assert estimate == pytest.approx(exact, abs=0.01)


def test_site_profiles_refuse_unknown_sites_and_criteria(grid, rasters):
    sites = _site_frame(
        [shapely.box(grid.x_min, grid.y_max - 90, grid.x_min + 90, grid.y_max)], grid
    )
    profiles = site_profiles(sites, grid, rasters["score"][0], {"a": rasters["a"][0]}, nodes=4)
    assert profiles.aligned(np.array(["s0"]), ["a"]).shape == (1, 1, 4)
    with pytest.raises(ColumnError, match="site profiles lack"):
        profiles.aligned(np.array(["s0", "s9"]), ["a"])
    with pytest.raises(ColumnError, match=r"criteria \['b'\]"):
        profiles.aligned(np.array(["s0"]), ["b"])
    with pytest.raises(ModelError, match="profile nodes"):
        site_profiles(sites, grid, rasters["score"][0], {"a": rasters["a"][0]}, nodes=0)
