"""Folium building blocks of the maps: the page's own script, compact feature layers, calls.

Data never enters a template. Folium and branca render every element's output again as Jinja
source, so any text placed in an element would be evaluated as a template (``{{ ... }}`` runs
Python on the server). Here every value that comes from data (names, attributes, results, the
study's own text) is handed to :class:`DataSlots`, which gives the element an inert placeholder
and puts the value into the finished page after all templates have run. Values go in as JSON
with ``<``, ``>`` and ``&`` escaped (they cannot close the script element), and everything
shown is built in the browser with ``textContent`` by ``static/parkplan.js``.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from folium.map import Layer
from folium.plugins import MiniMap
from folium.raster_layers import TileLayer, WmsTileLayer
from folium.template import Template
from folium.utilities import JsCode


class DataSlots:
    """Values kept out of every template: placeholders while rendering, values afterwards.

    :meth:`script` and :meth:`string` return a placeholder (``ppslot<nonce>x<n>z``: letters and
    digits only, inert in Jinja, HTML and JavaScript) for an element's template to carry;
    :meth:`fill` replaces the placeholders of the rendered page in one pass, so a value is
    never read again as a template or as another placeholder. The nonce is random per page.
    """

    def __init__(self) -> None:
        self._prefix = f"ppslot{secrets.token_hex(6)}x"
        self._values: list[str] = []

    def script(self, value: Any) -> str:
        """A placeholder for ``value`` as a JavaScript expression (JSON, see :func:`js_literal`)."""
        return self._slot(js_literal(value))

    def string(self, text: str) -> str:
        """A placeholder for ``text`` inside a JavaScript or JSON string literal (no quotes)."""
        return self._slot(js_literal(str(text))[1:-1])

    def _slot(self, filled: str) -> str:
        self._values.append(filled)
        return f"{self._prefix}{len(self._values) - 1}z"

    def fill(self, page: str) -> str:
        """``page`` with every placeholder replaced by its value."""
        pattern = re.compile(re.escape(self._prefix) + r"(\d+)z")
        return pattern.sub(lambda match: self._values[int(match[1])], page)


def page_header(element: Element) -> Element:
    """The header of the page ``element`` is on (the :class:`~branca.element.Figure` at its
    root)."""
    root = element.get_root()
    assert isinstance(root, Figure)
    return root.header


class LeafletMap(folium.Map):
    """A Folium map that links only Leaflet (the maps here need neither jQuery nor Bootstrap)
    and carries the :class:`DataSlots` of its page."""

    # class-wide, though folium declares them without ClassVar (so they cannot be one here)
    default_js = [js for js in folium.Map.default_js if js[0] == "leaflet"]  # noqa: RUF012
    default_css = [css for css in folium.Map.default_css if css[0] == "leaflet_css"]  # noqa: RUF012

    def __init__(self, *, slots: DataSlots, **options: Any) -> None:
        super().__init__(**options)
        self.slots = slots


class Verbatim(Element):
    """Text put into the page as it is: never compiled or rendered as a template."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class StaticFiles(MacroElement):
    """Puts parkplan's map script and styles once into the page header."""

    # branca's MacroElement.render returns None, its base Element.render is annotated str
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        header = page_header(self)
        header.add_child(Verbatim(f"<style>{static_text('parkplan.css')}</style>"), name="pp_css")
        script = static_text("parkplan.js").replace("</", "<\\/")
        header.add_child(Verbatim(f"<script>{script}</script>"), name="pp_js")
        super().render(**kwargs)


class MapContext(MacroElement):
    """A script variable with what the popups need: labels, criteria, equalisation summary
    (and, after it, ``parkplan.setup`` of the map: panes, patterns, narrow-screen layout)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = {{ this.context }};"
        "parkplan.setup({{ this._parent.get_name() }}, {{ this.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self, context: dict[str, Any], *, slots: DataSlots):
        super().__init__()
        self._name = "MapContext"
        self.context = slots.script(context)


class ParkplanCall(MacroElement):
    """``parkplan.<function>(<parent map>, <arguments as JSON>)`` in the page script."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "parkplan.{{ this.function }}({{ this._parent.get_name() }}"
        "{% for argument in this.arguments %}, {{ argument }}{% endfor %});"
        "{% endmacro %}"
    )

    def __init__(self, function: str, *arguments: Any, slots: DataSlots):
        super().__init__()
        self._name = "ParkplanCall"
        self.function = function
        self.arguments = [slots.script(argument) for argument in arguments]


class TileNotice(MacroElement):
    """Shows ``message`` on the map once when tiles of ``layer`` fail to load."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "parkplan.tileNotice({{ this._parent.get_name() }}, {{ this.layer.get_name() }}, "
        "{{ this.message }});"
        "{% endmacro %}"
    )

    def __init__(self, layer: Layer, message: str, *, slots: DataSlots):
        super().__init__()
        self._name = "TileNotice"
        self.layer = layer
        self.message = slots.script(message)


class OverviewMap(MiniMap):
    """Folium's minimap over a copy of the background: tiles (XYZ, WMTS) or a WMS."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.tile_layer.get_name() }} = "
        "{% if this.wms %}L.tileLayer.wms({{ this.tile_layer.url|tojson }}, "
        "{% else %}L.tileLayer({{ this.tile_layer.tiles|tojson }}, {% endif %}"
        "{{ this.tile_layer.options|tojson }});"
        "var {{ this.get_name() }} = new L.Control.MiniMap({{ this.tile_layer.get_name() }}, "
        "{{ this.options|tojavascript }});"
        "{{ this._parent.get_name() }}.addControl({{ this.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self, layer: TileLayer | WmsTileLayer, **options: Any):
        super().__init__(tile_layer=layer if isinstance(layer, TileLayer) else None, **options)
        self.tile_layer = layer
        self.wms = isinstance(layer, WmsTileLayer)


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
        "{% for key, value in this.options %}, {{ key }}: {{ value }}{% endfor %}"
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
        slots: DataSlots,
        show: bool = True,
        control: bool = True,
        options: dict[str, Any] | None = None,
    ):
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "FeatureLayer"
        fields, packed = pack_properties(features)
        self.fields = slots.script(fields)
        self.data = slots.script(packed)
        self.style = style
        self.on_each_feature = on_each_feature
        self.options = [
            (check_key(k), v.js_code if isinstance(v, JsCode) else slots.script(v))
            for k, v in (options or {}).items()
        ]


class SitesLayer(Layer):
    """The candidate sites as one layer: outlines, rank markers and the list of the best
    (``parkplan.siteLayer`` builds them from the packed features and the map's context)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = parkplan.siteLayer({{ this._parent.get_name() }}, "
        "parkplan.unpack({{ this.data }}, {{ this.fields }}), {{ this.context.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self, features: dict, *, name: str, context: MapContext, slots: DataSlots):
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "SitesLayer"
        fields, packed = pack_properties(features)
        self.fields = slots.script(fields)
        self.data = slots.script(packed)
        self.context = context


class LayerGroup(Layer):
    """Several layers switched on and off as one entry of the layer control (its members
    must be on the map first, with ``control=False, show=False``)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = L.layerGroup(["
        "{% for member in this.members %}{{ member.get_name() }}, {% endfor %}]);"
        "{% endmacro %}"
    )

    def __init__(self, members: list[Layer], *, name: str, show: bool = False):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "LayerGroup"
        self.members = members


class Legend(MacroElement):
    """``parkplan.legend(map, entries, layers)``: one legend for every layer; entry ``i``
    describes ``layers[i]`` (shown while that layer is on; ``None`` for always)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "parkplan.legend({{ this._parent.get_name() }}, {{ this.entries }}, {{ this.context }}, ["
        "{% for layer in this.layers %}"
        "{% if layer is none %}null{% else %}{{ layer.get_name() }}{% endif %}, "
        "{% endfor %}]);"
        "{% endmacro %}"
    )

    def __init__(
        self,
        entries: list[dict[str, Any]],
        layers: list[Layer | None],
        *,
        context: MapContext,
        slots: DataSlots,
    ):
        super().__init__()
        self._name = "Legend"
        self.entries = slots.script(entries)
        self.layers = layers
        self.context = context.get_name()


class LayerSwitcher(folium.LayerControl):
    """Folium's layer control, made by ``parkplan.layers``: folded into a button on narrow
    maps (phones) or when ``collapsed``, with a heading (``groups``: ``(title, layer)``) above
    the first layer of each group."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = parkplan.layers({{ this._parent.get_name() }}, { "
        "{%- for key, val in this.base_layers.items() %}{{ key|tojson }}: {{ val }}, {% endfor %}"
        "}, { "
        "{%- for key, val in this.overlays.items() %}{{ key|tojson }}: {{ val }}, {% endfor %}"
        "}, {{ this.options|tojavascript }}, ["
        "{% for title, layer in this.groups %}[{{ title }}, {{ layer.get_name() }}], {% endfor %}"
        "]);"
        "{% endmacro %}"
    )

    def __init__(
        self,
        *,
        collapsed: bool,
        groups: Sequence[tuple[str, Layer]] = (),
        slots: DataSlots,
    ):
        super().__init__(collapsed=collapsed)
        self.groups = [(slots.script(title), layer) for title, layer in groups]


def check_key(key: str) -> str:
    """``key`` when it is a plain JavaScript identifier (option names are code, never data)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        raise ValueError(f"option name {key!r}; expected a JavaScript identifier")
    return key


def pack_properties(features: dict) -> tuple[list[str], dict]:
    """The property names of a FeatureCollection, and the collection with each feature's
    properties as a list in that order (``None`` where a feature lacks one)."""
    fields = list(dict.fromkeys(k for f in features["features"] for k in f["properties"]))
    packed = [
        {**f, "properties": [f["properties"].get(k) for k in fields]} for f in features["features"]
    ]
    return fields, {"type": "FeatureCollection", "features": packed}
