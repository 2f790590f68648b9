"""What-ifs mayors argue about: the equalisation of the current run again, with a few settings
changed, fast enough to follow a slider (about 0.1 s on the demo).

The settings: the discount rate, the years a park takes to sell its plots (the take-up), the
share of the property tax paid into the sub-regional fund, the host compensation per hectare
per year, and the key the conference leads with (``[finance] chosen_key``). Nothing is
written: the run's sites and split are read once per run and kept in memory; the study's other
settings stay as they are, and the equalisation is :func:`parkplan.pipeline.equalise`, the
same as a run's.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from equalisation.summary import EqualisationSummary
from parkplan import outputs, pipeline
from parkplan.errors import StudyError
from parkplan.runs import RunStore
from parkplan.study import HostCompensationConfig, Study, SubRegionalFundConfig, load_study

#: The range (inclusive) of each number a what-if may change.
BOUNDS: Mapping[str, tuple[float, float]] = {
    "discount_rate_per_year": (0.0, 0.5),
    "sell_out_years": (0.5, 100.0),
    "fund_ov_share": (0.0, 1.0),
    "host_compensation_eur_per_ha_per_year": (0.0, 1e7),
}

#: Where a setting's value comes from: ``study.toml``, a default (an illustrative assumption,
#: or no such mechanism), or the what-if.
Origin = Literal["study", "default", "what-if"]


@dataclass(frozen=True)
class WhatIf:
    """The settings a what-if changes; ``None`` keeps the study's own."""

    discount_rate_per_year: float | None = None
    sell_out_years: float | None = None
    fund_ov_share: float | None = None
    host_compensation_eur_per_ha_per_year: float | None = None
    key: str | None = None

    def __post_init__(self) -> None:
        for name, (low, high) in BOUNDS.items():
            value = getattr(self, name)
            if value is not None and not low <= value <= high:
                raise StudyError(
                    f"what-if {name} = {value}; expected a number from {low:g} to {high:g}"
                )

    def applied_to(self, study: Study) -> Study:
        """``study`` with these settings changed (finance assumptions, mechanisms, chosen key)."""
        assumptions: dict[str, Any] = {}
        if self.discount_rate_per_year is not None:
            assumptions["discount_rate_per_year"] = self.discount_rate_per_year
        if self.sell_out_years is not None:
            assumptions |= {"take_up_model": "proportional", "sell_out_years": self.sell_out_years}
        mechanisms = study.mechanisms.or_default()
        changed: dict[str, Any] = {}
        if self.fund_ov_share is not None:
            changed["sub_regional_fund"] = SubRegionalFundConfig(ov_share=self.fund_ov_share)
        if self.host_compensation_eur_per_ha_per_year is not None:
            amount = self.host_compensation_eur_per_ha_per_year
            changed["host_compensation"] = HostCompensationConfig(eur_per_ha_per_year=amount)
        finance = study.finance.model_copy(
            update={
                "assumptions": study.finance.assumptions.model_copy(update=assumptions),
                "chosen_key": self.checked_key(study),
            }
        )
        return study.model_copy(
            update={"finance": finance, "mechanisms": mechanisms.model_copy(update=changed)}
        )

    def checked_key(self, study: Study) -> str | None:
        """The chosen key after this what-if: its ``key`` if the study has it, else refused."""
        if self.key is None:
            return study.finance.chosen_key
        if self.key not in study.keys:
            raise StudyError(
                f"what-if key {self.key!r} is not a key of the study; expected one of "
                f"{sorted(study.keys) or 'none (the study has no [keys])'}"
            )
        return self.key


@dataclass(frozen=True)
class Setting:
    """The value a what-if computes with, and where it comes from."""

    value: float
    origin: Origin


@dataclass(frozen=True)
class WhatIfSettings:
    """The values of the settings mayors argue about, as a what-if computed with them."""

    discount_rate_per_year: Setting
    fund_ov_share: Setting
    host_compensation_eur_per_ha_per_year: Setting
    key: str | None
    key_origin: Origin


def effective_settings(study: Study, change: WhatIf, changed: Study) -> WhatIfSettings:
    """The settings ``changed`` (``study`` with ``change`` applied) computes with, each with
    where it comes from."""
    own, given = study.mechanisms, study.finance.assumptions.model_fields_set
    fund, host = changed.mechanisms.sub_regional_fund, changed.mechanisms.host_compensation
    return WhatIfSettings(
        discount_rate_per_year=Setting(
            changed.finance.assumptions.discount_rate_per_year,
            _origin(change.discount_rate_per_year, "discount_rate_per_year" in given),
        ),
        fund_ov_share=Setting(
            0.0 if fund is None else fund.ov_share,
            _origin(change.fund_ov_share, own.sub_regional_fund is not None),
        ),
        host_compensation_eur_per_ha_per_year=Setting(
            0.0 if host is None else host.eur_per_ha_per_year,
            _origin(
                change.host_compensation_eur_per_ha_per_year, own.host_compensation is not None
            ),
        ),
        key=changed.chosen_key(),
        key_origin=_origin(change.key, study.finance.chosen_key is not None),
    )


def _origin(changed: object, in_study: bool) -> Origin:
    if changed is not None:
        return "what-if"
    return "study" if in_study else "default"


@dataclass(frozen=True)
class RunTables:
    """The sites and the split of one published run, as the what-ifs need them."""

    run_id: str
    sites: pd.DataFrame
    parts: pd.DataFrame
    site_id: str | None


@dataclass(frozen=True)
class WhatIfOutcome:
    """A what-if computed: the run it starts from, the settings, and the equalisation."""

    run_id: str
    change: WhatIf
    settings: WhatIfSettings
    equalised: pipeline.SiteEqualisation
    summary: EqualisationSummary


class WhatIfs:
    """What-ifs on the current run of a study; the run's tables are read once per run."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._tables: RunTables | None = None
        self._lock = threading.Lock()

    def tables(self) -> RunTables:
        """The current run's tables (read again only when another run is current)."""
        folder = RunStore(self.root).folder(None)
        with self._lock:
            if self._tables is None or self._tables.run_id != folder.name:
                sites, parts = outputs.read_site_tables(folder)
                result = outputs.read_json(folder / outputs.EQUALISATION_JSON) or {}
                site_id = result.get("site_id")
                self._tables = RunTables(folder.name, sites, parts, site_id)
            return self._tables

    def equalise(self, change: WhatIf) -> pipeline.SiteEqualisation:
        """The equalisation of the current run's equalised site with ``change`` applied."""
        return self.outcome(change).equalised

    def outcome(self, change: WhatIf) -> WhatIfOutcome:
        """``change`` computed on the current run: the settings used and the equalisation."""
        tables = self.tables()
        study = load_study(self.root)
        changed = change.applied_to(study)
        equalised = pipeline.equalise(changed, tables.sites, tables.parts, site_id=tables.site_id)
        return WhatIfOutcome(
            run_id=tables.run_id,
            change=change,
            settings=effective_settings(study, change, changed),
            equalised=equalised,
            summary=equalised.summary,
        )


def what_if_summary(outcome: WhatIfOutcome) -> dict[str, Any]:
    """What ``GET /api/equalisation/what-if`` answers: the settings used, the site's NPV, and per
    key and partner the net present value, the transfers and the gain over going alone; then
    the whole summary in cents (as ``equalisation.json`` carries it)."""
    equalised = outcome.equalised.result
    checks = {check.allocation: check for check in equalised.alone_versus_together()}
    keys = {}
    for ledger in equalised.ledgers:
        cents = ledger.present_values_cents()
        check = checks.get(f"key:{ledger.name}")
        keys[ledger.name] = {
            "net_pv_eur": {p: c / 100 for p, c in cents.items()},
            "transfers": [t.to_dict() for t in ledger.transfers()],
            "gain_eur": dict(check.gain_eur) if check else {},
            "blocking_count": check.blocking_count if check else None,
        }
    changed = {k: v for k, v in dataclasses.asdict(outcome.change).items() if v is not None}
    return {
        "run_id": outcome.run_id,
        "site_id": outcome.equalised.site_id,
        "what_if": changed,
        "settings": dataclasses.asdict(outcome.settings),
        "chosen_key": outcome.settings.key,
        "npv_eur": round(equalised.finance.npv_eur, 2),
        "payback_year": equalised.finance.payback_year,
        "keys": keys,
        "assumed_facts": [a.to_dict() for a in outcome.equalised.assumed],
        "summary": outcome.summary.to_dict(),
    }


def parse_what_if(values: Mapping[str, Any]) -> WhatIf:
    """A :class:`WhatIf` from query parameters (unknown names refused)."""
    known = {f.name for f in dataclasses.fields(WhatIf)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise StudyError(f"unknown what-if settings {unknown}; expected some of {sorted(known)}")
    settings: dict[str, Any] = {k: v if k == "key" else float(v) for k, v in values.items()}
    return WhatIf(**settings)
