"""Offline web assets: fetch Leaflet, its plugins and the API pages' scripts once through npm.

Folium links its scripts and styles from content-delivery networks. :func:`fetch_assets` reads
those URLs from the Folium classes the maps use (so the versions are always Folium's own), adds
the scripts of the web app's API documentation (Swagger UI, a pinned version), maps each
URL to an npm package, version and file, gets the package with ``npm pack`` (the npm client and
its configured registry) and copies only the needed files, plus the images and fonts their
stylesheets refer to, into a folder with a ``manifest.json``. The default folder is the
installation's own (``<prefix>/share/parkplan/assets``, filled by ``scripts/bootstrap.py``).

:func:`inline_assets` replaces every ``<script src>`` and ``<link href>`` by the cached content
(stylesheet images as ``data:`` URIs), so that one HTML file works with no network at all;
:func:`served_links` points them at the web app's ``/assets/`` route instead.
"""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
import os
import posixpath
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

from branca.element import Element

from geo.atomic import write_atomically
from webmap.errors import AssetError

logger = logging.getLogger(__name__)
mimetypes.add_type("font/woff2", ".woff2")
mimetypes.add_type("font/woff", ".woff")
mimetypes.add_type("font/ttf", ".ttf")
mimetypes.add_type("image/svg+xml", ".svg")

ENV_CACHE = "PARKPLAN_ASSETS"
MANIFEST = "manifest.json"
FETCH_HINT = "run `parkplan assets fetch` (with network access to the npm registry) first"
NPM_TIMEOUT_S = 300

#: url(...) references inside a stylesheet.
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
#: <script src="..."></script> and <link ... href="..."> as Folium writes them.
SCRIPT_TAG = re.compile(
    r"""<script\b[^>]*?\bsrc\s*=\s*(["'])(?P<url>[^"']+)\1[^>]*>\s*</script>""", re.I
)
LINK_TAG = re.compile(r"""<link\b[^>]*?\bhref\s*=\s*(["'])(?P<url>[^"']+)\1[^>]*>""", re.I)


@dataclass(frozen=True)
class NpmFile:
    """Where the file behind a CDN ``url`` lives: ``path`` inside npm ``package``@``version``."""

    url: str
    package: str
    version: str | None
    path: str

    @property
    def spec(self) -> str:
        return f"{self.package}@{self.version}" if self.version else self.package


@dataclass(frozen=True)
class FetchReport:
    """What :func:`fetch_assets` put into ``cache_dir`` and what it could not obtain (and why)."""

    cache_dir: Path
    fetched: tuple[str, ...]
    unavailable: tuple[tuple[str, str], ...]


# --- which URLs, and where npm has them -----------------------------------------------------

#: URL path shapes of the CDNs Folium uses; the host is never needed.
_NPM_PATH = re.compile(r"^/npm/(?P<package>@?[^@/]+(?:/[^@/]+)?)@(?P<version>[^/]+)/(?P<path>.+)$")
_GITHUB_PATH = re.compile(r"^/gh/[^/]+/(?P<package>[^@/]+)(?:@(?P<version>[^/]+))?/(?P<path>.+)$")
_LIBS_PATH = re.compile(r"^/ajax/libs/(?P<package>[^/]+)/(?P<version>[^/]+)/(?P<path>.+)$")
_ROOT_FILE = re.compile(
    r"^/(?P<package>[a-z][\w.]*?)-(?P<version>\d+\.\d+\.\d+)(?P<ext>(\.min)?\.(js|css))$"
)


def npm_file(url: str) -> NpmFile | None:
    """The npm package, version and path of a CDN ``url``, or None when npm has no such package.

    GitHub and cdnjs library names are lower-cased to the npm name (``Leaflet.Sync`` ->
    ``leaflet.sync``); ``/jquery-3.7.1.min.js`` is ``jquery``'s ``jquery.min.js``.
    """
    path = urlparse(url).path
    for shape, lower in ((_NPM_PATH, False), (_GITHUB_PATH, True), (_LIBS_PATH, True)):
        match = shape.match(path)
        if match:
            package = match["package"].lower() if lower else match["package"]
            return NpmFile(url, package, match["version"], match["path"])
    match = _ROOT_FILE.match(path)
    if match:
        return NpmFile(url, match["package"], match["version"], match["package"] + match["ext"])
    return None


#: The script and style of the web app's API documentation page (``/docs``, Swagger UI).
SWAGGER_JS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.35.0/swagger-ui-bundle.js"
SWAGGER_CSS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.35.0/swagger-ui.css"
DOCS_ASSET_URLS = (SWAGGER_JS, SWAGGER_CSS)


def map_asset_urls() -> tuple[str, ...]:
    """Every script and stylesheet URL the maps of :mod:`webmap.maps` link."""
    from folium.plugins import Fullscreen, MiniMap

    from webmap.maps import LeafletMap

    classes = (LeafletMap, Fullscreen, MiniMap)
    return tuple(url for cls in classes for _, url in (*cls.default_js, *cls.default_css))


def all_asset_urls() -> tuple[str, ...]:
    """What the maps and the web app's pages link: the assets :func:`fetch_assets` fetches."""
    return (*map_asset_urls(), *DOCS_ASSET_URLS)


def installed_assets_dir() -> Path:
    """The installation's own asset folder: ``<sys.prefix>/share/parkplan/assets``."""
    return Path(sys.prefix) / "share" / "parkplan" / "assets"


def default_cache_dir() -> Path:
    """``$PARKPLAN_ASSETS``; else the installation's folder when it has been filled (or no user
    cache exists); else ``~/.cache/parkplan/assets``."""
    configured = os.environ.get(ENV_CACHE)
    if configured:
        return Path(configured).expanduser()
    installed, user = installed_assets_dir(), Path.home() / ".cache/parkplan/assets"
    if (installed / MANIFEST).is_file() or not (user / MANIFEST).is_file():
        return installed
    return user


# --- fetching -------------------------------------------------------------------------------


def fetch_assets(
    cache_dir: Path | str | None = None,
    *,
    urls: Iterable[str] | None = None,
    npm: str = "npm",
    force: bool = False,
) -> FetchReport:
    """Fill ``cache_dir`` with the files behind ``urls`` (default: what the maps link).

    Each package is fetched once with ``npm pack <package>@<version>``; only the needed files
    (and the files their stylesheets refer to) are copied out, by name, never outside the cache.
    URLs npm cannot serve, or that pin no version, are listed in the report's ``unavailable``
    with the reason (Folium's defaults include three: Bootstrap 3 glyphicons, which npm does not
    carry as a file, awesome-markers 2.0.2, a version npm lacks, and an unversioned stylesheet
    of Folium's repository); :func:`inline_assets` then drops their links. URLs already in
    the cache are kept unless ``force``.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(cache)
    wanted = list(dict.fromkeys(urls if urls is not None else all_asset_urls()))
    if not force:
        wanted = [url for url in wanted if not AssetSource(cache).has([url])]
    by_spec: dict[str, list[NpmFile]] = {}
    unavailable: list[tuple[str, str]] = []
    for url in wanted:
        located = npm_file(url)
        if located is None:
            unavailable.append((url, "no npm package is known for this URL"))
        elif located.version is None:
            unavailable.append((url, f"the URL pins no version of {located.package}"))
        else:
            by_spec.setdefault(located.spec, []).append(located)
    fetched: list[str] = []
    with tempfile.TemporaryDirectory(prefix="parkplan-npm-") as scratch:
        for spec, files in by_spec.items():
            try:
                tarball = npm_pack(spec, Path(scratch), npm=npm)
            except AssetError as exc:
                unavailable.extend((f.url, str(exc)) for f in files)
                continue
            for located in files:
                try:
                    manifest["assets"][located.url] = copy_from_tarball(tarball, located, cache)
                    fetched.append(located.url)
                except AssetError as exc:
                    unavailable.append((located.url, str(exc)))
    manifest["unavailable"] = dict(unavailable)
    write_manifest(cache, manifest)
    for url, reason in unavailable:
        logger.warning("asset not available offline: %s (%s)", url, reason)
    return FetchReport(cache, tuple(fetched), tuple(unavailable))


def npm_pack(spec: str, scratch: Path, *, npm: str = "npm") -> Path:
    """Download the tarball of ``spec`` into ``scratch`` with the npm client; return its path."""
    command = [npm, "pack", spec, "--json", "--ignore-scripts", "--pack-destination", str(scratch)]
    logger.info("npm pack %s", spec)
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=NPM_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AssetError(f"`npm pack {spec}` could not run ({exc}); install npm or retry.") from exc
    if done.returncode != 0:
        raise AssetError(f"`npm pack {spec}` failed: {npm_complaint(done.stderr or done.stdout)}")
    try:
        filename = json.loads(done.stdout)[0]["filename"]
    except (ValueError, LookupError, TypeError) as exc:
        raise AssetError(
            f"`npm pack {spec}` printed no tarball name; got {done.stdout[:200]!r}."
        ) from exc
    return scratch / Path(filename).name


def npm_complaint(output: str) -> str:
    """npm's first error message (not its ``code`` line, no ``npm error`` prefix), <= 200 chars."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    prefix = re.compile(r"^npm (error|err!)\s*", re.I)
    errors = [prefix.sub("", line) for line in lines if prefix.match(line)]
    messages = [line for line in errors if not line.startswith("code ")]
    return (messages or errors or lines or ["no output"])[0][:200]


def copy_from_tarball(tarball: Path, located: NpmFile, cache: Path) -> dict:
    """Copy ``located``'s file (and the files a stylesheet refers to) into ``cache``.

    Returns the manifest entry ``{"file": <path in cache>, "package": <spec>}``.
    """
    folder = PurePosixPath(safe_relative(located.spec.replace("/", "__")))
    with tarfile.open(tarball, "r:gz") as archive:
        members = {
            strip_top(m.name): m for m in archive.getmembers() if m.isfile() and strip_top(m.name)
        }
        inner = find_member(members, located.path)
        if inner is None:
            raise AssetError(f"{located.spec} has no file like {located.path!r}")
        needed = [inner]
        if inner.endswith(".css"):
            css = read_member(archive, members[inner]).decode("utf-8", "replace")
            needed += [
                ref for ref in css_references(css, inner) if ref in members and ref not in needed
            ]
        for name in needed:
            target = cache / folder / safe_relative(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(target, read_member(archive, members[name]))
    return {"file": str(folder / inner), "package": located.spec}


def strip_top(name: str) -> str:
    """A tarball member's path without npm's top folder (usually ``package/``)."""
    parts = PurePosixPath(name).parts
    return str(PurePosixPath(*parts[1:])) if len(parts) > 1 else ""


def find_member(members: dict, path: str) -> str | None:
    """The tarball file for a CDN ``path``: exact, under ``dist/``, same name, or its min twin."""
    path = posixpath.normpath(path.lstrip("/"))
    for candidate in (path, f"dist/{path}"):
        if candidate in members:
            return candidate
    name = PurePosixPath(path).name
    if ".min." in name:
        twin = name.replace(".min.", ".")
    else:
        twin = re.sub(r"\.(js|css)$", r".min.\1", name)
    for wanted in (name, twin):
        matches = sorted((m for m in members if PurePosixPath(m).name == wanted), key=len)
        if matches:
            return matches[0]
    return None


def css_references(css: str, css_path: str) -> list[str]:
    """Package-relative paths of the local files a stylesheet at ``css_path`` refers to."""
    base = PurePosixPath(css_path).parent
    refs = []
    for _, ref in CSS_URL.findall(css):
        ref = ref.strip().split("#")[0].split("?")[0]
        if not ref or ref.startswith(("data:", "http:", "https:", "//", "/")):
            continue
        refs.append(posixpath.normpath(str(base / ref)))
    return list(dict.fromkeys(refs))


def safe_relative(name: str) -> PurePosixPath:
    """``name`` as a relative path with no ``..``; anything else is refused (path traversal)."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise AssetError(f"refusing the unsafe archive path {name!r}; expected a relative path.")
    return path


def read_member(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = archive.extractfile(member)
    if handle is None:
        raise AssetError(f"cannot read {member.name!r} from the npm tarball.")
    with handle:
        return handle.read()


def read_manifest(cache: Path) -> dict:
    try:
        manifest = json.loads((cache / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"assets": {}, "unavailable": {}}
    manifest.setdefault("assets", {})
    manifest.setdefault("unavailable", {})
    return manifest


def write_manifest(cache: Path, manifest: dict) -> None:
    write_atomically(cache / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())


# --- using the cache ------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetSource:
    """A filled asset cache (see :func:`fetch_assets`)."""

    cache_dir: Path

    @classmethod
    def default(cls) -> AssetSource:
        return cls(default_cache_dir())

    def manifest(self) -> dict:
        return read_manifest(Path(self.cache_dir))

    def path(self, url: str) -> Path:
        """The cached file behind ``url`` (a CDN URL or a ``file://`` URL inside the cache)."""
        cache = Path(self.cache_dir).resolve()
        if url.startswith("file:"):
            local = Path(unquote(urlparse(url).path)).resolve()
            if local.is_relative_to(cache) and local.is_file():
                return local
        entry = self.manifest()["assets"].get(url)
        if entry is not None:
            local = (cache / safe_relative(entry["file"])).resolve()
            if local.is_file():
                return local
        raise AssetError(f"the web asset {url} is not in the cache {cache}; {FETCH_HINT}.")

    def file_url(self, url: str) -> str:
        """The ``file://`` URL of the cached copy of ``url``."""
        return self.path(url).as_uri()

    def is_unavailable(self, url: str) -> bool:
        """True when fetching found that npm cannot provide ``url``."""
        return url in self.manifest()["unavailable"]

    def has(self, urls: Iterable[str]) -> bool:
        """Whether every one of ``urls`` is in the cache (or known to be unavailable)."""
        entries = self.manifest()
        cache = Path(self.cache_dir)
        for url in urls:
            entry = entries["assets"].get(url)
            if url in entries["unavailable"]:
                continue
            if entry is None or not (cache / safe_relative(entry["file"])).is_file():
                return False
        return True

    def served_path(self, relative: str) -> Path:
        """The cached file at ``relative`` (a path inside the cache, as :func:`served_links`
        writes it); :class:`AssetError` for anything else (no ``..``, no manifest)."""
        cache = Path(self.cache_dir).resolve()
        local = (cache / safe_relative(relative)).resolve()
        if local.name == MANIFEST or not local.is_relative_to(cache) or not local.is_file():
            raise AssetError(f"no web asset {relative!r} in the cache; {FETCH_HINT}.")
        return local


def use_local_files(element: Element, source: AssetSource) -> None:
    """Point every script and stylesheet link of ``element`` and its children to the cache."""
    for item in walk(element):
        for attribute in ("default_js", "default_css"):
            links = getattr(item, attribute, None)
            if links:
                setattr(item, attribute, [(n, source.file_url(u)) for n, u in links])


def walk(element: Element) -> Iterator[Element]:
    yield element
    for child in element._children.values():
        yield from walk(child)


def inline_assets(html: str, source: AssetSource) -> str:
    """``html`` with every linked script and stylesheet replaced by the cached content.

    Stylesheet ``url(...)`` references become ``data:`` URIs. Links npm could not provide are
    dropped with a warning; any other link missing from the cache raises :class:`AssetError`.
    """

    def script(match: re.Match) -> str:
        url = match["url"]
        if source.is_unavailable(url):
            logger.warning("dropping %s: not available offline", url)
            return ""
        code = source.path(url).read_text(encoding="utf-8").replace("</script", "<\\/script")
        return f"<script>{code}</script>"

    def stylesheet(match: re.Match) -> str:
        url = match["url"]
        if "stylesheet" not in match.group(0).lower():
            return match.group(0)
        if source.is_unavailable(url):
            logger.warning("dropping %s: not available offline", url)
            return ""
        path = source.path(url)
        css = embed_css_references(path.read_text(encoding="utf-8"), path).replace(
            "</style", "<\\/style"
        )
        return f"<style>{css}</style>"

    inlined = LINK_TAG.sub(stylesheet, SCRIPT_TAG.sub(script, html))
    remaining = external_references(inlined)
    if remaining:
        raise AssetError(
            f"{len(remaining)} asset link(s) remain, e.g. {remaining[0]}; {FETCH_HINT}."
        )
    return inlined


def served_links(html: str, source: AssetSource, prefix: str = "/assets/") -> str:
    """``html`` with every cached script and stylesheet link pointing at ``prefix`` + its path
    in the cache (the web app serves the cache there); links npm could not provide are dropped,
    links missing from the cache are left as they are."""
    manifest = source.manifest()

    def local(match: re.Match) -> str:
        url = match["url"]
        if url in manifest["unavailable"]:
            return ""
        entry = manifest["assets"].get(url)
        if entry is None:
            return match.group(0)
        return match.group(0).replace(url, prefix + safe_relative(entry["file"]).as_posix())

    return LINK_TAG.sub(local, SCRIPT_TAG.sub(local, html))


def embed_css_references(css: str, css_file: Path) -> str:
    """``css`` with ``url(relative)`` references to existing files as ``data:`` URIs."""

    def embed(match: re.Match) -> str:
        ref = match.group(2).strip()
        if ref.startswith(("data:", "#")):
            return match.group(0)
        local = (css_file.parent / ref.split("#")[0].split("?")[0]).resolve()
        if not local.is_file():
            return match.group(0)
        mime = mimetypes.guess_type(local.name)[0] or "application/octet-stream"
        encoded = base64.b64encode(local.read_bytes()).decode("ascii")
        return f'url("data:{mime};base64,{encoded}")'

    return CSS_URL.sub(embed, css)


def external_references(html: str) -> list[str]:
    """URLs still linked by ``<script src>`` or stylesheet ``<link href>`` in ``html``."""
    scripts = [m["url"] for m in SCRIPT_TAG.finditer(html)]
    sheets = [m["url"] for m in LINK_TAG.finditer(html) if "stylesheet" in m.group(0).lower()]
    return scripts + sheets
