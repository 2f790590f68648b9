"""The money chapters of the dossier: the site's finance and the reconciliation (8), the sharing
keys side by side with their transfers and yearly results (9), alone versus together (10).

Every figure comes from the typed :class:`~equalisation.summary.EqualisationSummary`: amounts in
exact cents, shown to the euro (or to the cent in the reconciliation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from equalisation.fairness import AloneVersusTogether
from equalisation.summary import EqualisationSummary, KeySummary, PartnerFlows
from webmap.charts import cash_flow_chart, line_chart
from webmap.formats import Formats
from webmap.i18n import say, term, word
from webmap.prose import Names, key_sides
from webmap.report_model import SharingKey
from webmap.svg import grouped_bars

#: The game's allocations shown beside the chosen key, in this order (the prenucleolus stands
#: in for the nucleolus when the game has no imputation).
ALLOCATIONS = ("shapley", "nucleolus", "prenucleolus", "scrb")
#: How many blocking coalitions the dossier lists per allocation (all are counted).
LISTED = 4


@dataclass(frozen=True)
class Context:
    """The language, its number formats and the names of things, shared by every chapter."""

    lang: str
    fmt: Formats
    names: Names

    def w(self, key: str) -> str:
        return word(key, self.lang)


def present_value_cents(cents: Sequence[int], rate: float) -> int:
    """``Σ_t cents_t / (1 + rate)^t``, t from 0, rounded to the cent."""
    return round(sum(c * (1 + rate) ** -t for t, c in enumerate(cents)))


@dataclass(frozen=True)
class PartnerMoney:
    """One partner under one key, in present value (cents): what it pays, what it receives,
    and its net (received = net + paid, so that the three always agree)."""

    partner: str
    paid_pv_cents: int
    received_pv_cents: int
    net_pv_cents: int
    balance_pv_cents: int

    @classmethod
    def of(cls, flows: PartnerFlows, rate: float) -> PartnerMoney:
        paid = present_value_cents(flows.paid_cents, rate)
        return cls(
            flows.partner,
            paid,
            flows.net_pv_cents + paid,
            flows.net_pv_cents,
            flows.balance_pv_cents,
        )


def ordered_keys(summary: EqualisationSummary, chosen: str | None) -> list[KeySummary]:
    """The keys of ``summary``, the chosen one first."""
    keys = list(summary.keys)
    return sorted(keys, key=lambda k: k.name != chosen)


def money_table(key: KeySummary, rate: float, ctx: Context) -> dict[str, Any]:
    """Per partner: paid, received and net in present value, and the balance to settle."""
    rows = [PartnerMoney.of(flows, rate) for flows in key.partners]
    euro = ctx.fmt.euro_of_cents
    body = [
        [
            ctx.names.municipality(r.partner),
            euro(r.paid_pv_cents),
            euro(r.received_pv_cents),
            euro(r.net_pv_cents),
            euro(r.balance_pv_cents),
        ]
        for r in rows
    ]
    total = [
        ctx.w("total"),
        *(
            euro(sum(getattr(r, f) for r in rows))
            for f in ("paid_pv_cents", "received_pv_cents", "net_pv_cents", "balance_pv_cents")
        ),
    ]
    return {"rows": body, "total": total}


def summary_money(summary: EqualisationSummary, chosen: str, ctx: Context) -> dict[str, Any]:
    """The summary page's table: what each partner pays and receives under the chosen key."""
    key = summary.key(chosen)
    table = money_table(key, summary.discount_rate_per_year, ctx)
    lead = say(
        "summary_money",
        ctx.lang,
        key=ctx.names.key(chosen),
        start=summary.years[0],
        end=summary.years[-1],
        rate=ctx.fmt.percent(summary.discount_rate_per_year, 1),
    )
    return {
        "lead": lead,
        "rows": [row[:4] for row in table["rows"]],
        "total": table["total"][:4],
    }


def fairness_rows(
    summary: EqualisationSummary, allocations: Sequence[str], ctx: Context
) -> list[dict[str, Any]]:
    """Per allocation: everyone better off than alone? with the count of blocking coalitions
    (of how many checked) and the largest saving."""
    rows = []
    for allocation in allocations:
        check = summary.fairness_of(allocation)
        if check is None:
            continue
        ok = check.everyone_better_off
        largest = check.blocking[0].saving_eur if check.blocking else 0.0
        detail = (
            say("all_better", ctx.lang, count=len(check.net_alone_eur))
            if ok
            else say(
                "some_blocking",
                ctx.lang,
                count=ctx.fmt.number(check.blocking_count),
                checked=ctx.fmt.number(check.coalitions_checked),
                saving=ctx.fmt.euro(largest),
            )
        )
        rows.append(
            {
                "allocation": ctx.names.allocation(allocation),
                "ok": ctx.w("yes" if ok else "no"),
                "css": "ok" if ok else "bad",
                "count": say(
                    "of_checked",
                    ctx.lang,
                    count=ctx.fmt.number(check.blocking_count),
                    checked=ctx.fmt.number(check.coalitions_checked),
                ),
                "largest": ctx.fmt.euro(largest) if check.blocking else "–",
                "detail": detail,
                "name": allocation,
            }
        )
    return rows


def finance_view(summary: EqualisationSummary, ctx: Context) -> dict[str, Any]:
    """Chapter 8: the site's finance, its cash flows and the reconciliation to the cent."""
    fmt, lang = ctx.fmt, ctx.lang
    years = list(summary.years)
    lines = summary.cash_flow_cents
    costs = [-sum(v[t] for v in lines.values() if v[t] < 0) / 100 for t in range(len(years))]
    income = [sum(v[t] for v in lines.values() if v[t] > 0) / 100 for t in range(len(years))]
    facts = [
        (ctx.w("gross_area"), fmt.hectares(summary.gross_area_ha)),
        (ctx.w("net_area"), fmt.hectares(summary.net_area_ha)),
        (ctx.w("npv"), fmt.euro_of_cents(summary.npv_cents)),
        (ctx.w("payback"), str(summary.payback_year or ctx.w("no_payback"))),
        (ctx.w("discount_rate"), fmt.percent(summary.discount_rate_per_year, 1)),
        (
            ctx.w("horizon"),
            say("years_span", lang, years=len(years), start=years[0], end=years[-1]),
        ),
    ]
    rec = summary.reconciliation
    return {
        "title": say("finance", lang, site=ctx.names.site(summary.site_id)),
        "facts": facts,
        "chart": cash_flow_chart(
            years,
            costs,
            income,
            title=ctx.w("cash_flows"),
            format_value=fmt.euro,
            legend=(ctx.w("costs"), ctx.w("income"), ctx.w("cumulative")),
        ),
        "lines": [
            (term("cash_line", name, lang) or name, fmt.euro_of_cents(sum(values)))
            for name, values in lines.items()
        ],
        "total_over": say("total_over", lang, years=len(years)),
        "reconciliation": [
            (ctx.w("rec_site"), fmt.cents(rec.site_npv_cents), "rec-site"),
            (ctx.w("rec_tax"), fmt.cents(rec.municipal_tax_pv_cents), "rec-tax"),
            (ctx.w("rec_outside"), fmt.cents(rec.outside_pv_cents), "rec-outside"),
            (ctx.w("rec_rounding"), fmt.cents(rec.rounding_cents), "rec-rounding"),
            (ctx.w("rec_total"), fmt.cents(rec.partners_total_pv_cents), "rec-total"),
        ],
    }


def keys_view(
    summary: EqualisationSummary, keys: Sequence[SharingKey], chosen: str | None, ctx: Context
) -> dict[str, Any]:
    """Chapter 9: the keys side by side, then each key with its table, transfers and years."""
    ordered = ordered_keys(summary, chosen)
    specs = {k.name: k for k in keys}
    partners = list(summary.partners)
    label = {k.name: ctx.names.key(k.name) for k in ordered}
    side = [
        [
            ctx.names.municipality(p),
            *(ctx.fmt.euro_of_cents(k.flows(p).net_pv_cents) for k in ordered),
        ]
        for p in partners
    ]
    chart = grouped_bars(
        {label[k.name]: {p: k.flows(p).net_pv_cents / 100 for p in partners} for k in ordered},
        title=ctx.w("keys_side_by_side"),
        format_value=ctx.fmt.euro,
    )
    return {
        "names": [
            label[k.name] + (f" ({ctx.w('chosen')})" if k.name == chosen else "") for k in ordered
        ],
        "side_by_side": side,
        "chart": chart,
        "keys": [key_view(k, specs.get(k.name), summary, ctx) for k in ordered],
    }


def key_view(
    key: KeySummary, spec: SharingKey | None, summary: EqualisationSummary, ctx: Context
) -> dict[str, Any]:
    """One key: how it shares, the partners' money, the transfers, the net result per year."""
    label = ctx.names.key(key.name)
    series = {
        ctx.names.municipality(f.partner): [c / 100 for c in f.net_cents] for f in key.partners
    }
    return {
        "name": key.name,
        "title": say("key_title", ctx.lang, key=label),
        "sides": key_sides(spec, ctx.lang, ctx.fmt) if spec is not None else Markup(""),
        "table": money_table(key, summary.discount_rate_per_year, ctx),
        "transfers_title": say("transfers", ctx.lang, key=label),
        "transfers": [
            (
                ctx.names.municipality(t.payer),
                ctx.names.municipality(t.payee),
                ctx.fmt.euro_of_cents(t.amount_cents),
            )
            for t in key.transfers
        ],
        "years_title": say("net_per_year", ctx.lang, key=label),
        "years_chart": line_chart(
            list(summary.years),
            series,
            title=str(say("net_per_year", ctx.lang, key=label)),
            format_value=ctx.fmt.euro,
        ),
    }


def alone_together_view(
    summary: EqualisationSummary, chosen: str | None, ctx: Context
) -> dict[str, Any] | None:
    """Chapter 10: per partner its net result alone and together under each allocation, its
    gain under the chosen key, and the core check of every allocation."""
    chosen_check = summary.fairness_of(f"key:{chosen}") if chosen else None
    found = {a: check for a in ALLOCATIONS if (check := summary.fairness_of(a)) is not None}
    shown = list(found)
    if chosen_check is None and not shown:
        return None
    columns = [ctx.names.allocation_short(a) for a in shown]
    checks: list[AloneVersusTogether] = list(found.values())
    if chosen_check is not None:
        columns.append(ctx.names.key(chosen or ""))
        checks.append(chosen_check)
    reference = checks[-1]
    euro = ctx.fmt.euro
    rows = [
        [
            ctx.names.municipality(p),
            euro(reference.net_alone_eur[p]),
            *(euro(c.net_together_eur[p]) for c in checks),
            euro(reference.gain_eur[p]),
        ]
        for p in summary.partners
    ]
    every = [
        *[f"key:{k.name}" for k in ordered_keys(summary, chosen)],
        *ALLOCATIONS,
        *(a for a in summary.allocations_cents if a not in ALLOCATIONS),
    ]
    core = fairness_rows(summary, every, ctx)
    listed = (f"key:{chosen}" if chosen else "", "nucleolus", "prenucleolus")
    lists = [blocking_list(check, ctx) for check in map(summary.fairness_of, listed) if check]
    return {
        "intro": say("alone_together_intro", ctx.lang, key=ctx.names.key(chosen or "")),
        "columns": columns,
        "rows": rows,
        "core": core,
        "lists": lists,
    }


def blocking_list(check: AloneVersusTogether, ctx: Context) -> dict[str, Any]:
    """The coalitions that would be better off alone under one allocation, largest first."""
    allocation = ctx.names.allocation(check.allocation, in_text=True)
    checked = ctx.fmt.number(check.coalitions_checked)
    if not check.blocking_count:
        return {
            "lead": say("nobody_blocks", ctx.lang, allocation=allocation, checked=checked),
            "items": [],
        }
    listed = check.blocking[:LISTED]
    lead = say(
        "blocking_list",
        ctx.lang,
        allocation=allocation,
        count=ctx.fmt.number(check.blocking_count),
        checked=checked,
        listed=len(listed),
    )
    items = [
        (" + ".join(ctx.names.municipality(p) for p in b.coalition), ctx.fmt.euro(b.saving_eur))
        for b in listed
    ]
    return {"lead": lead, "items": items}
