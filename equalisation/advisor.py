"""Which cooperation form under the Flemish local government decree fits the partners' answers.

The forms, lightest first:

================================  ===================  ================  ===================
form                              founded by           legal person      duration
================================  ===================  ================  ===================
interlocal association            an agreement         no                as agreed
project association               statutes            yes               ≤ 6 years, renewable
service-providing association     statutes            yes               ≤ 18 years, renewable
mandated association              statutes            yes               ≤ 18 years, renewable
================================  ===================  ================  ===================

Private partners can join an interlocal association; a project association is public only.
Only a mandated association takes over the management of a task from the municipalities.
Rule of thumb: choose the lightest form that fits ("not heavier than needed"), and build on an
association that already exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from equalisation.errors import InputError

FORMS = (
    "interlocal association",
    "project association",
    "service-providing association",
    "mandated association",
)
PROJECT_MAX_YEARS = 6
ASSOCIATION_MAX_YEARS = 18


@dataclass(frozen=True)
class FormAdvice:
    """Whether one form fits, and why (one reason per question that mattered)."""

    form: str
    fits: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Advice:
    """The answers given, every form's verdict, and the lightest fitting form."""

    private_partners: bool
    legal_personality_needed: bool
    duration_years: int
    management_transfer: bool
    other_government_levels: bool
    forms: tuple[FormAdvice, ...]

    @property
    def recommended(self) -> str | None:
        """The lightest fitting form, or ``None`` when none fits."""
        return next((f.form for f in self.forms if f.fits), None)

    def to_dict(self) -> dict:
        return {
            "answers": {
                "private_partners": self.private_partners,
                "legal_personality_needed": self.legal_personality_needed,
                "duration_years": self.duration_years,
                "management_transfer": self.management_transfer,
                "other_government_levels": self.other_government_levels,
            },
            "recommended": self.recommended,
            "forms": [
                {"form": f.form, "fits": f.fits, "reasons": list(f.reasons)} for f in self.forms
            ],
            "rule": "the lightest form that fits; build on an association that already exists",
        }


def advise_cooperation_form(
    *,
    private_partners: bool,
    legal_personality_needed: bool,
    duration_years: int,
    management_transfer: bool,
    other_government_levels: bool = False,
) -> Advice:
    """Judge every cooperation form against the answers; see the module docstring.

    Examples
    --------
    >>> advice = advise_cooperation_form(private_partners=False, legal_personality_needed=True,
    ...                                  duration_years=5, management_transfer=False)
    >>> advice.recommended
    'project association'
    """
    if (
        isinstance(duration_years, bool)
        or not isinstance(duration_years, int)
        or duration_years < 1
    ):
        raise InputError(f"duration_years is {duration_years!r}; expected a whole number ≥ 1")
    answers = dict(
        private=bool(private_partners),
        legal=bool(legal_personality_needed),
        years=duration_years,
        manage=bool(management_transfer),
        levels=bool(other_government_levels),
    )
    forms = (
        _interlocal(**answers),
        _project(**answers),
        _association("service-providing association", **answers),
        _association("mandated association", **answers),
    )
    return Advice(
        private_partners=answers["private"],
        legal_personality_needed=answers["legal"],
        duration_years=duration_years,
        management_transfer=answers["manage"],
        other_government_levels=answers["levels"],
        forms=forms,
    )


def _interlocal(*, private, legal, years, manage, levels) -> FormAdvice:
    blockers, notes = [], ["the lightest form: an agreement, no statutes"]
    if legal:
        blockers.append("has no legal personality, which you need")
    if manage:
        blockers.append("cannot take over the management; only a mandated association can")
    if private:
        notes.append("private partners can join")
    if levels:
        notes.append("other public bodies can be party to the agreement")
    return _verdict(FORMS[0], blockers, notes)


def _project(*, private, legal, years, manage, levels) -> FormAdvice:
    blockers, notes = [], ["statutes and legal personality, for one project"]
    if private:
        blockers.append("is open to public partners only")
    if manage:
        blockers.append("cannot take over the management; only a mandated association can")
    if years > PROJECT_MAX_YEARS:
        blockers.append(
            f"lasts at most {PROJECT_MAX_YEARS} years (renewable); {years} years calls for a "
            "lasting association"
        )
    if not legal:
        notes.append("heavier than needed without a need for legal personality")
    return _verdict(FORMS[1], blockers, notes)


def _association(form: str, *, private, legal, years, manage, levels) -> FormAdvice:
    mandated = form == "mandated association"
    blockers, notes = [], ["statutes and legal personality"]
    if manage and not mandated:
        blockers.append("provides services but does not take over the management")
    if not manage and mandated:
        notes.append("takes over the management, which you do not ask for: heavier than needed")
    if mandated and manage:
        notes.append("takes over the management from the municipalities")
    if years > ASSOCIATION_MAX_YEARS:
        notes.append(f"lasts at most {ASSOCIATION_MAX_YEARS} years: plan a renewal")
    if private:
        notes.append("private partners only within the limits the decree sets; check them")
    if not legal and not manage:
        notes.append("heavier than needed without a need for legal personality")
    return _verdict(form, blockers, notes)


def _verdict(form: str, blockers: list[str], notes: list[str]) -> FormAdvice:
    if blockers:
        return FormAdvice(
            form=form, fits=False, reasons=tuple(f"does not fit: {b}" for b in blockers)
        )
    return FormAdvice(form=form, fits=True, reasons=tuple(notes))
