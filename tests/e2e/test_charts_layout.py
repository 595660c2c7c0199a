"""Charts beside their tables (issue 16, point 4): on the national landing page ("National
totals over time") and the national tables (the regional breakdowns), at 320, 768 and 1280 px,
no chart is drawn over a table, every text of a chart (its legend, its row labels) is inside
the chart and written out in full, and the page is no wider than the window."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page

from tests.e2e.support import e2e_db
from tests.factories import as_viewer, make_user
from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.demo.synthetic.returns import fill_collection
from visible.national import actions

pytestmark = [pytest.mark.e2e, e2e_db]

WIDTHS = (1280, 768, 320)


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def check_charts(page: Page, where: str) -> int:
    """Every chart against every table of the page; every text of a chart within the chart.
    Returns how many charts were checked."""
    tables = [t.bounding_box() for t in page.locator("main table").all() if t.is_visible()]
    charts = page.locator("main svg.app-chart").all()
    for chart in charts:
        box = chart.bounding_box()
        for table in tables:
            assert not _overlap(box, table), f"{where}: a chart is drawn over a table"
        # Text measured as drawn: inside the chart's own box, so nothing is cut off.
        outside = chart.evaluate(
            """svg => {
                const frame = svg.getBoundingClientRect();
                return [...svg.querySelectorAll('text')].filter(t => {
                    const r = t.getBoundingClientRect();
                    return r.left < frame.left - 1 || r.right > frame.right + 1
                        || r.top < frame.top - 1 || r.bottom > frame.bottom + 1;
                }).map(t => t.textContent);
            }"""
        )
        assert not outside, f"{where}: chart text cut off at the chart's edge: {outside}"
        texts = chart.evaluate("svg => [...svg.querySelectorAll('text')].map(t => t.textContent)")
        cut = [t for t in texts if t.endswith(("…", "...")) or t != t.strip()]
        assert not cut, f"{where}: chart text shortened: {cut}"
        # Big enough to read: no chart text drawn smaller than 9 px.
        smallest = chart.evaluate(
            """svg => Math.min(...[...svg.querySelectorAll('text')].map(
                t => t.getBoundingClientRect().height))"""
        )
        assert smallest >= 9, f"{where}: chart text drawn {smallest:.1f} px high, too small"
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{where}: the page is {widths[0]} px wide in {widths[1]}"
    return len(charts)


def test_charts_and_tables_never_overlap_and_legends_are_whole(new_page):
    body = Organisation.objects.create(
        name="National monitoring body (synthetic)", kind=OrganisationKind.NATIONAL_BODY
    )
    analyst = make_user("analyst.national", body, Role.ANALYST)
    viewer = as_viewer(analyst)
    collections = []
    for year in (2023, 2024):
        collection = actions.open_collection(
            viewer,
            f"Missing children, September {year} to August {year + 1}",
            dt.date(year, 9, 1),
            dt.date(year + 1, 8, 31),
            dt.date(year + 1, 11, 30),
        )
        fill_collection(viewer, collection, seed=year)
        collections.append(collection)
    page = new_page(analyst)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/national/")
        trend_series = page.locator("[data-testid=trend] thead th").all_inner_texts()[1:]
        assert check_charts(page, f"National monitoring at {width}px") == 1
        legend = page.locator("main svg.app-chart text").all_text_contents()
        for series in trend_series:
            assert series.strip() in legend, f"legend {series!r} missing or cut at {width}px"
        page.goto(f"/national/collections/{collections[-1].pk}/tables/")
        assert check_charts(page, f"National tables at {width}px") >= 2
