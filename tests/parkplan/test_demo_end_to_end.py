"""The demo pipeline end to end on a reduced version of the fictional region."""

from __future__ import annotations

import json
import shutil
import time
from decimal import Decimal

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.robustness import weight_monte_carlo
from parkplan.demo import run_demo
from parkplan.run import compare_scenarios, run_study
from parkplan.study import load_study
from parkplan.views import stored_map_data
from parkplan.workspace import Workspace


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "parkplan-demo"
    patch = pytest.MonkeyPatch()
    patch.setenv("PARKPLAN_CACHE", str(tmp_path_factory.mktemp("cache")))
    started = time.perf_counter()
    try:
        outputs = run_demo(out, scale=0.3, lang="en")
    finally:
        patch.undo()
    return out, outputs, time.perf_counter() - started


def test_demo_writes_every_output(demo):
    out, _, _ = demo
    for name in (
        "study.toml",
        "map.html",
        "sites.gpkg",
        "sites.csv",
        "site_municipalities.csv",
        "equalisation.json",
        "ledger.csv",
        "report.html",
        "run.json",
        "weight_sweep.csv",
    ):
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name
    assert not list(out.glob(".*.tmp")), "temporary files left behind"


def test_reduced_demo_runs_in_under_30_s(demo):
    assert demo[2] < 30


def test_site_table_columns_scores_and_ranks(demo):
    out, _, _ = demo
    sites = pd.read_csv(out / "sites.csv")
    assert list(sites.columns[:5]) == ["site_id", "area_ha", "score", "rank", "host"]
    criteria = [c for c in sites.columns if c.startswith("c_")]
    assert {"c_motorway", "c_housing", "c_flat"} <= set(criteria)
    assert sites["score"].between(0, 1).all()
    for column in criteria:
        assert sites[column].between(0, 1).all(), column
    assert sorted(sites["rank"]) == list(range(1, len(sites) + 1))
    assert sites.sort_values("rank")["score"].is_monotonic_decreasing
    assert (sites["area_ha"] >= 5.0 - 1e-9).all()
    assert sites[["p_first", "p_top3"]].apply(lambda c: c.between(0, 1)).all().all()


def test_split_shares_sum_to_one_and_keep_the_area(demo):
    out, _, _ = demo
    sites = pd.read_csv(out / "sites.csv").set_index("site_id")
    split = pd.read_csv(out / "site_municipalities.csv")
    assert list(split.columns) == ["site_id", "municipality", "area_ha", "share", "run_id"]
    by_site = split.groupby("site_id")
    assert (by_site["share"].sum() - 1).abs().max() < 1e-9
    area = by_site["area_ha"].sum()
    assert ((area - sites.loc[area.index, "area_ha"]).abs() < 1e-6).all()
    host = split.loc[by_site["share"].idxmax()].set_index("site_id")["municipality"]
    assert (host == sites.loc[host.index, "host"]).all()


def test_sites_layer_is_in_the_study_crs(demo):
    out, _, _ = demo
    sites = gpd.read_file(out / "sites.gpkg", layer="sites")
    assert sites.crs.to_epsg() == 31370
    assert sites.geometry.is_valid.all()
    assert ((sites.geometry.area / 10_000 - sites["area_ha"]).abs() < 0.5).all()


def test_ledger_balances_to_the_cent(demo):
    out, _, _ = demo
    ledger = pd.read_csv(
        out / "ledger.csv", dtype={"paid_eur": str, "received_eur": str, "net_eur": str}
    )
    assert {"key", "partner", "year", "paid_eur", "received_eur", "net_eur"} <= set(ledger.columns)
    assert ledger["key"].nunique() >= 3
    for column in ("paid_eur", "received_eur", "net_eur"):
        ledger[column] = ledger[column].map(Decimal)
        assert all(value == value.quantize(Decimal("0.01")) for value in ledger[column])
    assert (ledger["received_eur"] - ledger["paid_eur"] == ledger["net_eur"]).all()
    totals = ledger.groupby(["key", "year"])[["paid_eur", "received_eur"]].sum()
    for _, per_key in totals.groupby(level="year"):
        # every key shares the same yearly costs and revenues of the site
        assert per_key["paid_eur"].nunique() == 1
        assert per_key["received_eur"].nunique() == 1


def test_equalisation_json_is_strict_json(demo):
    out, _, _ = demo
    data = json.loads((out / "equalisation.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data


def test_map_shows_municipalities_and_sites(demo):
    out, _, _ = demo
    html = (out / "map.html").read_text(encoding="utf-8")
    assert "leaflet" in html.lower()
    sites = pd.read_csv(out / "sites.csv")
    municipalities = Workspace.open(out).read_vector("municipalities")
    for name in municipalities["name"]:
        assert name in html
    assert str(sites.iloc[0]["site_id"]) in html


def test_map_popup_data_carries_the_equalisation_of_the_best_site(demo):
    out, _, _ = demo
    data = stored_map_data(out)
    equalisation = data.equalisation
    assert equalisation.site_id == str(data.sites.iloc[0]["site_id"])
    ledger = pd.read_csv(out / "ledger.csv")
    for key in equalisation.keys:
        rows = ledger[ledger["key"] == key.name]
        for totals in key.partners:
            mine = rows[rows["partner"] == totals.partner]
            assert totals.net_cents == round(mine["net_eur"].sum() * 100)
            assert totals.paid_cents == round(mine["paid_eur"].sum() * 100)


def test_report_has_every_section(demo):
    out, _, _ = demo
    html = (out / "report.html").read_text(encoding="utf-8")
    for words in ("Ranking of the sites", "Equalisation", "Assumptions", "Form of cooperation"):
        assert words.lower() in html.lower(), words


def test_scenario_ranks_the_base_sites_and_compares(demo):
    out, _, _ = demo
    run_study(out, scenario="logistics", equalise=False)
    table = compare_scenarios(out, ["base", "logistics"])
    base = pd.read_csv(out / "sites.csv", dtype={"site_id": str})
    assert sorted(table["site_id"]) == sorted(base["site_id"])
    assert (table["rank_change_logistics"] == table["rank_logistics"] - table["rank_base"]).all()
    assert (out / "scenarios" / "logistics" / "sites.csv").is_file()


def test_robustness_varies_weights_and_transforms_and_records_it(demo):
    out, outputs, _ = demo
    facts = json.loads((out / "run.json").read_text())
    inputs = facts["robustness_inputs"]
    criteria = [c.name for c in load_study(out).criteria]
    assert inputs["transform_jitter"] == dict.fromkeys(criteria, 0.1)
    assert inputs["draws"] == 1000 and "of the transforms" in facts["robustness"]
    # the same weight draws without the transforms give other odds: the transforms count
    sites = pd.read_csv(out / "sites.csv")
    weights_only = weight_monte_carlo(
        sites,
        outputs.scoring.weighting.weights,
        draws=inputs["draws"],
        concentration=inputs["concentration"],
        seed=inputs["seed"],
    ).table.set_index("site_id")
    odds = sites.set_index("site_id")
    assert odds["p_first"].sum() == pytest.approx(1.0)
    assert not np.allclose(odds["p_first"], weights_only.loc[odds.index, "p_first"])


def test_dask_engine_gives_the_local_results(demo, tmp_path):
    out, _, _ = demo
    copy = tmp_path / "study"
    shutil.copytree(out, copy)
    run_study(copy, engine="dask", equalise=False)
    local = pd.read_csv(out / "sites.csv").drop(columns="run_id")
    distributed = pd.read_csv(copy / "sites.csv").drop(columns="run_id")
    pd.testing.assert_frame_equal(distributed, local, check_exact=False, rtol=0, atol=1e-9)
    assert (
        json.loads((copy / "run.json").read_text())["robustness"]
        == (json.loads((out / "run.json").read_text())["robustness"])
    )


def test_weight_sweep_is_written_and_explained(demo):
    out, outputs, _ = demo
    sweep = pd.read_csv(out / "weight_sweep.csv")
    criteria = list(outputs.scoring.weighting.weights)
    assert sweep["criterion"].unique().tolist() == criteria
    assert len(sweep) == 99 * len(criteria) and sweep["leader_score"].between(0, 1).all()
    facts = json.loads((out / "run.json").read_text())
    assert [r["criterion"] for r in facts["leader_ranges"]] == criteria
    assert facts["weight_sweep"].startswith("One weight at a time")
    report_text = (out / "report.html").read_text()
    assert facts["weight_sweep"].split(":")[0] in report_text
