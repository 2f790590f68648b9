"""The study workspace: create/open, loading, reading, alignment, atomic writes and the lock."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
from pyproj import Transformer
from rasterio.transform import from_origin
from shapely.geometry import Point, box

from geo.errors import CRSError, LayerError
from geo.grid import Grid
from geo.layers import ArchiveLimits
from parkplan.errors import BusyError, WorkspaceError
from parkplan.workspace import LayerInfo, Workspace

L72 = "EPSG:31370"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def region_file(tmp_path) -> Path:
    """Two municipalities covering 40..80 km x 170..210 km (Lambert 72)."""
    frame = gpd.GeoDataFrame(
        {"nis": ["1", "2"], "name": ["Westdorp", "Oostdorp"]},
        geometry=[box(40_000, 170_000, 60_000, 210_000), box(60_000, 170_000, 80_000, 210_000)],
        crs=L72,
    )
    path = tmp_path / "region.gpkg"
    pyogrio.write_dataframe(frame, path, layer="municipalities", driver="GPKG")
    return path


@pytest.fixture
def parcels_file(tmp_path) -> Path:
    frame = gpd.GeoDataFrame(
        {"parcel_id": ["A", "B", "C"], "value": [1.0, 2.0, 3.0]},
        geometry=[box(61_000 + 300 * i, 190_000, 61_200 + 300 * i, 190_200) for i in range(3)],
        crs=L72,
    )
    path = tmp_path / "parcels.gpkg"
    pyogrio.write_dataframe(frame, path, layer="parcels", driver="GPKG")
    return path


@pytest.fixture
def study(tmp_path, region_file) -> Workspace:
    return Workspace.create(tmp_path / "study", region=region_file)


def state(workspace: Workspace) -> tuple[str, list[str]]:
    """The catalogue text and the workspace's files: what "unchanged" compares."""
    files = sorted(str(p.relative_to(workspace.folder)) for p in workspace.folder.rglob("*"))
    return (workspace.folder / "catalog.json").read_text(), files


# -- create / open ------------------------------------------------------------------------


def test_create_loads_the_region_and_open_finds_it(study, tmp_path):
    again = Workspace.open(tmp_path / "study")
    assert again.crs == L72
    region = again.layer("region")
    assert (region.kind, region.feature_count, region.geometry_type) == ("vector", 2, "Polygon")
    assert region.bounds == (40_000, 170_000, 80_000, 210_000)


def test_create_refuses_an_existing_workspace(study, tmp_path):
    with pytest.raises(WorkspaceError, match="already has a workspace"):
        Workspace.create(tmp_path / "study")


def test_create_refuses_a_geographic_study_crs(tmp_path):
    with pytest.raises(CRSError, match="geographic"):
        Workspace.create(tmp_path / "s", crs="EPSG:4326")
    assert not (tmp_path / "s").exists()


def test_create_with_a_point_region_leaves_nothing(tmp_path):
    points = gpd.GeoDataFrame({"id": [1]}, geometry=[Point(60_000, 190_000)], crs=L72)
    path = tmp_path / "points.gpkg"
    pyogrio.write_dataframe(points, path, layer="p", driver="GPKG")
    with pytest.raises(WorkspaceError, match="expected polygons"):
        Workspace.create(tmp_path / "s", region=path)
    assert not (tmp_path / "s").exists()


def test_open_refuses_a_folder_that_is_not_a_study(tmp_path):
    with pytest.raises(WorkspaceError, match=r"not a study.*parkplan init"):
        Workspace.open(tmp_path)


# -- loading ------------------------------------------------------------------------------


def test_add_gpkg_records_provenance(study, parcels_file):
    info = study.add_layer(parcels_file, "parcels")
    assert (info.kind, info.feature_count, info.geometry_type) == ("vector", 3, "Polygon")
    assert info.source == str(parcels_file.resolve())
    assert info.source_crs == L72 and info.crs == L72
    import hashlib

    assert info.sha256 == hashlib.sha256(parcels_file.read_bytes()).hexdigest()
    assert info.loaded_at.endswith("+00:00")
    assert LayerInfo.from_dict(json.loads(json.dumps(info.to_dict()))) == info
    assert study.layer("parcels") == info
    assert [i.name for i in study.list_layers()] == ["parcels", "region"]


def test_add_wgs84_geojson_lands_in_the_study_crs(study, tmp_path):
    to_wgs = Transformer.from_crs(L72, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(61_234.5, 191_234.5)
    path = tmp_path / "points.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"id": 1},
                        "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    }
                ],
            }
        )
    )
    info = study.add_layer(path, "points")
    assert info.source_crs == "EPSG:4326"
    frame = study.read_vector("points")
    assert frame.crs.to_epsg() == 31370
    assert frame.geometry.iloc[0].distance(Point(61_234.5, 191_234.5)) < 0.01


def test_duplicate_name_refused_unless_replace(study, parcels_file, tmp_path):
    first = study.add_layer(parcels_file, "parcels")
    with pytest.raises(WorkspaceError, match="already exists"):
        study.add_layer(parcels_file, "parcels")
    frame = gpd.read_file(parcels_file).iloc[:1]
    smaller = tmp_path / "one.gpkg"
    frame.to_file(smaller, driver="GPKG")
    second = study.add_layer(smaller, "parcels", replace=True)
    assert second.feature_count == 1
    assert not (study.folder / first.stored).exists()
    assert (study.folder / second.stored).exists()


def test_unknown_layer_lists_the_known_ones(study):
    with pytest.raises(WorkspaceError, match=r"no layer 'roads'.*known layers: region"):
        study.layer("roads")


def test_kind_mismatch_is_refused(study, parcels_file):
    with pytest.raises(WorkspaceError, match="expected a raster"):
        study.add_layer(parcels_file, "parcels", kind="raster")


def test_a_failed_write_leaves_the_study_as_it_was(study, parcels_file, monkeypatch):
    before = state(study)

    def broken_write(frame, path, *, layer):
        Path(path).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr("parkplan.workspace.write_gpkg", broken_write)
    with pytest.raises(OSError, match="disk full"):
        study.add_layer(parcels_file, "parcels")
    assert state(study) == before


def test_a_failed_commit_leaves_the_study_as_it_was(study, parcels_file, monkeypatch):
    before = state(study)

    def broken_commit(*args, **kwargs):
        raise OSError("catalog not writable")

    monkeypatch.setattr(Workspace, "_commit", broken_commit)
    with pytest.raises(OSError, match="catalog not writable"):
        study.add_layer(parcels_file, "parcels")
    assert state(study) == before


def test_remove_layer_deletes_its_files(study, parcels_file):
    info = study.add_layer(parcels_file, "parcels")
    study.remove_layer("parcels")
    assert [i.name for i in study.list_layers()] == ["region"]
    assert not (study.folder / info.stored).exists()
    with pytest.raises(WorkspaceError):
        study.remove_layer("parcels")


# -- export -------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".fgb"])
def test_export_round_trips(study, parcels_file, tmp_path, suffix):
    study.add_layer(parcels_file, "parcels")
    out = study.export_layer("parcels", tmp_path / f"out{suffix}")
    back = gpd.read_file(out).to_crs(L72).sort_values("parcel_id")  # FlatGeobuf reorders
    original = study.read_vector("parcels")
    assert list(back["parcel_id"]) == list(original["parcel_id"])
    distance = shapely.hausdorff_distance(back.geometry.values, original.geometry.values)
    assert np.all(distance < 0.01)
    if suffix == ".geojson":  # RFC 7946: WGS84
        assert gpd.read_file(out).crs.to_epsg() == 4326


def test_export_refuses_an_unknown_extension(study, parcels_file, tmp_path):
    study.add_layer(parcels_file, "parcels")
    with pytest.raises(WorkspaceError, match="expected an extension among"):
        study.export_layer("parcels", tmp_path / "out.tif")


# -- rasters ------------------------------------------------------------------------------


def ramp_raster(path: Path, crs: str | None, origin: tuple[float, float], *, size=200, cell=50.0):
    """A float raster whose value is ``x + 2 y`` (in km of ``crs``) at each cell centre."""
    x0, y0 = origin
    cols, rows = np.meshgrid(np.arange(size), np.arange(size))
    xs, ys = x0 + (cols + 0.5) * cell, y0 - (rows + 0.5) * cell
    values = ((xs + 2 * ys) / 1000).astype("float64")
    values[0, 0] = -9999.0
    profile = {"driver": "GTiff", "width": size, "height": size, "count": 1, "dtype": "float64"}
    profile |= {"crs": crs, "transform": from_origin(x0, y0, cell, cell), "nodata": -9999.0}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values, 1)
    return path


def test_raster_is_stored_as_cog(study, tmp_path):
    source = ramp_raster(tmp_path / "ramp.tif", L72, (55_000, 195_000))
    info = study.add_layer(source, "ramp")
    assert (info.kind, info.width, info.height, info.dtype) == ("raster", 200, 200, "float64")
    assert info.nodata == -9999.0 and info.categorical is False
    with rasterio.open(study.raster_path("ramp")) as src:
        assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"


def test_aligned_raster_reprojects_a_lambert2008_ramp(study, tmp_path):
    """Bilinear resampling of a linear field is exact: compare with the field at each centre."""
    to_2008 = Transformer.from_crs(L72, "EPSG:3812", always_xy=True)
    x0, y0 = to_2008.transform(55_000, 195_000)
    source = ramp_raster(tmp_path / "ramp2008.tif", "EPSG:3812", (round(x0), round(y0)))
    study.add_layer(source, "ramp")
    grid = Grid(L72, 56_000, 194_000, 100.0, 60, 60)
    path = study.aligned_raster("ramp", grid)
    with rasterio.open(path) as aligned:
        values = aligned.read(1)
        assert aligned.crs.to_epsg() == 31370 and aligned.transform == grid.transform
    xs, ys = to_2008.transform(*grid.cell_centres())
    expected = (xs + 2 * ys) / 1000
    assert np.nanmax(np.abs(values - expected)) < 1e-6
    assert study.aligned_raster("ramp", grid) == path  # cached


def test_aligned_raster_keeps_nodata(study, tmp_path):
    source = ramp_raster(tmp_path / "ramp.tif", L72, (55_000, 195_000))
    study.add_layer(source, "ramp")
    grid = Grid(L72, 54_900, 195_100, 50.0, 10, 10)  # two cells outside, then the nodata corner
    with rasterio.open(study.aligned_raster("ramp", grid, resampling="nearest")) as aligned:
        values = aligned.read(1)
    assert np.isnan(values[:, :2]).all() and np.isnan(values[:2, :]).all()  # outside the source
    assert np.isnan(values[2, 2])  # the source's nodata cell (0, 0)
    assert values[2, 3] == pytest.approx((55_075 + 2 * 194_975) / 1000)


def test_categorical_raster_uses_nearest_and_keeps_classes(study, tmp_path):
    classes = np.tile(np.array([[1, 2], [3, 4]], dtype="uint8").repeat(50, 0).repeat(50, 1), (1, 1))
    path = tmp_path / "classes.tif"
    profile = {"driver": "GTiff", "width": 100, "height": 100, "count": 1, "dtype": "uint8"}
    profile |= {"crs": "EPSG:3812", "transform": from_origin(555_000, 695_000, 20, 20), "nodata": 0}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(classes, 1)
    info = study.add_layer(path, "zoning")
    assert info.categorical is True
    to_72 = Transformer.from_crs("EPSG:3812", L72, always_xy=True)
    x, y = to_72.transform(555_000, 695_000)
    grid = Grid.covering((x - 500, y - 2_500, x + 2_500, y + 500), 25.0, L72)
    with rasterio.open(study.aligned_raster("zoning", grid)) as aligned:
        values = aligned.read(1)
        assert aligned.dtypes[0] == "uint8" and aligned.nodata == 0
    assert set(np.unique(values)) == {0, 1, 2, 3, 4}


def test_rasterize_layer_covers_the_parcel_area(study, parcels_file):
    study.add_layer(parcels_file, "parcels")
    grid = Grid(L72, 60_000, 191_000, 10.0, 300, 200)
    with rasterio.open(study.rasterize_layer("parcels", grid)) as burnt:
        presence = burnt.read(1)
    assert presence.sum() * grid.cell_area_m2 == pytest.approx(3 * 200 * 200)
    with rasterio.open(study.rasterize_layer("parcels", grid, column="value")) as burnt:
        values = burnt.read(1)
    assert np.nansum(values) == pytest.approx((1 + 2 + 3) * 400)


# -- atomic writes and the lock ----------------------------------------------------------


def test_write_atomic_replaces_on_success_and_keeps_on_failure(study):
    target = study.results_dir() / "table.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), study.write_atomic(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["table.csv"]
    with study.write_atomic(target) as temporary:
        assert temporary.parent == target.parent
        temporary.write_text("new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["table.csv"]


def _python(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_lock_held_by_another_process_raises_busy(study):
    holder = _python(
        """
        import sys, time
        from parkplan.workspace import Workspace
        with Workspace.open(sys.argv[1]).lock():
            print("locked", flush=True)
            time.sleep(5)
        """,
        str(study.root),
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(BusyError, match="busy"), study.lock(timeout_s=0.2):
            pass
    finally:
        holder.kill()
        holder.wait()
    with study.lock(timeout_s=5):
        pass


def test_two_processes_loading_at_once_keep_every_layer(study, parcels_file):
    """Both load three layers of their own, then race for one shared name: one wins."""
    code = """
        import sys
        from parkplan.workspace import Workspace
        from parkplan.errors import WorkspaceError
        workspace = Workspace.open(sys.argv[1])
        for i in range(3):
            workspace.add_layer(sys.argv[2], f"{sys.argv[3]}_{i}")
        try:
            workspace.add_layer(sys.argv[2], "shared")
        except WorkspaceError as exc:
            print("refused:", exc)
        """
    workers = [_python(code, str(study.root), str(parcels_file), who) for who in ("a", "b")]
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        outputs.append(out)
    assert sum("already exists" in out for out in outputs) == 1
    names = [info.name for info in study.list_layers()]
    assert names == sorted(["region", "shared", *(f"{w}_{i}" for w in "ab" for i in range(3))])
    stored = {p.name for p in (study.folder / "layers").iterdir()}
    assert stored == {Path(info.stored).name for info in study.list_layers()}


def test_real_stations_in_a_west_flanders_study(tmp_path, realdata):
    workspace = Workspace.create(
        tmp_path / "wvl", region=realdata / "west_flanders_municipalities_2025_lambert72.geojson"
    )
    info = workspace.add_layer(
        realdata / "flanders_brussels_railway_stations_irail_wgs84.geojson", "stations"
    )
    assert (info.source_crs, info.crs, info.feature_count) == ("EPSG:4326", L72, 300)
    stations = workspace.read_vector("stations")
    region = workspace.read_vector("region").set_index("nis")
    west = stations[stations["nis_2025"].isin(region.index)]
    inside = shapely.within(west.geometry.values, region.geometry.loc[west["nis_2025"]].values)
    assert inside.mean() >= 0.99
    offset = np.hypot(west.geometry.x - west["x_lambert72"], west.geometry.y - west["y_lambert72"])
    assert offset.max() < 1.0


def test_raster_without_crs_takes_the_assumed_one_and_exports(study, tmp_path):
    source = ramp_raster(tmp_path / "ramp.tif", None, (55_000, 195_000))
    with pytest.raises(CRSError, match="declares no CRS"):
        study.add_layer(source, "ramp")
    info = study.add_layer(source, "ramp", assume_crs=L72)
    assert info.crs == L72
    out = study.export_layer("ramp", tmp_path / "out.tif")
    with rasterio.open(out) as exported, rasterio.open(source) as original:
        assert exported.crs.to_epsg() == 31370
        assert np.array_equal(exported.read(1), original.read(1))


def test_dataset_chosen_in_a_zip_is_recorded(study, parcels_file, region_file, tmp_path):
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(parcels_file, "data/parcels.gpkg")
        z.write(region_file, "data/region.gpkg")
    info = study.add_layer(archive, "parcels", source_layer="parcels")
    assert (info.source_member, info.source_layer) == ("data/parcels.gpkg", "parcels")
    assert info.feature_count == 3


def test_a_missing_layer_file_is_a_clear_error(study, parcels_file):
    info = study.add_layer(parcels_file, "parcels")
    (study.folder / info.stored).unlink()
    with pytest.raises(WorkspaceError, match=r"missing from the workspace.*--replace"):
        study.read_vector("parcels")


def test_loading_while_holding_the_lock_does_not_deadlock(study, parcels_file):
    with study.lock(timeout_s=1):
        study.add_layer(parcels_file, "parcels")
    assert study.layer("parcels").feature_count == 3


def test_archive_limits_can_be_lowered(study, parcels_file, tmp_path):
    archive = tmp_path / "parcels.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(parcels_file, "parcels.gpkg")
    study.archive_limits = ArchiveLimits(max_total_bytes=1_000)
    with pytest.raises(LayerError, match="expected at most 1,000"):
        study.add_layer(archive, "parcels")
