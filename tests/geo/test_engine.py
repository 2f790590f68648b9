"""The streaming engine against a naive in-memory computation, and its outputs."""

from __future__ import annotations

import math
import os

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from geo.aggregation import Aggregation
from geo.criteria import DistanceCriterion, RasterCriterion, StoredCriterion, ZoningCriterion
from geo.engine import (
    EXCLUSION_TAG,
    SCORE_UNITS,
    BandTally,
    StoredExclusions,
    score,
    score_array,
)
from geo.errors import CRSError, ModelError, RasterError
from geo.exclusions import InsideExclusion, RasterExclusion
from geo.grid import Grid
from geo.runners import InProcess
from geo.transforms import Transform, standardise


@pytest.fixture
def model(grid, tmp_path, write_raster):
    """Three raster criteria with nodata holes, a zoning criterion, two exclusions."""
    rng = np.random.default_rng(42)
    rasters = {}
    for k, name in enumerate(["slope", "noise", "price"]):
        values = rng.random(grid.shape) * 100
        hole_row, hole_col = rng.integers(0, grid.height - 9), rng.integers(0, grid.width - 9)
        values[hole_row : hole_row + 4 + k, hole_col : hole_col + 9] = np.nan
        rasters[name] = (write_raster(tmp_path / f"{name}.tif", values, grid), values)
    x0, y0, x1, y1 = grid.bounds
    zones = gpd.GeoDataFrame(
        {"kind": ["industry", "mixed"]},
        geometry=[
            shapely.box(x0 - 10, y0 - 10, x0 + 1234, y1 + 10),
            shapely.box(x0 + 1234, y0 - 10, x1 + 10, y1 - 333),
        ],
        crs=grid.crs,
    )
    nature = gpd.GeoDataFrame(
        geometry=[shapely.Point(x0 + 700, y0 + 600).buffer(177)], crs=grid.crs
    )
    transforms = {
        "slope": Transform("sigmoid", "decreasing", c=10, d=60),
        "noise": Transform("linear", "decreasing", c=20, d=80),
        "price": Transform("j_shaped", a=20, b=70),
    }
    criteria = [RasterCriterion(n, rasters[n][0], transforms[n]) for n in transforms]
    zoning_map = {"industry": 1.0, "mixed": 0.4}
    criteria.append(
        ZoningCriterion("zoning", zones, "kind", Transform("categorical", mapping=zoning_map))
    )
    exclusions = [
        InsideExclusion("nature", nature),
        RasterExclusion("steep", rasters["slope"][0], ">", 90),
    ]
    xs, ys = grid.cell_centres()
    zoning = np.where(
        shapely.contains_xy(zones.geometry.values[0], xs, ys),
        1.0,
        np.where(shapely.contains_xy(zones.geometry.values[1], xs, ys), 0.4, 0.0),
    )
    naive_z = np.stack([standardise(rasters[n][1], transforms[n]) for n in transforms] + [zoning])
    with np.errstate(invalid="ignore"):
        naive_excluded = shapely.contains_xy(nature.geometry.values[0], xs, ys) | (
            rasters["slope"][1] > 90
        )
    return criteria, exclusions, naive_z, naive_excluded


WEIGHTS = {"slope": 3.0, "noise": 1.0, "price": 2.0, "zoning": 2.0}


def naive_owa(z, u, v):
    order = np.argsort(z, axis=0, kind="stable")  # ties in criterion order, as documented
    zs = np.take_along_axis(z, order, axis=0)
    uv = u[order] * v[:, None, None]
    return (uv * zs).sum(0) / uv.sum(0)


@pytest.mark.parametrize(
    "aggregation", [Aggregation("wlc"), Aggregation("owa", order_weights=(0.4, 0.3, 0.2, 0.1))]
)
def test_streaming_equals_naive_computation(grid, tmp_path, model, read_raster, aggregation):
    criteria, exclusions, z, excluded = model
    calls = []
    result = score(
        grid,
        criteria,
        WEIGHTS,
        aggregation=aggregation,
        exclusions=exclusions,
        out_path=tmp_path / "out" / "score.tif",
        block_size=48,
        criterion_dir=tmp_path / "criteria",
        progress=lambda *a: calls.append(a),
    )
    u = np.array([WEIGHTS[n] for n in ["slope", "noise", "price", "zoning"]])
    u = u / u.sum()
    with np.errstate(invalid="ignore"):
        expected = (
            np.tensordot(u, z, axes=1)
            if aggregation.method == "wlc"
            else naive_owa(z, u, np.array(aggregation.order_weights))
        )
    expected[excluded | np.isnan(z).any(0)] = np.nan
    got = read_raster(result.path)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, atol=1e-6, equal_nan=True)
    assert calls[-1] == (len(calls), 5 * 4) and calls[0] == (1, 20)
    for k, name in enumerate(["slope", "noise", "price", "zoning"]):
        np.testing.assert_allclose(
            read_raster(result.criterion_paths[name]), z[k], atol=1e-6, equal_nan=True
        )
    assert result.stats.share_excluded == pytest.approx(excluded.mean())
    # μ is computed in float32 for the WLC (summed in float64): 1e-6 is the documented bound
    assert result.stats.min == pytest.approx(np.nanmin(expected), abs=1e-6)
    assert result.stats.mean == pytest.approx(np.nanmean(expected), abs=1e-6)
    assert result.weights == pytest.approx(dict(zip(WEIGHTS, u, strict=True)))
    assert result.exclusions.names == ("nature", "steep")
    assert sorted(os.listdir(tmp_path / "out")) == ["score.tif"]


def test_exclusion_raster_names_the_first_exclusion_of_each_cell(grid, tmp_path, model):
    criteria, exclusions, _, excluded = model
    result = score(
        grid,
        criteria,
        WEIGHTS,
        exclusions=exclusions,
        out_path=tmp_path / "score.tif",
        block_size=48,
        exclusion_path=tmp_path / "exclusions.tif",
    )
    assert result.exclusion_path == tmp_path / "exclusions.tif"
    with rasterio.open(result.path) as scores, rasterio.open(result.exclusion_path) as src:
        assert src.dtypes[0] == "uint8" and src.nodata is None
        assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert (src.transform, src.crs) == (scores.transform, scores.crs)
        codes = src.read(1)
    x0, y0, *_ = grid.bounds
    xs, ys = grid.cell_centres()
    in_nature = shapely.contains_xy(shapely.Point(x0 + 700, y0 + 600).buffer(177), xs, ys)
    np.testing.assert_array_equal(codes > 0, excluded)
    np.testing.assert_array_equal(codes == 1, in_nature)  # nature is listed first
    assert ((codes == 2) == (excluded & ~in_nature)).all() and (codes == 2).any()
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["exclusions.tif", "score.tif", "slope.tif", "noise.tif", "price.tif"]
    )


def test_exclusion_raster_is_all_zero_without_exclusions(grid, tmp_path, model):
    criteria, *_ = model
    result = score(
        grid,
        criteria,
        WEIGHTS,
        out_path=tmp_path / "score.tif",
        exclusion_path=tmp_path / "exclusions.tif",
    )
    with rasterio.open(result.exclusion_path) as src:
        assert not src.read(1).any()


def test_output_is_a_cog_with_overviews(tmp_path, write_raster):
    grid = Grid("EPSG:31370", 0.0, 300_000.0, 25.0, 1100, 700)
    criterion = RasterCriterion(
        "flat",
        write_raster(tmp_path / "flat.tif", np.full(grid.shape, 0.25), grid),
        Transform("linear", a=0, b=1),
    )
    result = score(grid, [criterion], {"flat": 1}, out_path=tmp_path / "s.tif", block_size=512)
    with rasterio.open(result.path) as src:
        assert src.dtypes[0] == "float32" and np.isnan(src.nodata)
        assert src.crs.to_epsg() == 31370 and src.block_shapes[0] == (512, 512)
        assert src.overviews(1)
        assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert float(src.read(1, out_shape=(70, 110)).mean()) == pytest.approx(0.25)


def test_rasters_describe_their_band_with_statistics(grid, tmp_path, model, read_raster):
    criteria, exclusions, *_ = model
    result = score(
        grid,
        criteria,
        WEIGHTS,
        exclusions=exclusions,
        out_path=tmp_path / "score.tif",
        block_size=48,
        criterion_dir=tmp_path / "mu",
        exclusion_path=tmp_path / "exclusions.tif",
    )
    values = read_raster(result.path)
    valid = values[~np.isnan(values)]
    with rasterio.open(result.path) as src:
        assert src.descriptions == ("suitability score",) and src.units == (SCORE_UNITS,)
        assert src.compression.name == "deflate"
        stats = src.tags(1)
    assert float(stats["STATISTICS_MINIMUM"]) == pytest.approx(valid.min(), abs=1e-7)
    assert float(stats["STATISTICS_MAXIMUM"]) == pytest.approx(valid.max(), abs=1e-7)
    assert float(stats["STATISTICS_MEAN"]) == pytest.approx(valid.mean(), rel=1e-6)
    assert float(stats["STATISTICS_STDDEV"]) == pytest.approx(valid.std(), rel=1e-6)
    assert float(stats["STATISTICS_VALID_PERCENT"]) == pytest.approx(100 * valid.size / values.size)
    with rasterio.open(result.criterion_paths["slope"]) as src:
        assert src.descriptions == ("slope: standardised",) and "STATISTICS_MEAN" in src.tags(1)
    with rasterio.open(result.exclusion_path) as src:
        tags = src.tags(1)
        assert src.compression.name == "deflate" and src.descriptions[0].startswith("first")
        assert float(tags["STATISTICS_VALID_PERCENT"]) == 100
    assert [tags[EXCLUSION_TAG.format(code=i)] for i in (1, 2)] == ["nature", "steep"]


def test_compression_is_configurable(grid, tmp_path, model):
    criteria, *_ = model
    out = tmp_path / "score.tif"
    score(grid, criteria, WEIGHTS, out_path=out, compression="zstd")
    with rasterio.open(out) as src:
        assert src.compression.name == "zstd"
    with pytest.raises(ModelError, match="compression 'snappy'; expected one of DEFLATE"):
        score(grid, criteria, WEIGHTS, out_path=tmp_path / "x.tif", compression="snappy")
    assert not (tmp_path / "x.tif").exists()


def test_band_tally_merges_blocks_like_one_pass():
    rng = np.random.default_rng(3)
    values = rng.random(1000).astype(np.float32)
    values[::7] = np.nan
    tally = BandTally(values.size)
    for block in np.array_split(values, 9):
        tally.add(block)
    valid = values[~np.isnan(values)].astype(np.float64)
    assert tally.count == valid.size
    assert tally.mean == pytest.approx(valid.mean(), rel=1e-12)
    assert math.sqrt(tally.m2 / tally.count) == pytest.approx(valid.std(), rel=1e-10)
    assert BandTally(4).tags() == {}


class Boom(RasterCriterion):
    def standardised_block(self, grid, window, **options):
        if window.row_off > 0:
            raise RuntimeError("disk on fire")
        return super().standardised_block(grid, window, **options)


def test_failure_leaves_no_file(grid, tmp_path, write_raster):
    path = write_raster(tmp_path / "a.tif", np.zeros(grid.shape), grid)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="disk on fire"):
        score(
            grid,
            [Boom("a", path, Transform("linear", a=0, b=1))],
            {"a": 1},
            out_path=out / "score.tif",
            block_size=64,
        )
    assert os.listdir(out) == []


def test_model_errors(grid, model, tmp_path):
    criteria, *_ = model
    with pytest.raises(ModelError, match="missing: \\['zoning'\\]"):
        score(grid, criteria, {"slope": 1, "noise": 1, "price": 1}, out_path=tmp_path / "x.tif")
    with pytest.raises(ModelError, match="used twice"):
        score(grid, [criteria[0], criteria[0]], {"slope": 1}, out_path=tmp_path / "x.tif")
    features = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs="EPSG:3812")
    with pytest.raises(CRSError):
        score(
            grid,
            [DistanceCriterion("d", features, Transform("linear", a=0, b=1))],
            {"d": 1},
            out_path=tmp_path / "x.tif",
        )
    assert not (tmp_path / "x.tif").exists()


@settings(max_examples=40, deadline=None)
@given(
    stack=arrays(np.float64, (3, 5, 4), elements=st.floats(0, 1)),
    weights=arrays(np.float64, 3, elements=st.floats(0.01, 5)),
    excluded=arrays(np.bool_, (5, 4)),
)
def test_excluded_cells_never_score(stack, weights, excluded):
    out = score_array(stack, weights, Aggregation("wlc"), excluded)
    assert np.all(np.isnan(out[excluded]))
    assert np.all((out[~excluded] >= 0) & (out[~excluded] <= 1))


def test_threads_give_the_same_raster(grid, tmp_path, model, read_raster):
    criteria, exclusions, *_ = model
    rasters = [
        read_raster(
            score(
                grid,
                criteria,
                WEIGHTS,
                exclusions=exclusions,
                runner=InProcess(threads),
                out_path=tmp_path / f"w{threads}.tif",
                block_size=32,
            ).path
        )
        for threads in (1, 3)
    ]
    np.testing.assert_array_equal(rasters[0], rasters[1])


# -- stored rasters: a run on the μ and exclusions an earlier run wrote ----------------------

AGGREGATIONS = [
    Aggregation("wlc"),
    Aggregation("wgm"),
    Aggregation("min"),
    Aggregation("owa", andness=0.7),
]


def scored(grid, criteria, weights, folder, aggregation, **given):
    """A scoring run writing every raster into ``folder``."""
    return score(
        grid,
        criteria,
        weights,
        aggregation=aggregation,
        out_path=folder / "score.tif",
        block_size=48,
        criterion_dir=folder / "criteria",
        raw_dir=folder / "raw",
        exclusion_path=folder / "exclusions.tif",
        **given,
    )


def stored_of(result, criteria) -> list[StoredCriterion]:
    return [
        StoredCriterion(
            c.name,
            c.raw_transform,
            standardised=result.criterion_paths[c.name],
            raw=result.raw_paths[c.name],
        )
        for c in criteria
    ]


@pytest.mark.parametrize("aggregation", AGGREGATIONS, ids=lambda a: a.method)
def test_stored_rasters_score_as_computing_them_again(grid, tmp_path, model, aggregation):
    criteria, exclusions, *_ = model
    first = scored(grid, criteria, WEIGHTS, tmp_path / "first", aggregation, exclusions=exclusions)
    other = {**WEIGHTS, "slope": 0.5, "zoning": 4.0}
    cold = scored(grid, criteria, other, tmp_path / "cold", aggregation, exclusions=exclusions)
    warm = scored(
        grid,
        stored_of(first, criteria),
        other,
        tmp_path / "warm",
        aggregation,
        stored_exclusions=StoredExclusions(first.exclusion_path, first.exclusions),
    )
    with rasterio.open(warm.path) as w, rasterio.open(cold.path) as c:
        np.testing.assert_array_equal(w.read(1), c.read(1))  # bit for bit, NaN where NaN
        assert w.tags(1) == c.tags(1)  # the same statistics
    assert (warm.stats, warm.exclusions) == (cold.stats, cold.exclusions)
    assert warm.criterion_paths == first.criterion_paths
    assert (warm.raw_paths, warm.exclusion_path) == (first.raw_paths, first.exclusion_path)
    assert sorted(os.listdir(tmp_path / "warm")) == ["score.tif"]  # nothing else written
    with rasterio.open(first.criterion_paths["slope"]) as src:
        assert src.dtypes[0] == ("float64" if aggregation.method == "owa" else "float32")


def test_stored_and_computed_criteria_mix(grid, tmp_path, model, read_raster):
    criteria, exclusions, *_ = model
    first = scored(
        grid, criteria, WEIGHTS, tmp_path / "first", Aggregation(), exclusions=exclusions
    )
    mixed = [*stored_of(first, criteria[:2]), *criteria[2:]]
    again = scored(grid, mixed, WEIGHTS, tmp_path / "again", Aggregation(), exclusions=exclusions)
    np.testing.assert_array_equal(read_raster(again.path), read_raster(first.path))
    written = sorted(os.listdir(tmp_path / "again" / "criteria"))
    assert written == ["price.tif", "zoning.tif"]  # the stored two are not written again
    assert again.criterion_paths["slope"] == first.criterion_paths["slope"]


class CountingCriterion(StoredCriterion):
    """A stored criterion that records the windows it is read in."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.windows: list[tuple[int, int]] = []

    def standardised_block(self, grid, window, *, dtype=np.float64):
        self.windows.append((int(window.row_off), int(window.col_off)))
        return super().standardised_block(grid, window, dtype=dtype)


def test_blocks_excluded_whole_are_not_read(grid, tmp_path, model, read_raster):
    criteria, *_ = model
    x0, y0, _, y1 = grid.bounds
    west = gpd.GeoDataFrame(
        geometry=[shapely.box(x0 - 10, y0 - 10, x0 + 1000, y1 + 10)], crs=grid.crs
    )
    exclusions = [InsideExclusion("west", west)]  # columns 0..99 of 203
    first = scored(
        grid, criteria, WEIGHTS, tmp_path / "first", Aggregation(), exclusions=exclusions
    )
    counting = [
        CountingCriterion(c.name, c.raw_transform, standardised=first.criterion_paths[c.name])
        for c in criteria
    ]
    warm = score(
        grid,
        counting,
        WEIGHTS,
        out_path=tmp_path / "warm.tif",
        block_size=48,
        stored_exclusions=StoredExclusions(first.exclusion_path, first.exclusions),
    )
    np.testing.assert_array_equal(read_raster(warm.path), read_raster(first.path))
    read_columns = {col for _, col in counting[0].windows}
    assert read_columns == {96, 144, 192}  # the blocks at columns 0 and 48 are excluded whole
    assert warm.stats == first.stats


def test_stored_rasters_that_would_be_wrong_are_refused(grid, tmp_path, model):
    criteria, exclusions, *_ = model
    first = scored(
        grid, criteria, WEIGHTS, tmp_path / "first", Aggregation(), exclusions=exclusions
    )
    stored = stored_of(first, criteria)
    codes = StoredExclusions(first.exclusion_path, first.exclusions)
    owa = Aggregation("owa", andness=0.7)
    with pytest.raises(
        ModelError, match="stored as float32; aggregation 'owa' computes μ as float64"
    ):
        score(grid, stored, WEIGHTS, aggregation=owa, out_path=tmp_path / "a.tif")
    with pytest.raises(ModelError, match="exclusions given with stored exclusions"):
        score(
            grid,
            stored,
            WEIGHTS,
            exclusions=exclusions,
            stored_exclusions=codes,
            out_path=tmp_path / "b.tif",
        )
    bare = [
        StoredCriterion(c.name, c.raw_transform, standardised=c.standardised_path) for c in stored
    ]
    with pytest.raises(ModelError, match="stored without them"):
        score(grid, bare, WEIGHTS, out_path=tmp_path / "c.tif", raw_dir=tmp_path / "raw")
    with pytest.raises(ModelError, match="holds float32; expected the uint8 codes"):
        wrong = StoredExclusions(first.criterion_paths["slope"], first.exclusions)
        score(grid, stored, WEIGHTS, stored_exclusions=wrong, out_path=tmp_path / "d.tif")
    smaller = Grid(grid.crs, grid.x_min, grid.y_max, grid.cell_size_m, 100, 100)
    with pytest.raises(RasterError, match="Resample it onto the study grid"):
        score(smaller, stored, WEIGHTS, out_path=tmp_path / "e.tif")
    assert not any((tmp_path / f"{n}.tif").exists() for n in "abcde")
