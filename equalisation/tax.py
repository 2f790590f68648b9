"""Flemish property tax (onroerende voorheffing, OV) on the cadastral income (KI).

For one parcel and one tax year::

    indexed KI      = round_euro(KI × indexation coefficient of the year)
    base levy       = round_cent(indexed KI × rate)
    rate            = 3.97 % from 2018 (2.5 % before); for plant and equipment
                      rate = base rate × de-indexation coefficient of the year
    municipal part  = round_cent(base levy × municipal opcentiemen / 100)
    provincial part = round_cent(base levy × provincial opcentiemen / 100)
    total           = base levy + municipal part + provincial part

Rounding is done with :class:`decimal.Decimal`, half-up (0.5 goes away from zero), on the exact
decimal value of each input. The plant-and-equipment rate is the exact product (3.97 % × 0.6765
= 2.685705 %), not the rounded percentage sometimes quoted (2.69 %).

Coefficients are known for the years in :data:`INDEXATION_COEFFICIENTS` and
:data:`DEINDEXATION_COEFFICIENTS`; any other year needs the coefficient given explicitly, because
guessing it would silently misstate the tax.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from equalisation.errors import InputError, UnknownCoefficientError
from equalisation.money import to_cents

log = logging.getLogger(__name__)

#: Indexation coefficient of the KI by OV tax year.
INDEXATION_COEFFICIENTS: Mapping[int, Decimal] = {
    2018: Decimal("1.7863"),
    2019: Decimal("1.8230"),
    2020: Decimal("1.8492"),
    2021: Decimal("1.8630"),
    2022: Decimal("1.9084"),
    2023: Decimal("2.0915"),
    2024: Decimal("2.1763"),
}

#: De-indexation coefficient for plant and equipment (materieel en outillage) by tax year.
DEINDEXATION_COEFFICIENTS: Mapping[int, Decimal] = {
    2018: Decimal("0.6765"),
    2019: Decimal("0.6629"),
    2020: Decimal("0.6535"),
    2021: Decimal("0.6487"),
    2022: Decimal("0.6332"),
}

#: First tax year of the Flemish base rate of 3.97 %.
RATE_CHANGE_YEAR = 2018
BASE_RATE_FROM_2018 = Decimal("0.0397")
BASE_RATE_BEFORE_2018 = Decimal("0.025")

TaxKind = Literal["standard", "plant_equipment"]
KINDS = ("standard", "plant_equipment")

EURO = Decimal(1)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class PropertyTax:
    """The property tax of one KI in one tax year, in euros (each figure rounded by the rules)."""

    ki_eur: float
    year: int
    kind: str
    municipal_opcentiemen: float
    provincial_opcentiemen: float
    indexation_coefficient: float
    rate: float
    indexed_ki_eur: float
    base_levy_eur: float
    municipal_eur: float
    provincial_eur: float
    total_eur: float


def base_rate(year: int) -> Decimal:
    """The Flemish base rate of the tax year: 3.97 % from 2018, 2.5 % before."""
    return BASE_RATE_FROM_2018 if year >= RATE_CHANGE_YEAR else BASE_RATE_BEFORE_2018


def indexation_coefficient(year: int, given: float | None = None) -> Decimal:
    """The KI indexation coefficient of ``year``: ``given`` if set, else the published one."""
    return _coefficient(year, given, INDEXATION_COEFFICIENTS, "indexation_coefficient")


def deindexation_coefficient(year: int, given: float | None = None) -> Decimal:
    """The plant-and-equipment de-indexation coefficient of ``year`` (given or published)."""
    return _coefficient(year, given, DEINDEXATION_COEFFICIENTS, "deindexation_coefficient")


def tax_rate(
    year: int, kind: TaxKind = "standard", *, deindexation: float | None = None
) -> Decimal:
    """Rate on the indexed KI: base rate (× de-indexation coefficient for plant/equipment)."""
    if kind not in KINDS:
        raise InputError(f"kind {kind!r} is not a property-tax kind; use one of {list(KINDS)}")
    rate = base_rate(year)
    if kind == "plant_equipment":
        rate *= deindexation_coefficient(year, deindexation)
    return rate


def property_tax(
    *,
    ki_eur: float,
    year: int,
    municipal_opcentiemen: float,
    provincial_opcentiemen: float,
    kind: TaxKind = "standard",
    indexation_coefficient: float | None = None,
    deindexation_coefficient: float | None = None,
) -> PropertyTax:
    """Property tax on a cadastral income for one tax year.

    Parameters
    ----------
    ki_eur
        Non-indexed cadastral income (KI) in euros per year.
    year
        OV tax year (aanslagjaar).
    municipal_opcentiemen, provincial_opcentiemen
        Surcharges, in hundredths of the base levy (e.g. 899 means 8.99 × the base levy).
    kind
        ``"standard"`` or ``"plant_equipment"`` (reduced rate).
    indexation_coefficient, deindexation_coefficient
        Needed for years without a published coefficient; override the table otherwise.

    Examples
    --------
    >>> tax = property_tax(ki_eur=1000, year=2024, municipal_opcentiemen=899,
    ...                    provincial_opcentiemen=0)
    >>> tax.indexed_ki_eur, tax.base_levy_eur, tax.municipal_eur, tax.total_eur
    (2176.0, 86.39, 776.65, 863.04)
    """
    ki = _non_negative("ki_eur", ki_eur)
    municipal = _non_negative("municipal_opcentiemen", municipal_opcentiemen)
    provincial = _non_negative("provincial_opcentiemen", provincial_opcentiemen)
    coefficient = _coefficient(
        year, indexation_coefficient, INDEXATION_COEFFICIENTS, "indexation_coefficient"
    )
    rate = tax_rate(year, kind, deindexation=deindexation_coefficient)
    indexed_ki = (ki * coefficient).quantize(EURO, rounding=ROUND_HALF_UP)
    base_levy = (indexed_ki * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    municipal_part = (base_levy * municipal / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    provincial_part = (base_levy * provincial / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return PropertyTax(
        ki_eur=float(ki_eur),
        year=int(year),
        kind=kind,
        municipal_opcentiemen=float(municipal_opcentiemen),
        provincial_opcentiemen=float(provincial_opcentiemen),
        indexation_coefficient=float(coefficient),
        rate=float(rate),
        indexed_ki_eur=float(indexed_ki),
        base_levy_eur=float(base_levy),
        municipal_eur=float(municipal_part),
        provincial_eur=float(provincial_part),
        total_eur=float(base_levy + municipal_part + provincial_part),
    )


@dataclass(frozen=True)
class ParkTaxYear:
    """The property tax of the built part of a park in one municipality and one year (euros)."""

    year: int
    municipality: str
    ki_eur: float
    exempt_ki_eur: float
    base_levy_eur: float
    municipal_eur: float
    provincial_eur: float
    explanation: str


@dataclass(frozen=True)
class ParkTax:
    """The yearly property tax of a park, per municipality; see :func:`park_property_tax`."""

    tax_year: int
    plant_equipment_rate_year: int
    years: tuple[int, ...]
    rows: tuple[ParkTaxYear, ...]

    def municipal_eur(self, municipality: str) -> tuple[float, ...]:
        """The municipal surcharge collected by ``municipality``, per year."""
        by_year = {r.year: r.municipal_eur for r in self.rows if r.municipality == municipality}
        return tuple(by_year.get(year, 0.0) for year in self.years)

    def total_by_year(self, field: str) -> tuple[float, ...]:
        """Sum of ``field`` (e.g. ``"base_levy_eur"``) over municipalities, per year."""
        sums = dict.fromkeys(self.years, 0.0)
        for row in self.rows:
            sums[row.year] += getattr(row, field)
        return tuple(round(sums[year], 2) for year in self.years)


def park_property_tax(
    *,
    built_ki_eur_by_year: Sequence[float],
    start_year: int,
    share_by_municipality: Mapping[str, float],
    municipal_opcentiemen: Mapping[str, float],
    provincial_opcentiemen: float,
    tax_year: int,
    plant_equipment_share_of_ki: float = 0.0,
    plant_equipment_exempt_share: float = 0.0,
    indexation_per_year: float = 0.0,
    indexation_coefficient: float | None = None,
    deindexation_coefficient: float | None = None,
) -> ParkTax:
    """Yearly OV of a park as its plots fill up, split over the municipalities it lies in.

    For year ``t`` (``t = 0`` is ``start_year``) and municipality ``m`` with share ``s_m``::

        KI_m,t        = built KI_t × s_m
        plant/equip.  = KI_m,t × plant_equipment_share_of_ki, of which the exempt share pays nothing
        OV_m,t        = [OV(standard part) + OV(taxable plant/equipment part)] × (1 + i)^t

    Each OV is :func:`property_tax` with the coefficients of ``tax_year``; ``(1 + i)^t`` projects
    it in nominal terms with the general indexation ``i`` (the future coefficients are unknown).
    The plant-and-equipment rate uses ``deindexation_coefficient`` when given, else the published
    coefficient of ``tax_year`` or, when that is not published yet, of the latest year before it
    (reported as ``plant_equipment_rate_year``).
    """
    total_share = sum(share_by_municipality.values())
    if total_share <= 0:
        raise InputError(
            "the park's shares by municipality sum to 0; give each municipality's area of the site"
        )
    pe_share = _share("plant_equipment_share_of_ki", plant_equipment_share_of_ki)
    exempt = _share("plant_equipment_exempt_share", plant_equipment_exempt_share)
    pe_year = tax_year
    if deindexation_coefficient is None and tax_year not in DEINDEXATION_COEFFICIENTS:
        earlier = [y for y in DEINDEXATION_COEFFICIENTS if y <= tax_year]
        if pe_share > 0 and not earlier:
            deindexation_coefficient(tax_year)  # raises: nothing published before tax_year
        pe_year = max(earlier, default=tax_year)
        deindexation_coefficient = float(DEINDEXATION_COEFFICIENTS.get(pe_year, 1))
    rows = []
    for t, built_ki in enumerate(built_ki_eur_by_year):
        growth = (1 + indexation_per_year) ** t
        for municipality, share in share_by_municipality.items():
            ki = built_ki * share / total_share
            standard_ki = ki * (1 - pe_share)
            taxable_pe_ki = ki * pe_share * (1 - exempt)
            parts = [
                property_tax(
                    ki_eur=part_ki,
                    year=tax_year,
                    municipal_opcentiemen=municipal_opcentiemen.get(municipality, 0.0),
                    provincial_opcentiemen=provincial_opcentiemen,
                    kind=kind,
                    indexation_coefficient=indexation_coefficient,
                    deindexation_coefficient=deindexation_coefficient,
                )
                for part_ki, kind in ((standard_ki, "standard"), (taxable_pe_ki, "plant_equipment"))
            ]
            municipal_eur = _grown(sum(p.municipal_eur for p in parts), growth)
            rows.append(
                ParkTaxYear(
                    year=start_year + t,
                    municipality=municipality,
                    ki_eur=round(ki, 2),
                    exempt_ki_eur=round(ki * pe_share * exempt, 2),
                    base_levy_eur=_grown(sum(p.base_levy_eur for p in parts), growth),
                    municipal_eur=municipal_eur,
                    provincial_eur=_grown(sum(p.provincial_eur for p in parts), growth),
                    explanation=(
                        f"KI {ki:,.0f} EUR ({share / total_share:.1%} of the park's {built_ki:,.0f}"
                        f"); {pe_share:.0%} plant and equipment of which {exempt:.0%} exempt; "
                        f"OV {tax_year} rules × {growth:.4f} indexation"
                    ),
                )
            )
    years = tuple(start_year + t for t in range(len(built_ki_eur_by_year)))
    return ParkTax(
        tax_year=tax_year, plant_equipment_rate_year=pe_year, years=years, rows=tuple(rows)
    )


def _grown(amount_eur: float, growth: float) -> float:
    return to_cents(amount_eur * growth) / 100


def _coefficient(
    year: int, given: float | None, table: Mapping[int, Decimal], name: str
) -> Decimal:
    if given is not None:
        return _non_negative(name, given)
    if year not in table:
        raise UnknownCoefficientError(
            f"no {name.replace('_', ' ')} is known for tax year {year} (known: {min(table)}–"
            f"{max(table)}); pass {name}=... with the official value for {year}"
        )
    return table[year]


def _non_negative(name: str, value: float) -> Decimal:
    exact = Decimal(str(value))
    if not exact.is_finite() or exact < 0:
        raise InputError(f"{name} is {value}; expected a finite number of 0 or more")
    return exact


def _share(name: str, value: float) -> float:
    if not 0 <= value <= 1:
        raise InputError(f"{name} is {value}; expected a share between 0 and 1")
    return float(value)
