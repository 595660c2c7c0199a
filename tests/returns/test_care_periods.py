"""Periods of care (issue 15): a child whose care ended before a period is not counted in it,
in the data request's answer and everything built on it (partnership report, national
tables); recording the end of care is one audited action with an explicit clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.factories import CROYDON, as_viewer, missing_episode, record_flag
from tests.returns.register import at
from visible.audit.models import AuditEvent
from visible.children.actions import record_care_ended
from visible.children.models import CarePeriod, Placement
from visible.reference.models import Authority
from visible.returns import foi

pytestmark = pytest.mark.django_db


def _answer(start: dt.date, end: dt.date) -> foi.FoiReturn:
    return foi.count_return([Authority.objects.get(code=CROYDON)], start, end)


@pytest.fixture
def left_care(sw_a, make_child):
    """A UASC in care from 1 January 2023 who moved to another authority's care on
    1 February 2024 (REC E3), after going missing in 2023."""
    child = make_child(
        sw_a, date_of_birth=dt.date(2008, 6, 1), looked_after_from=dt.date(2023, 1, 1)
    )
    record_flag(sw_a, child, "uasc", dt.date(2023, 1, 1), "UASC (synthetic evidence)")
    missing_episode(
        sw_a, child, category="M", last_seen_at=at(2023, 7, 1, 22), returned_at=at(2023, 7, 2, 9)
    )
    record_care_ended(
        as_viewer(sw_a), child, end_date=dt.date(2024, 2, 1), reason="E3", today=dt.date(2024, 2, 5)
    )
    return child


def test_a_child_whose_care_ended_before_the_period_is_not_counted_in_it(left_care):
    before = _answer(dt.date(2023, 4, 1), dt.date(2024, 3, 31))
    assert left_care.pk in before.children and before.count("uasc", "children") == 1
    assert before.count("uasc", "incidents") == 1
    after = _answer(dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    assert left_care.pk not in after.children
    assert after.count("uasc", "children") == 0


def test_ending_care_ends_the_open_placement_is_audited_and_said_once(sw_a, left_care):
    period = CarePeriod.objects.get(child=left_care)
    assert (period.start_date, period.end_date, period.end_reason, period.source) == (
        dt.date(2023, 1, 1),
        dt.date(2024, 2, 1),
        "E3",
        "recorded",
    )
    event = AuditEvent.objects.filter(object_type="careperiod").latest("pk")
    assert (
        "care ended on 01/02/2024" in event.summary and "another local authority" in event.summary
    )
    with pytest.raises(ValidationError) as refused:
        record_care_ended(
            as_viewer(sw_a),
            left_care,
            end_date=dt.date(2024, 3, 1),
            reason="E8",
            today=dt.date(2024, 3, 5),
        )
    assert "already ended on 01/02/2024" in str(refused.value.message_dict)


def test_the_end_of_care_may_not_be_after_the_clocks_today_or_without_a_reason(sw_a, make_child):
    child = make_child(sw_a, looked_after_from=dt.date(2024, 1, 1))
    with pytest.raises(ValidationError) as refused:
        record_care_ended(
            as_viewer(sw_a),
            child,
            end_date=dt.date(2024, 6, 2),
            reason="",
            today=dt.date(2024, 6, 1),
        )
    assert set(refused.value.message_dict) == {"end_date", "reason"}
    assert CarePeriod.objects.get(child=child).end_date is None


def test_a_child_with_no_period_of_care_recorded_counts_as_before(sw_a, make_child):
    child = make_child(
        sw_a, date_of_birth=dt.date(2008, 6, 1), looked_after_from=dt.date(2023, 1, 1)
    )
    record_flag(sw_a, child, "uasc", dt.date(2023, 1, 1), "UASC (synthetic evidence)")
    CarePeriod.objects.filter(child=child).delete()
    assert child.pk in _answer(dt.date(2024, 4, 1), dt.date(2025, 3, 31)).children


def test_placements_open_when_care_ended_end_with_it(sw_a, make_child):
    from tests.factories import record_placement

    child = make_child(sw_a, looked_after_from=dt.date(2024, 1, 1))
    record_placement(sw_a, child, CROYDON, dt.date(2024, 1, 1))
    record_care_ended(
        as_viewer(sw_a),
        child,
        end_date=dt.date(2024, 5, 1),
        reason="E4A",
        today=dt.date(2024, 6, 1),
    )
    assert Placement.objects.get(child=child).end_date == dt.date(2024, 5, 1)
