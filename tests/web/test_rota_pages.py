"""The on-call rota's pages, the alert's own page with its escalation timeline, and the inbox's
Escalated tag (the browser journey is tests/e2e/test_escalation.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_user
from tests.factories import report_missing as report
from visible.agencies.models import Organisation, Role
from visible.audit.models import AuditEvent
from visible.dates import uk_date
from visible.missing.models import Alert
from visible.missing.severity import HIGH_RISK_MISSING
from visible.notifications import jobs
from visible.rota.models import Position, Shift

pytestmark = pytest.mark.django_db


def shift_form(person, day: dt.date, **overrides) -> dict[str, str]:
    end = day + dt.timedelta(days=1)
    return {
        "position": Position.ON_CALL_MANAGER,
        "person": str(person.pk),
        "start_date_0": str(day.day),
        "start_date_1": str(day.month),
        "start_date_2": str(day.year),
        "start_time": "17:00",
        "end_date_0": str(end.day),
        "end_date_1": str(end.month),
        "end_date_2": str(end.year),
        "end_time": "09:00",
        "repeat_weeks": "1",
        "note": "",
    } | overrides


def test_a_manager_adds_changes_and_removes_a_shift(client, manager_a, sw_a):
    client.force_login(manager_a)
    tomorrow = uk_date(timezone.now()) + dt.timedelta(days=1)
    answer = client.post(reverse("web:rota-add"), shift_form(sw_a, tomorrow))
    assert answer.status_code == 302, answer.content.decode()[:3000]
    shift = Shift.objects.get()
    assert shift.person == sw_a and shift.position == Position.ON_CALL_MANAGER
    page = client.get(answer["Location"]).content.decode()
    assert "Sw" in page and "On-call manager" in page
    # Change: an hour earlier to hand over.
    answer = client.post(
        reverse("web:rota-change", args=[shift.pk]), shift_form(sw_a, tomorrow, end_time="08:00")
    )
    assert answer.status_code == 302
    shift.refresh_from_db()
    assert timezone.localtime(shift.ends_at).hour == 8
    confirm = client.get(reverse("web:rota-remove", args=[shift.pk])).content.decode()
    assert "Remove Sw&#x27;s shift?" in confirm or "Remove Sw's shift?" in confirm
    assert client.post(reverse("web:rota-remove", args=[shift.pk])).status_code == 302
    assert not Shift.objects.exists()
    assert AuditEvent.objects.filter(object_type="rota shift", action="end").exists()


def test_a_time_the_clocks_skip_is_refused_on_its_field(client, manager_a, sw_a):
    client.force_login(manager_a)
    answer = client.post(
        reverse("web:rota-add"),
        shift_form(sw_a, dt.date(2027, 3, 28), start_time="01:30", end_time="09:00")
        | {"end_date_0": "28"},
    )
    text = answer.content.decode()
    assert answer.status_code == 200
    assert 'href="#id_start_time"' in text
    assert "There is no 01:30 on 28 March 2027 in the UK" in text
    assert not Shift.objects.exists()


def test_everyone_who_acts_on_alerts_sees_the_rota_and_only_managers_change_it(
    client, manager_a, sw_a, council_a
):
    Shift.objects.create(
        organisation=council_a, position=Position.ON_CALL_MANAGER, person=manager_a,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=8),
        created_at=timezone.now(), changed_by_name="test",
    )  # fmt: skip
    client.force_login(sw_a)
    page = client.get(reverse("web:rota"))
    assert page.status_code == 200
    assert "Manager until" in page.content.decode()
    assert "Add a shift" not in page.content.decode()
    assert client.get(reverse("web:rota-add")).status_code == 403
    analyst = make_user("ana.lyst", council_a, Role.ANALYST)
    client.force_login(analyst)
    assert client.get(reverse("web:rota")).status_code == 403


def test_the_alert_page_shows_the_escalation_and_the_inbox_tags_it(
    client, council_a, manager_a, sw_a, uasc_child
):
    first = make_user("fred.first", council_a, Role.SOCIAL_WORKER)
    Shift.objects.create(
        organisation=council_a, position=Position.FIRST_ON_CALL, person=first,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=8),
        created_at=timezone.now(), changed_by_name="test",
    )  # fmt: skip
    met = Organisation.objects.get(name="Metropolitan Police Service")
    episode, _ = report(sw_a, uasc_child, force=met)
    alert = Alert.objects.get(episode=episode, code=HIGH_RISK_MISSING)
    client.force_login(manager_a)
    page = client.get(reverse("web:alert-detail", args=[alert.pk])).content.decode()
    assert 'data-testid="escalation-step"' not in page
    assert "it goes to the next person on the on-call rota" in page
    jobs.escalate_due(alert.acknowledge_by)
    page = client.get(reverse("web:alert-detail", args=[alert.pk])).content.decode()
    assert "Step 1: escalated to First on call" in page
    assert "Fred told." in page
    inbox = client.get(reverse("web:alerts")).content.decode()
    assert 'data-testid="escalated-tag"' in inbox
    assert reverse("web:alert-detail", args=[alert.pk]) in inbox
    answer = client.post(reverse("web:alert-acknowledge", args=[alert.pk]), {"from": "alert"})
    assert answer["Location"] == reverse("web:alert-detail", args=[alert.pk])
    page = client.get(answer["Location"]).content.decode()
    assert 'data-testid="escalation-stopped"' in page
    assert AuditEvent.objects.filter(
        object_type="alert", action="view", summary__contains="escalation (1 step)"
    ).exists()


def test_the_rota_is_found_from_the_alerts_page_and_an_administrators_people_page(
    client, manager_a, council_a
):
    rota = f'href="{reverse("web:rota")}"'
    client.force_login(manager_a)
    assert rota in client.get(reverse("web:alerts")).content.decode()
    admin = make_user("admin.rota", council_a, Role.ORGANISATION_ADMIN)
    client.force_login(admin)
    assert rota in client.get(reverse("web:people")).content.decode()


def test_a_medium_alerts_page_says_it_escalates_in_office_hours(
    client, council_a, manager_a, coordinator_a, sw_a, uasc_child
):
    met = Organisation.objects.get(name="Metropolitan Police Service")
    episode, _ = report(sw_a, uasc_child, force=met)
    alert = Alert.objects.get(episode=episode, code=HIGH_RISK_MISSING)
    # Made a medium one due at 17:30 on a Friday: it waits for Monday's office hours.
    due = dt.datetime(2027, 4, 23, 17, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    Alert.objects.filter(pk=alert.pk).update(
        severity=3, acknowledge_by=due, raised_at=due - dt.timedelta(days=1)
    )
    client.force_login(manager_a)
    page = client.get(reverse("web:alert-detail", args=[alert.pk])).content.decode()
    assert "do not go to the on-call rota" in page
    assert "it goes to the missing-children coordinators (at that time, or when" in page
    monday = dt.datetime(2027, 4, 26, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    [step] = jobs.escalate_due(monday).steps
    page = client.get(reverse("web:alert-detail", args=[alert.pk])).content.decode()
    assert "Step 1: escalated to Missing-children coordinators (in office hours)" in page
    assert "it goes to the senior managers" in page
    jobs.escalate_due(step.respond_by)
    page = client.get(reverse("web:alert-detail", args=[alert.pk])).content.decode()
    assert "Step 2: escalated to Senior managers (in office hours)" in page
    assert "The senior managers have been told" in page
