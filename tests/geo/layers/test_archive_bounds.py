"""How much a hostile zip can make the loader write before it is refused.

Every byte the archive module writes is counted (its ``open`` is wrapped). Payloads: a zip that
must be refused for its content (two datasets, no ``--layer``) yet carries megabytes; padding
beside the chosen dataset; a zip bomb of zeros in a ``.tif`` member; sizes in the central
directory that lie; "overlapping" members (many directory entries sharing one compressed
stream, the ``better zip bomb`` construction); and a decompressor that ignores declared sizes.
"""

from __future__ import annotations

import builtins
import io
import struct
import zipfile

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from geo.errors import LayerError
from geo.layers import archive
from geo.layers.archive import ArchiveLimits, extracted
from geo.layers.read import resolved_source

L72 = "EPSG:31370"
MIB = 1024**2
SMALL = ArchiveLimits(max_total_bytes=64 * MIB, max_ratio=20.0, ratio_floor_bytes=MIB)


class _Counting:
    """A writable file that adds what it writes to ``counter``."""

    def __init__(self, handle, counter: list[int]) -> None:
        self._handle, self._counter = handle, counter

    def write(self, data) -> int:
        self._counter[0] += len(data)
        return self._handle.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._handle.close()

    def __getattr__(self, name):
        return getattr(self._handle, name)


@pytest.fixture
def written(monkeypatch) -> list[int]:
    """``[bytes written so far]`` by :mod:`geo.layers.archive`."""
    counter = [0]

    def counting_open(file, mode="r", *args, **kwargs):
        handle = builtins.open(file, mode, *args, **kwargs)  # noqa: SIM115 (handed back)
        return _Counting(handle, counter) if any(m in mode for m in "wax+") else handle

    monkeypatch.setattr(archive, "open", counting_open, raising=False)
    return counter


def noise(size: int, *, seed: int = 0) -> bytes:
    """Incompressible bytes."""
    return np.random.default_rng(seed).integers(0, 256, size, dtype="uint8").tobytes()


def sparse(size: int, *, seed: int = 0) -> bytes:
    """Bytes that deflate at about 15:1, under every ratio limit."""
    rng = np.random.default_rng(seed)
    data = np.zeros(size, dtype="uint8")
    where = rng.choice(size, size // 50, replace=False)
    data[where] = rng.integers(1, 256, where.size)
    return data.tobytes()


def zip_bytes(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    return buffer.getvalue()


def shapefile_parts(tmp_path) -> dict[str, bytes]:
    folder = tmp_path / "shp"
    folder.mkdir()
    frame = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(60_500, 190_500)], crs=L72)
    frame.to_file(folder / "points.shp", engine="pyogrio")
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_refused_choice_writes_nothing(tmp_path, written):
    """Two datasets and no --layer: refused from the member list, before extracting."""
    source = tmp_path / "two.zip"
    source.write_bytes(
        zip_bytes(
            {"a.geojson": b"{}", "b.tif": noise(3 * MIB), "c.tif.ovr": noise(MIB)},
            zipfile.ZIP_STORED,
        )
    )
    with pytest.raises(LayerError, match="choose one"), resolved_source(source):
        pass
    assert written[0] == 0


def test_only_the_chosen_datasets_members_are_extracted(tmp_path, written):
    parts = shapefile_parts(tmp_path)
    extras = {
        "padding.bin": noise(3 * MIB),
        "points.shp.xml": b"<metadata/>",
        "other/points.dbf": b"x",
        "readme.txt": b"hello",
    }
    source = tmp_path / "points.zip"
    source.write_bytes(zip_bytes(parts | extras))
    with resolved_source(source) as dataset:
        present = sorted(p.name for p in dataset.path.parent.rglob("*") if p.is_file())
        assert present == sorted(parts)
    assert written[0] == sum(len(data) for data in parts.values())


def test_zeros_in_a_tif_member_are_refused_before_writing(tmp_path, written):
    """A zip bomb: 32 MiB of zeros (ratio ~1000:1) in a raster member."""
    source = tmp_path / "bomb.zip"
    source.write_bytes(zip_bytes({"x.tif": bytes(32 * MIB)}))
    assert source.stat().st_size < 64 * 1024
    with pytest.raises(LayerError, match="zip bomb"), resolved_source(source, limits=SMALL):
        pass
    assert written[0] == 0


def with_declared_size(data: bytes, size: int) -> bytes:
    """``data`` (a one-member zip) with the member's uncompressed size rewritten to ``size``."""
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    data = bytearray(data)
    struct.pack_into("<L", data, local + 22, size)
    struct.pack_into("<L", data, central + 24, size)
    return bytes(data)


def test_a_lying_central_directory_is_caught_while_writing(tmp_path, written):
    """The directory says 1,000 bytes; the stream holds 8 MiB of zeros."""
    source = tmp_path / "liar.zip"
    source.write_bytes(with_declared_size(zip_bytes({"x.tif": bytes(8 * MIB)}), 1000))
    with pytest.raises(LayerError), resolved_source(source, limits=SMALL):
        pass
    assert written[0] <= 1000


def overlapping(name: str, data: bytes, copies: int) -> bytes:
    """A zip whose central directory lists ``copies`` entries sharing one compressed stream."""
    single = zip_bytes({name: data})
    start, end = single.index(b"PK\x01\x02"), single.index(b"PK\x05\x06")
    directory = single[start:end] * copies
    tail = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, copies, copies, len(directory), start, 0)
    return single[:start] + directory + tail


def test_overlapping_members_are_refused_before_writing(tmp_path, written):
    """22 kB that expand to 25 MiB, although each entry declares a modest 15:1 ratio."""
    source = tmp_path / "overlap.zip"
    source.write_bytes(overlapping("x.tif", sparse(256 * 1024), 100))
    assert source.stat().st_size < 32 * 1024
    with pytest.raises(LayerError, match="overlap"), resolved_source(source, limits=SMALL):
        pass
    assert written[0] == 0


def test_a_decompressor_ignoring_declared_sizes_is_stopped(tmp_path, written, monkeypatch):
    """Even if the reader streamed past the declared size, writing stops at the real ratio."""
    source = tmp_path / "honest.zip"
    source.write_bytes(zip_bytes({"x.tif": sparse(256 * 1024)}))
    real_open = zipfile.ZipFile.open

    def endless(self, member, *args, **kwargs):
        stream = real_open(self, member, *args, **kwargs)
        stream.read = lambda size=-1: bytes(min(size, MIB) if size > 0 else MIB)
        return stream

    monkeypatch.setattr(zipfile.ZipFile, "open", endless)
    with pytest.raises(LayerError, match="expands beyond"), extracted(source, limits=SMALL):
        pass
    packed = zipfile.ZipFile(source).infolist()[0].compress_size
    assert written[0] <= max(SMALL.ratio_floor_bytes, SMALL.max_ratio * packed)


def test_the_budget_follows_the_archives_own_size(tmp_path, written):
    """What an archive may write is bounded by its own size times the ratio (plus the floor)."""
    source = tmp_path / "fine.zip"
    source.write_bytes(zip_bytes({"x.tif": sparse(2 * MIB)}))
    with extracted(source, limits=SMALL) as folder:
        assert (folder / "x.tif").stat().st_size == 2 * MIB
    budget = SMALL.ratio_floor_bytes + SMALL.max_ratio * source.stat().st_size
    assert written[0] <= budget
