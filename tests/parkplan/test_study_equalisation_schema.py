"""The equalisation sections of study.toml ([keys], [mechanisms], [finance.assumptions]): one
schema, checked at load, every problem placed at its line; the libraries get what they did."""

from __future__ import annotations

import dataclasses
import tomllib

import pytest

from equalisation import keys, mechanisms
from equalisation.finance import FinanceAssumptions
from parkplan.study import (
    FinanceAssumptionsConfig,
    InvalidStudyError,
    MechanismsConfig,
    parse_study,
    study_toml,
)
from parkplan.study_problems import models_in

HEAD = 'name = "Schema"\n\n[[partners]]\nname = "A"\npopulation = 100\n'
#: Sections as the studies of the project write them.
VALID = """
[finance.assumptions]
discount_rate_per_year = 0.04
take_up_model = "fixed"

[keys.population]
kind = "population"
label = "Naar inwoners"

[keys.host_first.costs]
kind = "stacked"
host_share = 0.1
rest = [{ kind = "population", weight = 0.5 }, { kind = "land", weight = 0.5 }]

[keys.host_first.revenues]
kind = "custom"
shares = { A = 0.25, B = 0.75 }

[mechanisms.sub_regional_fund]
ov_share = 0.5

[mechanisms.host_compensation]
eur_per_ha_per_year = 500
"""
#: What ``Study.key_specs`` gave for ``VALID`` when the keys were plain tables.
SPECS = {
    "population": {"kind": "population"},
    "host_first": {
        "costs": {
            "kind": "stacked",
            "host_share": 0.1,
            "rest": [{"kind": "population", "weight": 0.5}, {"kind": "land", "weight": 0.5}],
        },
        "revenues": {"kind": "custom", "shares": {"A": 0.25, "B": 0.75}},
    },
}


def problems_of(text: str) -> list:
    with pytest.raises(InvalidStudyError) as caught:
        parse_study(tomllib.loads(text), text=text)
    return list(caught.value.problems)


def line_of(text: str, fragment: str) -> int:
    return next(n for n, row in enumerate(text.split("\n"), 1) if fragment in row)


def test_a_valid_study_gives_the_libraries_what_they_got_before():
    text = HEAD + VALID
    study = parse_study(tomllib.loads(text), text=text)
    assert study.key_specs() == SPECS
    assert study.keys["population"].label == "Naar inwoners"
    assert study.mechanisms.spec() == {
        "sub_regional_fund": {"ov_share": 0.5},
        "host_compensation": {"eur_per_ha_per_year": 500.0},
    }
    assumed = study.finance.assumptions.library()
    assert assumed == FinanceAssumptions(discount_rate_per_year=0.04, take_up_model="fixed")
    assert parse_study(tomllib.loads(study_toml(study))) == study


def test_a_study_without_the_sections_keeps_the_libraries_defaults():
    study = parse_study({"name": "x"})
    assert study.key_specs() == {}
    assert study.mechanisms.spec() is None
    assert study.mechanisms.or_default().spec() == mechanisms.DEFAULT_SPEC
    assert study.finance.assumptions.library() == FinanceAssumptions()
    saved = parse_study(tomllib.loads(study_toml(study)))
    assert not saved.finance.assumptions.model_fields_set  # the defaults stay illustrative


@pytest.mark.parametrize(
    ("section", "fragment", "place", "words"),
    [
        (
            '[keys.share]\nkind = "inhabitants"\n',
            "inhabitants",
            "[keys.share] → kind",
            "kind 'inhabitants' is unknown; expected one of " + ", ".join(keys.KINDS),
        ),
        (
            "[finance.assumptions]\ndiscount_rate_per_yr = 0.04\n",
            "discount_rate_per_yr",
            "[finance.assumptions] → discount_rate_per_yr",
            "did you mean 'discount_rate_per_year'? (fix: write 'discount_rate_per_year'",
        ),
        (
            '[mechanisms.sub_regional_fund]\nov_share = "half"\n',
            "ov_share",
            "[mechanisms.sub_regional_fund] → ov_share",
            "Input should be a valid number",
        ),
        (
            "[mechanisms.host_bonus]\neur = 1\n",
            "host_bonus",
            "[mechanisms] → host_bonus",
            "unknown key host_bonus; expected one of " + ", ".join(mechanisms.REGISTRY),
        ),
        (
            '[keys.share.costs]\nkind = "custom"\nshares = { A = 0.5 }\n'
            '[keys.share.revenues]\nkind = "equal"\n',
            "[keys.share.costs]",
            "[keys.share.costs]",
            "custom key shares sum to 0.5, not 1; fix them or set normalise = true",
        ),
        (
            '[keys.share]\nkind = "equal"\nlabel = ""\n',
            "label",
            "[keys.share] → label",
            "at least 1 character",
        ),
        (
            "[mechanisms.flemish_matching_fund]\nmatch_share = 0.5\n",
            "[mechanisms.flemish_matching_fund]",
            "[mechanisms]",
            "flemish_matching_fund is on without sub_regional_fund",
        ),
    ],
)
def test_a_problem_is_placed_at_its_line(section, fragment, place, words):
    text = HEAD + "\n" + section
    (found,) = problems_of(text)
    assert (found.line, found.place) == (line_of(text, fragment), place)
    assert words in found.text()


def test_problems_of_several_sections_are_reported_together_with_their_lines():
    text = (
        HEAD
        + '\n[finance]\nchosen_key = "share"\n\n[finance.assumptions]\nnet_share = 1.5\n'
        + '\n[keys.share]\nkind = "populaton"\n'
        + "\n[mechanisms.host_compensation]\neur_per_ha_per_year = -1\n"
    )
    found = problems_of(text)
    assert [(p.line, p.place) for p in found] == [
        (line_of(text, "net_share"), "[finance.assumptions] → net_share"),
        (line_of(text, "populaton"), "[keys.share] → kind"),
        (
            line_of(text, "eur_per_ha_per_year"),
            "[mechanisms.host_compensation] → eur_per_ha_per_year",
        ),
    ]  # the chosen key is set aside with the key, not reported missing
    with pytest.raises(InvalidStudyError, match=r"has 3 problems: line \d+ \[finance"):
        parse_study(tomllib.loads(text), text=text)


def test_the_schema_is_the_libraries():
    assert list(FinanceAssumptionsConfig.model_fields) == [
        f.name for f in dataclasses.fields(FinanceAssumptions)
    ]
    defaults = FinanceAssumptionsConfig.model_construct()
    assert all(
        getattr(defaults, f.name) == f.default for f in dataclasses.fields(FinanceAssumptions)
    )
    assert list(MechanismsConfig.model_fields) == list(mechanisms.REGISTRY)
    for name, mechanism in mechanisms.REGISTRY.items():
        (config,) = models_in(MechanismsConfig.model_fields[name].annotation)
        library = {f.name: f for f in dataclasses.fields(mechanism) if f.init}
        assert list(config.model_fields) == list(library), name
        for parameter, field in config.model_fields.items():
            wanted = library[parameter]
            if (
                wanted.default is dataclasses.MISSING
                and wanted.default_factory is dataclasses.MISSING
            ):
                assert field.is_required(), f"{name}.{parameter}"
            else:
                default = wanted.default if wanted.default_factory is dataclasses.MISSING else {}
                assert field.get_default(call_default_factory=True) == default, parameter
