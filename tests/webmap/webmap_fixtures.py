"""Small generated results in Belgian Lambert 72 (EPSG:31370) near x 60 000, y 190 000.

Three municipalities side by side (5 km x 10 km each), six candidate sites (one straddling the
border at x = 60 000), a 100 m suitability raster, one exclusion layer, one criterion layer and
the equalisation summary of the best site.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from shapely.geometry import Point, box

from webmap.map_data import (
    CoreCheck,
    KeyTotals,
    MapData,
    MapEqualisation,
    PartnerTotals,
    ScoreOverlay,
)

CRS = "EPSG:31370"
XSS = "<img src=x onerror=alert(1)>"

MUNICIPALITY_NAMES = ("Westdorp", "Middelkerke-Oost", "Oostveld")
#: site_id -> (x_min, y_min, x_max, y_max) in metres
SITE_BOXES = {
    1: (59_600, 189_600, 60_400, 190_200),  # straddles Westdorp | Middelkerke-Oost
    2: (56_000, 186_000, 56_500, 186_400),
    3: (62_000, 192_000, 62_600, 192_500),
    4: (66_000, 187_000, 66_300, 187_300),
    5: (68_000, 193_000, 68_800, 193_600),
    6: (63_500, 188_000, 63_800, 188_500),
}
SCORES = {1: 0.91, 2: 0.35, 3: 0.74, 4: 0.12, 5: 0.58, 6: 0.66}


def municipalities(names=MUNICIPALITY_NAMES) -> gpd.GeoDataFrame:
    boxes = [box(55_000 + 5_000 * i, 185_000, 60_000 + 5_000 * i, 195_000) for i in range(3)]
    return gpd.GeoDataFrame(
        {"name": list(names), "population": [9_800, 20_400, 7_100]}, geometry=boxes, crs=CRS
    )


def sites(host_of_first: str = MUNICIPALITY_NAMES[0]) -> gpd.GeoDataFrame:
    ids = list(SITE_BOXES)
    scores = np.array([SCORES[i] for i in ids])
    ranks = scores.argsort()[::-1].argsort() + 1
    rng = np.random.default_rng(7)
    frame = gpd.GeoDataFrame(
        {
            "site_id": ids,
            "score": scores,
            "rank": ranks,
            "host": [host_of_first, *["x"] * (len(ids) - 1)],
            "c_motorway": rng.uniform(0, 1, len(ids)).round(3),
            "c_station": rng.uniform(0, 1, len(ids)).round(3),
            "c_nuisance": rng.uniform(0, 1, len(ids)).round(3),
            "p_first": [0.62, 0.0, 0.25, 0.0, 0.03, 0.10],
            "p_top3": [0.97, 0.02, 0.81, 0.0, 0.55, 0.65],
        },
        geometry=[box(*SITE_BOXES[i]) for i in ids],
        crs=CRS,
    )
    frame["area_ha"] = frame.area / 10_000
    return frame


def split_by_municipality(site_frame, municipality_frame) -> pd.DataFrame:
    pieces = gpd.overlay(
        site_frame[["site_id", "geometry"]], municipality_frame[["name", "geometry"]]
    )
    pieces["area_ha"] = pieces.area / 10_000
    total = pieces.groupby("site_id")["area_ha"].transform("sum")
    pieces["share"] = pieces["area_ha"] / total
    return pd.DataFrame(pieces.rename(columns={"name": "municipality"}).drop(columns="geometry"))


def score_overlay() -> ScoreOverlay:
    """100 m cells over the three municipalities; a west-east gradient, NaN in one corner."""
    rows, cols = 100, 150
    values = np.tile(np.linspace(0.0, 1.0, cols), (rows, 1))
    values[:10, :10] = np.nan
    return ScoreOverlay(values, CRS, Affine(100.0, 0, 55_000, 0, -100.0, 195_000))


def equalisation(site_id=1) -> MapEqualisation:
    """Two sharing keys over the three municipalities, in exact cents, in the core."""
    keys = tuple(
        KeyTotals(
            key,
            tuple(
                PartnerTotals(
                    p, round(100_000_000 * s), round(125_000_000 * s), round(18_000_000 * s)
                )
                for p, s in zip(MUNICIPALITY_NAMES, shares, strict=True)
            ),
            (),
        )
        for key, shares in {"population": (0.26, 0.55, 0.19), "equal": (1 / 3,) * 3}.items()
    )
    return MapEqualisation(str(site_id), 54_000_000, 2031, keys, CoreCheck("nucleolus", (), 0))


def map_data(*, names=MUNICIPALITY_NAMES, title="Testregio", host=None) -> MapData:
    towns = municipalities(names)
    site_frame = sites(host or names[0])
    exits = gpd.GeoDataFrame(
        {"name": ["Afrit 1", "Afrit 2"]},
        geometry=[Point(58_000, 191_000), Point(67_000, 189_000)],
        crs=CRS,
    )
    nature = gpd.GeoDataFrame(geometry=[box(57_000, 192_000, 59_000, 194_000)], crs=CRS)
    return MapData(
        municipalities=towns,
        sites=site_frame,
        site_municipalities=split_by_municipality(site_frame, towns),
        score=score_overlay(),
        exclusions={"Natura 2000": nature},
        criteria_layers={"motorway exits": exits},
        equalisation=equalisation(),
        title=title,
    )
