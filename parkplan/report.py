"""``parkplan report``: the dossier for a mayors' conference, from a study's last run.

Gathers the ranking, a sheet per top site, the equalisation digest, the assumptions with their
sources and the cooperation-form advice into :class:`webmap.model.ReportData`; :mod:`webmap`
renders it as HTML (and PDF through Chromium).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from equalisation.advisor import advise_cooperation_form
from parkplan import outputs, pipeline
from parkplan.runs import RunStore
from parkplan.study import Study, load_study
from parkplan.views import run_map_data
from parkplan.workspace import Workspace
from webmap.model import MapData, ReportData
from webmap.report import report_html, top_sheets

#: How many of the best sites get a sheet of their own.
TOP_SITES = 3


def assumptions(result: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The finance assumptions with their unit and source ("illustrative" when not sourced)."""
    if not result:
        return []
    rows = []
    for name, item in (result.get("assumptions") or {}).items():
        source = "illustrative" if item.get("illustrative") else "study.toml"
        if item.get("range"):
            source += f" (plausible range {item['range']})"
        rows.append(
            {
                "name": name,
                "value": item.get("value"),
                "unit": item.get("unit", ""),
                "source": source,
                "meaning": item.get("meaning", ""),
            }
        )
    return rows


def cooperation(study: Study) -> list[dict[str, Any]]:
    """The cooperation forms that fit the answers of ``[cooperation]``, with the reasons."""
    advice = advise_cooperation_form(**study.cooperation.model_dump()).to_dict()
    return [
        {
            "form": form["form"],
            "fits": form["fits"],
            "recommended": form["form"] == advice["recommended"],
            "reason": "; ".join(form["reasons"]),
        }
        for form in advice["forms"]
    ]


def finance_by_site(result: Mapping[str, Any] | None, site_id: object) -> dict[str, dict]:
    """The finance headline of the equalised site, keyed by its id."""
    if not result:
        return {}
    finance = result.get("site_finance") or {}
    return {
        str(site_id): {
            "gross_area_ha": finance.get("gross_area_ha"),
            "net_area_ha": finance.get("net_area_ha"),
            "npv_eur": finance.get("npv_eur"),
            "payback_year": finance.get("payback_year"),
            "horizon_years": result.get("horizon_years"),
        }
    }


def report_data(
    study: Study,
    data: MapData,
    result: Mapping[str, Any] | None,
    *,
    robustness: str = "",
    warnings: tuple[str, ...] = (),
) -> ReportData:
    """Everything the report shows, from the stored results of a run."""
    summary = data.equalisation
    site_id = summary.get("site_id") if summary else None
    sites = data.sites.drop(columns="geometry")
    sites["site_id"] = sites["site_id"].astype(str)
    return ReportData(
        title=study.name,
        sites=sites,
        sheets=top_sheets(data, count=TOP_SITES, finance=finance_by_site(result, site_id)),
        equalisation=summary,
        assumptions=assumptions(result),
        cooperation=cooperation(study),
        robustness=robustness,
        run=data.run,
        warnings=warnings,
        assumed_facts=tuple((result or {}).get("assumed_facts") or ()),
        assumption_effects=(result or {}).get("assumption_effects") or {},
    )


def render_report(root: Path, *, scenario: str | None = None, lang: str = "nl") -> str:
    """The report of the current run of the study at ``root``, as one HTML page."""
    root = pipeline.study_root(root)
    study = load_study(root)
    folder = RunStore(root).folder(scenario)
    return report_of_run(study, Workspace.open(root), folder, lang=lang)


def report_of_run(study: Study, workspace: Workspace, folder: Path, *, lang: str) -> str:
    """The report of the published run in ``folder`` (every file read from that folder)."""
    data = run_map_data(study, workspace, folder)
    result = outputs.read_json(folder / outputs.EQUALISATION_JSON)
    run_facts = outputs.read_json(folder / outputs.RUN_JSON) or {}
    return report_html(
        report_data(
            study,
            data,
            result,
            robustness=robustness_text(run_facts),
            warnings=tuple(run_facts.get("warnings", ())),
        ),
        lang=lang,
    )


def robustness_text(run_facts: Mapping[str, Any]) -> str:
    """The robustness statements of a run: the Monte Carlo draws, then the weight sweep."""
    parts = (run_facts.get("robustness", ""), run_facts.get("weight_sweep", ""))
    return " ".join(part for part in parts if part)
