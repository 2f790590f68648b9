"""The LP layer: both ways to reach HiGHS give the optimum and the duals of the ``≤`` rows."""

from __future__ import annotations

import numpy as np
import pytest

from equalisation import highs
from equalisation.errors import SolverError

# min −x0 − x1  s.t.  x0 + 2 x1 ≤ 4,  3 x0 + x1 ≤ 6,  x0 + x1 + x2 = 5,  x ≥ 0:
# x = (1.6, 1.2, 2.2); the duals solve λ1 + 3 λ2 = 1, 2 λ1 + λ2 = 1: λ = (0.4, 0.2).
COST = np.array([-1.0, -1.0, 0.0])
A_UB, B_UB = np.array([[1.0, 2.0, 0.0], [3.0, 1.0, 0.0]]), np.array([4.0, 6.0])
A_EQ, B_EQ = np.array([[1.0, 1.0, 1.0]]), np.array([5.0])


@pytest.mark.parametrize("direct", [True, False])
def test_optimum_and_duals(direct):
    if direct and not highs.DIRECT:
        pytest.fail("SciPy's HiGHS bindings are missing what equalisation.highs uses")
    solution = highs.solve(COST, A_UB, B_UB, A_EQ, B_EQ, np.zeros(3), direct=direct)
    assert solution.x == pytest.approx([1.6, 1.2, 2.2], abs=1e-9)
    assert solution.duals == pytest.approx([0.4, 0.2], abs=1e-9)


@pytest.mark.parametrize("direct", [True, False])
def test_an_infeasible_lp_is_a_solver_error(direct):
    with pytest.raises(SolverError, match="without an optimum"):
        highs.solve(COST, A_UB, B_UB, A_EQ, np.array([-1.0]), np.zeros(3), direct=direct)


def test_free_variables_take_negative_values():
    # min t  s.t.  −t ≤ 3 (t ≥ −3), t free
    solution = highs.solve(
        np.ones(1),
        -np.ones((1, 1)),
        np.array([3.0]),
        np.zeros((0, 1)),
        np.zeros(0),
        np.array([-np.inf]),
    )
    assert solution.x == pytest.approx([-3.0]) and solution.duals == pytest.approx([1.0])
