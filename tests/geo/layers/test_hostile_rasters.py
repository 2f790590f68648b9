"""Hostile rasters: nothing in a client's GeoTIFF, zip or folder may make GDAL read another file
or reach the network, and nothing but the raster's own pixels may reach the stored COG.

The payloads are sidecar files GDAL follows on its own: ``x.tif.ovr`` (external overviews) and
``x.tif.msk`` (external mask) that are VRTs pointing at a secret raster, at a secret file read
raw, or at ``/vsicurl/`` URLs (a port scanner); ``x.tif.aux.xml`` (PAM) injecting nodata,
metadata or an ``OVERVIEW_FILE``; and a ``.tif`` that is itself a VRT. Each is loaded through
:meth:`Workspace.add_layer` (zip, folder and plain file) or ``parkplan layers add``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from hostile_support import L72, SECRET_BYTES, zip_of
from hostile_support import geotiff as _geotiff

from geo.errors import GeoError, LayerError
from parkplan.cli import main
from parkplan.workspace import Workspace

BASE_VALUE = 5
SECRET_VALUE = 77
SIZE = 64


def geotiff(path: Path, value: int = BASE_VALUE, size: int = SIZE) -> Path:
    return _geotiff(path, value, size)


def vrt(band: str, size: int = SIZE // 2) -> str:
    return f'<VRTDataset rasterXSize="{size}" rasterYSize="{size}">\n  {band}\n</VRTDataset>\n'


def vrt_source(filename: str, *, size: int = SIZE // 2) -> str:
    """A VRT whose band reads ``filename`` as a GDAL dataset (a raster, or a URL)."""
    return vrt(
        '<VRTRasterBand dataType="Byte" band="1"><SimpleSource>'
        f"<SourceFilename>{filename}</SourceFilename><SourceBand>1</SourceBand>"
        "</SimpleSource></VRTRasterBand>",
        size,
    )


def vrt_raw(filename: str, *, relative: bool = False, size: int = SIZE // 2) -> str:
    """A VRT whose band reads the bytes of any file (``VRTRawRasterBand``)."""
    return vrt(
        '<VRTRasterBand dataType="Byte" band="1" subClass="VRTRawRasterBand">'
        f'<SourceFilename relativeToVRT="{int(relative)}">{filename}</SourceFilename>'
        f"<ImageOffset>0</ImageOffset><PixelOffset>1</PixelOffset><LineOffset>{size}</LineOffset>"
        "</VRTRasterBand>",
        size,
    )


def pam(body: str) -> str:
    return f"<PAMDataset>{body}</PAMDataset>\n"


def stored_pixels(path: Path) -> list[np.ndarray]:
    """Every pixel GDAL can read back from the stored file: full resolution and each overview."""
    with rasterio.open(path) as src:
        levels = [src.read(1)]
        for factor in src.overviews(1):
            shape = (src.height // factor, src.width // factor)
            levels.append(src.read(1, out_shape=shape))
    return levels


def assert_only_own_pixels(workspace: Workspace, name: str) -> None:
    """The stored raster holds the source's value only, and no secret byte sequence."""
    for level in stored_pixels(workspace.raster_path(name)):
        assert set(np.unique(level).tolist()) == {BASE_VALUE}
        assert SECRET_BYTES[:9] not in level.tobytes()


def assert_no_secret_in(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            assert SECRET_BYTES[:9] not in path.read_bytes(), path


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    return Workspace.create(tmp_path / "study", crs=L72)


@pytest.fixture
def secret_raster(tmp_path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return geotiff(folder / "secret.tif", SECRET_VALUE, SIZE // 2)


def hostile_sidecars(secret_raster: Path, secret_file: Path, url: str) -> dict[str, dict]:
    """Named sets of sidecars placed beside ``x.tif``."""
    return {
        "ovr-reads-secret-raster": {"x.tif.ovr": vrt_source(str(secret_raster))},
        "ovr-reads-secret-file-raw": {"x.tif.ovr": vrt_raw(str(secret_file))},
        "ovr-reads-secret-file-raw-relative": {
            "x.tif.ovr": vrt_raw("../" * 12 + str(secret_file).lstrip("/"), relative=True)
        },
        "ovr-fetches-url": {"x.tif.ovr": vrt_source(f"/vsicurl/{url}/ovr.tif")},
        "msk-fetches-url": {"x.tif.msk": vrt_source(f"/vsicurl/{url}/msk.tif")},
        "aux-xml-overview-file-url": {
            "x.tif.aux.xml": pam(
                '<Metadata domain="OVERVIEWS">'
                f'<MDI key="OVERVIEW_FILE">/vsicurl/{url}/aux.tif</MDI></Metadata>'
            )
        },
        "aux-xml-overview-file-secret": {
            "x.tif.aux.xml": pam(
                '<Metadata domain="OVERVIEWS">'
                f'<MDI key="OVERVIEW_FILE">{secret_raster}</MDI></Metadata>'
            )
        },
        "aux-reads-secret-raster": {"x.aux": vrt_source(str(secret_raster))},
    }


CASES = (
    "ovr-reads-secret-raster",
    "ovr-reads-secret-file-raw",
    "ovr-reads-secret-file-raw-relative",
    "ovr-fetches-url",
    "msk-fetches-url",
    "aux-xml-overview-file-url",
    "aux-xml-overview-file-secret",
    "aux-reads-secret-raster",
)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("packaging", ["zip", "folder", "file"])
def test_sidecars_are_never_followed(
    tmp_path, workspace, secret_raster, secret_file, loopback, case, packaging
):
    """(a), (b): the layer loads from its own pixels only; no request leaves the process."""
    url, hits = loopback
    sidecars = hostile_sidecars(secret_raster, secret_file, url)[case]
    folder = tmp_path / "upload"
    folder.mkdir()
    geotiff(folder / "x.tif")
    for name, text in sidecars.items():
        (folder / name).write_text(text)
    source = {
        "zip": zip_of(tmp_path / "x.zip", {p.name: p for p in sorted(folder.iterdir())}),
        "folder": folder,
        "file": folder / "x.tif",
    }[packaging]
    workspace.add_layer(source, "r")
    assert hits == []
    assert_only_own_pixels(workspace, "r")
    assert_no_secret_in(workspace.folder)
    info = workspace.layer("r")
    assert info.nodata is None


def test_aux_xml_cannot_inject_nodata_or_metadata(tmp_path, workspace):
    """(d): a PAM sidecar's nodata value and metadata are ignored."""
    injected = pam(
        '<Metadata><MDI key="INJECTED">yes</MDI></Metadata>'
        f'<PAMRasterBand band="1"><NoDataValue>{BASE_VALUE}</NoDataValue></PAMRasterBand>'
    )
    tif = geotiff(tmp_path / "x.tif")
    source = zip_of(tmp_path / "x.zip", {"x.tif": tif, "x.tif.aux.xml": injected})
    info = workspace.add_layer(source, "zipped")
    (tmp_path / "x.tif.aux.xml").write_text(injected)
    beside = workspace.add_layer(tif, "beside")
    for name, loaded in (("zipped", info), ("beside", beside)):
        assert loaded.nodata is None
        with rasterio.open(workspace.raster_path(name)) as src:
            assert src.nodata is None and "INJECTED" not in src.tags()
        assert_only_own_pixels(workspace, name)


@pytest.mark.parametrize("packaging", ["zip", "file"])
def test_a_tif_that_is_a_vrt_is_refused(tmp_path, workspace, secret_raster, loopback, packaging):
    """(c): a .tif whose content is VRT XML is refused in one line, before GDAL opens it."""
    url, hits = loopback
    for name, text in {
        "reads-secret.tif": vrt_source(str(secret_raster)),
        "fetches-url.tif": vrt_source(f"/vsicurl/{url}/tif.tif"),
    }.items():
        path = tmp_path / name
        path.write_text(text)
        source = zip_of(tmp_path / f"{name}.zip", {name: path}) if packaging == "zip" else path
        with pytest.raises(LayerError) as caught:
            workspace.add_layer(source, "r")
        message = str(caught.value)
        assert "\n" not in message and name in message and "GeoTIFF" in message
    assert hits == []
    assert workspace.list_layers() == []


def test_overviews_are_rebuilt_from_the_base_band(tmp_path, workspace, secret_raster):
    """A raster large enough to need overviews gets fresh ones, never the sidecar's."""
    folder = tmp_path / "big"
    folder.mkdir()
    tif = geotiff(folder / "x.tif", size=1024)
    (folder / "x.tif.ovr").write_text(vrt_source(str(secret_raster), size=512))
    workspace.add_layer(tif, "big")
    with rasterio.open(workspace.raster_path("big")) as src:
        assert src.overviews(1)  # rebuilt by the COG writer
    assert_only_own_pixels(workspace, "big")


def test_cli_layers_add_and_export(tmp_path, secret_raster, secret_file, loopback, capsys):
    """``parkplan layers add`` has the same defences; the export holds the source pixels only."""
    url, hits = loopback
    study = tmp_path / "study"
    assert main(["init", str(study)]) == 0
    source = zip_of(
        tmp_path / "upload.zip",
        {
            "x.tif": geotiff(tmp_path / "x.tif"),
            "x.tif.ovr": vrt_raw(str(secret_file)),
            "x.tif.msk": vrt_source(f"/vsicurl/{url}/cli.tif"),
            "x.tif.aux.xml": pam(
                f'<Metadata domain="OVERVIEWS"><MDI key="OVERVIEW_FILE">'
                f"{secret_raster}</MDI></Metadata>"
            ),
        },
    )
    assert main(["layers", "add", str(study), str(source), "--name", "r"]) == 0
    out = tmp_path / "export.tif"
    assert main(["layers", "export", str(study), "r", "--output", str(out)]) == 0
    capsys.readouterr()
    for level in stored_pixels(out):
        assert set(np.unique(level).tolist()) == {BASE_VALUE}
        assert SECRET_BYTES[:9] not in level.tobytes()
    assert hits == []
    assert_no_secret_in(study)


def test_refusals_are_project_errors(tmp_path, workspace):
    """A hostile file is refused with a :class:`GeoError`, never a raw GDAL error."""
    path = tmp_path / "x.tif"
    path.write_bytes(b"II*\x00" + b"\xff" * 60)
    with pytest.raises(GeoError):
        workspace.add_layer(path, "r")
