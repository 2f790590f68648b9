"""The equalisation page in words and figures: the controls of the settings mayors argue about,
and the dossier's money chapters for a what-if (the keys side by side with what each partner
pays and receives and the transfers, the ledger per year, alone versus together with the core
check, the reconciliation to the cent).

The chapters are the dossier's own views (:mod:`webmap.report_money`), so the page and the
dossier say the same thing in the same words and the same Belgian (or British) number format.
A setting the study leaves to a default is shown as an assumption, never as a plain 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from markupsafe import Markup

from parkplan.api.app_pages import Lang
from parkplan.report import sharing_keys
from parkplan.study import Study
from parkplan.whatif import BOUNDS, Setting, WhatIf, WhatIfOutcome, WhatIfSettings
from parkplan.whatif import effective_settings as settings_of
from webmap.catalogue import DOSSIER
from webmap.formats import NBSP, Formats
from webmap.prose import Names, assumption_source
from webmap.report_money import Context, alone_together_view, finance_view, keys_view

#: key -> (Dutch, English), the page's own texts (the chapters use the dossier's words).
WORDS: Mapping[str, tuple[str, str]] = {
    "title": ("Verevening", "Equalisation"),
    "intro": (
        "Verschuif de instellingen waarover het burgemeestersoverleg discussieert: de "
        "verevening van de gekozen locatie wordt meteen herberekend, op dezelfde manier als in "
        "een volledige berekening van de studie. Niets wordt opgeslagen.",
        "Move the settings the mayors' conference argues about: the equalisation of the chosen "
        "site is computed again at once, the same way as a full run of the study does. Nothing "
        "is saved.",
    ),
    "controls": ("Instellingen", "Settings"),
    "discount_rate_per_year": ("Discontovoet", "Discount rate"),
    "fund_ov_share": (
        "Deel van de onroerende voorheffing naar het subregionaal fonds",
        "Share of the property tax paid into the sub-regional fund",
    ),
    "host_compensation_eur_per_ha_per_year": (
        "Compensatie voor de gastgemeente",
        "Host compensation",
    ),
    "key": ("Gekozen verdeelsleutel", "Chosen sharing key"),
    "recompute": ("Herbereken", "Recompute"),
    "reset": ("Terug naar de studie", "Back to the study's values"),
    "per_ha_year": ("per ha per jaar", "per ha per year"),
    "in_study": ("In de studie: {value}.", "In the study: {value}."),
    "assumed_default": (
        "Aanname: {value}, een illustratieve standaardwaarde; vervang ze in de studie door een "
        "eigen cijfer.",
        "Assumption: {value}, an illustrative default; replace it in the study with a local "
        "figure.",
    ),
    "fund_default": (
        "De studie regelt het fonds niet: standaard gaat {value} naar het fonds.",
        "The study does not set the fund: by default {value} goes into it.",
    ),
    "no_fund": ("De studie heeft geen subregionaal fonds (0 %).", "The study has no fund (0 %)."),
    "host_default": (
        "De studie geeft de gastgemeente geen compensatie ({value}).",
        "The study gives the host no compensation ({value}).",
    ),
    "key_default": (
        "De studie kiest geen sleutel: de eerste ({value}).",
        "The study chooses no key: the first one ({value}).",
    ),
    "computed_with": ("Berekend met", "Computed with"),
    "changed": ("gewijzigd", "changed"),
    "as_in_study": ("zoals in de studie", "as in the study"),
    "assumption": ("aanname", "assumption"),
    "default": ("standaard", "default"),
    "site": ("Locatie {site}, gastgemeente {host}", "Site {site}, host {host}"),
    "ledger_years": ("Jaar per jaar", "Year by year"),
    "year": ("Jaar", "Year"),
    "assumed_facts": ("Aangenomen gegevens van partners", "Assumed facts of partners"),
    "assumed_intro": (
        "Deze gegevens zijn onbekend; de berekening neemt de getoonde waarde aan.",
        "These facts are unknown; the computation assumes the value shown.",
    ),
    "fact": ("Gegeven", "Fact"),
    "range": ("Aannemelijk bereik", "Plausible range"),
    "source": ("Bron", "Source"),
    "no_results": (
        "Er zijn nog geen resultaten: start eerst een berekening van de studie.",
        "There are no results yet: run the study first.",
    ),
    "bad_setting": (
        "Deze instelling kan de studie niet aannemen; de waarden van de studie worden getoond.",
        "The study cannot take this setting; the study's own values are shown.",
    ),
    "failed": (
        "De verevening kan met deze instellingen niet berekend worden.",
        "The equalisation cannot be computed with these settings.",
    ),
    "technical": ("Technische melding (Engels)", "Technical message"),
    "updating": ("Bezig met herberekenen…", "Recomputing…"),
    "offline": (
        "De server antwoordt niet; de getoonde cijfers horen bij de vorige instellingen.",
        "The server does not answer; the figures shown belong to the previous settings.",
    ),
}

Unit = Literal["percent", "euro_per_ha"]


def say(key: str, lang: Lang, **figures: object) -> str:
    """The page's text ``key`` in ``lang`` with its figures filled in (plain text)."""
    dutch, english = WORDS[key]
    return (dutch if lang == "nl" else english).format(**figures)


def texts(lang: Lang) -> dict[str, str]:
    """The page's texts and the dossier's words in ``lang``, for the templates."""
    column = 0 if lang == "nl" else 1
    return {key: pair[column] for key, pair in {**DOSSIER, **WORDS}.items()}


def shown(unit: Unit, value: float, lang: Lang) -> str:
    """A setting's value as the page prints it: ``3,25 %``; ``€ 500 per ha per jaar``."""
    formats = Formats(lang)
    if unit == "percent":
        return f"{formats.trimmed(100 * value, 2)}{NBSP}%"
    return f"{formats.euro(value)} {say('per_ha_year', lang)}"


@dataclass(frozen=True)
class Control:
    """A slider: its query name, label, range and step, the value computed with (raw and as
    printed), and a note saying the study's own value and where it comes from."""

    name: str
    label: str
    unit: Unit
    minimum: float
    maximum: float
    step: float
    value: float
    printed: str
    study_value: float
    note: str


@dataclass(frozen=True)
class KeyChoice:
    """A sharing key the select offers."""

    name: str
    label: str
    selected: bool


@dataclass(frozen=True)
class SettingLine:
    """A setting the shown figures were computed with, and whether it differs from the study."""

    label: str
    printed: str
    status: str
    changed: bool


@dataclass(frozen=True)
class AssumedLine:
    """An unknown fact of a partner and what the computation assumes for it."""

    partner: str
    fact: str
    value: str
    range: str
    source: Markup


@dataclass(frozen=True)
class LedgerYears:
    """The chosen key's net result per year and partner (whole euros), and its title."""

    title: str
    partners: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Unavailable:
    """Why no figures are shown: a sentence in the page's language, and the technical line."""

    message: str
    detail: str | None = None


@dataclass(frozen=True)
class EqualisationView:
    """Everything the results part of the page shows for one what-if."""

    site: str
    chosen: str
    computed_with: WhatIfSettings
    settings: tuple[SettingLine, ...]
    finance: Mapping[str, Any]
    keys: Mapping[str, Any]
    together: Mapping[str, Any] | None
    ledger: LedgerYears
    assumed: tuple[AssumedLine, ...]


# --- the controls ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SliderSpec:
    """The query name of a slider, its unit, its step and the least top of its range."""

    name: str
    unit: Unit
    step: float
    top: float


SLIDERS = (
    SliderSpec("discount_rate_per_year", "percent", 0.0025, 0.15),
    SliderSpec("fund_ov_share", "percent", 0.05, 1.0),
    SliderSpec("host_compensation_eur_per_ha_per_year", "euro_per_ha", 50.0, 5000.0),
)


def study_settings(study: Study) -> WhatIfSettings:
    """The settings of the study itself (no what-if)."""
    return settings_of(study, WhatIf(), WhatIf().applied_to(study))


def note_of(name: str, setting: Setting, printed: str, lang: Lang) -> str:
    """Where the study's own value of a setting comes from, in words."""
    if setting.origin == "study":
        if name == "fund_ov_share" and setting.value == 0:
            return say("no_fund", lang)
        return say("in_study", lang, value=printed)
    default = {
        "discount_rate_per_year": "assumed_default",
        "fund_ov_share": "fund_default",
        "host_compensation_eur_per_ha_per_year": "host_default",
    }[name]
    return say(default, lang, value=printed)


def controls(study: Study, current: WhatIfSettings, lang: Lang) -> tuple[Control, ...]:
    """The sliders at the values ``current`` computed with; notes give the study's values."""
    own = study_settings(study)
    out = []
    for spec in SLIDERS:
        value = getattr(current, spec.name).value
        mine: Setting = getattr(own, spec.name)
        top = min(max(spec.top, value, mine.value), BOUNDS[spec.name][1])
        printed = shown(spec.unit, mine.value, lang)
        out.append(
            Control(
                name=spec.name,
                label=say(spec.name, lang),
                unit=spec.unit,
                minimum=BOUNDS[spec.name][0],
                maximum=top,
                step=spec.step,
                value=value,
                printed=shown(spec.unit, value, lang),
                study_value=mine.value,
                note=note_of(spec.name, mine, printed, lang),
            )
        )
    return tuple(out)


def names_of(study: Study, lang: Lang) -> Names:
    """How the page names the keys (the study's labels, else the catalogue's names)."""
    return Names.of(lang, keys=sharing_keys(study))


def key_choices(study: Study, chosen: str | None, lang: Lang) -> tuple[KeyChoice, ...]:
    """The study's keys for the select, ``chosen`` selected."""
    names = names_of(study, lang)
    return tuple(KeyChoice(k, names.key(k), k == chosen) for k in study.keys)


def key_note(study: Study, lang: Lang) -> str:
    """Where the study's chosen key comes from."""
    own = study_settings(study)
    label = names_of(study, lang).key(own.key or "")
    key = "in_study" if own.key_origin == "study" else "key_default"
    return say(key, lang, value=label)


# --- the figures -------------------------------------------------------------------------------


def setting_lines(study: Study, outcome: WhatIfOutcome, lang: Lang) -> tuple[SettingLine, ...]:
    """The settings the figures were computed with: changed, as in the study, or assumed."""
    own, now = study_settings(study), outcome.settings
    lines = []
    for spec in SLIDERS:
        mine: Setting = getattr(own, spec.name)
        value = getattr(now, spec.name).value
        changed = value != mine.value
        status = "changed" if changed else status_of(spec.name, mine)
        printed = shown(spec.unit, value, lang)
        lines.append(SettingLine(say(spec.name, lang), printed, say(status, lang), changed))
    names = names_of(study, lang)
    changed = now.key != own.key
    status = "changed" if changed else ("as_in_study" if own.key_origin == "study" else "default")
    lines.append(
        SettingLine(say("key", lang), names.key(now.key or ""), say(status, lang), changed)
    )
    return tuple(lines)


def status_of(name: str, setting: Setting) -> str:
    """An unchanged setting: as in the study, an assumption (an illustrative finance default)
    or a default (no fund or compensation named: the mechanisms' defaults)."""
    if setting.origin == "study":
        return "as_in_study"
    return "assumption" if name == "discount_rate_per_year" else "default"


def ledger_years(outcome: WhatIfOutcome, chosen: str, context: Context) -> LedgerYears:
    """The chosen key's net result per year and partner (received − paid, whole euros)."""
    key = outcome.summary.key(chosen)
    euro = context.fmt.euro_of_cents
    nets = {flows.partner: flows.net_cents for flows in key.partners}
    rows = tuple(
        (year, tuple(euro(nets[p][t]) for p in nets))
        for t, year in enumerate(outcome.summary.years)
    )
    title = DOSSIER["net_per_year"][0 if context.lang == "nl" else 1]
    return LedgerYears(title.format(key=context.names.key(chosen)), tuple(nets), rows)


def assumed_lines(outcome: WhatIfOutcome, context: Context) -> tuple[AssumedLine, ...]:
    """The partners' unknown facts the computation assumed, with range and source."""
    fmt = context.fmt
    return tuple(
        AssumedLine(
            a.partner,
            context.names.fact(a.fact),
            fmt.trimmed(a.value, 2),
            f"{fmt.trimmed(a.low, 2)} – {fmt.trimmed(a.high, 2)}",
            assumption_source(a.source, context.names),
        )
        for a in outcome.equalised.assumed
    )


def equalisation_view(study: Study, outcome: WhatIfOutcome, lang: Lang) -> EqualisationView:
    """The results of ``outcome`` as the page shows them."""
    context = Context(lang, Formats(lang), names_of(study, lang))
    summary = outcome.summary
    chosen = outcome.settings.key or summary.keys[0].name
    return EqualisationView(
        site=say("site", lang, site=summary.site_id, host=summary.host),
        chosen=context.names.key(chosen),
        computed_with=outcome.settings,
        settings=setting_lines(study, outcome, lang),
        finance=finance_view(summary, context),
        keys=keys_view(summary, sharing_keys(study), chosen, context),
        together=alone_together_view(summary, chosen, context),
        ledger=ledger_years(outcome, chosen, context),
        assumed=assumed_lines(outcome, context),
    )
