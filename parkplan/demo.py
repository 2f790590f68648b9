"""``parkplan demo``: the embedded fictional region, taken through the whole pipeline.

It generates (or reuses from the cache) the demo region, makes a study from it in the output
folder, loads every layer, writes a complete ``study.toml`` (exclusions, criteria, weights,
scenarios, partners, keys) and runs the study.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from data import demo_region
from parkplan import run
from parkplan.errors import StudyError
from parkplan.study import STUDY_FILE, Study, parse_study, save_study
from parkplan.workspace import Workspace

DEMO_MARKER = ".parkplan-demo"
DEMO_CRS = "EPSG:31370"

#: Net sellable share used to size the pooled park (matches the finance default).
NET_SHARE = 0.7


#: The demo's finance and sharing keys (also the Flanders-sized benchmark's).
DEMO_FINANCE_AND_KEYS = {
    "finance": {
        "horizon_years": 30,
        "start_year": 2026,
        "tax_year": 2022,
        "provincial_opcentiemen": 0.0,
    },
    "keys": {
        "population": {"costs": {"kind": "population"}, "revenues": {"kind": "population"}},
        "demand": {"costs": {"kind": "demand"}, "revenues": {"kind": "demand"}},
        "host_first": {
            "costs": {
                "kind": "stacked",
                "host_share": 0.10,
                "rest": [
                    {"kind": "population", "weight": 0.5},
                    {"kind": "land", "weight": 0.5},
                ],
            },
            "revenues": {
                "kind": "stacked",
                "host_share": 0.10,
                "rest": [
                    {"kind": "population", "weight": 0.5},
                    {"kind": "land", "weight": 0.5},
                ],
            },
        },
    },
}


def demo_model(partners: list[dict]) -> dict:
    """The suitability and equalisation model of the demo study, as ``study.toml`` tables."""
    pooled_net_ha = sum(p["demand_ha"] for p in partners)
    return {
        "exclusions": [
            {
                "name": "nature",
                "kind": "inside",
                "layer": "nature",
                "description": "protected nature areas",
            },
            {
                "name": "flood",
                "kind": "inside",
                "layer": "flood_zones",
                "description": "flood-prone areas",
            },
            {
                "name": "existing_parks",
                "kind": "inside",
                "layer": "business_parks",
                "description": "existing business parks (already built up)",
            },
            {
                "name": "housing_buffer",
                "kind": "buffer",
                "layer": "residential",
                "buffer_m": 150.0,
                "description": "150 m around residential cores",
            },
            {
                "name": "zoning",
                "kind": "zoning",
                "layer": "zoning",
                "column": "zone",
                "allowed": ["agriculture", "industry"],
                "description": "only agricultural or industrial zoning may be converted",
            },
            {
                "name": "steep",
                "kind": "raster",
                "layer": "slope",
                "op": ">",
                "value": 2.5,
                "description": "slope above 2.5 %",
            },
        ],
        "criteria": [
            {
                "name": "motorway",
                "kind": "distance",
                "layer": "motorway_exits",
                "weight": 0.35,
                "transform": {
                    "kind": "sigmoid",
                    "direction": "decreasing",
                    "c": 1000.0,
                    "d": 8000.0,
                },
                "description": "distance to the nearest motorway exit",
            },
            {
                "name": "rail",
                "kind": "distance",
                "layer": "stations",
                "weight": 0.10,
                "transform": {
                    "kind": "linear",
                    "direction": "decreasing",
                    "c": 1000.0,
                    "d": 8000.0,
                },
                "description": "distance to the nearest railway station",
            },
            {
                "name": "quay",
                "kind": "distance",
                "layer": "quays",
                "weight": 0.15,
                "transform": {
                    "kind": "linear",
                    "direction": "decreasing",
                    "c": 500.0,
                    "d": 10000.0,
                },
                "description": "distance to the nearest canal quay",
            },
            {
                "name": "housing",
                "kind": "distance",
                "layer": "residential",
                "weight": 0.20,
                "transform": {"kind": "linear", "direction": "increasing", "a": 150.0, "b": 1500.0},
                "description": "distance from residential cores (nuisance)",
            },
            {
                "name": "cluster",
                "kind": "distance",
                "layer": "business_parks",
                "weight": 0.10,
                "transform": {"kind": "linear", "direction": "decreasing", "c": 0.0, "d": 6000.0},
                "description": "distance to an existing business park",
            },
            {
                "name": "flat",
                "kind": "raster",
                "layer": "slope",
                "weight": 0.10,
                "transform": {"kind": "linear", "direction": "decreasing", "c": 0.5, "d": 2.5},
                "description": "slope in percent",
            },
        ],
        "weights": {"method": "direct"},
        "aggregation": {"method": "wlc"},
        "sites": {
            "source": "regions",
            "threshold": 0.6,
            "min_area_ha": 5.0,
            "max_sites": 8,
            "target_area_ha": round(pooled_net_ha / NET_SHARE, 1),
            "simplify_m": 10.0,
        },
        "robustness": {
            "draws": 1000,
            "concentration": 50.0,
            "transform_jitter": 0.1,
            "seed": 20261122,
        },
        "scenarios": [
            {
                "name": "logistics",
                "description": "water and rail first",
                "weights": {
                    "motorway": 0.25,
                    "rail": 0.2,
                    "quay": 0.3,
                    "housing": 0.15,
                    "cluster": 0.05,
                    "flat": 0.05,
                },
            },
            {
                "name": "no_flood_rule",
                "description": "flood-prone land allowed (with works)",
                "drop_exclusions": ["flood"],
            },
        ],
        "partners": partners,
        **DEMO_FINANCE_AND_KEYS,
    }


def prepare_folder(out: Path) -> None:
    """Make ``out`` ready for a fresh demo: refuse a folder that is not an earlier demo."""
    if out.exists() and any(out.iterdir()):
        if not (out / DEMO_MARKER).exists():
            raise StudyError(
                f"{out} exists and is not a parkplan demo folder; choose another --out or empty it"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / DEMO_MARKER).write_text("made by parkplan demo; safe to delete\n", encoding="utf-8")


def build_demo_study(out: Path, *, scale: float = 1.0) -> Study:
    """Generate the region, load its layers into a new study at ``out``, write ``study.toml``."""
    region = demo_region.demo_files(scale=scale)
    prepare_folder(out)
    workspace = Workspace.create(out, crs=DEMO_CRS)
    for name, path in sorted(region.items()):
        workspace.add_layer(path, name)
    table = workspace.read_vector("municipalities")
    partners = [
        {
            "name": str(row.name),
            "population": int(row.population),
            "demand_ha": float(row.demand_ha),
            "municipal_opcentiemen": float(row.opcentiemen),
            "fiscal_capacity_eur": float(row.fiscal_capacity_eur),
        }
        for row in table.drop(columns="geometry").itertuples(index=False)
    ]
    study = parse_study(
        {
            "name": f"parkplan demo — fictional region (scale {scale:g})",
            "crs": DEMO_CRS,
            "cell_size_m": 10.0,
            **demo_model(partners),
        },
        source=str(out / STUDY_FILE),
    )
    save_study(study, out)
    return study


def run_demo(out: Path, *, scale: float = 1.0, lang: str = "nl", progress=None) -> run.RunOutputs:
    """Build the demo study at ``out`` and run it end to end."""
    build_demo_study(out, scale=scale)
    return run.run_study(out, lang=lang, progress=progress)
