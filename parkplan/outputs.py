"""Writing and reading the files of one run: site tables, equalisation, ledger, map, report.

A run writes into a folder of its own (:mod:`parkplan.runs`); each file is still written to a
temporary name and renamed into place, so no file in it is ever half-written. Every table
carries the run's id in a ``run_id`` column.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from rasterio.enums import Resampling

from equalisation.summary import EqualisationSummary
from geo.atomic import atomic_path
from parkplan import gis_outputs
from parkplan.errors import StudyError
from parkplan.run_facts import RUN_JSON as RUN_JSON
from parkplan.run_facts import FinishedRun, read_run_facts
from webmap.colours import DEFAULT_RAMP
from webmap.i18n import word
from webmap.map_data import AssumedFact, RunStamp, ScoreOverlay

SITES_GPKG = "sites.gpkg"
SITES_CSV = "sites.csv"
SPLIT_CSV = "site_municipalities.csv"
EQUALISATION_JSON = "equalisation.json"
LEDGER_CSV = "ledger.csv"
LEDGER_XLSX = "ledger.xlsx"
MAP_HTML = "map.html"
REPORT_HTML = "report.html"
WEIGHT_SWEEP_CSV = "weight_sweep.csv"


def write_sites(
    sites,
    folder: Path,
    run_id: str,
    *,
    municipalities: gpd.GeoDataFrame | None = None,
    ramp: str = DEFAULT_RAMP,
) -> dict[str, Path]:
    """``sites.gpkg`` (with geometry) and ``sites.csv`` (without), each with ``run_id``.

    The GeoPackage also holds the site pieces per municipality (given ``municipalities``,
    with a ``name`` column) and the exclusion mask (when the run wrote ``exclusions.tif``),
    all styled for QGIS in the colours of ``ramp``; the score raster, when in ``folder``,
    gets its style beside it (:mod:`parkplan.gis_outputs`)."""
    gpkg, csv = folder / SITES_GPKG, folder / SITES_CSV
    layers = gis_outputs.result_layers(sites, folder, run_id, municipalities)
    gis_outputs.write_styled_gpkg(layers, gpkg, ramp=ramp)
    gis_outputs.write_score_style(folder, ramp)
    stamped = layers[gis_outputs.SITES_LAYER]
    write_csv(pd.DataFrame(stamped.drop(columns="geometry")), csv)
    return {SITES_GPKG: gpkg, SITES_CSV: csv}


def write_csv(table: pd.DataFrame, target: Path) -> Path:
    """A CSV file, UTF-8, no index, floats as written by pandas (full precision)."""
    with atomic_path(target) as temp:
        table.to_csv(temp, index=False, encoding="utf-8", lineterminator="\n")
    return target


def write_json(data: Mapping, target: Path) -> Path:
    """A JSON file (strict: NaN and infinity are refused rather than written)."""
    with atomic_path(target) as temp:
        temp.write_text(
            json.dumps(_jsonable(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n",
            encoding="utf-8",
        )
    return target


def write_text(text: str, target: Path) -> Path:
    """A UTF-8 text file such as an HTML page."""
    with atomic_path(target) as temp:
        temp.write_text(text, encoding="utf-8")
    return target


def run_stamp(run: FinishedRun) -> RunStamp:
    """What the map and the report print about the run that made them."""
    return RunStamp(
        run_id=run.run_id,
        finished_at=str(run.finished_at),
        study_sha256=run.study_sha256,
        inputs_sha256=dict(run.inputs_sha256),
        parkplan_version=run.parkplan_version,
    )


def stored_stamp(folder: Path) -> RunStamp | None:
    """The stamp of the run in ``folder``, from its ``run.json``."""
    facts = read_run_facts(folder)
    return None if facts is None else run_stamp(facts.run)


def _jsonable(value):
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def read_site_tables(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The site table and the split of the last run in ``folder``."""
    sites_csv, split_csv = Path(folder) / SITES_CSV, Path(folder) / SPLIT_CSV
    if not (sites_csv.is_file() and split_csv.is_file()):
        raise StudyError(
            f"{folder} has no {SITES_CSV} and {SPLIT_CSV} yet; run 'parkplan run {folder}' first"
        )
    sites = pd.read_csv(sites_csv, dtype={"site_id": str, "host": str})
    split = pd.read_csv(split_csv, dtype={"site_id": str, "municipality": str})
    return sites.sort_values(["rank", "site_id"]).reset_index(drop=True), split


def read_sites_gpkg(folder: Path):
    """The ranked sites with their geometry, as the last run wrote them."""
    path = Path(folder) / SITES_GPKG
    if not path.is_file():
        raise StudyError(f"{folder} has no {SITES_GPKG} yet; run 'parkplan run {folder}' first")
    sites = gpd.read_file(path, layer="sites", engine="pyogrio")
    sites["site_id"] = sites["site_id"].astype(str)
    return sites.sort_values(["rank", "site_id"]).reset_index(drop=True)


def read_json(path: Path) -> dict | None:
    """A JSON result, or ``None`` when the file does not exist."""
    if not Path(path).is_file():
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StudyError(f"{path} is not valid JSON ({exc}); run the study again") from None


def read_summary(folder: Path) -> EqualisationSummary | None:
    """The typed equalisation summary of the run in ``folder`` (``None`` without one)."""
    data = read_json(Path(folder) / EQUALISATION_JSON)
    if data is None:
        return None
    if "summary" not in data:
        raise StudyError(
            f"{folder / EQUALISATION_JSON} was written by an older parkplan; run the study again"
        )
    return EqualisationSummary.from_dict(data["summary"])


def read_assumed_facts(folder: Path) -> tuple[AssumedFact, ...]:
    """The facts the run in ``folder`` assumed for partners' unknowns (none without an
    equalisation)."""
    data = read_json(Path(folder) / EQUALISATION_JSON)
    return () if data is None else tuple(AssumedFact(**a) for a in data["assumed_facts"])


def score_overlay(path: Path, *, max_cells: int = 1_500_000) -> ScoreOverlay:
    """The score raster read at a display resolution of at most ``max_cells`` cells."""
    with rasterio.open(path) as src:
        factor = max(1, math.ceil(math.sqrt(src.width * src.height / max_cells)))
        shape = (max(1, src.height // factor), max(1, src.width // factor))
        values = src.read(1, out_shape=shape, resampling=Resampling.average, masked=True)
        transform = src.transform @ src.transform.scale(src.width / shape[1], src.height / shape[0])
        return ScoreOverlay(
            values=values.filled(np.nan).astype("float32"),
            crs=src.crs.to_string(),
            transform=transform,
        )


#: Excel's number format of amounts. Excel shows it with the reader's regional separators: in
#: Belgian Dutch 1.234.567,89 (a format written with "#.##0,00" would not work: Excel reads the
#: format string in its own, English notation and only displays in the locale's).
XLSX_AMOUNT = "#,##0.00"
#: The columns of a key's sheet: ledger column, catalogue word, width, amount?
XLSX_COLUMNS = (
    ("key", "xlsx_key", 16, False),
    ("partner", "xlsx_partner", 18, False),
    ("year", "xlsx_year", 7, False),
    ("paid_eur", "xlsx_paid", 15, True),
    ("received_eur", "xlsx_received", 15, True),
    ("net_eur", "xlsx_net", 15, True),
    ("explanation", "xlsx_explanation", 90, False),
    ("assumed", "xlsx_assumed", 40, False),
)


def write_ledger_xlsx(
    ledger: pd.DataFrame, summary: EqualisationSummary | None, target: Path, *, lang: str = "nl"
) -> Path:
    """``ledger.xlsx`` for the finance staff: a summary sheet (per key and partner the totals
    paid, received and net, and the net present value), then one sheet per key with each
    ledger row's inputs (key, partner, year, explanation, assumed facts) beside its figures,
    and a total row. Amounts are numbers with :data:`XLSX_AMOUNT` (shown in the reader's
    locale); headers in ``lang``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    bold = Font(bold=True)
    sheet = book.active
    sheet.title = word("xlsx_summary", lang)[:31]
    _xlsx_summary(sheet, ledger, summary, lang, bold)
    for key, rows in ledger.groupby("key", sort=False):
        sheet = book.create_sheet(_sheet_name(str(key), book.sheetnames))
        _xlsx_key_sheet(sheet, rows, lang, bold)
    for sheet in book.worksheets:
        _text_stays_text(sheet)
    with atomic_path(target) as temp:
        book.save(temp)
    return target


def _text_stays_text(sheet) -> None:
    """Text from the data (a partner or key named ``=HYPERLINK(...)``) stays text: openpyxl
    stores any string starting with ``=`` as a formula, and the ledger holds no formulas."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def _sheet_name(name: str, taken: list[str]) -> str:
    """A sheet name Excel accepts (31 characters at most, no brackets, colons, stars, question
    marks or slashes), unique in the book."""
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in name)[:31] or "key"
    candidate, n = cleaned, 2
    while candidate in taken:
        candidate = f"{cleaned[:28]}~{n}"
        n += 1
    return candidate


def _xlsx_key_sheet(sheet, rows: pd.DataFrame, lang: str, bold) -> None:
    columns = [c for c in XLSX_COLUMNS if c[0] in rows.columns]
    sheet.append([word(label, lang) for _, label, _, _ in columns])
    for record in rows.itertuples(index=False):
        values = dict(zip(rows.columns, record, strict=True))
        sheet.append([_cell(values[name]) for name, _, _, _ in columns])
    totals: list[float | str | None] = [
        float(rows[name].sum()) if amount else None for name, _, _, amount in columns
    ]
    totals[0] = word("xlsx_total", lang)
    sheet.append(totals)
    for index, (_, _, width, amount) in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = width
        if amount:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = XLSX_AMOUNT
    for cell in sheet[1] + sheet[sheet.max_row]:
        cell.font = bold
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{sheet.cell(row=1, column=len(columns)).column_letter}" + str(
        sheet.max_row - 1
    )


def _xlsx_summary(sheet, ledger: pd.DataFrame, summary, lang: str, bold) -> None:
    site = summary.site_id if summary is not None else ""
    run = str(ledger["run_id"].iloc[0]) if "run_id" in ledger and len(ledger) else ""
    sheet.append([word("xlsx_title", lang).format(site=site)])
    sheet.append([word("xlsx_run", lang), run])
    sheet.append([word("xlsx_note", lang)])
    sheet.append([])
    header = ["xlsx_key", "xlsx_partner", "xlsx_paid", "xlsx_received", "xlsx_net", "xlsx_net_pv"]
    sheet.append([word(h, lang) for h in header])
    start = sheet.max_row
    pv = {}
    if summary is not None:
        pv = {(k.name, f.partner): f.net_pv_cents / 100 for k in summary.keys for f in k.partners}
    totals = ledger.groupby(["key", "partner"], sort=False)[["paid_eur", "received_eur", "net_eur"]]
    for index, row in totals.sum().iterrows():
        assert isinstance(index, tuple)  # grouped by two columns: (key, partner)
        key, partner = index
        sheet.append(
            [
                key,
                partner,
                float(row["paid_eur"]),
                float(row["received_eur"]),
                float(row["net_eur"]),
                pv.get((key, partner)),
            ]
        )
    for row in sheet.iter_rows(min_row=start + 1, min_col=3, max_col=6):
        for cell in row:
            cell.number_format = XLSX_AMOUNT
    for cell in sheet[1] + sheet[start]:
        cell.font = bold
    for letter, width in zip("ABCDEF", (16, 18, 16, 16, 16, 22), strict=True):
        sheet.column_dimensions[letter].width = width


def _cell(value):
    """A value openpyxl can store: numpy scalars as Python ones, NaN as an empty cell."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
