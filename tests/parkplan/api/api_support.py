"""Helpers of the API tests: a small study with the result files of a run, written directly."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
from fastapi.testclient import TestClient
from run_support import publish_run
from shapely.geometry import box

from parkplan.api import Settings, create_app
from parkplan.study import Study, save_study
from parkplan.workspace import Workspace

LAMBERT72 = "EPSG:31370"
OPERATOR = "operator-token-0123456789"
VIEWER = "viewer-token-0123456789ab"
WRONG = "wrong-token-0123456789abcd"

#: Lambert 72 (150 000, 170 000) lies in Brussels, about 4.37 E, 50.84 N.
BRUSSELS_XY = (150_000.0, 170_000.0)
MAP_BODY = '<html><body><h1>Kaart</h1><script>var label = "<b>S1</b>";</script></body></html>'


def site_frame(count: int, *, origin=BRUSSELS_XY, side_m: float = 200.0) -> gpd.GeoDataFrame:
    """``count`` square sites of ``side_m`` in a row east of ``origin``; S1 centred on it."""
    x0, y0 = origin
    half = side_m / 2
    boxes = [
        box(x0 - half + 500 * i, y0 - half, x0 + half + 500 * i, y0 + half) for i in range(count)
    ]
    scores = [round(0.9 - 0.5 * i / max(count, 1), 6) for i in range(count)]
    return gpd.GeoDataFrame(
        {
            "site_id": [f"S{i + 1}" for i in range(count)],
            "area_ha": [side_m * side_m / 10_000] * count,
            "score": scores,
            "rank": list(range(1, count + 1)),
            "host": ["Westdorp" if i % 2 == 0 else "Oostdorp" for i in range(count)],
            "c_access": [0.5] * count,
            "p_first": [1.0] + [0.0] * (count - 1),
            "p_top3": [1.0 if i < 3 else 0.0 for i in range(count)],
        },
        geometry=boxes,
        crs=LAMBERT72,
    )


def write_results(folder: Path, sites: gpd.GeoDataFrame, *, map_body: str = MAP_BODY) -> None:
    """The files a run writes: site tables, split, equalisation and map."""
    folder.mkdir(parents=True, exist_ok=True)
    sites.to_file(folder / "sites.gpkg", layer="sites", driver="GPKG", engine="pyogrio")
    pd.DataFrame(sites.drop(columns="geometry")).to_csv(folder / "sites.csv", index=False)
    split = pd.DataFrame({"site_id": sites["site_id"], "municipality": sites["host"], "share": 1.0})
    split.to_csv(folder / "site_municipalities.csv", index=False)
    equalisation = {"site_id": "S1", "partners": {"Westdorp": {"net_eur": -1250.5}}}
    (folder / "equalisation.json").write_text(json.dumps(equalisation), encoding="utf-8")
    (folder / "map.html").write_text(map_body, encoding="utf-8")


def make_study(
    root: Path, *, sites: int = 3, name: str = "Testregio", workspace: str | None = None
) -> Path:
    """A study with a workspace (the folder, or the PostGIS database ``workspace`` names), one
    scenario ``alt`` and the results of a base and alt run."""
    root.mkdir(parents=True, exist_ok=True)
    save_study(Study(name=name, scenarios=[{"name": "alt"}], workspace=workspace), root)
    Workspace.create(root)
    frame = site_frame(sites)

    def base(folder: Path) -> None:
        write_results(folder, frame)
        (folder / "report.html").write_text("<html><body>Rapport</body></html>", encoding="utf-8")

    publish_run(root, None, base)
    publish_run(root, "alt", lambda f: write_results(f, frame.iloc[:1], map_body="<p>alt map</p>"))
    return root


def settings(**overrides) -> Settings:
    """Settings independent of the environment: an operator token, reads public."""
    values = {
        "operator_tokens": [OPERATOR],
        "viewer_tokens": [],
        "read_only": False,
        "cors_origins": [],
        "auth_failures_per_window": 1000,
    }
    return Settings(**(values | overrides))


def auth(token: str | None) -> dict[str, str]:
    return {} if token is None else {"Authorization": f"Bearer {token}"}


def instant_run(study_dir, *, scenario=None, equalise=True, lang="nl", progress=None):
    """A run that reports progress and returns at once."""
    for done in range(1, 5):
        progress(done, 4)


def client_for(study_dir: Path, config: Settings, *, run=instant_run) -> TestClient:
    from parkplan.api.deps import get_run_function

    app = create_app(study_dir, config)
    app.dependency_overrides[get_run_function] = lambda: run
    return TestClient(app, raise_server_exceptions=False)
