"""The morning digest: made once a day from 07:00 UK time for those who asked, sent by email,
listing what is overdue and unacknowledged with references and links, never a child's name."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.factories import make_user
from visible.agencies.models import Role
from visible.missing.models import Alert
from visible.notifications import delivery
from visible.notifications.digest import make_due
from visible.notifications.jobs import deliver_due
from visible.notifications.models import Digest, Notification, Preferences, State

from .support import assert_names_absent

pytestmark = pytest.mark.django_db

# 06:59 and 07:00 in London on a winter morning (GMT) and a summer one (BST).
WINTER_BEFORE = dt.datetime(2026, 1, 14, 6, 59, tzinfo=dt.UTC)
WINTER = dt.datetime(2026, 1, 14, 7, 0, tzinfo=dt.UTC)
SUMMER = dt.datetime(2026, 7, 14, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def coordinator(council_a):
    user = make_user("coordinator.a", council_a, Role.MISSING_COORDINATOR)
    user.email = "coordinator.a@croydon.example"
    user.save()
    return user


@pytest.fixture
def alerts(sw_a, fake, coordinator):
    """Two children's open alerts: one overdue and assigned to the coordinator, one new and
    not yet acknowledged."""
    child = factories.create_uasc_child(sw_a, fake, council_id="CR-77")
    other = factories.create_child(sw_a, fake)
    overdue = Alert.objects.create(
        organisation=child.responsible_organisation, child=child, code="return_interview_overdue",
        key="t/1", text=f"{child.full_name}'s return interview is overdue", source="s",
        due_at=WINTER - dt.timedelta(days=2), raised_at=WINTER - dt.timedelta(days=5),
        assigned_to=coordinator, acknowledged_at=WINTER - dt.timedelta(days=4),
    )  # fmt: skip
    new = Alert.objects.create(
        organisation=other.responsible_organisation, child=other, code="nrm_rg_overdue",
        key="t/2", text=f"{other.full_name}: NRM decision overdue", source="s",
        due_at=WINTER + dt.timedelta(days=3), raised_at=WINTER - dt.timedelta(hours=3),
    )  # fmt: skip
    return child, other, overdue, new


def test_digests_are_made_from_seven_once_a_day_for_those_who_asked(coordinator, manager_a, sw_a):
    Preferences.objects.create(user=coordinator, daily_digest=True, organisation_digest=True)
    Preferences.objects.create(user=manager_a, organisation_digest=True)
    Preferences.objects.create(user=sw_a, organisation_digest=True)  # not theirs to have
    assert make_due(WINTER_BEFORE) == []
    made = make_due(WINTER)
    assert sorted((n.recipient.username, n.digest.kind) for n in made) == [
        ("coordinator.a", "organisation"),
        ("coordinator.a", "personal"),
        ("manager.a", "organisation"),
    ]
    assert make_due(WINTER + dt.timedelta(minutes=1)) == []  # once a day
    # 07:00 BST is 06:00 UTC: the next summer morning's digests are made then.
    assert len(make_due(SUMMER - dt.timedelta(minutes=1))) == 0
    assert len(make_due(SUMMER)) == 3
    assert Digest.objects.count() == 6
    # The manager has no email address: their digest is recorded as not sent.
    assert {n.state for n in Notification.objects.filter(recipient=manager_a)} == {State.GIVEN_UP}


def test_the_digest_lists_what_is_overdue_and_unacknowledged_without_names(
    coordinator, alerts, smtp_server
):
    child, other, overdue, new = alerts
    Preferences.objects.create(user=coordinator, daily_digest=True, organisation_digest=True)
    deliver_due(WINTER)
    messages = {m.subject: m for m in smtp_server.wait_for(2)}
    assert set(messages) == {
        "Visible: Your alerts, 14 January 2026",
        "Visible: Croydon children's services: alerts, 14 January 2026",
    }
    mine = messages["Visible: Your alerts, 14 January 2026"].body
    assert "Your overdue alerts (1)" in mine
    assert (
        f"- Return interview overdue, case CR-77, overdue since 07:00 on 12 January 2026: "
        f"https://visible.test/children/{child.pk}/" in mine
    )
    theirs = messages["Visible: Croydon children's services: alerts, 14 January 2026"].body
    assert "New in the last 24 hours and not acknowledged (1)" in theirs
    assert "- NRM reasonable grounds decision overdue" in theirs
    assert "Overdue (1)" in theirs
    assert "https://visible.test/alerts/" in theirs
    for message in messages.values():
        assert_names_absent(message.subject + message.body, child)
        assert_names_absent(message.subject + message.body, other)
    assert all(n.state == State.SENT for n in Notification.objects.filter(kind="digest"))


def test_the_digest_through_notify(coordinator, alerts, notify_stub, settings):
    child, other, overdue, new = alerts
    settings.VISIBLE_NOTIFY_EMAIL = True
    Preferences.objects.create(user=coordinator, daily_digest=True)
    [made] = make_due(WINTER)
    assert delivery.attempt(made.pk, now=WINTER).state == State.ACCEPTED
    [sent] = notify_stub.sent
    assert sent.template == "digest" and sent.subject == "Visible: Your alerts, 14 January 2026"
    assert "* Your overdue alerts (1): Return interview overdue, case CR-77" in sent.body
    assert_names_absent(sent.body, child)


def test_quiet_hours_hold_the_digest(coordinator, smtp_server):
    Preferences.objects.create(
        user=coordinator, daily_digest=True, quiet_from=dt.time(21, 0), quiet_until=dt.time(8, 30)
    )
    [made] = make_due(WINTER)
    assert made.held_for_quiet_hours
    assert made.due_at == dt.datetime(2026, 1, 14, 8, 30, tzinfo=dt.UTC)
    assert delivery.attempt(made.pk, now=WINTER).state == State.QUEUED
    assert smtp_server.messages == []
    deliver_due(made.due_at)
    assert len(smtp_server.wait_for(1)) == 1
