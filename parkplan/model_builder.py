"""The model builder's draft: the suitability part of ``study.toml`` as the browser edits it.

A :class:`DraftModel` holds the ``[[criteria]]``, ``[[exclusions]]``, ``[weights]`` and
``[aggregation]`` of a study in the schema's own types (:mod:`parkplan.study`), with bounded
sizes. :func:`draft_of` reads it from a study (or one of its scenarios), :func:`applied` puts
it back into the study and validates the result as a whole, and :func:`draft_weights` gives
the weights it implies (with the AHP check: consistency ratio and the judgement farthest
from the weights, the pair with the largest |ln(a_ij · w_j / w_i)|).

The forms of the builder are derived from the schema (:func:`form_fields`): each field's
input, its options and bounds, and which kinds use it (for a criterion or an exclusion, the
kinds whose model has it; else the kinds named at the start of its description, e.g.
``"categorical: ..."``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, ValidationError

from geo.weights import AHPResult, ahp_weights
from parkplan import library_inputs
from parkplan.errors import StudyError
from parkplan.study import (
    AggregationConfig,
    CriterionConfig,
    ExclusionConfig,
    Section,
    Study,
    WeightsConfig,
)
from parkplan.study_problems import kind_base, kinds_of, models_in

#: The most criteria and exclusions a draft may hold (AHP itself stops at 10 criteria).
MAX_CRITERIA = 32
MAX_EXCLUSIONS = 32
#: The fields of ``study.toml`` a draft replaces.
DRAFT_SECTIONS = ("criteria", "exclusions", "weights", "aggregation")


def _of_its_kind(union: Any) -> BeforeValidator:
    """Drop the fields of an item's other kinds, which the browser keeps (some as ``null``)
    when the item's kind changes."""
    members = models_in(union)

    def dropped(value: Any) -> Any:
        kind = value.get("kind") if isinstance(value, Mapping) else None
        own = next((m for m in members if kind in kinds_of(m)), None)
        if own is None:
            return value
        others = {name for m in members for name in m.model_fields} - set(own.model_fields)
        return {key: item for key, item in value.items() if key not in others}

    return BeforeValidator(dropped)


#: A criterion as the builder sends it (:func:`_of_its_kind`).
DraftCriterion = Annotated[CriterionConfig, _of_its_kind(CriterionConfig)]
#: An exclusion as the builder sends it (:func:`_of_its_kind`).
DraftExclusion = Annotated[ExclusionConfig, _of_its_kind(ExclusionConfig)]


class DraftModel(Section):
    """The suitability model being edited: criteria, exclusions, weights and aggregation."""

    criteria: list[DraftCriterion] = Field(max_length=MAX_CRITERIA)
    exclusions: list[DraftExclusion] = Field([], max_length=MAX_EXCLUSIONS)
    weights: WeightsConfig = WeightsConfig()
    aggregation: AggregationConfig = AggregationConfig()


def draft_of(study: Study, scenario: str | None = None) -> DraftModel:
    """The draft of the base model, or of ``scenario`` applied to it."""
    variant = study.scenario(scenario)
    return DraftModel(
        criteria=variant.criteria,
        exclusions=variant.exclusions,
        weights=variant.weights,
        aggregation=variant.aggregation,
    )


def applied(study: Study, draft: DraftModel) -> Study:
    """``study`` with the draft's sections and without its scenarios (which a preview does not
    use), validated as a whole (names unique, ...). A problem is a one-line
    :class:`StudyError`; so is a draft without criteria."""
    if not draft.criteria:
        raise StudyError("the model has no criteria; add at least one criterion")
    data = study.model_dump(exclude_none=True, exclude={"scenarios"})
    data |= draft.model_dump(exclude_none=True)
    try:
        return Study.model_validate(data)
    except ValidationError as exc:
        raise StudyError(one_line(exc)) from None


def one_line(exc: ValidationError) -> str:
    """The problems of a validation error on one line: ``place: message; ...``."""
    problems = []
    for error in exc.errors():
        place = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{place}: {message}" if place else message)
    return " ".join("; ".join(problems[:5]).split())


def check_draft(study: Study, draft: DraftModel, layers: set[str]) -> Study:
    """``study`` with the draft applied, once the libraries accept it too: every transform,
    the weights, the aggregation, and layers among ``layers``; else a one-line error."""
    variant = applied(study, draft)
    items: list[CriterionConfig | ExclusionConfig] = [*variant.criteria, *variant.exclusions]
    for item in items:
        if item.layer not in layers:
            raise StudyError(
                f"{item.name!r} reads layer {item.layer!r}, which the workspace does not have; "
                f"known layers: {', '.join(sorted(layers)) or 'none'}"
            )
    for criterion in variant.criteria:
        library_inputs.transform_of(criterion.transform)
    draft_weights(variant)
    aggregation = library_inputs.aggregation(variant)
    if aggregation.method == "owa":
        aggregation.order_weights_for(len(variant.criteria))
    return variant


@dataclass(frozen=True)
class DraftWeights:
    """The weights a draft implies (summing to 1, in criterion order), by which method, and
    the AHP check when they come from pairwise judgements."""

    weights: dict[str, float]
    method: str
    ahp: AHPResult | None = None


def draft_weights(study: Study) -> DraftWeights:
    """The weights of ``study``'s criteria (:func:`parkplan.library_inputs.weighting`); AHP
    weights are computed without warning, their consistency being part of the answer."""
    if study.weights.method != "ahp":
        weighting = library_inputs.weighting(study)
        return DraftWeights(weighting.weights, weighting.method)
    names = [c.name for c in study.criteria]
    if study.weights.pairwise is None:
        raise StudyError("[weights] method = 'ahp' needs 'pairwise' (an n x n matrix)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ahp_weights(names, study.weights.pairwise)
    return DraftWeights(dict(result.weights), "ahp", result)


def ahp_summary(result: AHPResult) -> dict[str, Any]:
    """The consistency figures of an AHP result and its most inconsistent judgement (the pair
    with the largest |ln(a_ij · w_j / w_i)|), as plain data."""
    worst = result.most_inconsistent[0] if result.most_inconsistent else None
    return {
        "lambda_max": result.lambda_max,
        "ci": result.ci,
        "cr": result.cr,
        "random_index": result.random_index,
        "acceptable": result.acceptable,
        "most_inconsistent": None
        if worst is None
        else {
            "i": worst.i,
            "j": worst.j,
            "judgement": worst.judgement,
            "implied": worst.implied,
            "log_ratio": abs(math.log(worst.judgement / worst.implied)),
        },
    }


# -- forms derived from the schema -----------------------------------------------------------


@dataclass(frozen=True)
class FormField:
    """One input of a form: the schema field it sets, its widget (``choice``, ``number``,
    ``integer``, ``text``, ``list``, ``layer``, ``column``), options and bounds, whether it is
    required, the kinds that use it (empty: every kind) and the schema's description."""

    name: str
    widget: str
    options: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    required: bool = False
    kinds: tuple[str, ...] = ()
    description: str = ""


#: Fields the builder edits with their own controls (curve editor, weights section).
OWN_CONTROLS = frozenset({"transform", "weight", "rank"})
#: Fields whose widget is a workspace choice rather than their schema type.
WORKSPACE_WIDGETS = {"layer": "layer", "column": "column"}


def form_fields(section: Any) -> tuple[FormField, ...]:
    """The inputs of ``section``, from its JSON schema: a model (:class:`TransformConfig`...)
    in the schema's order, or a union of kinds (:data:`CriterionConfig`,
    :data:`ExclusionConfig`) with the fields every kind needs, then each kind's own, then the
    optional fields every kind has."""
    members = models_in(section)
    if len(members) > 1:
        return _kinds_form(members)
    schema = members[0].model_json_schema()
    properties = schema["properties"]
    kinds = _enum(properties.get("kind", {}))
    required = set(schema.get("required", ()))
    fields = []
    for name, spec in properties.items():
        used_by = () if name in required else _kinds_named(spec.get("description", ""), kinds)
        fields.append(_form_field(name, spec, name in required, used_by))
    return tuple(field for field in fields if field.name not in OWN_CONTROLS)


def _kinds_form(members: list[type[BaseModel]]) -> tuple[FormField, ...]:
    schema = kind_base(members).model_json_schema()
    shared, required = schema["properties"], set(schema.get("required", ()))
    own: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for member in members:
        properties = member.model_json_schema()["properties"]
        for name in member.model_fields:
            if name not in shared:
                own.setdefault(name, (properties[name], []))[1].extend(kinds_of(member))
    fields = [
        *(_form_field(name, shared[name], True, ()) for name in shared if name in required),
        *(_form_field(name, spec, True, tuple(kinds)) for name, (spec, kinds) in own.items()),
        *(_form_field(name, shared[name], False, ()) for name in shared if name not in required),
    ]
    return tuple(field for field in fields if field.name not in OWN_CONTROLS)


def _form_field(
    name: str, spec: dict[str, Any], required: bool, used_by: tuple[str, ...]
) -> FormField:
    value = _without_null(spec)
    description = spec.get("description", "")
    widget = WORKSPACE_WIDGETS.get(name) or _widget(value)
    return FormField(
        name=name,
        widget=widget,
        options=_enum(value),
        minimum=value.get("minimum", value.get("exclusiveMinimum")),
        maximum=value.get("maximum"),
        exclusive_minimum="exclusiveMinimum" in value,
        required=required or bool(used_by),
        kinds=used_by,
        description=description,
    )


def _without_null(spec: dict[str, Any]) -> dict[str, Any]:
    """The schema of an optional value without its ``null`` alternative."""
    options = [s for s in spec.get("anyOf", ()) if s.get("type") != "null"]
    return options[0] if len(options) == 1 else spec


def _enum(spec: dict[str, Any]) -> tuple[str, ...]:
    if "enum" in spec:
        return tuple(str(v) for v in spec["enum"])
    if "const" in spec:
        return (str(spec["const"]),)
    return ()


def _widget(spec: dict[str, Any]) -> str:
    if _enum(spec):
        return "choice"
    kind = spec.get("type", "")
    if kind == "array" and spec.get("items", {}).get("type") == "string":
        return "list"
    return {"number": "number", "integer": "integer", "boolean": "bool"}.get(kind, "text")


def _kinds_named(description: str, kinds: tuple[str, ...]) -> tuple[str, ...]:
    """The kinds named before the first ``:`` of a description (``"zoning and zone_share:
    ..."``), or none when that prefix is not a list of kinds."""
    head, colon, _ = description.partition(":")
    if not colon:
        return ()
    named = [part.strip() for part in head.replace(" and ", ",").split(",")]
    return tuple(named) if named and all(part in kinds for part in named) else ()
