"""``parkplan report``: the dossier for a mayors' conference, from one published run.

Every figure is read from the run's folder (its ``study.toml``, ``run.json``, the site tables,
``equalisation.json``) and the workspace's catalogue, gathered into the typed
:class:`webmap.report_model.ReportData` that :mod:`webmap.report` renders as HTML (and PDF
through Chromium). With a ``[basemap]``, the picture under each of its maps is fetched from the
service when the dossier is made (:mod:`parkplan.basemap_images`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from shapely.geometry.base import BaseGeometry

from equalisation.advisor import advise_cooperation_form
from geo.proximity import NearbyLayer, layers_within
from geo.weights import AHPResult, ahp_weights
from parkplan import library_inputs, outputs, pipeline, views
from parkplan.basemap_images import DEFAULT_FETCH, Extent, FetchPolicy, map_backgrounds
from parkplan.notices import Notice
from parkplan.run_facts import RunFacts, SiteId, read_run_facts
from parkplan.runs import RunStore
from parkplan.study import (
    STUDY_FILE,
    BasemapConfig,
    BufferExclusion,
    RasterExclusion,
    Study,
    ZoneShareCriterion,
    ZoningCriterion,
    ZoningExclusion,
    key_spec,
    load_study,
    read_study,
)
from parkplan.workspace import Workspace
from webmap.report import (
    BASEMAP_NOTICE,
    NEARBY_M,
    OVERVIEW_MAP,
    map_views,
    report_html,
    sheet_map,
    top_sheets,
)
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

#: How many of the best sites get a sheet of their own.
TOP_SITES = 3
#: Pixels of a map's background picture per pixel of the map.
BACKGROUND_SCALE = 2


def render_report(
    root: Path,
    *,
    scenario: str | None = None,
    lang: str = "nl",
    fetch: FetchPolicy = DEFAULT_FETCH,
) -> str:
    """The dossier of the current run of the study at ``root``, as one HTML page."""
    root = pipeline.study_root(root)
    study = load_study(root)
    folder = RunStore(root).folder(scenario)
    return report_of_run(study, Workspace.open(root), folder, lang=lang, fetch=fetch)


def report_of_run(
    study: Study,
    workspace: Workspace,
    folder: Path,
    *,
    lang: str,
    fetch: FetchPolicy = DEFAULT_FETCH,
) -> str:
    """The dossier of the published run in ``folder`` (every result read from that folder);
    ``fetch`` bounds what fetching the base map under its maps may cost."""
    return report_html(report_data(study, workspace, folder, fetch=fetch), lang=lang)


def report_data(
    study: Study, workspace: Workspace, folder: Path, *, fetch: FetchPolicy = DEFAULT_FETCH
) -> ReportData:
    """Everything the dossier shows of the run in ``folder``; the study is the run's own copy
    of ``study.toml`` when the folder keeps one (else ``study``), with the run's scenario. With
    a ``[basemap]``, its pictures under the maps are fetched now (:func:`with_backgrounds`)."""
    facts = read_run_facts(folder)
    ran = read_study(folder)[0] if (folder / STUDY_FILE).is_file() else study
    variant = ran.scenario(facts.scenario if facts else None)
    sites = outputs.read_sites_gpkg(folder)
    _, split = outputs.read_site_tables(folder)
    towns = library_inputs.municipalities(variant, workspace)
    robustness = robustness_of(facts)
    equalised = outputs.read_json(folder / outputs.EQUALISATION_JSON) or {}
    data = ReportData(
        title=variant.name,
        sites=sites,
        municipalities=towns,
        site_municipalities=split,
        criteria=criteria(variant, facts),
        exclusions=exclusion_report(variant, facts),
        method=method(variant, facts),
        sheets=tuple(
            top_sheets(
                sites,
                split,
                towns,
                count=TOP_SITES,
                nearby=exclusions_near(variant, workspace, sites.crs),
                top_k=robustness.top_k if robustness else 3,
            )
        ),
        robustness=robustness,
        leader_ranges=leader_ranges(facts),
        equalisation=outputs.read_summary(folder),
        keys=sharing_keys(variant),
        chosen_key=variant.chosen_key(),
        assumptions=finance_assumptions(equalised),
        assumed=tuple(AssumedFact(**a) for a in equalised.get("assumed_facts", ())),
        assumption_effects=assumption_effects(equalised),
        partners=tuple(
            PartnerFacts(p.name, {f: getattr(p, f) for f in FACTS}, dict(p.sources.items()))
            for p in variant.partners
        ),
        layers=layer_provenance(workspace, facts),
        cooperation=tuple(
            Cooperation(c["form"], c["fits"], c["recommended"], c["reasons"])
            for c in cooperation(variant)
        ),
        answers=CooperationAnswers(**variant.cooperation.model_dump()),
        run=outputs.stored_stamp(folder),
        warnings=notices(facts),
    )
    return with_backgrounds(data, variant.basemap, fetch)


def with_backgrounds(
    data: ReportData, basemap: BasemapConfig | None, fetch: FetchPolicy
) -> ReportData:
    """``data`` with the base map's picture under each of its maps (at twice their size in
    pixels); when some cannot be fetched, those maps stay without one and the dossier's
    warnings say so (the reason is logged)."""
    if basemap is None:
        return data
    extents = {}
    for name, (view, crs) in map_views(data).items():
        side_px = round(view.size * BACKGROUND_SCALE)  # the views are square
        extents[name] = Extent(view.bounds, crs, side_px, side_px)
    found = map_backgrounds(basemap, extents, policy=fetch)
    sheets = tuple(replace(s, background=found.pictures.get(sheet_map(s))) for s in data.sheets)
    said = data.warnings
    if found.missing:
        figures = {"service": basemap.kind.upper(), "host": urlsplit(basemap.url).hostname or ""}
        text = f"the base map could not be loaded for the dossier's maps: {found.reason}"
        notice = Notice(BASEMAP_NOTICE, text, figures)
        said += (RunNotice(notice.code, notice.text, dict(notice.figures)),)
    return replace(
        data, sheets=sheets, overview_background=found.pictures.get(OVERVIEW_MAP), warnings=said
    )


#: The partner facts the dossier lists, in order.
FACTS = ("population", "demand_ha", "municipal_opcentiemen", "capital_eur", "fiscal_capacity_eur")


def criteria(study: Study, facts: RunFacts | None) -> tuple[Criterion, ...]:
    """The criteria with the weights the run used (normalised) and, when rescaled, as given
    (the study's weights for a run without ``run.json``)."""
    used = facts.weights if facts else {}
    given = facts.weights_given if facts and facts.weights_given else {}
    return tuple(
        Criterion(
            name=c.name,
            kind=c.kind,
            layer=c.layer,
            weight=float(used.get(c.name, c.weight or 0.0)),
            transform=c.transform.model_dump(),
            label=c.label,
            weight_given=given.get(c.name),
            column=c.column if isinstance(c, ZoningCriterion | ZoneShareCriterion) else None,
            categories=tuple(c.categories) if isinstance(c, ZoneShareCriterion) else (),
            radius_m=c.radius_m if isinstance(c, ZoneShareCriterion) else None,
        )
        for c in study.criteria
    )


def exclusion_report(study: Study, facts: RunFacts | None) -> ExclusionReport | None:
    """The run's exclusion report, each line with its rule from ``study.toml``."""
    report = facts.exclusions if facts else None
    if report is None:
        return None
    configs = {e.name: e for e in study.exclusions}
    lines = []
    for name, alone, in_sequence in zip(
        report.names, report.alone_ha, report.in_sequence_ha, strict=True
    ):
        config = configs.get(name)
        if config is None:
            lines.append(Exclusion(name, "outside", alone, in_sequence))
            continue
        lines.append(
            Exclusion(
                name,
                config.kind,
                alone,
                in_sequence,
                layer=config.layer,
                label=config.label,
                buffer_m=config.buffer_m if isinstance(config, BufferExclusion) else None,
                column=config.column if isinstance(config, ZoningExclusion) else None,
                allowed=tuple(config.allowed) if isinstance(config, ZoningExclusion) else (),
                op=config.op if isinstance(config, RasterExclusion) else None,
                value=config.value if isinstance(config, RasterExclusion) else None,
            )
        )
    return ExclusionReport(tuple(lines), report.excluded_ha, report.grid_ha)


def method(study: Study, facts: RunFacts | None) -> Method:
    """How the run was set up (weights, aggregation, sites, study area, game, tax year)."""
    weight_method = facts.weight_method if facts else None
    return Method(
        weight_method=weight_method or study.weights.method,
        aggregation=views.run_aggregation(study, facts),
        cell_size_m=study.cell_size_m,
        site_source=study.sites.source,
        threshold=study.sites.threshold,
        min_area_ha=study.sites.min_area_ha,
        max_sites=study.sites.max_sites,
        target_area_ha=study.sites.target_area_ha,
        partners=tuple(p.name for p in study.partners),
        area_layer=study.study_area.layer,
        area_buffer_m=study.study_area.buffer_m,
        game_no_site=study.game.no_site,
        game_property_tax=study.game.property_tax,
        tax_year=study.finance.tax_year,
        ahp=ahp_of(study) if study.weights.method == "ahp" else None,
    )


def ahp_of(study: Study) -> AHPResult | None:
    """The AHP weights and consistency ratio of ``[weights] pairwise`` (warnings silenced:
    the run reported them)."""
    if study.weights.pairwise is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ahp_weights([c.name for c in study.criteria], study.weights.pairwise)


def robustness_of(facts: RunFacts | None) -> Robustness | None:
    """What the run's robustness draws varied (``None``: no draws)."""
    inputs = facts.robustness_inputs if facts else None
    return None if inputs is None else Robustness(**inputs.model_dump())


def leader_ranges(facts: RunFacts | None) -> tuple[LeaderRange, ...]:
    """The weight sweep's ranges (``None`` for a range open to 0 or 1)."""

    def site(value: SiteId | None) -> str | None:
        return None if value is None else str(value)

    return tuple(
        LeaderRange(
            criterion=r.criterion,
            leader=str(r.base_leader),
            weight=r.weight,
            loses_below=r.loses_below,
            rival_below=site(r.rival_below),
            loses_above=r.loses_above,
            rival_above=site(r.rival_above),
        )
        for r in (facts.leader_ranges if facts else ())
    )


def sharing_keys(study: Study) -> tuple[SharingKey, ...]:
    """Each key's costs and revenues specs, and its label."""
    keys = []
    for name, key in study.keys.items():
        costs, revenues = key.sides()
        keys.append(SharingKey(name, key_spec(costs), key_spec(revenues), key.label))
    return tuple(keys)


def finance_assumptions(equalised: Mapping[str, Any]) -> tuple[FinanceAssumption, ...]:
    """The finance assumptions as the run used them (``equalisation.json``)."""
    return tuple(
        FinanceAssumption(
            name,
            item["value"],
            item.get("unit", ""),
            str(item.get("range", "")),
            bool(item.get("illustrative")),
        )
        for name, item in (equalised.get("assumptions") or {}).items()
    )


def assumption_effects(
    equalised: Mapping[str, Any],
) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Per key and partner: the net present value at the assumed value, low and high end."""
    return {
        key: {
            partner: (e["net_pv_value_eur"], e["net_pv_low_eur"], e["net_pv_high_eur"])
            for partner, e in partners.items()
        }
        for key, partners in (equalised.get("assumption_effects") or {}).items()
    }


def layer_provenance(workspace: Workspace, facts: RunFacts | None) -> tuple[LayerProvenance, ...]:
    """The catalogue entries of the layers the run read (every layer for a run without
    ``run.json``): source file name (never its folder) or web service and its request,
    SHA-256, load time, CRS."""
    used = set(facts.run.inputs_sha256) if facts else set()
    return tuple(
        LayerProvenance(
            name=info.name,
            kind=info.kind,
            file_name=info.source_name(),
            sha256=info.sha256,
            loaded_at=info.loaded_at,
            crs=info.crs,
            request=info.service.request if info.service else None,
        )
        for info in workspace.list_layers()
        if not used or info.name in used
    )


def cooperation(study: Study) -> list[dict[str, Any]]:
    """The forms of cooperation judged against ``[cooperation]``, lightest first: ``form``,
    ``fits``, ``recommended`` (the lightest fitting form), the advisor's ``reasons`` and, for
    one line, ``reason`` (the reasons joined)."""
    count = len(study.partners) or None
    advice = advise_cooperation_form(**study.cooperation.model_dump(), municipality_count=count)
    return [
        {
            "form": f.form,
            "fits": f.fits,
            "recommended": f.form == advice.recommended,
            "reasons": tuple(f.reasons),
            "reason": "; ".join(f.reasons),
        }
        for f in advice.forms
    ]


def notices(facts: RunFacts | None) -> tuple[RunNotice, ...]:
    """The run's warnings: whole (code and figures) when ``run.json`` keeps them, else the
    sentences of an older run."""
    if facts is None:
        return ()
    if facts.notices is not None:
        return tuple(RunNotice(n.code, n.text, dict(n.figures)) for n in facts.notices)
    return tuple(RunNotice(None, text) for text in facts.warnings)


def exclusions_near(
    study: Study, workspace: Workspace, crs: Any
) -> Callable[[BaseGeometry], tuple[NearbyLayer, ...]]:
    """The measure of a site sheet: the exclusion layers (inside and buffer) within
    :data:`~webmap.report.NEARBY_M` of a site's shape, read once."""
    vectors = {info.name for info in workspace.list_layers() if info.kind == "vector"}
    layers = {
        e.name: workspace.read_vector(e.layer)
        for e in study.exclusions
        if e.kind in ("inside", "buffer") and e.layer in vectors
    }
    return partial(layers_within, crs=crs, layers=layers, within_m=NEARBY_M)
