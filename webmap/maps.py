"""Interactive Folium maps of a study's results, and a side-by-side comparison of two.

Layers: municipalities (names as labels), the suitability raster, exclusions, criterion layers
(off by default) and the candidate sites coloured by score, with a legend, a layer control,
tooltips and popups (score, rank, robustness, per-criterion bar chart, split by municipality,
equalisation summary). Popups are built in the browser by ``static/parkplan.js`` from the
features' properties with DOM calls, so no value of the data is ever parsed as HTML; layer names,
which Leaflet's layer control does parse as HTML, are escaped here.
"""

from __future__ import annotations

import html
from typing import Any

import folium
from branca.element import Figure
from folium.plugins import Fullscreen, MiniMap
from folium.raster_layers import ImageOverlay
from folium.utilities import JsCode

from webmap.assets import AssetSource, inline_assets, use_local_files
from webmap.colours import legend_stops, score_colormap
from webmap.display import (
    bounds_latlon,
    display_tolerance_m,
    jsonable,
    named_features,
    require_columns,
    require_crs,
    site_features,
)
from webmap.elements import (
    DataSlots,
    FeatureLayer,
    LeafletMap,
    MapContext,
    ParkplanCall,
    StaticFiles,
    SyncViews,
    TileNotice,
    Verbatim,
    constant_style,
    js_literal,
)
from webmap.i18n import check_lang, label, labels, locale
from webmap.model import Basemap, MapData, RunStamp
from webmap.overlay import OverlayImage, overlay_image

MUNICIPALITY_STYLE = {"color": "#555", "weight": 1.5, "fillColor": "#888", "fillOpacity": 0.03}
EXCLUSION_STYLE = {"color": "#7b3294", "weight": 0.5, "fillColor": "#7b3294", "fillOpacity": 0.3}
CRITERION_STYLE = {"color": "#2b83ba", "weight": 2, "fillColor": "#2b83ba", "fillOpacity": 0.6}
SITE_OUTLINE = {"color": "#333333", "weight": 1, "fillOpacity": 0.8}
OVERLAY_OPACITY = 0.6
#: From this many sites on, Leaflet draws on one canvas instead of one SVG path per feature.
CANVAS_FROM_SITES = 2_000


def layer_name(fmap: LeafletMap, text: str) -> str:
    """A layer-control entry: Leaflet inserts it as HTML, so it is escaped, and it reaches the
    page through the map's data slots."""
    return fmap.slots.string(html.escape(text, quote=True))


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
        Fold the layer control into a button (for narrow maps).
    slots : DataSlots, optional
        Where the page's data waits until the page is rendered (shared by the maps of one
        page); fill the rendered page with ``map.slots.fill(page)``.
    **map_options
        Passed to :class:`folium.Map` (size and position).
    """
    lang = check_lang(lang)
    require_columns(data.municipalities, ("name",), what="municipalities")
    require_crs(data.municipalities, what="municipalities")
    layers = [data.municipalities, data.sites]
    tolerance_m = display_tolerance_m(layers)
    image = overlay_image(data.score) if data.score is not None else None
    bounds = view_bounds(data, image)
    fmap = LeafletMap(
        slots=slots if slots is not None else DataSlots(),
        tiles=None,
        control_scale=False,
        prefer_canvas=len(data.sites) >= CANVAS_FROM_SITES,
        **map_options,
    )
    if bounds is not None:
        fmap.fit_bounds(bounds)
    StaticFiles().add_to(fmap)
    if data.basemap is not None:
        add_basemap(fmap, data.basemap, lang=lang)
    context = MapContext(
        {
            "labels": labels(lang),
            "locale": locale(lang),
            "criteria": [name.replace("_", " ") for name in data.criteria],
            "equalisation": jsonable(data.equalisation) if data.equalisation else None,
        },
        slots=fmap.slots,
    ).add_to(fmap)
    add_municipalities(fmap, data, lang=lang, tolerance_m=tolerance_m)
    if image is not None:
        add_score_overlay(fmap, image, lang=lang)
    add_exclusions(fmap, data, lang=lang, tolerance_m=tolerance_m)
    add_criteria_layers(fmap, data, lang=lang, tolerance_m=tolerance_m)
    add_sites(fmap, data, lang=lang, tolerance_m=tolerance_m, context=context)
    add_controls(
        fmap,
        lang=lang,
        basemap=data.basemap,
        title=data.title if title is None else title,
        run=data.run,
        collapsed=collapsed,
    )
    if data.run is not None:
        fmap.get_root().header.add_child(run_meta(data.run))
    if assets is not None:
        use_local_files(fmap, assets)
    return fmap


def basemap_layer(fmap: LeafletMap, basemap: Basemap) -> folium.TileLayer:
    """The background tiles as a Leaflet tile layer (URL and attribution through the slots)."""
    return folium.TileLayer(
        tiles=fmap.slots.string(basemap.url),
        attr=fmap.slots.string(basemap.attribution),
        name=layer_name(fmap, basemap.label),
        max_zoom=19,
    )


def add_basemap(fmap: LeafletMap, basemap: Basemap, *, lang: str) -> None:
    """The background tiles, with a notice on the map when they cannot load."""
    layer = basemap_layer(fmap, basemap).add_to(fmap)
    TileNotice(layer, label("basemap_offline", lang), slots=fmap.slots).add_to(fmap)


def add_municipalities(fmap: LeafletMap, data: MapData, *, lang: str, tolerance_m: float) -> None:
    FeatureLayer(
        named_features(data.municipalities, tolerance_m=tolerance_m),
        name=layer_name(fmap, label("municipalities", lang)),
        style=constant_style(MUNICIPALITY_STYLE),
        on_each_feature=JsCode("function (f, l) { parkplan.bindName(f, l, '', true); }"),
        slots=fmap.slots,
    ).add_to(fmap)


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


def add_score_overlay(fmap: LeafletMap, image: OverlayImage, *, lang: str) -> None:
    ImageOverlay(
        image.rgba,
        bounds=[list(corner) for corner in image.bounds_latlon],
        name=layer_name(fmap, label("suitability", lang)),
        opacity=OVERLAY_OPACITY,
        mercator_project=False,
        interactive=False,
    ).add_to(fmap)


def add_exclusions(fmap: LeafletMap, data: MapData, *, lang: str, tolerance_m: float) -> None:
    for name, frame in data.exclusions.items():
        text = f"{label('excluded', lang)}: {name}"
        FeatureLayer(
            named_features(frame, tolerance_m=tolerance_m, name_column=None),
            name=layer_name(fmap, text),
            style=constant_style(EXCLUSION_STYLE),
            on_each_feature=JsCode(
                f"function (f, l) {{ parkplan.bindName(f, l, {fmap.slots.script(text)}, false); }}"
            ),
            slots=fmap.slots,
        ).add_to(fmap)


def add_criteria_layers(fmap: LeafletMap, data: MapData, *, lang: str, tolerance_m: float) -> None:
    for name, frame in data.criteria_layers.items():
        text = f"{label('criteria_layer', lang)}: {name}"
        fallback = fmap.slots.script(str(name))
        FeatureLayer(
            named_features(frame, tolerance_m=tolerance_m),
            name=layer_name(fmap, text),
            show=False,
            style=constant_style(CRITERION_STYLE),
            on_each_feature=JsCode(
                f"function (f, l) {{ parkplan.bindName(f, l, {fallback}, false); }}"
            ),
            slots=fmap.slots,
        ).add_to(fmap)


def add_sites(
    fmap: LeafletMap, data: MapData, *, lang: str, tolerance_m: float, context: MapContext
) -> None:
    outline = js_literal(SITE_OUTLINE)
    FeatureLayer(
        site_features(data, tolerance_m=tolerance_m),
        name=layer_name(fmap, label("sites", lang)),
        style=JsCode(
            f"function (f) {{ return Object.assign({{fillColor: f.properties.fill}}, {outline}); }}"
        ),
        on_each_feature=JsCode(
            f"function (f, l) {{ parkplan.bindSite(f, l, {context.get_name()}); }}"
        ),
        slots=fmap.slots,
    ).add_to(fmap)


def run_meta(run: RunStamp) -> Verbatim:
    """``<meta name="parkplan-run">`` naming the run a page shows (id, time, study hash)."""
    content = html.escape(f"{run.run_id} {run.finished_at} {run.study_sha256}", quote=True)
    return Verbatim(f'<meta name="parkplan-run" content="{content}">')


def run_line(run: RunStamp | None, lang: str) -> str | None:
    """The line under the map's title: which run it shows and when that run ended."""
    return None if run is None else f"{label('run', lang)} {run.run_id} · {run.finished_at}"


def add_controls(
    fmap: LeafletMap,
    *,
    lang: str,
    basemap: Basemap | None,
    title: str,
    run: RunStamp | None,
    collapsed: bool,
) -> None:
    colormap = score_colormap(label("legend", lang))
    ParkplanCall(
        "legend",
        {
            "title": colormap.caption,
            "stops": legend_stops(),
            "ticks": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
            "locale": locale(lang),
        },
        slots=fmap.slots,
    ).add_to(fmap)
    if title:
        ParkplanCall("title", title, run_line(run, lang), slots=fmap.slots).add_to(fmap)
    Fullscreen(
        position="topleft",
        title=fmap.slots.string(label("fullscreen", lang)),
        title_cancel=fmap.slots.string(label("fullscreen_exit", lang)),
    ).add_to(fmap)
    ParkplanCall("scale", slots=fmap.slots).add_to(fmap)
    if basemap is not None:
        overview = basemap_layer(fmap, basemap)
        MiniMap(tile_layer=overview, position="bottomleft", toggle_display=True).add_to(fmap)
    folium.LayerControl(collapsed=collapsed).add_to(fmap)


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


def compare_html(
    left: MapData,
    right: MapData,
    *,
    left_title: str,
    right_title: str,
    lang: str = "nl",
    assets: AssetSource | None = None,
) -> str:
    """Two scenarios side by side on maps that keep the same view (pan or zoom either)."""
    figure = Figure()
    slots = DataSlots()
    halves = []
    for data, title, left_pct in ((left, left_title, "0%"), (right, right_title, "50%")):
        half = site_map(
            data,
            lang=lang,
            title=title,
            collapsed=True,
            slots=slots,
            width="50%",
            height="100%",
            left=left_pct,
            top="0%",
            position="absolute",
        )
        figure.add_child(half)
        halves.append(half)
    figure.add_child(SyncViews(*halves))
    for data in (left, right):
        if data.run is not None:
            figure.header.add_child(run_meta(data.run))
    page = slots.fill(figure.render())
    return inline_assets(page, assets) if assets is not None else page
