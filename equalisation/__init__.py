"""equalisation: the finance library of parkplan.

Site cash flows (:mod:`~equalisation.finance`), Flemish property tax (:mod:`~equalisation.tax`),
sharing keys (:mod:`~equalisation.keys`), mechanisms (:mod:`~equalisation.mechanisms`),
cooperative games (:mod:`~equalisation.games`), the ledger in exact cents
(:mod:`~equalisation.ledger`) and the cooperation-form advisor (:mod:`~equalisation.advisor`).

Main entry points (imported on first use): :func:`equalise` puts them together for one pooled
park and returns an :class:`EqualisationResult`; :func:`site_finance` prices one park under
:class:`FinanceAssumptions`; :class:`Partner` holds a partner's facts.
"""

from importlib import import_module

_WHERE = {
    "FinanceAssumptions": "equalisation.finance",
    "SiteFinance": "equalisation.finance",
    "site_finance": "equalisation.finance",
    "Partner": "equalisation.keys",
    "EqualisationResult": "equalisation.pooled_park",
    "equalise": "equalisation.pooled_park",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'equalisation' has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)
