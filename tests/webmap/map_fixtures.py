"""The generated results of ``webmap_fixtures`` with everything the map of a run shows.

Weights and a weighted linear combination (so contributions add up), labels, a raster
exclusion (a mask), the study area, a criterion surface, and a cell lookup sampled from
in-memory rasters on the 100 m grid of the score overlay: a west-east gradient of the score,
criterion values z that combine to it, distances as raw values, and exclusion codes.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

import geopandas as gpd
import numpy as np
from pyproj import Transformer
from webmap_fixtures import CRS, map_data, score_overlay

from webmap.lookup import lookup_grid, sample_cells
from webmap.map_data import CellLookup, LayerInfo, MapData, ScoreOverlay

WEIGHTS = {"motorway": 0.5, "station": 0.3, "nuisance": 0.2}
EXCLUSIONS = ("outside_study_area", "Natura 2000", "steep")


def grid_values() -> dict[str, np.ndarray]:
    """Rasters on the score overlay's grid (100 x 150 cells of 100 m): z per criterion, raw
    distances (m), exclusion codes, and the score Σ w z (NaN where excluded)."""
    rows, cols = score_overlay().values.shape
    r, c = np.indices((rows, cols))
    z = {
        "motorway": c / (cols - 1),
        "station": 1 - r / (rows - 1),
        "nuisance": ((r + c) % 17) / 16,
    }
    raw = {name: (1 - values) * 8_000.0 for name, values in z.items() if name != "nuisance"}
    codes = np.zeros((rows, cols), dtype=np.uint8)
    codes[:10, :10] = 1  # outside the study area, where the score overlay is NaN
    codes[40:50, 60:80] = 3  # steep
    score = sum(WEIGHTS[name] * values for name, values in z.items())
    score = np.where(codes > 0, np.nan, score)
    return {"score": score, "codes": codes, **{f"z_{k}": v for k, v in z.items()}} | {
        f"raw_{k}": v for k, v in raw.items()
    }


def cell_lookup(max_cells: int = 60) -> CellLookup:
    """The grid's rasters sampled for the cell lookup (coarse: ``max_cells`` a side)."""
    overlay = score_overlay()
    values = grid_values()
    shape = overlay.values.shape
    grid, grid_shape = lookup_grid(CRS, overlay.transform, shape, max_cells=max_cells)
    rows, cols, inside = sample_cells(grid, grid_shape, CRS, overlay.transform, shape)

    def sampled(array: np.ndarray) -> np.ndarray:
        return np.where(inside, array[rows, cols], np.nan)

    return CellLookup(
        transform=grid,
        score=sampled(values["score"]),
        standardised={name: sampled(values[f"z_{name}"]) for name in WEIGHTS},
        raw={name: sampled(values[f"raw_{name}"]) for name in ("motorway", "station")},
        exclusion=np.where(inside, values["codes"][rows, cols], 0).astype(np.uint8),
        exclusion_names=EXCLUSIONS,
        cell_size_m=100.0,
    )


def latlon(x_m: float, y_m: float) -> list[float]:
    """``[lat, lon]`` of a point in Lambert 72."""
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(x_m, y_m)
    return [lat, lon]


def steep_mask() -> ScoreOverlay:
    overlay = score_overlay()
    mask = np.where(grid_values()["codes"] == 3, 1.0, np.nan)
    return ScoreOverlay(mask, CRS, overlay.transform)


def full_map_data(**changes) -> MapData:
    """:func:`webmap_fixtures.map_data` with weights, labels, masks, surfaces and a lookup."""
    data = map_data(**changes)
    sites = data.sites.copy()
    first = sites["site_id"] == 1  # the best site, whose equalisation the summary shows
    sites.loc[first, ["c_motorway", "c_station", "c_nuisance"]] = [0.9, 0.8, 0.7]
    sites["score"] = sum(WEIGHTS[n] * sites[f"c_{n}"] for n in WEIGHTS)
    sites["rank"] = sites["score"].rank(ascending=False, method="first").astype(int)
    area = gpd.GeoDataFrame(geometry=[data.municipalities.union_all()], crs=CRS)
    motorway = ScoreOverlay(grid_values()["z_motorway"], CRS, score_overlay().transform)
    return replace(
        data,
        sites=sites,
        weights=WEIGHTS,
        aggregation="wlc",
        criterion_info={
            "motorway": LayerInfo(label="Snelweg dichtbij", kind="distance", unit="m"),
            "station": LayerInfo(kind="distance", unit="m"),
            "nuisance": LayerInfo(kind="raster"),
        },
        exclusion_info={
            "outside_study_area": LayerInfo(kind="outside"),
            "Natura 2000": LayerInfo(kind="inside"),
            "steep": LayerInfo(kind="raster"),
        },
        exclusion_masks={"steep": steep_mask()},
        study_area=area,
        criteria_surfaces={"motorway": motorway},
        lookup=cell_lookup(),
    )


# -- reading a map page back ----------------------------------------------------------------


def unpacked(data: str, fields: str) -> dict:
    """A packed FeatureCollection of the page with its properties as objects again."""
    names = json.loads(fields)
    collection = json.loads(data)
    for feature in collection["features"]:
        values = feature["properties"]
        feature["properties"] = {k: v for k, v in zip(names, values, strict=True) if v is not None}
    return collection


def embedded_features(page: str) -> list[dict]:
    """Every GeoJSON FeatureCollection the page hands to Leaflet, properties unpacked."""
    pattern = r"parkplan\.unpack\((.*?), (\[[^\]]*\])\), \{style"
    return [unpacked(data, fields) for data, fields in re.findall(pattern, page)]


def site_collection(page: str) -> dict:
    """The sites the page hands to ``parkplan.siteLayer``."""
    found = re.search(r"parkplan\.siteLayer\(\w+, parkplan\.unpack\((.*?), (\[[^\]]*\])\), ", page)
    return unpacked(found.group(1), found.group(2))


def embedded_context(page: str) -> dict:
    """What the popups, the list and the cell lookup read (``map_context_…`` of the page)."""
    return json.loads(re.search(r"var map_context_\w+ = (\{.*?\});", page).group(1))


def legend_entries(page: str) -> list[dict]:
    """The entries of the map's legend (``parkplan.legend(map, entries, context, layers)``)."""
    return json.loads(re.search(r"parkplan\.legend\(\w+, (\[.*?\]), map_context_", page).group(1))
