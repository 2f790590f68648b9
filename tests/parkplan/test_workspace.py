"""The study workspace: create/open, loading, reading, alignment, atomic writes and the lock.

The tests taking ``study`` or ``backend`` run on both workspaces: the GeoPackage folder and
PostGIS (skipped, with the reason, when no test server is reachable; see postgis_support).
"""

from __future__ import annotations

import ast
import graphlib
import json
import shutil
import signal
import subprocess
import sys
import textwrap
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pandas.testing as pd_testing
import pyogrio
import pytest
import rasterio
import shapely
from postgis_support import (
    Backend,
    drop_schema,
    new_schema,
    postgres_url,
    query,
    tables,
    unreachable_reason,
    write_postgis_study,
)
from pyproj import Transformer
from rasterio.transform import from_origin
from shapely.geometry import Point, box

from geo.atomic import atomic_path
from geo.errors import CRSError, LayerError
from geo.grid import Grid
from geo.layers import ArchiveLimits
from parkplan.errors import BusyError, StudyError, WorkspaceError
from parkplan.study import STUDY_FILE, LayerSource, save_study
from parkplan.workspace import LayerColumn, LayerInfo, Workspace, factory, source_columns
from parkplan.workspace import postgis as workspace_postgis
from parkplan.workspace.postgis import PostgisStore, parse_database_url, schema_name

L72 = "EPSG:31370"
REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "parkplan" / "workspace"


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


@pytest.fixture(params=["gpkg", "postgis"])
def backend(request) -> Backend:
    if request.param == "postgis" and (reason := unreachable_reason()):
        pytest.skip(reason)
    chosen = Backend(request.param)
    yield chosen
    chosen.cleanup()


@pytest.fixture
def study(tmp_path, region_file, backend) -> Workspace:
    return Workspace.create(backend.prepare(tmp_path / "study"), region=region_file)


@pytest.fixture
def postgis() -> list[str]:
    """Skips without a PostGIS server; drops the schemas the test appends to the list."""
    if reason := unreachable_reason():
        pytest.skip(reason)
    schemas: list[str] = []
    yield schemas
    for schema in schemas:
        drop_schema(schema)


@pytest.fixture
def file_study(tmp_path, region_file) -> Workspace:
    """A GeoPackage workspace, for what does not depend on where the layers are kept."""
    return Workspace.create(tmp_path / "study", region=region_file)


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


def test_create_refuses_a_geographic_study_crs(tmp_path, backend):
    with pytest.raises(CRSError, match="geographic"):
        Workspace.create(backend.prepare(tmp_path / "s"), crs="EPSG:4326")
    assert backend.nothing_made(tmp_path / "s")


def test_create_with_a_point_region_leaves_nothing(tmp_path, backend):
    points = gpd.GeoDataFrame({"id": [1]}, geometry=[Point(60_000, 190_000)], crs=L72)
    path = tmp_path / "points.gpkg"
    pyogrio.write_dataframe(points, path, layer="p", driver="GPKG")
    with pytest.raises(WorkspaceError, match="expected polygons"):
        Workspace.create(backend.prepare(tmp_path / "s"), region=path)
    assert backend.nothing_made(tmp_path / "s")


def test_open_refuses_a_folder_that_is_not_a_study(tmp_path):
    with pytest.raises(WorkspaceError, match=r"not a study.*parkplan init"):
        Workspace.open(tmp_path)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (b"name = [unclosed", "is not valid TOML"),
        (b'name = "parks"\nworkspace = 5\n', "workspace = 5; expected a 'postgresql://"),
        (b'name = "parks"\nworkspace = ""\n', "is not a PostgreSQL URL"),
        (b'name = "\xff"\n', "cannot be read"),
    ],
)
def test_a_broken_study_toml_is_an_error_not_a_folder_workspace(file_study, text, fragment):
    """The store is chosen by study.toml: one that cannot be read never means "the folder"."""
    (file_study.root / "study.toml").write_bytes(text)
    with pytest.raises(StudyError) as refused:
        Workspace.open(file_study.root)
    message = str(refused.value)
    assert fragment in message
    assert str(file_study.root / "study.toml") in message and "\n" not in message


def test_create_with_a_broken_study_toml_makes_nothing(tmp_path):
    root = tmp_path / "s"
    root.mkdir()
    (root / "study.toml").write_text("name = [unclosed", encoding="utf-8")
    with pytest.raises(StudyError, match="not valid TOML"):
        Workspace.create(root)
    assert sorted(p.name for p in root.iterdir()) == ["study.toml"]


# -- the package: stores below the workspace, no cycle, the driver only when needed -------


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found


def package_imports() -> dict[str, set[str]]:
    """The modules of parkplan.workspace (front door left out) -> the ones each imports."""
    prefix = "parkplan.workspace."
    graph = {}
    for path in sorted(PACKAGE.glob("*.py")):
        if path.stem != "__init__":
            inside = [
                m.removeprefix(prefix) for m in imported_modules(path) if m.startswith(prefix)
            ]
            graph[path.stem] = {m.split(".")[0] for m in inside}
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """The modules that ``start`` imports, directly or through others."""
    seen, todo = set(), [start]
    while todo:
        for module in graph[todo.pop()] - seen:
            seen.add(module)
            todo.append(module)
    return seen


def test_the_workspace_modules_import_each_other_without_a_cycle():
    """Also not through the package's front door, nor through the study (which imports the
    URL check of the PostGIS store)."""
    graph = package_imports()
    assert {"workspace", "factory", "store", "files", "postgis"} <= set(graph)
    list(graphlib.TopologicalSorter(graph).static_order())  # CycleError on a cycle
    for module in graph:
        imported = imported_modules(PACKAGE / f"{module}.py")
        assert not imported & {"parkplan.workspace", "parkplan.study"}, module


@pytest.mark.parametrize("store", ["files", "postgis", "factory"])
def test_the_stores_and_the_factory_never_reach_the_workspace_class(store):
    assert "workspace" not in reachable(package_imports(), store)


def test_the_factory_reads_the_study_file_that_the_study_writes():
    assert factory.STUDY_FILE == STUDY_FILE


def test_a_folder_workspace_never_imports_the_database_driver(file_study):
    code = """
        import sys
        from parkplan.workspace import Workspace
        assert "psycopg" not in sys.modules
        Workspace.open(sys.argv[1]).list_layers()
        print("psycopg" in sys.modules)
        """
    out, err = _python(code, str(file_study.root)).communicate(timeout=120)
    assert out.strip() == "False", err


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


def test_duplicate_name_refused_unless_replace(study, backend, parcels_file, tmp_path):
    first = study.add_layer(parcels_file, "parcels")
    with pytest.raises(WorkspaceError, match="already exists"):
        study.add_layer(parcels_file, "parcels")
    frame = gpd.read_file(parcels_file).iloc[:1]
    smaller = tmp_path / "one.gpkg"
    frame.to_file(smaller, driver="GPKG")
    second = study.add_layer(smaller, "parcels", replace=True)
    assert second.feature_count == 1
    assert list(study.read_vector("parcels")["parcel_id"]) == ["A"]
    assert backend.stored(study) == {study.layer("region").stored, second.stored}
    assert first.stored != second.stored


def test_unknown_layer_lists_the_known_ones(study):
    with pytest.raises(WorkspaceError, match=r"no layer 'roads'.*known layers: region"):
        study.layer("roads")


def test_kind_mismatch_is_refused(study, parcels_file):
    with pytest.raises(WorkspaceError, match="expected a raster"):
        study.add_layer(parcels_file, "parcels", kind="raster")


def test_a_failed_write_leaves_the_study_as_it_was(study, backend, parcels_file, monkeypatch):
    before = backend.state(study)

    def broken_write(frame, path, *, layer):
        Path(path).write_bytes(b"half a file")
        raise OSError("disk full")

    def broken_table(conn, table, frame, *, srid):
        conn.execute(f"CREATE TABLE {table.as_string(conn)} (half integer)")
        raise OSError("disk full")

    monkeypatch.setattr("parkplan.workspace.files.write_gpkg", broken_write)
    monkeypatch.setattr("parkplan.workspace.postgis.write_table", broken_table)
    with pytest.raises(OSError, match="disk full"):
        study.add_layer(parcels_file, "parcels")
    assert backend.state(study) == before


def test_a_failed_commit_leaves_the_study_as_it_was(study, backend, parcels_file, monkeypatch):
    """The commit fails after the layer was written (file or table): nothing is left."""
    before = backend.state(study)

    def broken_commit(*args, **kwargs):
        raise OSError("catalog not writable")

    monkeypatch.setattr(type(study.store), "commit", broken_commit)
    with pytest.raises(OSError, match="catalog not writable"):
        study.add_layer(parcels_file, "parcels")
    assert backend.state(study) == before


def test_remove_layer_deletes_its_files(study, backend, parcels_file):
    info = study.add_layer(parcels_file, "parcels")
    study.remove_layer("parcels")
    assert [i.name for i in study.list_layers()] == ["region"]
    assert info.stored not in backend.stored(study)
    assert backend.stored(study) == {study.layer("region").stored}
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


# -- columns ------------------------------------------------------------------------------


@pytest.fixture
def typed_file(tmp_path) -> Path:
    """Two parcels with a column of each kind of value."""
    frame = gpd.GeoDataFrame(
        {
            "label": ["A", "B"],
            "count": [1, 2],
            "share": [0.5, 1.0],
            "open": [True, False],
            "since": pd.to_datetime(["2024-01-02 10:00", "2025-03-04 11:30"]),
        },
        geometry=[box(61_000, 190_000, 61_200, 190_200), box(62_000, 190_000, 62_200, 190_200)],
        crs=L72,
    )
    path = tmp_path / "typed.gpkg"
    pyogrio.write_dataframe(frame, path, layer="typed", driver="GPKG")
    return path


TYPED = [
    ("label", "text"),
    ("count", "integer"),
    ("share", "real"),
    ("open", "boolean"),
    ("since", "datetime"),
]


def test_layer_columns_name_and_type_the_attributes_in_every_store(study, typed_file):
    study.add_layer(typed_file, "typed")
    assert [(c.name, c.type) for c in study.layer_columns("typed")] == TYPED
    assert study.layer_columns("region") == (
        LayerColumn("nis", "text"),
        LayerColumn("name", "text"),
    )


def test_layer_columns_of_a_source_not_loaded_yet(typed_file):
    assert [(c.name, c.type) for c in source_columns(typed_file)] == TYPED


def test_layer_columns_refuse_a_raster_and_missing_data(study, backend, parcels_file, tmp_path):
    study.add_layer(ramp_raster(tmp_path / "ramp.tif", L72, (55_000, 195_000)), "ramp")
    with pytest.raises(WorkspaceError, match="is a raster"):
        study.layer_columns("ramp")
    backend.destroy(study, study.add_layer(parcels_file, "parcels"))
    with pytest.raises(WorkspaceError, match="missing from the workspace"):
        study.layer_columns("parcels")


def test_read_attributes_gives_one_column_in_feature_order(study):
    names = study.read_attributes("region", ["name"])
    assert list(names.columns) == ["name"] and names["name"].tolist() == ["Westdorp", "Oostdorp"]
    with pytest.raises(WorkspaceError, match=r"no column 'nom'; its columns: nis, name"):
        study.read_attributes("region", ["nom"])


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


def test_aligned_raster_reprojects_a_lambert2008_ramp(file_study, tmp_path):
    """Bilinear resampling of a linear field is exact: compare with the field at each centre."""
    to_2008 = Transformer.from_crs(L72, "EPSG:3812", always_xy=True)
    x0, y0 = to_2008.transform(55_000, 195_000)
    source = ramp_raster(tmp_path / "ramp2008.tif", "EPSG:3812", (round(x0), round(y0)))
    file_study.add_layer(source, "ramp")
    grid = Grid(L72, 56_000, 194_000, 100.0, 60, 60)
    path = file_study.aligned_raster("ramp", grid)
    with rasterio.open(path) as aligned:
        values = aligned.read(1)
        assert aligned.crs.to_epsg() == 31370 and aligned.transform == grid.transform
    xs, ys = to_2008.transform(*grid.cell_centres())
    expected = (xs + 2 * ys) / 1000
    assert np.nanmax(np.abs(values - expected)) < 1e-6
    assert file_study.aligned_raster("ramp", grid) == path  # cached


def test_aligned_raster_keeps_nodata(file_study, tmp_path):
    source = ramp_raster(tmp_path / "ramp.tif", L72, (55_000, 195_000))
    file_study.add_layer(source, "ramp")
    grid = Grid(L72, 54_900, 195_100, 50.0, 10, 10)  # two cells outside, then the nodata corner
    with rasterio.open(file_study.aligned_raster("ramp", grid, resampling="nearest")) as aligned:
        values = aligned.read(1)
    assert np.isnan(values[:, :2]).all() and np.isnan(values[:2, :]).all()  # outside the source
    assert np.isnan(values[2, 2])  # the source's nodata cell (0, 0)
    assert values[2, 3] == pytest.approx((55_075 + 2 * 194_975) / 1000)


def test_categorical_raster_uses_nearest_and_keeps_classes(file_study, tmp_path):
    classes = np.tile(np.array([[1, 2], [3, 4]], dtype="uint8").repeat(50, 0).repeat(50, 1), (1, 1))
    path = tmp_path / "classes.tif"
    profile = {"driver": "GTiff", "width": 100, "height": 100, "count": 1, "dtype": "uint8"}
    profile |= {"crs": "EPSG:3812", "transform": from_origin(555_000, 695_000, 20, 20), "nodata": 0}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(classes, 1)
    info = file_study.add_layer(path, "zoning")
    assert info.categorical is True
    to_72 = Transformer.from_crs("EPSG:3812", L72, always_xy=True)
    x, y = to_72.transform(555_000, 695_000)
    grid = Grid.covering((x - 500, y - 2_500, x + 2_500, y + 500), 25.0, L72)
    with rasterio.open(file_study.aligned_raster("zoning", grid)) as aligned:
        values = aligned.read(1)
        assert aligned.dtypes[0] == "uint8" and aligned.nodata == 0
    assert set(np.unique(values)) == {0, 1, 2, 3, 4}


# -- atomic writes and the lock ----------------------------------------------------------


def test_atomic_path_replaces_on_success_and_keeps_on_failure(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["table.csv"]
    with atomic_path(target) as temporary:
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


def test_two_processes_loading_at_once_keep_every_layer(study, backend, parcels_file):
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
    assert backend.stored(study) == {info.stored for info in study.list_layers()}
    assert all(len(study.read_vector(name)) == 3 for name in names if name != "region")


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


def test_raster_without_crs_takes_the_assumed_one_and_exports(file_study, tmp_path):
    source = ramp_raster(tmp_path / "ramp.tif", None, (55_000, 195_000))
    with pytest.raises(CRSError, match="declares no CRS"):
        file_study.add_layer(source, "ramp")
    info = file_study.add_layer(source, "ramp", assume_crs=L72)
    assert info.crs == L72
    out = file_study.export_layer("ramp", tmp_path / "out.tif")
    with rasterio.open(out) as exported, rasterio.open(source) as original:
        assert exported.crs.to_epsg() == 31370
        assert np.array_equal(exported.read(1), original.read(1))


def test_dataset_chosen_in_a_zip_is_recorded(file_study, parcels_file, region_file, tmp_path):
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(parcels_file, "data/parcels.gpkg")
        z.write(region_file, "data/region.gpkg")
    info = file_study.add_layer(archive, "parcels", source_layer="parcels")
    assert (info.source_member, info.source_layer) == ("data/parcels.gpkg", "parcels")
    assert info.feature_count == 3


def test_a_missing_layer_file_is_a_clear_error(study, backend, parcels_file):
    info = study.add_layer(parcels_file, "parcels")
    backend.destroy(study, info)
    with pytest.raises(WorkspaceError, match=r"missing from the workspace.*--replace"):
        study.read_vector("parcels")


def test_loading_while_holding_the_lock_does_not_deadlock(study, parcels_file):
    with study.lock(timeout_s=1):
        study.add_layer(parcels_file, "parcels")
    assert study.layer("parcels").feature_count == 3


def test_archive_limits_can_be_lowered(file_study, parcels_file, tmp_path):
    archive = tmp_path / "parcels.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(parcels_file, "parcels.gpkg")
    file_study.archive_limits = ArchiveLimits(max_total_bytes=1_000)
    with pytest.raises(LayerError, match="expected at most 1,000"):
        file_study.add_layer(archive, "parcels")


# -- stored files left behind -------------------------------------------------------------


def stored_files(workspace: Workspace) -> set[str]:
    """Every file in the workspace's storage folders (stored layers and anything else)."""
    return {
        p.relative_to(workspace.folder).as_posix()
        for folder in ("layers", "rasters")
        if (workspace.folder / folder).is_dir()
        for p in (workspace.folder / folder).iterdir()
    }


def referenced_files(workspace: Workspace) -> set[str]:
    return {i.stored for i in workspace.list_layers() if "/" in i.stored}


KILLED_LOAD = """
    import os, signal, sys
    from parkplan.workspace import Workspace
    workspace = Workspace.open(sys.argv[1])
    def killed(self, info, *, replace):
        print(info.stored, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    type(workspace)._commit_layer = killed
    workspace.add_layer(sys.argv[2], "doomed")
    """


@pytest.mark.parametrize("kind", ["vector", "raster"])
def test_a_load_killed_before_its_commit_is_collected_at_the_next_load(
    study, backend, parcels_file, tmp_path, kind
):
    source = parcels_file
    if kind == "raster":
        source = ramp_raster(tmp_path / "ramp.tif", L72, (55_000, 195_000))
    killed = _python(KILLED_LOAD, str(study.root), str(source))
    out, err = killed.communicate(timeout=120)
    assert killed.returncode == -signal.SIGKILL, err
    left = out.split()[-1]
    if backend.kind == "gpkg" or kind == "raster":
        assert left in stored_files(study)  # the file of the load that never committed
        assert stored_files(study) - referenced_files(study)
    else:  # a table is part of the load's transaction: gone with the connection
        assert left not in backend.stored(study)
    study.add_layer(parcels_file, "parcels")
    assert [i.name for i in study.list_layers()] == ["parcels", "region"]
    assert stored_files(study) == referenced_files(study)


SLOW_LOAD = """
    import sys, time
    from pathlib import Path
    import parkplan.workspace.files as files
    from parkplan.workspace import Workspace
    write = files.write_gpkg
    def slow_write(frame, path, *, layer):
        write(frame, path, layer=layer)
        print("written", flush=True)
        while not Path(sys.argv[3]).exists():
            time.sleep(0.05)
    files.write_gpkg = slow_write
    Workspace.open(sys.argv[1]).add_layer(sys.argv[2], "slow")
    """


def test_a_load_in_progress_keeps_its_file_through_a_collection(file_study, parcels_file, tmp_path):
    go = tmp_path / "go"
    slow = _python(SLOW_LOAD, str(file_study.root), str(parcels_file), str(go))
    try:
        assert slow.stdout.readline().strip() == "written"
        file_study.add_layer(parcels_file, "parcels")  # collects under the lock meanwhile
        assert len(stored_files(file_study) - referenced_files(file_study)) == 2  # file + claim
    finally:
        go.touch()
    _, err = slow.communicate(timeout=120)
    assert slow.returncode == 0, err
    assert len(file_study.read_vector("slow")) == 3
    assert stored_files(file_study) == referenced_files(file_study)


# -- the PostGIS workspace ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://ann:secret@db.example:5432/parks",
        "postgresql://ann@db.example:5432/parks?password=secret",
    ],
)
def test_a_password_in_the_workspace_url_is_refused(tmp_path, url):
    (tmp_path / "study.toml").write_text(f'name = "parks"\nworkspace = "{url}"\n')
    with pytest.raises(StudyError, match=r"PGPASSWORD .*~/\.pgpass") as refused:
        Workspace.open(tmp_path)
    assert "secret" not in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    "url", ["sqlite:///parks.db", "postgresql://ann@db.example/parks?schema=Parks-2026"]
)
def test_a_workspace_that_is_not_a_database_url_is_refused(url):
    with pytest.raises(StudyError, match="expected"):
        parse_database_url(url, study_name="parks")


def test_an_unreachable_server_is_a_workspace_error(tmp_path):
    (tmp_path / "study.toml").write_text(
        'name = "parks"\nworkspace = "postgresql://ann@127.0.0.1:1/parks"\n'
    )
    with pytest.raises(WorkspaceError, match=r"cannot connect.*PGPASSWORD or ~/.pgpass"):
        Workspace.open(tmp_path)


@pytest.mark.parametrize(
    ("name", "schema"),
    [
        ("Westhoek — Poperinge 2026", "westhoek_poperinge_2026"),
        ("Ééndracht", "eendracht"),
        ("2026 parks", "study_2026_parks"),
        ("pg_parks", "study_pg_parks"),
        ("!!!", "study"),
    ],
)
def test_schema_names_follow_the_study_name(name, schema):
    assert schema_name(name) == schema
    assert parse_database_url("postgresql://ann@db/parks", study_name=name).schema == schema


def test_long_study_names_give_distinct_schemas_and_the_url_can_choose_one():
    long_names = ["intercommunale " * 6 + "noord", "intercommunale " * 6 + "zuid"]
    schemas = [schema_name(n) for n in long_names]
    assert schemas[0] != schemas[1] and all(len(s) == 63 for s in schemas)
    chosen = parse_database_url("postgresql://ann@db:5433/parks?schema=west_2026", study_name="x")
    assert (chosen.url, chosen.schema) == ("postgresql://ann@db:5433/parks", "west_2026")


def test_two_studies_in_one_database_keep_to_their_schemas(
    tmp_path, postgis, region_file, parcels_file
):
    token = new_schema()
    studies = {}
    for who in ("westhoek", "leiestreek"):
        root = tmp_path / who
        write_postgis_study(root, schema=None, name=f"{who.title()} {token}")
        postgis.append(schema_name(f"{who} {token}"))
        studies[who] = Workspace.create(root, region=region_file)
    west, leie = studies["westhoek"], studies["leiestreek"]
    assert west.store.database.schema == f"westhoek_{token}"
    west.add_layer(parcels_file, "parcels")
    leie.add_layer(region_file, "parcels")  # the same name, other features
    assert len(west.read_vector("parcels")) == 3 and len(leie.read_vector("parcels")) == 2
    leie.remove_layer("parcels")
    assert [i.name for i in leie.list_layers()] == ["region"]
    assert [i.name for i in Workspace.open(west.root).list_layers()] == ["parcels", "region"]


@pytest.fixture
def postgis_study(tmp_path, postgis, region_file) -> Workspace:
    postgis.append(new_schema())
    write_postgis_study(tmp_path / "study", schema=postgis[-1])
    return Workspace.create(tmp_path / "study", region=region_file)


def test_a_study_moved_to_the_database_keeps_its_geopackage_files(
    file_study, postgis, parcels_file
):
    file_study.add_layer(parcels_file, "parcels")
    files = stored_files(file_study)
    postgis.append(new_schema())
    write_postgis_study(file_study.root, schema=postgis[-1])
    shared = Workspace.open(file_study.root)
    assert shared.list_layers() == []
    shared.add_layer(parcels_file, "parcels")  # collects garbage: the GeoPackage files stay
    shared.remove_layer("parcels")
    assert stored_files(file_study) == files
    (file_study.root / "study.toml").unlink()
    assert len(Workspace.open(file_study.root).read_vector("parcels")) == 3


def test_a_load_failing_after_its_table_was_written_leaves_no_trace(
    postgis_study, parcels_file, monkeypatch
):
    schema = postgis_study.store.database.schema
    before = tables(schema), query(f"SELECT name FROM {schema}.parkplan_catalog")
    written = []

    def write_then_fail(conn, table, frame, *, srid):
        workspace_postgis.write_table.__wrapped__(conn, table, frame, srid=srid)
        written.append(conn.execute(f"SELECT count(*) FROM {table.as_string(conn)}").fetchone())
        raise RuntimeError("power cut")

    write_then_fail.__wrapped__ = workspace_postgis.write_table
    monkeypatch.setattr(workspace_postgis, "write_table", write_then_fail)
    with pytest.raises(RuntimeError, match="power cut"):
        postgis_study.add_layer(parcels_file, "parcels")
    assert written == [(3,)]  # the table was complete inside the load's transaction
    assert (tables(schema), query(f"SELECT name FROM {schema}.parkplan_catalog")) == before


def test_postgis_reads_back_what_the_geopackage_holds(postgis_study, tmp_path):
    frame = gpd.GeoDataFrame(
        {
            "code": ["a", None, "ç"],
            "count": np.array([1, 2, 3], dtype="int64"),
            "share": [0.5, np.nan, 1e-300],
            "open": [True, False, True],
        },
        geometry=[Point(61_000, 190_000), Point(61_500.25, 190_100.5), Point(62_000, 190_200)],
        crs=L72,
    )
    source = tmp_path / "mixed.gpkg"
    pyogrio.write_dataframe(frame, source, layer="mixed", driver="GPKG")
    postgis_study.add_layer(source, "mixed")
    back = postgis_study.read_vector("mixed")
    expected = pyogrio.read_dataframe(source)
    pd_testing.assert_frame_equal(back.drop(columns="geometry"), expected.drop(columns="geometry"))
    assert back.geometry.geom_equals_exact(expected.geometry, tolerance=0).all()
    assert back.crs == expected.crs


def test_a_lock_held_in_another_session_makes_loads_busy(postgis_study, parcels_file):
    other = Workspace.open(postgis_study.root)
    with other.lock(), pytest.raises(BusyError, match="busy"), postgis_study.lock(timeout_s=0.2):
        pass
    with other.lock(), other.lock():  # reentrant for its holder, loads included
        other.add_layer(parcels_file, "parcels")
    with postgis_study.lock(timeout_s=0.2):
        assert [i.name for i in postgis_study.list_layers()] == ["parcels", "region"]


def test_threads_loading_at_once_keep_every_layer(postgis_study, parcels_file):
    """Threads of one process, each with a workspace (and a session) of its own."""
    refused = []

    def load(who: str) -> None:
        workspace = Workspace.open(postgis_study.root)
        for i in range(3):
            workspace.add_layer(parcels_file, f"{who}_{i}")
        try:
            workspace.add_layer(parcels_file, "shared")
        except WorkspaceError as exc:
            refused.append(str(exc))

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(load, ["a", "b"]))
    assert len(refused) == 1 and "already exists" in refused[0]
    names = [i.name for i in postgis_study.list_layers()]
    assert names == sorted(["region", "shared", *(f"{w}_{i}" for w in "ab" for i in range(3))])
    stored = {t for t in tables(postgis_study.store.database.schema) if t.startswith("layer_")}
    assert stored == {i.stored for i in postgis_study.list_layers()}


def test_the_demo_runs_on_a_postgis_workspace(tmp_path, postgis):
    """The demo's layers loaded into PostGIS by 'run' give the same sites as the GeoPackage."""
    from data import demo_region
    from parkplan.demo import build_demo_study, run_demo
    from parkplan.run import run_study

    by_files = run_demo(tmp_path / "files", scale=0.2).scoring.sites
    root = tmp_path / "shared"
    study = build_demo_study(root, scale=0.2)
    shutil.rmtree(root / "workspace")  # the study's layers now come from the database
    postgis.append(new_schema())
    declared = [
        LayerSource(name=name, source=str(path))
        for name, path in sorted(demo_region.demo_files(scale=0.2).items())
    ]
    url = f"{postgres_url()}?schema={postgis[-1]}"
    save_study(study.model_copy(update={"workspace": url, "layers": declared}), root)

    outputs = run_study(root)

    workspace = Workspace.open(root)
    assert isinstance(workspace.store, PostgisStore)
    assert {i.name for i in workspace.list_layers()} == {layer.name for layer in declared}
    vectors = [i for i in workspace.list_layers() if i.kind == "vector"]
    assert {f"layer_{i.name}_" for i in vectors} == {
        t[: -len("12345678")] for t in tables(postgis[-1]) if t.startswith("layer_")
    }
    sites = outputs.scoring.sites
    columns = ["site_id", "rank", "score", "area_ha", "host"]
    pd_testing.assert_frame_equal(sites[columns], by_files[columns])
    published = query(f"SELECT site_id, rank FROM {postgis[-1]}.result_sites_gpkg ORDER BY fid")
    assert published == list(zip(sites["site_id"].tolist(), sites["rank"].tolist(), strict=True))
    layers = [n for n, kind in pyogrio.list_layers(root / "sites.gpkg") if kind is not None]
    assert {f"result_sites_gpkg_{n}" for n in layers if n != "sites"} <= set(tables(postgis[-1]))
    document = query(
        f"SELECT body FROM {postgis[-1]}.parkplan_documents WHERE path = 'equalisation.json'"
    )
    assert document[0][0] == json.loads((root / "equalisation.json").read_text())
