"""``parkplan export``: the current run's results as a self-describing folder.

The folder holds copies of the run's files (data, styles, pages, ledger, the run's own
``study.toml``), optionally the dossier printed as ``dossier.pdf``, a ``README.md`` (in Dutch
or English) with a table of every file (what it is, its CRS, its source) and ``manifest.json``
with the same facts typed. Everything is written into a hidden sibling folder that is renamed
onto the target at the end, so a failure leaves nothing behind.

Text from the data (the study's name, layer, criterion and file names) is escaped in the
Markdown tables and never used to build a path: only file names found in the run's folder are.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path, PurePosixPath

import rasterio
from pyproj import CRS

from geo.errors import LayerError
from geo.layers.crs import crs_label
from geo.layers.provenance import ServiceProvenance
from geo.layers.read import layer_crs_labels
from parkplan import pipeline
from parkplan.errors import ParkplanError
from parkplan.report import report_of_run
from parkplan.run_facts import read_run_facts
from parkplan.runs import RunStore
from parkplan.study import STUDY_FILE, Study, load_study, read_study
from parkplan.workspace import Workspace
from webmap.browser import CHROMIUM_ENV, chromium_path
from webmap.pdf import html_to_pdf

README_MD = "README.md"
MANIFEST_JSON = "manifest.json"
DOSSIER_PDF = "dossier.pdf"
MANIFEST_FORMAT = "parkplan-export"


@dataclass(frozen=True)
class Kind:
    """What a kind of file in the run's folder is: its ``kind`` and, per language, a
    description (``{name}``: the file's stem, for the per-criterion rasters)."""

    kind: str
    nl: str
    en: str


#: The run's files that are exported, by name (files of the folder ``criteria/`` and ``raw/``
#: by their folder); anything else in a run's folder (the API's GeoJSON copy) is left out.
KINDS: Mapping[str, Kind] = {
    "sites.gpkg": Kind(
        "vector",
        "Kandidaat-locaties gerangschikt volgens geschiktheid (laag sites), per gemeente "
        "opgedeeld (site_pieces), de uitgesloten gebieden (exclusion_mask) en de gemeenten "
        "(municipalities), met hun QGIS-stijlen (layer_styles)",
        "Candidate sites ranked by suitability (layer sites), cut by municipality "
        "(site_pieces), the excluded land (exclusion_mask) and the municipalities "
        "(municipalities), with their QGIS styles (layer_styles)",
    ),
    "sites.csv": Kind(
        "table",
        "Kandidaat-locaties zonder geometrie: oppervlakte, score, rang, gastgemeente, "
        "criteriumwaarden, p_first en p_top3",
        "Candidate sites without geometry: area, score, rank, host municipality, criterion "
        "values, p_first and p_top3",
    ),
    "site_municipalities.csv": Kind(
        "table",
        "Elke kandidaat-locatie opgedeeld per gemeente: oppervlakte en aandeel",
        "Each candidate site split by municipality: area and share",
    ),
    "equalisation.json": Kind(
        "data",
        "Verevening van de beste locatie: financiën, onroerende voorheffing, de "
        "verdeelsleutels naast elkaar en het coöperatief spel",
        "Equalisation of the best site: finance, property tax, the sharing keys side by side "
        "and the cooperative game",
    ),
    "ledger.csv": Kind(
        "table",
        "Grootboek per verdeelsleutel, partnergemeente en jaar: betaald, ontvangen en netto "
        "in euro, met de formule achter elke regel",
        "Ledger per sharing key, partner and year: paid, received and net in euros, with the "
        "formula behind each line",
    ),
    "ledger.xlsx": Kind(
        "spreadsheet",
        "Hetzelfde grootboek als rekenblad: een overzicht en één blad per verdeelsleutel",
        "The same ledger as a spreadsheet: a summary and one sheet per sharing key",
    ),
    "map.html": Kind("page", "Interactieve kaart", "Interactive map"),
    "report.html": Kind(
        "page",
        "Dossier voor het burgemeestersoverleg (HTML)",
        "Dossier for the mayors' conference (HTML)",
    ),
    "run.json": Kind(
        "data",
        "De berekening: id, tijd, SHA-256 van study.toml en van elke bronlaag, gebruikte "
        "gewichten en instellingen, bevindingen en waarschuwingen",
        "The run: id, time, SHA-256 of study.toml and of every source layer, the weights and "
        "settings used, findings and warnings",
    ),
    "weight_sweep.csv": Kind(
        "table",
        "Gevoeligheidsanalyse: één gewicht tegelijk van 0,01 tot 0,99 en de beste "
        "kandidaat-locatie bij elke stap",
        "Sensitivity analysis: one weight at a time from 0.01 to 0.99 and the leading site at "
        "each step",
    ),
    "suitability.tif": Kind(
        "raster", "Geschiktheidskaart (score 0–1 per cel)", "Suitability map (score 0–1 per cell)"
    ),
    "suitability.qml": Kind(
        "style", "QGIS-stijl van de geschiktheidskaart", "QGIS style of the suitability map"
    ),
    "project.qgz": Kind(
        "project",
        "QGIS-project: gemeenten, geschiktheidskaart, criteria, uitsluitingen, locaties en hun "
        "delen per gemeente, opgemaakt zoals op de kaart; paden relatief aan deze map",
        "QGIS project: municipalities, suitability map, criteria, exclusions, sites and their "
        "pieces per municipality, styled as on the map; paths relative to this folder",
    ),
    "exclusions.tif": Kind(
        "raster",
        "Uitsluitingen: per cel de code van het eerste uitsluitingscriterium dat ze uitsluit",
        "Exclusions: per cell the code of the first exclusion criterion that removes it",
    ),
    STUDY_FILE: Kind(
        "study",
        "De studie zoals ze berekend werd: lagen, criteria, gewichten, partners, financiën, "
        "verdeelsleutels",
        "The study as it was run: layers, criteria, weights, partners, finance, sharing keys",
    ),
    "criteria/": Kind(
        "raster",
        "Gestandaardiseerde waarde (0–1) van geschiktheidscriterium {name}",
        "Standardised value (0–1) of the suitability criterion {name}",
    ),
    "raw/": Kind(
        "raster",
        "Ruwe waarde van geschiktheidscriterium {name} (vóór standaardisering)",
        "Raw value of the suitability criterion {name} (before standardisation)",
    ),
    DOSSIER_PDF: Kind(
        "document",
        "Dossier voor het burgemeestersoverleg, afgedrukt als PDF",
        "Dossier for the mayors' conference, printed as PDF",
    ),
}


@dataclass(frozen=True)
class LayerSource:
    """Where a layer the run read came from: the run's SHA-256 of its source and, while the
    workspace's catalogue still holds that version, the source file's name (or the web
    service) and load time, and for a web service its provenance (URL, layer, request...)."""

    name: str
    sha256: str
    file_name: str | None
    loaded_at: str | None
    service: ServiceProvenance | None = None


@dataclass(frozen=True)
class ExportedFile:
    """One exported file: its path in the folder (``/``-separated), kind, CRS (``None`` for
    non-spatial files), SHA-256, size, and the layers it was computed from when it is one
    criterion's raster."""

    file: str
    kind: str
    crs: str | None
    sha256: str
    bytes: int
    layers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Export:
    """A written export: where, which run of which study, its files and source layers."""

    folder: Path
    run_id: str
    study: str
    scenario: str | None
    lang: str
    files: tuple[ExportedFile, ...]
    layers: tuple[LayerSource, ...]


def export_run(
    root: Path,
    target: Path,
    *,
    scenario: str | None = None,
    lang: str = "nl",
    pdf: bool = True,
    chromium: Path | str | None = None,
) -> Export:
    """Export the current run of the base model (or ``scenario``) of the study at ``root`` into
    the new or empty folder ``target``; all or nothing."""
    root = pipeline.study_root(root)
    target = Path(os.path.abspath(target))
    check_target(target)
    if pdf:
        check_chromium(chromium)
    folder = RunStore(root).folder(scenario)
    study = study_of_run(root, folder)
    workspace = Workspace.open(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{secrets.token_hex(4)}.export")
    staging.mkdir()
    try:
        names = copy_results(folder, staging)
        if pdf:
            html = report_of_run(study, workspace, folder, lang=lang)
            html_to_pdf(html, staging / DOSSIER_PDF, chromium=chromium)
            names.append(DOSSIER_PDF)
        export = describe(study, folder, staging, names, workspace, lang=lang)
        write_manifest(export, staging / MANIFEST_JSON)
        (staging / README_MD).write_text(readme(export), encoding="utf-8")
        move_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return replace(export, folder=target)


def check_target(target: Path) -> None:
    """Refuse a target that is a file or a folder with something in it."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise ParkplanError(f"{target} exists and is not a folder; give a new or empty folder")
    if target.is_dir() and any(target.iterdir()):
        raise ParkplanError(f"{target} is not empty; give a new or empty folder")


def check_chromium(chromium: Path | str | None) -> None:
    """Refuse early when the Chromium that prints the dossier is missing."""
    executable, origin = chromium_path(chromium)
    if not executable.is_file():
        raise ParkplanError(
            f"Chromium was not found at {executable} ({origin}); pass --chromium PATH (or set "
            f"{CHROMIUM_ENV}) to print the dossier, or --no-pdf to export without it"
        )


def move_into_place(staging: Path, target: Path) -> None:
    """Rename the finished folder onto ``target`` (which may be an empty folder)."""
    try:
        os.rename(staging, target)
    except OSError as exc:
        raise ParkplanError(f"could not write {target}: {exc.strerror or exc}") from None


def exported_names(folder: Path) -> list[str]:
    """The run's files that are exported (see :data:`KINDS`), as ``/``-separated paths."""
    names = []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        name = path.relative_to(folder).as_posix()
        if kind_key(name) is not None:
            names.append(name)
    return names


def kind_key(name: str) -> str | None:
    """The key of :data:`KINDS` describing the file ``name`` (``None``: not exported)."""
    parts = PurePosixPath(name).parts
    if len(parts) == 1:
        return name if name in KINDS and name != DOSSIER_PDF else None
    if len(parts) == 2 and f"{parts[0]}/" in KINDS and parts[1].endswith(".tif"):
        return f"{parts[0]}/"
    return None


def copy_results(folder: Path, staging: Path) -> list[str]:
    """Copy the exported files of the run's ``folder`` into ``staging``; their names."""
    names = exported_names(folder)
    for name in names:
        copy = staging / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / name, copy)
    return names


def study_of_run(root: Path, folder: Path) -> Study:
    """The study as the run in ``folder`` read it (its own copy of ``study.toml``, else the
    study's current one)."""
    return read_study(folder)[0] if (folder / STUDY_FILE).is_file() else load_study(root)


def describe(
    study: Study,
    folder: Path,
    staging: Path,
    names: list[str],
    workspace: Workspace,
    *,
    lang: str,
) -> Export:
    """The facts of the export in ``staging``, read from its files and the run's ``run.json``."""
    facts = read_run_facts(folder)
    criterion_layers = {c.name: c.layer for c in study.criteria}
    files = tuple(file_facts(staging, name, criterion_layers) for name in names)
    return Export(
        folder=staging,
        run_id=facts.run.run_id if facts else folder.name,
        study=study.name,
        scenario=facts.scenario if facts else None,
        lang=lang,
        files=files,
        layers=layer_sources(workspace, facts.run.inputs_sha256 if facts else {}),
    )


def file_facts(staging: Path, name: str, criterion_layers: Mapping[str, str]) -> ExportedFile:
    """Kind, CRS, SHA-256 and size of the exported file ``name``."""
    path = staging / name
    key = kind_key(name) or name
    layer = criterion_layers.get(PurePosixPath(name).stem) if key.endswith("/") else None
    return ExportedFile(
        file=name,
        kind=KINDS[key].kind,
        crs=file_crs(path),
        sha256=sha256_of(path),
        bytes=path.stat().st_size,
        layers=(layer,) if layer else (),
    )


def sha256_of(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def file_crs(path: Path) -> str | None:
    """The CRS of a GeoPackage's or GeoTIFF's data, read from the file (``None``: none)."""
    if path.suffix == ".gpkg":
        try:
            return ", ".join(layer_crs_labels(path)) or None
        except LayerError as exc:
            raise ParkplanError(str(exc)) from None
    if path.suffix == ".tif":
        with rasterio.open(path) as raster:
            return crs_label(CRS.from_wkt(raster.crs.to_wkt())) if raster.crs else None
    return None


def layer_sources(workspace: Workspace, used: Mapping[str, str]) -> tuple[LayerSource, ...]:
    """The layers the run read (``run.json``), with their source file from the catalogue
    while it holds the same version (same SHA-256)."""
    catalogue = {info.name: info for info in workspace.list_layers()}
    sources = []
    for name, sha256 in sorted(used.items()):
        info = catalogue.get(name)
        if info is None or info.sha256 != sha256:
            sources.append(LayerSource(name, sha256, None, None))
            continue
        sources.append(LayerSource(name, sha256, info.source_name(), info.loaded_at, info.service))
    return tuple(sources)


def manifest(export: Export) -> dict:
    """The typed facts of ``export`` as ``manifest.json`` holds them."""
    return {
        "format": MANIFEST_FORMAT,
        "version": 1,
        "run_id": export.run_id,
        "study": export.study,
        "scenario": export.scenario,
        "lang": export.lang,
        "files": [asdict(f) | {"layers": list(f.layers)} for f in export.files],
        "layers": [asdict(layer) for layer in export.layers],
    }


def write_manifest(export: Export, target: Path) -> None:
    text = json.dumps(manifest(export), indent=2, ensure_ascii=False)
    target.write_text(text + "\n", encoding="utf-8")


# -- README ------------------------------------------------------------------------------------

#: The README's words, per language.
WORDS: Mapping[str, Mapping[str, str]] = {
    "nl": {
        "title": "Export van de berekening {run}",
        "intro": "Resultaten van de huidige berekening van {what} van de studie „{study}”.",
        "base": "het basismodel",
        "scenario": "het scenario „{name}”",
        "manifest": "`manifest.json` bevat dezelfde gegevens in machineleesbare vorm "
        "(bestand, soort, CRS, SHA-256, grootte in bytes).",
        "files": "| bestand | wat het is | CRS | bron |",
        "source": "berekening {run}, studie „{study}”",
        "from_layer": "laag {layer}",
        "layers_title": "Bronlagen",
        "layers_intro": "De lagen die de berekening las, met de SHA-256 van hun bron.",
        "layers": "| laag | bronbestand of webdienst | geladen op | SHA-256 |",
        "unknown": "niet meer in de werkruimte",
        "none": "geen",
    },
    "en": {
        "title": "Export of run {run}",
        "intro": "Results of the current run of {what} of the study “{study}”.",
        "base": "the base model",
        "scenario": "the scenario “{name}”",
        "manifest": "`manifest.json` holds the same facts in machine-readable form "
        "(file, kind, CRS, SHA-256, size in bytes).",
        "files": "| file | what it is | CRS | source |",
        "source": "run {run}, study “{study}”",
        "from_layer": "layer {layer}",
        "layers_title": "Source layers",
        "layers_intro": "The layers the run read, with the SHA-256 of their source.",
        "layers": "| layer | source file or web service | loaded at | SHA-256 |",
        "unknown": "no longer in the workspace",
        "none": "none",
    },
}
MARKDOWN_SPECIALS = "\\|`*[]<>#"


def cell(text: object) -> str:
    """``text`` as one line of literal Markdown (table pipes and markup escaped)."""
    line = " ".join(str(text).split())
    return "".join(f"\\{c}" if c in MARKDOWN_SPECIALS else c for c in line)


def readme(export: Export) -> str:
    """The folder's ``README.md`` in the export's language."""
    words = WORDS[export.lang]
    what = (
        words["scenario"].format(name=cell(export.scenario)) if export.scenario else words["base"]
    )
    lines = [
        f"# {words['title'].format(run=cell(export.run_id))}",
        "",
        words["intro"].format(what=what, study=cell(export.study)),
        words["manifest"],
        "",
        words["files"],
        "|---|---|---|---|",
        *(file_row(export, f) for f in export.files),
        "",
        f"## {words['layers_title']}",
        "",
        words["layers_intro"],
        "",
        words["layers"],
        "|---|---|---|---|",
        *(layer_row(layer, words) for layer in export.layers),
    ]
    return "\n".join(lines) + "\n"


def file_row(export: Export, exported: ExportedFile) -> str:
    words = WORDS[export.lang]
    kind = KINDS[kind_key(exported.file) or exported.file]
    what = getattr(kind, export.lang).format(name=PurePosixPath(exported.file).stem)
    source = words["source"].format(run=export.run_id, study=export.study)
    sources = [source, *(words["from_layer"].format(layer=layer) for layer in exported.layers)]
    return (
        "| "
        + " | ".join(
            [
                cell(exported.file),
                cell(what),
                cell(exported.crs or words["none"]),
                cell("; ".join(sources)),
            ]
        )
        + " |"
    )


def layer_row(layer: LayerSource, words: Mapping[str, str]) -> str:
    cells = [
        layer.name,
        layer.file_name or words["unknown"],
        layer.loaded_at or words["unknown"],
        layer.sha256,
    ]
    return "| " + " | ".join(cell(c) for c in cells) + " |"
