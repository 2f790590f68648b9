"""The dossier's charts as inline SVG: a standardisation curve, score contributions, a tornado
of the weight sweep, the cash flows of a site and net results per year (no JavaScript).

Each function returns one ``<svg>`` element (:class:`markupsafe.Markup`); every text is
escaped by :func:`webmap.svg.text`. Values are formatted by the caller's ``format_value`` so
that the numbers follow the dossier's language.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from webmap.svg import svg_root, text

#: Ten colours that stay apart in print (Tableau 10), for one line per municipality.
LINE_COLOURS = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
#: Dash patterns that tell lines of the same colour apart beyond ten municipalities.
DASHES = ("", "6 3", "2 2")
COST, INCOME, LINE = "#d7301f", "#1a9641", "#333"
Format = Callable[[float], str]


def nice_step(span: float, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 × 10^k) that cuts ``span`` into about ``ticks`` parts."""
    raw = max(span, 1e-12) / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= raw)


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above ``value`` (an axis end)."""
    if value <= 0:
        return 0.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value * (1 - 1e-12))


def label_width(labels: Sequence[str], *, low: float = 110, high: float = 300) -> float:
    """Room for the longest of ``labels`` at 11 px (about 6.3 px a character)."""
    return min(high, max(low, 6.3 * max((len(x) for x in labels), default=0) + 10))


def axis_ticks(low: float, high: float, ticks: int = 5) -> list[float]:
    """Round values from below ``low`` to above ``high`` (0 included when inside)."""
    if high <= low:
        high = low + 1.0
    step = nice_step(high - low, ticks)
    start = math.floor(low / step) * step
    values, value = [], start
    while value <= high + step * 1e-9:
        values.append(round(value, 12))
        value += step
    if values[-1] < high:
        values.append(values[-1] + step)
    return values


@dataclass(frozen=True)
class Frame:
    """A plot area: data ``x`` in [x0, x1] and ``y`` in [y0, y1] to SVG pixels."""

    left: float
    top: float
    width: float
    height: float
    x0: float
    x1: float
    y0: float
    y1: float

    def x(self, value: float) -> float:
        return self.left + (value - self.x0) / ((self.x1 - self.x0) or 1.0) * self.width

    def y(self, value: float) -> float:
        return self.top + (self.y1 - value) / ((self.y1 - self.y0) or 1.0) * self.height


def transform_curve(
    xs: Sequence[float],
    mus: Sequence[float],
    *,
    title: str,
    format_x: Format,
    width: float = 170,
    height: float = 70,
) -> Markup:
    """The suitability (0–1) against the raw value, with the two ends of the x axis."""
    frame = Frame(6, 6, width - 12, height - 24, min(xs), max(xs), 0.0, 1.0)
    points = " ".join(
        f"{frame.x(x):.1f},{frame.y(m):.1f}"
        for x, m in zip(xs, mus, strict=True)
        if math.isfinite(m)
    )
    body = [
        f"<rect x='{frame.left}' y='{frame.top}' width='{frame.width:.1f}' "
        f"height='{frame.height:.1f}' fill='#f5f5f2' stroke='#ccc'/>",
        f"<polyline points='{points}' fill='none' stroke='{INCOME}' stroke-width='2'/>",
        f"<text x='{frame.left}' y='{height - 4}' font-size='9'>{text(format_x(min(xs)))}</text>",
        f"<text x='{frame.left + frame.width:.1f}' y='{height - 4}' font-size='9' "
        f"text-anchor='end'>{text(format_x(max(xs)))}</text>",
    ]
    return svg_root(width, height, body, label=title)


@dataclass(frozen=True)
class Contribution:
    """One criterion's part of a site's score: ``weight × value`` of a possible ``weight``."""

    label: str
    weight: float
    value: float

    @property
    def part(self) -> float:
        return self.weight * self.value if math.isfinite(self.value) else 0.0


def contribution_bars(
    rows: Sequence[Contribution],
    *,
    title: str,
    format_value: Format,
    total_label: str,
    width: float = 620,
) -> Markup:
    """Per criterion a bar of its weight (what it could give at most, grey) filled to its
    contribution (weight × value); a last bar stacks the contributions into the score."""
    row_h, value_w = 20, 50
    label_w = label_width([r.label for r in rows])
    chart_w = width - label_w - value_w
    scale = chart_w / max(1.0, sum(r.weight for r in rows))
    body, x = [], label_w
    for i, row in enumerate(rows):
        y = i * row_h
        body += [
            f"<text x='0' y='{y + 14}'>{text(row.label)}</text>",
            f"<rect x='{label_w}' y='{y + 3}' width='{row.weight * scale:.1f}' height='13' "
            "fill='#e8e8e3'/>",
            f"<rect x='{label_w}' y='{y + 3}' width='{row.part * scale:.1f}' height='13' "
            f"fill='{LINE_COLOURS[i % len(LINE_COLOURS)]}'/>",
            f"<text x='{width - 4}' y='{y + 14}' text-anchor='end'>"
            f"{text(format_value(row.part))}</text>",
        ]
    y = len(rows) * row_h + 6
    body.append(f"<text x='0' y='{y + 14}' font-weight='600'>{text(total_label)}</text>")
    for i, row in enumerate(rows):
        body.append(
            f"<rect x='{x:.1f}' y='{y + 3}' width='{row.part * scale:.1f}' height='13' "
            f"fill='{LINE_COLOURS[i % len(LINE_COLOURS)]}' stroke='#fff' stroke-width='0.5'>"
            f"<title>{text(row.label)}: {text(format_value(row.part))}</title></rect>"
        )
        x += row.part * scale
    total = sum(r.part for r in rows)
    body.append(
        f"<text x='{width - 4}' y='{y + 14}' text-anchor='end' font-weight='600'>"
        f"{text(format_value(total))}</text>"
    )
    return svg_root(width, y + row_h + 4, body, label=title)


@dataclass(frozen=True)
class TornadoBar:
    """The weights ``low``..``high`` within which the leader stays first, the ``given``
    weight, and who takes over past each end (``None``: nobody, the end is 0 or 1)."""

    label: str
    low: float
    high: float
    given: float
    rival_low: str | None
    rival_high: str | None


def tornado(
    bars: Sequence[TornadoBar], *, title: str, format_value: Format, width: float = 640
) -> Markup:
    """One bar per criterion on a 0–100 % weight axis, the narrowest range on top."""
    ordered = sorted(bars, key=lambda b: (b.high - b.low, b.label))
    row_h, top = 24, 18
    label_w = label_width([b.label for b in ordered]) + 40
    frame = Frame(label_w, top, width - label_w - 60, row_h * len(ordered), 0.0, 1.0, 0.0, 1.0)
    body = []
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = frame.x(tick)
        body.append(
            f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{top - 4}' y2='{top + frame.height:.1f}' "
            f"stroke='#ddd'/><text x='{x:.1f}' y='{top - 6}' text-anchor='middle' "
            f"font-size='9'>{text(format_value(tick))}</text>"
        )
    for i, bar in enumerate(ordered):
        y = top + i * row_h
        x0, x1, xg = frame.x(bar.low), frame.x(bar.high), frame.x(bar.given)
        body += [
            f"<text x='0' y='{y + 16}'>{text(bar.label)}</text>",
            f"<rect x='{x0:.1f}' y='{y + 5}' width='{max(x1 - x0, 1):.1f}' height='14' "
            f"fill='#a6d96a' stroke='#1a9641'><title>{text(format_value(bar.low))} – "
            f"{text(format_value(bar.high))}</title></rect>",
            f"<line x1='{xg:.1f}' x2='{xg:.1f}' y1='{y + 2}' y2='{y + 22}' stroke='#000' "
            "stroke-width='2'/>",
        ]
        if bar.rival_low is not None:
            body.append(
                f"<text x='{x0 - 3:.1f}' y='{y + 16}' text-anchor='end' font-size='9'>"
                f"{text(bar.rival_low)}</text>"
            )
        if bar.rival_high is not None:
            body.append(
                f"<text x='{x1 + 3:.1f}' y='{y + 16}' font-size='9'>{text(bar.rival_high)}</text>"
            )
    return svg_root(width, top + frame.height + 6, body, label=title)


def cash_flow_chart(
    years: Sequence[int],
    costs: Sequence[float],
    income: Sequence[float],
    *,
    title: str,
    legend: tuple[str, str, str],
    format_value: Format,
    width: float = 640,
) -> Markup:
    """Spending (down, red) and income (up, green) per year, and the cumulative balance."""
    cumulative = list(_running(i - c for c, i in zip(costs, income, strict=True)))
    low = min([0.0, *(-c for c in costs), *cumulative])
    high = max([0.0, *income, *cumulative])
    ticks = axis_ticks(low, high)
    frame = Frame(78, 26, width - 90, 200, -0.5, len(years) - 0.5, ticks[0], ticks[-1])
    body = _y_axis(frame, ticks, format_value, width)
    bar_w = frame.width / max(len(years), 1) * 0.7
    for t, (year, cost, gain) in enumerate(zip(years, costs, income, strict=True)):
        x = frame.x(t) - bar_w / 2
        for value, colour in ((gain, INCOME), (-cost, COST)):
            y0, y1 = sorted((frame.y(value), frame.y(0)))
            if y1 - y0 > 0.05:
                body.append(
                    f"<rect x='{x:.1f}' y='{y0:.1f}' width='{bar_w:.1f}' height='{y1 - y0:.1f}' "
                    f"fill='{colour}'><title>{year}: {text(format_value(value))}</title></rect>"
                )
        if t % 5 == 0 or t == len(years) - 1:
            body.append(
                f"<text x='{frame.x(t):.1f}' y='{frame.top + frame.height + 14:.1f}' "
                f"text-anchor='middle' font-size='9'>{year}</text>"
            )
    points = " ".join(f"{frame.x(t):.1f},{frame.y(v):.1f}" for t, v in enumerate(cumulative))
    body.append(f"<polyline points='{points}' fill='none' stroke='{LINE}' stroke-width='2'/>")
    body += _legend([(INCOME, legend[1]), (COST, legend[0]), (LINE, legend[2])], frame.left)
    return svg_root(width, frame.top + frame.height + 22, body, label=title)


def _running(values) -> list[float]:
    total, out = 0.0, []
    for value in values:
        total += value
        out.append(total)
    return out


def _y_axis(frame: Frame, ticks: Sequence[float], format_value: Format, width: float) -> list:
    body = []
    for tick in ticks:
        y = frame.y(tick)
        stroke = "#333" if tick == 0 else "#e3e3e3"
        body.append(
            f"<line x1='{frame.left}' x2='{frame.left + frame.width:.1f}' y1='{y:.1f}' "
            f"y2='{y:.1f}' stroke='{stroke}'/><text x='{frame.left - 4}' y='{y + 3:.1f}' "
            f"text-anchor='end' font-size='9'>{text(format_value(tick))}</text>"
        )
    return body


def _legend(items: Sequence[tuple[str, str]], left: float) -> list[str]:
    body, x = [], left
    for colour, name in items:
        body.append(
            f"<rect x='{x:.1f}' y='4' width='12' height='10' fill='{colour}'/>"
            f"<text x='{x + 16:.1f}' y='13'>{text(name)}</text>"
        )
        x += 28 + 6.2 * len(name)
    return body


def line_chart(
    years: Sequence[int],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    format_value: Format,
    width: float = 640,
) -> Markup:
    """One line per series (a municipality) over the years, with a legend below."""
    values = [v for line in series.values() for v in line]
    ticks = axis_ticks(min([0.0, *values]), max([0.0, *values]))
    frame = Frame(78, 8, width - 90, 190, -0.5, len(years) - 0.5, ticks[0], ticks[-1])
    body = _y_axis(frame, ticks, format_value, width)
    for t, year in enumerate(years):
        if t % 5 == 0 or t == len(years) - 1:
            body.append(
                f"<text x='{frame.x(t):.1f}' y='{frame.top + frame.height + 14:.1f}' "
                f"text-anchor='middle' font-size='9'>{year}</text>"
            )
    per_row, legend_top = 4, frame.top + frame.height + 34
    for k, (name, line) in enumerate(series.items()):
        colour, dash = LINE_COLOURS[k % len(LINE_COLOURS)], DASHES[k // len(LINE_COLOURS) % 3]
        points = " ".join(f"{frame.x(t):.1f},{frame.y(v):.1f}" for t, v in enumerate(line))
        body.append(
            f"<polyline points='{points}' fill='none' stroke='{colour}' stroke-width='1.6' "
            f"stroke-dasharray='{dash}'><title>{text(name)}</title></polyline>"
        )
        x = frame.left + (k % per_row) * (frame.width / per_row)
        y = legend_top + (k // per_row) * 16
        body.append(
            f"<line x1='{x:.1f}' x2='{x + 18:.1f}' y1='{y - 4}' y2='{y - 4}' stroke='{colour}' "
            f"stroke-width='3' stroke-dasharray='{dash}'/>"
            f"<text x='{x + 22:.1f}' y='{y}'>{text(name)}</text>"
        )
    rows = math.ceil(len(series) / per_row)
    return svg_root(width, legend_top + rows * 16, body, label=title)
