"""Summaries of the equalisation result for the map popup and the report.

:func:`equalisation.equalise` returns a detailed, self-explaining dictionary
(``equalisation.json``); the map and the report show a digest of it: per key and partner the
totals paid, received and net over the horizon and the net present value, the settlement
transfers, and the core check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Game methods whose core check the summary reports, in order of preference.
CORE_METHODS = ("nucleolus", "prenucleolus", "shapley")


def equalisation_summary(result: Mapping[str, Any], site_id: object) -> dict[str, Any]:
    """The digest of an ``equalisation.json`` dictionary for ``site_id``."""
    keys = result.get("keys") or {}
    summary: dict[str, Any] = {
        "site_id": str(site_id),
        "host": result.get("host"),
        "npv_eur": (result.get("site_finance") or {}).get("npv_eur"),
        "payback_year": (result.get("site_finance") or {}).get("payback_year"),
        "keys": {name: _partner_totals(key.get("ledger") or {}) for name, key in keys.items()},
        "transfers": _transfers(keys),
        "core": _core(result.get("games") or {}),
        "assumed": [
            f"{a['partner']}: {a['fact']} = {a['value']:g} ({a['low']:g}–{a['high']:g}; "
            f"{a['source']})"
            for a in result.get("assumed_facts") or []
        ],
    }
    if keys:
        summary["ledger"] = _yearly_rows(next(iter(keys.values())).get("ledger") or {})
    return summary


def _partner_totals(ledger: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """Σ over the years of paid, received and net, and the PV of net, per partner."""
    return {
        partner: {
            "paid_eur": round(sum(flows.get("paid_eur", [])), 2),
            "received_eur": round(sum(flows.get("received_eur", [])), 2),
            "net_eur": round(sum(flows.get("net_eur", [])), 2),
            "net_pv_eur": flows.get("pv_net_eur"),
        }
        for partner, flows in (ledger.get("partners") or {}).items()
    }


def _transfers(keys: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The settlement transfers of every key, labelled with the key."""
    return [
        {**transfer, "key": name}
        for name, key in keys.items()
        for transfer in (key.get("ledger") or {}).get("transfers", [])
    ]


def _core(games: Mapping[str, Any]) -> dict[str, Any] | None:
    """The core check of the preferred fair-division method, in words the map can show."""
    for method in CORE_METHODS:
        allocation = games.get(method)
        if allocation and allocation.get("in_core") is not None:
            return {
                "method": method,
                "in_core": bool(allocation["in_core"]),
                "violations": [
                    " + ".join(v["coalition"]) for v in allocation.get("core_violations", [])[:5]
                ],
            }
    return None


def _yearly_rows(ledger: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per partner and year: ``partner``, ``year``, ``paid_eur``, ``received_eur``,
    ``net_eur``."""
    years = ledger.get("years") or []
    return [
        {
            "partner": partner,
            "year": year,
            "paid_eur": flows["paid_eur"][i],
            "received_eur": flows["received_eur"][i],
            "net_eur": flows["net_eur"][i],
        }
        for partner, flows in (ledger.get("partners") or {}).items()
        for i, year in enumerate(years)
    ]
