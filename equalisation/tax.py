"""Flemish property tax (onroerende voorheffing, OV) on the cadastral income (KI).

For one parcel and one tax year::

    indexed KI      = round_euro(KI × indexation coefficient of the year)
    base levy       = round_cent(indexed KI × rate)
    rate            = 3.97 % from 2018 (2.5 % before); for plant and equipment (from 2018)
                      rate = 3.97 % × de-indexation coefficient of the year
    municipal part  = round_cent(base levy × municipal opcentiemen / 100)
    provincial part = round_cent(base levy × provincial opcentiemen / 100)
    total           = base levy + municipal part + provincial part

Rounding is done with :class:`decimal.Decimal`, half-up (0.5 goes away from zero), on the decimal
value of each input as written (``Decimal(str(x))``). The plant-and-equipment rate is the exact
product (3.97 % × 0.6765 = 2.685705 %), not the rounded percentage sometimes quoted (2.69 %).

The rates and coefficients are data with their source (:data:`BASE_RATES`,
:data:`BUILT_IN_COEFFICIENTS`, :data:`PLANT_EQUIPMENT_RULE`), taken from ``reference/FACTS.md``
only. A year without a coefficient is refused, never guessed: the caller gives it, in a study as
``[finance.tax_coefficients]`` (see :func:`coefficient_table`). Every input is checked: a value
that is not a number (text, a bool, ``None``), not finite, negative or absurdly large raises an
:class:`~equalisation.errors.InputError` leaf that says what was given and what was expected.
"""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any, Literal

from equalisation.errors import (
    InputError,
    InputTypeError,
    OutOfRangeError,
    UnknownCoefficientError,
)
from equalisation.money import to_cents

log = logging.getLogger(__name__)

#: Where the built-in rates and coefficients come from.
FACTS = "reference/FACTS.md, Flemish property tax"

#: Where a study gives the coefficients of a year that is not built in.
STUDY_FIELD = "[finance.tax_coefficients]"


@dataclass(frozen=True)
class TaxYearCoefficients:
    """The coefficients of one OV tax year (``None``: not known) and their source."""

    year: int
    indexation: Decimal | None
    deindexation: Decimal | None
    source: str


def _facts(year: int, indexation: str, deindexation: str | None = None) -> TaxYearCoefficients:
    plant = f"plant and equipment {deindexation}" if deindexation else "no plant-and-equipment"
    return TaxYearCoefficients(
        year=year,
        indexation=Decimal(indexation),
        deindexation=Decimal(deindexation) if deindexation else None,
        source=f"{FACTS}: indexation {indexation}; {plant} coefficient",
    )


#: The coefficients of reference/FACTS.md by tax year: the indexation coefficient of the KI and
#: the de-indexation coefficient of plant and equipment (materieel en outillage).
BUILT_IN_COEFFICIENTS: Mapping[int, TaxYearCoefficients] = MappingProxyType(
    {
        2018: _facts(2018, "1.7863", "0.6765"),
        2019: _facts(2019, "1.8230", "0.6629"),
        2020: _facts(2020, "1.8492", "0.6535"),
        2021: _facts(2021, "1.8630", "0.6487"),
        2022: _facts(2022, "1.9084", "0.6332"),
        2023: _facts(2023, "2.0915"),
        2024: _facts(2024, "2.1763"),
    }
)

#: Indexation coefficient of the KI by OV tax year (from :data:`BUILT_IN_COEFFICIENTS`).
INDEXATION_COEFFICIENTS: Mapping[int, Decimal] = MappingProxyType(
    {y: c.indexation for y, c in BUILT_IN_COEFFICIENTS.items() if c.indexation is not None}
)

#: De-indexation coefficient of plant and equipment by tax year (from the same table).
DEINDEXATION_COEFFICIENTS: Mapping[int, Decimal] = MappingProxyType(
    {y: c.deindexation for y, c in BUILT_IN_COEFFICIENTS.items() if c.deindexation is not None}
)


@dataclass(frozen=True)
class BaseRate:
    """The Flemish base rate from ``from_year`` on (``None``: every earlier year)."""

    from_year: int | None
    rate: Decimal
    source: str


#: First tax year of the Flemish base rate of 3.97 %.
RATE_CHANGE_YEAR = 2018
BASE_RATE_FROM_2018 = Decimal("0.0397")
BASE_RATE_BEFORE_2018 = Decimal("0.025")
#: The base rates, latest first.
BASE_RATES: tuple[BaseRate, ...] = (
    BaseRate(RATE_CHANGE_YEAR, BASE_RATE_FROM_2018, f"{FACTS}: 3.97 % from tax year 2018"),
    BaseRate(None, BASE_RATE_BEFORE_2018, f"{FACTS}: 2.5 % before 2018"),
)


@dataclass(frozen=True)
class PlantEquipmentRule:
    """The reduced rate of plant and equipment, and the years the reference gives it for."""

    from_year: int
    formula: str
    source: str


PLANT_EQUIPMENT_RULE = PlantEquipmentRule(
    from_year=RATE_CHANGE_YEAR,
    formula="reduced rate = 3.97 % × de-indexation coefficient of the tax year",
    source=f"{FACTS}: plant and equipment (materieel en outillage), reduced rate",
)

TaxKind = Literal["standard", "plant_equipment"]
KINDS = ("standard", "plant_equipment")

#: Largest cadastral income accepted, in euros per year (far beyond any parcel or park).
MAX_KI_EUR = Decimal(10) ** 12
#: Largest surcharge accepted, in opcentiemen (the highest in Flanders are about 1,500).
MAX_OPCENTIEMEN = Decimal(100_000)
#: Largest indexation coefficient accepted (the published ones are about 2).
MAX_INDEXATION = Decimal(100)
#: What a KI and a surcharge are, for the messages.
KI_EXPECTED = "a cadastral income (KI) in euros per year"
SURCHARGE = "a surcharge in opcentiemen (e.g. 899)"
_HUGE = Decimal(10) ** 12
#: Tax years accepted.
YEARS = (1990, 2200)

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


@dataclass(frozen=True)
class CoefficientTable:
    """The coefficients by tax year: the built-in ones plus those a study gives."""

    years: Mapping[int, TaxYearCoefficients]

    def indexation(self, year: int) -> TaxYearCoefficients:
        """The coefficients of ``year``; :class:`UnknownCoefficientError` without indexation."""
        return self._with(year, "indexation")

    def deindexation(self, year: int) -> TaxYearCoefficients:
        """The coefficients of ``year``; :class:`UnknownCoefficientError` without a
        plant-and-equipment coefficient."""
        return self._with(year, "deindexation")

    def _with(self, year: int, field: str) -> TaxYearCoefficients:
        known = self.years.get(year)
        if known is not None and getattr(known, field) is not None:
            return known
        years = sorted(y for y, c in self.years.items() if getattr(c, field) is not None)
        what = "indexation" if field == "indexation" else "plant-and-equipment de-indexation"
        argument = f"{field}_coefficient"
        raise UnknownCoefficientError(
            f"no {what} coefficient is known for tax year {year} (known: {_years(years)}); it is "
            f'never guessed: add {STUDY_FIELD} {year} = {{ {field} = ..., source = "..." }} to '
            f"study.toml with the official value (or pass {argument}=...), or choose a tax year "
            "that is known"
        )


def _known(coefficient: Decimal | None) -> Decimal:
    """A coefficient known to be there: given (not ``None``), or of a year
    :meth:`CoefficientTable.indexation` (or ``deindexation``) returned, which raises for a
    year without it."""
    assert coefficient is not None
    return coefficient


def coefficient_table(given: Mapping[Any, Any] | None = None) -> CoefficientTable:
    """The built-in coefficients plus ``given``: ``{year: {"indexation": ..., "deindexation":
    ..., "source": "..."}}`` (each entry a mapping or an object with those attributes; either
    coefficient may be left out, the source may not). A given value that contradicts a built-in
    one is refused; one that adds to a built-in year (e.g. its plant-and-equipment coefficient)
    is merged with it.
    """
    years = dict(BUILT_IN_COEFFICIENTS)
    for key, entry in (given or {}).items():
        name = f"tax_coefficients[{key!r}]"
        year = _year(name, key)
        values = _entry(name, entry)
        indexation = values.get("indexation")
        deindexation = values.get("deindexation")
        if indexation is None and deindexation is None:
            raise InputError(
                f"{name} gives no coefficient; expected indexation and/or deindexation with a "
                "source; add the official value(s) or remove the entry"
            )
        source = values.get("source")
        if not isinstance(source, str) or not source.strip():
            raise InputError(
                f"{name}.source is {source!r}; expected where the coefficient comes from (e.g. "
                'the official publication); add source = "..."'
            )
        new = TaxYearCoefficients(
            year=year,
            indexation=_indexation(f"{name}.indexation", indexation),
            deindexation=_deindexation(f"{name}.deindexation", deindexation),
            source=source.strip(),
        )
        years[year] = _merged(name, years.get(year), new)
    return CoefficientTable(MappingProxyType(years))


def base_rate(year: int) -> Decimal:
    """The Flemish base rate of the tax year: 3.97 % from 2018, 2.5 % before."""
    year = _year("year", year)
    return next(r.rate for r in BASE_RATES if r.from_year is None or year >= r.from_year)


def indexation_coefficient(
    year: int, given: float | None = None, *, table: CoefficientTable | None = None
) -> Decimal:
    """The KI indexation coefficient of ``year``: ``given`` if set, else the table's."""
    year = _year("year", year)
    if given is not None:
        return _known(_indexation("indexation_coefficient", given))
    return _known((table or coefficient_table()).indexation(year).indexation)


def deindexation_coefficient(
    year: int, given: float | None = None, *, table: CoefficientTable | None = None
) -> Decimal:
    """The plant-and-equipment de-indexation coefficient of ``year`` (given or the table's)."""
    year = _year("year", year)
    if given is not None:
        return _known(_deindexation("deindexation_coefficient", given))
    return _known((table or coefficient_table()).deindexation(year).deindexation)


def tax_rate(
    year: int,
    kind: TaxKind = "standard",
    *,
    deindexation: float | None = None,
    table: CoefficientTable | None = None,
) -> Decimal:
    """Rate on the indexed KI: base rate (× de-indexation coefficient for plant/equipment)."""
    year = _year("year", year)
    _kind(kind)
    rate = base_rate(year)
    if kind == "plant_equipment":
        _plant_equipment_year(year)
        rate *= deindexation_coefficient(year, deindexation, table=table)
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
    """Property tax on a cadastral income for one tax year (formulas in the module docstring).

    Parameters
    ----------
    ki_eur
        Non-indexed cadastral income (KI) in euros per year, 0 to 10^12.
    year
        OV tax year (aanslagjaar).
    municipal_opcentiemen, provincial_opcentiemen
        Surcharges, in hundredths of the base levy (e.g. 899 means 8.99 × the base levy).
    kind
        ``"standard"`` or ``"plant_equipment"`` (reduced rate).
    indexation_coefficient, deindexation_coefficient
        Needed for years without a built-in coefficient; override the table otherwise.

    Examples
    --------
    >>> tax = property_tax(ki_eur=1000, year=2024, municipal_opcentiemen=899,
    ...                    provincial_opcentiemen=0)
    >>> tax.indexed_ki_eur, tax.base_levy_eur, tax.municipal_eur, tax.total_eur
    (2176.0, 86.39, 776.65, 863.04)
    """
    ki = _number("ki_eur", ki_eur, expected=KI_EXPECTED, upper=MAX_KI_EUR)
    year = _year("year", year)
    municipal = _number(
        "municipal_opcentiemen", municipal_opcentiemen, expected=SURCHARGE, upper=MAX_OPCENTIEMEN
    )
    provincial = _number(
        "provincial_opcentiemen", provincial_opcentiemen, expected=SURCHARGE, upper=MAX_OPCENTIEMEN
    )
    _kind(kind)
    coefficient = _lookup_indexation(year, indexation_coefficient)
    rate = tax_rate(year, kind, deindexation=deindexation_coefficient)
    indexed_ki = (ki * coefficient).quantize(EURO, rounding=ROUND_HALF_UP)
    base_levy = (indexed_ki * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    municipal_part = (base_levy * municipal / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    provincial_part = (base_levy * provincial / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return PropertyTax(
        ki_eur=float(ki),
        year=year,
        kind=kind,
        municipal_opcentiemen=float(municipal),
        provincial_opcentiemen=float(provincial),
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
    """The yearly property tax of a park, per municipality; see :func:`park_property_tax`.

    ``coefficient_sources`` says where the coefficients used come from;
    ``plant_equipment_rate_year`` is always ``tax_year`` (no other year's coefficient is used).
    """

    tax_year: int
    plant_equipment_rate_year: int
    years: tuple[int, ...]
    rows: tuple[ParkTaxYear, ...]
    coefficient_sources: tuple[str, ...] = ()

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


def levy_per_ki_eur(
    *,
    tax_year: int,
    plant_equipment_share_of_ki: float = 0.0,
    plant_equipment_exempt_share: float = 0.0,
    tax_coefficients: Mapping[Any, Any] | None = None,
) -> float:
    """Base levy (euros) per euro of a park's KI, unrounded, with ``pe`` its plant-and-equipment
    share and ``ex`` the exempt part of that::

        levy / KI = coefficient × [(1 − pe) × rate + pe × (1 − ex) × rate_plant_equipment]

    The same coefficients as :func:`park_property_tax`; a surcharge's tax is this × KI ×
    opcentiemen / 100 (before rounding to the euro and the cent)."""
    tax_year = _year("tax_year", tax_year)
    pe_share = _share("plant_equipment_share_of_ki", plant_equipment_share_of_ki)
    exempt = _share("plant_equipment_exempt_share", plant_equipment_exempt_share)
    table = coefficient_table(tax_coefficients)
    levy = (1 - pe_share) * float(base_rate(tax_year))
    if pe_share * (1 - exempt) > 0:
        equipment = tax_rate(tax_year, "plant_equipment", table=table)
        levy += pe_share * (1 - exempt) * float(equipment)
    return float(_known(table.indexation(tax_year).indexation)) * levy


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
    tax_coefficients: Mapping[Any, Any] | None = None,
) -> ParkTax:
    """Yearly OV of a park as its plots fill up, split over the municipalities it lies in.

    For year ``t`` (``t = 0`` is ``start_year``) and municipality ``m`` with share ``s_m``::

        KI_m,t        = built KI_t × s_m
        plant/equip.  = KI_m,t × plant_equipment_share_of_ki, of which the exempt share pays nothing
        OV_m,t        = [OV(standard part) + OV(taxable plant/equipment part)] × (1 + i)^t

    Each OV is :func:`property_tax` with the coefficients of ``tax_year``; ``(1 + i)^t`` projects
    it in nominal terms with the general indexation ``i`` (the future coefficients are unknown).
    The coefficients are ``indexation_coefficient`` / ``deindexation_coefficient`` when given,
    else those of ``tax_coefficients`` and the built-in table (:func:`coefficient_table`). The
    plant-and-equipment coefficient is needed only when some plant-and-equipment KI is taxable;
    a year without it is refused, never filled in from another year.
    """
    tax_year = _year("tax_year", tax_year)
    start_year = _year("start_year", start_year)
    shares = {
        m: float(_number(f"share_by_municipality[{m!r}]", s, expected="an area", upper=_HUGE))
        for m, s in share_by_municipality.items()
    }
    total_share = sum(shares.values())
    if total_share <= 0:
        raise InputError(
            "the park's shares by municipality sum to 0; give each municipality's area of the site"
        )
    built = [
        float(_number(f"built_ki_eur_by_year[{t}]", v, expected=KI_EXPECTED, upper=MAX_KI_EUR))
        for t, v in enumerate(built_ki_eur_by_year)
    ]
    pe_share = _share("plant_equipment_share_of_ki", plant_equipment_share_of_ki)
    exempt = _share("plant_equipment_exempt_share", plant_equipment_exempt_share)
    growth_rate = float(
        _number("indexation_per_year", indexation_per_year, expected="a rate", upper=Decimal(1))
    )
    table = coefficient_table(tax_coefficients)
    sources = []
    if indexation_coefficient is None:
        indexation = table.indexation(tax_year)
        indexation_coefficient = float(_known(indexation.indexation))
        sources.append(f"indexation {tax_year}: {indexation.source}")
    else:
        sources.append(f"indexation {tax_year}: given ({indexation_coefficient})")
    taxable_equipment = pe_share * (1 - exempt) > 0
    if taxable_equipment:
        _plant_equipment_year(tax_year)
        if deindexation_coefficient is None:
            try:
                equipment = table.deindexation(tax_year)
            except UnknownCoefficientError as exc:
                raise UnknownCoefficientError(
                    f"{exc} (needed: {pe_share:.0%} of the KI is plant and equipment, "
                    f"{1 - exempt:.0%} of it taxable)"
                ) from None
            deindexation_coefficient = float(_known(equipment.deindexation))
            sources.append(f"plant and equipment {tax_year}: {equipment.source}")
        else:
            sources.append(f"plant and equipment {tax_year}: given ({deindexation_coefficient})")
    rows = []
    for t, built_ki in enumerate(built):
        growth = (1 + growth_rate) ** t
        for municipality, share in shares.items():
            ki = built_ki * share / total_share
            parts = [
                property_tax(
                    ki_eur=ki * (1 - pe_share),
                    year=tax_year,
                    municipal_opcentiemen=municipal_opcentiemen.get(municipality, 0.0),
                    provincial_opcentiemen=provincial_opcentiemen,
                    indexation_coefficient=indexation_coefficient,
                )
            ]
            if taxable_equipment:
                parts.append(
                    property_tax(
                        ki_eur=ki * pe_share * (1 - exempt),
                        year=tax_year,
                        municipal_opcentiemen=municipal_opcentiemen.get(municipality, 0.0),
                        provincial_opcentiemen=provincial_opcentiemen,
                        kind="plant_equipment",
                        indexation_coefficient=indexation_coefficient,
                        deindexation_coefficient=deindexation_coefficient,
                    )
                )
            rows.append(
                ParkTaxYear(
                    year=start_year + t,
                    municipality=municipality,
                    ki_eur=round(ki, 2),
                    exempt_ki_eur=round(ki * pe_share * exempt, 2),
                    base_levy_eur=_grown(sum(p.base_levy_eur for p in parts), growth),
                    municipal_eur=_grown(sum(p.municipal_eur for p in parts), growth),
                    provincial_eur=_grown(sum(p.provincial_eur for p in parts), growth),
                    explanation=(
                        f"KI {ki:,.0f} EUR ({share / total_share:.1%} of the park's {built_ki:,.0f}"
                        f"); {pe_share:.0%} plant and equipment of which {exempt:.0%} exempt; "
                        f"OV {tax_year} rules × {growth:.4f} indexation"
                    ),
                )
            )
    years = tuple(start_year + t for t in range(len(built)))
    return ParkTax(
        tax_year=tax_year,
        plant_equipment_rate_year=tax_year,
        years=years,
        rows=tuple(rows),
        coefficient_sources=tuple(sources),
    )


def _grown(amount_eur: float, growth: float) -> float:
    return to_cents(amount_eur * growth) / 100


def _lookup_indexation(year: int, given: float | None) -> Decimal:
    if given is not None:
        return _known(_indexation("indexation_coefficient", given))
    return _known(coefficient_table().indexation(year).indexation)


def _kind(kind: object) -> None:
    if not isinstance(kind, str) or kind not in KINDS:
        raise InputError(f"kind is {kind!r}; expected one of {list(KINDS)}; use one of those")


def _year(name: str, value: object) -> int:
    low, high = YEARS
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputTypeError(
            f"{name} is {_shown(value)}; expected a tax year as a whole number, e.g. 2024; "
            f"{_fix(value)}"
        )
    if not low <= int(value) <= high:
        raise OutOfRangeError(
            f"{name} is {value}; expected a year from {low} to {high}; check the year"
        )
    return int(value)


def _number(
    name: str,
    value: object,
    *,
    expected: str,
    upper: Decimal,
    lower: Decimal = Decimal(0),
    lower_open: bool = False,
) -> Decimal:
    """``value`` as an exact decimal, or a one-line error: type, finiteness, range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
        raise InputTypeError(f"{name} is {_shown(value)}; expected {expected}; {_fix(value)}")
    if isinstance(value, Decimal):
        exact = value
    elif isinstance(value, numbers.Integral):
        exact = Decimal(int(value))
    else:
        as_float = float(value)
        exact = Decimal(str(as_float)) if math.isfinite(as_float) else Decimal(as_float)
    if exact.is_zero():
        exact = Decimal(0)  # no negative zero in the results
    bound = f"above {lower} and at most {upper:,}" if lower_open else f"from {lower} to {upper:,}"
    if not exact.is_finite():
        raise OutOfRangeError(
            f"{name} is {value}; expected {expected}, a finite number {bound}; give a real value"
        )
    if exact < lower or (lower_open and exact == lower):
        raise OutOfRangeError(
            f"{name} is {value}; expected {expected} {bound}; it cannot be "
            f"{'negative' if exact < 0 else 'zero'}"
        )
    if exact > upper:
        raise OutOfRangeError(
            f"{name} is {value}; expected {expected} of at most {upper:,}; check the value and "
            "its unit"
        )
    return exact


def _indexation(name: str, value: object) -> Decimal | None:
    if value is None:
        return None
    return _number(
        name, value, expected="an indexation coefficient", upper=MAX_INDEXATION, lower_open=True
    )


def _deindexation(name: str, value: object) -> Decimal | None:
    if value is None:
        return None
    return _number(
        name,
        value,
        expected="a plant-and-equipment de-indexation coefficient",
        upper=Decimal(1),
        lower_open=True,
    )


def _share(name: str, value: object) -> float:
    return float(_number(name, value, expected="a share", upper=Decimal(1)))


def _plant_equipment_year(year: int) -> None:
    rule = PLANT_EQUIPMENT_RULE
    if year < rule.from_year:
        raise UnknownCoefficientError(
            f"plant and equipment in tax year {year}: the reference gives the reduced rate "
            f"({rule.formula}) from {rule.from_year} only, and it is never guessed; choose a tax "
            f"year from {rule.from_year}, or count that KI as standard (plant_equipment_share_of_ki"
            " = 0)"
        )


def _entry(name: str, entry: object) -> dict[str, Any]:
    fields = ("indexation", "deindexation", "source")
    if isinstance(entry, Mapping):
        unknown = sorted(set(entry) - set(fields))
        if unknown:
            raise InputError(
                f"{name} has {unknown}; expected only {list(fields)}; remove or rename them"
            )
        return dict(entry)
    if all(hasattr(entry, f) for f in fields):
        return {f: getattr(entry, f) for f in fields}
    raise InputTypeError(
        f"{name} is {_shown(entry)}; expected a table such as "
        "{ indexation = ..., deindexation = ..., source = '...' }; write the year's coefficients "
        "and their source as a table"
    )


def _merged(
    name: str, built_in: TaxYearCoefficients | None, new: TaxYearCoefficients
) -> TaxYearCoefficients:
    if built_in is None:
        return new
    for field in ("indexation", "deindexation"):
        old, given = getattr(built_in, field), getattr(new, field)
        if old is not None and given is not None and old != given:
            raise InputError(
                f"{name}.{field} is {given}, but the built-in {field} coefficient of "
                f"{new.year} is {old} ({built_in.source}); remove it from {STUDY_FIELD}"
            )
    return TaxYearCoefficients(
        year=new.year,
        indexation=built_in.indexation if built_in.indexation is not None else new.indexation,
        deindexation=(
            built_in.deindexation if built_in.deindexation is not None else new.deindexation
        ),
        source=f"{built_in.source}; completed by: {new.source}",
    )


def _shown(value: object) -> str:
    if value is None:
        return "missing (None)"
    if isinstance(value, bool):
        return f"{value} (a yes/no value)"
    if isinstance(value, str):
        return f"{value!r} (text)"
    return f"{value!r} (of type {type(value).__name__})"


def _fix(value: object) -> str:
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return "give a number"
        return f"write {value.strip()} without quotes"
    if value is None:
        return "give the value"
    return "give a number"


def _years(years: Sequence[int]) -> str:
    """``[2018, 2019, 2020, 2023]`` as ``"2018–2020, 2023"``; ``"none"`` when empty."""
    if not years:
        return "none"
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
