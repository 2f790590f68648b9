"""Shared pieces of the fuzz tests: example budgets, hostile values, the "clean failure" check."""

from __future__ import annotations

import math
import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from equalisation.errors import EqualisationError
from geo.errors import GeoError
from parkplan.errors import ParkplanError

#: Examples per property (raise ``PARKPLAN_FUZZ_EXAMPLES`` to fuzz longer for the record).
EXAMPLES = int(os.environ.get("PARKPLAN_FUZZ_EXAMPLES", "150"))
PROJECT_ERRORS = (ParkplanError, GeoError, EqualisationError)

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Numbers that break naive code: huge integers, the float extremes, NaN and infinities.
HOSTILE_NUMBERS = st.sampled_from(
    [
        10**400,
        -(10**400),
        2**63,
        -(2**63) - 1,
        1e308,
        -1e308,
        5e-324,
        math.nan,
        math.inf,
        -math.inf,
        0,
        -1,
        -0.0,
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    HOSTILE_NUMBERS,
    st.text(max_size=30),
    st.sampled_from(["", "x" * 10_000, "<script>alert(1)</script>", "../../etc/passwd", "\x00"]),
)


def json_like(keys: st.SearchStrategy[str], *, leaves: int = 25) -> st.SearchStrategy:
    """Nested lists and dicts (with ``keys``) over :data:`SCALARS`."""
    return st.recursive(
        SCALARS,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5)
        ),
        max_leaves=leaves,
    )


def assert_clean(exc: BaseException) -> None:
    """A failure must be one of the project's errors, with a message (the CLI and the API put
    it on one line; a line break can only come from the input's own text)."""
    assert isinstance(exc, PROJECT_ERRORS), f"{type(exc).__name__}: {exc}"
    assert str(exc).strip() and "Traceback" not in str(exc), repr(str(exc))


def nested_list(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value
