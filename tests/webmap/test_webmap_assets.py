"""Offline web assets: URL -> npm mapping, safe extraction, inlining, the CLI."""

from __future__ import annotations

import io
import json
import sys
import tarfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import folium
import pytest
from click.testing import CliRunner
from folium.plugins import Fullscreen, MiniMap

from parkplan.cli.assets import assets as assets_command
from webmap.assets import (
    AssetSource,
    NpmFile,
    copy_from_tarball,
    external_references,
    fetch_assets,
    inline_assets,
    map_asset_urls,
    npm_complaint,
    npm_file,
)
from webmap.errors import AssetError
from webmap.maps import map_html, site_map

CSS = "a { background: url(img/dot.png) } b { background: url('data:image/gif;base64,R0') }"
PNG = b"\x89PNG\r\n\x1a\nfake"
JS_URL = "https://cdn.example.org/npm/demo-lib@1.2.3/dist/demo.min.js"
CSS_URL = "https://cdn.example.org/npm/demo-lib@1.2.3/dist/demo.css"
NOWHERE_URL = "https://other.example.org/bootstrap/3.0.0/css/bootstrap-glyphicons.css"


def tarball(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path


@pytest.fixture
def fake_npm(tmp_path) -> Path:
    """An ``npm`` that packs demo-lib@1.2.3 (and fails for anything else), logging its calls."""
    files = {
        "package/dist/demo.js": b"window.demo = '</script>';",
        "package/dist/demo.css": CSS.encode(),
        "package/dist/img/dot.png": PNG,
        "package/README.md": b"unused",
    }
    source = tmp_path / "demo-lib-1.2.3.tgz"
    tarball(source, files)
    script = tmp_path / "npm"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, shutil, sys\n"
        f"open({str(tmp_path / 'calls.log')!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n"
        "spec = sys.argv[2]\n"
        "if spec != 'demo-lib@1.2.3':\n"
        "    sys.exit('npm error 404 Not Found - ' + spec)\n"
        "dest = sys.argv[sys.argv.index('--pack-destination') + 1]\n"
        f"shutil.copy({str(source)!r}, dest)\n"
        "print(json.dumps([{'filename': 'demo-lib-1.2.3.tgz'}]))\n"
    )
    script.chmod(0o755)
    return script


def test_folium_urls_map_to_npm_packages():
    located = {(f.spec, f.path) for f in map(npm_file, map_asset_urls())}
    leaflet_version = folium.Map.default_js[0][1].split("@")[1].split("/")[0]
    assert (f"leaflet@{leaflet_version}", "dist/leaflet.js") in located
    assert ("leaflet.fullscreen@3.0.0", "Control.FullScreen.min.js") in located
    assert ("leaflet-minimap@3.6.1", "Control.MiniMap.css") in located
    assert all(
        url in map_asset_urls() for cls in (Fullscreen, MiniMap) for _, url in cls.default_js
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://code.example.org/jquery-3.7.1.min.js",
            NpmFile(
                "https://code.example.org/jquery-3.7.1.min.js", "jquery", "3.7.1", "jquery.min.js"
            ),
        ),
        (
            "https://cdn.example.org/gh/jieter/Leaflet.Sync/L.Map.Sync.min.js",
            NpmFile(
                "https://cdn.example.org/gh/jieter/Leaflet.Sync/L.Map.Sync.min.js",
                "leaflet.sync",
                None,
                "L.Map.Sync.min.js",
            ),
        ),
        (
            "https://cdn.example.org/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css",
            NpmFile(
                "https://cdn.example.org/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css",
                "@fortawesome/fontawesome-free",
                "6.2.0",
                "css/all.min.css",
            ),
        ),
        (NOWHERE_URL, None),
    ],
)
def test_url_shapes(url, expected):
    assert npm_file(url) == expected


def test_fetch_copies_only_needed_files_and_reports_the_rest(tmp_path, fake_npm):
    cache = tmp_path / "cache"
    report = fetch_assets(cache, urls=[JS_URL, CSS_URL, NOWHERE_URL], npm=str(fake_npm))
    assert report.fetched == (JS_URL, CSS_URL)
    assert [url for url, _ in report.unavailable] == [NOWHERE_URL]
    files = sorted(p.relative_to(cache).as_posix() for p in cache.rglob("*") if p.is_file())
    assert files == [
        "demo-lib@1.2.3/dist/demo.css",
        "demo-lib@1.2.3/dist/demo.js",  # the min file is absent: its twin is taken
        "demo-lib@1.2.3/dist/img/dot.png",
        "manifest.json",
    ]
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert len(calls) == 1 and calls[0].startswith("pack demo-lib@1.2.3 --json")


def test_inlining_makes_the_page_self_contained(tmp_path, fake_npm):
    cache = tmp_path / "cache"
    fetch_assets(cache, urls=[JS_URL, CSS_URL, NOWHERE_URL], npm=str(fake_npm))
    page = (
        f'<html><head><script src="{JS_URL}"></script>'
        f'<link rel="stylesheet" href="{CSS_URL}"/>'
        f'<link rel="stylesheet" href="{NOWHERE_URL}"/></head><body></body></html>'
    )
    inlined = inline_assets(page, AssetSource(cache))
    assert external_references(inlined) == []
    assert "example.org" not in inlined
    assert "<\\/script>" in inlined  # the asset cannot close its own script element
    assert 'url("data:image/png;base64,iVBORw0KGgpmYWtl")' in inlined
    assert "data:image/gif;base64,R0" in inlined


def test_missing_asset_says_how_to_fix(tmp_path):
    page = f'<script src="{JS_URL}"></script>'
    with pytest.raises(AssetError) as raised:
        inline_assets(page, AssetSource(tmp_path))
    message = str(raised.value)
    assert "parkplan assets fetch" in message and "\n" not in message


def test_failing_npm_is_reported_per_url(tmp_path, fake_npm):
    url = "https://cdn.example.org/npm/missing-lib@9.9.9/x.js"
    report = fetch_assets(tmp_path / "cache", urls=[url], npm=str(fake_npm))
    assert report.fetched == ()
    assert "404" in report.unavailable[0][1]


def test_extraction_refuses_path_traversal(tmp_path):
    evil_css = b"a { background: url(../../escape.png) }"
    source = tarball(
        tmp_path / "evil.tgz",
        {"package/dist/evil.css": evil_css, "package/../escape.png": b"owned"},
    )
    cache = tmp_path / "cache"
    located = NpmFile(
        "https://cdn.example.org/npm/evil@1.0.0/dist/evil.css", "evil", "1.0.0", "dist/evil.css"
    )
    with pytest.raises(AssetError, match="unsafe archive path"):
        copy_from_tarball(source, located, cache)
    assert not (tmp_path / "escape.png").exists()
    assert not list(tmp_path.glob("**/escape.png"))


def test_map_page_inlines_every_asset(data, assets):
    page = map_html(data, assets=assets)
    assert external_references(page) == []
    for host_part in ("jsdelivr", "cdnjs", "code.jquery"):
        assert host_part not in page
    assert "tile.openstreetmap.org" not in page  # no background tiles unless the study names them


def test_local_file_mode_links_the_cache(data, assets):
    page = site_map(data, assets=assets).get_root().render()
    links = external_references(page)
    assert links and all(url.startswith("file://") for url in links)
    assert all(Path(unquote(urlparse(url).path)).is_file() for url in links)


def test_cli_fetch(tmp_path, fake_npm, monkeypatch):
    monkeypatch.setattr("webmap.assets.all_asset_urls", lambda: (JS_URL, CSS_URL))
    result = CliRunner().invoke(
        assets_command, ["fetch", "--cache", str(tmp_path / "c"), "--npm", str(fake_npm)]
    )
    assert result.exit_code == 0, result.output
    assert "2 web asset(s)" in result.output
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert set(manifest["assets"]) == {JS_URL, CSS_URL}


def test_cli_fetch_fails_when_nothing_comes(tmp_path, fake_npm, monkeypatch):
    monkeypatch.setattr("webmap.assets.map_asset_urls", lambda: (NOWHERE_URL,))
    result = CliRunner().invoke(
        assets_command, ["fetch", "--cache", str(tmp_path / "c"), "--npm", str(fake_npm)]
    )
    assert result.exit_code != 0
    assert "parkplan assets fetch" in result.output


def test_unversioned_urls_are_not_fetched(tmp_path, fake_npm):
    url = "https://cdn.example.org/gh/jieter/Leaflet.Sync/L.Map.Sync.min.js"
    report = fetch_assets(tmp_path / "cache", urls=[url], npm=str(fake_npm))
    assert report.unavailable == ((url, "the URL pins no version of leaflet.sync"),)
    assert not (tmp_path / "calls.log").exists()


def test_npm_complaint_is_its_message_line():
    output = (
        "npm warn Unknown user config\n"
        "npm error code ETARGET\n"
        "npm error notarget No matching version found for x@2.0.2.\n"
        "npm error A complete log of this run can be found in: /somewhere\n"
    )
    assert npm_complaint(output) == "notarget No matching version found for x@2.0.2."
