"""Bar charts drawn on the server as SVG: no JavaScript, nothing fetched, the same markup in
the page and in the PDF (WeasyPrint draws inline SVG). Colours are presentation attributes,
not style attributes, so the strict Content-Security-Policy (no inline style) allows them.

Each chart has a title and a description for screen readers, and every page that shows one
puts a table of the same numbers beside it, so no number is only in a picture.

Small on purpose: horizontal bars, this year against last, is all the annual report draws.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

THIS_YEAR = "#1d70b8"  # GOV.UK blue
LAST_YEAR = "#b1b4b6"  # GOV.UK mid grey
TEXT = "#0b0c0c"

LABEL_WIDTH = 180  # labels wrap onto two lines to fit
LABEL_CHARACTERS = 28
PLOT_WIDTH = 210
VALUE_WIDTH = 45
BAR = 13
GAP = 3
ROW_GAP = 12
TOP = 30


@dataclass(frozen=True)
class Bar:
    label: str
    this: int
    previous: int


def _text(
    x: float, y: float, content: str, anchor: str = "start", size: int = 12, weight: str = "normal"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" fill="{TEXT}" '
        f'text-anchor="{anchor}" font-family="Liberation Sans, Arial, sans-serif">{escape(content)}</text>'
    )


def bar_chart(
    chart_id: str, title: str, bars: list[Bar], this_label: str, previous_label: str
) -> SafeString:
    """Pairs of horizontal bars: this year (blue) above last year (grey), scaled to the
    largest value, each with its number at the end. The drawing scales to the width it is
    given (viewBox), so it fits a half-width column on the page and the PDF's page."""
    largest = max([1, *(b.this for b in bars), *(b.previous for b in bars)])
    row_height = 2 * BAR + GAP + ROW_GAP
    height = TOP + len(bars) * row_height + 8
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" width="100%" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(_describe(bars, this_label, previous_label))}</desc>',
        f'<rect x="{LABEL_WIDTH}" y="6" width="12" height="12" fill="{THIS_YEAR}"/>',
        _text(LABEL_WIDTH + 18, 16, this_label, size=11),
        f'<rect x="{LABEL_WIDTH + 110}" y="6" width="12" height="12" fill="{LAST_YEAR}"/>',
        _text(LABEL_WIDTH + 128, 16, previous_label, size=11),
    ]
    for index, bar in enumerate(bars):
        y = TOP + index * row_height
        lines = _wrap(bar.label)
        middle = y + BAR + GAP / 2 + 4
        for number, line in enumerate(lines):
            parts.append(
                _text(
                    LABEL_WIDTH - 8,
                    middle + (number - (len(lines) - 1) / 2) * 13,
                    line,
                    anchor="end",
                )
            )
        for offset, value, colour in (
            (0, bar.this, THIS_YEAR),
            (BAR + GAP, bar.previous, LAST_YEAR),
        ):
            length = PLOT_WIDTH * value / largest
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + offset}" width="{length:.1f}" height="{BAR}" fill="{colour}"/>'
            )
            parts.append(
                _text(LABEL_WIDTH + length + 4, y + offset + BAR - 2, f"{value:,}", size=11)
            )
    parts.append(
        f'<line x1="{LABEL_WIDTH}" y1="{TOP - 4}" x2="{LABEL_WIDTH}" y2="{height - 6}" stroke="{TEXT}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


def _wrap(label: str) -> list[str]:
    """At most two lines of about LABEL_CHARACTERS, broken between words."""
    if len(label) <= LABEL_CHARACTERS:
        return [label]
    words = label.split()
    first: list[str] = []
    while words and len(" ".join([*first, words[0]])) <= LABEL_CHARACTERS:
        first.append(words.pop(0))
    if not first:
        first.append(words.pop(0))
    return [" ".join(first), " ".join(words)] if words else [" ".join(first)]


def _describe(bars: list[Bar], this_label: str, previous_label: str) -> str:
    return "; ".join(
        f"{b.label}: {b.this:,} in {this_label}, {b.previous:,} in {previous_label}" for b in bars
    )
