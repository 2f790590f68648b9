"""The Westhoek example on real data: built from ../shared/realdata, run end to end, and checked
for plausibility (skipped, with the reason, when the real data is absent).

- every site lies inside the six partners' territory, although the municipalities layer holds
  all 62 municipalities of West Flanders (the first real run searched France and the sea);
- the best site's split by municipality matches an independent overlay (geopandas);
- the unknown surcharges are assumed, stated, and their effect shown; none is taken as zero;
- the dossier the run writes is the one 'parkplan report' writes, and its site maps name the
  municipalities the sites lie in;
- every warning is one of the warnings this example is known to raise, each explained below.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest

from parkplan.cli import main
from parkplan.examples.westhoek import FILES, PARTNERS, build_westhoek, default_data_dir
from parkplan.run import run_study
from parkplan.workspace import Workspace

DATA = default_data_dir()
pytestmark = pytest.mark.skipif(
    not all((DATA / name).is_file() for name in FILES.values()),
    reason=f"the real West-Flanders data is not at {DATA} (a checkout beside ../shared has it)",
)
UNKNOWN_SURCHARGES = {"Koksijde", "Lo-Reninge", "Veurne", "Vleteren"}
#: The warnings this example raises, and why each is expected:
EXPECTED_WARNINGS = {
    # four of the six partners' surcharges are blank in the facts table: assumed and stated
    "unknown facts were assumed": "assumed",
    # the game still prices groups without a fitting site of their own as hypothetical parks
    "hypothetical park": "game",
}


@pytest.fixture(scope="module")
def westhoek(tmp_path_factory):
    root = build_westhoek(tmp_path_factory.mktemp("westhoek") / "study", DATA)
    return root, run_study(root)


def test_every_site_lies_in_the_partners_territory(westhoek):
    root, outputs = westhoek
    towns = Workspace.open(root).read_vector("municipalities")
    assert len(towns) == 62  # the neighbours are loaded, as context
    territory = towns[towns["name"].isin(PARTNERS)].union_all()
    sites = gpd.read_file(root / "sites.gpkg", layer="sites")
    assert len(sites) >= 2
    assert (sites.geometry.difference(territory).area <= 1.0).all()
    assert set(outputs.scoring.site_municipalities["municipality"]) <= set(PARTNERS)
    assert outputs.scoring.suitability.exclusions.names[0] == "outside_study_area"


def test_the_best_sites_split_matches_an_independent_overlay(westhoek):
    root, _ = westhoek
    towns = Workspace.open(root).read_vector("municipalities")
    best = gpd.read_file(root / "sites.gpkg", layer="sites").iloc[[0]]
    pieces = gpd.overlay(best[["site_id", "geometry"]], towns[["name", "geometry"]])
    expected = pieces.assign(area_ha=pieces.area / 1e4).groupby("name")["area_ha"].sum()
    split = pd.read_csv(root / "site_municipalities.csv", dtype={"site_id": str})
    mine = split[split["site_id"] == str(best["site_id"].iloc[0])]
    found = mine.set_index("municipality")["area_ha"]
    pd.testing.assert_series_equal(
        found.sort_index(), expected.sort_index(), check_names=False, atol=0.01
    )


def test_unknown_surcharges_are_assumed_stated_and_never_zero(westhoek):
    root, _ = westhoek
    result = json.loads((root / "equalisation.json").read_text(encoding="utf-8"))
    assumed = {a["partner"]: a for a in result["assumed_facts"]}
    assert set(assumed) == UNKNOWN_SURCHARGES
    for fact in assumed.values():
        assert fact["fact"] == "municipal_opcentiemen"
        assert 0 < fact["low"] <= fact["value"] <= fact["high"]
        assert "median of the 8 known values" in fact["source"]
    surcharges = {p["name"]: p["municipal_opcentiemen"] for p in result["partners"]}
    assert all(value > 0 for value in surcharges.values())
    host = result["host"]
    effect = result["assumption_effects"]["population"][host]
    if host in UNKNOWN_SURCHARGES:  # the host levies the property tax at its own surcharge
        assert effect["net_pv_low_eur"] < effect["net_pv_high_eur"]
    report = (root / "report.html").read_text(encoding="utf-8")
    assert 'id="assumed"' in report and all(name in report for name in UNKNOWN_SURCHARGES)


def test_one_dossier_with_the_right_names_on_its_site_maps(westhoek, tmp_path):
    root, outputs = westhoek
    assert main(["report", str(root), "-o", str(tmp_path / "again.html")]) == 0
    by_run = (root / "report.html").read_text(encoding="utf-8")
    assert (tmp_path / "again.html").read_text(encoding="utf-8") == by_run
    sheet = by_run.split('id="site-1"')[1].split("</section>")[0]
    labels = set(re.findall(r"font-weight='600'>([^<]+)</text>", sheet))
    hosts = set(
        outputs.scoring.site_municipalities.loc[
            outputs.scoring.site_municipalities["site_id"].astype(str)
            == str(outputs.scoring.sites["site_id"].iloc[0]),
            "municipality",
        ]
    )
    assert hosts <= labels  # the map names the municipalities the site lies in


def test_every_warning_is_explained(westhoek):
    root, outputs = westhoek
    warnings = json.loads((root / "run.json").read_text(encoding="utf-8"))["warnings"]
    assert list(outputs.warnings) == warnings
    kinds = [kind for w in warnings for phrase, kind in EXPECTED_WARNINGS.items() if phrase in w]
    assert len(kinds) == len(warnings), warnings
    assert "assumed" in kinds


def test_the_example_game_agrees_with_coopgame(westhoek):
    import coopgame
    import numpy as np

    from equalisation import games

    _, outputs = westhoek
    game = outputs.equalisation.result.games.site_game.game
    theirs = coopgame.Game(list(game.table[1:]))
    ours = games.solve(game, "shapley").values
    np.testing.assert_allclose(ours, coopgame.shapley(theirs), rtol=0, atol=1e-6)
    nucleolus = games.solve(game, "nucleolus").values
    np.testing.assert_allclose(nucleolus, coopgame.cost_nucleolus(theirs), rtol=0, atol=1e-6)
