"""What-ifs mayors argue about: the equalisation of the current run again, with a few settings
changed, fast enough to follow a slider (about 0.1 s on the demo).

The settings: the discount rate, the years a park takes to sell its plots (the take-up), the
share of the property tax paid into the sub-regional fund, and the host compensation per
hectare per year. Nothing is written: the run's sites and split are read once per run and
kept in memory; the study's other settings stay as they are.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from parkplan import outputs, pipeline
from parkplan.errors import StudyError
from parkplan.runs import RunStore
from parkplan.study import Study, load_study

#: The sub-regional fund of a study that names none (the default pools all of the OV).
DEFAULT_FUND = {"ov_share": 1.0}


@dataclass(frozen=True)
class WhatIf:
    """The settings a what-if changes; ``None`` keeps the study's own."""

    discount_rate_per_year: float | None = None
    sell_out_years: float | None = None
    fund_ov_share: float | None = None
    host_compensation_eur_per_ha_per_year: float | None = None

    def __post_init__(self) -> None:
        bounds = {
            "discount_rate_per_year": (0.0, 0.5),
            "sell_out_years": (0.5, 100.0),
            "fund_ov_share": (0.0, 1.0),
            "host_compensation_eur_per_ha_per_year": (0.0, 1e7),
        }
        for name, (low, high) in bounds.items():
            value = getattr(self, name)
            if value is not None and not low <= value <= high:
                raise StudyError(
                    f"what-if {name} = {value}; expected a number from {low:g} to {high:g}"
                )

    def applied_to(self, study: Study) -> Study:
        """``study`` with these settings changed (finance assumptions and mechanisms)."""
        finance = study.finance
        assumptions = dict(finance.assumptions)
        if self.discount_rate_per_year is not None:
            assumptions["discount_rate_per_year"] = self.discount_rate_per_year
        if self.sell_out_years is not None:
            assumptions |= {"take_up_model": "proportional", "sell_out_years": self.sell_out_years}
        mechanisms: dict[str, Any] = dict(study.mechanisms or {"sub_regional_fund": DEFAULT_FUND})
        if self.fund_ov_share is not None:
            fund = dict(mechanisms.get("sub_regional_fund", {}))
            mechanisms["sub_regional_fund"] = fund | {"ov_share": self.fund_ov_share}
        if self.host_compensation_eur_per_ha_per_year is not None:
            amount = self.host_compensation_eur_per_ha_per_year
            mechanisms["host_compensation"] = {"eur_per_ha_per_year": amount}
        return study.model_copy(
            update={
                "finance": finance.model_copy(update={"assumptions": assumptions}),
                "mechanisms": mechanisms,
            }
        )


@dataclass(frozen=True)
class RunTables:
    """The sites and the split of one published run, as the what-ifs need them."""

    run_id: str
    sites: pd.DataFrame
    parts: pd.DataFrame
    site_id: str | None


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
        tables = self.tables()
        study = change.applied_to(load_study(self.root))
        return pipeline.equalise(study, tables.sites, tables.parts, site_id=tables.site_id)


def what_if_summary(result: pipeline.SiteEqualisation, change: WhatIf) -> dict[str, Any]:
    """What a what-if page shows: the site's NPV, and per key and partner the net present
    value, the transfers, and whether every group is better off than alone."""
    equalised = result.result
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
    return {
        "site_id": result.site_id,
        "what_if": {k: v for k, v in dataclasses.asdict(change).items() if v is not None},
        "npv_eur": round(equalised.finance.npv_eur, 2),
        "payback_year": equalised.finance.payback_year,
        "keys": keys,
    }


def parse_what_if(values: Mapping[str, Any]) -> WhatIf:
    """A :class:`WhatIf` from query parameters (unknown names refused)."""
    known = {f.name for f in dataclasses.fields(WhatIf)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise StudyError(f"unknown what-if settings {unknown}; expected some of {sorted(known)}")
    return WhatIf(**{k: float(v) for k, v in values.items()})
