"""The on-call rota (rota/): who is on duty at a moment, across midnight and the nights the
clocks change (28 March and 31 October 2027), and keeping the rota: who may, what is refused
and in which words, and the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import as_viewer, make_user
from visible.agencies.models import Membership, Role
from visible.audit.models import AuditEvent
from visible.dates import UK_TIME
from visible.rota import actions
from visible.rota.duty import on_duty, who_is_on
from visible.rota.models import Position, Shift
from visible.rota.times import NotOnTheClock, uk_moment

pytestmark = pytest.mark.django_db

# The explicit clock of these tests: a moment before every shift they add.
BEFORE = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)


def uk(y, m, d, hh, mm=0, fold=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=UK_TIME, fold=fold)


def shift_input(person, start: dt.date, start_time="17:00", end: dt.date | None = None,
                end_time="09:00", position=Position.ON_CALL_MANAGER, weeks=1, note=""):  # fmt: skip
    return actions.ShiftInput(
        position=position,
        person_id=person.pk,
        start_date=start,
        start_time=dt.time.fromisoformat(start_time),
        end_date=end or start + dt.timedelta(days=1),
        end_time=dt.time.fromisoformat(end_time),
        repeat_weeks=weeks,
        note=note,
    )


@pytest.fixture
def manager(council_a):
    return make_user("priya.manager", council_a, Role.SENIOR_MANAGER)


@pytest.fixture
def duty_worker(council_a):
    return make_user("tom.duty", council_a, Role.SOCIAL_WORKER)


# --- UK wall-clock times -------------------------------------------------------------------------


def test_uk_times_become_the_instants_the_clocks_show():
    assert uk_moment(dt.date(2027, 1, 15), dt.time(17)) == dt.datetime(
        2027, 1, 15, 17, tzinfo=dt.UTC
    )
    assert uk_moment(dt.date(2027, 7, 15), dt.time(17)) == dt.datetime(
        2027, 7, 15, 16, tzinfo=dt.UTC
    )
    # 28 March 2027: the clocks go from 01:00 to 02:00, so 01:30 does not happen that night.
    with pytest.raises(NotOnTheClock) as skipped:
        uk_moment(dt.date(2027, 3, 28), dt.time(1, 30))
    assert str(skipped.value) == (
        "There is no 01:30 on 28 March 2027 in the UK: the clocks go forward from 01:00 to "
        "02:00. Enter a time before 01:00 or from 02:00"
    )
    assert uk_moment(dt.date(2027, 3, 28), dt.time(2)) == dt.datetime(2027, 3, 28, 1, tzinfo=dt.UTC)
    # 31 October 2027: 01:30 happens twice; the rota means the first (still summer time).
    assert uk_moment(dt.date(2027, 10, 31), dt.time(1, 30)) == dt.datetime(
        2027, 10, 31, 0, 30, tzinfo=dt.UTC
    )


# --- who is on duty --------------------------------------------------------------------------------


def test_an_overnight_shift_covers_midnight_and_hands_over_at_its_end(manager, duty_worker):
    [shift] = actions.add_shifts(
        as_viewer(manager), shift_input(duty_worker, dt.date(2027, 3, 5)), now=BEFORE
    )
    org = shift.organisation
    assert on_duty(org, Position.ON_CALL_MANAGER, uk(2027, 3, 5, 16, 59)) == []
    assert on_duty(org, Position.ON_CALL_MANAGER, uk(2027, 3, 5, 17, 0)) == [duty_worker]
    assert on_duty(org, Position.ON_CALL_MANAGER, uk(2027, 3, 5, 23, 59)) == [duty_worker]
    assert on_duty(org, Position.ON_CALL_MANAGER, uk(2027, 3, 6, 0, 0)) == [duty_worker]
    assert on_duty(org, Position.ON_CALL_MANAGER, uk(2027, 3, 6, 8, 59)) == [duty_worker]
    assert on_duty(org, Position.ON_CALL_MANAGER, uk(2027, 3, 6, 9, 0)) == []  # handed over
    # Another position is not this one.
    assert on_duty(org, Position.FIRST_ON_CALL, uk(2027, 3, 5, 20)) == []
    assert who_is_on(org, uk(2027, 3, 5, 20))[Position.ON_CALL_MANAGER] == [shift]


def test_the_night_the_clocks_go_forward_the_shift_keeps_its_hours_and_is_an_hour_shorter(
    manager, duty_worker
):
    """Saturday 27 March 2027 17:00 to Sunday 28 March 09:00: 15 hours, not 16."""
    [shift] = actions.add_shifts(
        as_viewer(manager), shift_input(duty_worker, dt.date(2027, 3, 27)), now=BEFORE
    )
    assert shift.ends_at - shift.starts_at == dt.timedelta(hours=15)
    assert shift.ends_at == dt.datetime(2027, 3, 28, 8, tzinfo=dt.UTC)  # 09:00 BST
    org = shift.organisation
    assert on_duty(org, Position.ON_CALL_MANAGER, uk(2027, 3, 28, 0, 59)) == [duty_worker]
    assert on_duty(org, Position.ON_CALL_MANAGER, uk(2027, 3, 28, 2, 0)) == [duty_worker]
    assert on_duty(org, Position.ON_CALL_MANAGER, uk(2027, 3, 28, 8, 59)) == [duty_worker]
    # 08:30 UTC is 09:30 by the clocks that morning: over, though 16 hours have not passed.
    assert (
        on_duty(org, Position.ON_CALL_MANAGER, dt.datetime(2027, 3, 28, 8, 30, tzinfo=dt.UTC)) == []
    )


def test_the_night_the_clocks_go_back_the_shift_is_an_hour_longer_and_covers_both_0130s(
    manager, duty_worker
):
    [shift] = actions.add_shifts(
        as_viewer(manager), shift_input(duty_worker, dt.date(2027, 10, 30)), now=BEFORE
    )
    assert shift.ends_at - shift.starts_at == dt.timedelta(hours=17)
    org = shift.organisation
    for fold in (0, 1):  # 01:30 BST, then 01:30 GMT an hour later
        assert on_duty(org, Position.ON_CALL_MANAGER, uk(2027, 10, 31, 1, 30, fold=fold)) == [
            duty_worker
        ]
    assert on_duty(org, Position.ON_CALL_MANAGER, uk(2027, 10, 31, 8, 59)) == [duty_worker]
    assert on_duty(org, Position.ON_CALL_MANAGER, uk(2027, 10, 31, 9, 0)) == []


def test_weekly_shifts_keep_their_wall_clock_hours_across_the_change(manager, duty_worker):
    """Fridays 17:00 to 09:00 for three weeks from 19 March 2027: each starts at 17:00 by the
    clocks, before the change (GMT) and after it (BST)."""
    made = actions.add_shifts(
        as_viewer(manager), shift_input(duty_worker, dt.date(2027, 3, 19), weeks=3), now=BEFORE
    )
    starts = [s.starts_at.astimezone(UK_TIME) for s in made]
    assert [(s.date(), s.hour) for s in starts] == [
        (dt.date(2027, 3, 19), 17),
        (dt.date(2027, 3, 26), 17),
        (dt.date(2027, 4, 2), 17),
    ]
    assert [s.starts_at.astimezone(dt.UTC).hour for s in made] == [17, 17, 16]
    [event] = AuditEvent.objects.filter(object_type="rota shift")
    assert "Put Tom as on-call manager from 17:00 on Friday 19 March 2027" in event.summary
    assert "(and the same hours for 2 more weeks)" in event.summary
    assert len(event.detail_data["shifts"]) == 3


def test_someone_who_has_left_is_not_on_duty(manager, duty_worker):
    [shift] = actions.add_shifts(
        as_viewer(manager), shift_input(duty_worker, dt.date(2027, 3, 5)), now=BEFORE
    )
    Membership.objects.filter(user=duty_worker).update(is_active=False)
    assert on_duty(shift.organisation, Position.ON_CALL_MANAGER, uk(2027, 3, 5, 20)) == []


# --- keeping the rota --------------------------------------------------------------------------------


def test_only_a_senior_manager_or_an_administrator_keeps_the_rota(council_a, manager, duty_worker):
    admin = make_user("ada.admin", council_a, Role.ORGANISATION_ADMIN)
    actions.add_shifts(as_viewer(admin), shift_input(duty_worker, dt.date(2027, 3, 5)), now=BEFORE)
    with pytest.raises(
        PermissionDenied, match="Only a senior manager or an organisation administrator"
    ):
        actions.add_shifts(
            as_viewer(duty_worker), shift_input(duty_worker, dt.date(2027, 3, 12)), now=BEFORE
        )
    assert Shift.objects.count() == 1


def test_bad_shifts_are_refused_field_by_field_and_nothing_is_saved(
    council_a, council_b, manager, duty_worker
):
    admin = make_user("ada.admin", council_a, Role.ORGANISATION_ADMIN)
    outsider = make_user("kent.worker", council_b, Role.SOCIAL_WORKER)
    viewer = as_viewer(manager)

    def refused(data, now=BEFORE) -> dict:
        with pytest.raises(ValidationError) as error:
            actions.add_shifts(viewer, data, now=now)
        return error.value.message_dict

    assert refused(shift_input(outsider, dt.date(2027, 3, 5)))["person"] == [
        f"Select a person who works for {council_a.name}"
    ]
    assert (
        "cannot open children's records"
        in refused(shift_input(admin, dt.date(2027, 3, 5)))["person"][0]
    )
    assert refused(shift_input(duty_worker, dt.date(2027, 3, 5), end=dt.date(2027, 3, 5)))[
        "end_date"
    ] == [
        "The shift must end after it starts: it starts at 17:00 on Friday 5 March 2027 and ends "
        "at 09:00 on Friday 5 March 2027"
    ]
    assert (
        "at most 8 days"
        in refused(shift_input(duty_worker, dt.date(2027, 3, 5), end=dt.date(2027, 3, 15)))[
            "end_date"
        ][0]
    )
    assert refused(shift_input(duty_worker, dt.date(2027, 3, 28), start_time="01:30"))[
        "start_time"
    ] == [
        "There is no 01:30 on 28 March 2027 in the UK: the clocks go forward from 01:00 to "
        "02:00. Enter a time before 01:00 or from 02:00"
    ]
    # Weekly from 21 March at 01:30: the second week falls on the night the clocks skip it.
    assert refused(
        shift_input(
            duty_worker,
            dt.date(2027, 3, 21),
            start_time="01:30",
            end_time="09:00",
            end=dt.date(2027, 3, 21),
            weeks=2,
        )  # fmt: skip
    )["start_time"][0].endswith("(in week 2)")
    assert "has already ended" not in str(
        refused(shift_input(duty_worker, dt.date(2027, 3, 5), weeks=13))
    )
    assert refused(shift_input(duty_worker, dt.date(2027, 3, 5), weeks=13))["repeat_weeks"] == [
        "Enter a number of weeks from 1 to 12"
    ]
    assert (
        "would have ended already"
        in refused(shift_input(duty_worker, dt.date(2027, 2, 1)), now=BEFORE)["end_date"][0]
    )
    actions.add_shifts(viewer, shift_input(duty_worker, dt.date(2027, 3, 5)), now=BEFORE)
    clash = refused(shift_input(duty_worker, dt.date(2027, 3, 5), start_time="20:00"))
    assert clash["start_date"] == [
        "Tom is already on-call manager from 17:00 on Friday 5 March 2027 to 09:00 on Saturday "
        "6 March 2027: change that shift instead"
    ]
    assert Shift.objects.count() == 1


def test_changing_and_removing_a_shift_is_audited_and_a_past_one_is_kept(
    council_a, manager, duty_worker
):
    other = make_user("sam.manager", council_a, Role.MISSING_COORDINATOR)
    viewer = as_viewer(manager)
    [shift] = actions.add_shifts(viewer, shift_input(duty_worker, dt.date(2027, 3, 5)), now=BEFORE)
    changed = actions.change_shift(
        viewer, shift, shift_input(other, dt.date(2027, 3, 5), end_time="08:00"), now=BEFORE
    )
    assert changed.person == other and changed.ends_at == uk(2027, 3, 6, 8)
    event = AuditEvent.objects.filter(object_type="rota shift", action="change").get()
    assert event.detail_data["changes"]["person"] == ["tom.duty", "sam.manager"]
    # Once it has ended it is the record of who was on duty: kept.
    later = dt.datetime(2027, 3, 7, tzinfo=dt.UTC)
    with pytest.raises(ValidationError, match="past shift cannot be changed or removed"):
        actions.remove_shift(viewer, changed, now=later)
    actions.remove_shift(viewer, changed, now=BEFORE)
    assert not Shift.objects.exists()
    removed = AuditEvent.objects.filter(object_type="rota shift", action="end").get()
    assert removed.summary.startswith("Took off the rota Sam as on-call manager from 17:00")
