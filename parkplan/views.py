"""What the map and the report are drawn from: :class:`webmap.map_data.MapData` of a study.

Built from the folder of a published run: the site tables, the score raster, each criterion's
standardised raster (``criteria/NAME.tif``, drawn as a surface), the first exclusion of every
cell (``exclusions.tif``), the weights and aggregation of ``run.json``, and the study's layers
as its exclusions see them: an ``inside`` exclusion as its polygons, a ``buffer`` exclusion as
the buffer itself, a ``zoning`` exclusion as the zones of a category it does not allow, a
``raster`` exclusion as a mask of the cells it removes, and the study area (the map dims what
lies outside it). Vector layers are clipped to the analysis grid.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from affine import Affine
from rasterio.windows import Window

from geo.grid import Grid
from geo.layers.blocks import block_windows, streaming_env
from parkplan import library_inputs, outputs, pipeline, score_cache
from parkplan.errors import StudyError
from parkplan.run_facts import RunFacts, read_run_facts
from parkplan.runs import RunStore
from parkplan.study import Study, load_study
from parkplan.workspace import Workspace
from webmap.lookup import lookup_grid, sample_cells
from webmap.map_data import (
    Basemap,
    CellLookup,
    LayerInfo,
    MapData,
    MapEqualisation,
    RunStamp,
    ScoreOverlay,
    map_equalisation,
)

log = logging.getLogger(__name__)

EXCLUSION_RASTER = "exclusions.tif"
CRITERIA_DIR = "criteria"
RAW_DIR = "raw"
#: Segments per quarter circle of a drawn buffer, as :class:`geo.exclusions.BufferExclusion`.
BUFFER_QUAD_SEGS = 16
#: Cells of a criterion surface or an exclusion mask drawn on the map (the score: 1.5 M).
SURFACE_MAX_CELLS = 360_000
#: The unit of a criterion's raw values, by kind ("" where the study does not say).
RAW_UNITS = {"distance": "m", "zone_share": "share", "raster": "", "zoning": ""}
#: Criterion kinds whose raw values mean something on their own (a zoning's are codes).
RAW_SHOWN = ("distance", "zone_share", "raster")
#: Tiles side by side that :func:`read_cells` reads at once (GDAL decodes them in parallel).
CELL_READ_TILES = 8


def map_data(
    study: Study,
    workspace: Workspace,
    sites,
    parts: pd.DataFrame,
    *,
    score_path: Path | None,
    equalisation: MapEqualisation | None,
    run: RunStamp | None,
    folder: Path | None = None,
) -> MapData:
    """Municipalities, ranked sites, the score, exclusion and criterion layers, equalisation;
    with ``folder`` (the run's), also the criterion surfaces and the cell lookup."""
    facts = read_run_facts(folder) if folder is not None else None
    variant = run_variant(study, facts)
    vectors = {info.name for info in workspace.list_layers() if info.kind == "vector"}
    has_score = score_path is not None and score_path.exists()
    grid = run_grid(facts) if has_score else None
    return MapData(
        municipalities=library_inputs.municipalities(study, workspace),
        sites=sites,
        site_municipalities=parts,
        score=outputs.score_overlay(score_path) if has_score and score_path else None,
        exclusions=excluded_land(variant, workspace, vectors, grid),
        criteria_layers={
            c.name: clipped(workspace.read_vector(c.layer), grid)
            for c in variant.criteria
            if c.kind == "distance" and c.layer in vectors
        },
        equalisation=equalisation,
        title=study.name,
        run=run,
        basemap=None if study.basemap is None else Basemap(**study.basemap.model_dump()),
        exclusion_masks=exclusion_masks(variant, workspace, grid),
        study_area=library_inputs.study_area(variant, workspace).area,
        criteria_surfaces=criterion_surfaces(folder, variant) if folder else {},
        weights=run_weights(variant, facts),
        aggregation=run_aggregation(variant, facts),
        criterion_info=criterion_info(variant),
        exclusion_info=exclusion_info(variant),
        lookup=(
            cell_lookup(folder, variant, facts, cache=workspace.scoring_cache())
            if folder and has_score
            else None
        ),
        ramp=study.map.ramp,
    )


def run_map_data(study: Study, workspace: Workspace, folder: Path) -> MapData:
    """The map data of the published run in ``folder`` (every file read from that folder)."""
    _, parts = outputs.read_site_tables(folder)
    return map_data(
        study,
        workspace,
        outputs.read_sites_gpkg(folder),
        parts,
        score_path=folder / pipeline.SCORE_RASTER,
        equalisation=run_equalisation(folder),
        run=outputs.stored_stamp(folder),
        folder=folder,
    )


def run_equalisation(folder: Path) -> MapEqualisation | None:
    """The equalisation of the run in ``folder`` as its map shows it (``None``: none)."""
    summary = outputs.read_summary(folder)
    if summary is None:
        return None
    return map_equalisation(summary, outputs.read_assumed_facts(folder))


def stored_map_data(root: Path, *, scenario: str | None = None) -> MapData:
    """The map data of the current run of a study (or of one of its scenarios)."""
    root = pipeline.study_root(root)
    study = load_study(root)
    folder = RunStore(root).folder(scenario)
    return run_map_data(study, Workspace.open(root), folder)


# -- the run's model --------------------------------------------------------------------------


def run_variant(study: Study, facts: RunFacts | None) -> Study:
    """The study as the run saw it: with the scenario ``run.json`` names (the base model when
    the scenario is no longer in ``study.toml``)."""
    name = facts.scenario if facts else None
    try:
        return study.scenario(name)
    except StudyError:
        log.warning("scenario %r of the run is no longer in study.toml; mapping the base", name)
        return study


def run_grid(facts: RunFacts | None) -> Grid | None:
    """The analysis grid ``run.json`` records (``None`` without one)."""
    grid = facts.grid if facts else None
    return None if grid is None else Grid(**grid.model_dump())


def run_aggregation(study: Study, facts: RunFacts | None) -> str:
    """The aggregation method the run used (``run.json``, else the study's)."""
    used = facts.aggregation if facts else None
    return used.method if used else study.aggregation.method


def run_weights(study: Study, facts: RunFacts | None) -> dict[str, float]:
    """The normalised criterion weights the run used (``run.json``, else from the study)."""
    if facts and facts.weights:
        return dict(facts.weights)
    try:
        return dict(library_inputs.weighting(study).weights)
    except StudyError:
        return {}


def criterion_info(study: Study) -> dict[str, LayerInfo]:
    """How the map names each criterion: its label, description, kind and raw unit."""
    return {
        c.name: LayerInfo(
            label=getattr(c, "label", None),
            description=c.description,
            kind=c.kind,
            unit=RAW_UNITS.get(c.kind, ""),
        )
        for c in study.criteria
    }


def exclusion_info(study: Study) -> dict[str, LayerInfo]:
    """How the map names each exclusion, the study area's outside first (as the engine)."""
    outside = {library_inputs.OUTSIDE_STUDY_AREA: LayerInfo(kind="outside")}
    return outside | {
        e.name: LayerInfo(label=getattr(e, "label", None), description=e.description, kind=e.kind)
        for e in study.exclusions
    }


# -- exclusions as what they exclude ----------------------------------------------------------


def clipped(frame: gpd.GeoDataFrame, grid: Grid | None) -> gpd.GeoDataFrame:
    """``frame`` clipped to the grid (as it is without one)."""
    if grid is None or frame.empty:
        return frame
    return gpd.clip(frame, shapely.box(*grid.bounds))


def excluded_land(
    study: Study, workspace: Workspace, vectors: set[str], grid: Grid | None
) -> dict[str, gpd.GeoDataFrame]:
    """The land each vector exclusion removes, as polygons, by exclusion name."""
    land = {}
    for e in study.exclusions:
        if e.kind == "raster" or e.layer not in vectors:
            continue
        features = clipped(workspace.read_vector(e.layer), grid)
        if e.kind == "buffer":
            assert e.buffer_m is not None  # required of a buffer exclusion
            features = buffered(features, e.buffer_m)
        elif e.kind == "zoning":
            features = zones_not_allowed(features, e.column, e.allowed or [])
        land[e.name] = features
    return land


def buffered(features: gpd.GeoDataFrame, buffer_m: float) -> gpd.GeoDataFrame:
    """The union of the features' buffers, as :class:`geo.exclusions.BufferExclusion` draws
    them (``quad_segs`` = :data:`BUFFER_QUAD_SEGS`)."""
    rings = shapely.buffer(features.geometry.values, buffer_m, quad_segs=BUFFER_QUAD_SEGS)
    union = shapely.union_all(rings)
    return gpd.GeoDataFrame(geometry=[] if union.is_empty else [union], crs=features.crs)


def zones_not_allowed(
    zones: gpd.GeoDataFrame, column: str | None, allowed: list[str]
) -> gpd.GeoDataFrame:
    """The zones whose category (``column``) is not one of ``allowed``."""
    if column not in zones.columns:
        return zones.iloc[0:0]
    keep = ~zones[column].astype(str).isin({str(a) for a in allowed})
    return zones.loc[keep, [column, zones.geometry.name]].rename(columns={column: "name"})


def exclusion_masks(
    study: Study, workspace: Workspace, grid: Grid | None
) -> dict[str, ScoreOverlay]:
    """Each raster exclusion as a raster that is 1 where it excludes, NaN elsewhere."""
    if grid is None:
        return {}
    masks = {}
    for e in study.exclusions:
        if e.kind == "raster":
            masks[e.name] = sampled_mask(library_inputs.exclusion(e, workspace, grid), grid)
    return masks


def display_step(grid: Grid, max_cells: int = SURFACE_MAX_CELLS) -> int:
    """Every how many cells a display raster of at most ``max_cells`` cells samples the grid."""
    return max(1, math.ceil(math.sqrt(grid.width * grid.height / max_cells)))


def sampled_mask(exclusion, grid: Grid) -> ScoreOverlay:
    """The exclusion's own mask, computed block by block as the engine does, sampled at every
    :func:`display_step`-th cell (the centre cell of each step × step square)."""
    step = display_step(grid)
    rows = np.arange(step // 2, grid.height, step)
    cols = np.arange(step // 2, grid.width, step)
    values = np.full((len(rows), len(cols)), np.nan, dtype=np.float32)
    with streaming_env():
        try:
            exclusion.check(grid)
            for window in block_windows(grid, 512):
                r0, c0 = int(window.row_off), int(window.col_off)
                r_in = np.nonzero((rows >= r0) & (rows < r0 + window.height))[0]
                c_in = np.nonzero((cols >= c0) & (cols < c0 + window.width))[0]
                if r_in.size and c_in.size:
                    mask = exclusion.mask_block(grid, window)
                    picked = mask[np.ix_(rows[r_in] - r0, cols[c_in] - c0)]
                    values[np.ix_(r_in, c_in)] = np.where(picked, 1.0, np.nan)
        finally:
            exclusion.close()
    size = step * grid.cell_size_m
    return ScoreOverlay(values, grid.crs, Affine(size, 0.0, grid.x_min, 0.0, -size, grid.y_max))


# -- criterion surfaces and the cell lookup ---------------------------------------------------


def criterion_surfaces(folder: Path, study: Study) -> dict[str, ScoreOverlay]:
    """Each criterion's standardised raster of the run, at display resolution."""
    surfaces = {}
    for c in study.criteria:
        path = folder / CRITERIA_DIR / f"{c.name}.tif"
        if path.is_file():
            surfaces[c.name] = outputs.score_overlay(path, max_cells=SURFACE_MAX_CELLS)
    return surfaces


def read_cells(path: Path, rows: np.ndarray, cols: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """The values of the cells ``(rows, cols)`` of a raster where ``inside`` (float64, NaN for
    nodata and elsewhere).

    The cells are read by :func:`cell_windows`, in the raster's own type and with GDAL's
    small streaming cache, and only the sampled cells are converted: memory stays at a few MB
    whatever the size of the raster."""
    values = np.full(rows.shape, np.nan)
    r, c = rows[inside], cols[inside]
    found = np.full(r.shape, np.nan)
    with streaming_env(), rasterio.open(path, NUM_THREADS="ALL_CPUS") as src:
        for window, picked in cell_windows(src.block_shapes[0], r, c):
            block = src.read(1, window=window, masked=True)
            cells = block[r[picked] - window.row_off, c[picked] - window.col_off]
            found[picked] = cells.astype(np.float64).filled(np.nan)
    values[inside] = found
    return values


def cell_windows(
    tile: tuple[int, int], rows: np.ndarray, cols: np.ndarray
) -> list[tuple[Window, np.ndarray]]:
    """Windows over the cells ``(rows, cols)`` of a raster tiled in ``tile`` (rows, cols): one
    per row of tiles and run of :data:`CELL_READ_TILES` tiles that holds cells, spanning just
    those cells, each with the indices of its cells."""
    height, span = tile[0], tile[1] * CELL_READ_TILES
    groups = (rows // height) * (int(cols.max(initial=0)) // span + 1) + cols // span
    order = np.argsort(groups, kind="stable")
    starts = np.flatnonzero(np.diff(groups[order])) + 1
    windows = []
    for picked in np.split(order, starts) if order.size else []:
        r0, c0 = int(rows[picked].min()), int(cols[picked].min())
        r1, c1 = int(rows[picked].max()) + 1, int(cols[picked].max()) + 1
        windows.append((Window(c0, r0, c1 - c0, r1 - r0), picked))
    return windows


def cell_lookup(
    folder: Path, study: Study, facts: RunFacts | None, *, cache: Path | None = None
) -> CellLookup:
    """The run's rasters sampled on the lookup grid (:mod:`webmap.lookup`): score, each
    criterion's standardised and (when kept) raw values, and the first exclusion per cell.
    The samples of a raster linked from the workspace's scoring ``cache`` are kept there
    (:func:`parkplan.score_cache.sampled_cells`)."""
    score_path = folder / pipeline.SCORE_RASTER
    with rasterio.open(score_path) as src:
        crs, transform, shape = src.crs.to_string(), src.transform, (src.height, src.width)
    grid, grid_shape = lookup_grid(crs, transform, shape)
    cells = sample_cells(grid, grid_shape, crs, transform, shape)

    def sampled(path: Path) -> np.ndarray:
        return score_cache.sampled_cells(cache, path, cells, lambda: read_cells(path, *cells))

    standardised, raw = {}, {}
    for c in study.criteria:
        z_path, raw_path = (
            folder / CRITERIA_DIR / f"{c.name}.tif",
            folder / RAW_DIR / f"{c.name}.tif",
        )
        if z_path.is_file():
            standardised[c.name] = sampled(z_path)
        if raw_path.is_file() and c.kind in RAW_SHOWN:
            raw[c.name] = sampled(raw_path)
    codes_path = folder / EXCLUSION_RASTER
    codes = None
    if codes_path.is_file():
        codes = np.nan_to_num(sampled(codes_path), nan=0.0).astype(np.uint8)
    names = (
        facts.exclusions.names
        if facts and facts.exclusions
        else (library_inputs.OUTSIDE_STUDY_AREA, *(e.name for e in study.exclusions))
    )
    return CellLookup(
        transform=grid,
        score=read_cells(score_path, *cells),
        standardised=standardised,
        raw=raw,
        exclusion=codes,
        exclusion_names=tuple(names),
        cell_size_m=abs(transform.a),
    )
