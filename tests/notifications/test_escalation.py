"""Who is told when a child is reported missing (recipients.py), and escalation
(escalation.py, ADR 0019): a critical alert nobody acknowledges goes up the on-call rota one
step per deadline, to the senior manager in the end; acknowledging stops it; each step once,
however many workers run it; every step on the alert, in the audit log and in a message."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import as_viewer, make_user
from tests.factories import report_missing as report
from visible.agencies.models import Membership, Organisation, Role
from visible.audit.models import AuditEvent
from visible.children import actions as children_actions
from visible.missing import actions as missing_actions
from visible.missing.models import AcknowledgementDeadlines, Alert, AlertEscalation
from visible.missing.severity import HIGH_RISK_MISSING
from visible.notifications import escalation, jobs
from visible.notifications.models import Notification, Preferences
from visible.notifications.notify import notify_missing
from visible.notifications.recipients import recipients_for_missing
from visible.rota.models import Position, Shift

from .support import assert_names_absent

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def on_rota(person, position, start, hours=24):
    return Shift.objects.create(
        organisation=person.memberships.get().organisation,
        position=position,
        person=person,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        created_at=start,
        changed_by_name="test",
    )


@pytest.fixture
def people(council_a, sw_a):
    """Croydon's people: the allocated worker, a coordinator, and three on the rota now."""
    made = {
        "worker": sw_a,
        "coordinator": make_user("cora.coordinator", council_a, Role.MISSING_COORDINATOR),
        "first": make_user("fred.first", council_a, Role.SOCIAL_WORKER),
        "on_call": make_user("olu.oncall", council_a, Role.SENIOR_MANAGER),
        "senior": make_user("sade.senior", council_a, Role.SENIOR_MANAGER),
    }
    for user in made.values():
        user.email = f"{user.username}@croydon.example"
        user.save()
    start = timezone.now() - dt.timedelta(hours=1)
    on_rota(made["first"], Position.FIRST_ON_CALL, start)
    on_rota(made["on_call"], Position.ON_CALL_MANAGER, start)
    on_rota(made["senior"], Position.SENIOR_MANAGER, start)
    return made


@pytest.fixture
def met(db):
    return Organisation.objects.get(name="Metropolitan Police Service")


@pytest.fixture
def missing(people, uasc_child, met):
    """Dawit reported missing (and to the police, so that the one critical alert is the
    high-risk one)."""
    children_actions.allocate(
        as_viewer(people["coordinator"]), uasc_child, people["worker"].pk, None
    )
    uasc_child.refresh_from_db()
    episode, _ = report(people["worker"], uasc_child, hours_ago=1, force=met)
    alert = Alert.objects.get(episode=episode, code=HIGH_RISK_MISSING)
    return episode, alert


def told(alert) -> list[tuple[str, str]]:
    return sorted(
        (n.recipient.username, n.reason)
        for n in Notification.objects.filter(alert=alert, reason__startswith="escalated_")
    )


# --- who is told when a child is reported missing ----------------------------------------------


def test_the_allocated_worker_on_call_manager_and_coordinators_are_told_once_each(people, missing):
    episode, _ = missing
    found = [(r.user.username, r.reason) for r in recipients_for_missing(episode)]
    assert found == [
        ("sw.a", "allocated_social_worker"),
        ("olu.oncall", "on_call_manager"),
        ("cora.coordinator", "missing_coordinator"),
    ]
    # The coordinator is also the allocated worker: told once, as the worker.
    episode.child.allocated_worker = people["coordinator"]
    episode.child.save(update_fields=["allocated_worker"])
    found = [(r.user.username, r.reason) for r in recipients_for_missing(episode)]
    assert found == [
        ("cora.coordinator", "allocated_social_worker"),
        ("olu.oncall", "on_call_manager"),
    ]


def test_the_on_call_manager_is_whoever_is_on_the_rota_at_that_moment(people, missing):
    episode, _ = missing
    later = timezone.now() + dt.timedelta(days=2)  # the shifts have ended
    reasons = {r.reason for r in recipients_for_missing(episode, later)}
    assert "on_call_manager" not in reasons
    night = make_user(
        "nia.night", people["on_call"].memberships.get().organisation, Role.SENIOR_MANAGER
    )
    on_rota(night, Position.ON_CALL_MANAGER, later - dt.timedelta(hours=2), hours=4)
    assert ("nia.night", "on_call_manager") in [
        (r.user.username, r.reason) for r in recipients_for_missing(episode, later)
    ]


def test_quiet_hours_never_hold_back_the_report_of_a_high_risk_child(people, missing):
    episode, _ = missing
    for person in ("worker", "on_call", "coordinator"):
        Preferences.objects.create(
            user=people[person], quiet_from=dt.time(0, 0), quiet_until=dt.time(23, 59)
        )
    made = notify_missing(episode)
    assert {n.recipient.username for n in made} == {"sw.a", "olu.oncall", "cora.coordinator"}
    assert not any(n.held_for_quiet_hours for n in made)


# --- escalation ------------------------------------------------------------------------------------


def test_nobody_acknowledges_and_the_alert_climbs_the_rota_to_the_senior_manager(people, missing):
    _, alert = missing
    deadline = alert.acknowledge_by
    assert deadline == alert.raised_at + 15 * MINUTE
    # Before the deadline: nothing.
    assert jobs.escalate_due(deadline - MINUTE).steps == []
    first = jobs.escalate_due(deadline).steps
    assert [(s.step, s.position) for s in first] == [(1, Position.FIRST_ON_CALL)]
    assert told(alert) == [("fred.first", "escalated_first_on_call")]
    # The next step waits the same 15 minutes from the first.
    assert jobs.escalate_due(deadline + 14 * MINUTE).steps == []
    second = jobs.escalate_due(deadline + 15 * MINUTE).steps
    assert [(s.step, s.position) for s in second] == [(2, Position.ON_CALL_MANAGER)]
    third = jobs.escalate_due(deadline + 30 * MINUTE).steps
    assert [(s.step, s.position, s.to_names) for s in third] == [
        (3, Position.SENIOR_MANAGER, "Sade")
    ]
    # The top of the rota: nobody further.
    assert jobs.escalate_due(deadline + 2 * 60 * MINUTE).steps == []
    steps = list(AlertEscalation.objects.filter(alert=alert))
    assert [s.step for s in steps] == [1, 2, 3]
    assert steps[0].why.startswith("Not acknowledged by ")
    assert steps[0].why.endswith("15 minutes after it was raised")
    assert steps[2].why.endswith("15 minutes after it was escalated to Olu")
    assert told(alert) == [
        ("fred.first", "escalated_first_on_call"),
        ("olu.oncall", "escalated_on_call_manager"),
        ("sade.senior", "escalated_senior_manager"),
    ]
    events = AuditEvent.objects.filter(object_type="alert", summary__startswith="Escalated alert")
    assert [e.detail_data["escalation"]["step"] for e in events.order_by("pk")] == [1, 2, 3]
    assert (
        events.order_by("pk")
        .last()
        .summary.startswith(
            "Escalated alert to Sade (senior manager on call): Still not acknowledged by "
        )
    )


def test_acknowledging_stops_the_escalation(people, missing):
    _, alert = missing
    jobs.escalate_due(alert.acknowledge_by)
    missing_actions.acknowledge_alert(as_viewer(people["on_call"]), alert)
    assert jobs.escalate_due(alert.acknowledge_by + 60 * MINUTE).steps == []
    assert AlertEscalation.objects.filter(alert=alert).count() == 1


def test_a_position_with_nobody_on_duty_is_skipped_and_senior_managers_are_the_last_resort(
    people, missing, council_a
):
    _, alert = missing
    Shift.objects.filter(position__in=[Position.FIRST_ON_CALL, Position.SENIOR_MANAGER]).delete()
    [step] = jobs.escalate_due(alert.acknowledge_by).steps
    assert step.position == Position.ON_CALL_MANAGER
    [step] = jobs.escalate_due(step.respond_by).steps
    # Nobody on the senior managers' rota: the council's senior managers, all of them.
    assert step.position == Position.SENIOR_MANAGER
    assert {u.username for u in step.to.all()} == {"olu.oncall", "sade.senior"}


def test_with_nobody_on_the_rota_the_coordinators_are_told(people, missing):
    _, alert = missing
    Shift.objects.all().delete()
    # No senior managers either: the coordinators.
    Membership.objects.filter(role=Role.SENIOR_MANAGER).update(is_active=False)
    [step] = jobs.escalate_due(alert.acknowledge_by).steps
    assert step.position == escalation.COORDINATORS
    assert told(alert) == [("cora.coordinator", "escalated_coordinators")]


def test_a_step_is_taken_once_however_often_or_by_however_many_workers(people, missing):
    _, alert = missing
    at = alert.acknowledge_by + MINUTE
    assert len(jobs.escalate_due(at).steps) == 1
    assert jobs.escalate_due(at).steps == []  # the same minute again
    assert escalation.escalate(alert.pk, at, jobs.tell) is None
    assert AlertEscalation.objects.filter(alert=alert).count() == 1
    assert len(told(alert)) == 1


def test_an_old_critical_alert_is_not_escalated_when_the_worker_starts(people, missing):
    _, alert = missing
    # Last month's critical alert, never acknowledged: not escalated when the worker starts.
    Alert.objects.filter(pk=alert.pk).update(
        acknowledge_by=alert.acknowledge_by - dt.timedelta(days=30)
    )
    assert jobs.escalate_due(timezone.now()).steps == []


def uk(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZoneInfo("Europe/London"))


def medium(alert, acknowledge_by):
    """The alert made a medium one (a duty of days), due to be acknowledged at that time."""
    Alert.objects.filter(pk=alert.pk).update(
        severity=3, acknowledge_by=acknowledge_by, raised_at=acknowledge_by - 24 * 60 * MINUTE
    )


def test_a_medium_alert_escalates_in_office_hours_to_coordinators_then_senior_managers(
    people, missing
):
    _, alert = missing
    # Due at 17:30 on Friday 30 April 2027; Monday 3 May is the early May bank holiday.
    medium(alert, uk(2027, 4, 30, 17, 30))
    for night_or_holiday in (
        uk(2027, 4, 30, 23, 0),  # Friday night
        uk(2027, 5, 1, 10, 0),  # Saturday
        uk(2027, 5, 3, 10, 0),  # the bank holiday
        uk(2027, 5, 4, 8, 59),  # Tuesday, before the office opens
    ):
        assert jobs.escalate_due(night_or_holiday).steps == [], night_or_holiday
    # The on-call rota (Fred, first on call) is never woken for it.
    [step] = jobs.escalate_due(uk(2027, 5, 4, 9, 0)).steps
    assert step.position == escalation.OFFICE_COORDINATORS
    assert told(alert) == [("cora.coordinator", "escalated_office_coordinators")]
    assert jobs.escalate_due(uk(2027, 5, 4, 16, 0)).steps == []  # waits its day
    # Still nobody at 09:00 on Wednesday: the senior managers, and then nobody further.
    [step] = jobs.escalate_due(uk(2027, 5, 5, 9, 0)).steps
    assert step.position == escalation.OFFICE_SENIOR_MANAGERS
    assert {u.username for u in step.to.all()} == {"olu.oncall", "sade.senior"}
    assert jobs.escalate_due(uk(2027, 5, 7, 10, 0)).steps == []
    assert AlertEscalation.objects.filter(alert=alert).count() == 2
    summaries = AuditEvent.objects.filter(object_type="alert", object_id=alert.pk)
    assert summaries.filter(summary__contains="in office hours: the senior managers").exists()


def test_a_medium_alert_left_for_more_than_a_week_is_not_escalated(people, missing):
    _, alert = missing
    medium(alert, uk(2027, 4, 30, 17, 30))
    assert jobs.escalate_due(uk(2027, 5, 10, 10, 0)).steps == []


def test_office_hours_follow_each_nations_bank_holidays():
    # 2 January is a bank holiday in Scotland only; St Andrew's Day (30 November 2027, a
    # Tuesday) too; clocks and weekends alike everywhere.
    assert escalation.office_hours(uk(2029, 1, 2, 10, 0), "England")
    assert not escalation.office_hours(uk(2029, 1, 2, 10, 0), "Scotland")
    assert not escalation.office_hours(uk(2027, 11, 30, 10, 0), "Scotland")
    assert escalation.office_hours(uk(2027, 11, 30, 10, 0), "Wales")
    # The clocks go forward on Easter Day, 28 March 2027: Easter Monday is a holiday in England
    # and Wales, not in Scotland; 09:00 on the Tuesday is UK time (08:00 UTC).
    assert not escalation.office_hours(uk(2027, 3, 29, 10, 0), "England")
    assert escalation.office_hours(uk(2027, 3, 29, 10, 0), "Scotland")
    assert escalation.office_hours(uk(2027, 3, 30, 9, 0), "England")
    assert not escalation.office_hours(uk(2027, 3, 30, 8, 59), "England")
    assert not escalation.office_hours(uk(2027, 3, 30, 17, 0), "England")


def test_the_organisations_own_deadline_sets_each_steps_wait(people, uasc_child, council_a, met):
    AcknowledgementDeadlines.objects.create(organisation=council_a, minutes={"critical": 5})
    episode, _ = report(people["worker"], uasc_child, hours_ago=1, force=met)
    alert = Alert.objects.get(episode=episode, code=HIGH_RISK_MISSING)
    assert alert.acknowledge_by == alert.raised_at + 5 * MINUTE
    [step] = jobs.escalate_due(alert.acknowledge_by).steps
    assert step.respond_by == step.at + 5 * MINUTE


def test_the_escalation_message_says_so_and_links_to_the_alert(people, missing, smtp_server):
    _, alert = missing
    at = alert.acknowledge_by  # a quarter of an hour from now: the worker's clock, moved on
    jobs.escalate_due(at)
    [notification] = Notification.objects.filter(alert=alert, reason__startswith="escalated_")
    assert jobs.send_now(notification.pk, at) == "sent"
    [email] = smtp_server.wait_for(1)
    assert email.to == ["fred.first@croydon.example"]
    assert email.subject.startswith("Visible: Escalated to you, not acknowledged in time")
    assert f"https://visible.test/alerts/{alert.pk}/details" in email.body
    assert "nobody acknowledged the alert in time, and you are first on call" in email.body
    assert_names_absent(email.subject + email.body, alert.child)


def test_the_routine_holds_its_lock_and_records_its_run(people, missing):
    _, alert = missing
    run = jobs.run_escalation(alert.acknowledge_by)
    assert run.ran and run.outcome == "1 alert past the deadline checked, 1 escalated"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_take_one_step(council_a, sw_a, uasc_child, met):
    """On PostgreSQL the second waits for the first's lock on the alert and then finds the step
    taken; on SQLite the writes queue. Either way: one step, one message."""
    people = {
        "first": make_user("fred.first", council_a, Role.SOCIAL_WORKER),
    }
    on_rota(people["first"], Position.FIRST_ON_CALL, timezone.now() - dt.timedelta(hours=1))
    episode, _ = report(sw_a, uasc_child, hours_ago=1, force=met)
    alert = Alert.objects.get(episode=episode, code=HIGH_RISK_MISSING)
    at = alert.acknowledge_by + MINUTE
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(escalation.escalate(alert.pk, at, jobs.tell))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for r in results if r is not None) == 1
    assert AlertEscalation.objects.filter(alert=alert).count() == 1
    assert Notification.objects.filter(alert=alert, reason__startswith="escalated_").count() == 1
