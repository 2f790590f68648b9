"""Cooperation-form advice: lawful under the local government decree, the lightest form that fits.

The table test checks every combination of answers against predicates written here from the
decree's wording (DESIGN.md §2 and the rules the advisor's module names), not from the advisor's
helpers, so that a slip in either shows up as a disagreement.
"""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from equalisation.advisor import FORMS, advise_cooperation_form
from equalisation.errors import InputError, InputTypeError

# --- the decree, written independently of the implementation ----------------------------------

DURATIONS = (1, 6, 7, 18, 19, 40)
MUNICIPALITY_COUNTS = (None, 1, 2, 9)
SECTORS = (None, "energy", "waste", "other")
YES_NO_QUESTIONS = (
    "private_partners",
    "other_government_levels",
    "legal_personality_needed",
    "management_transfer",
    "partners_bring_capital_or_land",
    "must_own_land",
    "must_hire_staff",
    "must_award_contracts",
)


def two_or_more_municipalities(a) -> bool:
    """Intermunicipal cooperation joins two or more municipalities (unknown: not held against)."""
    return a["municipality_count"] is None or a["municipality_count"] >= 2


def acts_in_its_own_name(a) -> bool:
    """Owning land, employing staff, awarding contracts: only a legal person can."""
    return a["must_own_land"] or a["must_hire_staff"] or a["must_award_contracts"]


def private_members_allowed_with_legal_personality(a) -> bool:
    """Service-providing and mandated associations are public; private partners only in the
    energy and waste sectors (an unstated sector cannot be assumed to be one of them)."""
    return not a["private_partners"] or a["private_sector"] in ("energy", "waste")


def cooperation_agreement_fits(a) -> bool:
    """Samenwerkingsovereenkomst: a contract between municipalities; no body, no legal
    person, no management transfer, no common assets; only municipalities are party."""
    return (
        two_or_more_municipalities(a)
        and not a["private_partners"]
        and not a["other_government_levels"]
        and not a["legal_personality_needed"]
        and not acts_in_its_own_name(a)
        and not a["partners_bring_capital_or_land"]
        and not a["management_transfer"]
    )


def interlocal_association_fits(a) -> bool:
    """Interlokale vereniging: an agreement, no legal personality (the managing municipality
    acts for it), no management transfer; private partners and other public bodies may join."""
    return (
        two_or_more_municipalities(a)
        and not a["legal_personality_needed"]
        and not acts_in_its_own_name(a)
        and not a["management_transfer"]
    )


def project_association_fits(a) -> bool:
    """Projectvereniging: statutes, legal person, ≤ 6 years renewable, public only, no
    management transfer; the province and Flanders are not members of a legal person."""
    return (
        two_or_more_municipalities(a)
        and not a["private_partners"]
        and not a["other_government_levels"]
        and not a["management_transfer"]
    )


def service_providing_association_fits(a) -> bool:
    """Dienstverlenende vereniging: statutes, legal person, ≤ 18 years renewable, public (private
    in energy/waste), no management transfer, no province or Flanders."""
    return (
        two_or_more_municipalities(a)
        and private_members_allowed_with_legal_personality(a)
        and not a["other_government_levels"]
        and not a["management_transfer"]
    )


def mandated_association_fits(a) -> bool:
    """Opdrachthoudende vereniging: as the service-providing one, but it takes over the
    management: it fits only when the municipalities hand it over."""
    return (
        two_or_more_municipalities(a)
        and private_members_allowed_with_legal_personality(a)
        and not a["other_government_levels"]
        and a["management_transfer"]
    )


#: Lightest first: not heavier than needed.
DECREE = (
    ("cooperation agreement", cooperation_agreement_fits),
    ("interlocal association", interlocal_association_fits),
    ("project association", project_association_fits),
    ("service-providing association", service_providing_association_fits),
    ("mandated association", mandated_association_fits),
)


def every_combination():
    for values in itertools.product(
        *([(False, True)] * len(YES_NO_QUESTIONS)), SECTORS, DURATIONS, MUNICIPALITY_COUNTS
    ):
        *yes_no, sector, years, count = values
        yield {
            **dict(zip(YES_NO_QUESTIONS, yes_no, strict=True)),
            "private_sector": sector,
            "duration_years": years,
            "municipality_count": count,
        }


COMBINATIONS = list(every_combination())


def test_the_table_covers_every_combination_of_answers():
    assert len(COMBINATIONS) == 2**8 * 4 * 6 * 4 == 24_576


def test_every_combination_agrees_with_the_decree():
    disagreements = []
    for answers in COMBINATIONS:
        advice = advise_cooperation_form(**answers)
        expected = {form: fits(answers) for form, fits in DECREE}
        got = {f.form: f.fits for f in advice.forms}
        lightest = next((form for form, fits in expected.items() if fits), None)
        if got != expected or advice.recommended != lightest:
            disagreements.append((answers, got, advice.recommended))
        for form in advice.forms:
            ruled_out = [r for r in form.reasons if r.startswith("does not fit")]
            assert form.reasons and len(ruled_out) == (0 if form.fits else len(form.reasons))
    assert not disagreements, f"{len(disagreements)} disagree, e.g. {disagreements[:3]}"


# --- what the old advisor got wrong ----------------------------------------------------------


def advise(**answers):
    return advise_cooperation_form(**{"duration_years": 20, **answers})


def verdict(advice, form):
    return next(f for f in advice.forms if f.form == form)


def test_the_plain_cooperation_agreement_is_offered_and_is_the_lightest():
    advice = advise()
    assert FORMS[0] == "cooperation agreement"
    assert advice.recommended == "cooperation agreement"
    agreement = verdict(advice, "cooperation agreement")
    assert agreement.name_nl == "samenwerkingsovereenkomst"
    assert "art. 387" in agreement.reasons[0]
    assert any(
        "heavier than needed" in r for r in verdict(advice, "interlocal association").reasons
    )


@pytest.mark.parametrize("form", ["service-providing association", "mandated association"])
def test_associations_with_legal_personality_refuse_private_partners_outside_energy_and_waste(
    form,
):
    transfer = form == "mandated association"
    for sector in (None, "other"):
        advice = advise(private_partners=True, private_sector=sector, management_transfer=transfer)
        refused = verdict(advice, form)
        assert not refused.fits
        assert "energy and waste" in refused.reasons[0]
    for sector in ("energy", "waste"):
        advice = advise(private_partners=True, private_sector=sector, management_transfer=transfer)
        assert verdict(advice, form).fits


def test_private_partners_outside_energy_and_waste_with_legal_personality_fit_nothing():
    advice = advise(private_partners=True, private_sector="other", legal_personality_needed=True)
    assert advice.recommended is None
    assert any("no form fits" in note for note in advice.notes)


@pytest.mark.parametrize("form", ["project association", "service-providing association"])
def test_the_province_and_flanders_are_no_members_of_a_legal_person(form):
    advice = advise(other_government_levels=True)
    refused = verdict(advice, form)
    assert not refused.fits and "province and Flanders" in refused.reasons[0]
    assert advice.recommended == "interlocal association"


def test_an_interlocal_association_cannot_buy_land_itself_the_managing_municipality_does():
    for question in ("must_own_land", "must_hire_staff", "must_award_contracts"):
        advice = advise(**{question: True})
        interlocal = verdict(advice, "interlocal association")
        assert not interlocal.fits
        assert "beherende gemeente" in interlocal.reasons[0]
        assert advice.recommended == "project association"


def test_a_project_association_over_six_years_fits_by_renewal():
    advice = advise(legal_personality_needed=True, duration_years=20)
    project = verdict(advice, "project association")
    assert advice.recommended == "project association"
    assert any("4 terms of at most 6 years" in r for r in project.reasons)


def test_handing_over_management_needs_a_mandated_association():
    advice = advise(management_transfer=True, duration_years=30)
    assert [f.form for f in advice.forms if f.fits] == ["mandated association"]
    assert any("2 terms of at most 18 years" in r for r in advice.forms[-1].reasons)


def test_contributions_of_capital_or_land_need_more_than_a_contract():
    advice = advise(partners_bring_capital_or_land=True)
    assert not verdict(advice, "cooperation agreement").fits
    assert advice.recommended == "interlocal association"


def test_one_municipality_is_no_cooperation():
    advice = advise(municipality_count=1)
    assert advice.recommended is None
    assert all("two or more municipalities" in f.reasons[0] for f in advice.forms)
    assert advise(municipality_count=2).notes == ()


# --- the result --------------------------------------------------------------------------------


def test_to_dict_lists_every_form_in_order_with_dutch_names_and_rules():
    data = advise(legal_personality_needed=True).to_dict()
    assert [f["form"] for f in data["forms"]] == list(FORMS)
    assert [f["name_nl"] for f in data["forms"]] == [
        "samenwerkingsovereenkomst",
        "interlokale vereniging",
        "projectvereniging",
        "dienstverlenende vereniging",
        "opdrachthoudende vereniging",
    ]
    assert data["recommended"] == "project association"
    assert data["recommended_nl"] == "projectvereniging"
    assert data["answers"]["legal_personality_needed"] is True
    for form in data["forms"]:
        assert isinstance(form["fits"], bool) and form["reasons"]
        assert all(rule["text"] and rule["reference"] for rule in form["rules"])


def test_the_advice_is_immutable():
    advice = advise()
    with pytest.raises(dataclasses.FrozenInstanceError):
        advice.forms = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        advice.forms[0].fits = False  # type: ignore[misc]


@pytest.mark.parametrize(
    ("answers", "error", "name"),
    [
        ({"duration_years": 0}, InputError, "duration_years"),
        ({"duration_years": True}, InputTypeError, "duration_years"),
        ({"duration_years": "20"}, InputTypeError, "duration_years"),
        ({"private_partners": "yes"}, InputTypeError, "private_partners"),
        ({"other_government_levels": None}, InputTypeError, "other_government_levels"),
        ({"private_sector": "water"}, InputError, "private_sector"),
        ({"municipality_count": 0}, InputError, "municipality_count"),
        ({"municipality_count": 2.5}, InputTypeError, "municipality_count"),
    ],
)
def test_refuses_bad_answers_with_one_line(answers, error, name):
    with pytest.raises(error, match=name) as caught:
        advise(**answers)
    assert "\n" not in str(caught.value) and "expected" in str(caught.value)
