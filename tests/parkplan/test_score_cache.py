"""The rasters that do not depend on the weights are cached in the workspace: a run with other
weights links them and scores exactly as a run that computes them again; anything that changes
a raster (a transform, a layer, the grid, an exclusion, the study area) computes it again."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from shapely.geometry import Point, Polygon, box
from study_support import CRS, make_small_study, shift

from parkplan import views
from parkplan.run import run_study
from parkplan.study import AggregationConfig, load_study, save_study
from parkplan.workspace import Workspace

#: The rasters of a run that the cache may provide, as the run folder names them.
CACHED = ("criteria/station.tif", "criteria/road.tif", "exclusions.tif")


@pytest.fixture
def study(tmp_path: Path) -> Path:
    return make_small_study(tmp_path / "study", draws=10)


def edit(root: Path, **changes) -> None:
    study = load_study(root)
    save_study(study.model_copy(update=changes), root)


def edit_criterion(root: Path, name: str, **changes) -> None:
    study = load_study(root)
    criteria = [c.model_copy(update=changes) if c.name == name else c for c in study.criteria]
    save_study(study.model_copy(update={"criteria": criteria}), root)


def reweight(root: Path, station: float) -> None:
    edit_criterion(root, "station", weight=station)
    edit_criterion(root, "road", weight=round(1 - station, 3))


def recomputed(first: Path, second: Path) -> set[str]:
    """The cacheable rasters of run ``second`` that are not the files of run ``first``."""
    return {name for name in CACHED if not os.path.samefile(first / name, second / name)}


def results(folder: Path) -> dict:
    """What a run found: its score raster, its sites and the facts of run.json."""
    with rasterio.open(folder / "suitability.tif") as src:
        scores = src.read(1)
    sites = pd.read_csv(folder / "sites.csv").drop(columns="run_id")
    facts = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    kept = ("grid", "weights", "aggregation", "score_stats", "exclusions", "robustness")
    return {"scores": scores, "sites": sites, **{k: facts[k] for k in kept}}


def assert_same_results(a: dict, b: dict) -> None:
    np.testing.assert_array_equal(a.pop("scores"), b.pop("scores"))  # bit for bit
    pd.testing.assert_frame_equal(a.pop("sites"), b.pop("sites"))
    assert a == b


def cold_run(root: Path) -> Path:
    """A run of the study as it is, with every cached raster of the workspace forgotten."""
    shutil.rmtree(root / "workspace" / "cache")
    return run_study(root).folder


AGGREGATIONS = {
    "wlc": AggregationConfig(method="wlc"),
    "wgm": AggregationConfig(method="wgm"),
    "min": AggregationConfig(method="min"),
    "owa": AggregationConfig(method="owa", andness=0.7),
}


@pytest.mark.parametrize("method", [*AGGREGATIONS, "wlc+jitter"])
def test_other_weights_reuse_every_raster_and_score_as_a_cold_run(study, method):
    edit(study, aggregation=AGGREGATIONS[method.split("+")[0]])
    if method.endswith("jitter"):
        edit(
            study,
            robustness=load_study(study).robustness.model_copy(update={"transform_jitter": 0.1}),
        )
    first = run_study(study).folder
    reweight(study, 0.8)
    warm = run_study(study).folder
    assert recomputed(first, warm) == set()  # every weight-independent raster linked
    if method.endswith("jitter"):
        assert os.path.samefile(first / "raw" / "station.tif", warm / "raw" / "station.tif")
    assert sorted(os.listdir(warm / "criteria")) == ["road.tif", "station.tif"]
    warm_results = results(warm)
    changed = not np.array_equal(warm_results["scores"], results(first)["scores"], equal_nan=True)
    assert changed == (method != "min")  # the minimum does not use the weights
    assert_same_results(warm_results, results(cold_run(study)))


def move_stations(root: Path, tmp_path: Path) -> None:
    moved = gpd.GeoDataFrame(
        {"name": ["Elders", "Ginder"]},
        geometry=[shift(Point(2_000, 2_000)), shift(Point(5_000, 500))],
        crs=CRS,
    )
    moved.to_file(tmp_path / "moved.gpkg", layer="stations", engine="pyogrio")
    Workspace.open(root).add_layer(tmp_path / "moved.gpkg", "stations", replace=True)


def steeper_station(root: Path, tmp_path: Path) -> None:
    transform = load_study(root).criteria[0].transform.model_copy(update={"d": 3000.0})
    edit_criterion(root, "station", transform=transform)


def wider_buffer(root: Path, tmp_path: Path) -> None:
    study = load_study(root)
    exclusions = [
        e.model_copy(update={"buffer_m": 150.0}) if e.kind == "buffer" else e
        for e in study.exclusions
    ]
    save_study(study.model_copy(update={"exclusions": exclusions}), root)


def finer_grid(root: Path, tmp_path: Path) -> None:
    edit(root, cell_size_m=20.0)


def diamond_area(root: Path, tmp_path: Path) -> None:
    """The study area becomes a diamond with the box's bounds: the same grid."""
    diamond = Polygon([(3_200, 0), (6_400, 2_000), (3_200, 4_000), (0, 2_000)])
    layer = gpd.GeoDataFrame(geometry=[shift(diamond)], crs=CRS)
    layer.to_file(tmp_path / "diamond.gpkg", layer="diamond", engine="pyogrio")
    Workspace.open(root).add_layer(tmp_path / "diamond.gpkg", "area", replace=True)


CHANGES = {
    "a transform": (steeper_station, {"criteria/station.tif"}),
    "a layer's content": (move_stations, {"criteria/station.tif"}),
    "an exclusion": (wider_buffer, {"exclusions.tif"}),
    "the study area": (diamond_area, {"exclusions.tif"}),
    "the grid": (finer_grid, set(CACHED)),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_what_changes_a_raster_computes_it_again(study, tmp_path, change):
    """The study area is a box layer, so that another shape keeps the grid."""
    area = gpd.GeoDataFrame(geometry=[shift(box(0, 0, 6_400, 4_000))], crs=CRS)
    area.to_file(tmp_path / "box.gpkg", layer="box", engine="pyogrio")
    Workspace.open(study).add_layer(tmp_path / "box.gpkg", "area")
    edit(study, study_area=load_study(study).study_area.model_copy(update={"layer": "area"}))
    first = run_study(study).folder
    make_change, expected = CHANGES[change]
    make_change(study, tmp_path)
    second = run_study(study).folder
    assert recomputed(first, second) == expected
    assert_same_results(results(second), results(cold_run(study)))


def test_a_criterion_removed_or_added_back_scores_as_a_cold_run(study):
    first = run_study(study).folder
    full = load_study(study)
    road = [c.model_copy(update={"weight": 1.0}) for c in full.criteria if c.name == "road"]
    save_study(full.model_copy(update={"criteria": road}), study)
    alone = run_study(study).folder
    assert os.path.samefile(first / "criteria/road.tif", alone / "criteria/road.tif")
    assert os.listdir(alone / "criteria") == ["road.tif"]
    assert_same_results(results(alone), results(cold_run(study)))
    save_study(full, study)
    again = run_study(study).folder
    assert_same_results(results(again), results(cold_run(study)))


def cache_entry(cache: Path, raster: Path) -> str:
    """The name of the cached file that ``raster`` is."""
    return next(p.name for p in cache.glob("*.tif") if os.path.samefile(p, raster))


def test_the_cache_holds_what_the_kept_runs_use(study):
    edit(study, runs=load_study(study).runs.model_copy(update={"keep": 1}))
    cache = study / "workspace" / "cache" / "scoring"
    first = cache_entry(cache, run_study(study).folder / "criteria/station.tif")
    steeper_station(study, study)
    run_study(study)  # the first run is removed once this one is published
    reweight(study, 0.7)
    last = run_study(study).folder
    entries = {p.name.split(".")[0] for p in cache.iterdir()}
    assert len(entries) == 3  # the two criteria and the exclusions of the current run
    assert cache_entry(cache, last / "criteria/station.tif") != first
    assert not (cache / first).exists()  # no run uses the first station raster any more
    assert all(p.stat().st_nlink > 1 for p in cache.glob("*.tif"))


def test_the_map_lookup_of_a_warm_run_is_its_rasters(study):
    run_study(study)
    reweight(study, 0.8)
    warm = run_study(study).folder
    cache = study / "workspace" / "cache" / "scoring"
    kept = sorted(p.name.split(".")[1] for p in cache.glob("*.cells-*.npy"))
    assert kept == ["codes", "mu", "mu"]  # samples of the criteria and the exclusion codes
    remembered = views.stored_map_data(study).lookup
    for memo in cache.glob("*.cells-*.npy"):
        memo.unlink()
    read = views.stored_map_data(study).lookup
    np.testing.assert_array_equal(remembered.score, read.score)
    np.testing.assert_array_equal(remembered.exclusion, read.exclusion)
    for name in ("station", "road"):
        np.testing.assert_array_equal(remembered.standardised[name], read.standardised[name])
    assert np.isfinite(read.standardised["station"]).any() and warm.is_dir()


def test_the_compression_of_study_toml_is_used(study):
    default = run_study(study).folder
    edit(study, outputs=load_study(study).outputs.model_copy(update={"compression": "zstd"}))
    zstd = run_study(study).folder
    for name in ("suitability.tif", *CACHED):
        with rasterio.open(default / name) as a, rasterio.open(zstd / name) as b:
            assert (a.compression.name, b.compression.name) == ("deflate", "zstd")
            np.testing.assert_array_equal(a.read(1), b.read(1))
    assert recomputed(default, zstd) == set(CACHED)  # another compression, other files
