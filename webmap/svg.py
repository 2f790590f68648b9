"""Small inline SVG charts and maps for the printed report (no JavaScript, every text escaped).

Each function returns one ``<svg>`` element as a :class:`markupsafe.Markup` string that a
template can place as is.
"""

from __future__ import annotations

import base64
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd
import shapely
from geopandas import GeoDataFrame
from markupsafe import Markup
from shapely.geometry.base import BaseGeometry

from webmap.colours import score_hex
from webmap.report_model import MapBackground

FONT = "font-family='system-ui, sans-serif' font-size='11'"
#: A white outline behind a text, so that it stays legible over a base map.
HALO = "paint-order='stroke' stroke='#fff' stroke-width='3' stroke-linejoin='round'"
#: Font size of a base map's attribution, and about the width of one of its characters.
ATTRIBUTION_PX, ATTRIBUTION_CHAR_PX = 9, 4.6
ATTRIBUTION_MAX_LINES = 4
#: About half the width of one character, and half the height, of an 11 px label.
LABEL_HALF_CHAR_PX, LABEL_HALF_PX = 3.5, 6.0
SERIES_COLOURS = ("#2b83ba", "#fdae61", "#abdda4", "#d7191c", "#7b3294", "#1a9641")


def text(value: object) -> str:
    """``value`` escaped for SVG text and attributes."""
    return escape(str(value), quote=True)


def svg_root(width: float, height: float, body: Sequence[str], *, label: str) -> Markup:
    return Markup(
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width:.0f}' height='{height:.0f}' "
        f"viewBox='0 0 {width:.0f} {height:.0f}' role='img' aria-label='{text(label)}' {FONT}>"
        f"<title>{text(label)}</title>{''.join(body)}</svg>"
    )


def criteria_chart(breakdown: Mapping[str, float], *, title: str, width: float = 420) -> Markup:
    """Horizontal bars of criterion scores 0..1, coloured like the map.

    Bar length = ``score * (width - label width - value width)``.
    """
    row_h, label_w, value_w = 20, 120, 40
    chart_w = width - label_w - value_w
    names = list(breakdown)
    scores = [float(breakdown[n]) for n in names]
    colours = score_hex(scores)
    body = []
    for i, (name, score, colour) in enumerate(zip(names, scores, colours, strict=True)):
        y = i * row_h
        shown = "–" if not math.isfinite(score) else f"{score:.2f}"
        length = 0.0 if not math.isfinite(score) else min(max(score, 0.0), 1.0) * chart_w
        body += [
            f"<text x='0' y='{y + 14}'>{text(name.replace('_', ' '))}</text>",
            f"<rect x='{label_w}' y='{y + 3}' width='{chart_w:.1f}' height='13' fill='#eee'/>",
            f"<rect x='{label_w}' y='{y + 3}' width='{length:.1f}' height='13' "
            f"fill='{colour}' stroke='#555' stroke-width='0.5'/>",
            f"<text x='{label_w + chart_w + 6:.1f}' y='{y + 14}'>{shown}</text>",
        ]
    return svg_root(width, max(len(names), 1) * row_h, body, label=title)


def grouped_bars(
    values: Mapping[str, Mapping[str, float]],
    *,
    title: str,
    format_value=lambda v: f"{v:,.0f}",
    width: float = 640,
) -> Markup:
    """Grouped vertical bars: one group per category, one bar per series, zero line drawn.

    ``values[series][category]``; negative values hang below the zero line.
    """
    series = list(values)
    categories = list(dict.fromkeys(c for s in series for c in values[s]))
    numbers = [float(values[s].get(c, 0.0) or 0.0) for s in series for c in categories]
    top, bottom = max([0.0, *numbers]), min([0.0, *numbers])
    span = (top - bottom) or 1.0
    slanted = len(categories) > 4  # long rows of names are written at an angle
    plot_h, left, legend_h = 180, 70, 18 * len(series)
    label_h = 90 if slanted else 34
    group_w = (width - left) / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)

    def y_of(v: float) -> float:
        return legend_h + (top - v) / span * plot_h

    body = [
        f"<line x1='{left}' x2='{width}' y1='{y_of(0):.1f}' y2='{y_of(0):.1f}' stroke='#333'/>",
        f"<text x='{left - 4}' y='{y_of(top) + 4:.1f}' text-anchor='end'>"
        f"{text(format_value(top))}</text>",
        f"<text x='{left - 4}' y='{y_of(bottom) + 4:.1f}' text-anchor='end'>"
        f"{text(format_value(bottom))}</text>",
    ]
    for k, name in enumerate(series):
        colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        body.append(
            f"<rect x='{left}' y='{k * 18 + 2}' width='12' height='12' fill='{colour}'/>"
            f"<text x='{left + 18}' y='{k * 18 + 12}'>{text(name)}</text>"
        )
        for j, category in enumerate(categories):
            value = float(values[name].get(category, 0.0) or 0.0)
            x = left + j * group_w + group_w * 0.1 + k * bar_w
            y0, y1 = sorted((y_of(value), y_of(0)))
            body.append(
                f"<rect x='{x:.1f}' y='{y0:.1f}' width='{bar_w:.1f}' height='{y1 - y0:.1f}' "
                f"fill='{colour}'><title>{text(name)} · {text(category)}: "
                f"{text(format_value(value))}</title></rect>"
            )
    for j, category in enumerate(categories):
        x, y = left + (j + 0.5) * group_w, legend_h + plot_h + 16
        placement = (
            f"text-anchor='end' transform='rotate(-35 {x:.1f} {y})'"
            if slanted
            else "text-anchor='middle'"
        )
        body.append(f"<text x='{x:.1f}' y='{y}' {placement}>{text(category)}</text>")
    return svg_root(width, legend_h + plot_h + label_h, body, label=title)


@dataclass(frozen=True)
class SnapshotView:
    """The square view of a site snapshot: map coordinates to SVG pixels, north up.

    A map point ``(x, y)`` is drawn at ``((x - x_min) * scale, (y_max - y) * scale)``.
    """

    x_min: float
    y_max: float
    scale: float
    size: float

    @classmethod
    def around(cls, site: BaseGeometry, *, size: float, margin_factor: float) -> SnapshotView:
        """The site's bounding box grown by ``margin_factor`` times its largest side on every
        side (a square centred on the site), drawn ``size`` pixels wide."""
        x0, y0, x1, y1 = site.bounds
        side = max(x1 - x0, y1 - y0, 1.0)
        cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, side * (0.5 + margin_factor)
        return cls(cx - half, cy + half, size / (2 * half), size)

    @property
    def extent(self) -> float:
        """The side of the view in map units."""
        return self.size / self.scale

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """The view in map coordinates: (x_min, y_min, x_max, y_max)."""
        return (self.x_min, self.y_max - self.extent, self.x_min + self.extent, self.y_max)

    def box(self, inset_x_px: float = 0.0, inset_y_px: float = 0.0) -> BaseGeometry:
        """The view in map coordinates, shrunk by the given pixels on each side (may be empty)."""
        dx, dy = inset_x_px / self.scale, inset_y_px / self.scale
        x0, y0 = self.x_min + dx, self.y_max - self.extent + dy
        x1, y1 = self.x_min + self.extent - dx, self.y_max - dy
        return shapely.box(x0, y0, x1, y1) if x0 < x1 and y0 < y1 else shapely.Polygon()

    def to_px(self, x: float, y: float) -> tuple[float, float]:
        """SVG pixel coordinates of the map point ``(x, y)``."""
        return (x - self.x_min) * self.scale, (self.y_max - y) * self.scale

    def to_map(self, px: float, py: float) -> tuple[float, float]:
        """Map coordinates of the SVG pixel ``(px, py)`` (the inverse of :meth:`to_px`)."""
        return self.x_min + px / self.scale, self.y_max - py / self.scale


def town_labels(towns: GeoDataFrame, view: SnapshotView) -> list[tuple[str, shapely.Point]]:
    """Each named municipality in ``view`` and where its label goes (map coordinates).

    Names and shapes stay paired row by row. The point lies in the municipality's part inside
    the view shrunk by half the label's width (and height), so the label stays in its polygon
    and in the picture; when that part is empty, in the visible part of the polygon (the label
    may then run over the edge).
    """
    names = towns["name"] if "name" in towns else [None] * len(towns)
    visible = shapely.intersection(towns.geometry.to_numpy(), view.box())
    labels = []
    for name, part in zip(names, map(polygonal, visible), strict=True):
        if pd.isna(name) or part.is_empty:
            continue
        inset = view.box(LABEL_HALF_CHAR_PX * len(str(name)), LABEL_HALF_PX)
        inner = polygonal(part.intersection(inset))
        labels.append((str(name), (part if inner.is_empty else inner).representative_point()))
    return labels


def polygonal(geometry: BaseGeometry | None) -> BaseGeometry:
    """The polygons of ``geometry`` (an intersection may add lines and points), else empty."""
    if geometry is None:
        return shapely.MultiPolygon()
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.MultiPolygon()


def site_snapshot(
    site: BaseGeometry,
    crs: str,
    municipalities: GeoDataFrame,
    *,
    title: str,
    size: float = 360,
    margin_factor: float = 1.5,
    background: MapBackground | None = None,
) -> Markup:
    """A static map of ``site`` (in ``crs``) among the municipalities, north up, each named
    inside its own outline (see :class:`SnapshotView` and :func:`town_labels`); over the
    ``background`` picture, with its attribution, when one is given."""
    towns = municipalities.to_crs(crs) if municipalities.crs is not None else municipalities
    view = SnapshotView.around(site, size=size, margin_factor=margin_factor)

    def to_svg(geometry: BaseGeometry) -> str:
        return svg_path(geometry, origin=(view.x_min, view.y_max), scale=view.scale)

    body = [f"<rect width='{size}' height='{size}' fill='#f4f4f0'/>"]
    body += background_image(view, background)
    halo = f" {HALO}" if background is not None else ""
    for geometry in shapely.intersection(towns.geometry.to_numpy(), view.box()):
        if not geometry.is_empty:
            body.append(outline(to_svg(geometry), "#666", on_picture=background is not None))
    opacity = 0.35 if background is not None else 0.6
    body.append(
        f"<path d='{to_svg(site)}' fill='#1a9641' fill-opacity='{opacity}' stroke='#0b3d1b' "
        "stroke-width='1.5'/>"
    )
    for name, point in town_labels(towns, view):
        x, y = view.to_px(point.x, point.y)
        body.append(
            f"<text x='{x:.1f}' y='{y:.1f}' text-anchor='middle' fill='#333' "
            f"font-weight='600'{halo}>{text(name)}</text>"
        )
    bar_m = nice_length(view.extent / 4)
    bar_px = bar_m * view.scale
    body.append(
        f"<line x1='10' x2='{10 + bar_px:.1f}' y1='{size - 12}' y2='{size - 12}' "
        f"stroke='#000' stroke-width='3'/><text x='10' y='{size - 18}'{halo}>"
        f"{text(_kilometres(bar_m))}</text>"
    )
    body += attribution_lines(background, size)
    return svg_root(size, size, body, label=title)


def outline(path: str, colour: str, *, on_picture: bool) -> str:
    """A municipality's outline; on a picture, drawn over a white line that keeps it legible."""
    line = f"<path d='{path}' fill='none' stroke='{colour}' stroke-width='1'/>"
    if not on_picture:
        return line
    return f"<path d='{path}' fill='none' stroke='#fff' stroke-width='3' opacity='0.8'/>{line}"


def background_image(view: SnapshotView, background: MapBackground | None) -> list[str]:
    """The ``background`` picture as an SVG ``<image>`` stretched over its bounds in ``view``
    (a PNG data URI: the page needs no network), or nothing."""
    if background is None:
        return []
    x0, y0, x1, y1 = background.bounds
    left, top = view.to_px(x0, y1)
    right, bottom = view.to_px(x1, y0)
    data = base64.b64encode(background.png).decode("ascii")
    return [
        f"<image x='{left:.2f}' y='{top:.2f}' width='{right - left:.2f}' "
        f"height='{bottom - top:.2f}' preserveAspectRatio='none' "
        f"href='data:image/png;base64,{data}'/>"
    ]


def attribution_lines(background: MapBackground | None, size: float) -> list[str]:
    """The background's attribution at the bottom right, wrapped to about 60 % of the map's
    width (at most :data:`ATTRIBUTION_MAX_LINES` lines), on a white outline; shown as given
    (``translate="no"``)."""
    if background is None:
        return []
    width = max(int(size * 0.6 / ATTRIBUTION_CHAR_PX), 12)
    lines = textwrap.wrap(background.attribution, width, max_lines=ATTRIBUTION_MAX_LINES)
    bottom = size - 4
    return [
        f"<text x='{size - 4:.1f}' y='{bottom - (len(lines) - 1 - i) * (ATTRIBUTION_PX + 1):.1f}' "
        f"text-anchor='end' font-size='{ATTRIBUTION_PX}' fill='#222' translate='no' {HALO}>"
        f"{text(line)}</text>"
        for i, line in enumerate(lines)
    ]


def svg_path(geometry: BaseGeometry, *, origin: tuple[float, float], scale: float) -> str:
    """SVG path data of the polygon rings or lines of ``geometry``, y flipped at ``origin``."""
    parts = []
    for ring in rings(geometry):
        xy = np.asarray(ring.coords)[:, :2]
        px = (xy[:, 0] - origin[0]) * scale
        py = (origin[1] - xy[:, 1]) * scale
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(px, py, strict=True))
        closed = "Z" if ring.geom_type == "LinearRing" else ""
        parts.append(f"M{points}{closed}")
    return " ".join(parts)


def rings(geometry: BaseGeometry) -> list:
    """The exterior and interior rings of polygons, and the lines, inside ``geometry``."""
    found = []
    for part in getattr(geometry, "geoms", [geometry]):
        if part.geom_type == "Polygon":
            found += [part.exterior, *part.interiors]
        elif part.geom_type in ("LineString", "LinearRing"):
            found.append(part)
        elif hasattr(part, "geoms"):
            found += rings(part)
    return found


def nice_length(length_m: float) -> float:
    """The largest 1, 2 or 5 x 10^k metres not above ``length_m`` (for a scale bar)."""
    power = 10 ** math.floor(math.log10(max(length_m, 1e-9)))
    return max(step * power for step in (1, 2, 5) if step * power <= length_m)


def overview_map(
    municipalities: GeoDataFrame,
    partners: Sequence[str],
    sites: GeoDataFrame,
    *,
    title: str,
    size: float = 640,
    background: MapBackground | None = None,
) -> Markup:
    """The region north up: the partners (light green, the study area outlined), the other
    municipalities (grey), every site (dark green) with its rank in a circle, and each
    municipality's name inside its outline; over the ``background`` picture, with its
    attribution, when one is given (the municipalities then let it show through). ``sites``
    carry ``rank``; both frames are drawn in the CRS of ``sites`` (see :func:`overview_frame`)."""
    towns = municipalities.to_crs(sites.crs) if municipalities.crs is not None else municipalities
    inside = towns[towns["name"].isin(list(partners))] if len(partners) else towns
    view = overview_frame(municipalities, partners, sites.crs, size=size)

    def to_svg(geometry: BaseGeometry) -> str:
        return svg_path(geometry, origin=(view.x_min, view.y_max), scale=view.scale)

    body = [f"<rect width='{size}' height='{size}' fill='#fbfbf8'/>"]
    body += background_image(view, background)
    shade = " fill-opacity='0.4'" if background is not None else ""
    halo = f" {HALO}" if background is not None else ""
    member = towns["name"].isin(list(partners)).to_numpy() if len(partners) else None
    visible = shapely.intersection(towns.geometry.to_numpy(), view.box())
    for i, geometry in enumerate(visible):
        if geometry.is_empty:
            continue
        fill = "#e5f2d9" if member is None or member[i] else "#e6e6e6"
        body.append(
            f"<path d='{to_svg(geometry)}' fill='{fill}'{shade} stroke='#888' stroke-width='0.8'/>"
        )
    area = shapely.intersection(inside.union_all(), view.box())
    body.append(f"<path d='{to_svg(area)}' fill='none' stroke='#1a9641' stroke-width='2.5'/>")
    for name, point in town_labels(towns, view):
        x, y = view.to_px(point.x, point.y)
        body.append(
            f"<text x='{x:.1f}' y='{y:.1f}' text-anchor='middle' fill='#555' "
            f"font-size='10'{halo}>{text(name)}</text>"
        )
    ordered = sites.sort_values("rank")
    for geometry in ordered.geometry:
        body.append(f"<path d='{to_svg(geometry)}' fill='#0b6e2a' stroke='#063d17'/>")
    points = [view.to_px(p.x, p.y) for p in ordered.geometry.representative_point()]
    for (x, y), (bx, by), rank in zip(points, badge_places(points), ordered["rank"], strict=True):
        body.append(
            f"<line x1='{x:.1f}' y1='{y:.1f}' x2='{bx:.1f}' y2='{by:.1f}' stroke='#063d17'/>"
            f"<circle cx='{bx:.1f}' cy='{by:.1f}' r='9' fill='#fff' stroke='#063d17' "
            f"stroke-width='1.5'/><text x='{bx:.1f}' y='{by + 4:.1f}' text-anchor='middle' "
            f"font-weight='700' font-size='11'>{text(int(rank))}</text>"
        )
    bar_m = nice_length(view.extent / 5)
    body.append(
        f"<line x1='12' x2='{12 + bar_m * view.scale:.1f}' y1='{size - 14}' y2='{size - 14}' "
        f"stroke='#000' stroke-width='3'/><text x='12' y='{size - 20}'{halo}>"
        f"{text(_kilometres(bar_m))}</text>"
    )
    body += attribution_lines(background, size)
    return svg_root(size, size, body, label=title)


def overview_frame(
    municipalities: GeoDataFrame, partners: Sequence[str], crs: object, *, size: float = 640
) -> SnapshotView:
    """What the overview map shows: the partners (all municipalities when none are given),
    drawn in ``crs``, in a square 8 % larger than their bounding box."""
    towns = municipalities.to_crs(crs) if municipalities.crs is not None else municipalities
    inside = towns[towns["name"].isin(list(partners))] if len(partners) else towns
    x0, y0, x1, y1 = inside.total_bounds
    side = max(x1 - x0, y1 - y0, 1.0) * 1.08
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return SnapshotView(cx - side / 2, cy + side / 2, size / side, size)


#: Where a site's rank badge may go, relative to the site (pixels), first choice first.
BADGE_OFFSETS = tuple(
    (round(r * math.sin(a), 1), round(-r * math.cos(a), 1))
    for r in (16, 34, 52)
    for a in (0.0, 0.9, -0.9, 1.8, -1.8, 2.6, -2.6, math.pi)
)


def badge_places(points: Sequence[tuple[float, float]], *, gap: float = 20) -> list[tuple]:
    """A spot for each badge near its point, at least ``gap`` pixels from the badges placed
    before it (the best-ranked first) and from the other points."""
    placed: list[tuple[float, float]] = []
    for x, y in points:
        spots = [(x + dx, y + dy) for dx, dy in BADGE_OFFSETS]
        free = [
            spot
            for spot in spots
            if all(math.dist(spot, other) >= gap for other in placed)
            and all(math.dist(spot, p) >= gap * 0.6 for p in points)
        ]
        placed.append(free[0] if free else spots[0])
    return placed


def _kilometres(length_m: float) -> str:
    return f"{length_m / 1000:g} km" if length_m >= 1000 else f"{length_m:g} m"
