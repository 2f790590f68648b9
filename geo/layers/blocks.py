"""Block-wise raster reading and writing on the study grid.

The suitability engine never holds a whole raster: it reads and writes windows (blocks). This
module is where those rasters are opened:

- :func:`block_windows` cuts the grid into windows of at most ``block_size`` cells a side;
- :func:`check_aligned` refuses a raster whose CRS, origin, cell size or shape differ from the
  grid (reproject and resample it onto the grid first);
- :class:`RasterReader` keeps a raster open and reads windows as float64 with NaN as nodata
  (the raster's nodata value, and cells outside the raster when ``boundless``);
- :class:`CogWriter` writes float32 blocks to a tiled temporary GeoTIFF (sparse: a block that
  is all nodata is not written, and reads back as nodata), then turns it into a Cloud
  Optimized GeoTIFF with overviews and moves it into place (:func:`geo.atomic.atomic_path`), so a
  reader never sees a half-written file.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np
import rasterio
import rasterio.shutil
from affine import Affine
from pyproj import CRS
from rasterio.errors import RasterioIOError
from rasterio.windows import Window

from geo.atomic import atomic_path, temporary_sibling
from geo.errors import CRSError, RasterError
from geo.grid import Grid

log = logging.getLogger(__name__)

#: Creation options of the final COG: ZSTD level 3 with the floating-point predictor (about twice
#: as fast as DEFLATE at the same size; readable by GDAL ≥ 2.3, QGIS, rasterio), overviews by
#: averaging (nodata-aware), compression spread over all cores.
COG_OPTIONS = {
    "COMPRESS": "ZSTD",
    "LEVEL": "3",
    "PREDICTOR": "3",
    "OVERVIEWS": "AUTO",
    "RESAMPLING": "AVERAGE",
    "NUM_THREADS": "ALL_CPUS",
    "BIGTIFF": "IF_SAFER",
}


#: GDAL's block cache while streaming (MB): every block is read once, so a small cache suffices
#: and keeps memory independent of the raster size (GDAL's default is 5 % of the RAM).
STREAMING_CACHE_MB = 64


def streaming_env() -> rasterio.Env:
    """A GDAL environment for streaming: a small block cache (see :data:`STREAMING_CACHE_MB`)."""
    return rasterio.Env(GDAL_CACHEMAX=STREAMING_CACHE_MB)


def block_windows(grid: Grid, block_size: int) -> list[Window]:
    """Windows of at most ``block_size`` x ``block_size`` cells covering the grid, row-major."""
    if block_size < 16 or block_size % 16:
        raise RasterError(
            f"block size {block_size}; expected a positive multiple of 16 (e.g. 256 or 512)."
        )
    return [
        Window(col, row, min(block_size, grid.width - col), min(block_size, grid.height - row))
        for row in range(0, grid.height, block_size)
        for col in range(0, grid.width, block_size)
    ]


def window_transform(grid: Grid, window: Window) -> Affine:
    """The affine transform of a window (its top-left corner as origin)."""
    x, y = window_origin(grid, window)
    return Affine(grid.cell_size_m, 0.0, x, 0.0, -grid.cell_size_m, y)


def window_origin(grid: Grid, window: Window) -> tuple[float, float]:
    """``(x, y)`` of a window's top-left corner (the window may reach beyond the grid)."""
    return (
        grid.x_min + window.col_off * grid.cell_size_m,
        grid.y_max - window.row_off * grid.cell_size_m,
    )


def window_bounds(grid: Grid, window: Window) -> tuple[float, float, float, float]:
    """``(x_min, y_min, x_max, y_max)`` of a window."""
    x, y = window_origin(grid, window)
    return (x, y - window.height * grid.cell_size_m, x + window.width * grid.cell_size_m, y)


@dataclass(frozen=True)
class RasterInfo:
    """What a raster file declares about itself."""

    path: Path
    crs: CRS | None
    transform: Affine
    width: int
    height: int
    count: int
    nodata: float | None
    dtype: str = "float64"


def raster_info(path: str | os.PathLike[str]) -> RasterInfo:
    """Read the georeferencing of a raster without reading its cells."""
    with _open(path) as src:
        crs = CRS.from_user_input(src.crs) if src.crs else None
        return RasterInfo(
            Path(path),
            crs,
            src.transform,
            src.width,
            src.height,
            src.count,
            src.nodata,
            src.dtypes[0],
        )


def check_aligned(path: str | os.PathLike[str], grid: Grid, *, what: str) -> RasterInfo:
    """Refuse a raster that is not on ``grid`` (same CRS, origin, cell size and shape)."""
    info = raster_info(path)
    if info.crs is None or info.crs != CRS.from_user_input(grid.crs):
        raise CRSError(
            f"{what} ({info.path.name}) is in CRS {info.crs.to_string() if info.crs else None}; "
            f"expected the grid CRS {grid.crs}. Reproject it onto the study grid first."
        )
    if not info.transform.almost_equals(grid.transform, precision=1e-6) or (
        (info.height, info.width) != grid.shape
    ):
        raise RasterError(
            f"{what} ({info.path.name}) has transform {tuple(info.transform)[:6]} and shape "
            f"{(info.height, info.width)}; expected the grid's {tuple(grid.transform)[:6]} and "
            f"{grid.shape}. Resample it onto the study grid first."
        )
    return info


def _open(path: str | os.PathLike[str]) -> rasterio.DatasetReader:
    try:
        # NUM_THREADS: GDAL decodes the tiles of a multi-tile window in parallel
        return rasterio.open(path, NUM_THREADS="ALL_CPUS")
    except RasterioIOError as exc:
        raise RasterError(f"cannot open raster {os.fspath(path)!r}: {exc}") from exc


class RasterReader:
    """An open single-band raster, read window by window as float64 with NaN as nodata."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._src = _open(path)

    @property
    def float_dtype(self) -> type:
        """The smallest float type holding every value of the raster exactly."""
        small = {"uint8", "int8", "uint16", "int16", "float32"}
        return np.float32 if self._src.dtypes[0] in small else np.float64

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)`` of the raster."""
        return (self._src.height, self._src.width)

    def read(
        self, window: Window, *, boundless: bool = False, dtype: type = np.float64
    ) -> np.ndarray:
        """Cells of ``window`` as ``dtype`` (float64 or float32), NaN where nodata and, when
        ``boundless``, outside the raster."""
        if boundless:
            return self._read_boundless(window, dtype)
        values = self._src.read(1, window=window, out_dtype=dtype)
        nodata = self._src.nodata
        if nodata is not None and not np.isnan(nodata):
            values[values == nodata] = np.nan
        return values

    def _read_boundless(self, window: Window, dtype: type) -> np.ndarray:
        out: np.ndarray = np.full((int(window.height), int(window.width)), np.nan, dtype=dtype)
        row0, col0 = int(window.row_off), int(window.col_off)
        rows = slice(max(row0, 0), min(row0 + out.shape[0], self._src.height))
        cols = slice(max(col0, 0), min(col0 + out.shape[1], self._src.width))
        if rows.start < rows.stop and cols.start < cols.stop:
            inner = Window.from_slices(rows, cols)
            out[rows.start - row0 : rows.stop - row0, cols.start - col0 : cols.stop - col0] = (
                self.read(inner, dtype=dtype)
            )
        return out

    def close(self) -> None:
        self._src.close()

    def __enter__(self) -> RasterReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ThreadLocalReader:
    """Reads one raster from several threads: each thread gets its own :class:`RasterReader`
    (a GDAL dataset must not be shared between threads)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._opened: list[RasterReader] = []
        self._lock = threading.Lock()

    def read(
        self, window: Window, *, boundless: bool = False, smallest_float: bool = False
    ) -> np.ndarray:
        """Cells of ``window`` with NaN as nodata (see :meth:`RasterReader.read`): float64, or
        with ``smallest_float`` the raster's :attr:`RasterReader.float_dtype`."""
        reader = getattr(self._local, "reader", None)
        if reader is None:
            reader = self._local.reader = RasterReader(self.path)
            with self._lock:
                self._opened.append(reader)
        dtype = reader.float_dtype if smallest_float else np.float64
        return reader.read(window, boundless=boundless, dtype=dtype)

    def __reduce__(self) -> tuple[type, tuple[Path]]:
        """Pickled as its path: every process opens its own files."""
        return (ThreadLocalReader, (self.path,))

    def close(self) -> None:
        """Close the readers of every thread."""
        with self._lock:
            for reader in self._opened:
                reader.close()
            self._opened.clear()
            self._local = threading.local()


def read_raster(path: str | os.PathLike[str]) -> np.ndarray:
    """A whole single-band raster as float64 with NaN as nodata."""
    with RasterReader(path) as reader:
        height, width = reader.shape
        return reader.read(Window(0, 0, width, height))


class CogWriter:
    """Write a float32 raster on ``grid`` block by block; on success it becomes a COG at ``path``.

    Use as a context manager: blocks go to a tiled GeoTIFF next to ``path``; leaving the block
    without an error converts it to a COG with overviews in a second temporary file and moves
    that onto ``path`` atomically. On error both temporary files are removed and ``path`` is
    left as it was.
    """

    dtype = "float32"
    nodata: float | None = np.nan

    def __init__(self, path: str | os.PathLike[str], grid: Grid, *, block_size: int = 512) -> None:
        self.path = Path(path)
        self.grid = grid
        self.block_size = block_size
        self._tmp: Path | None = None
        self._dst: rasterio.io.DatasetWriter | None = None

    def __enter__(self) -> CogWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = temporary_sibling(self.path.with_suffix(".blocks.tif"))
        self._dst = rasterio.open(
            self._tmp,
            "w",
            driver="GTiff",
            width=self.grid.width,
            height=self.grid.height,
            count=1,
            dtype=self.dtype,
            crs=self.grid.crs,
            transform=self.grid.transform,
            nodata=self.nodata,
            tiled=True,
            blockxsize=self.block_size,
            blockysize=self.block_size,
            BIGTIFF="IF_SAFER",
            SPARSE_OK=self._nan_nodata,
        )
        return self

    @property
    def _nan_nodata(self) -> bool:
        return self.nodata is not None and bool(np.isnan(self.nodata))

    def write(self, window: Window, values: np.ndarray) -> None:
        """Write one block (NaN = nodata); a block of NaN only is left out of the sparse
        temporary file, which reads it back as nodata."""
        assert self._dst is not None, "CogWriter.write outside its with-block"
        if self._nan_nodata and np.isnan(values).all():
            return
        self._dst.write(values.astype(self.dtype, copy=False), 1, window=window)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._dst is not None and self._tmp is not None
        self._dst.close()
        try:
            if exc_type is None:
                _to_cog(self._tmp, self.path)
        finally:
            self._tmp.unlink(missing_ok=True)


def _to_cog(source: Path, path: Path) -> None:
    with atomic_path(path) as staged:
        rasterio.shutil.copy(source, staged, driver="COG", **COG_OPTIONS)
    log.debug("wrote %s", path)
