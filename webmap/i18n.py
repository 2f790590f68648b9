"""Dutch and English labels of maps and reports, from one translation table.

Every text a map shows comes from :data:`LABELS`; every word and sentence of the dossier from
:data:`webmap.catalogue.DOSSIER` and the names of built-in things from
:data:`webmap.catalogue.TERMS`. ``lang`` picks the column: Dutch first, then English.
"""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup

from webmap.catalogue import DOSSIER, TERMS
from webmap.errors import MapDataError

LANGUAGES = ("nl", "en")

#: key -> (Dutch, English)
LABELS: Mapping[str, tuple[str, str]] = {
    "municipalities": ("Gemeenten", "Municipalities"),
    "municipality": ("Gemeente", "Municipality"),
    "sites": ("Kandidaat-sites", "Candidate sites"),
    "site": ("Site", "Site"),
    "score": ("Score", "Score"),
    "rank": ("Rang", "Rank"),
    "area_ha": ("Oppervlakte (ha)", "Area (ha)"),
    "host": ("Gastgemeente", "Host municipality"),
    "p_first": ("Kans op eerste plaats", "Probability ranked first"),
    "p_top3": ("Kans op top 3", "Probability in top 3"),
    "breakdown": ("Score per criterium", "Score per criterion"),
    "split": ("Verdeling over gemeenten", "Split by municipality"),
    "share": ("Aandeel", "Share"),
    "suitability": ("Geschiktheid", "Suitability"),
    "legend": ("Geschiktheidsscore (0–1)", "Suitability score (0–1)"),
    "excluded": ("Uitgesloten", "Excluded"),
    "criteria_layer": ("Criterium", "Criterion"),
    "equalisation": ("Verevening", "Equalisation"),
    "npv": ("Netto contante waarde van de site", "Net present value of the site"),
    "key": ("Verdeelsleutel", "Sharing key"),
    "partner": ("Partner", "Partner"),
    "paid": ("Betaald", "Paid"),
    "received": ("Ontvangen", "Received"),
    "net": ("Netto", "Net"),
    "net_pv": ("Netto (contante waarde)", "Net (present value)"),
    "per_year": ("per jaar", "per year"),
    "year": ("Jaar", "Year"),
    "core_ok": (
        "Geen gemeente en geen groep gemeenten is slechter af dan wanneer ze alleen zou werken.",
        "No municipality and no group of municipalities is worse off than going alone.",
    ),
    "core_violated": (
        "Opgelet: sommige gemeenten of groepen zijn slechter af dan wanneer ze alleen werken",
        "Caution: some municipalities or groups are worse off than going alone",
    ),
    "core_saving": (
        "{coalition} zou {amount} besparen door nu uit te stappen",
        "{coalition} would save {amount} by leaving now",
    ),
    "core_unknown": ("Kerncontrole niet beschikbaar.", "Core check not available."),
    "fullscreen": ("Volledig scherm", "Full screen"),
    "fullscreen_exit": ("Volledig scherm verlaten", "Exit full screen"),
    "basemap_offline": (
        "De achtergrondkaart kan niet laden (geen internet?); alle resultaten staan op de kaart.",
        "The background map cannot load (no internet?); every result is on the map.",
    ),
    "no_data": ("geen gegevens", "no data"),
    # the interactive map (sites, breakdown, cell lookup, legend, controls)
    "map_sites": ("Kandidaat-locaties", "Candidate sites"),
    "map_site": ("Locatie", "Site"),
    "top_sites": ("Beste kandidaat-locaties", "Best candidate sites"),
    "show_on_map": ("Toon op de kaart", "Show on the map"),
    "criterion": ("Criterium", "Criterion"),
    "weight": ("Gewicht", "Weight"),
    "value_01": ("Waarde (0\u2060–\u20601)", "Value (0\u2060–\u20601)"),
    "contribution": ("Bijdrage", "Contribution"),
    "score_sum": ("Score (som)", "Score (sum)"),
    "contributions_rounded": (
        "Bijdrage = gewicht × waarde; afgerond zodat de som de score is.",
        "Contribution = weight × value; rounded so that they add up to the score.",
    ),
    "not_additive": (
        "De criteria zijn gecombineerd met {method}, niet als gewogen som: gewicht × waarde "
        "telt niet op tot de score.",
        "The criteria are combined by {method}, not as a weighted sum: weight × value does not "
        "add up to the score.",
    ),
    "aggregation_owa": ("geordende gewogen middeling (OWA)", "ordered weighted averaging (OWA)"),
    "aggregation_wgm": ("gewogen meetkundig gemiddelde", "weighted geometric mean"),
    "aggregation_min": ("het minimum", "the minimum"),
    "this_spot": ("Op deze plek", "At this spot"),
    "cell_note": (
        "Waarden van de cel van {cell} m onder het midden van een vak van ca. {square} m.",
        "Values of the {cell} m cell under the centre of a square of about {square} m.",
    ),
    "raw_value": ("Gemeten", "Measured"),
    "raw_not_kept": ("ruwe waarde niet bewaard", "raw value not kept"),
    "excluded_by": ("Uitgesloten door", "Excluded by"),
    "not_excluded": ("Geen uitsluiting van toepassing.", "No exclusion applies."),
    "exclusion_not_recorded": (
        "Deze berekening registreerde niet welke uitsluiting hier geldt.",
        "This run did not record which exclusion applies here.",
    ),
    "no_score_here": (
        "Geen score: een criterium heeft hier geen gegevens.",
        "No score: a criterion has no data here.",
    ),
    "criteria": ("Geschiktheidscriteria (0–1)", "Suitability criteria (0–1)"),
    "legend_button": ("Legende", "Legend"),
    "legend_site": ("Kandidaat-locatie met haar rang", "Candidate site with its rank"),
    "legend_exclusions": ("Uitsluitingen", "Exclusions"),
    "legend_criterion": (
        "Criterium, gestandaardiseerd (0 ongeschikt – 1 geschikt)",
        "Criterion, standardised (0 unsuitable – 1 suitable)",
    ),
    "outside_area": ("Buiten het studiegebied", "Outside the study area"),
    # report
    "report": ("Dossier voor het burgemeestersoverleg", "Dossier for the mayors' conference"),
    "contents": ("Inhoud", "Contents"),
    "ranking": ("Rangschikking van de sites", "Ranking of the sites"),
    "site_sheet": ("Fiche", "Sheet"),
    "map_snapshot": ("Ligging", "Location"),
    "exclusions_nearby": ("Uitsluitingen in de buurt", "Exclusions nearby"),
    "distance_m": ("Afstand (m)", "Distance (m)"),
    "none": ("geen", "none"),
    "finance": ("Financiën", "Finance"),
    "value": ("Waarde", "Value"),
    "unit": ("Eenheid", "Unit"),
    "keys_side_by_side": ("Verdeelsleutels naast elkaar", "Sharing keys side by side"),
    "transfers": ("Overdrachten", "Transfers"),
    "payer": ("Betaler", "Payer"),
    "payee": ("Ontvanger", "Payee"),
    "amount_eur": ("Bedrag (EUR)", "Amount (EUR)"),
    "core_check": ("Kerncontrole", "Core check"),
    "assumptions": ("Aannames en bronnen", "Assumptions and sources"),
    "name": ("Naam", "Name"),
    "source": ("Bron", "Source"),
    "illustrative": ("illustratief", "illustrative"),
    "cooperation": ("Samenwerkingsvorm", "Form of cooperation"),
    "form": ("Vorm", "Form"),
    "fits": ("Past", "Fits"),
    "reason": ("Reden", "Reason"),
    "yes": ("ja", "yes"),
    "no": ("nee", "no"),
    "robustness": ("Robuustheid", "Robustness"),
    "run": ("Berekening", "Run"),
    "warnings": ("Waarschuwingen bij deze berekening", "Warnings of this run"),
    "assumed_facts": ("Aannames voor onbekende gegevens", "Assumptions for unknown facts"),
    "fact": ("Gegeven", "Fact"),
    "assumed_value": ("Aangenomen waarde", "Assumed value"),
    "plausible_range": ("Plausibel bereik", "Plausible range"),
    "effect_of_range": (
        "Effect van het bereik op het netto resultaat (contante waarde): aangenomen waarde "
        "(laagste – hoogste)",
        "Effect of the range on the net result (present value): assumed value (low – high)",
    ),
    "provenance": ("Herkomst van deze resultaten", "Provenance of these results"),
    "run_id": ("Berekening (id)", "Run (id)"),
    "finished_at": ("Berekend op (UTC)", "Computed at (UTC)"),
    "study_file": ("Studiebestand study.toml (SHA-256)", "Study file study.toml (SHA-256)"),
    "inputs": ("Invoerlagen (SHA-256 van de bron)", "Input layers (SHA-256 of the source)"),
    "layer": ("Laag", "Layer"),
    "version": ("parkplan-versie", "parkplan version"),
}


def check_lang(lang: str) -> str:
    """Return ``lang`` when it is a supported language, else raise :class:`MapDataError`."""
    if lang not in LANGUAGES:
        raise MapDataError(f"language {lang!r} is not supported; expected one of {LANGUAGES}.")
    return lang


def label(key: str, lang: str) -> str:
    """The label ``key`` in ``lang`` ('nl' or 'en')."""
    return LABELS[key][LANGUAGES.index(check_lang(lang))]


def labels(lang: str) -> dict[str, str]:
    """Every label in ``lang``, as a plain dict (for templates and the map's script)."""
    column = LANGUAGES.index(check_lang(lang))
    return {key: pair[column] for key, pair in LABELS.items()}


def word(key: str, lang: str) -> str:
    """The dossier's word or sentence ``key`` in ``lang``, its figures not filled in."""
    return DOSSIER[key][LANGUAGES.index(check_lang(lang))]


def say(key: str, lang: str, /, **figures: object) -> Markup:
    """The dossier's sentence ``key`` in ``lang`` with its ``figures`` filled in; each figure
    is escaped unless it is markup already (:func:`verbatim`, another sentence)."""
    return Markup(word(key, lang)).format(**figures)


def term(group: str, name: str, lang: str) -> str | None:
    """The name in ``lang`` of the built-in ``name`` of ``group`` (``None``: not built in)."""
    pair = TERMS[group].get(name)
    return None if pair is None else pair[LANGUAGES.index(check_lang(lang))]


def say_term(group: str, name: str, lang: str, /, **figures: object) -> Markup | None:
    """:func:`term` as a sentence with its ``figures`` filled in (escaped), or ``None``."""
    found = term(group, name, lang)
    return None if found is None else Markup(found).format(**figures)


def verbatim(value: object) -> Markup:
    """``value`` shown exactly as given (a layer name, a file, a source from study.toml),
    marked so that no one translates it: ``<span class="verbatim" translate="no">``."""
    return Markup('<span class="verbatim" translate="no">{}</span>').format(value)


def locale(lang: str) -> str:
    """The BCP 47 locale used to format numbers in ``lang``."""
    return {"nl": "nl-BE", "en": "en-GB"}[check_lang(lang)]
