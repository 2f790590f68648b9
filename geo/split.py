"""Split sites by municipality: the area and share of each site on each municipality's territory.

A site's parts are its intersections with the municipalities; whatever lies in none of them
is reported as the municipality ``"(outside)"``, so no area is lost and the shares of a site
sum to 1. Sites wholly inside one municipality (most of them) are found with a prepared
``contains_properly`` query and need no intersection; only sites crossing a border are cut.

Examples
--------
>>> import geopandas as gpd, shapely
>>> munis = gpd.GeoDataFrame({"name": ["A", "B"]}, crs="EPSG:31370",
...     geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)])
>>> sites = gpd.GeoDataFrame({"site_id": [1]}, crs="EPSG:31370",
...     geometry=[shapely.box(50, 0, 200, 100)])
>>> split = split_by_municipality(sites, munis)
>>> split["municipality"].tolist(), split["share"].round(3).tolist()
(['B', 'A'], [0.667, 0.333])
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import ColumnError, CRSError
from geo.grid import projected_crs

log = logging.getLogger(__name__)

OUTSIDE = "(outside)"
_RELATIVE_TOLERANCE = 1e-9


def split_by_municipality(
    sites: gpd.GeoDataFrame,
    municipalities: gpd.GeoDataFrame,
    *,
    id_column: str = "site_id",
    name_column: str = "name",
) -> pd.DataFrame:
    """One row per (site, municipality) part: ``site_id``, ``municipality``, ``area_ha``,
    ``share`` (of the site's area); parts outside every municipality are ``"(outside)"``."""
    crs = projected_crs(sites.crs, what="the sites")
    if (
        municipalities.crs is None
        or projected_crs(municipalities.crs, what="municipalities") != crs
    ):
        raise CRSError(
            f"municipalities in {municipalities.crs}, sites in {crs.to_string()}; expected the "
            "same projected CRS. Reproject one of them first."
        )
    for frame, column, what in (
        (sites, id_column, "sites"),
        (municipalities, name_column, "municipalities"),
    ):
        if column not in frame.columns:
            raise ColumnError(
                f"{what} have no column {column!r}; expected it among {list(frame.columns)}."
            )
    site_geoms = np.asarray(sites.geometry.values, dtype=object)
    muni_geoms = np.asarray(municipalities.geometry.values, dtype=object)
    site_area = shapely.area(site_geoms)

    site_tree = shapely.STRtree(site_geoms)
    inside_muni, inside_site = site_tree.query(muni_geoms, predicate="contains_properly")
    whole = np.zeros(site_geoms.size, dtype=bool)
    whole[inside_site] = True

    crossing = np.flatnonzero(~whole)
    muni_tree = shapely.STRtree(muni_geoms)
    pair_site, pair_muni = muni_tree.query(site_geoms[crossing], predicate="intersects")
    pair_site = crossing[pair_site]
    part_area = shapely.area(shapely.intersection(site_geoms[pair_site], muni_geoms[pair_muni]))

    site_index = np.concatenate([inside_site, pair_site])
    muni_index = np.concatenate([inside_muni, pair_muni])
    area = np.concatenate([site_area[inside_site], part_area])
    names = municipalities[name_column].to_numpy(dtype=object)[muni_index]
    outside = site_area - np.bincount(site_index, weights=area, minlength=site_geoms.size)
    lost = np.flatnonzero(outside > _RELATIVE_TOLERANCE * np.maximum(site_area, 1.0))
    if np.any(outside < -1e-6 * np.maximum(site_area, 1.0)):
        log.warning("municipalities overlap: some site parts are counted twice")

    site_index = np.concatenate([site_index, lost])
    names = np.concatenate([names, np.full(lost.size, OUTSIDE, dtype=object)])
    area = np.concatenate([area, outside[lost]])
    # A site clipped along a border touches the neighbour in floating-point slivers
    # (~1e-9 m²): those are no part of it, as the leftover outside is none below the same bound.
    keep = area > _RELATIVE_TOLERANCE * np.maximum(site_area[site_index], 1.0)
    ids = sites[id_column].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = area / site_area[site_index]
    table = pd.DataFrame(
        {
            "site_id": ids[site_index],
            "municipality": names,
            "area_ha": area / 10_000.0,
            "share": share,
            "_order": site_index,
        }
    )[keep]
    table = table.sort_values(["_order", "area_ha", "municipality"], ascending=[True, False, True])
    return table.drop(columns="_order").reset_index(drop=True)


def hosts(split: pd.DataFrame) -> pd.Series:
    """The host of each site: the municipality with the largest share (``"(outside)"`` never
    hosts; ties go to the first name alphabetically). Indexed by ``site_id``."""
    inside = split[split["municipality"] != OUTSIDE]
    ordered = inside.sort_values(
        ["site_id", "share", "municipality"], ascending=[True, False, True]
    )
    return ordered.groupby("site_id", sort=True)["municipality"].first().rename("host")
