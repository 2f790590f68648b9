"""A real WMS on a free loopback port: MapServer's ``mapserv`` run as CGI by ``lighttpd`` (the
Debian packages mapserver-bin and lighttpd), drawing generated polygon layers in one colour.

:func:`mapserver_wms` serves each given GeoDataFrame (Lambert 72) as a layer of the same name,
offered in EPSG:31370 and EPSG:3857, filled with :data:`FILL`; the WMS is at ``/wms``.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import httpx
import pandas as pd
from server_support import free_port

#: The fill of every served polygon (red, green, blue).
FILL = (200, 30, 30)

_LAYER = """  LAYER
    NAME "{name}"
    TYPE POLYGON
    STATUS ON
    CONNECTIONTYPE OGR
    CONNECTION "{data}"
    DATA "{name}"
    PROJECTION "init=epsg:31370" END
    METADATA "wms_title" "{name}" END
    CLASS STYLE COLOR {fill} OUTLINECOLOR 0 0 0 END END
  END
"""

_MAPFILE = """MAP
  NAME "wms"
  EXTENT {extent}
  SIZE 256 256
  PROJECTION "init=epsg:31370" END
  WEB
    METADATA
      "wms_title" "parkplan test WMS"
      "wms_onlineresource" "{url}?"
      "wms_srs" "EPSG:31370 EPSG:3857"
      "wms_enable_request" "*"
    END
  END
{layers}END
"""

_LIGHTTPD = """server.modules = ("mod_setenv", "mod_cgi")
server.document-root = "{folder}/www"
server.bind = "127.0.0.1"
server.port = {port}
server.follow-symlink = "enable"
server.errorlog = "{folder}/error.log"
cgi.assign = ("/wms" => "")
setenv.set-environment = ("MAPSERVER_CONFIG_FILE" => "{folder}/mapserver.conf",
                          "MS_MAPFILE" => "{folder}/wms.map")
"""


def program(name: str, package: str) -> str:
    """The path of ``name``; a clear failure naming the Debian package when it is missing."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if found is None:
        raise AssertionError(f"{name} is not installed; install the Debian package {package}")
    return found


def write_server(folder: Path, port: int, layers: Mapping[str, gpd.GeoDataFrame]) -> Path:
    """The data, map file and configurations in ``folder``; returns lighttpd's."""
    parts = []
    for name, frame in layers.items():
        data = folder / f"{name}.gpkg"
        frame.to_crs("EPSG:31370").to_file(data, layer=name, engine="pyogrio")
        parts.append(_LAYER.format(name=name, data=data, fill=" ".join(map(str, FILL))))
    bounds = pd.concat([f.to_crs("EPSG:31370") for f in layers.values()]).total_bounds
    url = f"http://127.0.0.1:{port}/wms"
    extent = " ".join(f"{v:.0f}" for v in bounds)
    mapfile = _MAPFILE.format(extent=extent, url=url, layers="".join(parts))
    (folder / "wms.map").write_text(mapfile)
    (folder / "mapserver.conf").write_text("CONFIG\nEND\n")
    (folder / "www").mkdir()
    (folder / "www" / "wms").symlink_to(program("mapserv", "mapserver-bin"))
    config = folder / "lighttpd.conf"
    config.write_text(_LIGHTTPD.format(folder=folder, port=port))
    return config


@contextmanager
def mapserver_wms(
    folder: Path, layers: Mapping[str, gpd.GeoDataFrame], *, timeout_s: float = 30
) -> Iterator[str]:
    """The WMS of ``layers`` on a free loopback port; yields its URL (``…/wms``)."""
    folder.mkdir(parents=True, exist_ok=True)
    lighttpd = program("lighttpd", "lighttpd")
    port = free_port()
    config = write_server(folder, port, layers)
    server = subprocess.Popen(
        [lighttpd, "-D", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/wms"
    try:
        wait_for_capabilities(url, server, folder / "error.log", timeout_s)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=15)


def wait_for_capabilities(url: str, server: subprocess.Popen, log: Path, timeout_s: float):
    """Wait until the WMS answers its capabilities; fail when the server stops first."""
    deadline = time.monotonic() + timeout_s
    last = ""
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"lighttpd stopped ({server.returncode}): {log.read_text()}")
        try:
            answer = httpx.get(f"{url}?SERVICE=WMS&REQUEST=GetCapabilities", timeout=2)
            if answer.status_code == 200 and b"WMS_Capabilities" in answer.content:
                return
            last = answer.text[-500:]
        except httpx.HTTPError as exc:
            last = str(exc)
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer in {timeout_s:g} s: {last}")
