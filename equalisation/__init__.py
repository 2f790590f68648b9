"""equalisation: the finance library of parkplan.

Site cash flows (:mod:`~equalisation.finance`), Flemish property tax (:mod:`~equalisation.tax`),
sharing keys (:mod:`~equalisation.keys`), mechanisms (:mod:`~equalisation.mechanisms`),
cooperative games (:mod:`~equalisation.games`), the ledger in exact cents
(:mod:`~equalisation.ledger`) and the cooperation-form advisor (:mod:`~equalisation.advisor`).
:func:`equalise` puts them together for one pooled park.
"""

from equalisation.finance import FinanceAssumptions, SiteFinance, site_finance
from equalisation.keys import Partner
from equalisation.model import EqualisationResult, equalise

__all__ = [
    "EqualisationResult",
    "FinanceAssumptions",
    "Partner",
    "SiteFinance",
    "equalise",
    "site_finance",
]
