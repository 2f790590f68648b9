"""The real pipeline through the API: build the reduced demo study, run it, read the results."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from api_support import OPERATOR, auth, settings
from fastapi.testclient import TestClient

from parkplan.api import create_app
from parkplan.demo import build_demo_study


@pytest.mark.slow
def test_run_then_read_sites_and_equalisation(tmp_path):
    root = tmp_path / "demo"
    build_demo_study(root, scale=0.3)
    with TestClient(create_app(root, settings()), raise_server_exceptions=False) as client:
        assert client.get("/api/sites").status_code == 404
        run_id = client.post("/api/runs", json={"lang": "en"}, headers=auth(OPERATOR)).json()["id"]
        deadline = time.monotonic() + 300
        while (status := client.get(f"/api/runs/{run_id}").json())["status"] not in (
            "done",
            "failed",
        ):
            assert time.monotonic() < deadline, "the run did not finish in 300 s"
            time.sleep(0.2)
        assert status["status"] == "done", status["error"]
        assert status["progress"] == 1.0
        sites = client.get("/api/sites").json()["features"]
        table = pd.read_csv(root / "sites.csv", dtype={"site_id": str})
        assert sorted(f["id"] for f in sites) == sorted(table["site_id"])
        first = sites[0]["properties"]
        assert set(table.columns) <= set(first)
        lon, lat = sites[0]["geometry"]["coordinates"][0][0]
        assert 2.5 < lon < 6.5 and 49.4 < lat < 51.6  # Belgium, longitude first
        assert client.get("/api/equalisation").status_code == 200
        assert client.get("/map").headers["content-type"].startswith("text/html")
        assert {layer["name"] for layer in client.get("/api/layers").json()} >= {"municipalities"}
