"""The return gives days, not times: an imported missing or away period is measured in days,
in every duration band, so a clock change inside it does not move it to another band."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from tests.factories import CROYDON
from visible.missing.models import Episode
from visible.reference.models import Authority
from visible.returns import foi

from .test_problems import good_files, run

pytestmark = pytest.mark.django_db


def test_day_only_periods_are_banded_by_days_across_the_clock_changes(council_a):
    files = good_files()
    files["missing.csv"] += (
        # 7 days over the end of summer time (26 October 2025): 7 days and an hour of clock time
        "C1,01/05/2009,M,24/10/2025,31/10/2025\r\n"
        # a day over the start of summer time (29 March 2026): 23 hours of clock time
        "C1,01/05/2009,A,28/03/2026,29/03/2026\r\n"
    )
    with freeze_time("2026-06-15T09:00:00+01:00", tick=True):
        outcome = run(files)
    assert outcome.imported, outcome.report.as_text()
    assert Episode.objects.filter(child__child_903_id="C1", day_only=True).count() == 3

    answer = foi.count_return(
        [Authority.objects.get(code=CROYDON)], dt.date(2025, 4, 1), dt.date(2026, 3, 31)
    )
    bands = {i.last_seen_at.date(): (i.band, i.hours) for i in answer.incidents}
    assert bands[dt.date(2025, 10, 24)] == ("1_to_7_days", 168.0)
    assert bands[dt.date(2026, 3, 28)] == ("1_to_7_days", 24.0)
    assert bands[dt.date(2025, 6, 1)] == ("1_to_7_days", 48.0)
    assert answer.count("uasc", "incidents_over_7_days") == 0
    assert answer.count("uasc", "incidents_under_24_hours") == 0


def test_times_recorded_on_the_pages_are_still_measured_in_hours(sw_a, make_child):
    from tests.factories import missing_episode, record_flag
    from tests.returns.register import at

    child = make_child(sw_a, looked_after_from=dt.date(2024, 1, 1))
    record_flag(sw_a, child, "uasc", dt.date(2024, 1, 1), "UASC (synthetic evidence)")
    # 7 days and an hour, timed: more than 7 days
    missing_episode(
        sw_a,
        child,
        category="M",
        last_seen_at=at(2025, 10, 24, 12),
        returned_at=at(2025, 10, 31, 12),
    )
    answer = foi.count_return(
        [Authority.objects.get(code=CROYDON)], dt.date(2025, 4, 1), dt.date(2026, 3, 31)
    )
    assert [(i.band, i.hours) for i in answer.incidents] == [("over_7_days", 169.0)]
