"""The equalisation of one pooled park: finance, property tax, keys, mechanisms, ledgers, games.

:func:`equalise` is the entry point of the application. It prices the chosen site
(:mod:`~equalisation.finance`), projects the property tax it yields per municipality
(:mod:`~equalisation.tax`), and for each named sharing key runs the mechanisms into a ledger
(:mod:`~equalisation.ledger`). Given the candidate sites, it also prices every coalition's own park
(:mod:`~equalisation.site_game`) and reports the Shapley value, the nucleolus, SCRB and the
proportional split with their core checks.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from equalisation import games
from equalisation.errors import EqualisationError, InputError
from equalisation.fairness import AloneVersusTogether, alone_versus_together
from equalisation.finance import FinanceAssumptions, SiteFinance, site_finance
from equalisation.keys import KeyPair, Partner, build_key, build_key_pair
from equalisation.ledger import Ledger
from equalisation.mechanisms import (
    Context,
    CostAndRevenueSharing,
    Mechanism,
    OwnPropertyTax,
    base_levy_cents,
    build_mechanisms,
)
from equalisation.money import to_cents
from equalisation.site_game import GameRules, SiteGame, site_cost_game
from equalisation.tax import ParkTax, levy_per_ki_eur, park_property_tax

log = logging.getLogger(__name__)

#: The key used when none is given.
DEFAULT_KEYS: Mapping[str, Mapping] = {"equal": {"kind": "equal"}}
#: Most partners for which the nucleolus is computed here (keeps a study run fast).
NUCLEOLUS_MAX_PARTNERS = 12
GAME_METHODS = ("shapley", "nucleolus", "scrb", "proportional")


@dataclass(frozen=True)
class GameResults:
    """The fair-division game of the partners and its allocations (or why one is missing)."""

    site_game: SiteGame
    allocations: Mapping[str, games.Allocation]
    skipped: Mapping[str, str]

    def to_dict(self) -> dict:
        game = self.site_game.game
        return {
            "kind": game.kind,
            "rule": self.site_game.rule,
            "grand_coalition_cost_eur": round(game.grand_value, 2),
            "grand_coalition_site": self.site_game.site_of(game.players),
            "stand_alone_cost_eur": {
                p: round(float(v), 2) for p, v in zip(game.players, game.stand_alone, strict=True)
            },
            "stand_alone_site": {p: self.site_game.site_of([p]) for p in game.players},
            **{name: a.to_dict() for name, a in self.allocations.items()},
            "skipped": dict(self.skipped),
        }


@dataclass(frozen=True)
class EqualisationResult:
    """Everything :func:`equalise` computed, with the inputs that produced it."""

    partners: tuple[Partner, ...]
    host: str
    site_area_ha_by_municipality: Mapping[str, float]
    assumptions: FinanceAssumptions
    horizon_years: int
    start_year: int
    tax_year: int
    provincial_opcentiemen: float
    finance: SiteFinance
    property_tax: ParkTax
    keys: tuple[KeyPair, ...]
    mechanisms: tuple[Mechanism, ...]
    ledgers: tuple[Ledger, ...]
    games: GameResults | None

    def ledger(self, key: str) -> Ledger:
        for ledger in self.ledgers:
            if ledger.name == key:
                return ledger
        raise KeyError(key)

    def alone_versus_together(self) -> tuple[AloneVersusTogether, ...]:
        """Every game allocation and every key checked against going alone (none without a
        game). A key's allocation is what each partner pays net in present value."""
        if self.games is None:
            return ()
        game = self.games.site_game.game
        checks = [
            alone_versus_together(game, method, allocation.allocation)
            for method, allocation in self.games.allocations.items()
        ]
        for ledger in self.ledgers:
            cents = ledger.present_values_cents()
            costs = {p: -cents[p] / 100 for p in game.players}
            checks.append(alone_versus_together(game, f"key:{ledger.name}", costs))
        return tuple(checks)

    def ledger_rows(self) -> list[dict]:
        """Rows ``key, partner, year, paid_eur, received_eur, net_eur, explanation``.

        Euro amounts are exact :class:`~decimal.Decimal` values with two decimals (from cents).
        """
        return [row for ledger in self.ledgers for row in ledger.rows()]

    def to_dict(self) -> dict:
        """JSON-ready result: inputs, site finance, OV per year, every key's ledger, the games."""
        partner_names = [p.name for p in self.partners]
        return {
            "host": self.host,
            "partners": [dataclasses.asdict(p) for p in self.partners],
            "site_area_ha_by_municipality": dict(self.site_area_ha_by_municipality),
            "area_outside_partners_ha": round(
                sum(
                    a
                    for m, a in self.site_area_ha_by_municipality.items()
                    if m not in partner_names
                ),
                4,
            ),
            "horizon_years": self.horizon_years,
            "start_year": self.start_year,
            "assumptions": self.assumptions.describe(),
            "assumptions_note": (
                "defaults marked illustrative are plausible orders of magnitude, not sourced "
                "figures: replace them with local ones"
            ),
            "site_finance": self.finance.to_dict(),
            "property_tax": self._tax_dict(),
            "mechanisms": [m.to_dict() for m in self.mechanisms],
            "keys": {
                pair.name: {
                    "costs": _key_dict(pair.costs),
                    "revenues": _key_dict(pair.revenues),
                    "ledger": self.ledger(pair.name).to_dict(),
                }
                for pair in self.keys
            },
            "games": None if self.games is None else self.games.to_dict(),
            "alone_versus_together": {
                check.allocation: check.to_dict() for check in self.alone_versus_together()
            },
        }

    def _tax_dict(self) -> dict:
        tax = self.property_tax
        return {
            "tax_year": tax.tax_year,
            "provincial_opcentiemen": self.provincial_opcentiemen,
            "years": list(tax.years),
            "municipal_eur": {
                m: list(tax.municipal_eur(m))
                for m in dict.fromkeys(r.municipality for r in tax.rows)
            },
            "base_levy_eur": list(tax.total_by_year("base_levy_eur")),
            "provincial_eur": list(tax.total_by_year("provincial_eur")),
            "rule": (
                "indexed KI = round(KI × coefficient of the tax year); base levy = indexed KI × "
                "3.97 % (plant and equipment: × de-indexation coefficient; exempt share pays 0); "
                "surcharges = base levy × opcentiemen / 100; projected × (1 + indexation)^t"
            ),
            "coefficient_sources": list(tax.coefficient_sources),
        }


def equalise(
    *,
    partners: Sequence[Partner],
    site_area_ha_by_municipality: Mapping[str, float],
    host: str,
    assumptions: FinanceAssumptions,
    keys: Mapping[str, Mapping],
    mechanisms: Mapping[str, Any] | None,
    horizon_years: int,
    start_year: int,
    tax_year: int,
    provincial_opcentiemen: float,
    candidate_sites: Sequence[Mapping] | None = None,
    tax_coefficients: Mapping[int, Any] | None = None,
    game_rules: GameRules | None = None,
) -> EqualisationResult:
    """Finance, taxes and the sharing of one park among the partners, under several keys.

    Parameters
    ----------
    partners
        The partner municipalities; ``land_ha`` is taken from ``site_area_ha_by_municipality``.
    site_area_ha_by_municipality
        Gross area of the chosen site per municipality (names outside the partners count in
        the site's area, but their property tax is not shared).
    host
        The host partner (the one a stacked key favours).
    keys
        Named key specs: ``{"costs": spec, "revenues": spec}`` or one spec for both (see
        :mod:`equalisation.keys`); ``{}`` uses one equal key.
    mechanisms
        Mechanism spec (see :mod:`equalisation.mechanisms`); ``None`` pools all the OV.
    candidate_sites
        Plain-data sites for the fair-division game; ``None`` or empty skips the game.
    tax_coefficients
        Property-tax coefficients of years not built in, ``{year: {"indexation": ...,
        "deindexation": ..., "source": "..."}}`` (see :func:`equalisation.tax.coefficient_table`);
        ``None``: the built-in ones only.
    game_rules
        How the fair-division game prices coalitions (:class:`~equalisation.site_game.GameRules`);
        its levy per euro of KI is filled in here from the tax year and the assumptions.
    """
    partners = _with_land(partners, site_area_ha_by_municipality)
    names = [p.name for p in partners]
    if host not in names:
        raise InputError(f"host {host!r} is not a partner; choose one of {names}")
    gross_area_ha = float(sum(site_area_ha_by_municipality.values()))
    finance = site_finance(
        gross_area_ha=gross_area_ha,
        assumptions=assumptions,
        horizon_years=horizon_years,
        start_year=start_year,
    )
    tax = park_property_tax(
        built_ki_eur_by_year=finance.built_ki_eur,
        start_year=start_year,
        share_by_municipality={m: a for m, a in site_area_ha_by_municipality.items() if a > 0},
        municipal_opcentiemen={p.name: p.municipal_opcentiemen for p in partners},
        provincial_opcentiemen=provincial_opcentiemen,
        tax_year=tax_year,
        plant_equipment_share_of_ki=assumptions.plant_equipment_share_of_ki,
        plant_equipment_exempt_share=assumptions.plant_equipment_exempt_share,
        indexation_per_year=assumptions.indexation_per_year,
        tax_coefficients=tax_coefficients,
    )
    pairs = tuple(
        build_key_pair(name, spec, partners, host=host)
        for name, spec in (dict(keys) or DEFAULT_KEYS).items()
    )
    built = build_mechanisms(mechanisms)
    ledgers = tuple(_ledger(pair, partners, host, finance, tax, built) for pair in pairs)
    rules = dataclasses.replace(
        game_rules or GameRules(),
        levy_per_ki_eur=levy_per_ki_eur(
            tax_year=tax_year,
            plant_equipment_share_of_ki=assumptions.plant_equipment_share_of_ki,
            plant_equipment_exempt_share=assumptions.plant_equipment_exempt_share,
            tax_coefficients=tax_coefficients,
        ),
    )
    game_results = (
        _games(partners, candidate_sites, assumptions, horizon_years, rules)
        if candidate_sites
        else None
    )
    return EqualisationResult(
        partners=tuple(partners),
        host=host,
        site_area_ha_by_municipality=dict(site_area_ha_by_municipality),
        assumptions=assumptions,
        horizon_years=horizon_years,
        start_year=start_year,
        tax_year=tax_year,
        provincial_opcentiemen=provincial_opcentiemen,
        finance=finance,
        property_tax=tax,
        keys=pairs,
        mechanisms=built,
        ledgers=ledgers,
        games=game_results,
    )


def _with_land(partners: Sequence[Partner], area: Mapping[str, float]) -> list[Partner]:
    if not partners:
        raise InputError("no partners given; give the partner municipalities")
    bad = {m: a for m, a in area.items() if not isinstance(a, int | float) or not a >= 0}
    if bad or sum(area.values()) <= 0:
        raise InputError(
            f"site areas {dict(area)} are not positive hectares; give each municipality's area "
            "of the chosen site"
        )
    return [dataclasses.replace(p, land_ha=float(area.get(p.name, 0.0))) for p in partners]


def _ledger(
    pair: KeyPair,
    partners: Sequence[Partner],
    host: str,
    finance: SiteFinance,
    tax: ParkTax,
    mechanisms: Sequence[Mechanism],
) -> Ledger:
    names = tuple(p.name for p in partners)
    land_ha = {p.name: p.land_ha for p in partners}
    context = Context(
        partners=names,
        years=finance.years,
        land_ha=land_ha,
        costs_key=pair.costs,
        revenues_key=pair.revenues,
        site_costs_cents=tuple(to_cents(v) for v in finance.costs_eur()),
        site_income_cents=tuple(to_cents(v) for v in finance.income_eur()),
        municipal_ov_cents={n: tuple(to_cents(v) for v in tax.municipal_eur(n)) for n in names},
        finance=finance,
        municipal_opcentiemen={p.name: p.municipal_opcentiemen for p in partners},
        base_levy_cents=base_levy_cents(tax, names),
    )
    entries = [e for mechanism in mechanisms for e in mechanism.entries(context)]
    land_spec = (
        {"kind": "land"} if any(land_ha.values()) else {"kind": "custom", "shares": {host: 1.0}}
    )
    land_key = build_key(land_spec, partners, host=host)
    status_quo_context = dataclasses.replace(context, costs_key=land_key, revenues_key=land_key)
    status_quo = [
        e
        for m in (CostAndRevenueSharing(), OwnPropertyTax())
        for e in m.entries(status_quo_context)
    ]
    return Ledger(
        name=pair.name,
        partners=names,
        years=finance.years,
        discount_rate_per_year=finance.assumptions.discount_rate_per_year,
        entries=tuple(entries),
        status_quo=tuple(status_quo),
    )


def _games(
    partners: Sequence[Partner],
    candidate_sites: Sequence[Mapping],
    assumptions: FinanceAssumptions,
    horizon_years: int,
    rules: GameRules,
) -> GameResults:
    site_game = site_cost_game(
        partners=partners,
        candidate_sites=candidate_sites,
        assumptions=assumptions,
        horizon_years=horizon_years,
        rules=rules,
    )
    allocations, skipped = {}, {}
    for method in GAME_METHODS:
        if method == "nucleolus" and len(partners) > NUCLEOLUS_MAX_PARTNERS:
            skipped[method] = (
                f"{len(partners)} partners is above {NUCLEOLUS_MAX_PARTNERS}; "
                "the nucleolus is left out to keep the run fast"
            )
            continue
        try:
            allocations[method] = games.solve(site_game.game, method)
        except EqualisationError as exc:
            skipped[method] = str(exc)
            if method == "nucleolus":  # no imputation: the prenucleolus still exists
                allocations["prenucleolus"] = games.prenucleolus(site_game.game)
    return GameResults(site_game=site_game, allocations=allocations, skipped=skipped)


def _key_dict(key) -> dict:
    return {
        "kind": key.kind,
        "description": key.describe(),
        "shares": dict(key.shares),
        "explanations": dict(key.explanations),
    }
