"""QGIS styles of the result layers, in the colours of the web map.

A style is data (:class:`VectorStyle`: a field, its classes and their colours) written as QML
(QGIS's own format, read from a GeoPackage's ``layer_styles`` table or a ``.qml`` beside a
raster) and as SLD (for other GIS). The score is coloured with the map's ramp
(:data:`webmap.colours.RAMPS`): the score raster as a continuous ramp through its anchors, the
sites graduated in one class per anchor; categories (municipalities, exclusions) take the
map's category colours. Every document is built with :mod:`xml.etree.ElementTree`, which
escapes the text of the data (municipality and exclusion names).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from webmap.colours import (
    CATEGORY_COLOURS,
    CRITERION_RAMP,
    DEFAULT_RAMP,
    RAMPS,
    check_ramp,
    hex_to_rgb,
)

#: The QGIS version the QML documents declare (any QGIS 3 reads them).
QGIS_VERSION = "3.28.0"
QML_DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
SLD_NS = "http://www.opengis.net/sld"
OGC_NS = "http://www.opengis.net/ogc"
#: The dark outline of the sites (the map's site outline).
OUTLINE = "#232323"
#: The grey outline of the municipalities (the map's municipality outline).
BORDER = "#555555"


@dataclass(frozen=True)
class FillClass:
    """One class of a layer: a category ``value``, or the range ``lower`` to ``upper``."""

    label: str
    colour: str
    value: str | None = None
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class VectorStyle:
    """How a polygon layer is drawn: filled by ``field`` (graduated or categorised; only
    outlined when not ``filled``), outlined, and labelled by ``label_field`` when given; an
    ``obstacle`` keeps the labels of other layers off its polygons."""

    name: str
    field: str
    classes: tuple[FillClass, ...]
    graduated: bool
    label_field: str | None = None
    outline: str = OUTLINE
    outline_mm: float = 0.5
    opacity: float = 1.0
    filled: bool = True
    obstacle: bool = False


def ramp_anchors(ramp: str = DEFAULT_RAMP) -> tuple[str, ...]:
    """The anchors of a score ramp (``viridis``, ``cividis``), score 0 first."""
    return RAMPS[check_ramp(ramp)]


def score_classes(ramp: str = DEFAULT_RAMP) -> tuple[FillClass, ...]:
    """One class per anchor of the ramp, centred on it: anchor ``i`` of ``n`` colours the
    scores within half a step of ``i / (n - 1)``."""
    anchors = ramp_anchors(ramp)
    step = 1.0 / (len(anchors) - 1)
    classes = []
    for index, colour in enumerate(anchors):
        lower = max(0.0, (index - 0.5) * step)
        upper = min(1.0, (index + 0.5) * step)
        classes.append(FillClass(f"{lower:.2f} - {upper:.2f}", colour, lower=lower, upper=upper))
    return tuple(classes)


def sites_style(ramp: str = DEFAULT_RAMP) -> VectorStyle:
    """The sites: graduated by score on the map's ramp, outlined dark, labelled by rank."""
    return VectorStyle(
        "sites", "score", score_classes(ramp), True, label_field="rank", obstacle=True
    )


def category_style(
    name: str, field: str, values: Iterable[object], *, label_field: str | None = None
) -> VectorStyle:
    """A layer categorised by ``field``, one category colour per distinct value (cycled)."""
    distinct = sorted({str(v) for v in values})
    classes = tuple(
        FillClass(value, CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)], value=value)
        for i, value in enumerate(distinct)
    )
    return VectorStyle(name, field, classes, False, label_field, outline_mm=0.26, opacity=0.6)


def border_style(name: str, field: str, values: Iterable[object]) -> VectorStyle:
    """Borders (the municipalities): outlined in the map's grey, not filled, labelled by
    ``field``; one category per value, so that the legend lists them."""
    categories = category_style(name, field, values, label_field=field)
    return replace(categories, outline=BORDER, outline_mm=0.4, opacity=1.0, filled=False)


def _rgba(colour: str, alpha: float = 1.0) -> str:
    red, green, blue = hex_to_rgb(colour)
    return f"{red},{green},{blue},{round(alpha * 255)}"


def _number(value: float) -> str:
    return f"{value:.10g}"


def _qml_root(categories: str) -> ET.Element:
    return ET.Element("qgis", version=QGIS_VERSION, styleCategories=categories)


def _qml_text(root: ET.Element) -> str:
    ET.indent(root)
    return QML_DOCTYPE + ET.tostring(root, encoding="unicode") + "\n"


def _fill_symbol(parent: ET.Element, name: str, fill: FillClass, style: VectorStyle) -> None:
    symbol = ET.SubElement(
        parent, "symbol", type="fill", name=name, alpha=_number(style.opacity), clip_to_extent="1"
    )
    layer = ET.SubElement(symbol, "layer", {"class": "SimpleFill", "enabled": "1", "pass": "0"})
    options = ET.SubElement(layer, "Option", type="Map")
    for key, value in (
        ("color", _rgba(fill.colour, 1.0 if style.filled else 0.0)),
        ("outline_color", _rgba(style.outline)),
        ("outline_style", "solid"),
        ("outline_width", _number(style.outline_mm)),
        ("outline_width_unit", "MM"),
        ("style", "solid" if style.filled else "no"),
    ):
        ET.SubElement(options, "Option", type="QString", name=key, value=value)


def _renderer(style: VectorStyle) -> ET.Element:
    if style.graduated:
        renderer = ET.Element(
            "renderer-v2",
            type="graduatedSymbol",
            attr=style.field,
            graduatedMethod="GraduatedColor",
            symbollevels="0",
            forceraster="0",
        )
        listed = ET.SubElement(renderer, "ranges")
        for index, fill in enumerate(style.classes):
            ET.SubElement(
                listed,
                "range",
                lower=_number(fill.lower or 0.0),
                upper=_number(fill.upper or 0.0),
                symbol=str(index),
                label=fill.label,
                render="true",
            )
    else:
        renderer = ET.Element(
            "renderer-v2", type="categorizedSymbol", attr=style.field, symbollevels="0"
        )
        listed = ET.SubElement(renderer, "categories")
        for index, fill in enumerate(style.classes):
            ET.SubElement(
                listed,
                "category",
                value=fill.value or "",
                symbol=str(index),
                label=fill.label,
                render="true",
            )
    symbols = ET.SubElement(renderer, "symbols")
    for index, fill in enumerate(style.classes):
        _fill_symbol(symbols, str(index), fill, style)
    return renderer


#: QGIS's label placements of polygons: over the centroid; horizontal anywhere inside.
OVER_CENTROID, HORIZONTAL_INSIDE = "1", "4"


def _labeling(style: VectorStyle) -> ET.Element:
    """Labels by ``label_field``: a filled polygon's over its centroid, borders' anywhere
    inside (their centroid may lie under a site, which keeps labels off)."""
    placement = OVER_CENTROID if style.filled else HORIZONTAL_INSIDE
    labeling = ET.Element("labeling", type="simple")
    settings = ET.SubElement(labeling, "settings", calloutType="simple")
    ET.SubElement(
        settings,
        "text-style",
        fieldName=style.label_field or "",
        isExpression="0",
        fontSize="10",
        fontSizeUnit="Point",
        fontWeight="75",
        textColor="0,0,0,255",
        textOpacity="1",
    )
    ET.SubElement(
        settings,
        "text-buffer",
        bufferDraw="1",
        bufferSize="1",
        bufferSizeUnits="MM",
        bufferColor="255,255,255,255",
        bufferOpacity="1",
    )
    ET.SubElement(settings, "placement", placement=placement, centroidInside="1", centroidWhole="0")
    obstacle = str(int(style.obstacle))
    ET.SubElement(settings, "rendering", obstacle=obstacle, drawLabels="1", labelPerPart="0")
    return labeling


def vector_qml(style: VectorStyle) -> str:
    """The QML document of a polygon layer's style."""
    root = _qml_root("Symbology|Labeling")
    root.append(_renderer(style))
    if style.label_field:
        root.set("labelsEnabled", "1")
        root.append(_labeling(style))
    ET.SubElement(root, "layerGeometryType").text = "2"
    return _qml_text(root)


def _sld(tag: str, parent: ET.Element | None = None, text: str | None = None, **attrs):
    qualified = f"{{{OGC_NS}}}{tag[4:]}" if tag.startswith("ogc:") else f"{{{SLD_NS}}}{tag}"
    element = (
        ET.Element(qualified, attrs) if parent is None else ET.SubElement(parent, qualified, attrs)
    )
    if text is not None:
        element.text = text
    return element


def _sld_filter(rule: ET.Element, field: str, fill: FillClass, last: bool) -> None:
    where = _sld("ogc:Filter", rule)
    if fill.value is not None:
        tests = [("PropertyIsEqualTo", fill.value)]
    else:
        upper = "PropertyIsLessThanOrEqualTo" if last else "PropertyIsLessThan"
        tests = [
            ("PropertyIsGreaterThanOrEqualTo", _number(fill.lower or 0.0)),
            (upper, _number(fill.upper or 0.0)),
        ]
    parent = _sld("ogc:And", where) if len(tests) > 1 else where
    for operator, literal in tests:
        test = _sld(f"ogc:{operator}", parent)
        _sld("ogc:PropertyName", test, field)
        _sld("ogc:Literal", test, literal)


def _sld_rule(style: VectorStyle, fill: FillClass, last: bool) -> ET.Element:
    rule = _sld("Rule")
    _sld("Name", rule, fill.label)
    _sld_filter(rule, style.field, fill, last)
    symbolizer = _sld("PolygonSymbolizer", rule)
    if style.filled:
        paint = _sld("Fill", symbolizer)
        _sld("CssParameter", paint, fill.colour, name="fill")
        _sld("CssParameter", paint, _number(style.opacity), name="fill-opacity")
    stroke = _sld("Stroke", symbolizer)
    _sld("CssParameter", stroke, style.outline, name="stroke")
    _sld("CssParameter", stroke, _number(style.outline_mm * 96 / 25.4), name="stroke-width")
    return rule


def _sld_label_rule(field: str) -> ET.Element:
    rule = _sld("Rule")
    text = _sld("TextSymbolizer", rule)
    _sld("ogc:PropertyName", _sld("Label", text), field)
    halo = _sld("Halo", text)
    _sld("Radius", halo, "1")
    _sld("CssParameter", _sld("Fill", halo), "#ffffff", name="fill")
    _sld("CssParameter", _sld("Fill", text), "#000000", name="fill")
    return rule


def vector_sld(style: VectorStyle, layer: str) -> str:
    """The SLD 1.0 document of a polygon layer's style (named ``layer``)."""
    ET.register_namespace("", SLD_NS)
    ET.register_namespace("ogc", OGC_NS)
    root = _sld("StyledLayerDescriptor", version="1.0.0")
    named = _sld("NamedLayer", root)
    _sld("Name", named, layer)
    user = _sld("UserStyle", named)
    _sld("Name", user, style.name)
    features = _sld("FeatureTypeStyle", user)
    for index, fill in enumerate(style.classes):
        features.append(_sld_rule(style, fill, index == len(style.classes) - 1))
    if style.label_field:
        features.append(_sld_label_rule(style.label_field))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _ramp_items(parent: ET.Element, anchors: Sequence[str]) -> None:
    for index, colour in enumerate(anchors):
        value = index / (len(anchors) - 1)
        ET.SubElement(
            parent, "item", value=_number(value), color=colour, alpha="255", label=f"{value:.2f}"
        )


def score_raster_qml(ramp: str = DEFAULT_RAMP) -> str:
    """The QML of the score raster: the ramp's anchors interpolated over 0..1 (fixed, not
    stretched to the data), nodata transparent."""
    return ramp_raster_qml(ramp_anchors(ramp))


def criterion_raster_qml() -> str:
    """The QML of a standardised criterion surface (0..1): the map's criterion ramp, so that
    it never looks like the score."""
    return ramp_raster_qml(CRITERION_RAMP)


def ramp_raster_qml(anchors: Sequence[str]) -> str:
    """The QML of a 0..1 raster coloured by ``anchors`` interpolated over 0..1 (fixed, not
    stretched to the data), nodata transparent."""
    root = _qml_root("Symbology")
    pipe = ET.SubElement(root, "pipe")
    renderer = ET.SubElement(
        pipe,
        "rasterrenderer",
        type="singlebandpseudocolor",
        band="1",
        opacity="1",
        alphaBand="-1",
        classificationMin="0",
        classificationMax="1",
        nodataColor="",
    )
    origin = ET.SubElement(renderer, "minMaxOrigin")
    ET.SubElement(origin, "limits").text = "None"
    ET.SubElement(origin, "extent").text = "WholeRaster"
    shader = ET.SubElement(
        ET.SubElement(renderer, "rastershader"),
        "colorrampshader",
        colorRampType="INTERPOLATED",
        classificationMode="1",
        clip="0",
        minimumValue="0",
        maximumValue="1",
        labelPrecision="2",
    )
    _ramp_items(shader, anchors)
    ET.SubElement(pipe, "brightnesscontrast", brightness="0", contrast="0", gamma="1")
    ET.SubElement(pipe, "rasterresampler", maxOversampling="2")
    ET.SubElement(root, "blendMode").text = "0"
    return _qml_text(root)
