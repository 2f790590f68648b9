"""The result objects a map or a report is drawn from.

The application fills these frozen dataclasses with in-memory results; :mod:`webmap` only
reads them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from affine import Affine
from geopandas import GeoDataFrame
from shapely.geometry.base import BaseGeometry

#: Prefix of the per-criterion score columns of ``MapData.sites`` (``c_<criterion>``).
CRITERION_PREFIX = "c_"


@dataclass(frozen=True)
class ScoreOverlay:
    """The suitability raster: scores 0..1, NaN as nodata, in ``crs`` with ``transform``."""

    values: np.ndarray
    crs: str
    transform: Affine


@dataclass(frozen=True)
class RunStamp:
    """Which run a page shows: its id, when it ended, the SHA-256 of the ``study.toml`` it ran
    and of each input layer's source, and the version of parkplan that made it."""

    run_id: str
    finished_at: str
    study_sha256: str
    inputs_sha256: Mapping[str, str] = field(default_factory=dict)
    parkplan_version: str = ""


@dataclass(frozen=True)
class Basemap:
    """Background tiles: an XYZ URL template with ``{z}``, ``{x}`` and ``{y}``, its attribution,
    and the name the layer control shows. The browser fetches the tiles; without a network the
    map says so and shows everything else."""

    url: str
    attribution: str
    label: str = "basemap"


@dataclass(frozen=True)
class MapData:
    """Everything one interactive map shows.

    ``sites`` carries ``site_id``, ``score`` (0..1) and, when known, ``rank``, ``area_ha``,
    ``host``, ``p_first``, ``p_top3`` and one ``c_<criterion>`` column per criterion (0..1).
    ``site_municipalities`` carries ``site_id``, ``municipality``, ``area_ha``, ``share``.
    ``equalisation`` is the summary of the best site (``site_id``, ``npv_eur``, ``keys``, ``core``).
    """

    municipalities: GeoDataFrame
    sites: GeoDataFrame
    site_municipalities: pd.DataFrame
    score: ScoreOverlay | None = None
    exclusions: Mapping[str, GeoDataFrame] = field(default_factory=dict)
    criteria_layers: Mapping[str, GeoDataFrame] = field(default_factory=dict)
    equalisation: Mapping[str, Any] | None = None
    title: str = "parkplan"
    run: RunStamp | None = None
    basemap: Basemap | None = None

    @property
    def criteria(self) -> tuple[str, ...]:
        """The criterion names, from the ``c_<criterion>`` columns of ``sites``."""
        return criterion_names(self.sites)


def criterion_names(sites: pd.DataFrame) -> tuple[str, ...]:
    """Names of the ``c_<criterion>`` columns, in column order, without the prefix."""
    return tuple(
        str(column)[len(CRITERION_PREFIX) :]
        for column in sites.columns
        if str(column).startswith(CRITERION_PREFIX)
    )


@dataclass(frozen=True)
class SiteSheet:
    """One page of the report about one site.

    ``breakdown`` maps criterion -> score 0..1; ``split`` has ``municipality``, ``area_ha``,
    ``share``; ``exclusions_nearby`` is a list of ``{"name": ..., "distance_m": ...}``;
    ``finance`` maps a label to a value (euros when the label ends in ``_eur``).
    ``geometry`` is in ``crs``, like ``municipalities`` (reprojected when they differ).
    """

    site_id: Any
    score: float
    rank: int | None
    area_ha: float | None
    host: str | None
    geometry: BaseGeometry
    crs: str
    municipalities: GeoDataFrame
    breakdown: Mapping[str, float] = field(default_factory=dict)
    split: pd.DataFrame | None = None
    exclusions_nearby: Sequence[Mapping[str, Any]] = ()
    finance: Mapping[str, Any] = field(default_factory=dict)
    p_first: float | None = None
    p_top3: float | None = None


@dataclass(frozen=True)
class ReportData:
    """Everything the report for the mayors' conference shows.

    ``sites`` is the ranking (``site_id``, ``score``, ``rank`` and, when known, ``p_first``,
    ``p_top3``, ``host``, ``area_ha``); ``assumptions`` are dicts with ``name``, ``value``,
    ``unit``, ``source`` (or "illustrative"); ``cooperation`` are dicts with ``form``, ``fits``,
    ``reason``; ``equalisation`` has the same shape as ``MapData.equalisation`` and may add
    ``transfers`` (``{"from", "to", "amount_eur"}``) and ``years`` per partner.
    """

    title: str
    sites: pd.DataFrame
    sheets: Sequence[SiteSheet] = ()
    equalisation: Mapping[str, Any] | None = None
    assumptions: Sequence[Mapping[str, Any]] = ()
    cooperation: Sequence[Mapping[str, Any]] = ()
    robustness: str = ""
    run: RunStamp | None = None
    warnings: Sequence[str] = ()
    assumed_facts: Sequence[Mapping[str, Any]] = ()
    assumption_effects: Mapping[str, Mapping[str, Mapping[str, float]]] = field(
        default_factory=dict
    )
