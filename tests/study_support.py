"""A small generated study for tests that need a whole run in about a second.

It does not share the demo's conveniences: the municipalities are irregular polygons of
unequal size (optionally with neighbours that are not partners), nothing but the partners'
own territory would stop a site from being found anywhere in the bounding box, and the layers
reach beyond the municipalities. Lambert 72 (EPSG:31370), around x 70 km, y 180 km.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely.geometry import LineString, Point, Polygon, box

from parkplan.study import parse_study, save_study
from parkplan.workspace import Workspace

CRS = "EPSG:31370"
X0, Y0 = 70_000.0, 180_000.0
#: name -> (population, demand_ha, opcentiemen) of the partners.
PARTNERS = {
    "Aarbeke": (6_200, 3.0, 900.0),
    "Bovendijk": (14_800, 6.5, 1_300.0),
    "Calvene": (3_900, 2.0, 1_100.0),
}
#: Neighbours that are not partners (context only).
CONTEXT = ("Dorpveld", "Zeeuwkerke")


def municipalities(*, context: bool) -> gpd.GeoDataFrame:
    """Three partners side by side with ragged borders; two neighbours north and east."""
    a = Polygon([(0, 0), (2_300, 0), (2_600, 1_800), (2_100, 4_000), (0, 4_000)])
    b = Polygon([(2_300, 0), (5_200, 0), (5_600, 2_500), (4_800, 4_000), (2_100, 4_000),
                 (2_600, 1_800)])  # fmt: skip
    c = Polygon([(5_200, 0), (6_400, 0), (6_400, 3_000), (4_800, 4_000), (5_600, 2_500)])
    shapes = {"Aarbeke": a, "Bovendijk": b, "Calvene": c}
    if context:
        shapes["Dorpveld"] = box(0, 4_000, 6_400, 6_000)
        shapes["Zeeuwkerke"] = Polygon([(6_400, 0), (9_000, 0), (9_000, 6_000), (6_400, 6_000)])
    frame = gpd.GeoDataFrame(
        {"name": list(shapes), "nis": [f"3{7000 + i}" for i in range(len(shapes))]},
        geometry=[shift(g) for g in shapes.values()],
        crs=CRS,
    )
    return frame


def shift(geometry):
    from shapely import affinity

    return affinity.translate(geometry, X0, Y0)


def layers(*, context: bool) -> dict[str, gpd.GeoDataFrame]:
    """Municipalities, stations (one beyond the partners), a road, nature and housing."""
    stations = gpd.GeoDataFrame(
        {"name": ["Aarbeke-Station", "Bovendijk-Noord", "Ver Station"]},
        geometry=[shift(Point(1_200, 900)), shift(Point(3_900, 3_300)), shift(Point(8_000, 5_000))],
        crs=CRS,
    )
    road = gpd.GeoDataFrame(
        {"name": ["N-weg"]},
        geometry=[shift(LineString([(-500, 2_000), (3_000, 2_300), (7_500, 1_200)]))],
        crs=CRS,
    )
    nature = gpd.GeoDataFrame(
        {"name": ["Broek", "Vallei"]},
        geometry=[shift(box(400, 2_600, 1_500, 3_700)), shift(box(4_300, 300, 5_000, 900))],
        crs=CRS,
    )
    housing = gpd.GeoDataFrame(
        {"name": ["Aarbeke-centrum", "Bovendijk-centrum", "Calvene-centrum"]},
        geometry=[
            shift(Point(700, 500).buffer(250)),
            shift(Point(3_300, 1_200).buffer(350)),
            shift(Point(5_900, 2_000).buffer(200)),
        ],
        crs=CRS,
    )
    return {
        "municipalities": municipalities(context=context),
        "stations": stations,
        "road": road,
        "nature": nature,
        "housing": housing,
    }


def model(*, station_weight: float = 0.5, draws: int = 50) -> dict:
    """The suitability and equalisation model (``station_weight`` changes the ranking)."""
    return {
        "cell_size_m": 25.0,
        "exclusions": [
            {"name": "nature", "kind": "inside", "layer": "nature"},
            {"name": "housing_buffer", "kind": "buffer", "layer": "housing", "buffer_m": 100.0},
        ],
        "criteria": [
            {
                "name": "station",
                "kind": "distance",
                "layer": "stations",
                "weight": station_weight,
                "transform": {"kind": "linear", "direction": "decreasing", "c": 200, "d": 4000},
            },
            {
                "name": "road",
                "kind": "distance",
                "layer": "road",
                "weight": round(1 - station_weight, 3),
                "transform": {"kind": "linear", "direction": "decreasing", "c": 100, "d": 2500},
            },
        ],
        "sites": {
            "threshold": 0.8,
            "min_area_ha": 2.0,
            "target_area_ha": 16.0,
            "max_sites": 6,
            "simplify_m": 5.0,
        },
        "robustness": {"draws": draws, "seed": 7},
        "partners": [
            {
                "name": name,
                "population": population,
                "demand_ha": demand_ha,
                "municipal_opcentiemen": opcentiemen,
            }
            for name, (population, demand_ha, opcentiemen) in PARTNERS.items()
        ],
        "keys": {
            "population": {"costs": {"kind": "population"}, "revenues": {"kind": "population"}},
            "equal": {"costs": {"kind": "equal"}, "revenues": {"kind": "equal"}},
        },
    }


def study_text(root: Path, *, name: str = "Kleine studie", **options) -> str:
    """The ``study.toml`` text of the small study."""
    from parkplan.study import study_toml

    study = parse_study({"name": name, "crs": CRS, **model(**options)}, source=str(root))
    return study_toml(study)


def make_small_study(root: Path, *, context: bool = False, **options) -> Path:
    """A new study at ``root`` with the generated layers loaded and ``study.toml`` written."""
    sources = root.parent / f"{root.name}-sources"
    sources.mkdir(parents=True, exist_ok=True)
    workspace = Workspace.create(root, crs=CRS)
    for name, frame in layers(context=context).items():
        path = sources / f"{name}.gpkg"
        frame.to_file(path, layer=name, engine="pyogrio")
        workspace.add_layer(path, name)
    study = parse_study({"name": "Kleine studie", "crs": CRS, **model(**options)}, source="x")
    save_study(study, root)
    return root
