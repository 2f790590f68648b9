"""A small study for the model builder's tests: every kind of criterion and exclusion.

The small study of :mod:`study_support` (stations, a road, nature, housing; 3 partners) at
10 m cells (640 × 400: the preview's overview grid is 320 × 200 at 20 m), with a slope raster
(a ``raster`` criterion and exclusion) and a zoning layer (a ``zoning`` criterion and
exclusion, a ``zone_share`` criterion). ``study.toml`` carries comments, as a planner's file
does. ``category`` names the zoning category that covers the north-east (text from data).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from affine import Affine
from shapely.geometry import box
from study_support import CRS, X0, Y0, make_small_study

from parkplan.study import STUDY_FILE, load_study, parse_study, study_toml
from parkplan.workspace import Workspace

#: The zoning categories, west to east; the last one is given by the caller.
ZONES = ("industrie", "landbouw")
PASSWORD = "correct horse battery"

MODEL = {
    "cell_size_m": 10.0,
    "criteria": [
        {
            "name": "station",
            "kind": "distance",
            "layer": "stations",
            "weight": 0.3,
            "transform": {"kind": "linear", "direction": "decreasing", "c": 200.0, "d": 4000.0},
        },
        {
            "name": "road",
            "kind": "distance",
            "layer": "road",
            "weight": 0.3,
            "transform": {"kind": "sigmoid", "direction": "decreasing", "c": 100.0, "d": 2500.0},
        },
        {
            "name": "flat",
            "kind": "raster",
            "layer": "slope",
            "weight": 0.2,
            "transform": {"kind": "linear", "direction": "decreasing", "c": 1.0, "d": 4.0},
        },
        {
            "name": "zones",
            "kind": "zoning",
            "layer": "zoning",
            "column": "zone",
            "weight": 0.1,
            "transform": {"kind": "categorical", "mapping": {"industrie": 1.0, "landbouw": 0.6}},
        },
        {
            "name": "industry_near",
            "kind": "zone_share",
            "layer": "zoning",
            "column": "zone",
            "categories": ["industrie"],
            "radius_m": 300.0,
            "weight": 0.1,
            "transform": {"kind": "linear", "direction": "increasing", "a": 0.0, "b": 0.5},
        },
    ],
    "exclusions": [
        {"name": "nature", "kind": "inside", "layer": "nature"},
        {"name": "housing_buffer", "kind": "buffer", "layer": "housing", "buffer_m": 100.0},
        {"name": "steep", "kind": "raster", "layer": "slope", "op": ">", "value": 4.5},
        {"name": "no_homes", "kind": "zoning", "layer": "zoning", "column": "zone",
         "allowed": ["industrie", "landbouw"]},
    ],
    "sites": {"threshold": 0.5, "min_area_ha": 2.0, "target_area_ha": 10.0, "max_sites": 6,
              "sites_per_region": 3, "separation_m": 300.0},
}  # fmt: skip

#: Comments put into study.toml: (line to put the comment above, comment).
COMMENTS = (
    ('name = "station"', "# criteria: stations first"),
    ("[weights]", "# how the criteria are weighed"),
    ("[[exclusions]]", "# land that never scores"),
)


def write_slope(path: Path) -> Path:
    """A slope raster (percent, 10 m cells) over the study's box: 0 % in the west rising to
    6 % in the east, with a ripple."""
    width, height = 1100, 700
    cols = np.arange(width)[None, :]
    rows = np.arange(height)[:, None]
    slope = 6.0 * cols / width + 0.6 * np.sin(rows / 37.0) * np.cos(cols / 53.0)
    origin = Affine(10.0, 0.0, X0 - 1_000, 0.0, -10.0, Y0 + 6_000)
    profile = {
        "driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": "float32",
        "crs": CRS, "transform": origin, "nodata": -9999.0,
    }  # fmt: skip
    with rasterio.open(path, "w", **profile) as out:
        out.write(np.clip(slope, 0.0, None).astype("float32"), 1)
    return path


def zoning(category: str) -> gpd.GeoDataFrame:
    """Three zones: industry in the west, farmland in the middle, ``category`` in the east."""
    edges = (-1_000, 2_000, 4_500, 10_000)
    shapes = [box(X0 + a, Y0 - 1_000, X0 + b, Y0 + 6_000) for a, b in itertools.pairwise(edges)]
    return gpd.GeoDataFrame({"zone": [*ZONES, category]}, geometry=shapes, crs=CRS)


def commented(text: str) -> str:
    """``text`` with :data:`COMMENTS` above the first line that starts with each marker."""
    lines = text.splitlines()
    for marker, comment in COMMENTS:
        at = next(k for k, line in enumerate(lines) if line.startswith(marker))
        if marker.startswith("name"):
            at -= 1  # above the table's header
        lines.insert(at, comment)
    return "\n".join(lines) + "\n"


def make_model_study(root: Path, *, category: str = "wonen", name: str | None = None) -> Path:
    """The study at ``root`` (see the module docstring), not yet run."""
    make_small_study(root)
    sources = root.parent / f"{root.name}-sources"
    workspace = Workspace.open(root)
    workspace.add_layer(write_slope(sources / "slope.tif"), "slope")
    zones = sources / "zoning.gpkg"
    zoning(category).to_file(zones, layer="zoning", engine="pyogrio")
    workspace.add_layer(zones, "zoning")
    data = load_study(root).model_dump(exclude_none=True) | MODEL
    if name is not None:
        data["name"] = name
    study = parse_study(data, source="model study")
    (root / STUDY_FILE).write_text(commented(study_toml(study)), encoding="utf-8")
    return root
