"""Features from a web service: WFS 2.0 GetFeature and OGC API Features, for one bounding box.

:func:`fetch_features` asks the service for the features of one layer inside a bounding box
given in the study CRS, page by page, and returns them in the service's CRS with x/y axis
order, with their provenance. The study CRS is requested when the service offers it, else
the CRS it prefers (CRS84 for OGC API); axis order follows the CRS's definition (lat/lon for
EPSG:4326) and is turned to x/y here.

A service is untrusted (:class:`ServiceLimits`): only http and https; redirects and ``next``
links only to the same host (http may become https, never another scheme); every response
and all of them together are capped in bytes, the whole fetch in time and in pages; XML with
a DTD is refused; bodies are parsed in memory, never from a path the server names. A server
fetching for its clients passes a :class:`~geo.layers.service_hosts.HostPolicy`: every request
(redirects and pages too) then goes only to a listed host or to a public address over https.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urljoin, urlsplit, urlunsplit

import geopandas as gpd
import httpx
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError

from geo.errors import LayerError
from geo.layers.crs import Bounds, as_bounds, crs_label, parse_crs, transformer
from geo.layers.provenance import ServiceProvenance, utc_now
from geo.layers.service_hosts import HostPolicy

__all__ = [
    "SERVICES",
    "ServiceAnswerError",
    "ServiceError",
    "ServiceFeatures",
    "ServiceLimits",
    "ServiceProvenance",
    "check_service_url",
    "crs_uri",
    "fetch_features",
    "redacted_url",
    "url_credentials",
]

#: The services understood, by the name the command line uses.
SERVICES = {"wfs": "WFS 2.0", "ogcapi": "OGC API Features"}
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_SCHEMES = ("http", "https")
_REDIRECTS = (301, 302, 303, 307, 308)
_SECRET_PARAMETER = re.compile(r"(?i)^(.*(token|key|secret|password|passwd|sig|auth).*)$")
_CRS_URI = re.compile(r"(?i)(?:/def/crs/|urn:ogc:def:crs:)(EPSG|OGC)[/:][^/:]*[/:]+([\w.]+)$")
_ERROR_PREVIEW_BYTES = 4096
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_ACCEPT = "application/geo+json, application/json;q=0.9, application/xml;q=0.8, */*;q=0.1"
#: Query parameters the client sets itself (a URL's own others, e.g. MapServer's ``map``, stay).
_WFS_PARAMETERS = frozenset(
    {"service", "request", "version", "acceptversions", "typenames", "typename", "srsname"}
    | {"bbox", "count", "startindex", "outputformat"}
)
_OGCAPI_PARAMETERS = frozenset({"f", "limit", "offset", "bbox", "bbox-crs", "crs"})
_COLLECTIONS_PATH = re.compile(r"/collections(/[^/]+(/items)?)?$")


class ServiceError(LayerError):
    """A web service cannot be reached, answers an error, or sends what it should not."""


class ServiceAnswerError(ServiceError):
    """A web service answered with an HTTP error ``status``."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ServiceLimits:
    """What a service may cost: features per page, pages, bytes (all responses together),
    seconds per connection or read, seconds for the whole fetch, redirects per request."""

    page_size: int = 1000
    max_pages: int = 100
    max_bytes: int = 256 * 1024 * 1024
    timeout_s: float = 30.0
    total_time_s: float = 300.0
    max_redirects: int = 3


@dataclass(frozen=True)
class ServiceFeatures:
    """Features from a service (x/y axis order, ``frame.crs`` set), their provenance and the
    SHA-256 over the response bodies in order."""

    frame: gpd.GeoDataFrame
    provenance: ServiceProvenance
    sha256: str


def redacted_url(url: str) -> str:
    """``url`` without user name, password or secret-looking query parameters."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    query = "&".join(
        f"{k}=***" if _SECRET_PARAMETER.match(k) else (f"{k}={v}" if sep else k)
        for k, sep, v in (item.partition("=") for item in parts.query.split("&") if item)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def url_credentials(url: str) -> tuple[str, ...]:
    """What in ``url`` looks like a credential (that :func:`redacted_url` removes): a user
    name or password, query parameters named like a key, token, secret or password."""
    parts = urlsplit(url)
    found = ("a user name or password",) if "@" in parts.netloc else ()
    names = (item.partition("=")[0] for item in parts.query.split("&") if item)
    return found + tuple(f"the parameter {n!r}" for n in names if _SECRET_PARAMETER.match(n))


def crs_uri(crs: str | CRS) -> str:
    """The OGC URI of a CRS with an authority code (``EPSG:31370`` -> ``.../EPSG/0/31370``)."""
    found = parse_crs(crs).to_authority(min_confidence=90)
    if found is None:
        raise ServiceError(f"the CRS {crs!r} has no EPSG code; expected e.g. 'EPSG:31370'.")
    if found == ("OGC", "CRS84"):
        return CRS84_URI
    return f"http://www.opengis.net/def/crs/{found[0]}/0/{found[1]}"


def _crs_of(uri: str, what: str) -> CRS:
    """The CRS named by an OGC URI or URN (``EPSG:XXXX`` too)."""
    match = _CRS_URI.search(uri.strip())
    text = f"{match[1].upper()}:{match[2]}" if match else uri.strip()
    unknown = ServiceError(
        f"{what} names the CRS {uri!r}, which is not known; expected an EPSG or OGC CRS."
    )
    if not re.fullmatch(r"\w+:[\w.]+", text):  # an authority code only: never a file or URL
        raise unknown
    try:
        return CRS.from_user_input(text)
    except PyprojCRSError as exc:
        raise unknown from exc


def _lat_first(crs: CRS) -> bool:
    return bool(crs.axis_info) and crs.axis_info[0].direction in ("north", "south")


def _bbox_in(bbox: Bounds, src: str, crs: CRS) -> tuple[float, float, float, float]:
    """``bbox`` (study CRS) as the bounds in ``crs``, in ``crs``'s axis order."""
    x0, y0, x1, y1 = transformer(parse_crs(src), crs).transform_bounds(*bbox, densify_pts=21)
    box = (y0, x0, y1, x1) if _lat_first(crs) else (x0, y0, x1, y1)
    return as_bounds(round(v, 9) for v in box)


# -- HTTP within limits ------------------------------------------------------------------------


class _Session:
    """HTTP GETs to one host, within :class:`ServiceLimits`; raises :class:`ServiceError`."""

    def __init__(
        self, url: str, service: str, limits: ServiceLimits, hosts: HostPolicy | None = None
    ) -> None:
        self.service, self.limits, self.hosts = service, limits, hosts
        self.origin = _checked(url, None, service)
        self.shown = redacted_url(url)
        self.spent = 0
        self.deadline = time.monotonic() + limits.total_time_s
        self.digest = hashlib.sha256()
        self.client = httpx.Client(
            follow_redirects=False,
            timeout=limits.timeout_s,
            headers={"Accept": _ACCEPT},
        )

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, params: Mapping[str, str | int] | None = None) -> tuple[bytes, str]:
        """The body of a successful GET and the URL that answered (after redirects)."""
        for _ in range(self.limits.max_redirects + 1):
            _checked(url, self.origin, self.service)  # before httpx sees it
            request = self.client.build_request("GET", url, params=params)
            asked = str(request.url)
            self._pin(request)
            with self._talking():
                response = self.client.send(request, stream=True)
                try:
                    if response.status_code not in _REDIRECTS:
                        return self._body(response, asked), asked
                    url = urljoin(asked, response.headers.get("location", ""))
                    params = None
                finally:
                    response.close()
        raise ServiceError(
            f"the {self.service} at {self.shown} redirected more than "
            f"{self.limits.max_redirects} times; expected an answer; check the URL."
        )

    def _pin(self, request: httpx.Request) -> None:
        """With a host policy: send ``request`` to the address the policy checked (the
        ``Host`` header and the TLS server name stay the URL's host)."""
        if self.hosts is None:
            return
        host = request.url.host
        address = self.hosts.address(str(request.url), self.service)
        request.url = request.url.copy_with(host=address)
        request.extensions = {**request.extensions, "sni_hostname": host}

    @contextmanager
    def _talking(self):
        try:
            yield
        except httpx.TimeoutException as exc:
            raise ServiceError(
                f"the {self.service} at {self.shown} did not answer within "
                f"{self.limits.timeout_s:g} s; expected a running service; try again later "
                "or check the URL."
            ) from exc
        except httpx.HTTPError as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise ServiceError(
                f"cannot reach the {self.service} at {self.shown} ({reason}); expected a "
                "running service at that URL; check the URL and the network."
            ) from exc

    def _body(self, response: httpx.Response, asked: str) -> bytes:
        if response.status_code >= 400:
            raise ServiceAnswerError(self._refusal(response, asked), response.status_code)
        chunks = []
        for chunk in response.iter_bytes():
            self.spent += len(chunk)
            if self.spent > self.limits.max_bytes:
                raise ServiceError(
                    f"the {self.service} at {self.shown} sent more than "
                    f"{self.limits.max_bytes:,} bytes; expected less; ask for a smaller "
                    "bounding box."
                )
            if time.monotonic() > self.deadline:
                raise self._too_slow()
            chunks.append(chunk)
        body = b"".join(chunks)
        self.digest.update(body)
        return body

    def _refusal(self, response: httpx.Response, asked: str) -> str:
        preview = b""
        for chunk in response.iter_bytes():
            preview += chunk
            if len(preview) >= _ERROR_PREVIEW_BYTES:
                break
        detail = _error_detail(preview[:_ERROR_PREVIEW_BYTES].decode("utf-8", "replace"))
        return (
            f"the {self.service} at {self.shown} answered HTTP {response.status_code}"
            f"{f' ({detail})' if detail else ''} to {redacted_url(asked)}; "
            "expected a successful answer; check the URL, --service, --layer and the area."
        )

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise self._too_slow()

    def _too_slow(self) -> ServiceError:
        return ServiceError(
            f"fetching from the {self.service} at {self.shown} took more than "
            f"{self.limits.total_time_s:g} s; expected less; ask for a smaller bounding box."
        )


def check_service_url(url: str, service: str, hosts: HostPolicy | None = None) -> None:
    """Refuse a service URL that is not http or https, or that ``hosts`` refuses (see
    :func:`fetch_features`), before any request."""
    what = SERVICES.get(service, service)
    _checked(url, None, what)
    if hosts is not None:
        hosts.address(url, what)


def _checked(url: str, origin: tuple[str, str] | None, service: str) -> tuple[str, str]:
    """``url``'s (scheme, host:port); refused unless http(s) and, with ``origin`` (the URL
    given; ``url`` is then a redirect or a link), on the same host and not from https to http."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        port = None
    sent = f"the {service} service sent the client to {redacted_url(url)!r}"
    if scheme not in _SCHEMES or not parts.hostname or port is None:
        if origin is not None:
            raise ServiceError(f"{sent}, not an http or https URL; refused.")
        raise ServiceError(
            f"the {service} URL {redacted_url(url)!r} is not an http or https URL; expected "
            "e.g. 'https://example.org/ogc'."
        )
    here = (scheme, f"{parts.hostname.lower()}:{port}")
    if origin is None:
        return here
    if here[1] not in (origin[1], _https_of(origin)):
        raise ServiceError(
            f"{sent}, on another host; expected every request to stay on {origin[1]}; "
            "use that host's URL directly."
        )
    if origin[0] == "https" and scheme != "https":
        raise ServiceError(f"{sent}, from https to http; expected https throughout.")
    return here


def _https_of(origin: tuple[str, str]) -> str:
    host = origin[1].rsplit(":", 1)[0]
    return f"{host}:443" if origin[1].endswith(":80") else origin[1]


def _error_detail(text: str) -> str:
    """The message of a JSON or OGC exception report, else the start of the text."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("description", "detail", "title", "message"):
            if isinstance(data.get(key), str):
                return " ".join(data[key].split())[:200]
    match = re.search(r"<(?:\w+:)?ExceptionText>(.*?)</", text, re.DOTALL)
    found = match[1] if match else re.sub(r"<[^>]*>", " ", text)
    return " ".join(found.split())[:200]


# -- features from bodies ------------------------------------------------------------------------


def _json(body: bytes, what: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        start = _error_detail(body[:_ERROR_PREVIEW_BYTES].decode("utf-8", "replace"))[:80]
        raise ServiceError(
            f"{what} is not JSON ({start}); expected a JSON answer; check the URL and --service."
        ) from exc


def _frame(features: list[dict], crs: CRS, what: str) -> gpd.GeoDataFrame:
    """GeoJSON features as a frame in ``crs`` with x/y axis order."""
    try:
        frame = gpd.GeoDataFrame.from_features(features)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ServiceError(
            f"{what} holds malformed GeoJSON features ({exc}); expected GeoJSON Features; "
            "check the URL and --service."
        ) from exc
    if "geometry" not in frame:
        frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(frame)))
    return _xy(frame.set_crs(crs, allow_override=True), crs, swap=_lat_first(crs))


def _xy(frame: gpd.GeoDataFrame, crs: CRS, *, swap: bool) -> gpd.GeoDataFrame:
    if not swap:
        return frame
    geoms = shapely.transform(frame.geometry.to_numpy(), lambda xy: xy[:, ::-1])
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=crs))


_GML_OPTIONS = {
    "GML_DOWNLOAD_SCHEMA": "NO",
    "GML_SKIP_RESOLVE_ELEMS": "ALL",
    "GML_READ_MODE": "STANDARD",
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "(network disabled)",
}


#: Columns GDAL makes of GML's own elements when it has no schema.
_GML_NOISE = ("gml_id", "lowerCorner", "upperCorner", "boundedBy")


def _gml_frame(body: bytes, crs: CRS, what: str) -> gpd.GeoDataFrame:
    """A GML page read by GDAL from memory (no schema download; x/y as GDAL gives them)."""
    _refuse_dtd(body, what)
    previous = {k: pyogrio.get_gdal_config_option(k) for k in _GML_OPTIONS}
    pyogrio.set_gdal_config_options(_GML_OPTIONS)
    try:
        frame = pyogrio.read_dataframe(body)
    except Exception as exc:  # pyogrio raises several types for unreadable data
        if b'numberReturned="0"' in body:
            return gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=crs))
        raise ServiceError(f"{what} is not readable GML ({exc}).") from exc
    finally:
        pyogrio.set_gdal_config_options(previous)
    frame = frame.drop(columns=[c for c in _GML_NOISE if c in frame.columns])
    return frame.set_crs(crs, allow_override=True)


def _refuse_dtd(body: bytes, what: str) -> None:
    if _DTD.search(body):
        raise ServiceError(f"{what} declares a DTD; expected plain XML.")


# -- the two services -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ask:
    url: str
    service: str
    layer: str
    bbox: Bounds
    bbox_crs: str
    limits: ServiceLimits


@dataclass(frozen=True)
class _Pages:
    frame: gpd.GeoDataFrame
    crs: CRS
    bbox: tuple[float, float, float, float]
    request: str
    pages: int


def _too_many_pages(ask: _Ask, session: _Session) -> ServiceError:
    return ServiceError(
        f"the {session.service} at {session.shown} has more than {ask.limits.max_pages} pages "
        f"of {ask.limits.page_size} features for layer {ask.layer!r} in that bounding box; "
        "expected fewer; ask for a smaller bounding box."
    )


def _own_parameters(url: str, reserved: frozenset[str]) -> dict[str, str]:
    """The query parameters of ``url`` that the client does not set itself."""
    query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    return {k: v for k, v in query if k.lower() not in reserved}


def _landing_page(url: str) -> str:
    """The landing page of an OGC API URL that may name its collections or items."""
    return _COLLECTIONS_PATH.sub("", url.split("?", 1)[0].rstrip("/"))


def _ogcapi(ask: _Ask, session: _Session) -> _Pages:
    base, own = _landing_page(ask.url), _own_parameters(ask.url, _OGCAPI_PARAMETERS)
    collection = f"{base}/collections/{quote(ask.layer, safe='')}"
    meta = _collection(session, base, collection, ask.layer, own)
    offered = [str(c) for c in meta.get("crs") or [CRS84_URI]]
    wanted = crs_uri(ask.bbox_crs)
    uri = wanted if wanted in offered else CRS84_URI if CRS84_URI in offered else offered[0]
    crs = _crs_of(uri, f"collection {ask.layer!r}")
    bbox = _bbox_in(ask.bbox, ask.bbox_crs, crs)
    asked: dict[str, str | int] = {
        "f": "json",
        "limit": ask.limits.page_size,
        "bbox": ",".join(map(repr, bbox)),
    }
    params = own | asked
    params |= {"bbox-crs": uri, "crs": uri} if uri != CRS84_URI else {}
    url: str | None = f"{collection}/items"
    features, pages, first = [], 0, ""
    while url is not None:
        if pages == ask.limits.max_pages:
            raise _too_many_pages(ask, session)
        body, answered = session.get(url, params if pages == 0 else None)
        first = first or answered
        page = _json(body, f"page {pages + 1} of {ask.layer!r}")
        if not isinstance(page, dict) or not isinstance(page.get("features"), list):
            raise ServiceError(f"page {pages + 1} of {ask.layer!r} is not a FeatureCollection.")
        features += page["features"]
        pages += 1
        url = _next_link(page, answered) if page["features"] else None
        session.check_time()
    frame = _frame(features, crs, f"collection {ask.layer!r}")
    return _Pages(frame, crs, bbox, redacted_url(first), pages)


def _collection(session: _Session, base: str, url: str, layer: str, own: dict) -> dict:
    """The metadata of collection ``layer``; an unknown one lists the known collections."""
    try:
        body, _ = session.get(url, own | {"f": "json"})
    except ServiceAnswerError as exc:
        if exc.status != 404:
            raise
        known = _collection_ids(session, base, own)
        if known is None:
            raise ServiceError(
                f"{session.shown} answered HTTP 404 for collection {layer!r} and lists no "
                "collections; expected the landing page of an OGC API Features service; "
                "check the URL and --service."
            ) from exc
        raise ServiceError(
            f"the OGC API Features service at {session.shown} has no collection {layer!r} "
            f"(HTTP 404); expected one of: {known}; check --layer."
        ) from exc
    meta = _json(body, f"the description of collection {layer!r}")
    if not isinstance(meta, dict):
        raise ServiceError(f"the description of collection {layer!r} is not a JSON object.")
    return meta


def _collection_ids(session: _Session, base: str, own: dict) -> str | None:
    """The ids of the service's collections (30 at most), or ``None`` without a list."""
    try:
        body, _ = session.get(f"{base}/collections", own | {"f": "json"})
        found = [str(c.get("id")) for c in json.loads(body).get("collections", [])]
    except (ServiceError, ValueError, AttributeError, TypeError):
        return None
    return ", ".join(sorted(found)[:30]) or "(none)"


def _next_link(page: dict, answered: str) -> str | None:
    for link in page.get("links") or []:
        if not isinstance(link, dict) or link.get("rel") != "next" or not link.get("href"):
            continue
        if "json" in str(link.get("type", "json")):
            return urljoin(answered, str(link["href"]))
    return None


_WFS = "{http://www.opengis.net/wfs/2.0}"
_OWS = "{http://www.opengis.net/ows/1.1}"


@dataclass(frozen=True)
class _FeatureType:
    name: str
    crs: tuple[str, ...]
    formats: tuple[str, ...]
    paging: bool


def _capabilities(session: _Session, base: str, layer: str, own: dict) -> _FeatureType:
    params = own | {"service": "WFS", "request": "GetCapabilities", "acceptVersions": "2.0.0"}
    body, _ = session.get(base, params)
    root = _xml(body, f"the answer of {session.shown} to GetCapabilities")
    names = []
    for element in root.iter(f"{_WFS}FeatureType"):
        name = (element.findtext(f"{_WFS}Name") or "").strip()
        names.append(name)
        if layer in (name, name.rsplit(":", 1)[-1]):
            listed = [element.findtext(f"{_WFS}DefaultCRS") or ""]
            listed += [e.text or "" for e in element.iter(f"{_WFS}OtherCRS")]
            formats = tuple((f.text or "").strip() for f in element.iter(f"{_WFS}Format"))
            formats = formats or _formats(root)
            crs = tuple(c.strip() for c in listed if c.strip())
            return _FeatureType(name, crs, formats, _pages(root))
    raise ServiceError(
        f"the WFS at {session.shown} has no feature type {layer!r}; expected one of: "
        f"{', '.join(sorted(names)[:30]) or '(none)'}; check --layer."
    )


def _pages(root: ET.Element) -> bool:
    """Whether the WFS says it implements result paging (``count`` and ``startIndex``)."""
    for constraint in root.iter(f"{_OWS}Constraint"):
        if constraint.get("name") == "ImplementsResultPaging":
            return (constraint.findtext(f"{_OWS}DefaultValue") or "").strip().upper() == "TRUE"
    return False


def _formats(root: ET.Element) -> tuple[str, ...]:
    for operation in root.iter(f"{_OWS}Operation"):
        if operation.get("name") == "GetFeature":
            for parameter in operation.iter(f"{_OWS}Parameter"):
                if parameter.get("name") == "outputFormat":
                    return tuple((v.text or "").strip() for v in parameter.iter(f"{_OWS}Value"))
    return ()


def _xml(body: bytes, what: str) -> ET.Element:
    _refuse_dtd(body, what)
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ServiceError(
            f"{what} is not XML ({exc}); expected a WFS 2.0 answer; check the URL and --service."
        ) from exc
    if root.tag.endswith("ExceptionReport"):
        detail = _error_detail(body.decode("utf-8", "replace"))
        raise ServiceError(f"{what}: the service answered an error ({detail}).")
    return root


def _wfs(ask: _Ask, session: _Session) -> _Pages:
    base, own = ask.url.split("?", 1)[0], _own_parameters(ask.url, _WFS_PARAMETERS)
    kind = _capabilities(session, base, ask.layer, own)
    wanted = crs_uri(ask.bbox_crs)
    urn = next((c for c in kind.crs if _same_crs(c, wanted)), kind.crs[0] if kind.crs else "")
    crs = _crs_of(urn or "urn:ogc:def:crs:EPSG::4326", f"feature type {ask.layer!r}")
    urn = urn or "urn:ogc:def:crs:EPSG::4326"
    # GeoJSON from a WFS in a lat/lon CRS is ambiguous (servers differ): take GML then.
    as_json = (
        None if _lat_first(crs) else next((f for f in kind.formats if "json" in f.lower()), None)
    )
    bbox = _bbox_in(ask.bbox, ask.bbox_crs, crs)
    params = (
        own
        | {
            "service": "WFS",
            "version": "2.0.0",
            "request": "GetFeature",
            "typeNames": kind.name,
            "srsName": urn,
            "bbox": ",".join([*map(repr, bbox), urn]),
        }
        | ({"outputFormat": as_json} if as_json else {})
    )
    read = _wfs_reader(crs, as_json is not None)
    frames, pages, first = [], 0, ""
    while True:
        if pages == ask.limits.max_pages:
            raise _too_many_pages(ask, session)
        page: dict[str, str | int] = {
            "count": ask.limits.page_size,
            "startIndex": pages * ask.limits.page_size,
        }
        body, answered = session.get(base, params | (page if kind.paging else {}))
        first = first or answered
        frame = read(body, f"page {pages + 1} of {ask.layer!r}")
        frames.append(frame)
        pages += 1
        session.check_time()
        if not kind.paging or len(frame) < ask.limits.page_size:
            break
    frame = gpd.GeoDataFrame(
        gpd.pd.concat(frames, ignore_index=True), geometry=frames[0].geometry.name, crs=crs
    )
    return _Pages(frame, crs, bbox, redacted_url(first), pages)


def _wfs_reader(crs: CRS, as_json: bool) -> Callable[[bytes, str], gpd.GeoDataFrame]:
    def read(body: bytes, what: str) -> gpd.GeoDataFrame:
        if body.lstrip()[:1] == b"<":
            if b"ExceptionReport" in body[:2048]:
                _xml(body, what)
            return _gml_frame(body, crs, what)
        page = _json(body, what)
        features = page.get("features") if isinstance(page, dict) else None
        if not isinstance(features, list):
            raise ServiceError(f"{what} is not a FeatureCollection.")
        return _frame(features, crs, what)

    return read


def _same_crs(uri: str, wanted: str) -> bool:
    try:
        return _crs_of(uri, "the WFS").equals(_crs_of(wanted, "the study"))
    except ServiceError:
        return False


_FETCHERS: dict[str, Callable[[_Ask, _Session], _Pages]] = {"wfs": _wfs, "ogcapi": _ogcapi}


def fetch_features(
    url: str,
    service: str,
    layer: str,
    *,
    bbox: Bounds,
    bbox_crs: str,
    limits: ServiceLimits | None = None,
    hosts: HostPolicy | None = None,
) -> ServiceFeatures:
    """The features of ``layer`` of the ``service`` (``"wfs"`` or ``"ogcapi"``) at ``url``
    that meet ``bbox`` (``(minx, miny, maxx, maxy)`` in ``bbox_crs``), all pages of them.

    Raises :class:`ServiceError` with one line (what was given, what was expected, how to
    fix) when the URL is refused, the service cannot be reached, answers an error, exceeds
    ``limits`` or sends what is not features; :class:`~geo.layers.service_hosts.HostRefusedError`
    when ``hosts`` (a server's policy; default: any host) refuses a request.
    """
    if service not in SERVICES:
        raise ServiceError(
            f"service {service!r} is not supported; expected one of {', '.join(SERVICES)}."
        )
    ask = _Ask(url, SERVICES[service], layer, bbox, bbox_crs, limits or ServiceLimits())
    session = _Session(url, ask.service, ask.limits, hosts)
    try:
        pages = _FETCHERS[service](ask, session)
    finally:
        session.close()
    provenance = ServiceProvenance(
        service=service,
        url=redacted_url(url),
        layer=layer,
        crs=crs_label(pages.crs),
        bbox=pages.bbox,
        request=pages.request,
        page_size=ask.limits.page_size,
        pages=pages.pages,
        bytes=session.spent,
        feature_count=len(pages.frame),
        retrieved_at=utc_now(),
    )
    return ServiceFeatures(pages.frame, provenance, session.digest.hexdigest())
