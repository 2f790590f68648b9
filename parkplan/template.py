"""The ``study.toml`` that ``parkplan init`` writes: every section, explained in comments.

The sections a new study needs are written with their defaults; the optional ones (layers to
load, exclusions, criteria, scenarios, partners, keys, study area, unknowns, basemap...) are
there too, commented out, as examples to start from. Defaults are not copied by hand: each
``@section.key`` of :data:`TEMPLATE` becomes the schema's default, written as TOML.
"""

from __future__ import annotations

import re
from typing import Any

import tomli_w

from parkplan.study_problems import REFERENCE

#: ``= @name`` or ``= @section.key``: the default of that setting.
_DEFAULT = re.compile(r"(?<== )@([a-z_]+(?:\.[a-z_]+)*)")

TEMPLATE = """\
# study.toml: the settings of a parkplan study.
#
# Every section and setting is explained in {reference} (in the parkplan sources, or
# write it with 'parkplan reference --write DIR'); 'parkplan check STUDY_DIR' checks this
# file and the layers it names, and lists every problem with its line.
#
# The optional sections are commented out: remove the '# ' in front of a block to use it.
# Editors with Taplo (e.g. VS Code's Even Better TOML) check this file as you type when its
# first line is '#:schema PATH/study-toml.schema.json' (also written by 'parkplan reference').

schema_version = @schema_version
name = {name}
# Projected CRS of the analysis: every layer is stored in it (Belgian Lambert 72 by default).
crs = {crs}
# Cell size of the suitability grid, in metres.
cell_size_m = @cell_size_m
# Where to compute: "local", or "dask" (with scheduler = "tcp://HOST:PORT").
engine = @engine
# Keep the layers in PostGIS instead of the workspace/ folder (no password here: PGPASSWORD).
# workspace = "postgresql://planner@db.example:5432/parks"

# --- Layers --------------------------------------------------------------------------------
# Load layers with 'parkplan layers add STUDY_DIR FILE --name NAME'; or declare them here and
# 'parkplan run' loads those the workspace lacks: a file, or a layer of a web service (service
# = "wfs" or "ogcapi", an https URL without keys or passwords) of which only the study area's
# bounding box is requested (or bbox = [minx, miny, maxx, maxy] in the study CRS).
# [[layers]]
# name = "nature"
# source = "data/nature.gpkg"
#
# [[layers]]
# name = "stations"
# service = "wfs"
# source = "https://geo.example.org/wfs"
# source_layer = "stations"

# The layer with one polygon per municipality, and the column with their names.
[region]
municipalities = @region.municipalities
name_column = @region.name_column

# --- Exclusions: land where no site may go -------------------------------------------------
# kind: inside (the layer's polygons), buffer (within buffer_m of its features), zoning
# (a category in 'column' outside 'allowed'), raster (cell value 'op' 'value').
# [[exclusions]]
# name = "nature"
# kind = "inside"
# layer = "nature"
#
# [[exclusions]]
# name = "housing_buffer"
# kind = "buffer"
# layer = "residential"
# buffer_m = 150.0

# --- Criteria: what makes land suitable ----------------------------------------------------
# kind: distance, raster, zoning or zone_share; the transform turns the raw value into a
# suitability from 0 to 1 (linear, sigmoid, j_shaped, gaussian, piecewise, categorical).
# [[criteria]]
# name = "motorway"
# kind = "distance"
# layer = "motorway_exits"
# weight = 0.6
# transform = {{ kind = "linear", direction = "decreasing", c = 500.0, d = 5000.0 }}
# description = "close to a motorway exit"
#
# [[criteria]]
# name = "housing"
# kind = "distance"
# layer = "residential"
# weight = 0.4
# transform = {{ kind = "linear", direction = "increasing", a = 100.0, b = 1000.0 }}

# How the criteria are weighed: direct (each criterion's weight), rank_sum, rank_reciprocal,
# rank_order_centroid (by 'rank' or 'order'), or ahp (with 'pairwise').
[weights]
method = @weights.method

# How the criteria combine: wlc (weighted sum), wgm, min or owa.
[aggregation]
method = @aggregation.method

# Candidate sites: contiguous areas scoring at least 'threshold' ("regions"), or the
# polygons of a layer (source = "layer", layer = "...").
[sites]
source = @sites.source
threshold = @sites.threshold
min_area_ha = @sites.min_area_ha
max_sites = @sites.max_sites
# target_area_ha = 30.0      # size the sites to the pooled demand (gross ha)
# sites_per_region = 3       # alternatives carved from one large region (needs target_area_ha)
# separation_m = @sites.separation_m

# Monte Carlo over the weights (and the transforms with transform_jitter > 0).
[robustness]
draws = @robustness.draws
concentration = @robustness.concentration
transform_jitter = @robustness.transform_jitter
seed = @robustness.seed

# --- Scenarios: named variants of the model ------------------------------------------------
# [[scenarios]]
# name = "logistics"
# description = "motorway access first"
# weights = {{ motorway = 0.8, housing = 0.2 }}
# drop_exclusions = ["housing_buffer"]

# Where sites may be found: the partners' municipalities, widened by buffer_m (or a layer).
# [study_area]
# buffer_m = @study_area.buffer_m
# sites_beyond_partners = @study_area.sites_beyond_partners

# --- Partners and their facts --------------------------------------------------------------
# One block per partner municipality, named as in the municipalities layer. A fact that is
# not known is written "unknown" (or left out); it is never taken as zero.
# [[partners]]
# name = "Aarbeke"
# population = 6200
# demand_ha = 3.0
# municipal_opcentiemen = 900.0
# fiscal_capacity_eur = "unknown"
# sources = {{ population = "Statbel 2024" }}

# What a run does with an unknown fact it needs: "refuse" (stop and list them), or "median"
# (the partners' median); [unknowns.assume.FACT] states a value, its range and its source.
# [unknowns]
# fallback = @unknowns.fallback
#
# [unknowns.assume.fiscal_capacity_eur]
# value = 2500000.0
# low = 2000000.0
# high = 3000000.0
# source = "estimate of the finance department"

# --- Finance -------------------------------------------------------------------------------
[finance]
horizon_years = @finance.horizon_years
start_year = @finance.start_year
tax_year = @finance.tax_year
provincial_opcentiemen = @finance.provincial_opcentiemen

# The finance assumptions are illustrative defaults: replace them with local figures.
# [finance.assumptions]
# land_price_eur_per_m2 = 7.5
# sale_price_eur_per_m2_net = 70.0

# --- Sharing keys: who pays and receives which share -----------------------------------------
# kind: equal, population, land, demand, capital, fiscal_capacity, custom or stacked; one key
# for costs and revenues, or [keys.NAME.costs] and [keys.NAME.revenues]. Default: equal.
# [keys.population]
# kind = "population"
#
# [keys.host_first.costs]
# kind = "stacked"
# host_share = 0.1
# rest = [{{ kind = "population", weight = 0.5 }}, {{ kind = "land", weight = 0.5 }}]
#
# [keys.host_first.revenues]
# kind = "population"

# Mechanisms beyond sharing costs and revenues by the keys. Without [mechanisms] the property
# tax is pooled (sub_regional_fund with ov_share = 1.0); naming mechanisms replaces that.
# [mechanisms.sub_regional_fund]
# ov_share = 1.0
#
# [mechanisms.host_compensation]
# eur_per_ha_per_year = 500.0

# Answers for 'parkplan advise' (the form of the cooperation).
[cooperation]
private_partners = @cooperation.private_partners
legal_personality_needed = @cooperation.legal_personality_needed
duration_years = @cooperation.duration_years
management_transfer = @cooperation.management_transfer
other_government_levels = @cooperation.other_government_levels

# How many complete runs the study keeps.
[runs]
keep = @runs.keep

# The compression of a run's rasters: "deflate" opens in every GIS; "zstd" is faster but
# needs GDAL 2.3 or later (ArcGIS Pro 2.x or later); "lzw" is the largest.
[outputs]
compression = @outputs.compression

# The fair-division game: what a group of partners without a candidate site of its own does
# ("no_park": builds nothing; "hypothetical_park": a park at the general assumptions), and
# whether each member's property tax at its own surcharge counts.
[game]
no_site = @game.no_site
property_tax = @game.property_tax

# A background for the maps: XYZ tiles, a WMS or a WMTS (https). The browser fetches it for
# the web map, and the run fetches a picture of it under each map of the dossier (which says
# so when it cannot). Without one, the maps work offline. For example the orthophotos of the
# Flemish geoportal as a WMS:
# [basemap]
# kind = "wms"
# url = "https://geo.api.vlaanderen.be/OMWRGBMRVL/wms"
# layers = "Ortho"
# format = "image/jpeg"
# attribution = "Orthofoto © Digitaal Vlaanderen"
# label = "Luchtfoto"
# or its large-scale base map (GRB) as a WMTS, whose tile matrix set must be Web Mercator
# named by zoom level:
#   kind = "wmts", url = "https://geo.api.vlaanderen.be/GRB/wmts", layers = "grb_bsk",
#   tile_matrix_set = "GoogleMapsVL", attribution = "GRB © Digitaal Vlaanderen"
# or XYZ tiles: url = "https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png" (kind = "xyz").
"""


def new_study_toml(name: str, crs: str, defaults: Any) -> str:
    """The commented ``study.toml`` of a new study named ``name`` in ``crs``; ``defaults`` is
    the schema's default study, whose values fill in each ``@setting``."""
    text = TEMPLATE.format(reference=REFERENCE, name=_toml(name), crs=_toml(crs))
    return _DEFAULT.sub(lambda m: _toml(_attribute(defaults, m.group(1))), text)


def _attribute(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def _toml(value: Any) -> str:
    """``value`` as a TOML value."""
    return tomli_w.dumps({"v": value}).strip().removeprefix("v = ")
