"""Which cooperation form under the Flemish local government decree fits the partners' answers.

The forms of the Decreet over het lokaal bestuur, lightest first:

=============================  ============  ======  =========  =============  ===============
form                           founded by    legal   takes      one term       members
                                             person  over mgmt
=============================  ============  ======  =========  =============  ===============
cooperation agreement          a contract    no      no         as agreed      municipalities
interlocal association         an agreement  no      no         as agreed      also private
project association            statutes      yes     no         ≤ 6 y, renew   public only
service-providing association  statutes      yes     no         ≤ 18 y, renew  public¹
mandated association           statutes      yes     yes        ≤ 18 y, renew  public¹
=============================  ============  ======  =========  =============  ===============

¹ private partners only in the energy and waste sectors.

Without legal personality the cooperation cannot itself buy land, hire staff or award contracts:
in an interlocal association the managing municipality (beherende gemeente) does so on its
behalf. The province and Flanders cannot be members of a form with legal personality. Every
form joins two or more municipalities. Rule of thumb (DESIGN.md §2): not heavier than needed,
build on what exists, so the advice is the lightest form that fits.

Each rule is data (:data:`FORMS_DATA`) with where the project's reference has it: DESIGN.md §2
summarises the four associations; the other rules (the cooperation agreement, the energy and
waste exception, the exclusion of the province and Flanders, the managing municipality, the
minimum of two municipalities) are not yet in ``reference/FACTS.md`` and are marked so, for the
reviewer to add there. Where a rule is not known to allow something, the form is not said to fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, overload

from equalisation.errors import InputError, InputTypeError

#: Where a rule is found in the project's reference.
DESIGN = "DESIGN.md §2, cooperation forms under the local government decree"
NOT_IN_FACTS = "decree rule not yet in reference/FACTS.md"

#: Sectors asked about when private partners take part; only energy and waste admit private
#: members in a service-providing or mandated association.
SECTORS = ("energy", "waste", "other")
PRIVATE_SECTORS_WITH_LEGAL_PERSONALITY = ("energy", "waste")
MIN_MUNICIPALITIES = 2
PROJECT_MAX_YEARS = 6
ASSOCIATION_MAX_YEARS = 18

PrivateMembers = Literal["none", "energy_and_waste", "any"]


@dataclass(frozen=True)
class Rule:
    """One rule of the decree in plain English, and where the project's reference has it."""

    text: str
    reference: str


@dataclass(frozen=True)
class CooperationForm:
    """A cooperation form and what the decree lets it do."""

    name: str
    name_nl: str
    summary: str
    legal_personality: bool
    takes_over_management: bool
    term_years: int | None  # longest single term; None: as the partners agree
    private_members: PrivateMembers
    province_or_flanders: bool  # can the province or Flanders take part?
    takes_contributions: bool  # can partners bring capital or land into it?
    acts_through: str  # who buys land, hires staff and awards contracts without a legal person
    rules: tuple[Rule, ...]


_ALL_FORMS_RULE = Rule("every form joins two or more municipalities", NOT_IN_FACTS)
_NO_PROVINCE_RULE = Rule(
    "the province and Flanders cannot be members of a form with legal personality", NOT_IN_FACTS
)

#: The forms, lightest first.
FORMS_DATA: tuple[CooperationForm, ...] = (
    CooperationForm(
        name="cooperation agreement",
        name_nl="samenwerkingsovereenkomst",
        summary="a contract between the municipalities (art. 387 of the decree), the lightest form",
        legal_personality=False,
        takes_over_management=False,
        term_years=None,
        private_members="none",
        province_or_flanders=False,
        takes_contributions=False,
        acts_through="each municipality does that for itself",
        rules=(
            Rule(
                "a cooperation agreement (art. 387) is a contract between municipalities: no "
                "separate body, no legal personality, no transfer of management",
                NOT_IN_FACTS,
            ),
            Rule(
                "its parties are the municipalities; it has no common assets that could take in "
                "capital or land",
                NOT_IN_FACTS + " (a cautious reading: other parties are not known to be allowed)",
            ),
            _ALL_FORMS_RULE,
        ),
    ),
    CooperationForm(
        name="interlocal association",
        name_nl="interlokale vereniging",
        summary="an agreement with statutory force, without legal personality",
        legal_personality=False,
        takes_over_management=False,
        term_years=None,
        private_members="any",
        province_or_flanders=True,
        takes_contributions=True,
        acts_through=(
            "the managing municipality (beherende gemeente) does that on its behalf; answer no "
            "if that is acceptable"
        ),
        rules=(
            Rule(
                "an interlocal association rests on an agreement, has no legal personality and "
                "takes over no management; private partners can take part",
                DESIGN,
            ),
            Rule(
                "it cannot buy land, hire staff or award contracts itself: one municipality "
                "manages it (the beherende gemeente) and acts on its behalf; the agreement sets "
                "the partners' contributions and how they are managed; other public bodies can "
                "take part",
                NOT_IN_FACTS,
            ),
            _ALL_FORMS_RULE,
        ),
    ),
    CooperationForm(
        name="project association",
        name_nl="projectvereniging",
        summary="statutes and legal personality, for one project",
        legal_personality=True,
        takes_over_management=False,
        term_years=PROJECT_MAX_YEARS,
        private_members="none",
        province_or_flanders=False,
        takes_contributions=True,
        acts_through="",
        rules=(
            Rule(
                "a project association has statutes and legal personality, takes over no "
                "management, lasts at most 6 years, renewable, and is open to public partners only",
                DESIGN,
            ),
            _NO_PROVINCE_RULE,
            _ALL_FORMS_RULE,
        ),
    ),
    CooperationForm(
        name="service-providing association",
        name_nl="dienstverlenende vereniging",
        summary="statutes and legal personality; provides services, does not take over management",
        legal_personality=True,
        takes_over_management=False,
        term_years=ASSOCIATION_MAX_YEARS,
        private_members="energy_and_waste",
        province_or_flanders=False,
        takes_contributions=True,
        acts_through="",
        rules=(
            Rule(
                "a service-providing association has statutes and legal personality, takes over "
                "no management and lasts at most 18 years, renewable",
                DESIGN,
            ),
            Rule(
                "it is public only: private partners can be members only in the energy and waste "
                "sectors",
                NOT_IN_FACTS,
            ),
            _NO_PROVINCE_RULE,
            _ALL_FORMS_RULE,
        ),
    ),
    CooperationForm(
        name="mandated association",
        name_nl="opdrachthoudende vereniging",
        summary="statutes and legal personality; takes over the management from the municipalities",
        legal_personality=True,
        takes_over_management=True,
        term_years=ASSOCIATION_MAX_YEARS,
        private_members="energy_and_waste",
        province_or_flanders=False,
        takes_contributions=True,
        acts_through="",
        rules=(
            Rule(
                "a mandated association has statutes and legal personality, takes over the "
                "management of the task from the municipalities and lasts at most 18 years, "
                "renewable",
                DESIGN,
            ),
            Rule(
                "it is public only: private partners can be members only in the energy and waste "
                "sectors",
                NOT_IN_FACTS,
            ),
            _NO_PROVINCE_RULE,
            _ALL_FORMS_RULE,
        ),
    ),
)

#: The English names of the forms, lightest first.
FORMS = tuple(f.name for f in FORMS_DATA)
#: The Dutch names of the forms, as the glossary gives them.
NAMES_NL = {f.name: f.name_nl for f in FORMS_DATA}


@dataclass(frozen=True)
class Answers:
    """The partners' answers (see :func:`advise_cooperation_form`)."""

    private_partners: bool
    private_sector: str | None
    other_government_levels: bool
    legal_personality_needed: bool
    duration_years: int
    management_transfer: bool
    municipality_count: int | None
    partners_bring_capital_or_land: bool
    must_own_land: bool
    must_hire_staff: bool
    must_award_contracts: bool

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class FormAdvice:
    """Whether one form fits, and why: the rules that rule it out, or what it offers."""

    form: str
    name_nl: str
    fits: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Advice:
    """The answers given, every form's verdict (lightest first), and the lightest fitting form."""

    answers: Answers
    forms: tuple[FormAdvice, ...]
    notes: tuple[str, ...] = ()

    @property
    def recommended(self) -> str | None:
        """The lightest fitting form, or ``None`` when none fits."""
        return next((f.form for f in self.forms if f.fits), None)

    def to_dict(self) -> dict:
        recommended = self.recommended
        return {
            "answers": self.answers.to_dict(),
            "recommended": recommended,
            "recommended_nl": NAMES_NL.get(recommended) if recommended else None,
            "forms": [
                {
                    "form": f.form,
                    "name_nl": f.name_nl,
                    "fits": f.fits,
                    "reasons": list(f.reasons),
                    "rules": [
                        {"text": r.text, "reference": r.reference} for r in _form(f.form).rules
                    ],
                }
                for f in self.forms
            ],
            "notes": list(self.notes),
            "rule": "the lightest form that fits (not heavier than needed); build on an "
            "association that already exists",
        }


def advise_cooperation_form(
    *,
    duration_years: int,
    private_partners: bool = False,
    private_sector: str | None = None,
    other_government_levels: bool = False,
    legal_personality_needed: bool = False,
    management_transfer: bool = False,
    municipality_count: int | None = None,
    partners_bring_capital_or_land: bool = False,
    must_own_land: bool = False,
    must_hire_staff: bool = False,
    must_award_contracts: bool = False,
) -> Advice:
    """Judge every cooperation form against the answers; recommend the lightest that fits.

    Parameters
    ----------
    duration_years
        How long the cooperation must last (a form with a shorter term fits by renewal).
    private_partners, private_sector
        Do private partners take part, and in which sector (``"energy"``, ``"waste"`` or
        ``"other"``; ``None``: not said, so the energy-and-waste exception cannot be relied on)?
    other_government_levels
        Do the province or Flanders take part?
    legal_personality_needed
        Must the cooperation be a legal person?
    management_transfer
        Do the municipalities hand over the management of the park to the cooperation?
    municipality_count
        How many municipalities take part (``None``: not said).
    partners_bring_capital_or_land
        Do the partners bring capital or land into the cooperation?
    must_own_land, must_hire_staff, must_award_contracts
        Must the cooperation itself own land, employ staff, award contracts?

    Examples
    --------
    >>> advice = advise_cooperation_form(duration_years=20, legal_personality_needed=True)
    >>> advice.recommended
    'project association'
    """
    answers = Answers(
        private_partners=_yes_no("private_partners", private_partners),
        private_sector=_sector(private_sector),
        other_government_levels=_yes_no("other_government_levels", other_government_levels),
        legal_personality_needed=_yes_no("legal_personality_needed", legal_personality_needed),
        duration_years=_whole("duration_years", duration_years, required=True),
        management_transfer=_yes_no("management_transfer", management_transfer),
        municipality_count=_whole("municipality_count", municipality_count, required=False),
        partners_bring_capital_or_land=_yes_no(
            "partners_bring_capital_or_land", partners_bring_capital_or_land
        ),
        must_own_land=_yes_no("must_own_land", must_own_land),
        must_hire_staff=_yes_no("must_hire_staff", must_hire_staff),
        must_award_contracts=_yes_no("must_award_contracts", must_award_contracts),
    )
    judged = [_judge(form, answers) for form in FORMS_DATA]
    lightest = next((f.form for f in judged if f.fits), None)
    forms = tuple(
        FormAdvice(
            f.form,
            f.name_nl,
            f.fits,
            (*f.reasons, f"heavier than needed: the {lightest} already fits"),
        )
        if f.fits and f.form != lightest
        else f
        for f in judged
    )
    notes = []
    if answers.municipality_count is None:
        notes.append("the number of municipalities was not given; every form needs two or more")
    if lightest is None:
        notes.append("no form fits these answers: see what rules each one out")
    return Advice(answers=answers, forms=forms, notes=tuple(notes))


def _judge(form: CooperationForm, a: Answers) -> FormAdvice:
    """One form against the answers: a blocker for every rule it breaks, else what it offers."""
    blockers: list[str] = []
    offers = [form.summary]
    if a.municipality_count is not None and a.municipality_count < MIN_MUNICIPALITIES:
        blockers.append(
            f"every form joins two or more municipalities; {a.municipality_count} takes part"
        )
    if a.private_partners:
        if form.private_members == "none":
            only = "public partners" if form.legal_personality else "the municipalities"
            blockers.append(
                f"private partners take part, but the {form.name} is open to {only} only"
            )
        elif form.private_members == "energy_and_waste":
            if a.private_sector in PRIVATE_SECTORS_WITH_LEGAL_PERSONALITY:
                offers.append(f"private partners can be members in the {a.private_sector} sector")
            else:
                said = (
                    "the sector is not given (energy, waste or other?)"
                    if a.private_sector is None
                    else f"here the sector is {a.private_sector!r}"
                )
                blockers.append(
                    f"the {form.name} is public only: private partners can be members only in the "
                    f"energy and waste sectors, and {said}"
                )
        else:
            offers.append("private partners can take part")
    if a.other_government_levels:
        if form.legal_personality:
            blockers.append(
                "the province and Flanders cannot be members of a form with legal personality"
            )
        elif not form.province_or_flanders:
            blockers.append(
                f"the {form.name} binds the municipalities only; the province or Flanders cannot "
                "be party"
            )
        else:
            offers.append("the province or Flanders can take part")
    acts = [
        what
        for asked, what in (
            (a.must_own_land, "own land"),
            (a.must_hire_staff, "hire staff"),
            (a.must_award_contracts, "award contracts"),
        )
        if asked
    ]
    if not form.legal_personality:
        if a.legal_personality_needed:
            blockers.append(f"legal personality is needed, and the {form.name} has none")
        if acts:
            blockers.append(
                f"the cooperation itself must {_joined(acts)}; without legal personality the "
                f"{form.name} cannot: {form.acts_through}"
            )
    elif acts:
        offers.append(f"as a legal person it can {_joined(acts)} itself")
    if a.partners_bring_capital_or_land:
        if form.takes_contributions:
            offers.append("takes in the capital or land the partners bring, as its rules set")
        else:
            blockers.append(
                f"the partners bring capital or land, and the {form.name} has no common assets to "
                "take it in (share costs and revenues by key instead)"
            )
    if a.management_transfer and not form.takes_over_management:
        blockers.append(
            f"the municipalities hand over the management, which the {form.name} does not take "
            "over; only a mandated association does"
        )
    if not a.management_transfer and form.takes_over_management:
        blockers.append(
            f"the {form.name} takes over the management from the municipalities, which they do "
            "not hand over"
        )
    offers.append(_duration(form, a.duration_years))
    if blockers:
        return FormAdvice(
            form.name, form.name_nl, False, tuple(f"does not fit: {b}" for b in blockers)
        )
    return FormAdvice(form.name, form.name_nl, True, tuple(offers))


def _duration(form: CooperationForm, years: int) -> str:
    """What the decree says about the duration of ``form`` for a cooperation of ``years``."""
    term = form.term_years
    if term is None:
        return f"lasts as long as the partners agree ({years} years)"
    if years <= term:
        return f"set up for {years} years (at most {term})"
    terms = math.ceil(years / term)
    return (
        f"set up for at most {term} years and renewed: {terms} terms of at most {term} years "
        f"cover {years} years; every renewal needs the partners' decisions"
    )


def _form(name: str) -> CooperationForm:
    return next(f for f in FORMS_DATA if f.name == name)


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _yes_no(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InputTypeError(
            f"{name} is {value!r}; expected a yes/no answer (True or False); answer True or False"
        )
    return value


def _sector(value: object) -> str | None:
    if value is None or (isinstance(value, str) and value in SECTORS):
        return value
    raise InputError(
        f"private_sector is {value!r}; expected one of {list(SECTORS)} (private partners can be "
        "members of a service-providing or mandated association only in energy and waste); use "
        "'other' for any other sector"
    )


@overload
def _whole(name: str, value: object, *, required: Literal[True]) -> int: ...
@overload
def _whole(name: str, value: object, *, required: bool) -> int | None: ...
def _whole(name: str, value: object, *, required: bool) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputTypeError(
            f"{name} is {value!r}; expected a whole number of 1 or more; give a whole number"
        )
    if value < 1:
        raise InputError(f"{name} is {value}; expected a whole number of 1 or more; give one")
    return value
