"""Folium building blocks of the maps: the page's own script, compact feature layers, calls.

User text never reaches HTML or JavaScript unescaped: data is embedded as JSON with ``<``, ``>``
and ``&`` escaped (it cannot close the script element), and everything shown is built in the
browser with ``textContent`` by ``static/parkplan.js``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, ClassVar

import folium
from branca.element import Element, MacroElement
from folium.map import Layer
from folium.template import Template
from folium.utilities import JsCode


class LeafletMap(folium.Map):
    """A Folium map that links only Leaflet: the maps here need neither jQuery nor Bootstrap."""

    default_js: ClassVar = [js for js in folium.Map.default_js if js[0] == "leaflet"]
    default_css: ClassVar = [css for css in folium.Map.default_css if css[0] == "leaflet_css"]


class StaticFiles(MacroElement):
    """Puts parkplan's map script and styles once into the page header."""

    def render(self, **kwargs: Any) -> None:
        header = self.get_root().header
        header.add_child(Element(f"<style>{static_text('parkplan.css')}</style>"), name="pp_css")
        script = static_text("parkplan.js").replace("</", "<\\/")
        header.add_child(Element(f"<script>{script}</script>"), name="pp_js")
        super().render(**kwargs)


class MapContext(MacroElement):
    """A script variable with what the popups need: labels, criteria, equalisation summary."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = {{ this.context|tojson }};"
        "{% endmacro %}"
    )

    def __init__(self, context: dict[str, Any]):
        super().__init__()
        self._name = "MapContext"
        self.context = context


class ParkplanCall(MacroElement):
    """``parkplan.<function>(<parent map>, <arguments as JSON>)`` in the page script."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "parkplan.{{ this.function }}({{ this._parent.get_name() }}"
        "{% for argument in this.arguments %}, {{ argument|tojson }}{% endfor %});"
        "{% endmacro %}"
    )

    def __init__(self, function: str, *arguments: Any):
        super().__init__()
        self._name = "ParkplanCall"
        self.function = function
        self.arguments = arguments


class SyncViews(MacroElement):
    """Keeps two maps of one page on the same view."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "parkplan.sync({{ this.left.get_name() }}, {{ this.right.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self, left: folium.Map, right: folium.Map):
        super().__init__()
        self._name = "SyncViews"
        self.left, self.right = left, right


@cache
def static_text(name: str) -> str:
    """The text of a file of ``webmap/static``."""
    return resources.files("webmap").joinpath("static", name).read_text(encoding="utf-8")


def js_literal(value: Any) -> str:
    """``value`` as compact JavaScript that is safe inside a <script> element."""
    return (
        json.dumps(value, ensure_ascii=True, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def constant_style(style: dict[str, Any]) -> JsCode:
    return JsCode(f"function (feature) {{ return {js_literal(style)}; }}")


class FeatureLayer(Layer):
    """A GeoJSON layer embedded compactly, styled and bound by JavaScript functions.

    Lighter than :class:`folium.GeoJson` for thousands of features: no per-feature style
    table, no whitespace, and the properties travel as arrays in the order of one field list
    (``parkplan.unpack`` turns them back into objects before Leaflet sees them; null values
    are left out). Points are drawn as circle markers.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = L.geoJson("
        "parkplan.unpack({{ this.data }}, {{ this.fields }}), {"
        "style: {{ this.style }}, onEachFeature: {{ this.on_each_feature }}, "
        "pointToLayer: function (f, latlng) { return L.circleMarker(latlng, {radius: 5}); }"
        "});"
        "{% endmacro %}"
    )

    def __init__(
        self,
        features: dict,
        *,
        name: str,
        style: JsCode,
        on_each_feature: JsCode,
        show: bool = True,
    ):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "FeatureLayer"
        fields, packed = pack_properties(features)
        self.fields = js_literal(fields)
        self.data = js_literal(packed)
        self.style = style
        self.on_each_feature = on_each_feature


def pack_properties(features: dict) -> tuple[list[str], dict]:
    """The property names of a FeatureCollection, and the collection with each feature's
    properties as a list in that order (``None`` where a feature lacks one)."""
    fields = list(dict.fromkeys(k for f in features["features"] for k in f["properties"]))
    packed = [
        {**f, "properties": [f["properties"].get(k) for k in fields]} for f in features["features"]
    ]
    return fields, {"type": "FeatureCollection", "features": packed}
