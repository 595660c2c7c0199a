"""Charts and the map, drawn on the server as SVG (no JavaScript; presentation attributes
only, so the strict Content-Security-Policy holds). Each has a title and a description for
screen readers, and every page that shows one puts the table of the same numbers beside it.

The map is a hex map laid out automatically from each authority's centre (reference data):
projected, then each authority takes the free hexagon nearest to where it lies, the most
crowded places (London's boroughs) first so that they stay together. Every authority gets one
hexagon of the same size, so a county of a million and a borough of two hundred thousand
weigh the same, as they do in the tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

TEXT = "#0b0c0c"
BLUE = "#1d70b8"
SERIES = ("#1d70b8", "#f47738", "#00703c", "#912b88")
NO_DATA = "#f3f2f1"
SUPPRESSED = "#b1b4b6"
# Sequential blues, light to dark: five bands of the rate.
SCALE = ("#d2e2f1", "#a5c5e3", "#6fa3d3", "#2f78bd", "#0b4c8c")
FONT = "Liberation Sans, Arial, sans-serif"


def _text(
    x: float,
    y: float,
    content: str,
    anchor: str = "start",
    size: int = 12,
    weight: str = "normal",
    fill: str = TEXT,
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" fill="{fill}" '
        f'text-anchor="{anchor}" font-family="{FONT}">{escape(content)}</text>'
    )


def _open(chart_id: str, title: str, description: str, width: float, height: float) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" width="100%" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _shown(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def bars(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, object]],
    series: Sequence[str] = ("",),
    values: Sequence[Sequence[object]] | None = None,
) -> SafeString:
    """Horizontal bars, one group per item and one bar per series. A figure that is not a
    number (c, :, z) draws no bar and is written where the bar would end."""
    rows = [list(v) for v in values] if values is not None else [[v] for _, v in items]
    numbers = [v for row in rows for v in row if isinstance(v, int | float)]
    largest = max([1, *numbers])
    label_w, plot_w, value_w, bar_h = 220, 360, 60, 14
    legend = 22 if len(series) > 1 else 0
    group_h = len(series) * (bar_h + 2) + 10
    height = legend + len(items) * group_h + 6
    width = label_w + plot_w + value_w
    described = "; ".join(
        f"{label}: "
        + ", ".join(f"{s + ' ' if s else ''}{_shown(v)}" for s, v in zip(series, row, strict=True))
        for (label, _), row in zip(items, rows, strict=True)
    )
    parts = _open(chart_id, title, described, width, height)
    if legend:
        x = label_w
        for i, name in enumerate(series):
            parts.append(
                f'<rect x="{x}" y="4" width="12" height="12" fill="{SERIES[i % len(SERIES)]}"/>'
            )
            parts.append(_text(x + 16, 14, name, size=11))
            x += 16 + 7 * len(name) + 20
    for index, ((label, _), row) in enumerate(zip(items, rows, strict=True)):
        y = legend + index * group_h
        parts.append(_text(label_w - 8, y + group_h / 2 + 2, label[:34], anchor="end"))
        for s, value in enumerate(row):
            top = y + s * (bar_h + 2)
            if isinstance(value, int | float):
                length = plot_w * value / largest
                parts.append(
                    f'<rect x="{label_w}" y="{top:.1f}" width="{length:.1f}" height="{bar_h}" '
                    f'fill="{SERIES[s % len(SERIES)]}"/>'
                )
                parts.append(_text(label_w + length + 4, top + bar_h - 2, _shown(value), size=11))
            else:
                parts.append(_text(label_w + 4, top + bar_h - 2, _shown(value), size=11))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above


# --- the hex map ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Hex:
    code: str
    name: str
    column: int
    row: int


HEX_SIZE = 0.205  # degrees of latitude per hexagon: about 23 km, fits 212 authorities well


def _project(place: Place) -> tuple[float, float]:
    """Longitude shrunk by the cosine of 54 degrees north (the UK's middle), latitude as is."""
    return place.longitude * math.cos(math.radians(54)), place.latitude


def _cell_centre(column: int, row: int) -> tuple[float, float]:
    """Pointy-top hexagons in odd-row offset layout, in projected units."""
    width = math.sqrt(3) * HEX_SIZE
    return column * width + (width / 2 if row % 2 else 0), row * 1.5 * HEX_SIZE


def _neighbours(column: int, row: int) -> list[tuple[int, int]]:
    if row % 2:
        offsets = ((1, 0), (-1, 0), (0, -1), (1, -1), (0, 1), (1, 1))
    else:
        offsets = ((1, 0), (-1, 0), (-1, -1), (0, -1), (-1, 1), (0, 1))
    return [(column + dc, row + dr) for dc, dr in offsets]


def layout(places: Sequence[Place]) -> list[Hex]:
    """One hexagon per place, each as near as it can be to where the place is. Places with
    the most neighbours close by are placed first. Deterministic: same places, same map."""
    projected = {p.code: _project(p) for p in places}
    width = math.sqrt(3) * HEX_SIZE

    def nearest_cell(x: float, y: float) -> tuple[int, int]:
        row = round(y / (1.5 * HEX_SIZE))
        column = round((x - (width / 2 if row % 2 else 0)) / width)
        return column, row

    def crowding(p: Place) -> float:
        x, y = projected[p.code]
        return sum(
            1
            for q in places
            if q.code != p.code and math.dist((x, y), projected[q.code]) < 3 * HEX_SIZE
        )

    order = sorted(places, key=lambda p: (-crowding(p), p.code))
    taken: dict[tuple[int, int], str] = {}
    cells: list[Hex] = []
    for place in order:
        x, y = projected[place.code]
        start = nearest_cell(x, y)
        best, frontier, seen = None, [start], {start}
        while best is None:  # widen ring by ring until a free cell; take the nearest in the ring
            free = [c for c in frontier if c not in taken]
            if free:
                best = min(free, key=lambda c: (math.dist(_cell_centre(*c), (x, y)), c))
                break
            ring = []
            for cell in frontier:
                for n in _neighbours(*cell):
                    if n not in seen:
                        seen.add(n)
                        ring.append(n)
            frontier = ring
        taken[best] = place.code
        cells.append(Hex(place.code, place.name, *best))
    return sorted(cells, key=lambda h: (h.row, h.column))


@dataclass(frozen=True)
class MapValue:
    shown: object  # what is written: a number, c, :, z
    rate: float | None  # what sets the colour (None: no colour band)
    status: str = ""  # 'no information', 'no such children', ...


def hex_map(
    chart_id: str, title: str, cells: Sequence[Hex], values: dict[str, MapValue], unit: str = "%"
) -> SafeString:
    """The map: each authority a hexagon coloured by its rate in five bands, labelled in its
    tooltip (title) with the name and figure; a legend below."""
    rates = sorted(v.rate for v in values.values() if v.rate is not None)
    cuts = [rates[int(len(rates) * q / 5)] for q in range(1, 5)] if len(rates) >= 5 else []
    radius = 11.0
    w = math.sqrt(3) * radius
    columns = [h.column for h in cells] or [0]
    rows = [h.row for h in cells] or [0]
    min_c, max_c, min_r, max_r = min(columns), max(columns), min(rows), max(rows)
    width = max((max_c - min_c + 2) * w + 20, 470)
    map_height = (max_r - min_r + 1) * 1.5 * radius + 2 * radius
    legend_h = 96
    height = map_height + legend_h
    described = (
        f"Hex map of {len(cells)} authorities coloured by {title.lower()}. "
        f"The table beside it gives every authority's figure."
    )
    parts = _open(chart_id, title, described, width, height)

    def band(rate: float) -> str:
        return SCALE[sum(1 for cut in cuts if rate > cut)] if cuts else SCALE[2]

    for h in cells:
        value = values.get(h.code)
        cx = 10 + (h.column - min_c) * w + (w / 2 if h.row % 2 else 0) + w / 2
        cy = map_height - radius - (h.row - min_r) * 1.5 * radius  # north at the top
        points = " ".join(
            f"{cx + radius * math.cos(math.radians(60 * k - 30)):.1f},"
            f"{cy + radius * math.sin(math.radians(60 * k - 30)):.1f}"
            for k in range(6)
        )
        if value is None or (value.rate is None and value.shown in (":", None)):
            fill, label = NO_DATA, "no information"
        elif value.rate is None:
            fill, label = (
                SUPPRESSED if value.shown == "c" else NO_DATA,
                value.status or _shown(value.shown),
            )
        else:
            fill, label = band(value.rate), f"{_shown(value.shown)}{unit}"
        parts.append(
            f'<polygon points="{points}" fill="{fill}" stroke="#ffffff" stroke-width="1">'
            f"<title>{escape(h.name)}: {escape(label)}</title></polygon>"
        )
    # Legend: the five bands, then no information and suppressed.
    y = map_height + 12
    lows = [rates[0] if rates else 0, *cuts]
    highs = [*cuts, rates[-1] if rates else 0]
    x = 10.0
    for i, colour in enumerate(SCALE if cuts else SCALE[2:3]):
        text = f"{lows[i]:.0f} to {highs[i]:.0f}{unit}" if cuts else "all"
        step = 18 + 7 * len(text) + 14
        if x + step > width:
            x, y = 10.0, y + 24
        parts.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="14" height="14" fill="{colour}"/>')
        parts.append(_text(x + 18, y + 11, text, size=11))
        x += step
    y += 24
    parts.append(
        f'<rect x="10" y="{y:.0f}" width="14" height="14" fill="{NO_DATA}" stroke="#b1b4b6"/>'
    )
    parts.append(_text(28, y + 11, "No information or no such children", size=11))
    parts.append(f'<rect x="260" y="{y:.0f}" width="14" height="14" fill="{SUPPRESSED}"/>')
    parts.append(_text(278, y + 11, "Suppressed (c)", size=11))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above
