"""Every chart Visible draws, and the hex map: SVG made on the server, the same markup in the
page and in the PDF (WeasyPrint draws inline SVG). No JavaScript, nothing fetched; colours are
presentation attributes, not style attributes, so the strict Content-Security-Policy (no
inline style) allows them. Each chart has a title and a description for screen readers
(``svg_open``), and every page that shows one puts a table of the same numbers beside it, so
no number is only in a picture.

- ``bars``: horizontal bars, one group per item and one bar per series (the national tables);
- ``year_bars``: pairs of bars, this year against last (the partnership's annual report);
- ``hex_map``: every authority a hexagon, coloured by its rate (the national tables).

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

# GOV.UK colours.
TEXT = "#0b0c0c"
BLUE = "#1d70b8"
MID_GREY = "#b1b4b6"
LIGHT_GREY = "#f3f2f1"
SERIES = ("#1d70b8", "#f47738", "#00703c", "#912b88")
NO_DATA = LIGHT_GREY
SUPPRESSED = MID_GREY
THIS_YEAR, LAST_YEAR = BLUE, MID_GREY
# Sequential blues, light to dark: five bands of the rate.
SCALE = ("#d2e2f1", "#a5c5e3", "#6fa3d3", "#2f78bd", "#0b4c8c")
FONT = "Liberation Sans, Arial, sans-serif"


def text(
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


def svg_open(chart_id: str, title: str, description: str, width: float, height: float) -> list[str]:
    """The opening of a chart: the SVG element, scaled to the width it is given (viewBox), and
    its title and description, which screen readers announce."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" width="100%" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def shown(value) -> str:
    """A figure as written: a number with thousands separated, or a symbol (c, :, z) as is."""
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
    width = label_w + plot_w + value_w
    # The legend wraps onto as many rows as it needs across the whole width (a name is never
    # cut), and each row's label onto two lines, so no text runs off the drawing.
    keys = _legend_layout(series, width) if len(series) > 1 else []
    legend = (max(legend_row for _, _, legend_row in keys) + 1) * LEGEND_ROW + 6 if keys else 0
    labels = [_wrap(label, BAR_LABEL_CHARACTERS) for label, _ in items]
    group_h = max(len(series) * (bar_h + 2) + 10, 2 * 14 + 8)
    height = legend + len(items) * group_h + 6
    described = "; ".join(
        f"{label}: "
        + ", ".join(f"{s + ' ' if s else ''}{shown(v)}" for s, v in zip(series, row, strict=True))
        for (label, _), row in zip(items, rows, strict=True)
    )
    parts = svg_open(chart_id, title, described, width, height)
    for i, (name, x, legend_row) in enumerate(keys):
        y = 4 + legend_row * LEGEND_ROW
        parts.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{SERIES[i % len(SERIES)]}"/>'
        )
        parts.append(text(x + 16, y + 10, name, size=11))
    for index, (lines, row) in enumerate(zip(labels, rows, strict=True)):
        y = legend + index * group_h
        middle = y + group_h / 2 + 2 - (len(lines) - 1) * 7
        for number, line in enumerate(lines):
            parts.append(text(label_w - 8, middle + number * 14, line, anchor="end"))
        for s, value in enumerate(row):
            top = y + s * (bar_h + 2)
            if isinstance(value, int | float):
                length = plot_w * value / largest
                parts.append(
                    f'<rect x="{label_w}" y="{top:.1f}" width="{length:.1f}" height="{bar_h}" '
                    f'fill="{SERIES[s % len(SERIES)]}"/>'
                )
                parts.append(text(label_w + length + 4, top + bar_h - 2, shown(value), size=11))
            else:
                parts.append(text(label_w + 4, top + bar_h - 2, shown(value), size=11))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above


LEGEND_ROW = 18  # the height of a row of the legend
LEGEND_CHARACTER = 6.5  # the width of a character of the legend's 11 px text, generously
BAR_LABEL_CHARACTERS = 32  # a row's label wraps onto two lines at about this many


def _legend_layout(series: Sequence[str], width: float) -> list[tuple[str, float, int]]:
    """Each series name with its x and its row of the legend: left to right, onto a new row
    when the next would not fit the width."""
    placed = []
    x, row = 4.0, 0
    for name in series:
        needed = 16 + LEGEND_CHARACTER * len(name)
        if x > 4 and x + needed > width - 4:
            x, row = 4.0, row + 1
        placed.append((name, x, row))
        x += needed + 20
    return placed


def _wrap(label: str, characters: int) -> list[str]:
    """At most two lines of about `characters`, broken between words; the second line takes
    the rest, however long (a label is never cut short)."""
    if len(label) <= characters:
        return [label]
    words = label.split()
    first: list[str] = []
    while words and len(" ".join([*first, words[0]])) <= characters:
        first.append(words.pop(0))
    if not first:
        first.append(words.pop(0))
    return [" ".join(first), " ".join(words)] if words else [" ".join(first)]


# --- this year against last -----------------------------------------------------------------------

YEAR_LABEL_WIDTH = 180  # labels wrap onto two lines to fit
YEAR_LABEL_CHARACTERS = 28
YEAR_PLOT_WIDTH = 210
YEAR_VALUE_WIDTH = 45
YEAR_BAR = 13
YEAR_GAP = 3
YEAR_ROW_GAP = 12
YEAR_TOP = 30


@dataclass(frozen=True)
class Bar:
    """One measure: its label, this year's figure and last year's."""

    label: str
    this: int
    previous: int


def year_bars(
    chart_id: str, title: str, bars: list[Bar], this_label: str, previous_label: str
) -> SafeString:
    """Pairs of horizontal bars: this year (blue) above last year (grey), scaled to the
    largest value, each with its number at the end. The drawing scales to the width it is
    given (viewBox), so it fits a half-width column on the page and the PDF's page."""
    largest = max([1, *(b.this for b in bars), *(b.previous for b in bars)])
    row_height = 2 * YEAR_BAR + YEAR_GAP + YEAR_ROW_GAP
    height = YEAR_TOP + len(bars) * row_height + 8
    width = YEAR_LABEL_WIDTH + YEAR_PLOT_WIDTH + YEAR_VALUE_WIDTH
    parts = [
        *svg_open(
            chart_id, title, _describe_years(bars, this_label, previous_label), width, height
        ),
        f'<rect x="{YEAR_LABEL_WIDTH}" y="6" width="12" height="12" fill="{THIS_YEAR}"/>',
        text(YEAR_LABEL_WIDTH + 18, 16, this_label, size=11),
        f'<rect x="{YEAR_LABEL_WIDTH + 110}" y="6" width="12" height="12" fill="{LAST_YEAR}"/>',
        text(YEAR_LABEL_WIDTH + 128, 16, previous_label, size=11),
    ]
    for index, bar in enumerate(bars):
        y = YEAR_TOP + index * row_height
        lines = _wrap_label(bar.label)
        middle = y + YEAR_BAR + YEAR_GAP / 2 + 4
        for number, line in enumerate(lines):
            parts.append(
                text(
                    YEAR_LABEL_WIDTH - 8,
                    middle + (number - (len(lines) - 1) / 2) * 13,
                    line,
                    anchor="end",
                )
            )
        for offset, value, colour in (
            (0, bar.this, THIS_YEAR),
            (YEAR_BAR + YEAR_GAP, bar.previous, LAST_YEAR),
        ):
            length = YEAR_PLOT_WIDTH * value / largest
            parts.append(
                f'<rect x="{YEAR_LABEL_WIDTH}" y="{y + offset}" width="{length:.1f}" height="{YEAR_BAR}" fill="{colour}"/>'
            )
            parts.append(
                text(
                    YEAR_LABEL_WIDTH + length + 4, y + offset + YEAR_BAR - 2, f"{value:,}", size=11
                )
            )
    parts.append(
        f'<line x1="{YEAR_LABEL_WIDTH}" y1="{YEAR_TOP - 4}" x2="{YEAR_LABEL_WIDTH}" y2="{height - 6}" stroke="{TEXT}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


def _wrap_label(label: str) -> list[str]:
    """At most two lines of about YEAR_LABEL_CHARACTERS, broken between words."""
    return _wrap(label, YEAR_LABEL_CHARACTERS)


def _describe_years(bars: list[Bar], this_label: str, previous_label: str) -> str:
    return "; ".join(
        f"{b.label}: {b.this:,} in {this_label}, {b.previous:,} in {previous_label}" for b in bars
    )


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
    parts = svg_open(chart_id, title, described, width, height)

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
                value.status or shown(value.shown),
            )
        else:
            fill, label = band(value.rate), f"{shown(value.shown)}{unit}"
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
        band_text = f"{lows[i]:.0f} to {highs[i]:.0f}{unit}" if cuts else "all"
        step = 18 + 7 * len(band_text) + 14
        if x + step > width:
            x, y = 10.0, y + 24
        parts.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="14" height="14" fill="{colour}"/>')
        parts.append(text(x + 18, y + 11, band_text, size=11))
        x += step
    y += 24
    parts.append(
        f'<rect x="10" y="{y:.0f}" width="14" height="14" fill="{NO_DATA}" stroke="#b1b4b6"/>'
    )
    parts.append(text(28, y + 11, "No information or no such children", size=11))
    parts.append(f'<rect x="260" y="{y:.0f}" width="14" height="14" fill="{SUPPRESSED}"/>')
    parts.append(text(278, y + 11, "Suppressed (c)", size=11))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above
