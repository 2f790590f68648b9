"""The study area is the partners' territory: sites are never found or hosted outside it, the
area outside is reported as its own exclusion, context municipalities never break a run, and
the run's dossier is the one 'parkplan report' writes. On a generated region whose
municipalities layer also holds two neighbours that are not partners (nothing else, unlike the
demo's zoning layer, keeps sites off their land)."""

from __future__ import annotations

import json
import tomllib

import geopandas as gpd
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box
from study_support import CONTEXT, PARTNERS, make_small_study

from parkplan.cli import main
from parkplan.library_inputs import OUTSIDE_STUDY_AREA
from parkplan.run import run_study
from parkplan.workspace import Workspace

TOLERANCE_M2 = 1.0


@pytest.fixture(scope="module")
def with_neighbours(tmp_path_factory):
    root = make_small_study(tmp_path_factory.mktemp("area") / "study", context=True)
    return root, run_study(root)


def territory(root, names):
    towns = Workspace.open(root).read_vector("municipalities")
    return towns[towns["name"].isin(names)].union_all()


def test_sites_lie_in_the_partners_territory_only(with_neighbours):
    root, outputs = with_neighbours
    sites = gpd.read_file(root / "sites.gpkg", layer="sites")
    partners = territory(root, PARTNERS)
    assert len(sites) >= 1
    assert (sites.geometry.difference(partners).area <= TOLERANCE_M2).all()
    split = outputs.scoring.site_municipalities
    assert set(split["municipality"]) <= set(PARTNERS)
    assert not set(split["municipality"]) & set(CONTEXT)


def test_outside_the_study_area_is_its_own_line_of_the_exclusion_table(with_neighbours):
    root, outputs = with_neighbours
    report = outputs.scoring.suitability.exclusions
    assert report.names[0] == OUTSIDE_STUDY_AREA
    inside_ha = territory(root, PARTNERS).intersection(box(*outputs.scoring.grid.bounds)).area / 1e4
    assert report.alone_ha[0] == pytest.approx(report.grid_ha - inside_ha, rel=0.02)
    assert sum(report.in_sequence_ha) == pytest.approx(report.excluded_ha)
    facts = json.loads((root / "run.json").read_text(encoding="utf-8"))
    assert facts["exclusions"]["names"][0] == OUTSIDE_STUDY_AREA


def test_the_run_writes_the_dossier_that_parkplan_report_writes(with_neighbours, tmp_path):
    root, _ = with_neighbours
    assert main(["report", str(root), "-o", str(tmp_path / "again.html")]) == 0
    by_run = (root / "report.html").read_text(encoding="utf-8")
    assert (tmp_path / "again.html").read_text(encoding="utf-8") == by_run
    assert "geen gegevens" not in by_run.split('id="site-1"')[1].split("</section>")[0]


def partner_subsets():
    names = list(PARTNERS)
    return st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(chosen=partner_subsets(), buffer_m=st.sampled_from([0.0, 150.0]))
def test_any_set_of_partners_keeps_every_site_on_their_land(tmp_path_factory, chosen, buffer_m):
    root = make_small_study(tmp_path_factory.mktemp("subset") / "study", context=True)
    data = tomllib.loads((root / "study.toml").read_text(encoding="utf-8"))
    data["partners"] = [p for p in data["partners"] if p["name"] in chosen]
    data["study_area"] = {"buffer_m": buffer_m}
    data["sites"]["threshold"] = 0.6
    (root / "study.toml").write_text(tomli_w.dumps(data), encoding="utf-8")
    outputs = run_study(root, equalise=False)
    land = territory(root, chosen)
    sites = outputs.scoring.sites
    assert (sites.geometry.difference(land).area <= TOLERANCE_M2).all()
    report = outputs.scoring.suitability.exclusions
    assert sum(report.in_sequence_ha) == pytest.approx(report.excluded_ha)
    stats = outputs.scoring.suitability.stats
    scored_ha = stats.scored_cells * outputs.scoring.grid.cell_area_m2 / 1e4
    nodata_ha = stats.share_nodata * report.grid_ha
    assert report.excluded_ha + scored_ha + nodata_ha == pytest.approx(report.grid_ha)
