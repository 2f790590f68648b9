"""Distance rasters are computed once per layer content, grid and tolerance, and kept in the
workspace: a second run (or a run with other weights) reuses them; a replaced layer drops them."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point
from study_support import CRS, make_small_study, shift

from parkplan.run import run_study
from parkplan.study import load_study, save_study
from parkplan.workspace import Workspace


@pytest.fixture
def study(tmp_path: Path) -> Path:
    return make_small_study(tmp_path / "study")


def cached(root: Path) -> dict[str, float]:
    """Every cached distance raster (relative path) with its modification time."""
    folder = root / "workspace" / "cache" / "distance"
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*.tif")}


def reweighted(root: Path, station_weight: float) -> None:
    study = load_study(root)
    criteria = [
        c.model_copy(
            update={"weight": station_weight if c.name == "station" else 1 - station_weight}
        )
        for c in study.criteria
    ]
    save_study(study.model_copy(update={"criteria": criteria}), root)


def test_a_second_run_with_other_weights_reuses_every_distance_raster(study):
    run_study(study)
    first = cached(study)
    assert sorted(Path(name).parent.name.split("-")[0] for name in first) == ["road", "stations"]
    reweighted(study, 0.8)
    run_study(study)
    assert cached(study) == first  # the same files, not rewritten


def test_replacing_a_layer_drops_its_distance_rasters(study, tmp_path):
    run_study(study)
    before = cached(study)
    elsewhere = gpd.GeoDataFrame(
        {"name": ["Elders"]}, geometry=[shift(Point(2_000, 2_000))], crs=CRS
    )
    elsewhere.to_file(tmp_path / "elsewhere.gpkg", layer="stations", engine="pyogrio")
    Workspace.open(study).add_layer(tmp_path / "elsewhere.gpkg", "stations", replace=True)
    after = cached(study)
    assert {n for n in before if n.startswith("road")} == set(after)  # road kept, stations gone
