"""Alone versus together: what each partner would get on its own, and what it gets in the pool.

For the site cost game ``c`` (:mod:`~equalisation.site_game`) and an allocation ``x`` of the
pooled park (``x_i`` what partner ``i`` pays, net, in present value):

- net result alone: ``−c({i})`` (what its own park would bring it; 0 without one);
- net result together: ``−x_i``; gain of pooling: ``c({i}) − x_i``;
- a coalition ``S`` would be better off leaving when ``x(S) > c(S)``; it would save
  ``x(S) − c(S)``. Every coalition but the empty one and ``N`` itself is checked.

A sharing key's allocation is read from its ledger: ``x_i = −PV(net_i)``, so ``Σ x`` equals
``c(N)`` up to the rounding of the property tax to the euro and the cent (and any money a
mechanism sends outside the partners); the difference is reported as the reconciliation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np

from equalisation.coalitions import Game, membership_sums

#: How many blocking coalitions are listed (all are counted).
LISTED = 20


@dataclass(frozen=True)
class Blocking:
    """A coalition that would be better off alone, and by how much (euros, present value)."""

    coalition: tuple[str, ...]
    saving_eur: float


@dataclass(frozen=True)
class AloneVersusTogether:
    """One allocation (``"shapley"``, ``"key:population"``...) checked against going alone."""

    allocation: str
    net_alone_eur: Mapping[str, float]
    net_together_eur: Mapping[str, float]
    gain_eur: Mapping[str, float]
    blocking: tuple[Blocking, ...]
    blocking_count: int
    coalitions_checked: int
    reconciliation_eur: float

    @property
    def everyone_better_off(self) -> bool:
        return self.blocking_count == 0

    def to_dict(self) -> dict:
        return asdict(self) | {
            "blocking": [asdict(b) | {"coalition": list(b.coalition)} for b in self.blocking],
            "everyone_better_off": self.everyone_better_off,
        }


def alone_versus_together(
    game: Game, allocation: str, costs: Mapping[str, float], *, tolerance_eur: float = 1.0
) -> AloneVersusTogether:
    """Check the cost allocation ``costs`` of ``game`` against every coalition going alone."""
    x = np.array([float(costs[p]) for p in game.players])
    alone = game.stand_alone
    saving = membership_sums(x) - game.table
    proper = np.arange(1, len(saving) - 1)
    blocking_masks = proper[saving[proper] > tolerance_eur]
    order = blocking_masks[np.argsort(-saving[blocking_masks], kind="stable")]
    return AloneVersusTogether(
        allocation=allocation,
        net_alone_eur=_by_player(game, -alone),
        net_together_eur=_by_player(game, -x),
        gain_eur=_by_player(game, alone - x),
        blocking=tuple(
            Blocking(tuple(game.name_of(int(m)).split("+")), round(float(saving[m]), 2))
            for m in order[:LISTED]
        ),
        blocking_count=int(order.size),
        coalitions_checked=int(proper.size),
        reconciliation_eur=round(float(x.sum() - game.grand_value), 2),
    )


def _by_player(game: Game, values: np.ndarray) -> dict[str, float]:
    return {p: round(float(v), 2) + 0.0 for p, v in zip(game.players, values, strict=True)}
