"""The Westhoek example: a real study of six West-Flanders municipalities, built from public data.

Partners Alveringem, De Panne, Koksijde, Lo-Reninge, Veurne and Vleteren (2025 municipalities)
look for a pooled business park. The example reads the real-data folder (it never copies it
into the project):

- the 62 municipalities of West Flanders (Statbel sectors dissolved; all of them are loaded, the
  neighbours only as context: the study area is the partners' territory);
- the 300 railway stations of Flanders and Brussels (iRail, WGS84: reprojected on loading);
- the Natura 2000 habitat and bird areas (excluded);
- the partners' facts: population 2020 and the property-tax surcharge where known (Statbel,
  FiscusOnWeb; blank = unknown).

Derived here, and stated as such in ``study.toml``: a coastal strip (1 km inland of the
sea-facing edge of the municipal outlines: excluded), each partner's demand (an assumption of
this example: 1 ha net per 400 business establishments, Statbel Q4 2023), and the surcharges
that are unknown (the median of the values known in the facts table, with their range).
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import tomlkit

from equalisation.finance import FinanceAssumptions
from parkplan.errors import StudyError
from parkplan.partners import imported_partners, write_partners
from parkplan.study import STUDY_FILE, load_study
from parkplan.workspace import Workspace

PARTNERS = ("Alveringem", "De Panne", "Koksijde", "Lo-Reninge", "Veurne", "Vleteren")
FILES = {
    "municipalities": "west_flanders_municipalities_2025_lambert72.geojson",
    "stations": "flanders_brussels_railway_stations_irail_wgs84.geojson",
    "natura2000_habitats": "natura2000_habitatrichtlijn_sbz-h_2025_wvl_lambert72.geojson",
    "natura2000_birds": "natura2000_vogelrichtlijn_sbz-v_2025_wvl_lambert72.geojson",
    "facts": "westhoek_midwest_zwvl_municipality_facts.csv",
}
#: The outward direction of the Belgian coast (towards the North Sea, north-west).
SEA_NORMAL = np.array([-0.48, 0.88])
COASTAL_STRIP_M = 1_000.0
ESTABLISHMENTS_PER_HA = 400.0
CRS = "EPSG:31370"


def default_data_dir() -> Path:
    """``<repository>/../shared/realdata``, where a checkout finds the real data."""
    return Path(__file__).resolve().parents[2].parent / "shared" / "realdata"


def check_data(data: Path) -> None:
    missing = [name for name in FILES.values() if not (data / name).is_file()]
    if missing:
        raise StudyError(
            f"the Westhoek example needs the real data folder; {data} lacks {missing[0]}; pass "
            "--data with the folder that holds the West-Flanders files"
        )


def coastline(towns: gpd.GeoDataFrame) -> shapely.Geometry:
    """The sea-facing edge of the municipal outlines: the outline segments of the province
    whose outward normal points north-west (the North Sea)."""
    province = shapely.orient_polygons(shapely.union_all(towns.geometry.values))
    outer = max(getattr(province, "geoms", [province]), key=lambda p: p.area)
    xy = np.asarray(outer.exterior.coords)
    step = np.diff(xy, axis=0)
    length = np.hypot(step[:, 0], step[:, 1])
    normal = np.column_stack([step[:, 1], -step[:, 0]]) / np.maximum(length, 1e-9)[:, None]
    facing = normal @ SEA_NORMAL > 0.8
    lines = [shapely.LineString(xy[i : i + 2]) for i in np.flatnonzero(facing)]
    return shapely.line_merge(shapely.union_all(lines))


def coastal_strip(towns: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Land within :data:`COASTAL_STRIP_M` of the coastline."""
    land = shapely.union_all(towns.geometry.values)
    strip = shapely.intersection(shapely.buffer(coastline(towns), COASTAL_STRIP_M), land)
    return gpd.GeoDataFrame({"name": ["kuststrook (1 km)"]}, geometry=[strip], crs=towns.crs)


def demand_table(data: Path, sources: Path) -> Path:
    """The facts table with a derived demand column (1 ha net per 400 establishments)."""
    table = gpd.pd.read_csv(data / FILES["facts"], dtype=str, keep_default_na=False)
    counts = gpd.pd.to_numeric(table["business_establishments_q4_2023_statbel"], errors="coerce")
    table["demand_ha_assumed"] = [
        "" if math.isnan(c) else f"{round(c / ESTABLISHMENTS_PER_HA, 1):g}" for c in counts
    ]
    path = sources / "partner_facts.csv"
    table.to_csv(path, index=False)
    return path


def model() -> dict:
    """Exclusions, criteria, weights, sites, keys and finance of the example."""
    return {
        "exclusions": [
            {"name": "natura2000_habitats", "kind": "inside", "layer": "natura2000_habitats",
             "description": "Natura 2000 habitat areas (SBZ-H)"},
            {"name": "natura2000_birds", "kind": "inside", "layer": "natura2000_birds",
             "description": "Natura 2000 bird areas (SBZ-V)"},
            {"name": "coastal_strip", "kind": "inside", "layer": "coastal_strip",
             "description": "1 km inland of the coast (dunes and seaside resorts)"},
        ],
        "criteria": [
            {"name": "station", "kind": "distance", "layer": "stations", "weight": 0.5,
             "transform": {"kind": "linear", "direction": "decreasing", "c": 500.0, "d": 10000.0},
             "description": "distance to the nearest railway station"},
            {"name": "nature_distance", "kind": "distance", "layer": "natura2000_habitats",
             "weight": 0.3,
             "transform": {"kind": "linear", "direction": "increasing", "a": 200.0, "b": 3000.0},
             "description": "distance from Natura 2000 habitat areas"},
            {"name": "coast_distance", "kind": "distance", "layer": "coastal_strip",
             "weight": 0.2,
             "transform": {"kind": "linear", "direction": "increasing", "a": 0.0, "b": 10000.0},
             "description": "distance from the coastal strip"},
        ],
        "weights": {"method": "direct"},
        "aggregation": {"method": "wlc"},
        "robustness": {"draws": 500, "concentration": 50.0, "seed": 20261203},
        "keys": {
            "population": {"costs": {"kind": "population"}, "revenues": {"kind": "population"}},
            "demand": {"costs": {"kind": "demand"}, "revenues": {"kind": "demand"}},
            "host_first": {
                "costs": {"kind": "stacked", "host_share": 0.1,
                          "rest": [{"kind": "population", "weight": 0.5},
                                   {"kind": "land", "weight": 0.5}]},
                "revenues": {"kind": "stacked", "host_share": 0.1,
                             "rest": [{"kind": "population", "weight": 0.5},
                                      {"kind": "land", "weight": 0.5}]},
            },
        },
    }  # fmt: skip


def build_westhoek(root: Path, data: Path | None = None) -> Path:
    """Build the Westhoek example study at ``root`` from the real data in ``data``."""
    data = default_data_dir() if data is None else Path(data)
    check_data(data)
    root = Path(root)
    workspace = Workspace.create(root, crs=CRS)
    sources = root / "sources"
    sources.mkdir()
    for name in ("municipalities", "stations", "natura2000_habitats", "natura2000_birds"):
        workspace.add_layer(data / FILES[name], name)
    strip = sources / "coastal_strip.gpkg"
    coastal_strip(workspace.read_vector("municipalities")).to_file(strip, layer="coastal_strip")
    workspace.add_layer(strip, "coastal_strip")
    write_study(root, demand_table(data, sources))
    return root


def write_study(root: Path, facts: Path) -> None:
    """``study.toml`` of the example: the model, then the partners imported from the facts."""
    document = tomlkit.document()
    document.add(tomlkit.comment("The Westhoek example (parkplan init --example westhoek)."))
    document.add(tomlkit.comment("Real public data; demand and unknown surcharges are stated"))
    document.add(tomlkit.comment("assumptions of this example (see the partners' sources)."))
    document["schema_version"] = 1
    document["name"] = "Westhoek — voorbeeldstudie met echte gegevens"
    document["crs"] = CRS
    document["cell_size_m"] = 20.0
    for key, value in model().items():
        document[key] = value
    (root / STUDY_FILE).write_text(tomlkit.dumps(document), encoding="utf-8")
    partners, fallbacks = imported_partners(
        facts,
        names=PARTNERS,
        name_column="name",
        columns={
            "population": "pop_2020_01_01_statbel",
            "demand_ha": "demand_ha_assumed",
            "municipal_opcentiemen": "oov_opcentiemen_fiscusonweb_year_unverified",
        },
    )
    write_partners(root, partners, fallbacks, regional_fallback=True)
    state_demand_source(root)
    size_sites_to_demand(root)


def state_demand_source(root: Path) -> None:
    """Each partner's demand is this example's assumption: say so in its source."""
    document = tomlkit.parse((root / STUDY_FILE).read_text(encoding="utf-8"))
    for partner in document["partners"]:
        partner["sources"]["demand_ha"] = (
            f"assumption of this example: 1 ha net per {ESTABLISHMENTS_PER_HA:g} business "
            "establishments (Statbel, Q4 2023)"
        )
    (root / STUDY_FILE).write_text(tomlkit.dumps(document), encoding="utf-8")


def size_sites_to_demand(root: Path) -> None:
    """``[sites]``: regions of at least 5 ha above 0.6, sized to the pooled demand (gross), up
    to three alternatives 300 m apart in each suitable region."""
    study = load_study(root)
    pooled_net_ha = sum(p.demand_ha or 0.0 for p in study.partners)
    document = tomlkit.parse((root / STUDY_FILE).read_text(encoding="utf-8"))
    sites = tomlkit.table()
    sites["threshold"] = 0.6
    sites["min_area_ha"] = 5.0
    sites["max_sites"] = 8
    sites["sites_per_region"] = 3
    sites["separation_m"] = 300.0
    net_share = FinanceAssumptions().net_share
    sites["target_area_ha"] = math.ceil(pooled_net_ha / net_share * 10.1) / 10
    sites["simplify_m"] = 10.0
    sites.comment("sized to the pooled demand: Σ demand_ha / net share, 1 % to spare")
    document["sites"] = sites
    (root / STUDY_FILE).write_text(tomlkit.dumps(document), encoding="utf-8")
