"""Shared pieces of the hostile-input tests: a loopback HTTP server that records what it is
asked, the bytes of a secret file, and builders for GeoTIFFs and zip archives."""

from __future__ import annotations

import http.server
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

L72 = "EPSG:31370"

#: What the secret files hold: distinctive bytes that must never reach a workspace.
SECRET_BYTES = b"TOPSECRET-" * 400


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers 404 to everything and records the paths asked for."""

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_HEAD = do_GET  # noqa: N815 (http.server names its handlers so)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def recording_server() -> Iterator[tuple[str, list[str]]]:
    """Serve on 127.0.0.1 in a thread; yield ``(base_url, hits)``."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.hits
    finally:
        server.shutdown()
        server.server_close()


def geotiff(path: Path, value: int, size: int) -> Path:
    """A real single-band GeoTIFF in Lambert 72 near Roeselare, every cell ``value``."""
    profile = {"driver": "GTiff", "width": size, "height": size, "count": 1, "dtype": "uint8"}
    profile |= {"crs": L72, "transform": from_origin(60_000, 190_000, 10, 10)}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.full((size, size), value, dtype="uint8"), 1)
    return path


def zip_of(path: Path, members: dict[str, bytes | str | Path]) -> Path:
    """A deflated zip archive of ``members`` (a file's path, or its content)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            if isinstance(content, Path):
                archive.write(content, name)
            else:
                archive.writestr(name, content)
    return path
