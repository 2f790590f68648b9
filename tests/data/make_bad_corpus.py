"""Generate the corpus of bad (and borderline) inputs for ``parkplan layers add``.

Every case is a small file built from scratch, with what the CLI must do with it: refuse it
(exit code 2, one line on stderr, the study unchanged) or load it (e.g. a self-intersecting
polygon is repaired and counted, not refused).

Run ``python tests/data/make_bad_corpus.py [FOLDER]`` to write the corpus to
``tests/data/bad/`` (or FOLDER) for a look by hand; the tests build it in a temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import rasterio
import rasterio.errors
from pyproj import Transformer
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point, Polygon, box

LAMBERT72 = "EPSG:31370"
#: The study region of the corpus (Lambert 72): roughly the west of West Flanders.
REGION_BOUNDS = (30_000.0, 160_000.0, 90_000.0, 220_000.0)
#: A point well inside the region, and its WGS84 coordinates.
INSIDE = (60_000.0, 190_000.0)


def region_frame() -> gpd.GeoDataFrame:
    """Two polygons splitting the region box."""
    x0, y0, x1, y1 = REGION_BOUNDS
    xm = (x0 + x1) / 2
    return gpd.GeoDataFrame(
        {"nis": ["38002", "38025"], "name": ["Alveringem", "Lo-Reninge"]},
        geometry=[box(x0, y0, xm, y1), box(xm, y0, x1, y1)],
        crs=LAMBERT72,
    )


def parcels_frame(n: int = 5) -> gpd.GeoDataFrame:
    """``n`` 100 m squares in a row near :data:`INSIDE`."""
    x, y = INSIDE
    return gpd.GeoDataFrame(
        {"parcel_id": [f"P{i}" for i in range(n)], "area_ha": [1.0] * n},
        geometry=[box(x + 200 * i, y, x + 200 * i + 100, y + 100) for i in range(n)],
        crs=LAMBERT72,
    )


def to_wgs84(x: float, y: float) -> tuple[float, float]:
    """Lambert 72 to WGS84 (lon, lat)."""
    return Transformer.from_crs(LAMBERT72, "EPSG:4326", always_xy=True).transform(x, y)


def write_geojson(path: Path, features: list[dict], crs: str | None = None) -> Path:
    """A GeoJSON file written as text (so that it may hold what GDAL would not write)."""
    doc: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc), encoding="utf-8")  # NaN is written as the literal NaN
    return path


def feature(geometry: dict, **properties: object) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def point(x: float, y: float) -> dict:
    return {"type": "Point", "coordinates": [x, y]}


def write_shapefile(folder: Path, frame: gpd.GeoDataFrame, stem: str = "parcels") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.shp"
    pyogrio.write_dataframe(frame, path)
    return path


def zip_folder(folder: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return out


def write_raster(path: Path, *, crs: str | None, transform, width=20, height=20, **extra) -> Path:
    data = np.arange(width * height, dtype="float32").reshape(height, width)
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1}
    profile |= {"dtype": "float32", "crs": crs, "transform": transform, **extra}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return path


# -- the cases ------------------------------------------------------------------------------


def _truncated_gpkg(d: Path) -> Path:
    path = d / "truncated.gpkg"
    pyogrio.write_dataframe(parcels_frame(200), path, layer="parcels", driver="GPKG")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def _zip_without_prj(d: Path) -> Path:
    shp = write_shapefile(d / "noprj", parcels_frame())
    shp.with_suffix(".prj").unlink()
    return zip_folder(shp.parent, d / "noprj.zip")


def _shp_without_dbf(d: Path) -> Path:
    shp = write_shapefile(d / "nodbf", parcels_frame())
    shp.with_suffix(".dbf").unlink()
    return shp


def _shp_without_shx(d: Path) -> Path:
    shp = write_shapefile(d / "noshx", parcels_frame())
    shp.with_suffix(".shx").unlink()
    return shp


def _geojson_nan(d: Path) -> Path:
    x, y = INSIDE
    feats = [feature(point(x, y), id=1), feature(point(float("nan"), y), id=2)]
    return write_geojson(d / "nan.geojson", feats, crs="urn:ogc:def:crs:EPSG::31370")


def _geojson_absurd(d: Path) -> Path:
    return write_geojson(d / "absurd.geojson", [feature(point(1e300, 51.0), id=1)])


def _self_intersecting(d: Path) -> Path:
    x, y = INSIDE
    bowtie = Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100)])
    frame = gpd.GeoDataFrame({"id": [1, 2]}, geometry=[bowtie, box(x, y, x + 50, y + 50)])
    path = d / "bowtie.gpkg"
    pyogrio.write_dataframe(frame.set_crs(LAMBERT72), path, layer="bowtie", driver="GPKG")
    return path


def _zero_bytes(suffix: str) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        path = d / f"zero{suffix}"
        path.write_bytes(b"")
        return path

    return build


def _no_features(d: Path) -> Path:
    return write_geojson(d / "nofeatures.geojson", [])


def _all_empty(d: Path) -> Path:
    return write_geojson(d / "allempty.geojson", [feature(None, id=1), feature(None, id=2)])


def _wrong_extension(d: Path) -> Path:
    x, y = to_wgs84(*INSIDE)
    return write_geojson(d / "really_geojson.gpkg", [feature(point(x, y), id=1)])


def _text_as_geojson(d: Path) -> Path:
    path = d / "notes.geojson"
    path.write_text("these are my notes, not GeoJSON\n", encoding="utf-8")
    return path


def _html_as_zip(d: Path) -> Path:
    path = d / "download.zip"
    path.write_text("<html><body>404 Not Found</body></html>", encoding="utf-8")
    return path


def _truncated_geojson(d: Path) -> Path:
    x, y = to_wgs84(*INSIDE)
    path = write_geojson(d / "cut.geojson", [feature(point(x, y), id=i) for i in range(50)])
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    return path


def _raster_without_georeference(d: Path) -> Path:
    path = d / "nogeoref.tif"
    profile = {"driver": "GTiff", "width": 10, "height": 10, "count": 1, "dtype": "uint8"}
    with warnings.catch_warnings():  # that is the point of this file
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(np.ones((10, 10), dtype="uint8"), 1)
    return path


def _raster_far_away(d: Path) -> Path:
    # Lambert 2008 coordinates of a place in the Netherlands' north, far outside the region
    return write_raster(
        d / "far.tif", crs="EPSG:3812", transform=from_origin(700_000, 900_000, 100, 100)
    )


def _raster_lambert2008(d: Path) -> Path:
    x, y = Transformer.from_crs(LAMBERT72, "EPSG:3812", always_xy=True).transform(*INSIDE)
    return write_raster(
        d / "lambert2008.tif", crs="EPSG:3812", transform=from_origin(x, y, 100, 100)
    )


def _raster_huge(d: Path) -> Path:
    path = d / "huge.tif"
    profile = {"driver": "GTiff", "width": 1 << 20, "height": 1 << 20, "count": 1}
    profile |= {"dtype": "uint8", "crs": LAMBERT72, "transform": from_origin(*INSIDE, 1, 1)}
    profile |= {"tiled": True, "sparse_ok": True}
    with rasterio.open(path, "w", **profile):
        pass
    return path


def _latlon_swapped(d: Path) -> Path:
    lon, lat = to_wgs84(*INSIDE)
    feats = [feature(point(lat, lon + i * 0.01), id=i) for i in range(3)]
    return write_geojson(d / "swapped.geojson", feats)


def _metres_declared_wgs84(d: Path) -> Path:
    x, y = INSIDE
    return write_geojson(d / "metres.geojson", [feature(point(x, y), id=1)])


def _lambert2008_declared_lambert72(d: Path) -> Path:
    x, y = Transformer.from_crs(LAMBERT72, "EPSG:3812", always_xy=True).transform(*INSIDE)
    return write_geojson(
        d / "mislabelled.geojson", [feature(point(x, y), id=1)], crs="urn:ogc:def:crs:EPSG::31370"
    )


def _mixed_types(d: Path) -> Path:
    x, y = INSIDE
    frame = gpd.GeoDataFrame(
        {"id": [1, 2, 3]},
        geometry=[Point(x, y), box(x, y, x + 10, y + 10), LineString([(x, y), (x + 5, y)])],
        crs=LAMBERT72,
    )
    path = d / "mixed.geojson"
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    return path


def _multi_layer_gpkg(d: Path) -> Path:
    path = d / "two_layers.gpkg"
    pyogrio.write_dataframe(parcels_frame(), path, layer="parcels", driver="GPKG")
    pyogrio.write_dataframe(
        region_frame(), path, layer="municipalities", driver="GPKG", append=True
    )
    return path


def _csv_text(name: str, text: str) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        path = d / name
        path.write_text(text, encoding="utf-8")
        return path

    return build


def _zip_with_members(name: str, members: dict[str, bytes], *, symlink: str | None = None):
    def build(d: Path) -> Path:
        path = d / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, data in members.items():
                archive.writestr(member, data)
            if symlink:
                info = zipfile.ZipInfo(symlink)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                archive.writestr(info, "/etc/passwd")
        return path

    return build


def _zip_bomb(d: Path) -> Path:
    path = d / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("parcels.geojson", b" " * (32 * 1024**2))
    return path


def _zip_two_shapefiles(d: Path) -> Path:
    folder = d / "two_shapefiles"
    write_shapefile(folder, parcels_frame(), "parcels")
    write_shapefile(folder, region_frame(), "municipalities")
    return zip_folder(folder, d / "two_shapefiles.zip")


def _truncated_zip(d: Path) -> Path:
    path = zip_folder(write_shapefile(d / "cutzip", parcels_frame()).parent, d / "cutzip.zip")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _shapefile_zip_without_cpg(encoding: str) -> Callable[[Path], Path]:
    """Municipality names with accents, as a zipped shapefile without a .cpg file."""

    def build(d: Path) -> Path:
        frame = region_frame().assign(name=["Lo-Reninge", "Sint-Eloois-Vijve (Wielsbeke) é"])
        folder = d / "names"
        folder.mkdir()
        pyogrio.write_dataframe(frame, folder / "names.shp", encoding=encoding)
        (folder / "names.cpg").unlink()
        return zip_folder(folder, d / "names.zip")

    return build


def _good_gpkg(d: Path) -> Path:
    path = d / "good.gpkg"
    pyogrio.write_dataframe(parcels_frame(), path, layer="parcels", driver="GPKG")
    return path


def _kml(d: Path) -> Path:
    path = d / "places.kml"
    path.write_text("<kml></kml>", encoding="utf-8")
    return path


@dataclass(frozen=True)
class Case:
    """One input and what ``parkplan layers add`` must do with it.

    ``options`` are extra CLI options; ``reason`` is a fragment the one-line error must contain
    (lower case); ``expect`` is ``"refused"`` or ``"loaded"``.
    """

    name: str
    build: Callable[[Path], Path]
    reason: str
    expect: str = "refused"
    options: tuple[str, ...] = ()
    layer_name: str = "incoming"


_IN = to_wgs84(*INSIDE)

CASES: tuple[Case, ...] = (
    Case("truncated_gpkg", _truncated_gpkg, "corrupt"),
    Case("zip_without_prj", _zip_without_prj, "no crs"),
    Case("shp_without_dbf", _shp_without_dbf, ".dbf"),
    Case("shp_without_shx", _shp_without_shx, ".shx"),
    Case("geojson_nan", _geojson_nan, "nan"),
    Case("geojson_absurd_coordinates", _geojson_absurd, "not degrees"),
    Case("self_intersecting_repaired", _self_intersecting, "repaired", expect="loaded"),
    Case("zero_byte_geojson", _zero_bytes(".geojson"), "empty (0 bytes)"),
    Case("zero_byte_tif", _zero_bytes(".tif"), "empty (0 bytes)"),
    Case("zero_byte_zip", _zero_bytes(".zip"), "empty (0 bytes)"),
    Case("no_features", _no_features, "no features"),
    Case("all_geometries_empty", _all_empty, "empty geometries"),
    Case("wrong_extension", _wrong_extension, "rename it"),
    Case("text_claiming_geojson", _text_as_geojson, "not a geojson"),
    Case("html_claiming_zip", _html_as_zip, "not a zip"),
    Case("truncated_geojson", _truncated_geojson, "cannot be read"),
    Case("raster_without_georeference", _raster_without_georeference, "georeferenc"),
    Case("raster_other_crs_outside_region", _raster_far_away, "outside the study region"),
    Case("raster_other_crs_inside_region", _raster_lambert2008, "epsg:3812", expect="loaded"),
    Case("raster_absurd_size", _raster_huge, "expected at most"),
    Case("latlon_swapped", _latlon_swapped, "swapped"),
    Case("metres_declared_wgs84", _metres_declared_wgs84, "fit epsg:31370"),
    Case(
        "metres_without_crs_member_assumed",
        _metres_declared_wgs84,
        "epsg:31370 assumed",
        "loaded",
        options=("--assume-crs", LAMBERT72),
    ),
    Case("lambert2008_declared_lambert72", _lambert2008_declared_lambert72, "epsg:3812"),
    Case("mixed_geometry_types", _mixed_types, "mixes geometry types"),
    Case("duplicate_layer_name", _good_gpkg, "already exists", layer_name="parcels"),
    Case("invalid_layer_name", _good_gpkg, "not allowed", layer_name="Parcels-2"),
    Case(
        "unknown_source_layer", _multi_layer_gpkg, "no layer 'roads'", options=("--layer", "roads")
    ),
    Case("multi_layer_without_layer", _multi_layer_gpkg, "several layers"),
    Case("assume_crs_conflicts", _good_gpkg, "--assume-crs", options=("--assume-crs", "EPSG:3812")),
    Case(
        "assume_crs_unknown",
        _zip_without_prj,
        "not a known crs",
        options=("--assume-crs", "EPSG:999999"),
    ),
    Case(
        "csv_without_crs",
        _csv_text("lonlat.csv", f"name,lon,lat\nA,{_IN[0]},{_IN[1]}\n"),
        "--assume-crs",
    ),
    Case(
        "csv_without_coordinates",
        _csv_text("nocoords.csv", "name,value\nA,1\n"),
        "coordinate columns",
        options=("--assume-crs", "EPSG:4326"),
    ),
    Case(
        "csv_text_coordinates",
        _csv_text("textxy.csv", "name,x,y\nA,60000,190000\nB,far,190000\n"),
        "non-numeric",
        options=("--assume-crs", LAMBERT72),
    ),
    Case(
        "csv_bad_wkt",
        _csv_text("badwkt.csv", "name;wkt\nA;POINT (60000 190000)\nB;POINT (60000\n"),
        "not wkt",
        options=("--assume-crs", LAMBERT72),
    ),
    Case("zip_slip_dotdot", _zip_with_members("slip.zip", {"../../evil.geojson": b"{}"}), "'..'"),
    Case(
        "zip_slip_absolute", _zip_with_members("abs.zip", {"/tmp/evil.geojson": b"{}"}), "absolute"
    ),
    Case(
        "zip_symlink",
        _zip_with_members("link.zip", {"a.geojson": b"{}"}, symlink="b.geojson"),
        "symbolic link",
    ),
    Case("zip_bomb", _zip_bomb, "zip bomb"),
    Case("zip_two_datasets", _zip_two_shapefiles, "choose one"),
    Case("zip_truncated", _truncated_zip, "zip"),
    Case(
        "zip_empty_of_data",
        _zip_with_members("readme.zip", {"README.txt": b"hello"}),
        "no spatial data",
    ),
    Case("unsupported_extension", _kml, "extension"),
    Case("latin1_shapefile_without_cpg", _shapefile_zip_without_cpg("latin1"), "latin-1", "loaded"),
    Case("utf8_shapefile_without_cpg", _shapefile_zip_without_cpg("utf-8"), "utf-8", "loaded"),
    Case("missing_file", lambda d: d / "not_there.gpkg", "does not exist"),
)


def build_corpus(folder: Path) -> dict[str, Path]:
    """Write every case into its own sub-folder of ``folder``; return the file of each."""
    files = {}
    for case in CASES:
        sub = folder / case.name
        sub.mkdir(parents=True, exist_ok=True)
        files[case.name] = case.build(sub)
    return files


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path(__file__).resolve().parent / "bad"
    if folder.exists():
        shutil.rmtree(folder)
    files = build_corpus(folder)
    for name, path in files.items():
        print(f"{name:40} {os.path.relpath(path, folder)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
