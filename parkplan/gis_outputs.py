"""The result GeoPackage of a run, styled for QGIS, and the style of the score raster.

``sites.gpkg`` holds four layers, each with the run's id:

- ``sites``: the ranked sites, graduated by score on the map's ramp, labelled by rank;
- ``site_pieces``: each site cut by the municipalities (``municipality``, ``area_ha`` and
  ``share`` of the site; the part outside every municipality as ``"(outside)"``);
- ``exclusion_mask``: the excluded land, one polygon per patch of cells that the same
  exclusion removed first (``exclusion``, ``code``, ``area_ha``), from ``exclusions.tif``;
- ``municipalities``: the study's municipalities (``name``), outlined and named.

Their styles are in the GeoPackage's ``layer_styles`` table, which QGIS applies on opening a
layer; the score raster gets its style as ``suitability.qml`` beside it. The GeoPackage is
version 1.2 (:data:`geo.layers.write.GPKG_OPTIONS`), which older GDAL opens without a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import rasterio
import rasterio.features
import shapely

from geo.atomic import atomic_path
from geo.engine import EXCLUSION_TAG
from geo.layers.blocks import streaming_env
from geo.layers.write import GPKG_OPTIONS
from geo.split import OUTSIDE
from parkplan import styles
from parkplan.errors import StudyError
from parkplan.pipeline import SCORE_RASTER

SITES_LAYER = "sites"
PIECES_LAYER = "site_pieces"
MASK_LAYER = "exclusion_mask"
MUNICIPALITIES_LAYER = "municipalities"
STYLES_TABLE = "layer_styles"
#: The geometry column of every layer (the one its style names).
GEOMETRY_COLUMN = "geom"
EXCLUSION_RASTER = "exclusions.tif"
#: Parts of a site smaller than this share of it (rounding slivers) are left out.
SLIVER_SHARE = 1e-9


def polygonal(geometries: np.ndarray) -> np.ndarray:
    """Each geometry as a MultiPolygon of its polygon parts (lines and points dropped)."""
    result = np.empty(len(geometries), dtype=object)
    for index, geometry in enumerate(geometries):
        parts = shapely.get_parts(shapely.get_parts(geometry))
        kept = [p for p in parts if shapely.get_type_id(p) == 3 and not p.is_empty]
        result[index] = shapely.multipolygons(kept) if kept else shapely.MultiPolygon()
    return result


def site_pieces(sites: gpd.GeoDataFrame, municipalities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Each site cut by the municipalities (``name``): ``site_id``, ``rank``, ``municipality``,
    ``area_ha``, ``share`` (of the site; the shares of a site sum to 1) and the piece."""
    if municipalities.crs != sites.crs:
        municipalities = municipalities.to_crs(sites.crs)
    tree = shapely.STRtree(municipalities.geometry.values)
    names = municipalities["name"].astype(str).to_numpy()
    rows = []
    for site_id, rank, shape in zip(
        sites["site_id"], sites["rank"], sites.geometry.values, strict=True
    ):
        rows += [(site_id, rank, name, piece) for name, piece in _pieces_of(shape, tree, names)]
    frame = pd.DataFrame(rows, columns=["site_id", "rank", "municipality", "geometry"])
    pieces = gpd.GeoDataFrame(frame, geometry="geometry", crs=sites.crs)
    area = pieces.geometry.area
    totals = area.groupby(pieces["site_id"]).transform("sum")
    return pieces.assign(area_ha=area / 10_000, share=area / totals)[
        ["site_id", "rank", "municipality", "area_ha", "share", "geometry"]
    ]


def _pieces_of(shape, tree: shapely.STRtree, names: np.ndarray) -> list[tuple[str, object]]:
    """``(municipality, piece)`` of one site, the part outside every municipality last."""
    hits = tree.query(shape, predicate="intersects")
    cut = polygonal(shapely.intersection(shape, tree.geometries[hits]))
    rest = polygonal(np.array([shapely.difference(shape, shapely.union_all(cut))]))[0]
    pieces = [*zip(names[hits], cut, strict=True), (OUTSIDE, rest)]
    return [(name, piece) for name, piece in pieces if piece.area > SLIVER_SHARE * shape.area]


def exclusion_mask(path: Path) -> gpd.GeoDataFrame:
    """The excluded cells of the exclusion raster at ``path`` as polygons: ``code``,
    ``exclusion`` (its name from the raster's metadata) and ``area_ha``.

    Every code is polygonised and code 0 (no exclusion) dropped: the same polygons as with a
    mask of the excluded cells, without the mask's copies of the grid (the grid is held twice,
    one byte a cell: the codes and GDAL's copy; GDAL's cache stays small)."""
    with streaming_env(), rasterio.open(path) as src:
        codes = src.read(1)
        tags = src.tags(1)
        found = rasterio.features.shapes(codes, transform=src.transform)
        shapes = [(int(value), shapely.geometry.shape(geom)) for geom, value in found if value]
        crs = src.crs
    code = [c for c, _ in shapes]
    names = [tags.get(EXCLUSION_TAG.format(code=c), f"exclusion {c}") for c in code]
    geometry = polygonal(np.array([g for _, g in shapes], dtype=object))
    mask = gpd.GeoDataFrame({"code": code, "exclusion": names}, geometry=geometry, crs=crs)
    return mask.assign(area_ha=mask.geometry.area / 10_000)[
        ["exclusion", "code", "area_ha", "geometry"]
    ]


def style_rows(layers: Mapping[str, styles.VectorStyle]) -> pd.DataFrame:
    """The rows of the ``layer_styles`` table: one default style per layer (QML and SLD)."""
    stamp = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    return pd.DataFrame(
        [
            {
                "f_table_catalog": "",
                "f_table_schema": "",
                "f_table_name": layer,
                "f_geometry_column": GEOMETRY_COLUMN,
                "styleName": style.name,
                "styleQML": styles.vector_qml(style),
                "styleSLD": styles.vector_sld(style, layer),
                "useAsDefault": True,
                "description": f"{layer} in the colours of the web map",
                "owner": "",
                "ui": "",
                "update_time": stamp,
            }
            for layer, style in layers.items()
        ]
    )


def layer_styles(
    layers: Mapping[str, gpd.GeoDataFrame], ramp: str
) -> dict[str, styles.VectorStyle]:
    """The style of each result layer present in ``layers``."""
    chosen = {SITES_LAYER: styles.sites_style(ramp)}
    if PIECES_LAYER in layers:
        values = layers[PIECES_LAYER]["municipality"]
        chosen[PIECES_LAYER] = styles.category_style(
            "site pieces", "municipality", values, label_field="municipality"
        )
    if MASK_LAYER in layers:
        values = layers[MASK_LAYER]["exclusion"]
        chosen[MASK_LAYER] = styles.category_style("exclusion mask", "exclusion", values)
    if MUNICIPALITIES_LAYER in layers:
        values = layers[MUNICIPALITIES_LAYER]["name"]
        chosen[MUNICIPALITIES_LAYER] = styles.border_style("municipalities", "name", values)
    return chosen


def write_styled_gpkg(
    layers: Mapping[str, gpd.GeoDataFrame], target: Path, *, ramp: str = styles.DEFAULT_RAMP
) -> Path:
    """A GeoPackage at ``target`` (atomically) with ``layers`` and their styles."""
    with atomic_path(target) as temp:
        for name, frame in layers.items():
            _write_layer(frame, temp, name)
        rows = style_rows(layer_styles(layers, ramp))
        pyogrio.write_dataframe(
            rows, temp, layer=STYLES_TABLE, driver="GPKG", layer_options={"FID": "id"}
        )
    return target


def _write_layer(frame: gpd.GeoDataFrame, path: Path, name: str) -> None:
    try:
        pyogrio.write_dataframe(
            frame,
            path,
            layer=name,
            driver="GPKG",
            geometry_type="MultiPolygon" if name != SITES_LAYER else None,
            promote_to_multi=name != SITES_LAYER,
            dataset_options=GPKG_OPTIONS if not path.exists() else None,
            layer_options={"GEOMETRY_NAME": GEOMETRY_COLUMN},
        )
    except (pyogrio.errors.DataSourceError, pyogrio.errors.FieldError, ValueError) as exc:
        raise StudyError(f"layer {name!r} cannot be written to {path.name} ({exc})") from exc


def result_layers(
    sites: gpd.GeoDataFrame,
    folder: Path,
    run_id: str,
    municipalities: gpd.GeoDataFrame | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """The layers of ``sites.gpkg``, each with ``run_id``: the sites; given the
    municipalities, the sites' pieces and the municipalities themselves; the exclusion mask
    (when the run wrote ``exclusions.tif``)."""
    layers = {SITES_LAYER: sites}
    if municipalities is not None:
        layers[PIECES_LAYER] = site_pieces(sites, municipalities)
    if (folder / EXCLUSION_RASTER).is_file():
        layers[MASK_LAYER] = exclusion_mask(folder / EXCLUSION_RASTER)
    if municipalities is not None:
        layers[MUNICIPALITIES_LAYER] = municipality_layer(municipalities, sites.crs)
    return {name: frame.assign(run_id=run_id) for name, frame in layers.items()}


def municipality_layer(municipalities: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    """The municipalities' ``name`` and outline, in ``crs``."""
    names = municipalities["name"].astype(str).to_numpy()
    layer = gpd.GeoDataFrame(
        {"name": names}, geometry=municipalities.geometry.values, crs=municipalities.crs
    )
    return layer.to_crs(crs)


@dataclass(frozen=True)
class StoredLayer:
    """A layer of a result GeoPackage: its name, CRS and default QML style (if any)."""

    name: str
    crs: str | None
    qml: str | None


def stored_layers(path: Path) -> tuple[StoredLayer, ...]:
    """The layers with geometry of the GeoPackage at ``path`` (in file order), with their
    default style from its ``layer_styles`` table."""
    listed = pyogrio.list_layers(path)
    qml = {}
    if STYLES_TABLE in {str(name) for name, _ in listed}:
        rows = pyogrio.read_dataframe(path, layer=STYLES_TABLE, read_geometry=False)
        defaults = rows[rows["useAsDefault"].astype(bool)]
        qml = dict(zip(defaults["f_table_name"], defaults["styleQML"], strict=True))
    return tuple(
        StoredLayer(str(name), pyogrio.read_info(path, layer=name)["crs"], qml.get(name))
        for name, geometry in listed
        if geometry
    )


def write_score_style(folder: Path, ramp: str = styles.DEFAULT_RAMP) -> Path | None:
    """``suitability.qml`` beside the score raster of the run in ``folder`` (when present)."""
    if not (folder / SCORE_RASTER).is_file():
        return None
    target = (folder / SCORE_RASTER).with_suffix(".qml")
    with atomic_path(target) as temp:
        temp.write_text(styles.score_raster_qml(ramp), encoding="utf-8")
    return target
