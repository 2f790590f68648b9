"""The layers page in words, Dutch and English: its labels, why a layer was refused (one
sentence per ``problem`` of :mod:`parkplan.api.layer_problems`), and a layer's validation report
as sentences.

The report is read from the catalogue entry's fields (repaired, dropped, mixed, duplicate and
empty key values, encoding); of the loader's own messages, the one saying that a layer lies
outside the study region is put into words with its distance, the ones repeating a field are
left out, and any other is kept as it is (English) as a technical note.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from geo.layers import LayerInfo
from geo.layers.validate import ValidationReport
from parkplan.api.app_pages import Lang
from webmap.formats import Formats

#: key -> (Dutch, English). ``{name}`` fields are filled in by :func:`say`.
WORDS: Mapping[str, tuple[str, str]] = {
    # the page
    "title": ("Lagen", "Layers"),
    "intro": (
        "De lagen van de studie, met hun herkomst en het verslag van de controle bij het laden.",
        "The study's layers, with where they come from and the report of the checks on loading.",
    ),
    "none_yet": ("Nog geen lagen: laad er hieronder een.", "No layers yet: load one below."),
    "name": ("Naam", "Name"),
    "kind": ("Soort", "Kind"),
    "geometry": ("Geometrie", "Geometry"),
    "crs": ("Coördinatenstelsel", "CRS"),
    "count": ("Aantal", "Count"),
    "source": ("Bron", "Source"),
    "loaded_at": ("Geladen op", "Loaded on"),
    "used_by": ("Gebruikt door", "Used by"),
    "unused": ("niet gebruikt in het model", "not used by the model"),
    "report": ("Controleverslag", "Validation report"),
    "technical": ("Technische melding (Engels)", "Technical message"),
    "actions": ("Acties", "Actions"),
    "preview": ("Toon op de kaart", "Show on the map"),
    "replace": ("Vervangen…", "Replace…"),
    "remove": ("Verwijderen", "Remove"),
    "remove_confirm": ("Ja, verwijder {name}", "Yes, remove {name}"),
    "cancel": ("Annuleren", "Cancel"),
    "in_use_note": (
        "Een laag die het model gebruikt, kan niet verwijderd worden; vervangen kan wel.",
        "A layer the model uses cannot be removed; it can be replaced.",
    ),
    "removed": ("Laag {name} verwijderd.", "Layer {name} removed."),
    "map_title": ("Voorbeeld op de kaart", "Preview on the map"),
    "map_label": ("Kaart met de laag {name}", "Map of the layer {name}"),
    "map_shown": (
        "{name}: {shown} van {total} objecten getoond, vereenvoudigd tot op {tolerance} m.",
        "{name}: {shown} of {total} features shown, simplified to {tolerance} m.",
    ),
    "map_shown_exact": (
        "{name}: {shown} van {total} objecten getoond.",
        "{name}: {shown} of {total} features shown.",
    ),
    "map_raster": (
        "{name} is een raster: de kaart toont zijn omtrek.",
        "{name} is a raster: the map shows its outline.",
    ),
    "map_failed": (
        "Het voorbeeld van deze laag kan niet getoond worden.",
        "The preview of this layer cannot be shown.",
    ),
    "map_context": ("Gemeenten (ter oriëntatie)", "Municipalities (for orientation)"),
    # the upload form
    "upload_title": ("Een laag laden", "Load a layer"),
    "operator_only": (
        "Alleen een operator kan lagen laden, vervangen of verwijderen.",
        "Only an operator can load, replace or remove layers.",
    ),
    "read_only": (
        "Deze server is alleen-lezen: lagen kunnen hier niet gewijzigd worden.",
        "This server is read-only: layers cannot be changed here.",
    ),
    "drop_here": (
        "Sleep een bestand hierheen, of kies er een",
        "Drag a file here, or choose one",
    ),
    "formats": (
        "GeoPackage, GeoJSON, FlatGeobuf, GeoTIFF, of een shapefile in een zip-bestand "
        "(met .shp, .shx, .dbf en .prj).",
        "GeoPackage, GeoJSON, FlatGeobuf, GeoTIFF, or a shapefile in a zip file "
        "(with its .shp, .shx, .dbf and .prj).",
    ),
    "file": ("Bestand", "File"),
    "choose_file": ("Kies een bestand…", "Choose a file…"),
    "no_file": ("Nog geen bestand gekozen.", "No file chosen yet."),
    "chosen": ("Gekozen: {file}", "Chosen: {file}"),
    "layer_name": ("Naam van de laag", "Layer name"),
    "name_hint": (
        "Kleine letters, cijfers en _; begint met een letter (bv. stations).",
        "Lower case letters, digits and _; starts with a letter (e.g. stations).",
    ),
    "source_layer": ("Laag in het bestand (optioneel)", "Layer inside the file (optional)"),
    "source_layer_hint": (
        "Voor een GeoPackage of zip met meerdere lagen.",
        "For a GeoPackage or zip holding several layers.",
    ),
    "assume_crs": ("Stelsel als het bestand er geen vermeldt", "CRS if the file declares none"),
    "assume_crs_hint": ("Bijvoorbeeld EPSG:31370 (Lambert 72).", "E.g. EPSG:31370 (Lambert 72)."),
    "replace_existing": (
        "Vervang de bestaande laag met deze naam",
        "Replace the existing layer of this name",
    ),
    "allow_outside": (
        "Ook laden als de laag ver buiten het studiegebied ligt",
        "Load it even if it lies far outside the study region",
    ),
    "more_options": ("Meer opties", "More options"),
    "load": ("Laden", "Load"),
    "loading": ("Bezig met laden van {file}…", "Loading {file}…"),
    "loaded": ("Laag {name} geladen.", "Layer {name} loaded."),
    "replacing": ("Kies het nieuwe bestand voor {name}.", "Choose the new file for {name}."),
    # the web service form
    "service_title": ("Laag uit een webdienst", "Layer from a web service"),
    "service_hint": (
        "De server haalt alleen het studiegebied op, en enkel van https-adressen op het publieke "
        "internet of van hosts die de beheerder van de server toeliet (PARKPLAN_SERVICE_HOSTS).",
        "The server fetches only the study area, and only from https public addresses or from "
        "hosts its operator allowed (PARKPLAN_SERVICE_HOSTS).",
    ),
    "service_kind": ("Soort dienst", "Service"),
    "service_wfs": ("WFS 2.0", "WFS 2.0"),
    "service_ogcapi": ("OGC API Features", "OGC API Features"),
    "service_url": ("Adres (URL) van de dienst", "Service address (URL)"),
    "service_url_hint": (
        "Bij OGC API Features: de startpagina van de dienst.",
        "For OGC API Features: the service's landing page.",
    ),
    "service_layer": ("Laag in de dienst", "Layer in the service"),
    "service_layer_hint": (
        "Het feature type (WFS) of de collectie (OGC API), bv. grid_points.",
        "The feature type (WFS) or collection (OGC API), e.g. grid_points.",
    ),
    "page_size": ("Objecten per verzoek (optioneel)", "Features per request (optional)"),
    "page_size_hint": ("Standaard 1000; hoogstens 10000.", "1000 if empty; at most 10000."),
    "fetch": ("Ophalen", "Fetch"),
    "fetching": ("Bezig met ophalen van {layer}…", "Fetching {layer}…"),
    # why a layer was refused (problem -> sentence)
    "problem_suffix": (
        "Dit soort bestand kan niet geladen worden. Gebruik een GeoPackage, GeoJSON, FlatGeobuf, "
        "GeoTIFF, of een shapefile in een zip-bestand.",
        "This kind of file cannot be loaded. Use a GeoPackage, GeoJSON, FlatGeobuf or GeoTIFF, "
        "or a shapefile in a zip file.",
    ),
    "problem_name_taken": (
        "Er is al een laag met deze naam. Kies een andere naam, of vink ‘Vervang de bestaande "
        "laag’ aan.",
        "A layer of this name exists. Choose another name, or tick ‘Replace the existing layer’.",
    ),
    "problem_name": (
        "De naam mag alleen kleine letters, cijfers en _ bevatten en begint met een letter.",
        "The name may hold only lower case letters, digits and _, and starts with a letter.",
    ),
    "problem_crs": (
        "Het coördinatenstelsel ontbreekt of klopt niet: het bestand vermeldt er geen, of de "
        "coördinaten liggen niet waar dat stelsel ze verwacht. Vul het juiste stelsel in (bv. "
        "EPSG:31370), of exporteer het bestand opnieuw met zijn stelsel.",
        "The coordinate reference system is missing or wrong: the file declares none, or its "
        "coordinates do not lie where that system expects them. Fill in the right one (e.g. "
        "EPSG:31370), or export the file again with its CRS.",
    ),
    "problem_geometry": (
        "De geometrieën zijn onbruikbaar: ze zijn leeg, punten, lijnen en vlakken staan door "
        "elkaar, of er zijn ongeldige coördinaten. Verbeter of splits de laag aan de bron.",
        "The geometries cannot be used: they are empty, points, lines and polygons are mixed, "
        "or some coordinates are not numbers. Fix or split the layer at its source.",
    ),
    "problem_raster": (
        "Het raster is onbruikbaar: het kan niet gelezen worden, het heeft geen plaats op de "
        "kaart, of het is te groot.",
        "The raster cannot be used: it cannot be read, it has no place on the map, or it is too "
        "large.",
    ),
    "problem_column": ("Een kolom die nodig is, ontbreekt.", "A column that is needed is missing."),
    "problem_unreadable": (
        "Het bestand kan niet als laag gelezen worden: het is leeg, beschadigd of niet wat de "
        "extensie zegt, of het zip-bestand is te groot of bevat onveilige namen.",
        "The file cannot be read as a layer: it is empty, damaged or not what its extension "
        "says, or the zip file is too large or holds unsafe names.",
    ),
    "problem_workspace": (
        "De laag past niet in de studie zoals ze is.",
        "The layer does not fit the study as it is.",
    ),
    "problem_busy": (
        "De studie is even bezig met iets anders. Probeer het zo opnieuw.",
        "The study is busy with something else. Try again in a moment.",
    ),
    "problem_running": (
        "Er loopt een berekening. Wijzig de lagen als ze klaar is.",
        "A run is in progress. Change the layers when it is done.",
    ),
    "problem_uploads_full": (
        "De server laadt al andere bestanden. Probeer het over enkele seconden opnieuw.",
        "The server is loading other files. Try again in a few seconds.",
    ),
    "problem_too_large": (
        "Het bestand is te groot voor deze server, of het laden vroeg te veel geheugen of tijd.",
        "The file is too large for this server, or loading it took too much memory or time.",
    ),
    "problem_in_use": (
        "Deze laag wordt gebruikt door {uses}. Haal die eerst uit het model, of vervang de laag.",
        "This layer is used by {uses}. Take them out of the model first, or replace the layer.",
    ),
    "problem_not_found": (
        "Deze laag bestaat niet (meer).",
        "This layer does not exist (any more).",
    ),
    "problem_not_allowed": (
        "Je mag de lagen niet wijzigen: meld je aan als operator (of de server is alleen-lezen).",
        "You may not change the layers: sign in as an operator (or the server is read-only).",
    ),
    "problem_too_many": (
        "Te veel mislukte aanmeldingen. Wacht even en probeer opnieuw.",
        "Too many failed sign-ins. Wait a moment and try again.",
    ),
    "problem_invalid": (
        "Het formulier is niet volledig of niet juist ingevuld.",
        "The form is incomplete or not filled in correctly.",
    ),
    "problem_offline": (
        "De server antwoordt niet. Controleer de verbinding en probeer opnieuw.",
        "The server does not answer. Check the connection and try again.",
    ),
    "problem_service": (
        "De webdienst gaf geen bruikbare laag: het adres, de laag of het antwoord klopt niet, of "
        "de dienst antwoordde niet op tijd.",
        "The web service gave no usable layer: the address, the layer or the answer is wrong, or "
        "the service did not answer in time.",
    ),
    "problem_host_refused": (
        "Van dit adres mag de server niets ophalen (een intern of niet toegelaten adres).",
        "The server may not fetch anything from this address (an internal or refused address).",
    ),
    "problem_other": ("Het is niet gelukt.", "It did not work."),
    # uses
    "use_criterion": ("criterium {item}", "criterion {item}"),
    "use_exclusion": ("uitsluiting {item}", "exclusion {item}"),
    "use_municipalities": ("de gemeenten van de studie", "the study's municipalities"),
    "use_sites": ("de kandidaat-locaties", "the candidate sites"),
    "use_study_area": ("het studiegebied", "the study area"),
    "use_region": (
        "de werkruimte (controle waar nieuwe lagen liggen)",
        "the workspace (checks where new layers lie)",
    ),
    # the report
    "kind_vector": ("vector", "vector"),
    "kind_raster": ("raster", "raster"),
    "family_point": ("punten", "points"),
    "family_line": ("lijnen", "lines"),
    "family_polygon": ("vlakken", "polygons"),
    "cells": ("{width} × {height} cellen", "{width} × {height} cells"),
    "loaded_vector": (
        "{count} {geometry}, van {source_crs} omgezet naar {crs}.",
        "{count} {geometry}, converted from {source_crs} to {crs}.",
    ),
    "loaded_vector_same": ("{count} {geometry} in {crs}.", "{count} {geometry} in {crs}."),
    "loaded_raster": (
        "Raster van {cells} ({dtype}) in {crs}.",
        "Raster of {cells} ({dtype}) in {crs}.",
    ),
    "clean": (
        "Alle objecten zijn geldig: niets hersteld of weggelaten.",
        "Every feature is valid: nothing repaired or dropped.",
    ),
    "repaired_one": ("1 ongeldige geometrie hersteld.", "1 invalid geometry repaired."),
    "repaired_many": ("{n} ongeldige geometrieën hersteld.", "{n} invalid geometries repaired."),
    "dropped_one": ("1 object zonder geometrie weggelaten.", "1 feature without geometry dropped."),
    "dropped_many": (
        "{n} objecten zonder geometrie weggelaten.",
        "{n} features without geometry dropped.",
    ),
    "mixed": (
        "Enkelvoudige en meervoudige vormen stonden door elkaar: alles is als {geometry} bewaard.",
        "Single and multi parts were mixed: everything is stored as {geometry}.",
    ),
    "duplicates_one": (
        "Kolom ‘{column}’: 1 dubbele waarde (geladen, niet geweigerd).",
        "Column ‘{column}’: 1 duplicate value (loaded, not refused).",
    ),
    "duplicates_many": (
        "Kolom ‘{column}’: {n} dubbele waarden (geladen, niet geweigerd).",
        "Column ‘{column}’: {n} duplicate values (loaded, not refused).",
    ),
    "nulls_one": ("Kolom ‘{column}’: 1 lege waarde.", "Column ‘{column}’: 1 empty value."),
    "nulls_many": ("Kolom ‘{column}’: {n} lege waarden.", "Column ‘{column}’: {n} empty values."),
    "encoding": ("Tekst gelezen als {encoding}.", "Text read as {encoding}."),
    "outside": (
        "De laag ligt volledig buiten het studiegebied: het dichtstbijzijnde object ligt op {km} "
        "km. Ze is toch geladen, want een afstandscriterium kan verre objecten gebruiken; "
        "controleer of ze op de juiste plaats ligt.",
        "The layer lies entirely outside the study region: its nearest feature is {km} km away. "
        "It was loaded, as a distance criterion may use far features; check that its place is "
        "right.",
    ),
}

#: The loader's message that a layer lies outside the region (see ``geo.layers.crs``).
OUTSIDE = re.compile(
    r"lies entirely outside .*?: its nearest feature is ([\d,]+(?:\.\d+)?) km away"
)
#: Loader messages that repeat a field of the report (said from the field instead).
REPEATS = tuple(
    re.compile(pattern)
    for pattern in (
        r"^\d+ invalid geometr(y|ies) repaired$",
        r"^\d+ feature\(s\) with empty geometry dropped$",
        r"^\d+ feature\(s\) collapsed to nothing when repaired, dropped$",
        r"^column .+: \d+ (duplicate|null) value\(s\)$",
        r"^text (encoding|is not valid UTF-8)",
    )
)
FAMILIES = {"Point": "point", "LineString": "line", "Polygon": "polygon"}


def say(key: str, lang: Lang, **figures: object) -> str:
    """The text ``key`` in ``lang`` with its ``figures`` filled in (plain text, not markup)."""
    dutch, english = WORDS[key]
    return (dutch if lang == "nl" else english).format(**figures)


def say_count(key: str, n: int, lang: Lang, **figures: object) -> str:
    """``key_one`` for one, ``key_many`` (with ``n`` formatted) for any other number."""
    if n == 1:
        return say(f"{key}_one", lang, **figures)
    return say(f"{key}_many", lang, n=Formats(lang).number(n), **figures)


def texts(lang: Lang) -> dict[str, str]:
    """Every text of the page in ``lang`` (for its script: the sentences of the problems)."""
    return {key: pair[0 if lang == "nl" else 1] for key, pair in WORDS.items()}


def geometry_words(geometry_type: str | None, lang: Lang) -> str:
    """``MultiPolygon`` -> ``vlakken`` (``polygons``); unknown types as they are."""
    if not geometry_type:
        return "–"
    family = FAMILIES.get(geometry_type.removeprefix("Multi"))
    return say(f"family_{family}", lang) if family else geometry_type


@dataclass(frozen=True)
class LayerReport:
    """A layer's validation report in words: sentences, and the loader's other notes."""

    sentences: tuple[str, ...]
    notes: tuple[str, ...]


def loaded_sentence(info: LayerInfo, lang: Lang) -> str:
    """What was loaded: ``12 punten, van EPSG:4326 omgezet naar EPSG:31370.``"""
    formats = Formats(lang)
    if info.kind == "raster":
        cells = say(
            "cells", lang, width=formats.number(info.width), height=formats.number(info.height)
        )
        return say("loaded_raster", lang, cells=cells, dtype=info.dtype, crs=info.crs)
    figures = {
        "count": formats.number(info.feature_count),
        "geometry": geometry_words(info.geometry_type, lang),
        "crs": info.crs,
    }
    if info.source_crs == info.crs:
        return say("loaded_vector_same", lang, **figures)
    return say("loaded_vector", lang, source_crs=info.source_crs, **figures)


def report_in_words(info: LayerInfo, lang: Lang) -> LayerReport:
    """The validation report of ``info`` as sentences in ``lang`` (see the module docstring)."""
    report = info.validation
    sentences = [loaded_sentence(info, lang), *_field_sentences(report, info, lang)]
    notes = []
    for message in report.messages:
        outside = OUTSIDE.search(message)
        if outside:
            km = float(outside.group(1).replace(",", ""))
            sentences.append(say("outside", lang, km=Formats(lang).number(km, 1)))
        elif message != report.mixed_types and not any(p.search(message) for p in REPEATS):
            notes.append(message)
    return LayerReport(tuple(sentences), tuple(notes))


def _field_sentences(report: ValidationReport, info: LayerInfo, lang: Lang) -> list[str]:
    """The sentences of the report's fields; "all valid" for a vector layer with none."""
    out = []
    if report.repaired_invalid:
        out.append(say_count("repaired", report.repaired_invalid, lang))
    if report.dropped_empty:
        out.append(say_count("dropped", report.dropped_empty, lang))
    if report.mixed_types:
        out.append(say("mixed", lang, geometry=info.geometry_type))
    for column, n in report.duplicate_ids.items():
        out.append(say_count("duplicates", n, lang, column=column))
    for column, n in report.null_key_values.items():
        out.append(say_count("nulls", n, lang, column=column))
    if info.kind == "vector" and not (report.repaired_invalid or report.dropped_empty):
        out.insert(0, say("clean", lang))
    if report.encoding:
        out.append(say("encoding", lang, encoding=report.encoding))
    return out
