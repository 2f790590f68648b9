"""The Dask runner against the in-process one: same rasters, reports, site tables and
probabilities."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio.windows import Window

from geo.aggregation import Aggregation
from geo.criteria import (
    DistanceCriterion,
    RasterCriterion,
    StoredCriterion,
    ZoneShareCriterion,
    ZoningCriterion,
)
from geo.engine import StoredExclusions, score
from geo.errors import EngineError, ModelError
from geo.exclusions import BufferExclusion, InsideExclusion, RasterExclusion, ZoningExclusion
from geo.grid import Grid
from geo.robustness import TransformJitter, weight_monte_carlo
from geo.runners import DaskRunner, dask_client
from geo.transforms import Transform, standardise
from geo.zonal import SiteProfiles, site_profiles, zonal_scores

CRS = "EPSG:31370"
#: 203 x 157 cells: blocks of 64 leave partial blocks on the right and at the bottom.
GRID = Grid(CRS, 100_000.0, 200_000.0, 10.0, 203, 157)
BLOCK = 64
WEIGHTS = {"slope": 3.0, "price": 2.0, "station": 2.0, "zoning": 1.0, "industry_near": 1.0}


@pytest.fixture(scope="module")
def client():
    with dask_client(n_workers=2, threads_per_worker=1) as client:
        yield client


@pytest.fixture(scope="module")
def dask(client):
    return DaskRunner(client)


def _write(path, values: np.ndarray, nodata: float = -9999.0):
    data = np.where(np.isnan(values), nodata, values)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=GRID.width,
        height=GRID.height,
        count=1,
        dtype="float64",
        crs=CRS,
        transform=GRID.transform,
        nodata=nodata,
        tiled=True,
        blockxsize=32,
        blockysize=32,
    ) as dst:
        dst.write(data, 1)
    return path


def _read(path) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read(1, out_dtype=np.float64, masked=True).filled(np.nan)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """Raster criteria with nodata holes, vector criteria, four kinds of exclusion."""
    folder = tmp_path_factory.mktemp("inputs")
    rng = np.random.default_rng(7)
    slope, price = rng.random(GRID.shape) * 100, rng.random(GRID.shape) * 100
    slope[20:31, 40:77] = np.nan
    price[100:104, 150:203] = np.nan
    x0, y0, x1, y1 = GRID.bounds
    zones = gpd.GeoDataFrame(
        {"kind": ["industry", "mixed", "nature"]},
        geometry=[
            shapely.box(x0 - 10, y0 - 10, x0 + 1234, y1 + 10),
            shapely.box(x0 + 1234, y0 - 10, x1 + 10, y1 - 333),
            shapely.box(x0 + 1234, y1 - 333, x1 + 10, y1 + 10),
        ],
        crs=CRS,
    )
    stations = gpd.GeoDataFrame(
        geometry=[
            shapely.Point(x0 + 300, y0 + 900),
            shapely.LineString([(x1, y0), (x0 + 900, y1)]),
        ],
        crs=CRS,
    )
    nature = gpd.GeoDataFrame(geometry=[shapely.Point(x0 + 700, y0 + 600).buffer(177)], crs=CRS)
    road = gpd.GeoDataFrame(geometry=[shapely.LineString([(x0, y0 + 50), (x1, y0 + 400)])], crs=CRS)
    steep_is_bad = Transform("sigmoid", "decreasing", c=10, d=60)
    zoning = Transform("categorical", mapping={"industry": 1.0, "mixed": 0.4})
    near = Transform("linear", "decreasing", c=100, d=1500)
    criteria = [
        RasterCriterion("slope", _write(folder / "slope.tif", slope), steep_is_bad),
        RasterCriterion(
            "price", _write(folder / "price.tif", price), Transform("j_shaped", a=20, b=70)
        ),
        DistanceCriterion("station", stations, near),
        ZoningCriterion("zoning", zones, "kind", zoning),
        ZoneShareCriterion(
            "industry_near", zones, "kind", ["industry"], 120.0, Transform("linear", a=0, b=1)
        ),
    ]
    exclusions = [
        InsideExclusion("nature", nature),
        BufferExclusion("road", road, 25.0),
        RasterExclusion("steep", folder / "slope.tif", ">", 95),
        ZoningExclusion("zoned", zones, "kind", ["industry", "mixed"]),
    ]
    return criteria, exclusions


def _blocks_known(dask_scheduler) -> int:
    """Block tasks the scheduler holds (waiting, running, or done and not yet fetched)."""
    return sum(str(key).startswith("score_block-") for key in dask_scheduler.tasks)


@pytest.fixture(scope="module")
def scored(model, client, dask, tmp_path_factory):
    """The same model scored in process and by the Dask runner."""
    criteria, exclusions = model
    out = tmp_path_factory.mktemp("scored")
    local = score(
        GRID,
        criteria,
        WEIGHTS,
        exclusions=exclusions,
        out_path=out / "local.tif",
        block_size=BLOCK,
        criterion_dir=out / "local",
        raw_dir=out / "local_raw",
        exclusion_path=out / "local_exclusions.tif",
    )
    calls: list[tuple[int, int, int]] = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total, client.run_on_scheduler(_blocks_known)))

    distributed = score(
        GRID,
        criteria,
        WEIGHTS,
        runner=dask,
        exclusions=exclusions,
        out_path=out / "dask.tif",
        block_size=BLOCK,
        criterion_dir=out / "dask",
        raw_dir=out / "dask_raw",
        exclusion_path=out / "dask_exclusions.tif",
        progress=progress,
    )
    return local, distributed, calls


def test_score_raster_equals_the_local_engine(scored):
    local, distributed, _ = scored
    np.testing.assert_array_equal(_read(distributed.path), _read(local.path))
    excluded = local.stats.share_excluded
    assert 0.0 < excluded < 1.0 and local.stats.share_nodata > 0.0  # the fixture tests something
    with rasterio.open(distributed.path) as src:
        assert src.profile["tiled"] and src.crs == CRS


def test_criterion_rasters_equal_the_local_ones(scored):
    local, distributed, _ = scored
    assert list(distributed.criterion_paths) == list(WEIGHTS)
    for name, path in distributed.criterion_paths.items():
        np.testing.assert_array_equal(_read(path), _read(local.criterion_paths[name]))


def test_raw_rasters_equal_the_local_ones_and_the_criteria_raw_values(model, scored):
    local, distributed, _ = scored
    criteria, _ = model
    whole = Window(0, 0, GRID.width, GRID.height)
    assert list(distributed.raw_paths) == list(WEIGHTS) == list(local.raw_transforms)
    for criterion in criteria:
        ours = _read(distributed.raw_paths[criterion.name])
        np.testing.assert_array_equal(ours, _read(local.raw_paths[criterion.name]))
        expected = criterion.raw_block(GRID, whole).astype(np.float32)
        np.testing.assert_array_equal(ours, expected)
        assert local.raw_transforms[criterion.name] == criterion.raw_transform
        # the raw rasters and the raw transforms give back the standardised rasters
        mu = standardise(ours, criterion.raw_transform)
        np.testing.assert_allclose(mu, _read(local.criterion_paths[criterion.name]), atol=1e-6)


def test_exclusion_report_and_statistics_equal_the_local_ones(scored):
    local, distributed, _ = scored
    assert distributed.exclusions == local.exclusions
    assert all(ha > 0 for ha in local.exclusions.in_sequence_ha)
    assert distributed.stats == local.stats  # tallied in block order: to the last bit
    assert (distributed.weights, distributed.criteria) == (local.weights, local.criteria)


def test_exclusion_raster_equals_the_local_one_and_names_the_first_exclusion(model, scored):
    local, distributed, _ = scored
    _, exclusions = model
    with (
        rasterio.open(distributed.exclusion_path) as src,
        rasterio.open(local.exclusion_path) as ref,
    ):
        assert src.dtypes[0] == "uint8" and src.overviews(1) == ref.overviews(1)
        ours, theirs = src.read(1), ref.read(1)
    np.testing.assert_array_equal(ours, theirs)
    whole = Window(0, 0, GRID.width, GRID.height)
    masks = [e.mask_block(GRID, whole) for e in exclusions]
    expected = np.zeros(GRID.shape, dtype=np.uint8)
    for index, mask in reversed(list(enumerate(masks))):
        expected[mask] = index + 1
    np.testing.assert_array_equal(ours, expected)
    assert set(np.unique(ours)) == set(range(len(exclusions) + 1))  # every code occurs
    # a cell scores exactly where no exclusion applies (or a criterion has no data)
    assert not np.isfinite(_read(local.path))[ours > 0].any()


def test_progress_reports_every_block_once_with_few_blocks_in_flight(scored, client):
    *_, calls = scored
    total = 4 * 3  # ceil(203 / 64) x ceil(157 / 64)
    assert [(done, of) for done, of, _ in calls] == [(d, total) for d in range(1, total + 1)]
    in_flight = max(known for *_, known in calls)
    assert 1 <= in_flight <= 2 * sum(client.nthreads().values())  # never the whole grid


def test_owa_scores_equal_the_local_engine(model, dask, tmp_path):
    criteria, exclusions = model
    owa = Aggregation("owa", andness=0.7, tradeoff=0.5)
    local = score(
        GRID,
        criteria,
        WEIGHTS,
        aggregation=owa,
        exclusions=exclusions[:2],
        out_path=tmp_path / "local.tif",
        block_size=BLOCK,
    )
    distributed = score(
        GRID,
        criteria,
        WEIGHTS,
        runner=dask,
        aggregation=owa,
        exclusions=exclusions[:2],
        out_path=tmp_path / "dask.tif",
        block_size=BLOCK,
    )
    ours, theirs = _read(distributed.path), _read(local.path)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    assert np.nanmax(np.abs(ours - theirs)) <= 1e-6
    assert distributed.exclusions == local.exclusions


def test_stored_rasters_score_as_the_local_engine_computing_them(model, scored, dask, tmp_path):
    """The μ and raw rasters and the exclusions of the local run, stored, with other weights."""
    local, *_ = scored
    criteria, exclusions = model
    stored = [
        StoredCriterion(
            c.name,
            c.raw_transform,
            standardised=local.criterion_paths[c.name],
            raw=local.raw_paths[c.name],
        )
        for c in criteria
    ]
    other = {**WEIGHTS, "slope": 0.5}
    computed = score(
        GRID,
        criteria,
        other,
        exclusions=exclusions,
        out_path=tmp_path / "local.tif",
        block_size=BLOCK,
    )
    distributed = score(
        GRID,
        stored,
        other,
        runner=dask,
        stored_exclusions=StoredExclusions(local.exclusion_path, local.exclusions),
        out_path=tmp_path / "dask.tif",
        block_size=BLOCK,
        criterion_dir=tmp_path / "criteria",
        raw_dir=tmp_path / "raw",
        exclusion_path=tmp_path / "exclusions.tif",
    )
    np.testing.assert_array_equal(_read(distributed.path), _read(computed.path))
    assert (distributed.stats, distributed.exclusions) == (computed.stats, computed.exclusions)
    assert distributed.criterion_paths == local.criterion_paths
    assert distributed.exclusion_path == local.exclusion_path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dask.tif", "local.tif"]


def test_a_bad_model_is_refused_before_any_task(model, dask, tmp_path):
    criteria, _ = model
    with pytest.raises(ModelError, match="expected one weight per criterion"):
        score(GRID, criteria, {"slope": 1.0}, runner=dask, out_path=tmp_path / "s.tif")
    assert not (tmp_path / "s.tif").exists()


@pytest.fixture(scope="module")
def sites():
    """Polygons over the grid, one partly off it, one wholly outside it (no score)."""
    rng = np.random.default_rng(11)
    x0, y0, x1, y1 = GRID.bounds
    centres = np.column_stack([rng.uniform(x0, x1, 40), rng.uniform(y0, y1, 40)])
    radii, angles = rng.uniform(20, 160, 40), rng.uniform(0, 90, 40)
    polygons = [
        shapely.affinity.rotate(shapely.Point(x, y).buffer(r, quad_segs=4), a)
        for (x, y), r, a in zip(centres, radii, angles, strict=True)
    ]
    polygons += [
        shapely.box(x1 - 50, y0 + 200, x1 + 300, y0 + 400),
        shapely.box(x1 + 100, y0, x1 + 300, y0 + 90),
    ]
    return gpd.GeoDataFrame(
        {"site_id": np.arange(100, 100 + len(polygons))[::-1]}, geometry=polygons, crs=CRS
    )


def test_zonal_table_equals_the_local_one(scored, sites, dask):
    local_result, result, _ = scored
    local = zonal_scores(
        sites, GRID, local_result.path, criterion_rasters=local_result.criterion_paths
    )
    table = zonal_scores(
        sites,
        GRID,
        result.path,
        runner=dask,
        criterion_rasters=result.criterion_paths,
        batch_size=7,
    )
    pd.testing.assert_frame_equal(table, local, check_exact=False, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(table["rank"], local["rank"])
    outside = table.set_index("site_id").loc[100]
    assert np.isnan(outside["score"]) and outside["rank"] > table["score"].notna().sum()
    assert table["score"].notna().sum() > 30


def test_site_profiles_equal_the_local_ones(scored, sites, dask):
    local_result, result, _ = scored
    local = site_profiles(sites, GRID, local_result.path, local_result.raw_paths, nodes=8)
    profiles = site_profiles(
        sites, GRID, result.path, result.raw_paths, runner=dask, nodes=8, batch_size=7
    )
    np.testing.assert_array_equal(profiles.ids, local.ids)
    np.testing.assert_array_equal(profiles.values, local.values)
    assert profiles.criteria == local.criteria == tuple(WEIGHTS)
    assert np.isfinite(local.values).all(axis=(1, 2)).sum() > 30


@pytest.fixture(scope="module")
def site_table():
    rng = np.random.default_rng(3)
    values = rng.random((300, len(WEIGHTS)))
    values[17, 2] = np.nan  # a site that never ranks
    table = pd.DataFrame(values, columns=[f"c_{name}" for name in WEIGHTS])
    table.insert(0, "site_id", [f"S{k:03d}" for k in rng.permutation(300)])
    return table


def _jitter(site_table, sd: float) -> TransformJitter:
    rng = np.random.default_rng(5)
    raw = np.sort(rng.random((len(site_table), len(WEIGHTS), 6)) * 100, axis=2)
    profiles = SiteProfiles(site_table["site_id"].to_numpy(), tuple(WEIGHTS), raw)
    transforms = {name: Transform("sigmoid", a=10.0, b=80.0) for name in WEIGHTS}
    transforms["zoning"] = Transform("categorical", mapping={0: 1.0, 1: 0.4, 2: 0.0})
    return TransformJitter(profiles, transforms, dict.fromkeys(WEIGHTS, sd))


@pytest.mark.parametrize(
    ("aggregation", "transform_sd"),
    [(Aggregation(), 0.0), (Aggregation(), 0.2), (Aggregation("owa", andness=0.6), 0.1)],
)
def test_monte_carlo_equals_the_local_one_for_the_same_seed(
    site_table, dask, aggregation, transform_sd
):
    options = {
        "draws": 150,
        "concentration": 20.0,
        "transform_jitter": _jitter(site_table, transform_sd) if transform_sd else None,
        "top_k": 5,
        "seed": 42,
        "chunk": 16,
    }
    local = weight_monte_carlo(site_table, WEIGHTS, aggregation, **options)
    result = weight_monte_carlo(site_table, WEIGHTS, aggregation, runner=dask, **options)
    pd.testing.assert_frame_equal(result.table, local.table, check_exact=True)
    assert result.statement == local.statement
    assert 0.0 < local.table["p_first"].max() < 1.0  # draws that reorder the sites
    assert result.seed == 42 and result.draws == 150
    assert result.transform_jitter == local.transform_jitter


def test_an_unreachable_scheduler_fails_quickly_with_one_line():
    started = time.perf_counter()
    with pytest.raises(EngineError) as error, dask_client("tcp://127.0.0.1:1", connect_timeout_s=1):
        pass
    assert time.perf_counter() - started < 15
    message = str(error.value)
    assert "\n" not in message and "tcp://127.0.0.1:1" in message and "dask scheduler" in message


def test_a_malformed_scheduler_address_is_refused():
    refused = "cannot reach the Dask scheduler 'nowhere://x'"
    with pytest.raises(EngineError, match=refused), dask_client("nowhere://x", connect_timeout_s=1):
        pass
