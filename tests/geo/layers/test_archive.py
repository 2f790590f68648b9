"""Safe zip extraction: names, links, sizes and ratios are checked before anything is written."""

from __future__ import annotations

import stat
import zipfile

import pytest

from geo.errors import LayerError
from geo.layers.archive import ArchiveLimits, extract_zip, extracted


def make_zip(path, members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_members_land_inside_the_folder(tmp_path):
    source = make_zip(tmp_path / "ok.zip", {"a/b/parcels.geojson": b"{}", "readme.txt": b"hi"})
    with extracted(source) as folder:
        assert (folder / "a" / "b" / "parcels.geojson").read_bytes() == b"{}"
        assert (folder / "readme.txt").read_bytes() == b"hi"
        assert oct(folder.stat().st_mode & 0o777) == "0o700"  # private
    assert not folder.exists()  # removed afterwards


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        ("../evil.txt", "'..'"),
        ("a/../../evil.txt", "'..'"),
        ("/etc/evil.txt", "absolute"),
        ("C:/evil.txt", "absolute"),
        ("..\\evil.txt", "'..'"),
    ],
)
def test_unsafe_names_are_refused_before_writing(tmp_path, member, reason):
    source = make_zip(tmp_path / "bad.zip", {"ok.txt": b"x", member: b"x"})
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(LayerError, match=reason):
        extract_zip(source, target)
    assert list(target.iterdir()) == []  # checked before the first member was written


def test_symbolic_links_are_refused(tmp_path):
    source = tmp_path / "link.zip"
    with zipfile.ZipFile(source, "w") as archive:
        info = zipfile.ZipInfo("link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(LayerError, match="symbolic link"), extracted(source):
        pass


def test_limits_on_members_size_and_ratio(tmp_path):
    many = make_zip(tmp_path / "many.zip", {f"{i}.txt": b"x" for i in range(11)})
    with (
        pytest.raises(LayerError, match="11 members"),
        extracted(many, limits=ArchiveLimits(max_members=10)),
    ):
        pass
    big = make_zip(
        tmp_path / "big.zip", {"a.bin": bytes(range(256)) * 64}, compression=zipfile.ZIP_STORED
    )
    with (
        pytest.raises(LayerError, match="expands to 16,384 bytes"),
        extracted(big, limits=ArchiveLimits(max_total_bytes=10_000)),
    ):
        pass
    bomb = make_zip(tmp_path / "bomb.zip", {"zeros.bin": bytes(2 * 1024**2)})
    with pytest.raises(LayerError, match="zip bomb"), extracted(bomb):
        pass


def test_small_compressible_archives_are_not_bombs(tmp_path):
    """Below the ratio floor (1 MiB expanded) a high ratio is harmless: blank .dbf padding."""
    source = make_zip(tmp_path / "blank.zip", {"blank.dbf": b" " * 500_000})
    with extracted(source) as folder:
        assert (folder / "blank.dbf").stat().st_size == 500_000
