"""Interactive Folium maps of a study's results, and a side-by-side comparison of two.

What a map shows, bottom to top: the suitability raster (a colour-blind-safe ramp,
:mod:`webmap.colours`); each criterion's standardised surface with the features it measures
(off by default); every exclusion drawn as the land it removes (hatched polygons; a raster
exclusion as a hatched mask) and the outside of the study area dimmed; the municipalities with
their names; the candidate sites outlined in black on a white halo with their rank in a marker
that stays visible at every zoom. Controls: a legend for every layer, the list of the best
sites (a click zooms to the site and opens its popup), the layer control, a metric scale bar,
full screen; on narrow screens (phones) the layer control, the list and the legend fold into
buttons. A popup shows weight × value per criterion adding up to the score, the split by
municipality in percentages adding up to 100 and the equalisation summary; a click anywhere
else shows that cell's raw and standardised values, contributions and the exclusion that
applies (:mod:`webmap.lookup`).

Popups and labels are built in the browser by ``static/parkplan.js`` with DOM calls from the
data, so no value of the data is ever parsed as HTML; every value reaches the page through the
map's :class:`~webmap.elements.DataSlots`, never through a template. Layer names, which
Leaflet's layer control does parse as HTML, are escaped here.
"""

from __future__ import annotations

import html
from typing import Any, TypedDict

import folium
import geopandas as gpd
import shapely
from branca.element import Figure
from folium.map import CustomPane, Layer
from folium.plugins import Fullscreen
from folium.raster_layers import ImageOverlay
from folium.utilities import JsCode

from webmap.assets import AssetSource, inline_assets, use_local_files
from webmap.basemap_urls import WMS_VERSION, service_endpoint, tile_template
from webmap.colours import CRITERION_RAMP, category_colour, gradient_stops, legend_stops, ramp_lut
from webmap.difference import TEXT as DIFFERENCE_TEXT
from webmap.difference import ScoreDifference, difference_image, difference_legend
from webmap.display import (
    bounds_latlon,
    display_tolerance_m,
    named_features,
    require_columns,
    require_crs,
    share_percents,
    site_features,
)
from webmap.elements import (
    DataSlots,
    FeatureLayer,
    LayerGroup,
    LayerSwitcher,
    LeafletMap,
    Legend,
    MapContext,
    OverviewMap,
    ParkplanCall,
    SitesLayer,
    StaticFiles,
    SyncViews,
    TileNotice,
    Verbatim,
    constant_style,
    page_header,
)
from webmap.i18n import check_lang, label, labels, locale, term
from webmap.lookup import encode_lookup
from webmap.map_data import (
    Basemap,
    CoreCheck,
    LayerInfo,
    MapData,
    MapEqualisation,
    RunStamp,
    ScoreOverlay,
)
from webmap.overlay import OverlayImage, mask_image, overlay_image, png_data_url

MUNICIPALITY_STYLE = {"color": "#555", "weight": 1.5, "fillColor": "#888", "fillOpacity": 0.03}
CRITERION_STYLE = {"color": "#08306b", "weight": 2, "fillColor": "#08306b", "fillOpacity": 0.6}
OUTSIDE_STYLE = {"color": "#222", "weight": 1.2, "fillColor": "#000", "fillOpacity": 0.3}
OVERLAY_OPACITY = 0.75
SURFACE_OPACITY = 0.85
#: Longest side of a criterion surface or an exclusion mask image, in pixels.
SURFACE_PIXELS = 640
#: Stacking of the map's own panes (Leaflet: tiles 200, overlays 400, markers 600, tooltips
#: 650, popups 700): rasters under the vector layers, the sites above every other vector,
#: municipality names under the rank markers.
PANES = {"ppScore": 350, "ppCriteria": 360, "ppMasks": 370, "ppSites": 450, "ppNames": 550}
#: From this many sites on, Leaflet draws on one canvas instead of one SVG path per feature.
CANVAS_FROM_SITES = 2_000
#: Sites listed beside the map, and sites with a rank marker.
TOP_SITES = 10
RANK_MARKERS = 50
#: Fraction of the study area's extent the dimmed outside reaches beyond it.
OUTSIDE_MARGIN = 3.0


def layer_name(fmap: LeafletMap, text: str) -> str:
    """A layer-control entry: Leaflet inserts it as HTML, so it is escaped, and it reaches the
    page through the map's data slots."""
    return fmap.slots.string(html.escape(text, quote=True))


def layer_label(group: str, name: str, info: LayerInfo | None, lang: str) -> str:
    """What the map calls a criterion (``group`` "criterion") or an exclusion: the ``label``
    of ``study.toml``, else the catalogue's name for a built-in name, else the name in words."""
    if info is not None and info.label:
        return info.label
    text = term(group, name, lang) or str(name).replace("_", " ")
    return text[:1].upper() + text[1:]


def site_map(
    data: MapData,
    *,
    lang: str = "nl",
    assets: AssetSource | None = None,
    title: str | None = None,
    collapsed: bool = False,
    slots: DataSlots | None = None,
    **map_options: Any,
) -> LeafletMap:
    """The interactive map of one study result.

    Parameters
    ----------
    data : MapData
        Municipalities, sites, their split by municipality and the optional layers.
    lang : {"nl", "en"}
        Language of every label.
    assets : AssetSource, optional
        When given, the page links the cached web assets as ``file://`` URLs (local-file mode);
        use :func:`map_html` for one self-contained file.
    title : str, optional
        Title shown on the map; ``data.title`` when omitted.
    collapsed : bool
        Fold the layer control into a button (it folds on narrow maps anyway).
    slots : DataSlots, optional
        Where the page's data waits until the page is rendered (shared by the maps of one
        page); fill the rendered page with ``map.slots.fill(page)``.
    **map_options
        Passed to :class:`folium.Map` (size and position).
    """
    lang = check_lang(lang)
    require_columns(data.municipalities, ("name",), what="municipalities")
    require_crs(data.municipalities, what="municipalities")
    tolerance_m = display_tolerance_m([data.municipalities, data.sites])
    image = overlay_image(data.score, ramp=data.ramp) if data.score is not None else None
    fmap = LeafletMap(
        slots=slots if slots is not None else DataSlots(),
        tiles=None,
        control_scale=False,
        prefer_canvas=len(data.sites) >= CANVAS_FROM_SITES,
        **map_options,
    )
    bounds = view_bounds(data, image)
    if bounds is not None:
        fmap.fit_bounds(bounds)
    StaticFiles().add_to(fmap)
    for pane, z_index in PANES.items():
        CustomPane(pane, z_index=z_index, pointer_events=pane != "ppNames").add_to(fmap)
    if data.basemap is not None:
        add_basemap(fmap, data.basemap, lang=lang)
    context = MapContext(map_context(data, lang), slots=fmap.slots)
    context.add_to(fmap)
    add_buttons(fmap, lang=lang, title=data.title if title is None else title, run=data.run)
    towns = add_municipalities(fmap, data.municipalities, lang=lang, tolerance_m=tolerance_m)
    sites = add_sites(fmap, data, lang=lang, tolerance_m=tolerance_m, context=context)
    legend: list[tuple[dict[str, Any], Layer | None]] = [
        ({"kind": "sites", "title": label("legend_site", lang)}, sites),
        ({"kind": "municipalities", "title": label("municipalities", lang)}, towns),
    ]
    if image is not None:
        legend.append((score_entry(data, lang), add_score_overlay(fmap, image, lang=lang)))
    legend += add_outside(fmap, data, lang=lang, tolerance_m=tolerance_m)
    legend += add_exclusions(fmap, data, lang=lang, tolerance_m=tolerance_m)
    legend += add_criteria_layers(fmap, data, lang=lang, tolerance_m=tolerance_m)
    if data.lookup is not None:
        ParkplanCall("cellLookup", encode_lookup(data.lookup), slots=fmap.slots).add_to(fmap)
    add_controls(
        fmap,
        basemap=data.basemap,
        collapsed=collapsed,
        legend=legend,
        context=context,
        groups=layer_groups(legend, lang),
    )
    if data.run is not None:
        page_header(fmap).add_child(run_meta(data.run))
    if assets is not None:
        use_local_files(fmap, assets)
    return fmap


def map_context(data: MapData, lang: str) -> dict[str, Any]:
    """What the popups, the list and the cell lookup read: labels, number format, criteria
    (label, weight, unit), whether contributions add up, exclusions, equalisation."""
    names = data.criteria
    weights = [data.weights.get(name) for name in names]
    known = [w for w in weights if w is not None]
    percents, digits = share_percents(known) if known else ([], 0)
    weighted = [n for n, w in zip(names, weights, strict=True) if w is not None]
    shown = dict(zip(weighted, percents, strict=True))
    criteria = [
        {
            "name": name,
            "label": layer_label("criterion", name, data.criterion_info.get(name), lang),
            "weight": data.weights.get(name),
            "weight_pct": shown.get(name),
            "unit": getattr(data.criterion_info.get(name), "unit", ""),
        }
        for name in names
    ]
    method = data.aggregation
    return {
        "labels": labels(lang),
        "locale": locale(lang),
        "criteria": criteria,
        "weight_digits": digits,
        "additive": method == "wlc" and bool(known) and len(known) == len(names),
        "aggregation": method,
        "aggregation_label": label(f"aggregation_{method}", lang) if method != "wlc" else "",
        "exclusions": exclusion_entries(data, lang),
        "equalisation": equalisation_json(data.equalisation) if data.equalisation else None,
        "key_labels": key_labels(data.equalisation, lang),
        "top": TOP_SITES,
        "rank_markers": RANK_MARKERS,
    }


def key_labels(equalisation: MapEqualisation | None, lang: str) -> dict[str, str]:
    """The name in ``lang`` of each sharing key the equalisation shows (built-in keys from the
    catalogue; others as they are named in ``study.toml``)."""
    keys = equalisation.keys if equalisation else ()
    return {k.name: term("key", k.name, lang) or k.name for k in keys}


def equalisation_json(equalisation: MapEqualisation) -> dict[str, Any]:
    """What the popup reads of the equalisation: the cents of :class:`MapEqualisation` as
    euros, each key's partners by name, the transfers labelled with their key."""
    return {
        "site_id": equalisation.site_id,
        "npv_eur": eur(equalisation.npv_cents),
        "payback_year": equalisation.payback_year,
        "keys": {
            key.name: {
                p.partner: {
                    "paid_eur": eur(p.paid_cents),
                    "received_eur": eur(p.received_cents),
                    "net_eur": eur(p.net_cents),
                    "net_pv_eur": eur(p.net_pv_cents),
                }
                for p in key.partners
            }
            for key in equalisation.keys
        },
        "transfers": [
            {"from": t.payer, "to": t.payee, "amount_eur": eur(t.amount_cents), "key": key.name}
            for key in equalisation.keys
            for t in key.transfers
        ],
        "core": core_json(equalisation.core) if equalisation.core else None,
        "assumed": [
            f"{a.partner}: {a.fact} = {a.value:g} ({a.low:g}–{a.high:g}; {a.source})"
            for a in equalisation.assumed
        ],
    }


def core_json(core: CoreCheck) -> dict[str, Any]:
    """The core check: the allocation, whether it is in the core, the coalitions better off
    leaving now with what each would save, and how many there are in all."""
    return {
        "method": core.allocation,
        "in_core": core.in_core,
        "blocking": [
            {"coalition": " + ".join(b.coalition), "saving_eur": eur(b.saving_cents)}
            for b in core.blocking
        ],
        "blocking_count": core.blocking_count,
    }


def eur(cents: int) -> float:
    """Euros of whole ``cents`` (the nearest float to the exact amount)."""
    return cents / 100


def exclusion_names(data: MapData) -> list[str]:
    """Every exclusion the map knows, in the engine's order (the study area's outside first)."""
    names = list(data.exclusion_info)
    names += [n for n in (*data.exclusions, *data.exclusion_masks) if n not in names]
    if data.lookup is not None:
        names += [n for n in data.lookup.exclusion_names if n not in names]
    return names


def exclusion_entries(data: MapData, lang: str) -> list[dict[str, Any]]:
    """Name, label, kind and colour of every exclusion (the outside is dimmed, not coloured)."""
    entries = []
    for index, name in enumerate(n for n in exclusion_names(data) if not is_outside(data, n)):
        info = data.exclusion_info.get(name)
        entries.append(
            {
                "name": name,
                "label": layer_label("exclusion", name, info, lang),
                "kind": getattr(info, "kind", ""),
                "colour": category_colour(index),
                "pattern": index,
            }
        )
    outside = [n for n in exclusion_names(data) if is_outside(data, n)]
    return [
        {"name": n, "label": label("outside_area", lang), "kind": "outside", "colour": "#000"}
        for n in outside
    ] + entries


def is_outside(data: MapData, name: str) -> bool:
    info = data.exclusion_info.get(name)
    return info is not None and info.kind == "outside"


def basemap_layer(fmap: LeafletMap, basemap: Basemap) -> folium.TileLayer | folium.WmsTileLayer:
    """The background as a Leaflet layer: XYZ and WMTS tiles by their template
    (:func:`webmap.basemap_urls.tile_template`), a WMS as ``L.tileLayer.wms`` (version 1.3.0
    in the map's Web Mercator). Every text of the study reaches the page through the slots;
    the attribution, which Leaflet shows as HTML, is escaped."""
    attribution = fmap.slots.string(html.escape(basemap.attribution, quote=True))
    name = layer_name(fmap, basemap.label)
    if basemap.kind == "wms":
        return folium.WmsTileLayer(
            url=fmap.slots.string(service_endpoint(basemap.url)),
            layers=fmap.slots.string(basemap.layers or ""),
            styles=fmap.slots.string(basemap.style),
            fmt=fmap.slots.string(basemap.format),
            transparent=basemap.format == "image/png",
            version=WMS_VERSION,
            attr=attribution,
            name=name,
            overlay=False,
            max_zoom=19,
        )
    return folium.TileLayer(
        tiles=fmap.slots.string(tile_template(basemap)), attr=attribution, name=name, max_zoom=19
    )


def add_basemap(fmap: LeafletMap, basemap: Basemap, *, lang: str) -> None:
    """The background tiles, with a notice on the map when they cannot load."""
    layer = basemap_layer(fmap, basemap)
    layer.add_to(fmap)
    TileNotice(layer, label("basemap_offline", lang), slots=fmap.slots).add_to(fmap)


def add_municipalities(
    fmap: LeafletMap, municipalities: gpd.GeoDataFrame, *, lang: str, tolerance_m: float
) -> FeatureLayer:
    layer = FeatureLayer(
        named_features(municipalities, tolerance_m=tolerance_m),
        name=layer_name(fmap, label("municipalities", lang)),
        style=constant_style(MUNICIPALITY_STYLE),
        on_each_feature=JsCode("function (f, l) { parkplan.bindName(f, l, '', true); }"),
        slots=fmap.slots,
    )
    layer.add_to(fmap)
    return layer


def view_bounds(data: MapData, image: OverlayImage | None) -> list[list[float]] | None:
    """What the map shows first: the study area (the score raster) and the sites, else the
    municipalities."""
    if image is None:
        return bounds_latlon([data.municipalities, data.sites])
    (south, west), (north, east) = image.bounds_latlon
    sites = bounds_latlon([data.sites])
    if sites is not None:
        (s_south, s_west), (s_north, s_east) = sites
        south, west = min(south, s_south), min(west, s_west)
        north, east = max(north, s_north), max(east, s_east)
    return [[south, west], [north, east]]


def image_layer(
    image: OverlayImage, *, name: str | None, pane: str, opacity: float, **kw: Any
) -> ImageOverlay:
    """A Leaflet image overlay of a warped raster image in one of the map's panes."""
    return ImageOverlay(
        png_data_url(image.rgba),
        bounds=[list(corner) for corner in image.bounds_latlon],
        name=name,
        opacity=opacity,
        mercator_project=False,
        interactive=False,
        pane=pane,
        **kw,
    )


def add_score_overlay(fmap: LeafletMap, image: OverlayImage, *, lang: str) -> ImageOverlay:
    layer = image_layer(
        image, name=layer_name(fmap, label("suitability", lang)), pane="ppScore",
        opacity=OVERLAY_OPACITY,
    )  # fmt: skip
    layer.add_to(fmap)
    return layer


def score_entry(data: MapData, lang: str) -> dict[str, Any]:
    """The legend of the score: its title and the ramp's gradient."""
    return {
        "kind": "ramp",
        "title": label("legend", lang),
        "stops": legend_stops(data.ramp),
        "ticks": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
    }


def outside_area(area: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A frame around the study area with the area cut out (what the map dims)."""
    x0, y0, x1, y1 = area.total_bounds
    margin = OUTSIDE_MARGIN * max(x1 - x0, y1 - y0)
    frame = shapely.box(x0 - margin, y0 - margin, x1 + margin, y1 + margin)
    return gpd.GeoDataFrame(geometry=[frame.difference(area.union_all())], crs=area.crs)


def add_outside(
    fmap: LeafletMap, data: MapData, *, lang: str, tolerance_m: float
) -> list[tuple[dict[str, Any], Layer]]:
    """The outside of the study area, dimmed (not interactive: clicks reach the lookup)."""
    if data.study_area is None or data.study_area.empty:
        return []
    require_crs(data.study_area, what="study area")
    text = label("outside_area", lang)
    layer = FeatureLayer(
        named_features(outside_area(data.study_area), tolerance_m=tolerance_m, name_column=None),
        name=layer_name(fmap, text),
        style=constant_style(OUTSIDE_STYLE),
        on_each_feature=JsCode("function (f, l) {}"),
        slots=fmap.slots,
        options={"interactive": False},
    )
    layer.add_to(fmap)
    return [({"kind": "outside", "title": text}, layer)]


def add_exclusions(
    fmap: LeafletMap, data: MapData, *, lang: str, tolerance_m: float
) -> list[tuple[dict[str, Any], Layer]]:
    """Each exclusion as the land it removes: hatched polygons, or a hatched raster mask."""
    added: list[tuple[dict[str, Any], Layer]] = []
    layer: Layer
    for entry in exclusion_entries(data, lang):
        name = entry["name"]
        text = entry["label"]
        if name in data.exclusions:
            layer = exclusion_polygons(fmap, data.exclusions[name], entry, text, tolerance_m)
        elif name in data.exclusion_masks:
            layer = exclusion_mask(fmap, data.exclusion_masks[name], entry, text)
        else:
            continue
        added.append(({**entry, "kind": "exclusion", "title": entry["label"]}, layer))
    return added


def exclusion_polygons(
    fmap: LeafletMap, frame: gpd.GeoDataFrame, entry: dict, text: str, tolerance_m: float
) -> FeatureLayer:
    """Hatched polygons of one exclusion (the hatch is the exclusion's own pattern)."""
    hatch = {"pattern": entry["pattern"], "colour": entry["colour"]}
    layer = FeatureLayer(
        named_features(frame, tolerance_m=tolerance_m),
        name=layer_name(fmap, text),
        style=JsCode(f"parkplan.exclusionStyle({fmap.slots.script(hatch)})"),
        on_each_feature=JsCode(
            f"function (f, l) {{ parkplan.bindName(f, l, {fmap.slots.script(text)}, false); }}"
        ),
        slots=fmap.slots,
        options={"renderer": JsCode("L.svg()")},  # hatch patterns are SVG (even on canvas maps)
    )
    layer.add_to(fmap)
    return layer


def exclusion_mask(fmap: LeafletMap, mask: ScoreOverlay, entry: dict, text: str) -> ImageOverlay:
    """A raster exclusion (1 where it excludes) as a hatched image in its colour."""
    image = mask_image(mask, entry["colour"], max_pixels=SURFACE_PIXELS)
    layer = image_layer(image, name=layer_name(fmap, text), pane="ppMasks", opacity=1.0)
    layer.add_to(fmap)
    return layer


def add_criteria_layers(
    fmap: LeafletMap, data: MapData, *, lang: str, tolerance_m: float
) -> list[tuple[dict[str, Any], Layer]]:
    """Each criterion, off by default: its standardised surface and the features it measures,
    switched as one entry of the layer control."""
    added: list[tuple[dict[str, Any], Layer]] = []
    lut = ramp_lut(CRITERION_RAMP)
    names = list(dict.fromkeys([*data.criteria_surfaces, *data.criteria_layers]))
    for name in names:
        text = layer_label("criterion", name, data.criterion_info.get(name), lang)
        members: list[Layer] = []
        if name in data.criteria_surfaces:
            image = overlay_image(data.criteria_surfaces[name], max_pixels=SURFACE_PIXELS, lut=lut)
            surface = image_layer(image, name=None, pane="ppCriteria", opacity=SURFACE_OPACITY,
                                  control=False, show=False)  # fmt: skip
            surface.add_to(fmap)
            members.append(surface)
        if name in data.criteria_layers:
            members.append(criterion_features(fmap, data.criteria_layers[name], name, tolerance_m))
        group = LayerGroup(members, name=layer_name(fmap, text))
        group.add_to(fmap)
        entry = {"kind": "criterion", "title": label("legend_criterion", lang), "name": text}
        added.append(({**entry, "stops": gradient_stops(CRITERION_RAMP)}, group))
    return added


def criterion_features(
    fmap: LeafletMap, frame: gpd.GeoDataFrame, name: str, tolerance_m: float
) -> FeatureLayer:
    """The features a criterion measures (e.g. motorway exits), named in a tooltip."""
    fallback = fmap.slots.script(str(name))
    layer = FeatureLayer(
        named_features(frame, tolerance_m=tolerance_m),
        name=layer_name(fmap, str(name)),
        show=False,
        control=False,
        style=constant_style(CRITERION_STYLE),
        on_each_feature=JsCode(
            f"function (f, l) {{ parkplan.bindName(f, l, {fallback}, false); }}"
        ),
        slots=fmap.slots,
    )
    layer.add_to(fmap)
    return layer


def add_sites(
    fmap: LeafletMap, data: MapData, *, lang: str, tolerance_m: float, context: MapContext
) -> SitesLayer:
    """The sites: outlines, rank markers and the list of the best (see ``parkplan.siteLayer``)."""
    layer = SitesLayer(
        site_features(data, tolerance_m=tolerance_m),
        name=layer_name(fmap, label("map_sites", lang)),
        context=context,
        slots=fmap.slots,
    )
    layer.add_to(fmap)
    return layer


def run_meta(run: RunStamp) -> Verbatim:
    """``<meta name="parkplan-run">`` naming the run a page shows (id, time, study hash)."""
    content = html.escape(f"{run.run_id} {run.finished_at} {run.study_sha256}", quote=True)
    return Verbatim(f'<meta name="parkplan-run" content="{content}">')


def run_line(run: RunStamp | None, lang: str) -> str | None:
    """The line under the map's title: which run it shows and when that run ended."""
    return None if run is None else f"{label('run', lang)} {run.run_id} · {run.finished_at}"


def layer_groups(
    legend: list[tuple[dict[str, Any], Layer | None]], lang: str
) -> list[tuple[str, Layer]]:
    """Headings of the layer control: above the first exclusion and the first criterion."""
    titles = {"exclusion": label("legend_exclusions", lang), "criterion": label("criteria", lang)}
    groups, seen = [], set()
    for entry, layer in legend:
        kind = entry["kind"]
        if kind in titles and kind not in seen and layer is not None:
            groups.append((titles[kind], layer))
            seen.add(kind)
    return groups


def add_buttons(fmap: LeafletMap, *, lang: str, title: str, run: RunStamp | None) -> None:
    """Title, full screen and the scale bar (before the layers: the list of the best sites
    then comes below the buttons)."""
    if title:
        ParkplanCall("title", title, run_line(run, lang), slots=fmap.slots).add_to(fmap)
    Fullscreen(
        position="topleft",
        title=fmap.slots.string(label("fullscreen", lang)),
        title_cancel=fmap.slots.string(label("fullscreen_exit", lang)),
    ).add_to(fmap)
    ParkplanCall("scale", slots=fmap.slots).add_to(fmap)


def add_controls(
    fmap: LeafletMap,
    *,
    basemap: Basemap | None,
    collapsed: bool,
    legend: list[tuple[dict[str, Any], Layer | None]],
    context: MapContext,
    groups: list[tuple[str, Layer]],
) -> None:
    """The legend, the minimap and the layer control (after the layers they describe)."""
    Legend(
        [entry for entry, _ in legend],
        [layer for _, layer in legend],
        context=context,
        slots=fmap.slots,
    ).add_to(fmap)
    if basemap is not None:
        overview = basemap_layer(fmap, basemap)
        OverviewMap(overview, position="bottomleft", toggle_display=True).add_to(fmap)
    LayerSwitcher(collapsed=collapsed, groups=groups, slots=fmap.slots).add_to(fmap)


def map_html(
    data: MapData,
    *,
    lang: str = "nl",
    assets: AssetSource | None = None,
) -> str:
    """The map as one HTML page; self-contained (assets inlined) when ``assets`` is given."""
    fmap = site_map(data, lang=lang)
    page = fmap.slots.fill(fmap.get_root().render())
    return inline_assets(page, assets) if assets is not None else page


#: Where the maps of a comparison sit: side by side (with the difference: three of the same
#: shape, so that on one view they show the same land).
class _Place(TypedDict):
    """Where a map of a comparison sits on the page (CSS lengths)."""

    left: str
    top: str
    width: str
    height: str


PAIR_PLACES: tuple[_Place, ...] = (
    {"left": "0%", "top": "0%", "width": "50%", "height": "100%"},
    {"left": "50%", "top": "0%", "width": "50%", "height": "100%"},
)
TRIO_PLACES: tuple[_Place, _Place, _Place] = (
    {"left": "0%", "top": "0%", "width": "33.33%", "height": "100%"},
    {"left": "33.33%", "top": "0%", "width": "33.33%", "height": "100%"},
    {"left": "66.67%", "top": "0%", "width": "33.33%", "height": "100%"},
)
#: Below this page width the three maps of a comparison are stacked.
STACK_BELOW_PX = 720


def compare_html(
    left: MapData,
    right: MapData,
    *,
    left_title: str,
    right_title: str,
    lang: str = "nl",
    assets: AssetSource | None = None,
    difference: ScoreDifference | None = None,
) -> str:
    """Two scenarios side by side on maps that keep the same view (pan or zoom either); with
    ``difference`` (right − left), a third map beside them on the same view shows it (on
    narrow pages the three are stacked)."""
    figure = Figure()
    slots = DataSlots()
    places = PAIR_PLACES if difference is None else TRIO_PLACES
    maps = []
    for data, title, place in zip((left, right), (left_title, right_title), places, strict=False):
        half = site_map(
            data, lang=lang, title=title, collapsed=True, slots=slots, position="absolute", **place
        )
        figure.add_child(half)
        maps.append(half)
    figure.add_child(SyncViews(*maps))
    if difference is not None:
        below = difference_map(
            difference, left.municipalities, lang=lang, slots=slots, position="absolute",
            **TRIO_PLACES[2],
        )  # fmt: skip
        figure.add_child(below)
        figure.add_child(SyncViews(maps[1], below))
        maps.append(below)
        figure.header.add_child(Verbatim(stacked_style(maps)))
    for data in (left, right):
        if data.run is not None:
            figure.header.add_child(run_meta(data.run))
    page = slots.fill(figure.render())
    return inline_assets(page, assets) if assets is not None else page


def stacked_style(maps: list[LeafletMap]) -> str:
    """CSS that stacks the maps of a comparison one below the other on narrow pages."""
    share = 100 / len(maps)
    rules = " ".join(
        f"#{m.get_name()} {{ left: 0 !important; width: 100% !important; "
        f"top: {i * share:.2f}% !important; height: {share:.2f}% !important; }}"
        for i, m in enumerate(maps)
    )
    return f"<style>@media (max-width: {STACK_BELOW_PX}px) {{ {rules} }}</style>"


def difference_map(
    difference: ScoreDifference,
    municipalities: gpd.GeoDataFrame,
    *,
    lang: str,
    slots: DataSlots,
    **map_options: Any,
) -> LeafletMap:
    """The score difference of two runs over the municipalities, with its legend."""
    lang = check_lang(lang)
    image = difference_image(difference)
    fmap = LeafletMap(slots=slots, tiles=None, control_scale=False, **map_options)
    fmap.fit_bounds([list(corner) for corner in image.bounds_latlon])
    StaticFiles().add_to(fmap)
    for pane in ("ppScore", "ppNames"):
        CustomPane(pane, z_index=PANES[pane], pointer_events=pane != "ppNames").add_to(fmap)
    context = {"labels": labels(lang), "locale": locale(lang), "exclusions": []}
    context_element = MapContext(context, slots=fmap.slots)
    context_element.add_to(fmap)
    add_buttons(fmap, lang=lang, title=DIFFERENCE_TEXT[lang]["title"], run=None)
    tolerance_m = display_tolerance_m([municipalities])
    towns = add_municipalities(fmap, municipalities, lang=lang, tolerance_m=tolerance_m)
    title = layer_name(fmap, DIFFERENCE_TEXT[lang]["title"])
    layer = image_layer(image, name=title, pane="ppScore", opacity=OVERLAY_OPACITY)
    layer.add_to(fmap)
    legend: list[tuple[dict[str, Any], Layer | None]] = [
        (difference_legend(difference.limit, lang), layer),
        ({"kind": "municipalities", "title": label("municipalities", lang)}, towns),
    ]
    add_controls(
        fmap, basemap=None, collapsed=True, legend=legend, context=context_element, groups=[]
    )
    return fmap
