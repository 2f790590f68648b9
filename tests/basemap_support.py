"""A real base-map server on loopback, over https: MapServer's WMS, XYZ tiles and a KVP WMTS.

MapServer (``mapserv`` as CGI behind ``lighttpd``, Debian packages mapserver-bin and lighttpd)
serves one raster layer, ``colours``: a generated GeoTIFF in Lambert 72 whose colour tells
where a pixel lies (:func:`colour_at`), so a picture can be checked cell by cell. The same
server gives

* ``/wms``: the WMS (EPSG:31370 and EPSG:3857);
* ``/xyz/{z}/{x}/{y}.png``: Web Mercator tiles (MapServer's own tile mode, rewritten);
* ``/wmts?...``: a KVP WMTS GetTile of layer ``colours``, style ``default``, PNG, tile matrix set
  ``GoogleMapsCompatible`` (rewritten to the same tiles; any other request is a 404);
* ``/same``: a redirect to ``/wms`` on the same host, ``/moved`` to ``/wms`` on ``localhost``
  (another host name for the same server).

lighttpd here has no TLS module, so a small TLS front (asyncio, a self-signed certificate made
with the ``openssl`` command) forwards https to it; clients trust :attr:`BaseMapServer.ca_file`
(e.g. through ``SSL_CERT_FILE``).
"""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import rasterio
from rasterio.transform import from_origin
from server_support import free_port
from service_support import _program, _stop

L72 = "EPSG:31370"
#: The raster: its extent in Lambert 72, its cell, and the side of a block of one colour.
X0, Y0, X1, Y1 = 60_000.0, 172_000.0, 86_000.0, 194_000.0
CELL_M, BLOCK_M = 10.0, 200.0
#: Tile matrix set, layer and style the WMTS answers.
WMTS_SET, LAYER, WMTS_STYLE = "GoogleMapsCompatible", "colours", "default"


def colour_at(x: float, y: float) -> tuple[int, int, int]:
    """The colour of the raster at Lambert 72 ``(x, y)``: red tells the block's column, green
    its row (16 steps each, repeating), blue is constant."""
    column = int((x - X0) // BLOCK_M)
    row = int((y - Y0) // BLOCK_M)
    return (column % 16) * 16 + 8, (row % 16) * 16 + 8, 100


def write_colours(path: Path) -> Path:
    """The ``colours`` GeoTIFF (RGB, Lambert 72) at ``path``."""
    width, height = int((X1 - X0) / CELL_M), int((Y1 - Y0) / CELL_M)
    xs = X0 + (np.arange(width) + 0.5) * CELL_M
    ys = Y1 - (np.arange(height) + 0.5) * CELL_M
    red = ((xs - X0) // BLOCK_M).astype(int) % 16 * 16 + 8
    green = ((ys - Y0) // BLOCK_M).astype(int) % 16 * 16 + 8
    bands = np.empty((3, height, width), dtype=np.uint8)
    bands[0] = red[None, :]
    bands[1] = green[:, None]
    bands[2] = 100
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 3,
        "dtype": "uint8",
        "crs": L72,
        "transform": from_origin(X0, Y1, CELL_M, CELL_M),
        "compress": "deflate",
        "photometric": "RGB",
    }
    with rasterio.open(path, "w", **profile) as out:
        out.write(bands)
    return path


_MAPFILE = """MAP
  NAME "colours"
  EXTENT {x0} {y0} {x1} {y1}
  SIZE 256 256
  IMAGETYPE png
  PROJECTION "init=epsg:31370" END
  WEB
    METADATA
      "ows_title" "colours"
      "ows_enable_request" "*"
      "ows_srs" "EPSG:31370 EPSG:3857"
      "ows_onlineresource" "{url}/wms?"
    END
  END
  LAYER
    NAME "{layer}"
    TYPE RASTER
    STATUS ON
    DATA "{data}"
    PROJECTION "init=epsg:31370" END
    METADATA "wms_title" "{layer}" END
  END
END
"""

_TILES = "/wms?mode=tile&tilemode=gmap&tile={x}+{y}+{z}&layers=" + LAYER
_WMTS = (
    r"^/wmts\?SERVICE=WMTS&REQUEST=GetTile&VERSION=1\.0\.0&LAYER={layer}&STYLE={style}"
    r"&FORMAT=image%2Fpng&TILEMATRIXSET={set}&TILEMATRIX=(\d+)&TILEROW=(\d+)&TILECOL=(\d+)$"
)

_LIGHTTPD = """server.modules = ("mod_rewrite", "mod_redirect", "mod_setenv", "mod_cgi")
server.document-root = "{folder}/www"
server.bind = "127.0.0.1"
server.port = {port}
server.follow-symlink = "enable"
server.errorlog = "{folder}/error.log"
cgi.assign = ("/wms" => "")
setenv.set-environment = ("MAPSERVER_CONFIG_FILE" => "{folder}/mapserver.conf",
                          "MS_MAPFILE" => "{folder}/colours.map")
url.rewrite-once = (
  "^/xyz/(\\d+)/(\\d+)/(\\d+)\\.png$" => "{xyz}",
  "{wmts}" => "{wmts_target}"
)
url.redirect = (
  "^/same(\\?.*)?$" => "https://127.0.0.1:{front_port}/wms$1",
  "^/moved(\\?.*)?$" => "https://localhost:{front_port}/wms$1"
)
"""


def write_server(folder: Path, port: int, front_port: int) -> Path:
    """The raster, the map file and lighttpd's configuration (on ``port``, behind the TLS
    front on ``front_port``) in ``folder``."""
    data = write_colours(folder / "colours.tif")
    url = f"https://127.0.0.1:{front_port}"
    mapfile = _MAPFILE.format(x0=X0, y0=Y0, x1=X1, y1=Y1, url=url, layer=LAYER, data=data)
    (folder / "colours.map").write_text(mapfile)
    (folder / "mapserver.conf").write_text("CONFIG\nEND\n")
    (folder / "www").mkdir()
    (folder / "www" / "wms").symlink_to(_program("mapserv", "mapserver-bin"))
    config = folder / "lighttpd.conf"
    config.write_text(
        _LIGHTTPD.format(
            folder=folder,
            port=port,
            front_port=front_port,
            xyz=_TILES.format(x="$2", y="$3", z="$1"),
            wmts=_WMTS.format(layer=LAYER, style=WMTS_STYLE, set=WMTS_SET),
            wmts_target=_TILES.format(x="$3", y="$2", z="$1"),
        )
    )
    return config


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost and its key (the ``openssl`` command)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = [_program("openssl", "openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes"]
    command += ["-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
    subprocess.run(command, check=True, capture_output=True)
    return cert, key


class TlsFront:
    """https on a free loopback port, forwarded byte for byte to ``backend_port``."""

    def __init__(self, backend_port: int, cert: Path, key: Path) -> None:
        self.backend_port = backend_port
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        started = asyncio.start_server(self._forward, "127.0.0.1", 0, ssl=self.context)
        self.server = asyncio.run_coroutine_threadsafe(started, self.loop).result(10)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            back_reader, back_writer = await asyncio.open_connection("127.0.0.1", self.backend_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            _pipe(reader, back_writer), _pipe(back_reader, writer), return_exceptions=True
        )

    def close(self) -> None:
        async def stop() -> None:
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


@dataclass(frozen=True)
class BaseMapServer:
    """The https base of the server and the certificate to trust."""

    base: str
    ca_file: Path

    @property
    def wms(self) -> str:
        return f"{self.base}/wms"

    @property
    def xyz(self) -> str:
        return f"{self.base}/xyz/{{z}}/{{x}}/{{y}}.png"

    @property
    def wmts(self) -> str:
        return f"{self.base}/wmts"


@contextmanager
def basemap_server(folder: Path, *, timeout_s: float = 30) -> Iterator[BaseMapServer]:
    """The base-map server over https on loopback (see the module's docstring)."""
    folder.mkdir(parents=True, exist_ok=True)
    lighttpd = _program("lighttpd", "lighttpd")
    cert, key = self_signed(folder)
    port = free_port()
    front = TlsFront(port, cert, key)
    server = subprocess.Popen(
        [lighttpd, "-D", "-f", str(write_server(folder, port, front.port))],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        served = BaseMapServer(f"https://127.0.0.1:{front.port}", cert)
        _wait_for_capabilities(served, server, folder / "error.log", timeout_s)
        yield served
    finally:
        front.close()
        _stop(server)


def _wait_for_capabilities(
    served: BaseMapServer, server: subprocess.Popen, log: Path, timeout_s: float
) -> None:
    url = f"{served.wms}?SERVICE=WMS&REQUEST=GetCapabilities"
    context = ssl.create_default_context(cafile=str(served.ca_file))
    last = ""
    for _ in range(int(timeout_s * 10)):
        if server.poll() is not None:
            raise AssertionError(f"lighttpd stopped with code {server.returncode}: {_tail(log)}")
        try:
            answer = httpx.get(url, timeout=2, verify=context)
            if answer.status_code == 200 and b"WMS_Capabilities" in answer.content:
                return
            last = answer.text[-300:]
        except httpx.HTTPError as exc:
            last = str(exc)
        threading.Event().wait(0.1)
    raise AssertionError(f"{url} did not answer within {timeout_s:g} s: {last} {_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text()[-2000:] if log.is_file() else ""
