"""The demo region: determinism, plausible figures, a clean tessellation, rasters, files, cache."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
from geopandas.testing import assert_geodataframe_equal

from data import demo_region
from data.demo_region import (
    CRS,
    RASTER_LAYERS,
    VECTOR_LAYERS,
    demo_files,
    generate,
    partners_table,
    write,
)
from geo.grid import Grid

REALDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "realdata"
ZONES = {"agriculture", "industry", "residential", "nature", "recreation"}


@pytest.fixture(scope="module")
def small():
    return generate(scale=0.3)


@pytest.fixture(scope="module")
def full():
    return generate()


def region_of(demo):
    return shapely.union_all(demo.vectors["municipalities"].geometry)


def test_same_seed_gives_the_same_region(small):
    again = generate(scale=0.3)
    for name in VECTOR_LAYERS:
        assert_geodataframe_equal(small.vectors[name], again.vectors[name])
    np.testing.assert_array_equal(small.elevation_m, again.elevation_m)
    np.testing.assert_array_equal(small.slope_pct, again.slope_pct)
    assert small.grid == again.grid


def test_another_seed_gives_another_region(small):
    other = generate(seed=small.seed + 1, scale=0.3)
    assert not region_of(other).equals(region_of(small))


@pytest.mark.parametrize("scale", [0.1, 0.0, 1.5, float("nan")])
def test_scale_out_of_range_is_refused(scale):
    with pytest.raises(ValueError, match="scale"):
        generate(scale=scale)


def test_municipality_figures_at_full_scale(full):
    towns = full.vectors["municipalities"]
    assert 8 <= len(towns) <= 12
    assert towns["area_km2"].between(20, 100).all()
    np.testing.assert_allclose(towns["area_km2"], towns.area / 1e6, atol=1e-3)
    assert towns["population"].between(3_000, 60_000).all()
    assert towns["opcentiemen"].between(700, 1_500).all()
    assert towns["demand_ha"].between(1, 5).all()
    assert (towns["fiscal_capacity_eur"] > 0).all()
    assert towns["name"].is_unique and towns["nis"].is_unique


def test_region_size_and_place_at_full_scale(full):
    x0, y0, x1, y1 = region_of(full).bounds
    assert 20_000 <= x1 - x0 <= 30_000 and 20_000 <= y1 - y0 <= 30_000
    assert x0 >= 40_000 and x1 <= 80_000 and y0 >= 170_000 and y1 <= 205_000
    assert 2_000 <= max(full.grid.shape) <= 3_000


@pytest.mark.parametrize("demo", ["small", "full"])
def test_municipalities_tessellate_the_region(demo, request):
    towns = request.getfixturevalue(demo).vectors["municipalities"].geometry
    region = shapely.union_all(towns)
    assert region.geom_type == "Polygon" and not region.interiors  # no gaps inside
    assert abs(towns.area.sum() - region.area) <= 1.0  # no overlaps beyond 1 m²
    assert shapely.coverage_is_valid(towns.values)


def test_fewer_municipalities_at_small_scale(small):
    assert len(small.vectors["municipalities"]) == 3


@pytest.mark.parametrize("name", VECTOR_LAYERS)
def test_every_layer_is_valid_projected_and_labelled_fictional(small, name):
    frame = small.vectors[name]
    assert len(frame) > 0
    assert frame.crs == CRS
    assert frame.is_valid.all()
    assert not frame.is_empty.any()
    assert frame["fictional"].all()


def test_lines_and_points_lie_in_the_region(full):
    region = region_of(full).buffer(1.0)
    for name in ("motorway", "motorway_exits", "railway", "stations", "canal", "quays"):
        assert full.vectors[name].within(region).all(), name


def test_layer_counts(full):
    counts = {name: len(frame) for name, frame in full.vectors.items()}
    assert 2 <= counts["motorway_exits"] <= 4
    assert 2 <= counts["stations"] <= 4
    assert 1 <= counts["quays"] <= 4
    assert 1 <= counts["business_parks"] <= 2
    assert counts["nature"] >= 3
    assert 2_000 <= counts["parcels"] <= 5_000


def test_every_municipality_has_a_residential_core(full):
    cores = full.vectors["residential"]
    assert set(cores["nis"]) == set(full.vectors["municipalities"]["nis"])


@pytest.mark.parametrize("demo", ["small", "full"])
def test_zoning_covers_the_region_without_overlap(demo, request):
    region_demo = request.getfixturevalue(demo)
    zoning = region_demo.vectors["zoning"]
    region = region_of(region_demo)
    assert set(zoning["zone"]) <= ZONES
    covered = shapely.union_all(zoning.geometry)
    assert covered.symmetric_difference(region).area <= 1.0
    assert abs(zoning.area.sum() - region.area) <= 1.0


def test_zoning_agrees_with_the_land_use_layers(full):
    zoning = full.vectors["zoning"]

    def zone_area(zone):
        return shapely.union_all(zoning[zoning["zone"] == zone].geometry)

    parks = shapely.union_all(full.vectors["business_parks"].geometry)
    assert parks.symmetric_difference(zone_area("industry")).area <= 1.0
    assert (full.vectors["business_parks"]["zone"] == "industry").all()
    for layer, zone in (("residential", "residential"), ("nature", "nature")):
        outside = shapely.union_all(full.vectors[layer].geometry).difference(zone_area(zone))
        assert outside.difference(parks).difference(zone_area("residential")).area <= 1.0


def test_parcels(full):
    parcels = full.vectors["parcels"]
    assert parcels["parcel_id"].is_unique
    assert parcels["area_ha"].between(0.3, 6.0).all()
    np.testing.assert_allclose(parcels["area_ha"], parcels.area / 1e4)
    assert set(parcels["zone"]) <= ZONES - {"residential"}
    zoning = full.vectors["zoning"]
    sample = parcels.sample(200, random_state=1)
    inside = gpd.sjoin(
        gpd.GeoDataFrame(sample[["zone"]], geometry=sample.representative_point(), crs=CRS),
        zoning[["zone", "geometry"]],
        predicate="within",
    )
    assert (inside["zone_left"] == inside["zone_right"]).all() and len(inside) == len(sample)


def test_free_farmland_near_exits_in_several_municipalities(full):
    """Candidate business sites of 5–20 ha: farmland within 1.5 km of an exit, outside nature,
    flood-prone and residential areas (with 150 m clearance), in 2 municipalities or more."""
    v = full.vectors
    farmland = shapely.union_all(v["zoning"][v["zoning"]["zone"] == "agriculture"].geometry)
    blocked = shapely.union_all(
        [*v["nature"].geometry, *v["flood_zones"].geometry, *v["residential"].buffer(150.0)]
    )
    near_exits = shapely.union_all(v["motorway_exits"].buffer(1500.0))
    free = farmland.intersection(near_exits).difference(blocked)
    hosts = set()
    for nis, town in zip(v["municipalities"]["nis"], v["municipalities"].geometry, strict=True):
        parts = shapely.get_parts(free.intersection(town))
        if any(part.area >= 20e4 for part in parts):
            hosts.add(nis)
    assert len(hosts) >= 2


def test_rasters_sit_on_the_grid(small):
    region = region_of(small)
    assert small.grid == Grid.covering(region.bounds, 10.0, CRS)
    for raster in (small.elevation_m, small.slope_pct):
        assert raster.shape == small.grid.shape and raster.dtype == np.float32
    xs, ys = small.grid.cell_centres()
    centres = shapely.points(xs.ravel(), ys.ravel())
    within = shapely.contains_xy(region, xs.ravel(), ys.ravel()).reshape(small.grid.shape)
    assert np.isfinite(small.elevation_m[within]).all()
    assert np.isnan(small.elevation_m[~within]).all()
    assert len(centres) == small.grid.width * small.grid.height


def test_relief_is_plausible_and_low_along_the_canal(full):
    elevation = full.elevation_m
    assert np.nanmin(elevation) >= 0.0 and 30.0 <= np.nanmax(elevation) <= 65.0
    xs, ys = full.grid.cell_centres(slice(None, None, 10), slice(None, None, 10))
    sample = elevation[::10, ::10]
    canal = full.vectors["canal"].geometry.iloc[0]
    near = shapely.dwithin(canal, shapely.points(xs, ys), 300.0) & np.isfinite(sample)
    assert np.mean(sample[near]) < np.nanmean(sample) - 5.0


def test_slope_is_the_gradient_of_elevation(small):
    dz_drow, dz_dcol = np.gradient(small.elevation_m.astype(np.float64), 10.0)
    expected = 100.0 * np.hypot(dz_drow, dz_dcol)
    both = np.isfinite(expected)
    assert both.mean() > 0.5
    np.testing.assert_allclose(small.slope_pct[both], expected[both], rtol=1e-5, atol=1e-5)
    assert np.isnan(small.slope_pct[np.isnan(small.elevation_m)]).all()


def test_partners_table(full):
    table = partners_table(full)
    assert list(table.columns) == [
        "name",
        "population",
        "opcentiemen",
        "demand_ha",
        "fiscal_capacity_eur",
    ]
    assert len(table) == len(full.vectors["municipalities"])


def test_write_round_trips(small, tmp_path):
    paths = write(small, tmp_path / "region")
    assert set(paths) == set(VECTOR_LAYERS) | set(RASTER_LAYERS)
    for name in VECTOR_LAYERS:
        read = gpd.read_file(paths[name], layer=name)
        assert read.crs == CRS and len(read) == len(small.vectors[name])
        assert read.geometry.geom_equals_exact(small.vectors[name].geometry, 1e-6).all()
        assert pyogrio.read_info(paths[name])["layer_metadata"]["fictional"] == "true"
    for name, values in (("elevation", small.elevation_m), ("slope", small.slope_pct)):
        with rasterio.open(paths[name]) as src:
            assert src.transform == small.grid.transform and src.crs == CRS
            assert np.isnan(src.nodata) and src.profile["tiled"]
            assert src.compression.name == "deflate"
            np.testing.assert_array_equal(src.read(1), values)
            assert src.tags()["fictional"] == "true"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["region"]
    manifest = json.loads((tmp_path / "region" / demo_region.MANIFEST).read_text())
    assert (manifest["seed"], manifest["scale"]) == (small.seed, small.scale)


def test_same_region_gives_byte_identical_files(tmp_path):
    first = write(generate(scale=0.2), tmp_path / "first")
    second = write(generate(scale=0.2), tmp_path / "second")
    for name, path in first.items():
        assert path.read_bytes() == second[name].read_bytes(), name


def test_write_replaces_an_existing_folder(small, tmp_path):
    dest = tmp_path / "region"
    dest.mkdir()
    (dest / "stale.txt").write_text("old")
    write(small, dest)
    assert not (dest / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["region"]


def test_a_failed_write_leaves_nothing_behind(small, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(demo_region, "_write_raster", broken)
    with pytest.raises(OSError, match="disk full"):
        write(small, tmp_path / "region")
    assert list(tmp_path.iterdir()) == []


def test_demo_files_are_cached(tmp_path, monkeypatch):
    first = demo_files(scale=0.3, cache_dir=tmp_path)
    assert all(path.is_file() for path in first.values())
    assert first["municipalities"].parent.name == f"demo-region-v{demo_region.VERSION}-s0.3"
    stamps = {name: path.stat().st_mtime_ns for name, path in first.items()}

    def must_not_run(**kwargs):
        raise AssertionError("regenerated a cached region")

    monkeypatch.setattr(demo_region, "generate", must_not_run)
    assert demo_files(scale=0.3, cache_dir=tmp_path) == first
    assert {name: path.stat().st_mtime_ns for name, path in first.items()} == stamps


def test_demo_files_are_drawn_again_after_the_generator_changed(tmp_path):
    paths = demo_files(scale=0.2, cache_dir=tmp_path)
    manifest_path = paths["municipalities"].parent / demo_region.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    assert manifest["generator_sha256"] == demo_region.generator_fingerprint()
    manifest["generator_sha256"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest))
    assert demo_files(scale=0.2, cache_dir=tmp_path) == paths
    assert json.loads(manifest_path.read_text())["generator_sha256"] != "0" * 64


def test_demo_files_cache_location_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PARKPLAN_CACHE", str(tmp_path))
    folder = demo_region.cache_folder(scale=0.5)
    assert folder == tmp_path / f"demo-region-v{demo_region.VERSION}-s0.5"


def test_names_are_not_real_municipalities(full):
    source = REALDATA / "west_flanders_municipalities_2025_lambert72.geojson"
    if not source.exists():
        pytest.skip(f"real municipality data not found at {source}")
    real = {name.lower() for name in gpd.read_file(source)["name"]}
    assert not real & {name.lower() for name in full.vectors["municipalities"]["name"]}


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_invariants_hold_for_other_seeds(seed):
    demo = generate(seed=seed, scale=0.25)
    towns = demo.vectors["municipalities"].geometry
    region = shapely.union_all(towns)
    assert abs(towns.area.sum() - region.area) <= 1.0 and not region.interiors
    assert abs(demo.vectors["zoning"].area.sum() - region.area) <= 1.0
    for name, frame in demo.vectors.items():
        assert len(frame) > 0 and frame.is_valid.all() and not frame.is_empty.any(), name
    assert len(demo.vectors["motorway_exits"]) == 2


def test_exits_serve_different_municipalities(full):
    assert full.vectors["motorway_exits"]["nis"].nunique() >= 2
