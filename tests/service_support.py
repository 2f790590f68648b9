"""Real web services on free loopback ports, serving generated points (never the demo's data).

* :func:`pygeoapi_server`: OGC API Features (pygeoapi, a dev dependency), TinyDB collections;
* :func:`mapserver_server`: WFS 2.0 (MapServer's ``mapserv`` run as CGI by ``lighttpd``, both
  Debian packages: mapserver-bin, lighttpd), GeoPackage layers.

Both serve the same two layers:

* ``grid_points``: :data:`GRID_COUNT` points on a 1 km grid in Lambert 72 (stored in
  EPSG:31370, offered in EPSG:31370 and WGS84), with an ``ident`` property; as GeoJSON;
* ``wgs84_points``: :data:`WGS84_POINTS` stored and offered in WGS84 only (CRS84 for OGC API,
  EPSG:4326 with lat/lon axis order and as GML only for WFS), whose Lambert 72 coordinates
  are known.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import httpx
import yaml
from pyproj import Transformer
from server_support import free_port
from shapely.geometry import Point

L72 = "EPSG:31370"
L72_URI = "http://www.opengis.net/def/crs/EPSG/0/31370"
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#: The grid: columns x rows of points, 1 km apart, from (X0, Y0).
X0, Y0, STEP, COLUMNS, ROWS = 60_250.0, 173_250.0, 1_000.0, 20, 9
GRID_COUNT = COLUMNS * ROWS
#: name -> (x, y) in Lambert 72 of the points served in WGS84.
WGS84_POINTS = {
    "noord": (64_321.5, 181_234.25),
    "midden": (66_000.0, 175_500.75),
    "zuid": (70_987.125, 171_010.5),
}
#: The largest page a client may ask for.
MAX_ITEMS = 500


def grid_point(ident: int) -> tuple[float, float]:
    """The Lambert 72 coordinates of grid point ``ident``."""
    return X0 + STEP * (ident % COLUMNS), Y0 + STEP * (ident // COLUMNS)


def _feature(ident: object, x: float, y: float, **properties: object) -> dict:
    return {
        "type": "Feature",
        "id": ident,
        "geometry": {"type": "Point", "coordinates": [x, y]},
        "properties": {"ident": ident, **properties},
    }


def _tinydb(path: Path, features: list[dict]) -> Path:
    path.write_text(
        json.dumps({"_default": {str(i + 1): f for i, f in enumerate(features)}}),
        encoding="utf-8",
    )
    return path


def _collection(title: str, data: Path, storage_crs: str, crs: list[str]) -> dict:
    return {
        "type": "collection",
        "title": title,
        "description": title,
        "keywords": ["test"],
        "extents": {"spatial": {"bbox": [-180, -90, 180, 90], "crs": CRS84_URI}},
        "providers": [
            {
                "type": "feature",
                "name": "TinyDB",
                "editable": False,
                "data": str(data),
                "id_field": "id",
                "storage_crs": storage_crs,
                "crs": crs,
            }
        ],
    }


def write_config(folder: Path, port: int) -> Path:
    """The pygeoapi configuration, its OpenAPI document and data in ``folder``."""
    grid = [_feature(i, *grid_point(i)) for i in range(GRID_COUNT)]
    to_lonlat = Transformer.from_crs(L72, "OGC:CRS84", always_xy=True)
    wgs84 = [_feature(name, *to_lonlat.transform(*xy)) for name, xy in WGS84_POINTS.items()]
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "language": "en-US",
            "limits": {"default_items": 10, "max_items": MAX_ITEMS},
            "map": {"url": "https://tile.invalid/{z}/{x}/{y}.png", "attribution": "none"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "test",
                "description": "test",
                "keywords": ["test"],
                "terms_of_service": "none",
                "url": "http://127.0.0.1",
            },
            "license": {"name": "CC0", "url": "http://127.0.0.1/license"},
            "provider": {"name": "test", "url": "http://127.0.0.1"},
            "contact": {"name": "test", "url": "http://127.0.0.1"},
        },
        "resources": {
            "grid_points": _collection(
                "grid points",
                _tinydb(folder / "grid.json", grid),
                L72_URI,
                [L72_URI, CRS84_URI],
            ),
            "wgs84_points": _collection(
                "WGS84 points", _tinydb(folder / "wgs84.json", wgs84), CRS84_URI, [CRS84_URI]
            ),
        },
    }
    path = folder / "pygeoapi.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _openapi(config: Path) -> Path:
    """A minimal OpenAPI document: pygeoapi only serves it at ``/openapi`` (generating the
    full one would import pygeoapi in the test process, for seconds)."""
    path = config.with_name("openapi.yml")
    document = {"openapi": "3.0.2", "info": {"title": "test", "version": "1"}, "paths": {}}
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@contextmanager
def pygeoapi_server(folder: Path, *, timeout_s: float = 60) -> Iterator[str]:
    """pygeoapi serving the generated collections on a free loopback port; yields its URL."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = write_config(folder, port)
    env = os.environ | {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(_openapi(config))}
    command = [sys.executable, "-m", "uvicorn", "pygeoapi.starlette_app:APP"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    log = folder / "server.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=output)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until(f"{base}/collections?f=json", b"grid_points", server, log, timeout_s)
        yield base
    finally:
        _stop(server)


# -- WFS 2.0: MapServer ----------------------------------------------------------------------------

_MAPFILE = """MAP
  NAME "{name}"
  EXTENT -180 -90 300000 300000
  PROJECTION "init={crs}" END
  WEB
    METADATA
      "ows_title" "{name}"
      "ows_enable_request" "*"
      "ows_srs" "{offered}"
      "ows_onlineresource" "{url}?"
    END
  END
  OUTPUTFORMAT
    NAME "geojson"
    DRIVER "OGR/GEOJSON"
    MIMETYPE "application/json; subtype=geojson"
    FORMATOPTION "STORAGE=stream"
    FORMATOPTION "FORM=SIMPLE"
  END
  LAYER
    NAME "{name}"
    TYPE POINT
    STATUS ON
    CONNECTIONTYPE OGR
    CONNECTION "{data}"
    DATA "{name}"
    PROJECTION "init={crs}" END
    METADATA
      "wfs_getfeature_formatlist" "geojson"
      "gml_include_items" "all"
      "gml_types" "auto"
    END
  END
END
"""

#: Path on the server -> (layer, its CRS, the CRSs offered): one map file each.
WFS_MAPS = {
    "wfs": ("grid_points", "epsg:31370", "EPSG:31370 EPSG:4326"),
    "wfs84": ("wgs84_points", "epsg:4326", "EPSG:4326"),
}

#: Redirects the WFS server answers: to the WFS (kept), and to what a client must refuse.
REDIRECTS = {
    "to-wfs": "/wfs",
    "to-file": "file:///etc/passwd",
    "to-other-host": "http://localhost:{port}/wfs",
    "loop": "/loop",
}

_LIGHTTPD = """server.modules = ("mod_redirect", "mod_setenv", "mod_cgi", "mod_accesslog")
accesslog.filename = "{folder}/access.log"
server.document-root = "{folder}/www"
server.bind = "127.0.0.1"
server.port = {port}
server.follow-symlink = "enable"
server.errorlog = "{folder}/error.log"
cgi.assign = ("/wfs" => "", "/wfs84" => "")
url.redirect = ({redirects})
$HTTP["url"] == "/wfs" {{
  setenv.set-environment = ("MAPSERVER_CONFIG_FILE" => "{folder}/mapserver.conf",
                            "MS_MAPFILE" => "{folder}/wfs.map")
}}
$HTTP["url"] == "/wfs84" {{
  setenv.set-environment = ("MAPSERVER_CONFIG_FILE" => "{folder}/mapserver.conf",
                            "MS_MAPFILE" => "{folder}/wfs84.map")
}}
"""


def _program(name: str, package: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if found is None:
        raise AssertionError(
            f"{name} is not installed; the WFS tests need the Debian package {package} "
            f"(apt-get install {package})."
        )
    return found


def write_mapserver(folder: Path, port: int) -> Path:
    """The map files, MapServer's and lighttpd's configurations and the data in ``folder``;
    returns lighttpd's configuration."""
    grid = [Point(*grid_point(i)) for i in range(GRID_COUNT)]
    frame = gpd.GeoDataFrame({"ident": range(GRID_COUNT)}, geometry=grid, crs=L72)
    frame.to_file(folder / "grid_points.gpkg", layer="grid_points", engine="pyogrio")
    known = gpd.GeoDataFrame(
        {"ident": list(WGS84_POINTS)},
        geometry=[Point(xy) for xy in WGS84_POINTS.values()],
        crs=L72,
    ).to_crs("EPSG:4326")
    known.to_file(folder / "wgs84_points.gpkg", layer="wgs84_points", engine="pyogrio")
    mapserv = _program("mapserv", "mapserver-bin")
    (folder / "www").mkdir()
    for path, (name, crs, offered) in WFS_MAPS.items():
        url = f"http://127.0.0.1:{port}/{path}"
        data = folder / f"{name}.gpkg"
        text = _MAPFILE.format(name=name, crs=crs, offered=offered, url=url, data=data)
        (folder / f"{path}.map").write_text(text)
        (folder / "www" / path).symlink_to(mapserv)
    (folder / "mapserver.conf").write_text("CONFIG\nEND\n")
    config = folder / "lighttpd.conf"
    redirects = ", ".join(  # the query string ($1) goes along
        f'"^/{path}(\\?.*)?$" => "{target.format(port=port)}$1"'
        for path, target in REDIRECTS.items()
    )
    config.write_text(_LIGHTTPD.format(folder=folder, port=port, redirects=redirects))
    return config


@contextmanager
def mapserver_server(folder: Path, *, timeout_s: float = 30) -> Iterator[str]:
    """MapServer's WFS on a free loopback port; yields the server's URL: the WFS of
    ``grid_points`` is at ``/wfs``, that of ``wgs84_points`` at ``/wfs84``."""
    folder.mkdir(parents=True, exist_ok=True)
    lighttpd = _program("lighttpd", "lighttpd")
    port = free_port()
    config = write_mapserver(folder, port)
    log = folder / "error.log"
    log.touch()
    server = subprocess.Popen(
        [lighttpd, "-D", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for path in WFS_MAPS:
            url = f"{base}/{path}?service=WFS&request=GetCapabilities"
            _wait_until(url, b"WFS_Capabilities", server, log, timeout_s)
        yield base
    finally:
        _stop(server)


def _wait_until(
    url: str, marker: bytes, server: subprocess.Popen, log: Path, timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    last = ""
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(
                f"the server stopped with code {server.returncode}: {log.read_text()[-2000:]}"
            )
        try:
            answer = httpx.get(url, timeout=2)
            if answer.status_code == 200 and marker in answer.content:
                return
            last = answer.text[-500:]
        except httpx.HTTPError as exc:
            last = str(exc)
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout_s:g} s: {last} {log.read_text()}")


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=15)
