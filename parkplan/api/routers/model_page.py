"""The model builder: the ``/model`` page and the routes its script uses.

::

    GET  /model                    the page (the layout of app_pages, texts in nl or en)
    GET  /api/model                the draft of the base model (or ?scenario=NAME), the
                                   version (etag) of study.toml, the layers and the forms
    POST /api/model/preview        a draft scored at overview resolution, the sites ranked
    POST /api/model/histogram      a criterion's raw values in the study area
    POST /api/model/values         the distinct values of a layer's column
    POST /api/model/save           the draft written into study.toml (base model or scenario)

Reading and previewing need the read role; saving the planner role. Errors are one line: 422 for
a draft the schema or the libraries refuse, 409 when study.toml changed since it was loaded.
"""

from __future__ import annotations

import base64
import threading
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from geo.errors import GeoError
from parkplan import preview as previews
from parkplan.api.app_pages import LangQuery, render_page
from parkplan.api.deps import PLAN, READ, ApiContext, ContextDep, ScenarioQuery
from parkplan.api.model_text import TEXT, TITLE
from parkplan.errors import ParkplanError, StudyError
from parkplan.model_builder import (
    MAX_CRITERIA,
    DraftCriterion,
    DraftModel,
    ahp_summary,
    applied,
    check_draft,
    draft_of,
    form_fields,
)
from parkplan.runs import RunStore
from parkplan.study import (
    NAME_PATTERN,
    AggregationConfig,
    CriterionConfig,
    ExclusionConfig,
    Finite,
    Name,
    TransformConfig,
    WeightsConfig,
    load_study,
    read_study,
)
from parkplan.study_edit import StaleStudyError, etag, save_draft
from parkplan.workspace import Workspace
from webmap.colours import legend_stops

router = APIRouter(tags=["model"])

#: The most distinct values of a column offered as choices.
MAX_VALUES = 200
_CACHE_LOCK = threading.Lock()


def preview_cache(request: Request, context: ContextDep) -> previews.PreviewCache:
    """The study's preview inputs, kept on the app (made on first use)."""
    with _CACHE_LOCK:
        cache = getattr(request.app.state, "model_preview", None)
        if cache is None:
            cache = request.app.state.model_preview = previews.PreviewCache(context.study_dir)
    return cache


CacheDep = Annotated[previews.PreviewCache, Depends(preview_cache)]


def unprocessable(exc: Exception, context: ApiContext) -> HTTPException:
    """A 422 with the error's one line (server paths removed)."""
    return HTTPException(422, context.redact(exc))


# -- the page ----------------------------------------------------------------------------------


@router.get("/model", dependencies=[READ], response_class=HTMLResponse)
def model_page(request: Request, context: ContextDep, lang: LangQuery = "nl") -> HTMLResponse:
    """The model builder: criteria, exclusions, transforms, weights and aggregation, with a
    live preview of the suitability map and the ranking of the candidate sites."""
    study = load_study(context.study_dir)
    return render_page(
        request,
        "model.html.j2",
        lang=lang,
        title=TITLE[lang],
        current="model",
        study_name=study.name,
        text=TEXT[lang],
    )


# -- the model and the forms ---------------------------------------------------------------------


class FormFieldOut(BaseModel):
    """One input of a form (see :class:`parkplan.model_builder.FormField`)."""

    name: str
    widget: str
    options: list[str]
    minimum: float | None
    maximum: float | None
    exclusive_minimum: bool
    required: bool
    kinds: list[str]
    description: str


class LayerOut(BaseModel):
    """A workspace layer the forms offer: name, kind, geometry type and columns."""

    name: str
    kind: str
    geometry_type: str | None
    columns: list[str]


class ScenarioOut(BaseModel):
    name: str
    description: str


class ModelState(BaseModel):
    """What the page starts from: the draft, the version of study.toml it comes from, the
    scenarios, the layers, the forms, the score ramp and the preview's settings."""

    study: str
    etag: str
    scenario: str | None
    model: DraftModel
    scenarios: list[ScenarioOut]
    layers: list[LayerOut]
    forms: dict[str, list[FormFieldOut]]
    legend: list[tuple[float, str]]
    draws: int
    top_k: int
    run_id: str | None


FORMS: dict[str, Any] = {
    "criterion": CriterionConfig,
    "exclusion": ExclusionConfig,
    "transform": TransformConfig,
    "weights": WeightsConfig,
    "aggregation": AggregationConfig,
}


def forms() -> dict[str, list[FormFieldOut]]:
    """Every form of the builder, from the schema."""
    return {
        name: [FormFieldOut(**vars(f) | {"options": list(f.options), "kinds": list(f.kinds)})
               for f in form_fields(section)]
        for name, section in FORMS.items()
    }  # fmt: skip


def layers(workspace: Workspace) -> list[LayerOut]:
    """The workspace's layers with the columns of the vector ones."""
    found = []
    for info in workspace.list_layers():
        columns = []
        if info.kind == "vector":
            columns = [c.name for c in workspace.layer_columns(info.name)]
        found.append(LayerOut(name=info.name, kind=info.kind,
                              geometry_type=info.geometry_type, columns=columns))  # fmt: skip
    return found


@router.get("/api/model", dependencies=[READ])
def get_model(context: ContextDep, scenario: ScenarioQuery = None) -> ModelState:
    """The draft of the base model (or of ``scenario``), with what the forms need."""
    study, raw = read_study(context.study_dir)
    try:
        draft = draft_of(study, scenario)
    except StudyError as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        raise unprocessable(exc, context) from None
    return ModelState(
        study=study.name,
        etag=etag(raw),
        scenario=scenario,
        model=draft,
        scenarios=[ScenarioOut(name=s.name, description=s.description) for s in study.scenarios],
        layers=layers(Workspace.open(context.study_dir)),
        forms=forms(),
        legend=legend_stops(study.map.ramp),
        draws=previews.PREVIEW_DRAWS,
        top_k=previews.TOP_K,
        run_id=RunStore(context.study_dir).current_id(None),
    )


# -- the preview ---------------------------------------------------------------------------------

Domain = tuple[Finite, Finite]


class PreviewRequest(BaseModel):
    """A draft to score, and the raw-value range of each transform curve to draw."""

    model: DraftModel
    domains: dict[Name, Domain] = Field({}, max_length=MAX_CRITERIA)


class SiteOut(BaseModel):
    site_id: str
    score: float | None
    rank: int
    run_rank: int
    p_top_k: float | None
    sign: str | None
    outline: str
    label_xy: tuple[float, float]


class ExclusionOut(BaseModel):
    name: str
    alone_ha: float
    in_sequence_ha: float


class PreviewAnswer(BaseModel):
    """The preview: the overview image (PNG data URL) and its grid, the score's statistics,
    the weights used (and the AHP check), the area each exclusion removes, each requested
    transform curve and the ranked sites."""

    image: str
    width: int
    height: int
    cell_size_m: float
    stats: dict[str, float | None]
    weights: dict[str, float]
    weight_method: str
    ahp: dict[str, Any] | None
    exclusions: list[ExclusionOut]
    curves: dict[str, list[list[float]]]
    sites: list[SiteOut]
    run_id: str | None
    computed_ms: float


def draft_study(context: ContextDep, draft: DraftModel):
    """The study with the draft applied, or 422."""
    try:
        return applied(load_study(context.study_dir), draft)
    except StudyError as exc:
        raise unprocessable(exc, context) from None


@router.post("/api/model/preview", dependencies=[READ])
def post_preview(body: PreviewRequest, context: ContextDep, cache: CacheDep) -> PreviewAnswer:
    """Score the draft at overview resolution and rank the current run's sites."""
    started = time.perf_counter()
    study = draft_study(context, body.model)
    try:
        layers = previews.Layers.of(Workspace.open(context.study_dir))
        inputs = cache.inputs(study, layers)
        result = previews.preview(inputs, study, layers)
        image = previews.overview_png(result, study.map.ramp)
        curves = {
            c.name: previews.curve(inputs.raw_transform(c, layers), body.domains[c.name])
            for c in study.criteria
            if c.name in body.domains and c.transform.kind != "categorical"
        }
    except (GeoError, ParkplanError) as exc:
        raise unprocessable(exc, context) from None
    report = result.exclusions
    return PreviewAnswer(
        image="data:image/png;base64," + base64.b64encode(image).decode("ascii"),
        width=result.grid.width,
        height=result.grid.height,
        cell_size_m=result.grid.cell_size_m,
        stats=result.stats,
        weights=result.weights.weights,
        weight_method=result.weights.method,
        ahp=None if result.weights.ahp is None else ahp_summary(result.weights.ahp),
        exclusions=[
            ExclusionOut(name=n, alone_ha=a, in_sequence_ha=s)
            for n, a, s in zip(report.names, report.alone_ha, report.in_sequence_ha, strict=True)
        ],
        curves=curves,
        sites=[SiteOut(**vars(site)) for site in result.sites],
        run_id=result.run_id,
        computed_ms=round(1000 * (time.perf_counter() - started), 1),
    )


class HistogramRequest(BaseModel):
    criterion: DraftCriterion


class CategoryCount(BaseModel):
    category: str
    count: int


class HistogramAnswer(BaseModel):
    """A criterion's raw values in the study area (see :class:`parkplan.preview.Histogram`)."""

    cells: int
    nodata: int
    low: float | None
    high: float | None
    quantiles: dict[str, float]
    edges: list[float]
    counts: list[int]
    categories: list[CategoryCount]


@router.post("/api/model/histogram", dependencies=[READ])
def post_histogram(body: HistogramRequest, context: ContextDep, cache: CacheDep) -> HistogramAnswer:
    """The histogram of a criterion's raw values in the study area, at overview resolution
    (numeric bins, or the categories and their cell counts)."""
    study = load_study(context.study_dir)
    try:
        layers = previews.Layers.of(Workspace.open(context.study_dir))
        inputs = cache.inputs(study, layers)
        return HistogramAnswer(**previews.histogram(inputs, body.criterion, layers).to_dict())
    except (GeoError, ParkplanError) as exc:
        raise unprocessable(exc, context) from None


class ValuesRequest(BaseModel):
    layer: Name
    column: str = Field(min_length=1, max_length=200)


class ValuesAnswer(BaseModel):
    values: list[str]
    truncated: bool


@router.post("/api/model/values", dependencies=[READ])
def post_values(body: ValuesRequest, context: ContextDep) -> ValuesAnswer:
    """The distinct values of a vector layer's column (as text, sorted; the first 200)."""
    try:
        frame = Workspace.open(context.study_dir).read_attributes(body.layer, [body.column])
    except (GeoError, ParkplanError) as exc:
        raise unprocessable(exc, context) from None
    values = sorted({str(v) for v in frame[body.column].dropna()})
    return ValuesAnswer(values=values[:MAX_VALUES], truncated=len(values) > MAX_VALUES)


# -- saving --------------------------------------------------------------------------------------


class SaveRequest(BaseModel):
    """The draft, the version of study.toml it was loaded from, and where it goes: the base
    model (no scenario) or the scenario of that name (new or replaced)."""

    model: DraftModel
    etag: str = Field(pattern=r"^[0-9a-f]{64}$")
    scenario: str | None = Field(None, pattern=NAME_PATTERN)
    description: str | None = Field(None, max_length=300)


class SaveAnswer(BaseModel):
    etag: str
    saved: str
    scenario: str | None


@router.post("/api/model/save", dependencies=[PLAN])
def post_save(body: SaveRequest, context: ContextDep) -> SaveAnswer:
    """Write the draft into study.toml: only the settings that change, comments kept."""
    try:
        layer_names = {info.name for info in Workspace.open(context.study_dir).list_layers()}
        check_draft(load_study(context.study_dir), body.model, layer_names)
        saved = save_draft(
            Path(context.study_dir),
            body.model,
            loaded=body.etag,
            scenario=body.scenario,
            description=body.description,
        )
    except StaleStudyError as exc:
        raise HTTPException(409, str(exc)) from None
    except (StudyError, GeoError) as exc:
        raise unprocessable(exc, context) from None
    what = "base" if body.scenario is None else "scenario"
    return SaveAnswer(etag=saved.etag, saved=what, scenario=body.scenario)
