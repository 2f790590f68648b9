"""The model builder's preview: the engine's scores on the overview grid, the sites' means and
ranking, histograms, and forms that follow the schema."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import rasterio
from model_support import make_model_study
from pydantic import TypeAdapter, ValidationError

from geo.engine import score
from geo.grid import Grid
from geo.zonal import zonal_scores
from parkplan import library_inputs, outputs
from parkplan.model_builder import DraftModel, applied, draft_of, draft_weights, form_fields
from parkplan.preview import Layers, PreviewCache, histogram, overview_grid, preview
from parkplan.run import run_study
from parkplan.runs import RunStore
from parkplan.study import (
    AggregationConfig,
    CriterionConfig,
    ExclusionConfig,
    TransformConfig,
    WeightsConfig,
    load_study,
)
from parkplan.workspace import Workspace

AGGREGATIONS = {
    "wlc": AggregationConfig(method="wlc"),
    "wgm": AggregationConfig(method="wgm"),
    "owa": AggregationConfig(method="owa", andness=0.7),
    "min": AggregationConfig(method="min"),
}


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = make_model_study(tmp_path_factory.mktemp("preview") / "study")
    run_study(root, equalise=False)
    return root


def draft_with(root, aggregation: AggregationConfig | None = None):
    study = load_study(root)
    draft = draft_of(study)
    if aggregation is not None:
        draft = draft.model_copy(update={"aggregation": aggregation})
    return applied(study, draft)


def engine_scores(root, study, grid: Grid, out) -> np.ndarray:
    """The engine's own score raster of ``study`` on ``grid``, read back."""
    workspace = Workspace.open(root)
    area = library_inputs.study_area(study, workspace)
    score(
        grid,
        [library_inputs.criterion(c, workspace, grid) for c in study.criteria],
        library_inputs.weighting(study).weights,
        aggregation=library_inputs.aggregation(study),
        exclusions=[
            area.exclusion(),
            *(library_inputs.exclusion(e, workspace, grid) for e in study.exclusions),
        ],
        out_path=out,
    )
    with rasterio.open(out) as raster:
        return raster.read(1)


def test_the_overview_grid_keeps_the_origin_and_coarsens_by_a_whole_factor():
    grid = Grid("EPSG:31370", 1000.0, 9000.0, 10.0, 5_600, 1_200)
    coarse = overview_grid(grid)
    assert (coarse.x_min, coarse.y_max, coarse.cell_size_m) == (1000.0, 9000.0, 110.0)
    assert (coarse.width, coarse.height) == (510, 110)
    assert overview_grid(Grid("EPSG:31370", 0.0, 0.0, 5.0, 300, 200)).cell_size_m == 5.0


@pytest.mark.timeout(300)
@pytest.mark.parametrize("method", list(AGGREGATIONS))
def test_preview_scores_equal_the_engine_on_the_overview_grid(study, tmp_path, method):
    draft = draft_with(study, AGGREGATIONS[method])
    layers = Layers.of(Workspace.open(study))
    inputs = PreviewCache(study).inputs(draft, layers)
    assert (inputs.grid.width, inputs.grid.height, inputs.grid.cell_size_m) == (320, 200, 20.0)
    result = preview(inputs, draft, layers)
    expected = engine_scores(study, draft, inputs.grid, tmp_path / "score.tif")
    assert np.array_equal(np.isnan(result.scores), np.isnan(expected))
    assert np.isfinite(expected).sum() > 10_000
    np.testing.assert_allclose(result.scores, expected, atol=1e-6, equal_nan=True)


@pytest.mark.timeout(300)
def test_site_scores_are_the_zonal_means_of_the_preview_and_ranked(study, tmp_path):
    draft = draft_with(study)
    layers = Layers.of(Workspace.open(study))
    inputs = PreviewCache(study).inputs(draft, layers)
    result = preview(inputs, draft, layers)
    engine_scores(study, draft, inputs.grid, tmp_path / "score.tif")
    sites = outputs.read_sites_gpkg(RunStore(study).folder())
    table = zonal_scores(sites[["site_id", "geometry"]], inputs.grid, tmp_path / "score.tif")
    expected = dict(zip(table["site_id"], table["score"], strict=True))
    shown = {site.site_id: site.score for site in result.sites}
    assert shown.keys() == expected.keys() and len(shown) >= 3
    for site_id, value in shown.items():
        assert value == pytest.approx(expected[site_id], abs=1e-6)
    assert [s.rank for s in result.sites] == list(range(1, len(shown) + 1))
    assert [s.score for s in result.sites] == sorted(shown.values(), reverse=True)
    assert {s.sign for s in result.sites} <= {"robust", "uncertain", "out"}
    assert result.run_id == RunStore(study).current_id()


def test_weights_of_each_method_and_the_ahp_check(study):
    study_ = load_study(study)
    names = [c.name for c in study_.criteria]
    weights = WeightsConfig(method="rank_sum", order=names[::-1])
    ranked = draft_of(study_).model_copy(update={"weights": weights})
    weights = draft_weights(applied(study_, ranked))
    n = len(names)
    assert weights.weights[names[-1]] == pytest.approx(2 * n / (n * (n + 1)))
    assert weights.ahp is None


def test_histograms_count_the_cells_of_the_study_area(study):
    study_ = load_study(study)
    layers = Layers.of(Workspace.open(study))
    inputs = PreviewCache(study).inputs(study_, layers)
    inside = int((~inputs.outside).sum())
    by_name = {c.name: c for c in study_.criteria}
    numeric = histogram(inputs, by_name["station"], layers)
    assert numeric.cells == inside and sum(numeric.counts) + numeric.nodata == inside
    assert (
        numeric.low >= 0 and numeric.edges[0] == numeric.low and numeric.edges[-1] == numeric.high
    )
    zones = histogram(inputs, by_name["zones"], layers)
    assert {label for label, _ in zones.categories} == {"industrie", "landbouw", "wonen"}
    assert sum(count for _, count in zones.categories) == inside


FILLED = {
    "column": "zone",
    "categories": ["industrie"],
    "radius_m": 100.0,
    "buffer_m": 50.0,
    "allowed": ["industrie"],
    "op": ">",
    "value": 1.0,
}


@pytest.mark.parametrize(
    ("form", "section"), [("criterion", CriterionConfig), ("exclusion", ExclusionConfig)]
)
def test_the_forms_ask_for_what_each_kind_needs(form, section):
    """Every field a form marks as a kind's own is needed by that kind, and together with the
    fields every kind has they make a valid item."""
    fields = form_fields(section)
    assert {f.name for f in fields}.isdisjoint({"transform", "weight", "rank"})
    kinds = next(f for f in fields if f.name == "kind").options
    base = {"name": "x", "layer": "l", "transform": {"kind": "linear", "a": 0, "b": 1}}
    base = base if form == "criterion" else {"name": "x", "layer": "l"}
    for kind in kinds:
        own = [f.name for f in fields if kind in f.kinds]
        assert all(f.required for f in fields if kind in f.kinds)
        items = TypeAdapter(section)
        items.validate_python({**base, "kind": kind, **{name: FILLED[name] for name in own}})
        for left_out in own:
            with pytest.raises(ValidationError):
                items.validate_python(
                    {**base, "kind": kind, **{n: FILLED[n] for n in own if n != left_out}}
                )


def test_a_draft_drops_what_the_browser_keeps_of_another_kind():
    transform = {"kind": "linear", "a": 0, "b": 1}
    criterion = {"name": "x", "kind": "distance", "layer": "l", "transform": transform}
    exclusion = {"name": "e", "kind": "inside", "layer": "l"}
    draft = DraftModel.model_validate({
        "criteria": [criterion | {"column": "zone", "categories": None, "radius_m": None}],
        "exclusions": [exclusion | {"buffer_m": None, "op": ">", "value": None}],
    })  # fmt: skip
    assert draft.criteria[0].model_dump(exclude_none=True) == criterion | {
        "transform": draft.criteria[0].transform.model_dump(exclude_none=True),
        "description": "",
    }
    assert draft.exclusions[0].model_dump(exclude_none=True) == exclusion | {"description": ""}
    with pytest.raises(ValidationError, match="surprise"):
        DraftModel.model_validate({"criteria": [criterion | {"surprise": 1}]})


def test_choices_come_from_the_schema():
    options = {f.name: f.options for f in form_fields(CriterionConfig)}
    assert options["kind"] == ("distance", "raster", "zoning", "zone_share")
    transform = {f.name: f for f in form_fields(TransformConfig)}
    assert "categorical" in transform["kind"].options and transform["mapping"].kinds == (
        "categorical",
    )
    pairs = list(itertools.pairwise(f.name for f in form_fields(ExclusionConfig)))
    assert ("name", "kind") in pairs
