"""Small dense linear programs solved by HiGHS, with the duals of their inequality rows.

``minimise c·x  s.t.  A_ub x ≤ b_ub,  A_eq x = b_eq,  x ≥ lower`` (``lower`` ``-inf`` for a free
variable). The nucleolus solves many such LPs of a few hundred rows; :func:`scipy.optimize.linprog`
spends about 1.5 ms per call on checking its options and converting its input, four times what
HiGHS itself needs. So the LP is passed to HiGHS through the bindings SciPy ships
(``scipy.optimize._highspy``) when they have what is used here, and through ``linprog(method=
"highs")`` otherwise (:data:`DIRECT`); both run the same solver with presolve off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from equalisation.errors import SolverError

try:
    from scipy.optimize._highspy import _core
except ImportError:  # pragma: no cover - SciPy without the bundled bindings
    _core = None

#: Whether the LPs go to HiGHS's bindings directly (else through ``linprog``).
DIRECT = _core is not None and all(
    hasattr(_core, name) for name in ("_Highs", "HighsLp", "MatrixFormat", "HighsModelStatus")
)


@dataclass(frozen=True)
class LpSolution:
    """An optimal ``x`` and the duals ``λ ≥ 0`` of the ``A_ub`` rows (``c = −λ·A_ub + …``)."""

    x: np.ndarray
    duals: np.ndarray


def solve(
    cost: np.ndarray,
    a_ub: np.ndarray,
    b_ub: np.ndarray,
    a_eq: np.ndarray,
    b_eq: np.ndarray,
    lower: np.ndarray,
    *,
    direct: bool | None = None,
) -> LpSolution:
    """Solve the LP (see the module docstring); ``direct`` overrides :data:`DIRECT`."""
    if DIRECT if direct is None else direct:
        return _direct(cost, a_ub, b_ub, a_eq, b_eq, lower)
    return _through_linprog(cost, a_ub, b_ub, a_eq, b_eq, lower)


def _direct(cost, a_ub, b_ub, a_eq, b_eq, lower) -> LpSolution:
    highs = _core._Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("presolve", "off")
    highs.passModel(_model(cost, np.r_[a_ub, a_eq], b_ub, b_eq, lower))
    highs.run()
    status = highs.getModelStatus()
    if status != _core.HighsModelStatus.kOptimal:
        _fail(highs.modelStatusToString(status))
    solution = highs.getSolution()
    duals = -np.asarray(solution.row_dual[: len(b_ub)], dtype=float)
    return LpSolution(x=np.asarray(solution.col_value, dtype=float), duals=duals)


def _model(cost, rows: np.ndarray, b_ub, b_eq, lower):
    """A ``HighsLp`` with the rows ``−inf ≤ A_ub x ≤ b_ub`` and ``b_eq ≤ A_eq x ≤ b_eq``."""
    count, width = rows.shape
    nonzero = rows != 0
    model = _core.HighsLp()
    model.num_col_, model.num_row_ = width, count
    model.col_cost_ = np.asarray(cost, dtype=float)
    model.col_lower_ = np.where(np.isfinite(lower), lower, -_core.kHighsInf)
    model.col_upper_ = np.full(width, _core.kHighsInf)
    model.row_lower_ = np.r_[np.full(len(b_ub), -_core.kHighsInf), b_eq]
    model.row_upper_ = np.r_[b_ub, b_eq].astype(float)
    matrix = model.a_matrix_
    matrix.format_ = _core.MatrixFormat.kRowwise
    matrix.num_col_, matrix.num_row_ = width, count
    matrix.start_ = np.r_[0, np.cumsum(nonzero.sum(axis=1))]
    matrix.index_ = np.nonzero(nonzero)[1]
    matrix.value_ = rows[nonzero]
    model.a_matrix_ = matrix
    return model


def _through_linprog(cost, a_ub, b_ub, a_eq, b_eq, lower) -> LpSolution:
    bounds = [(value if np.isfinite(value) else None, None) for value in lower]
    result = linprog(
        cost,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds,
        method="highs",
        options={"presolve": False},
    )
    if result.status != 0:
        _fail(f"status {result.status}, {result.message}")
    return LpSolution(x=np.asarray(result.x), duals=-np.asarray(result.ineqlin.marginals))


def _fail(reason: str) -> None:
    raise SolverError(
        f"the nucleolus LP stopped without an optimum ({reason}); check the game's values for "
        "extreme magnitudes"
    )
