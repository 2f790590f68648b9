"""Cash flows of a business park over the years: investments, sales, upkeep, subsidies, financing.

Timeline (``t = 0`` is the start year; every amount is priced in start-year euros and indexed by
``(1 + indexation)^t``):

- ``t = 0``: studies (less their subsidy, capped) and land acquisition;
- ``t = 1``: site preparation, infrastructure and access works (less the public-works subsidy);
- ``t ≥ 2``: plot sales at the take-up rate until the net area is sold; maintenance of the
  public domain; at ``t = 1 + k × lifespan`` a renewal of the works;
- take-up: with ``take_up_model = "proportional"`` (the default) every park sells its net area
  in ``sell_out_years``, so a park's take-up scales with its own demand (a municipality's 1.5 ha
  park and the partners' 30 ha park fill up over the same years); with ``"fixed"`` every park
  sells ``take_up_ha_net_per_year``, whatever its size;
- every year: financing cost = rate × the negative cash balance at the end of the year before.

As **developer** the municipality carries all of it. As **director** (regisseur) a third party
buys, develops and sells; the municipality pays the studies and keeps the public domain
(maintenance and renewal) and gets no sales income.

The same vectorised routine prices one park (with explanations, :func:`site_finance`) and many
park sizes at once (:func:`net_cost_eur`, used to price coalitions in fair division).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields
from typing import Literal, get_args

import numpy as np

from equalisation.errors import InputError

log = logging.getLogger(__name__)

M2_PER_HA = 10_000.0
Role = Literal["developer", "director"]
TakeUpModel = Literal["proportional", "fixed"]
ROLES: tuple[Role, ...] = get_args(Role)
TAKE_UP_MODELS: tuple[TakeUpModel, ...] = get_args(TakeUpModel)
#: The assumptions that are choices, not numbers, with their allowed values.
CHOICES = {"role": ROLES, "take_up_model": TAKE_UP_MODELS}
#: Parks priced per block by :func:`net_cost_eur`.
CHUNK = 4096


def _assumption(default, *, unit: str, plausible: str, sourced: bool, doc: str):
    return field(
        default=default,
        metadata={"unit": unit, "range": plausible, "sourced_range": sourced, "doc": doc},
    )


@dataclass(frozen=True)
class FinanceAssumptions:
    """Economic assumptions of a business park. **Every default is illustrative.**

    The defaults are plausible orders of magnitude for a regional park in West Flanders, not
    sourced figures: replace them with local ones. ``metadata["range"]`` of each field gives the
    plausible range (``sourced_range`` says whether that range comes from public sources).
    """

    net_share: float = _assumption(
        0.70,
        unit="share",
        plausible="0.65–0.75",
        sourced=True,
        doc="sellable (net) share of the gross area; roads, green buffers and water take the rest",
    )
    land_price_eur_per_m2: float = _assumption(
        7.5,
        unit="EUR/m² gross",
        plausible="5–10",
        sourced=True,
        doc="acquisition of agricultural land",
    )
    preparation_eur_per_m2_gross: float = _assumption(
        3.0,
        unit="EUR/m² gross",
        plausible="1–5",
        sourced=False,
        doc="site preparation: surveys, clearing, levelling",
    )
    infrastructure_eur_per_m2_net: float = _assumption(
        45.0,
        unit="EUR/m² net",
        plausible="35–60",
        sourced=True,
        doc="roads, sewers, utilities, water buffering",
    )
    access_works_eur: float = _assumption(
        500_000.0,
        unit="EUR",
        plausible="0–2,000,000",
        sourced=False,
        doc="fixed works connecting the park to the road network, whatever its size",
    )
    studies_eur: float = _assumption(
        150_000.0,
        unit="EUR",
        plausible="100,000–300,000",
        sourced=False,
        doc="preparatory studies (planning, environmental impact, design)",
    )
    financing_rate_per_year: float = _assumption(
        0.035,
        unit="per year",
        plausible="0.02–0.05",
        sourced=False,
        doc="interest on the negative cash balance",
    )
    subsidy_share_of_public_works: float = _assumption(
        0.5,
        unit="share",
        plausible="0.5–0.7",
        sourced=True,
        doc="Flemish business-park subsidy on infrastructure and access works",
    )
    subsidy_share_of_studies: float = _assumption(
        0.5,
        unit="share",
        plausible="0.5",
        sourced=True,
        doc="subsidy on preparatory studies",
    )
    subsidy_cap_studies_eur: float = _assumption(
        50_000.0,
        unit="EUR",
        plausible="capped",
        sourced=False,
        doc="cap of the studies subsidy",
    )
    sale_price_eur_per_m2_net: float = _assumption(
        70.0,
        unit="EUR/m² net",
        plausible="50–90",
        sourced=True,
        doc="sale price of serviced plots",
    )
    take_up_model: TakeUpModel = _assumption(  # noqa: RUF009 (the alias is an immutable Literal)
        "proportional",
        unit="choice",
        plausible="proportional | fixed",
        sourced=False,
        doc=(
            "proportional: every park sells its net area in sell_out_years (take-up scales with "
            "its own demand); fixed: take_up_ha_net_per_year whatever the park's size"
        ),
    )
    sell_out_years: float = _assumption(
        10.0,
        unit="years",
        plausible="5–15",
        sourced=False,
        doc="years a park takes to sell all its plots (proportional take-up)",
    )
    take_up_ha_net_per_year: float = _assumption(
        2.0,
        unit="ha net/year",
        plausible="1–3",
        sourced=True,
        doc="plots sold per year",
    )
    built_share: float = _assumption(
        0.5,
        unit="share",
        plausible="0.4–0.6",
        sourced=True,
        doc="built share of a plot",
    )
    ki_eur_per_m2_built: float = _assumption(
        7.5,
        unit="EUR KI/m² built/year",
        plausible="5–10",
        sourced=True,
        doc="cadastral income of industrial buildings",
    )
    maintenance_eur_per_ha_gross_per_year: float = _assumption(
        3_500.0,
        unit="EUR/ha gross/year",
        plausible="2,000–5,000",
        sourced=True,
        doc="upkeep of the public domain",
    )
    asset_lifespan_years: int = _assumption(
        40,
        unit="years",
        plausible="30–50",
        sourced=True,
        doc="years before roads and sewers renew",
    )
    renewal_share: float = _assumption(
        0.6,
        unit="share",
        plausible="0.5–1",
        sourced=False,
        doc="share of the original works cost spent at each renewal",
    )
    indexation_per_year: float = _assumption(
        0.02,
        unit="per year",
        plausible="0.015–0.025",
        sourced=False,
        doc="general price indexation of every amount",
    )
    discount_rate_per_year: float = _assumption(
        0.03,
        unit="per year",
        plausible="0.02–0.04",
        sourced=False,
        doc="rate of present values",
    )
    role: Role = _assumption(  # noqa: RUF009 (the alias is an immutable Literal)
        "developer",
        unit="choice",
        plausible="developer | director",
        sourced=False,
        doc="developer: the partners buy, develop and sell; director: a third party does",
    )
    plant_equipment_share_of_ki: float = _assumption(
        0.3,
        unit="share",
        plausible="0–0.6",
        sourced=False,
        doc="share of the built KI that is plant and equipment (reduced OV rate)",
    )
    plant_equipment_exempt_share: float = _assumption(
        0.5,
        unit="share",
        plausible="0–1",
        sourced=False,
        doc="share of the plant-and-equipment KI exempt from OV (new equipment)",
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in CHOICES:
                if value not in CHOICES[f.name]:
                    raise InputError(f"{f.name} is {value!r}; use one of {list(CHOICES[f.name])}")
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError(f"{f.name} is {value!r}; expected a number ({f.metadata['unit']})")
            if not np.isfinite(value) or value < 0:
                raise InputError(
                    f"{f.name} is {value}; expected a finite number of 0 or more "
                    f"(illustrative range {f.metadata['range']})"
                )
            if f.metadata["unit"] == "share" and value > 1:
                raise InputError(f"{f.name} is {value}; expected a share between 0 and 1")
        if self.net_share == 0 or self.take_up_ha_net_per_year == 0 or self.sell_out_years == 0:
            raise InputError(
                "net_share, take_up_ha_net_per_year and sell_out_years must be above 0"
            )
        if (
            int(self.asset_lifespan_years) != self.asset_lifespan_years
            or self.asset_lifespan_years < 1
        ):
            raise InputError(
                f"asset_lifespan_years is {self.asset_lifespan_years}; expected a whole number ≥ 1"
            )

    def describe(self) -> dict[str, dict]:
        """Each assumption with its unit, range and whether it is still the illustrative default."""
        return {
            f.name: {
                "value": getattr(self, f.name),
                "unit": f.metadata["unit"],
                "range": f.metadata["range"],
                "range_sourced": f.metadata["sourced_range"],
                "illustrative": getattr(self, f.name) == f.default,
                "meaning": f.metadata["doc"],
            }
            for f in fields(self)
        }


#: Cash-flow lines: name -> (sign, formula). Costs are negative, income positive.
LINES: dict[str, tuple[int, str]] = {
    "studies": (-1, "studies_eur at t=0"),
    "studies_subsidy": (+1, "min(subsidy_share_of_studies × studies, subsidy_cap_studies_eur)"),
    "land": (-1, "gross m² × land_price_eur_per_m2 at t=0 (developer)"),
    "preparation": (-1, "gross m² × preparation_eur_per_m2_gross at t=1 (developer)"),
    "works": (-1, "net m² × infrastructure_eur_per_m2_net + access_works_eur at t=1 (developer)"),
    "works_subsidy": (+1, "subsidy_share_of_public_works × works (developer)"),
    "sales": (+1, "min(take-up, unsold) m² net × sale_price_eur_per_m2_net from t=2 (developer)"),
    "maintenance": (-1, "gross ha × maintenance_eur_per_ha_gross_per_year from t=2"),
    "renewal": (-1, "renewal_share × works at t = 1 + k × asset_lifespan_years"),
    "financing": (-1, "financing_rate_per_year × negative cash balance of the year before"),
}


@dataclass(frozen=True)
class CashFlowLine:
    """One line of the cash flows: signed euros per year (income > 0, cost < 0)."""

    name: str
    values_eur: tuple[float, ...]
    formula: str

    @property
    def total_eur(self) -> float:
        return float(sum(self.values_eur))


@dataclass(frozen=True)
class SiteFinance:
    """Cash flows of one park over the horizon, with their present value and payback year."""

    gross_area_ha: float
    net_area_ha: float
    start_year: int
    horizon_years: int
    assumptions: FinanceAssumptions
    lines: tuple[CashFlowLine, ...]
    net_eur: tuple[float, ...]
    built_ki_eur: tuple[float, ...]
    sold_net_ha: tuple[float, ...]
    npv_eur: float
    payback_year: int | None

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.start_year, self.start_year + self.horizon_years))

    def line(self, name: str) -> CashFlowLine:
        for line in self.lines:
            if line.name == name:
                return line
        raise KeyError(name)

    def costs_eur(self) -> tuple[float, ...]:
        """Sum of the cost lines per year, as positive amounts."""
        return self._sum(lambda v: v < 0, -1)

    def income_eur(self) -> tuple[float, ...]:
        """Sum of the income lines (sales, subsidies) per year."""
        return self._sum(lambda v: v > 0, +1)

    def _sum(self, keep, sign: int) -> tuple[float, ...]:
        return tuple(
            sign * sum(line.values_eur[t] for line in self.lines if keep(line.values_eur[t]))
            for t in range(self.horizon_years)
        )

    def to_dict(self) -> dict:
        """JSON-ready summary: areas, NPV, payback, every line with its formula."""
        return {
            "gross_area_ha": self.gross_area_ha,
            "net_area_ha": self.net_area_ha,
            "role": self.assumptions.role,
            "years": list(self.years),
            "npv_eur": round(self.npv_eur, 2),
            "npv_formula": "Σ_t net_t / (1 + discount_rate_per_year)^t, t = year − start_year",
            "payback_year": self.payback_year,
            "payback_rule": "first year from which the cumulative net cash flow stays ≥ 0",
            "lines": {
                line.name: {
                    "formula": line.formula,
                    "total_eur": round(line.total_eur, 2),
                    "values_eur": [round(v, 2) for v in line.values_eur],
                }
                for line in self.lines
            },
            "net_eur": [round(v, 2) for v in self.net_eur],
            "built_ki_eur": [round(v, 2) for v in self.built_ki_eur],
            "sold_net_ha": [round(v, 4) for v in self.sold_net_ha],
        }


def site_finance(
    *,
    gross_area_ha: float,
    assumptions: FinanceAssumptions,
    horizon_years: int,
    start_year: int,
) -> SiteFinance:
    """Cash flows, NPV and payback of a park of ``gross_area_ha`` (see the module docstring).

    Examples
    --------
    >>> finance = site_finance(gross_area_ha=20, assumptions=FinanceAssumptions(),
    ...                        horizon_years=30, start_year=2026)
    >>> finance.net_area_ha, finance.line("land").values_eur[0]
    (14.0, -1500000.0)
    """
    _check_area(gross_area_ha)
    _check_horizon(horizon_years)
    flows = _cash_flows(np.array([float(gross_area_ha)]), assumptions, horizon_years)
    lines = tuple(
        CashFlowLine(name, tuple(float(v) for v in flows[name][0]), formula)
        for name, (_, formula) in LINES.items()
    )
    net = flows["net"][0]
    return SiteFinance(
        gross_area_ha=float(gross_area_ha),
        net_area_ha=float(gross_area_ha) * assumptions.net_share,
        start_year=int(start_year),
        horizon_years=int(horizon_years),
        assumptions=assumptions,
        lines=lines,
        net_eur=tuple(float(v) for v in net),
        built_ki_eur=tuple(float(v) for v in flows["built_ki"][0]),
        sold_net_ha=tuple(float(v) / M2_PER_HA for v in flows["sold_m2"][0]),
        npv_eur=float(_npv(flows["net"], assumptions.discount_rate_per_year)[0]),
        payback_year=_payback_year(net, start_year),
    )


def net_cost_eur(
    gross_area_ha: np.ndarray, assumptions: FinanceAssumptions, *, horizon_years: int
) -> np.ndarray:
    """Net cost (− NPV) of parks of the given gross areas, vectorised; 0 for an area of 0."""
    areas = np.asarray(gross_area_ha, dtype=float).ravel()
    cost = np.empty(areas.size)
    for start in range(0, areas.size, CHUNK):  # chunks keep the yearly arrays in cache
        part = slice(start, start + CHUNK)
        flows = _cash_flows(areas[part], assumptions, horizon_years)
        cost[part] = -_npv(flows["net"], assumptions.discount_rate_per_year)
    cost[areas == 0] = 0.0
    return cost.reshape(np.shape(gross_area_ha))


def ki_present_value_eur(
    gross_area_ha: np.ndarray, assumptions: FinanceAssumptions, *, horizon_years: int
) -> np.ndarray:
    """Present value of the built KI of parks of the given gross areas, vectorised:
    ``Σ_t KI_t (1 + i)^t / (1 + r)^t`` (KI grows with the general indexation ``i``, like the
    property tax levied on it; ``r`` the discount rate). Times the base levy per euro of KI and
    a surcharge, it is the present value of that surcharge's tax."""
    areas = np.asarray(gross_area_ha, dtype=float).ravel()
    a = assumptions
    growth = ((1 + a.indexation_per_year) / (1 + a.discount_rate_per_year)) ** np.arange(
        horizon_years
    )
    value = np.empty(areas.size)
    for start in range(0, areas.size, CHUNK):
        part = slice(start, start + CHUNK)
        value[part] = _cash_flows(areas[part], a, horizon_years)["built_ki"] @ growth
    return value.reshape(np.shape(gross_area_ha))


def _cash_flows(gross_ha: np.ndarray, a: FinanceAssumptions, horizon: int) -> dict[str, np.ndarray]:
    """Signed cash flows (m parks × horizon years) of every line, the net and the built KI."""
    m, years = gross_ha.size, np.arange(horizon)
    index = (1 + a.indexation_per_year) ** years
    gross_m2 = gross_ha[:, None] * M2_PER_HA
    net_m2 = gross_m2 * a.net_share
    at = {t: (years == t).astype(float) for t in (0, 1)}
    developer = 1.0 if a.role == "developer" else 0.0
    works_eur = net_m2 * a.infrastructure_eur_per_m2_net + a.access_works_eur
    take_up_m2 = take_up_m2_per_year(net_m2, a)
    sold_by_end = np.clip((years - 1) * take_up_m2, 0, None) * np.ones((m, 1))
    sold_by_end = np.minimum(sold_by_end, net_m2)
    sold = np.diff(sold_by_end, axis=1, prepend=0.0)
    renewal_years = (years >= 1 + a.asset_lifespan_years) & (
        (years - 1) % int(a.asset_lifespan_years) == 0
    )
    flows = {
        "studies": -a.studies_eur * at[0] * np.ones((m, 1)),
        "studies_subsidy": min(
            a.subsidy_share_of_studies * a.studies_eur, a.subsidy_cap_studies_eur
        )
        * at[0]
        * np.ones((m, 1)),
        "land": -developer * gross_m2 * a.land_price_eur_per_m2 * at[0],
        "preparation": -developer * gross_m2 * a.preparation_eur_per_m2_gross * at[1],
        "works": -developer * works_eur * at[1],
        "works_subsidy": developer * a.subsidy_share_of_public_works * works_eur * at[1],
        "sales": developer * sold * a.sale_price_eur_per_m2_net,
        "maintenance": -1.0
        * (years >= 2)
        * gross_ha[:, None]
        * a.maintenance_eur_per_ha_gross_per_year,
        "renewal": -1.0 * renewal_years * a.renewal_share * works_eur,
    }
    flows = {name: values * index for name, values in flows.items()}
    before_financing = sum(flows.values())
    financing = np.zeros((m, horizon))
    balance = np.zeros(m)
    for t in range(horizon):
        financing[:, t] = -a.financing_rate_per_year * np.maximum(0.0, -balance)
        balance = balance + before_financing[:, t] + financing[:, t]
    flows["financing"] = financing
    flows["net"] = before_financing + financing
    built_m2 = np.concatenate([np.zeros((m, 1)), sold_by_end[:, :-1]], axis=1) * a.built_share
    flows["built_ki"] = built_m2 * a.ki_eur_per_m2_built
    flows["sold_m2"] = sold
    for name in flows:  # renders -0.0 as 0.0
        flows[name] = flows[name] + 0.0
    return flows


def take_up_m2_per_year(net_m2: np.ndarray, a: FinanceAssumptions) -> np.ndarray:
    """Plots sold per year: ``net area / sell_out_years`` (proportional) or the fixed rate."""
    if a.take_up_model == "proportional":
        return net_m2 / a.sell_out_years
    return np.full_like(net_m2, a.take_up_ha_net_per_year * M2_PER_HA)


def _npv(net: np.ndarray, rate: float) -> np.ndarray:
    discount = (1 + rate) ** -np.arange(net.shape[1])
    return net @ discount


def _payback_year(net: np.ndarray, start_year: int) -> int | None:
    cumulative = np.cumsum(net)
    negative = np.flatnonzero(cumulative < 0)
    if negative.size == 0:
        return start_year
    last_negative = int(negative[-1])
    if last_negative == len(net) - 1:
        return None
    return start_year + last_negative + 1


def _check_area(gross_area_ha: float) -> None:
    if not np.isfinite(gross_area_ha) or gross_area_ha <= 0:
        raise InputError(f"gross_area_ha is {gross_area_ha}; expected a positive area in hectares")


def _check_horizon(horizon_years: int) -> None:
    if int(horizon_years) != horizon_years or not 1 <= horizon_years <= 200:
        raise InputError(f"horizon_years is {horizon_years}; expected a whole number from 1 to 200")
