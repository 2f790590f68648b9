"""Fuzzing the layer loader: mutated bytes of valid GeoJSON, GeoPackage, CSV, zip and GeoTIFF.

:meth:`parkplan.workspace.Workspace.add_layer` either loads the file or raises one of the
project's errors; the catalogue is unchanged after a refusal; nothing hangs.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from fuzz_support import EXAMPLES, FUZZ, assert_clean
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.transform import from_origin
from shapely.geometry import Point, box

from parkplan.workspace import Workspace

LAMBERT72 = "EPSG:31370"


def seed_files(folder: Path) -> dict[str, bytes]:
    """One small valid file per format, in Lambert 72 near Roeselare."""
    frame = gpd.GeoDataFrame(
        {"name": ["Westdorp", "Oostdorp"], "population": [6000, 18000]},
        geometry=[box(60_000, 190_000, 62_000, 191_000), box(62_000, 190_000, 64_000, 191_000)],
        crs=LAMBERT72,
    )
    files = {}
    for suffix, driver in ((".geojson", "GeoJSON"), (".gpkg", "GPKG")):
        path = folder / f"seed{suffix}"
        frame.to_file(path, driver=driver, engine="pyogrio")
        files[suffix] = path.read_bytes()
    files[".csv"] = b"x;y;name\n60500;190500;a\n61500;190700;b\n"
    shp = folder / "shp"
    shp.mkdir()
    points = gpd.GeoDataFrame({"n": [1, 2]}, geometry=[Point(60_500, 190_500)] * 2, crs=LAMBERT72)
    points.to_file(shp / "points.shp", engine="pyogrio")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(shp.iterdir()):
            archive.write(part, part.name)
    files[".zip"] = buffer.getvalue()
    tif = folder / "seed.tif"
    profile = {"driver": "GTiff", "width": 16, "height": 16, "count": 1, "dtype": "float32"}
    with rasterio.open(
        tif, "w", **profile, crs=LAMBERT72, transform=from_origin(60_000, 191_000, 100, 100)
    ) as dst:
        dst.write(np.arange(256, dtype="float32").reshape(1, 16, 16))
    files[".tif"] = tif.read_bytes()
    return files


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, bytes]:
    return seed_files(tmp_path_factory.mktemp("seeds"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Workspace:
    return Workspace.create(tmp_path_factory.mktemp("fuzz") / "study")


def load(workspace: Workspace, raw: bytes, suffix: str) -> bool:
    """Load ``raw`` as a layer (then remove it); return whether it loaded.

    A refusal must be a clean one-line error of the project that leaves the catalogue as it was.
    """
    catalog = (workspace.folder / "catalog.json").read_bytes()
    path = workspace.folder.parent / f"input{suffix}"
    path.write_bytes(raw)
    name = "fuzzed"
    try:
        workspace.add_layer(path, name, assume_crs=LAMBERT72 if suffix == ".csv" else None)
    except Exception as exc:
        assert_clean(exc)
        assert (workspace.folder / "catalog.json").read_bytes() == catalog
        return False
    workspace.remove_layer(name)
    return True


def mutate(data, raw: bytes) -> bytes:
    raw = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 8), label="mutations")):
        at = data.draw(st.integers(0, len(raw)), label="at")
        action = data.draw(st.sampled_from(["flip", "cut", "insert", "truncate", "ff"]))
        if action == "flip" and at < len(raw):
            raw[at] ^= data.draw(st.integers(1, 255))
        elif action == "ff":
            raw[at : at + 4] = b"\xff\xff\xff\x7f"
        elif action == "cut":
            del raw[at : at + data.draw(st.integers(1, 64))]
        elif action == "insert":
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=16))
        elif at > 0:
            del raw[at:]
    return bytes(raw)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".csv", ".zip", ".tif"])
@settings(FUZZ, max_examples=max(10, EXAMPLES // 3))
@given(data=st.data())
def test_mutated_files(workspace, seeds, suffix, data):
    load(workspace, mutate(data, seeds[suffix]), suffix)


def test_seed_files_load(workspace, seeds):
    """The fuzzing starts from files that do load."""
    for suffix, raw in seeds.items():
        assert load(workspace, raw, suffix), suffix


def tiff_claiming(seed: bytes, width: int, height: int) -> bytes:
    """``seed`` (a little-endian GeoTIFF) with its header claiming ``width`` x ``height``."""
    raw = bytearray(seed)
    (offset,) = struct.unpack_from("<I", raw, 4)
    (count,) = struct.unpack_from("<H", raw, offset)
    for i in range(count):
        entry = offset + 2 + 12 * i
        tag = struct.unpack_from("<H", raw, entry)[0]
        if tag in (256, 257):
            struct.pack_into("<HHII", raw, entry, tag, 4, 1, width if tag == 256 else height)
    return bytes(raw)


def zip_of(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def deep_geojson(depth: int) -> bytes:
    coordinates = "[" * depth + "60000, 190000" + "]" * depth
    geometry = f'{{"type": "Point", "coordinates": {coordinates}}}'
    feature = f'{{"type": "Feature", "properties": {{}}, "geometry": {geometry}}}'
    return f'{{"type": "FeatureCollection", "features": [{feature}]}}'.encode()


def geojson_with(properties: dict, coordinates=(60_500, 190_500)) -> bytes:
    feature = {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Point", "coordinates": list(coordinates)},
    }
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::31370"}}
    return json.dumps({"type": "FeatureCollection", "crs": crs, "features": [feature]}).encode()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("size", [(1_000_000, 1_000_000), (100_000, 100_000), (2**31, 2**31)])
def test_tiff_header_claiming_absurd_size_is_refused(workspace, seeds, size):
    assert not load(workspace, tiff_claiming(seeds[".tif"], *size), ".tif")


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "case",
    [
        "100k-nested-coordinates",
        "10MB-attribute",
        "nan-coordinates",
        "huge-coordinates",
        "csv-inf",
        "csv-huge-line",
        "csv-10k-columns",
    ],
)
def test_hostile_vectors(workspace, case):
    raw, suffix = {
        "100k-nested-coordinates": (deep_geojson(100_000), ".geojson"),
        "10MB-attribute": (geojson_with({"name": "x" * 10_000_000}), ".geojson"),
        "nan-coordinates": (geojson_with({}).replace(b"60500", b"NaN"), ".geojson"),
        "huge-coordinates": (geojson_with({}, (1e308, -1e308)), ".geojson"),
        "csv-inf": (b"x,y\ninf,190000\n", ".csv"),
        "csv-huge-line": (b"x,y,n\n60500,190500," + b"9" * 5_000_000 + b"\n", ".csv"),
        "csv-10k-columns": (
            b",".join(b"c%d" % i for i in range(10_000))
            + b",x,y\n"
            + b"1," * 10_000
            + b"60500,190500\n",
            ".csv",
        ),
    }[case]
    load(workspace, raw, suffix)


POINT = geojson_with({"n": 1})


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "members",
    [
        {"../../escape.geojson": POINT},
        {"/abs/escape.geojson": POINT},
        {"C:\\escape.geojson": POINT},
        {f"m{i}.txt": b"" for i in range(10_001)},
        {"zeros.geojson": b" " * 50_000_000},
    ],
    ids=["dot-dot", "absolute", "drive", "10001-members", "compression-ratio-bomb"],
)
def test_hostile_archives_are_refused(workspace, tmp_path, members):
    raw = zip_of(members)
    assert not load(workspace, raw, ".zip")
    assert not (workspace.folder.parent.parent / "escape.geojson").exists()


@pytest.mark.timeout(60)
def test_symbolic_link_member_is_refused(workspace):
    info = zipfile.ZipInfo("link.geojson")
    info.external_attr = (0o120777 << 16) | 0x20
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(info, "/etc/passwd")
    assert not load(workspace, buffer.getvalue(), ".zip")


@pytest.mark.timeout(60)
def test_unclosed_ring_is_a_clean_refusal(workspace):
    ring = [[60_000, 190_000], [60_100, 190_000], [60_100, 190_100], [60_000, 190_100]]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    feature = {"type": "Feature", "properties": {}, "geometry": geometry}
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::31370"}}
    raw = json.dumps({"type": "FeatureCollection", "crs": crs, "features": [feature]}).encode()
    assert not load(workspace, raw, ".geojson")


@pytest.mark.timeout(60)
def test_corrupt_deflate_stream_is_a_clean_refusal(workspace):
    raw = bytearray(zip_of({"points.geojson": POINT * 20}))
    start = 30 + len("points.geojson")  # the member's data follows its local header
    raw[start : start + 64] = b"\xff" * 64
    assert not load(workspace, bytes(raw), ".zip")


@pytest.mark.timeout(60)
def test_truncated_tiff_data_is_a_clean_refusal(workspace, seeds):
    assert not load(workspace, tiff_claiming(seeds[".tif"], 10**9, 1), ".tif")
