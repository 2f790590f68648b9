"""A small dossier: the generated results of ``webmap_fixtures`` with a real equalisation of
site 1 among the three municipalities (computed by :mod:`equalisation`, summarised as a run
would), and every chapter's inputs."""

from __future__ import annotations

from functools import partial

from webmap_fixtures import MUNICIPALITY_NAMES, map_data

import equalisation
from equalisation.finance import FinanceAssumptions
from equalisation.keys import Partner
from equalisation.site_game import GameRules
from equalisation.summary import summarise
from geo.proximity import layers_within
from webmap.map_data import RunStamp
from webmap.report import NEARBY_M, top_sheets
from webmap.report_model import (
    AssumedFact,
    Cooperation,
    CooperationAnswers,
    Criterion,
    Exclusion,
    ExclusionReport,
    FinanceAssumption,
    LayerProvenance,
    LeaderRange,
    Method,
    PartnerFacts,
    ReportData,
    Robustness,
    RunNotice,
    SharingKey,
)

KEYS = {
    "population": {"costs": {"kind": "population"}, "revenues": {"kind": "population"}},
    "host_first": {
        "kind": "stacked",
        "host_share": 0.1,
        "rest": [{"kind": "population", "weight": 0.5}, {"kind": "land", "weight": 0.5}],
    },
}
WEIGHTS = {"motorway": 0.5, "station": 0.3, "nuisance": 0.2}


def summary(names=MUNICIPALITY_NAMES):
    """The equalisation summary of site 1 (60 % in the first municipality, 40 % in the
    second), with the site game over the six candidate sites."""
    data = map_data(names=names)
    parts = data.site_municipalities
    by_site = {
        str(site): dict(zip(group["municipality"], group["area_ha"], strict=True))
        for site, group in parts.groupby("site_id")
    }
    candidates = [
        {
            "site_id": str(r.site_id),
            "score": float(r.score),
            "area_ha": float(r.area_ha),
            "area_ha_by_municipality": by_site.get(str(r.site_id), {}),
        }
        for r in data.sites.itertuples()
    ]
    partners = [
        Partner(name, population, demand_ha=demand, municipal_opcentiemen=surcharge)
        for name, population, demand, surcharge in zip(
            names,
            (9_800, 20_400, 7_100),
            (12.0, 20.0, 8.0),
            (900.0, 1_100.0, 1_300.0),
            strict=True,
        )
    ]
    result = equalisation.equalise(
        partners=partners,
        site_area_ha_by_municipality=by_site["1"],
        host=names[0],
        assumptions=FinanceAssumptions(),
        keys=KEYS,
        mechanisms=None,
        horizon_years=20,
        start_year=2026,
        tax_year=2022,
        provincial_opcentiemen=0.0,
        candidate_sites=candidates,
        game_rules=GameRules(grand_site="1"),
    )
    return summarise(result, site_id="1")


def report_data(*, names=MUNICIPALITY_NAMES, text="Discount rate", with_money=True) -> ReportData:
    data = map_data(names=names)
    sites = data.sites
    split = data.site_municipalities
    return ReportData(
        title="Regionaal bedrijventerrein",
        sites=sites,
        municipalities=data.municipalities,
        site_municipalities=split,
        criteria=tuple(
            Criterion(
                name,
                "distance",
                f"{name}_layer",
                weight,
                {"kind": "linear", "direction": "decreasing", "c": 500.0, "d": 5000.0},
                label=text if name == "nuisance" else None,
            )
            for name, weight in WEIGHTS.items()
        ),
        exclusions=ExclusionReport(
            (
                Exclusion("outside_study_area", "outside", 1200.0, 1200.0),
                Exclusion("nature", "inside", 400.0, 380.0, layer="nature_layer"),
                Exclusion(
                    "housing_buffer", "buffer", 250.0, 210.0, layer="housing", buffer_m=150.0
                ),
            ),
            1790.0,
            15_000.0,
        ),
        method=Method(partners=tuple(names), tax_year=2022, target_area_ha=40.0),
        sheets=tuple(
            top_sheets(
                sites,
                split,
                data.municipalities,
                count=2,
                nearby=partial(
                    layers_within, crs=sites.crs, layers=data.exclusions, within_m=NEARBY_M
                ),
            )
        ),
        robustness=Robustness(1000, 50.0, {"motorway": 0.1}, 3, 7),
        leader_ranges=(
            LeaderRange("motorway", "1", 0.5, loses_below=0.31, rival_below="3"),
            LeaderRange("station", "1", 0.3),
            LeaderRange("nuisance", "1", 0.2, loses_above=0.62, rival_above="6"),
        ),
        equalisation=summary(names) if with_money else None,
        keys=(
            SharingKey(
                "population", {"kind": "population"}, {"kind": "population"}, label="Inwoners"
            ),
            SharingKey("host_first", KEYS["host_first"], KEYS["host_first"]),
        ),
        chosen_key="population",
        assumptions=(
            FinanceAssumption("discount_rate_per_year", 0.03, "per year", "0.02–0.04", True),
            FinanceAssumption("studies_eur", 150_000.0, "EUR", "100,000–300,000", True),
            FinanceAssumption("role", "developer", "choice", "developer | director", False),
        ),
        assumed=(
            AssumedFact(
                names[2],
                "municipal_opcentiemen",
                1300.0,
                1100.0,
                1400.0,
                "median of the 2 partners whose municipal_opcentiemen is known",
            ),
        ),
        assumption_effects={"population": {n: (1000.0, 900.0, 1100.0) for n in names}},
        partners=tuple(
            PartnerFacts(
                n,
                {"population": 1000.0 * (i + 1), "municipal_opcentiemen": None},
                {"population": text},
            )
            for i, n in enumerate(names)
        ),
        layers=(
            LayerProvenance(
                "nature_layer",
                "vector",
                "nature.gpkg",
                "ab" * 32,
                "2026-12-03T15:37:36+00:00",
                "EPSG:31370",
            ),
        ),
        cooperation=(
            Cooperation(
                "cooperation agreement",
                True,
                True,
                (
                    "a contract between the municipalities (art. 387 of the decree), the "
                    "lightest form",
                    "lasts as long as the partners agree (20 years)",
                ),
            ),
            Cooperation(
                "mandated association",
                False,
                False,
                (
                    "does not fit: the mandated association takes over the management "
                    "from the municipalities, which they do not hand over",
                ),
            ),
        ),
        answers=CooperationAnswers(False, False, 20, False, False),
        run=RunStamp(
            "20261203T153737Z-d44a77",
            "2026-12-03T15:38:28+00:00",
            "0" * 64,
            {"nature_layer": "ab" * 32},
            "0.1.0",
        ),
        warnings=(
            RunNotice(
                "flat_criterion",
                "criterion 'station' hardly varies",
                {"criterion": "station", "low": 0.91, "high": 0.93, "weight": 0.3},
            ),
            RunNotice(
                "facts_assumed",
                "1 unknown facts were assumed",
                {"count": 1, "facts": [[names[2], "municipal_opcentiemen"]]},
            ),
        ),
    )
