"""Pictures of the study's base map for the dossier's maps, fetched when the dossier is made.

One function per kind gives the picture of one :class:`Extent` (a rectangle in the study CRS
and its size in pixels) as an RGBA array: :func:`wms_picture` asks the WMS for a GetMap 1.3.0
in the study CRS (its BBOX in the CRS's axis order: easting, northing for EPSG:31370);
:func:`xyz_picture` and :func:`wmts_picture` fetch the Web Mercator tiles that cover the
extent at the coarsest zoom level at least as fine as the picture, mosaic them and warp the
mosaic onto the extent (:func:`rasterio.warp.reproject`). :func:`map_backgrounds` fetches
every map's picture and encodes each as PNG; it never raises for the service, it reports what
it could not fetch.

A base-map service is untrusted (:class:`FetchPolicy`): https only; an address that resolves to
this machine, a link-local, multicast or reserved address is refused (the loopback only with
``allow_loopback``, which tests pass; it is never a setting of ``study.toml``); redirects are
followed only on the same host (a name that resolves elsewhere on a second lookup still has
to show that host's https certificate); each request is capped in time, all of them together in
time and bytes, a picture in tiles. Only PNG and JPEG are decoded, and every picture is encoded
again here, so no byte the service sent reaches the dossier as it was.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import socket
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urljoin, urlsplit

import httpx
import numpy as np
import rasterio
from affine import Affine
from pyproj import CRS
from pyproj.exceptions import CRSError
from rasterio.errors import NotGeoreferencedWarning, RasterioError
from rasterio.io import MemoryFile
from rasterio.transform import from_bounds
from rasterio.warp import Resampling, reproject

from geo.layers.crs import transformer
from parkplan.errors import BasemapError
from parkplan.study import BasemapConfig
from webmap.basemap_urls import WMS_VERSION, service_endpoint, tile_template, with_query
from webmap.map_data import Basemap
from webmap.report_model import MapBackground

__all__ = [
    "DEFAULT_FETCH",
    "Extent",
    "FetchPolicy",
    "MapPictures",
    "map_backgrounds",
    "wms_picture",
    "wmts_picture",
    "xyz_picture",
]

logger = logging.getLogger(__name__)

WEB_MERCATOR = "EPSG:3857"
#: Half the side of the Web Mercator square, in metres.
MERCATOR_HALF_M = 20_037_508.342789244
#: The tile size the zoom level is chosen for, and the deepest zoom level asked for.
TILE_PX, MAX_ZOOM = 256, 19
#: The largest picture decoded, and the largest tile (pixels on a side).
MAX_IMAGE_PX, MAX_TILE_PX = 4096, 1024
_REDIRECTS = (301, 302, 303, 307, 308)
_MISSING_TILE = (204, 404)
_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
_PLACEHOLDER = re.compile(r"\{(-?[a-z]+)\}")


@dataclass(frozen=True)
class FetchPolicy:
    """What fetching the base map may cost: seconds per connection or read, seconds for every
    picture of a dossier together, bytes of all responses together, tiles per picture; and
    whether an address on this machine may be asked (tests only)."""

    timeout_s: float = 10.0
    total_time_s: float = 60.0
    max_bytes: int = 64 * 1024 * 1024
    max_tiles: int = 64
    max_redirects: int = 3
    allow_loopback: bool = False


#: The policy of every dossier unless a caller gives another (tests allow the loopback).
DEFAULT_FETCH = FetchPolicy()


@dataclass(frozen=True)
class Extent:
    """A map's rectangle (x_min, y_min, x_max, y_max in ``crs``) and its picture's size."""

    bounds: tuple[float, float, float, float]
    crs: str
    width_px: int
    height_px: int


@dataclass(frozen=True)
class MapPictures:
    """The pictures fetched, by map name, and why the others are missing (English, for the
    log; empty when none is)."""

    pictures: Mapping[str, MapBackground] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    reason: str = ""


def map_backgrounds(
    basemap: BasemapConfig, extents: Mapping[str, Extent], *, policy: FetchPolicy
) -> MapPictures:
    """The picture of each extent as a :class:`MapBackground`; after the first failure the
    rest are not asked (the service is down), and the failure is logged, never raised."""
    pictures: dict[str, MapBackground] = {}
    with _Session(basemap, policy) as session:
        for name, extent in extents.items():
            try:
                png = encode_png(PICTURES[basemap.kind](basemap, extent, session))
            except (BasemapError, RasterioError, CRSError, ValueError) as exc:
                logger.warning("the dossier's maps are drawn without the base map: %s", exc)
                missing = tuple(n for n in extents if n not in pictures)
                return MapPictures(pictures, missing, str(exc))
            pictures[name] = MapBackground(png, extent.bounds, basemap.attribution)
    return MapPictures(pictures)


# -- one function per kind -----------------------------------------------------------------------


def wms_picture(basemap: BasemapConfig, extent: Extent, session: _Session) -> np.ndarray:
    """A WMS GetMap 1.3.0 of ``extent`` in its CRS, as RGBA (4, height, width)."""
    crs = CRS.from_user_input(extent.crs)
    code = crs.to_authority()
    if code is None:
        raise BasemapError(
            f"the study CRS {extent.crs!r} has no EPSG code to ask the WMS for; expected "
            "e.g. EPSG:31370"
        )
    x0, y0, x1, y1 = extent.bounds
    north_first = bool(crs.axis_info) and crs.axis_info[0].direction in ("north", "south")
    bbox = (y0, x0, y1, x1) if north_first else (x0, y0, x1, y1)
    parameters = {
        "SERVICE": "WMS",
        "VERSION": WMS_VERSION,
        "REQUEST": "GetMap",
        "LAYERS": basemap.layers or "",
        "STYLES": basemap.style,
        "CRS": f"{code[0]}:{code[1]}",
        "BBOX": ",".join(format(v, ".12g") for v in bbox),
        "WIDTH": extent.width_px,
        "HEIGHT": extent.height_px,
        "FORMAT": basemap.format,
        "TRANSPARENT": "TRUE" if basemap.format == "image/png" else "FALSE",
    }
    url = with_query(service_endpoint(basemap.url)) + urlencode(parameters, quote_via=quote)
    body = session.get(url)
    assert body is not None  # without missing_ok, a missing picture is an error
    rgba = decode_rgba(body, f"the WMS GetMap of {session.host}")
    if rgba.shape[1:] != (extent.height_px, extent.width_px):
        raise BasemapError(
            f"the WMS at {session.host} answered a picture of {rgba.shape[2]} x "
            f"{rgba.shape[1]} pixels; expected {extent.width_px} x {extent.height_px}"
        )
    return rgba


def xyz_picture(basemap: BasemapConfig, extent: Extent, session: _Session) -> np.ndarray:
    """The XYZ tiles over ``extent``, warped onto it, as RGBA (4, height, width)."""
    return tiles_picture(basemap.url, extent, session)


def wmts_picture(basemap: BasemapConfig, extent: Extent, session: _Session) -> np.ndarray:
    """The tiles of a KVP WMTS over ``extent`` (a Web Mercator tile matrix set named by zoom
    level), warped onto it, as RGBA (4, height, width)."""
    template = tile_template(Basemap(**basemap.model_dump()))
    return tiles_picture(template, extent, session)


PICTURES = {"wms": wms_picture, "xyz": xyz_picture, "wmts": wmts_picture}


# -- tiles -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TileRange:
    """The tiles of zoom ``z`` from column ``x0`` and row ``y0`` to ``x1`` and ``y1``."""

    z: int
    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def count(self) -> int:
        return (self.x1 - self.x0 + 1) * (self.y1 - self.y0 + 1)

    @property
    def tile_m(self) -> float:
        """The side of one tile in Web Mercator metres."""
        return 2 * MERCATOR_HALF_M / 2**self.z


def tiles_picture(template: str, extent: Extent, session: _Session) -> np.ndarray:
    """The tiles of ``template`` over ``extent``, mosaicked and warped onto it."""
    tiles = tile_range(extent, max_tiles=session.policy.max_tiles)
    mosaic, transform = tile_mosaic(template, tiles, session)
    picture = np.zeros((4, extent.height_px, extent.width_px), dtype=np.uint8)
    reproject(
        source=mosaic,
        destination=picture,
        src_transform=transform,
        src_crs=WEB_MERCATOR,
        dst_transform=from_bounds(*extent.bounds, extent.width_px, extent.height_px),
        dst_crs=extent.crs,
        resampling=Resampling.bilinear,
    )
    return picture


def tile_range(extent: Extent, *, max_tiles: int) -> TileRange:
    """The tiles covering ``extent`` at the zoom whose 256-pixel tiles are at least as fine as
    the picture (at most :data:`MAX_ZOOM`), coarser until there are at most ``max_tiles``."""
    mx0, my0, mx1, my1 = transformer(extent.crs, WEB_MERCATOR).transform_bounds(
        *extent.bounds, densify_pts=21
    )
    resolution_m = max((mx1 - mx0) / extent.width_px, (my1 - my0) / extent.height_px)
    zoom = math.ceil(math.log2(2 * MERCATOR_HALF_M / (TILE_PX * resolution_m)))
    for z in range(min(max(zoom, 0), MAX_ZOOM), -1, -1):
        tiles = _covering(z, (mx0, my0, mx1, my1))
        if tiles.count <= max_tiles:
            return tiles
    raise BasemapError(f"no zoom level covers the map with at most {max_tiles} tiles")


def _covering(z: int, bounds: tuple[float, float, float, float]) -> TileRange:
    last = 2**z - 1
    side = 2 * MERCATOR_HALF_M / 2**z

    def column(x: float) -> int:
        return min(max(math.floor((x + MERCATOR_HALF_M) / side), 0), last)

    def row(y: float) -> int:
        return min(max(math.floor((MERCATOR_HALF_M - y) / side), 0), last)

    mx0, my0, mx1, my1 = bounds
    return TileRange(z, column(mx0), row(my1), column(mx1), row(my0))


def tile_mosaic(template: str, tiles: TileRange, session: _Session) -> tuple[np.ndarray, Affine]:
    """The tiles of ``tiles`` side by side (a missing tile stays transparent) and the
    mosaic's Web Mercator transform."""
    found = {}
    for y in range(tiles.y0, tiles.y1 + 1):
        for x in range(tiles.x0, tiles.x1 + 1):
            rgba = session.tile(tile_url(template, tiles.z, x, y))
            if rgba is not None:
                found[x, y] = rgba
    if not found:
        raise BasemapError(
            f"the base map at {session.host} has none of the {tiles.count} tiles of zoom "
            f"{tiles.z} over the map; expected tiles there; check the layer and the template"
        )
    size = next(iter(found.values())).shape[1]
    if any(t.shape[1:] != (size, size) for t in found.values()):
        raise BasemapError(
            f"the tiles of {session.host} differ in size; expected square tiles of one size"
        )
    columns, rows = tiles.x1 - tiles.x0 + 1, tiles.y1 - tiles.y0 + 1
    mosaic = np.zeros((4, rows * size, columns * size), dtype=np.uint8)
    for (x, y), rgba in found.items():
        top, left = (y - tiles.y0) * size, (x - tiles.x0) * size
        mosaic[:, top : top + size, left : left + size] = rgba
    pixel_m = tiles.tile_m / size
    west = -MERCATOR_HALF_M + tiles.x0 * tiles.tile_m
    north = MERCATOR_HALF_M - tiles.y0 * tiles.tile_m
    return mosaic, Affine(pixel_m, 0.0, west, 0.0, -pixel_m, north)


def tile_url(template: str, z: int, x: int, y: int) -> str:
    """The URL of tile ``z/x/y`` (``{-y}``: the row counted from the south, as in TMS;
    ``{s}``: the first subdomain, ``a``)."""
    values = {"z": z, "x": x, "y": y, "-y": 2**z - 1 - y, "s": "a", "r": ""}

    def value(match: re.Match) -> str:
        if match[1] not in values:
            raise BasemapError(
                f"the tile template has {{{match[1]}}}; expected only {{z}}, {{x}}, {{y}}, "
                "{-y} and {s}"
            )
        return str(values[match[1]])

    return _PLACEHOLDER.sub(value, template)


# -- pictures in and out ---------------------------------------------------------------------------


def decode_rgba(body: bytes, what: str) -> np.ndarray:
    """A PNG or JPEG (no other format is opened) as RGBA uint8 (4, height, width): a palette
    expanded with its transparency, grey repeated, a missing alpha opaque."""
    if not body.startswith(_SIGNATURES):
        raise BasemapError(f"{what} is not a PNG or JPEG picture: {_preview(body)!r}")
    try:
        with _quiet(), MemoryFile(body) as memory, memory.open(driver=["PNG", "JPEG"]) as image:
            if max(image.width, image.height) > MAX_IMAGE_PX:
                raise BasemapError(
                    f"{what} is {image.width} x {image.height} pixels; expected at most "
                    f"{MAX_IMAGE_PX} on a side"
                )
            if image.dtypes[0] != "uint8":
                raise BasemapError(f"{what} has {image.dtypes[0]} pixels; expected 8 bits")
            bands = image.read()
            palette = _palette(image) if image.count == 1 else None
    except RasterioError as exc:
        raise BasemapError(f"{what} cannot be decoded ({exc})") from exc
    return _as_rgba(bands, palette)


def _palette(image) -> np.ndarray | None:
    try:
        colours = image.colormap(1)
    except ValueError:
        return None
    table = np.zeros((256, 4), dtype=np.uint8)
    for index, colour in colours.items():
        table[index] = colour
    return table


def _as_rgba(bands: np.ndarray, palette: np.ndarray | None) -> np.ndarray:
    count, height, width = bands.shape
    if palette is not None:
        return np.moveaxis(palette[bands[0]], -1, 0)
    opaque = np.full((1, height, width), 255, dtype=np.uint8)
    if count == 1:
        return np.concatenate([bands, bands, bands, opaque])
    if count == 2:
        return np.concatenate([bands[:1], bands[:1], bands[:1], bands[1:2]])
    if count == 3:
        return np.concatenate([bands, opaque])
    return bands[:4]


def encode_png(rgba: np.ndarray) -> bytes:
    """``rgba`` (4, height, width) as a PNG; without its alpha band when fully opaque."""
    bands = rgba[:3] if (rgba[3] == 255).all() else rgba
    with _quiet(), MemoryFile() as memory:
        with memory.open(
            driver="PNG",
            width=bands.shape[2],
            height=bands.shape[1],
            count=bands.shape[0],
            dtype="uint8",
        ) as out:
            out.write(bands)
        return memory.read()


@contextmanager
def _quiet() -> Iterator[None]:
    """GDAL without its sidecar files, and without the warning that a picture has no CRS."""
    with warnings.catch_warnings(), rasterio.Env(GDAL_PAM_ENABLED="NO"):
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        yield


def _preview(body: bytes) -> str:
    text = body[:300].decode("utf-8", "replace")
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:160]


# -- HTTP within the policy ------------------------------------------------------------------------


class _Session:
    """HTTPS GETs to the base map's host within a :class:`FetchPolicy`; tiles kept by URL."""

    def __init__(self, basemap: BasemapConfig, policy: FetchPolicy) -> None:
        self.policy = policy
        self.kind = basemap.kind.upper()
        self.host = urlsplit(basemap.url).hostname or basemap.url
        self.spent = 0
        self.deadline = time.monotonic() + policy.total_time_s
        self.tiles: dict[str, np.ndarray | None] = {}
        self.allowed: set[tuple[str, int]] = set()
        self.client = httpx.Client(follow_redirects=False, timeout=policy.timeout_s)

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def tile(self, url: str) -> np.ndarray | None:
        """The tile at ``url`` as RGBA; ``None`` when the service has none there (404, 204)."""
        if url not in self.tiles:
            body = self.get(url, missing_ok=True)
            rgba = None if body is None else decode_rgba(body, f"a tile of {self.host}")
            if rgba is not None and max(rgba.shape[1:]) > MAX_TILE_PX:
                raise BasemapError(
                    f"a tile of {self.host} is {rgba.shape[2]} x {rgba.shape[1]} pixels; "
                    f"expected at most {MAX_TILE_PX} on a side"
                )
            self.tiles[url] = rgba
        return self.tiles[url]

    def get(self, url: str, *, missing_ok: bool = False) -> bytes | None:
        """The body of a successful GET of ``url`` (redirects followed on its host only)."""
        origin = self.check(url)
        for _ in range(self.policy.max_redirects + 1):
            with self.talking():
                response = self.client.send(self.client.build_request("GET", url), stream=True)
                try:
                    if response.status_code not in _REDIRECTS:
                        return self.body(response, missing_ok=missing_ok)
                    url = urljoin(url, response.headers.get("location", ""))
                finally:
                    response.close()
            if self.check(url) != origin:
                raise BasemapError(
                    f"the {self.kind} at {self.host} redirected to another host or scheme; "
                    "expected every request to stay on it; give that host's address directly"
                )
        raise BasemapError(
            f"the {self.kind} at {self.host} redirected more than "
            f"{self.policy.max_redirects} times; expected an answer"
        )

    def check(self, url: str) -> tuple[str, int]:
        """``url``'s host and port, refused unless https on an address the policy allows."""
        parts = urlsplit(url)
        try:
            port = parts.port or 443
        except ValueError:
            port = None
        if parts.scheme != "https" or not parts.hostname or port is None:
            raise BasemapError(f"the base map address {url[:200]!r} is not an https URL; refused")
        place = (parts.hostname.lower(), port)
        if place not in self.allowed:
            for address in _addresses(parts.hostname, port):
                if _refused(address, self.policy):
                    raise BasemapError(
                        f"the base map host {parts.hostname} is at {address}, an address of this "
                        "machine or of no network; refused (expected a public or intranet server)"
                    )
            self.allowed.add(place)
        return place

    def body(self, response: httpx.Response, *, missing_ok: bool) -> bytes | None:
        if missing_ok and response.status_code in _MISSING_TILE:
            return None
        if response.status_code >= 400:
            raise BasemapError(
                f"the {self.kind} at {self.host} answered HTTP {response.status_code} to "
                f"{_shown(str(response.url))}; expected a picture; check [basemap] in study.toml"
            )
        chunks = []
        for chunk in response.iter_bytes():
            self.spent += len(chunk)
            if self.spent > self.policy.max_bytes:
                raise BasemapError(
                    f"the {self.kind} at {self.host} sent more than {self.policy.max_bytes:,} "
                    "bytes for the dossier's maps; expected less"
                )
            self.check_time()
            chunks.append(chunk)
        return b"".join(chunks)

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise BasemapError(
                f"fetching the base map from {self.host} took more than "
                f"{self.policy.total_time_s:g} s; expected less"
            )

    @contextmanager
    def talking(self) -> Iterator[None]:
        self.check_time()
        try:
            yield
        except httpx.TimeoutException as exc:
            raise BasemapError(
                f"the {self.kind} at {self.host} did not answer within "
                f"{self.policy.timeout_s:g} s; expected a running service"
            ) from exc
        except httpx.HTTPError as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise BasemapError(
                f"cannot reach the {self.kind} at {self.host} ({reason}); expected a running "
                "service; check the address and the network"
            ) from exc


def _addresses(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise BasemapError(
            f"the base map host {host} cannot be found ({exc}); check the address and the network"
        ) from exc
    return [str(info[4][0]) for info in found]


def _refused(address: str, policy: FetchPolicy) -> bool:
    """Whether a request may not go to ``address``: this machine (unless the policy allows the
    loopback), link-local (cloud metadata), multicast, unspecified or reserved."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return not policy.allow_loopback
    return ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved


def _shown(url: str) -> str:
    """``url`` without its query (which may be long), for a message."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
