"""The FOI return's first days in care (issue 17), against children worked out by hand: who
arrived in the period, who then went missing or away and how soon, by the return's groups; the
section in the JSON (with and without disclosure control), the CSV and the spreadsheet."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from freezegun import freeze_time
from openpyxl import load_workbook

from tests.factories import PASSWORD, as_viewer, missing_episode
from tests.returns.test_foi_page import cells
from visible.children import actions as register
from visible.reference.models import Authority
from visible.returns import first_days, foi, formats

pytestmark = pytest.mark.django_db
UTC = dt.UTC
START, END = dt.date(2025, 1, 1), dt.date(2025, 3, 31)


def _arrives(sw, make_child, flag: str, day: dt.date, hour: int):
    """A child who came into care on ``day``, recorded as ``flag`` that day, who arrived at
    ``hour`` o'clock UTC (the checklist opens itself; the worker records the time)."""
    arrived = dt.datetime.combine(day, dt.time(hour), tzinfo=UTC)
    with freeze_time(arrived + dt.timedelta(hours=1)):
        child = make_child(sw, date_of_birth=dt.date(2009, 6, 1), looked_after_from=day)
        register.record_flag(as_viewer(sw), child, flag, day, "Synthetic evidence")
        register.record_arrival_time(
            as_viewer(sw), child.arrivals.get(), arrived, arrived + dt.timedelta(hours=1)
        )
    return child, arrived


def _goes_missing(sw, child, at: dt.datetime) -> None:
    """Missing from ``at``, back six hours later."""
    with freeze_time(at + dt.timedelta(hours=8)):
        missing_episode(sw, child, last_seen_at=at, returned_at=at + dt.timedelta(hours=6))


@pytest.fixture
def result(sw_a, make_child):
    # Three UASC children: gone after 30 hours; after 5 days (and again later: the first time
    # counts); never. One trafficked (suspected) child, gone after 10 days. One UASC child who
    # arrived before the period, gone in it: not an arrival of the period.
    quick, at = _arrives(sw_a, make_child, "uasc", dt.date(2025, 1, 6), 10)
    _goes_missing(sw_a, quick, at + dt.timedelta(hours=30))
    slower, at = _arrives(sw_a, make_child, "uasc", dt.date(2025, 2, 3), 9)
    _goes_missing(sw_a, slower, at + dt.timedelta(days=5))
    _goes_missing(sw_a, slower, at + dt.timedelta(days=20))
    _arrives(sw_a, make_child, "uasc", dt.date(2025, 3, 10), 15)
    later, at = _arrives(sw_a, make_child, "trafficked_suspected", dt.date(2025, 1, 20), 12)
    _goes_missing(sw_a, later, at + dt.timedelta(days=10))
    before, at = _arrives(sw_a, make_child, "uasc", dt.date(2024, 12, 28), 8)
    _goes_missing(sw_a, before, at + dt.timedelta(days=6))
    with freeze_time("2025-06-01 12:00"):
        return foi.count_return([Authority.objects.get(code="E09000008")], START, END)


def test_the_first_days_are_counted_from_the_moment_each_child_arrived(result):
    section = first_days.first_days(result)
    assert section.counts["uasc"] == {
        "arrived": 3,
        "went_missing_or_away": 2,
        "within_48_hours": 1,
        "within_7_days": 2,
    }
    # The two UASC children who went within a week are suspected of having been trafficked
    # from then (the engine's early-missing rule), so they are in that group too.
    assert section.counts["trafficked"] == {
        "arrived": 3,
        "went_missing_or_away": 3,
        "within_48_hours": 1,
        "within_7_days": 2,
    }
    assert section.counts["any"] == {
        "arrived": 4,
        "went_missing_or_away": 3,
        "within_48_hours": 1,
        "within_7_days": 2,
    }
    assert section.counts["trafficked_identified"]["arrived"] == 0
    # 30 hours and 120 hours: the median of two is halfway.
    assert section.median_hours["uasc"] == 75 and section.median_hours["separated"] is None


def test_the_section_is_in_every_format_and_suppressed_for_publication(result):
    with freeze_time("2025-06-01 12:00"):
        inside = json.loads(formats.render(result, "json"))
        published = json.loads(formats.render(result, "json", suppress=True))
        csv_text = formats.render(result, "csv").decode("utf-8-sig")
        book = load_workbook(io.BytesIO(formats.render(result, "xlsx")))
    assert inside["schema_version"] == "1.1.0"
    assert inside["first_days"]["counts"]["uasc"]["within_7_days"] == 2
    assert inside["first_days"]["median_hours"]["uasc"] == 75
    # Published: every count from 1 to 5 hidden, zero shown, and no median.
    assert published["first_days"]["counts"]["uasc"] == {
        "arrived": "c",
        "went_missing_or_away": "c",
        "within_48_hours": "c",
        "within_7_days": "c",
    }
    assert published["first_days"]["counts"]["separated"]["arrived"] == 0
    assert "median_hours" not in published["first_days"]
    assert "E09000008,2025-01-01,2025-03-31,first_days,uasc,within_48_hours,,,,,1" in csv_text
    sheet = book["First days in care"]
    rows = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True)}
    labels = [g.code for g in foi.GROUPS]
    uasc = labels.index("uasc")
    assert rows["First went missing or away within 7 days of arriving"][uasc] == 2
    assert rows["Median hours from arriving to first going missing or away"][uasc] == 75


def test_the_return_page_shows_the_first_days_and_hides_small_numbers_when_published(
    client, manager_a, result
):
    assert client.login(username=manager_a.username, password=PASSWORD)
    period = {
        "start_0": "1",
        "start_1": "1",
        "start_2": "2025",
        "end_0": "31",
        "end_1": "3",
        "end_2": "2025",
    }
    with freeze_time("2025-06-01 12:00"):
        inside = client.get(reverse("web:foi-return"), period).content.decode()
        published = client.get(
            reverse("web:foi-return"), period | {"suppress": "on"}
        ).content.decode()
    assert cells(inside, "foi-first-days", "uasc") == {
        "arrived": "3",
        "went_missing_or_away": "2",
        "within_48_hours": "1",
        "within_7_days": "2",
        "median_hours": "75",
    }
    assert cells(inside, "foi-first-days", "separated")["median_hours"] == "none went"
    assert cells(published, "foi-first-days", "uasc") == {
        "arrived": "c",
        "went_missing_or_away": "c",
        "within_48_hours": "c",
        "within_7_days": "c",
    }
