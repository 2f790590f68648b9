"""Sharing keys: who carries which share of a cost or a revenue.

A key is built from a plain dict (as a ``study.toml`` section gives it) and the partners' facts:

- ``{"kind": "equal"}`` — ``1/n`` each;
- ``{"kind": K}`` for K in population, land, demand, capital, fiscal_capacity — in proportion to
  the partner's ``population``, ``land_ha`` (its part of the site), ``demand_ha``,
  ``capital_eur`` or ``fiscal_capacity_eur``;
- ``{"kind": "custom", "shares": {"A": 0.4, ...}, "normalise": false}`` — given shares (partners
  left out get 0); they must sum to 1 unless ``normalise`` is true;
- ``{"kind": "stacked", "host_share": 0.1, "rest": [{"kind": "population", "weight": 0.5}, ...]}``
  — the host first takes ``host_share``, the rest ``1 − host_share`` is split by the weighted
  sub-keys: ``share_i = h·[i = host] + (1 − h) Σ_k w_k share_k,i`` (weights sum to 1).

A named key for the ledger has separate ``"costs"`` and ``"revenues"`` specs, or one spec for both.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from equalisation.errors import KeyShareError

#: Tolerance on "shares sum to 1".
SUM_TOLERANCE = 1e-9

ProportionalKind = Literal["population", "land", "demand", "capital", "fiscal_capacity"]
#: The kinds without parameters: equal shares, or in proportion to a partner's fact.
FactKind = Literal["equal", ProportionalKind]
KeyKind = Literal[FactKind, "custom", "stacked"]
KINDS: tuple[KeyKind, ...] = get_args(KeyKind)

#: Proportional kinds and the partner attribute each uses.
PROPORTIONAL: Mapping[str, str] = {
    "population": "population",
    "land": "land_ha",
    "demand": "demand_ha",
    "capital": "capital_eur",
    "fiscal_capacity": "fiscal_capacity_eur",
}
assert tuple(PROPORTIONAL) == get_args(ProportionalKind), "one attribute per proportional kind"


@dataclass(frozen=True)
class Partner:
    """A partner municipality and the facts the keys use.

    ``land_ha`` is the area of the chosen site on the partner's territory.
    """

    name: str
    population: float
    demand_ha: float = 0.0
    capital_eur: float = 0.0
    fiscal_capacity_eur: float = 0.0
    municipal_opcentiemen: float = 0.0
    land_ha: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise KeyShareError(f"partner name {self.name!r} is empty; give each partner a name")
        for attribute in (*PROPORTIONAL.values(), "municipal_opcentiemen"):
            value = getattr(self, attribute)
            if not _is_number(value) or value < 0:
                raise KeyShareError(
                    f"partner {self.name!r} has {attribute} = {value!r}; expected a number ≥ 0"
                )


@dataclass(frozen=True)
class Key:
    """Resolved shares by partner (summing to 1) and how each was obtained."""

    kind: str
    shares: Mapping[str, float]
    explanations: Mapping[str, str]
    spec: Mapping

    def share(self, partner: str) -> float:
        return self.shares.get(partner, 0.0)

    def describe(self) -> str:
        """The key in words, e.g. ``stacked: host 10 %, rest 0.5 × population + 0.5 × land``."""
        return _describe(self.spec)


@dataclass(frozen=True)
class KeyPair:
    """A named key with its cost and revenue sides."""

    name: str
    costs: Key
    revenues: Key


def build_key(spec: Mapping, partners: Sequence[Partner], *, host: str | None = None) -> Key:
    """Resolve a key spec against the partners; see the module docstring for the kinds.

    Examples
    --------
    >>> partners = [Partner("A", 3000, land_ha=10), Partner("B", 1000)]
    >>> build_key({"kind": "population"}, partners).shares
    {'A': 0.75, 'B': 0.25}
    >>> spec = {"kind": "stacked", "host_share": 0.1,
    ...         "rest": [{"kind": "equal", "weight": 1.0}]}
    >>> build_key(spec, partners, host="B").shares
    {'A': 0.45, 'B': 0.55}
    """
    names = _names(partners)
    if not isinstance(spec, Mapping) or "kind" not in spec:
        raise KeyShareError(
            f"key spec {spec!r} has no 'kind'; give a table with kind = one of {list(KINDS)}"
        )
    kind = spec["kind"]
    if kind == "equal":
        shares = dict.fromkeys(names, 1 / len(names))
        explain = {n: f"equal: 1/{len(names)}" for n in names}
    elif kind in PROPORTIONAL:
        shares, explain = _proportional(kind, partners)
    elif kind == "custom":
        shares, explain = _custom(spec, names)
    elif kind == "stacked":
        shares, explain = _stacked(spec, partners, host)
    else:
        raise KeyShareError(f"key kind {kind!r} is unknown; use one of {list(KINDS)}")
    return Key(kind=kind, shares=shares, explanations=explain, spec=dict(spec))


def build_key_pair(
    name: str, spec: Mapping, partners: Sequence[Partner], *, host: str | None = None
) -> KeyPair:
    """A named key: ``{"costs": ..., "revenues": ...}``, or one spec used for both sides."""
    if not isinstance(spec, Mapping):
        raise KeyShareError(f"key {name!r} is {spec!r}; expected a table")
    if "costs" in spec or "revenues" in spec:
        missing = [side for side in ("costs", "revenues") if side not in spec]
        if missing:
            raise KeyShareError(
                f"key {name!r} has no {missing[0]!r} side; give both 'costs' and 'revenues' "
                "or a single spec with 'kind'"
            )
        costs, revenues = spec["costs"], spec["revenues"]
    else:
        costs = revenues = spec
    try:
        return KeyPair(
            name=name,
            costs=build_key(costs, partners, host=host),
            revenues=build_key(revenues, partners, host=host),
        )
    except KeyShareError as exc:
        raise KeyShareError(f"key {name!r}: {exc}") from None


def _names(partners: Sequence[Partner]) -> list[str]:
    names = [p.name for p in partners]
    if not names:
        raise KeyShareError("no partners given; a key needs at least one partner")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise KeyShareError(f"partners {duplicates} appear twice; give each partner once")
    return names


def _proportional(kind: str, partners: Sequence[Partner]):
    attribute = PROPORTIONAL[kind]
    values = {p.name: float(getattr(p, attribute)) for p in partners}
    total = sum(values.values())
    if total <= 0:
        raise KeyShareError(
            f"key {kind!r} has nothing to share by: every partner's {attribute} is 0; "
            f"give the partners' {attribute} or choose another key"
        )
    shares = {name: value / total for name, value in values.items()}
    explain = {
        name: f"{kind}: {value:,.6g} of {total:,.6g} = {shares[name]:.4%}"
        for name, value in values.items()
    }
    return shares, explain


def _custom(spec: Mapping, names: list[str]):
    given = spec.get("shares")
    if not isinstance(given, Mapping) or not given:
        raise KeyShareError(
            f"custom key has shares {given!r}; give a table of partner = share, e.g. {{A = 0.6}}"
        )
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise KeyShareError(
            f"custom key names {unknown}, which are not partners; use partner names {names}"
        )
    values = {n: _number(f"share of {n!r}", given.get(n, 0.0)) for n in names}
    total = sum(values.values())
    if spec.get("normalise", False):
        if total <= 0:
            raise KeyShareError("custom key shares sum to 0; give at least one positive share")
        shares = {n: v / total for n, v in values.items()}
    else:
        if abs(total - 1) > SUM_TOLERANCE:
            raise KeyShareError(
                f"custom key shares sum to {total:.12g}, not 1; fix them or set normalise = true"
            )
        shares = values
    explain = {n: f"custom: {shares[n]:.4%}" for n in names}
    return shares, explain


def _stacked(spec: Mapping, partners: Sequence[Partner], host: str | None):
    names = [p.name for p in partners]
    host = spec.get("host", host)
    host_share = _number("host_share", spec.get("host_share", 0.0))
    if host_share > 1:
        raise KeyShareError(f"host_share is {host_share}; expected a share between 0 and 1")
    if host_share > 0 and host not in names:
        raise KeyShareError(
            f"stacked key gives {host_share:.0%} to host {host!r}, which is not a partner; "
            f"name the host among {names}"
        )
    rest = spec.get("rest")
    if not isinstance(rest, Sequence) or isinstance(rest, str | bytes) or not rest:
        raise KeyShareError(
            "stacked key has no 'rest'; give a list of sub-keys with weights, e.g. "
            "[{kind = 'population', weight = 0.5}, {kind = 'land', weight = 0.5}]"
        )
    weights = [_number("weight", sub.get("weight", 1.0)) for sub in rest]
    if abs(sum(weights) - 1) > SUM_TOLERANCE:
        if not spec.get("normalise", False) or sum(weights) <= 0:
            raise KeyShareError(
                f"stacked key weights sum to {sum(weights):.12g}, not 1; fix them or set "
                "normalise = true"
            )
        weights = [w / sum(weights) for w in weights]
    subs = [build_key(sub, partners, host=host) for sub in rest]
    shares, explain = {}, {}
    for name in names:
        mixed = sum(w * sub.share(name) for w, sub in zip(weights, subs, strict=True))
        own = host_share if name == host else 0.0
        shares[name] = own + (1 - host_share) * mixed
        parts = " + ".join(
            f"{w:g} × {sub.kind} {sub.share(name):.4%}"
            for w, sub in zip(weights, subs, strict=True)
        )
        explain[name] = f"stacked: {own:.2%} host + {1 - host_share:.2%} × ({parts})"
    return shares, explain


def _number(name: str, value) -> float:
    if not _is_number(value):
        raise KeyShareError(f"{name} is {value!r}; expected a number")
    if value < 0:
        raise KeyShareError(f"{name} is {value}; shares and weights cannot be negative")
    return float(value)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _describe(spec: Mapping) -> str:
    kind = spec.get("kind")
    if kind == "stacked":
        rest = " + ".join(f"{sub.get('weight', 1.0):g} × {_describe(sub)}" for sub in spec["rest"])
        return f"host {spec.get('host_share', 0.0):.0%} first, rest {rest}"
    if kind == "custom":
        return "custom " + ", ".join(f"{n} {s:.1%}" for n, s in spec["shares"].items())
    return str(kind)
