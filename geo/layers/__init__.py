"""Layers: reading, validating and writing spatial data.

The only part of :mod:`geo` that opens files. A source (GeoPackage, Shapefile, zipped or not,
GeoJSON, FlatGeobuf, CSV, GeoTIFF/COG) is resolved to one dataset (:mod:`~geo.layers.read`),
its CRS detected and checked (:mod:`~geo.layers.crs`), its features validated and repaired
(:mod:`~geo.layers.validate`), reprojected to the study CRS (:mod:`~geo.layers.load`), and
written atomically (:mod:`~geo.layers.write`); rasters are stored as COG and aligned on the
study grid on demand (:mod:`~geo.layers.raster`). :class:`LayerInfo` records the provenance.
Client files are data, never instructions: nothing in them may make GDAL or PROJ read another
file or reach the network (:mod:`~geo.layers.guards`, :mod:`~geo.layers.crs`).
"""

from geo.atomic import atomic_path
from geo.layers.archive import ArchiveLimits
from geo.layers.load import PreparedVector, prepare_vector
from geo.layers.provenance import LayerInfo, source_sha256
from geo.layers.raster import RasterFacts, align_raster, inspect_raster, rasterize, write_cog
from geo.layers.read import Dataset, VectorRead, read_vector, resolved_source
from geo.layers.validate import ValidationReport, validate_vector
from geo.layers.write import export_vector, write_gpkg

__all__ = [
    "ArchiveLimits",
    "Dataset",
    "LayerInfo",
    "PreparedVector",
    "RasterFacts",
    "ValidationReport",
    "VectorRead",
    "align_raster",
    "atomic_path",
    "export_vector",
    "inspect_raster",
    "prepare_vector",
    "rasterize",
    "read_vector",
    "resolved_source",
    "source_sha256",
    "validate_vector",
    "write_cog",
    "write_gpkg",
]
