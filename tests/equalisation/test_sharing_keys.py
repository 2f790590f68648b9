"""Sharing keys: every kind, stacked keys, and the validation messages."""

from __future__ import annotations

import pytest

from equalisation.errors import KeyShareError
from equalisation.keys import Partner, build_key, build_key_pair

PARTNERS = [
    Partner(
        "Host", population=12_000, demand_ha=2, capital_eur=100, fiscal_capacity_eur=6e6, land_ha=15
    ),
    Partner(
        "North", population=6_000, demand_ha=4, capital_eur=300, fiscal_capacity_eur=2e6, land_ha=5
    ),
    Partner("South", population=2_000, demand_ha=2, capital_eur=0, fiscal_capacity_eur=2e6),
]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("equal", (1 / 3, 1 / 3, 1 / 3)),
        ("population", (0.6, 0.3, 0.1)),
        ("land", (0.75, 0.25, 0.0)),
        ("demand", (0.25, 0.5, 0.25)),
        ("capital", (0.25, 0.75, 0.0)),
        ("fiscal_capacity", (0.6, 0.2, 0.2)),
    ],
)
def test_proportional_kinds(kind, expected):
    key = build_key({"kind": kind}, PARTNERS)
    assert tuple(key.shares.values()) == pytest.approx(expected)
    assert sum(key.shares.values()) == pytest.approx(1.0)


def test_stacked_host_first_then_population_and_land():
    spec = {
        "kind": "stacked",
        "host_share": 0.10,
        "rest": [{"kind": "population", "weight": 0.5}, {"kind": "land", "weight": 0.5}],
    }
    key = build_key(spec, PARTNERS, host="Host")
    # Host: 0.1 + 0.9 × (0.5 × 0.6 + 0.5 × 0.75); North: 0.9 × (0.5 × 0.3 + 0.5 × 0.25)
    assert key.shares["Host"] == pytest.approx(0.1 + 0.9 * 0.675)
    assert key.shares["North"] == pytest.approx(0.9 * 0.275)
    assert key.shares["South"] == pytest.approx(0.9 * 0.05)
    assert "host" in key.explanations["Host"]


def test_custom_shares_and_normalise():
    key = build_key({"kind": "custom", "shares": {"Host": 0.5, "North": 0.5}}, PARTNERS)
    assert key.shares == {"Host": 0.5, "North": 0.5, "South": 0.0}
    key = build_key(
        {"kind": "custom", "shares": {"Host": 2, "South": 6}, "normalise": True}, PARTNERS
    )
    assert key.shares == {"Host": 0.25, "North": 0.0, "South": 0.75}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "custom", "shares": {"Nowhere": 1.0}}, "not partners"),
        ({"kind": "custom", "shares": {"Host": 0.6, "North": 0.5}}, "not 1"),
        ({"kind": "custom", "shares": {"Host": 1.2, "North": -0.2}}, "negative"),
        ({"kind": "lottery"}, "unknown"),
        ({"shares": {}}, "kind"),
        (
            {"kind": "stacked", "host_share": 0.1, "rest": [{"kind": "equal", "weight": 0.7}]},
            "not 1",
        ),
        ({"kind": "stacked", "host_share": 0.1}, "rest"),
    ],
)
def test_bad_specs_are_refused(spec, message):
    with pytest.raises(KeyShareError, match=message):
        build_key(spec, PARTNERS, host="Host")


def test_tolerance_on_the_sum_is_1e_9():
    build_key({"kind": "custom", "shares": {"Host": 0.5, "North": 0.5 + 5e-10}}, PARTNERS)
    with pytest.raises(KeyShareError):
        build_key({"kind": "custom", "shares": {"Host": 0.5, "North": 0.5 + 5e-9}}, PARTNERS)


def test_a_key_with_nothing_to_share_by_says_so():
    nobody = [Partner("A", 0), Partner("B", 0)]
    with pytest.raises(KeyShareError, match="population is 0"):
        build_key({"kind": "population"}, nobody)


def test_key_pairs_have_separate_sides():
    pair = build_key_pair(
        "mixed", {"costs": {"kind": "population"}, "revenues": {"kind": "land"}}, PARTNERS
    )
    assert pair.costs.shares["Host"] == pytest.approx(0.6)
    assert pair.revenues.shares["Host"] == pytest.approx(0.75)
    one = build_key_pair("one", {"kind": "equal"}, PARTNERS)
    assert one.costs.shares == one.revenues.shares
    with pytest.raises(KeyShareError, match=r"'mixed'.*revenues"):
        build_key_pair("mixed", {"costs": {"kind": "equal"}}, PARTNERS)


def test_partner_facts_are_checked():
    with pytest.raises(KeyShareError, match="population"):
        Partner("A", population=-5)
    with pytest.raises(KeyShareError, match="twice"):
        build_key({"kind": "equal"}, [Partner("A", 1), Partner("A", 2)])
