"""Cooperation-form advice: the lightest form that fits, with reasons."""

from __future__ import annotations

import pytest

from equalisation.advisor import FORMS, advise_cooperation_form
from equalisation.errors import InputError


def advise(**answers):
    base = dict(
        private_partners=False,
        legal_personality_needed=False,
        duration_years=4,
        management_transfer=False,
    )
    return advise_cooperation_form(**{**base, **answers})


def fitting(advice) -> list[str]:
    return [f.form for f in advice.forms if f.fits]


def test_an_agreement_is_enough_when_nothing_heavier_is_needed():
    advice = advise(private_partners=True)
    assert advice.recommended == "interlocal association"
    assert "project association" not in fitting(advice)  # public partners only


def test_legal_personality_for_a_short_project_gives_a_project_association():
    advice = advise(legal_personality_needed=True, duration_years=6)
    assert advice.recommended == "project association"
    interlocal = advice.forms[0]
    assert not interlocal.fits and "legal personality" in interlocal.reasons[0]


def test_a_long_cooperation_needs_a_lasting_association():
    advice = advise(legal_personality_needed=True, duration_years=12)
    assert advice.recommended == "service-providing association"
    project = advice.forms[1]
    assert not project.fits and "6 years" in project.reasons[0]


def test_handing_over_management_needs_a_mandated_association():
    advice = advise(management_transfer=True, duration_years=30)
    assert fitting(advice) == ["mandated association"]
    assert any("renewal" in r for r in advice.forms[3].reasons)


def test_to_dict_lists_every_form_in_order():
    data = advise().to_dict()
    assert [f["form"] for f in data["forms"]] == list(FORMS)
    assert data["recommended"] == "interlocal association"


def test_refuses_a_bad_duration():
    with pytest.raises(InputError, match="duration_years"):
        advise(duration_years=0)
