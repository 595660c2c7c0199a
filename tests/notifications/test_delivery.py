"""Telling people, end to end: a child reported missing (as the page and the API report one),
the notifications made from each person's preferences, sent by the worker's job to a real SMTP
server and to the Notify stand-in, and what arrives checked: to whom, the link, a reference, and
never the child's name. Then what happens when a send fails: tries at 30 s, 2 min, 10 min and
30 min, and after the last the alert to the coordinators that someone was not told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from tests.factories import as_viewer, make_user
from visible.agencies.models import Organisation, Role
from visible.audit.models import AuditEvent
from visible.missing.models import Alert
from visible.notifications import delivery, notify
from visible.notifications.jobs import deliver_due
from visible.notifications.models import (
    Notification,
    OrganisationSettings,
    Preferences,
    State,
)

from .support import assert_names_absent, names_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def force():
    return Organisation.objects.get(name="Metropolitan Police Service")


@pytest.fixture
def coordinator(council_a):
    user = make_user("coordinator.a", council_a, Role.MISSING_COORDINATOR)
    user.email = "coordinator.a@croydon.example"
    user.save()
    return user


@pytest.fixture
def spoc(force):
    user = make_user("spoc.met", force, Role.TRAFFICKING_SPOC)
    Preferences.objects.create(user=user, channels="sms", mobile="+447700900982")
    return user


@pytest.fixture
def child(sw_a, fake):
    """An unaccompanied asylum-seeking child (in scope: graded high when missing), with other
    names and spellings."""
    return factories.create_uasc_child(
        sw_a,
        fake,
        council_id="CR-4417",
        other_names=[
            ("Dawit Teklay", "other_spelling"),
            ("ዳዊት ተኽለ", "own_script"),
            ("Dave", "alias"),
        ],
    )


def report(sw, child, force=None, run_jobs=None, **overrides):
    """Report the child missing as the page does; the jobs queued on commit run at once (the
    tests' immediate mode) when ``run_jobs`` (django_capture_on_commit_callbacks) is given."""
    data = factories.missing_report(3, force, **overrides)
    if run_jobs is None:
        return notify.report_missing(as_viewer(sw), child, data)
    with run_jobs(execute=True):
        return notify.report_missing(as_viewer(sw), child, data)


def test_a_child_reported_missing_is_told_by_email_and_text_without_their_name(
    sw_a, coordinator, spoc, child, force, smtp_server, notify_stub,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    episode, _ = report(sw_a, child, force, django_capture_on_commit_callbacks)
    assert episode.grade == "high"

    [email] = smtp_server.wait_for(1)
    assert email.to == ["coordinator.a@croydon.example"]
    assert email.subject == "Visible: Child reported missing: graded high risk, ref case CR-4417"
    assert f"https://visible.test/episodes/{episode.pk}/" in email.body
    assert "Reference: case CR-4417" in email.body
    assert "a missing-children coordinator of Croydon children's services" in email.body
    assert_names_absent(email.subject + email.body, child)

    [text] = notify_stub.wait_for(1)
    assert (text.kind, text.to) == ("sms", "+447700900982")
    # The police reader's reference is the force's own.
    assert text.body == (
        f"Visible: Child reported missing: graded high risk. Ref police ref MPS-1. "
        f"https://visible.test/episodes/{episode.pk}/"
    )
    assert_names_absent(text.body + str(text.personalisation), child)

    told = {n.recipient.username: n for n in Notification.objects.filter(episode=episode)}
    assert told["coordinator.a"].state == State.SENT
    assert told["coordinator.a"].provider_reference == email.message["Message-ID"].strip("<>")
    assert told["spoc.met"].state == State.ACCEPTED
    assert told["spoc.met"].provider_reference == text.id
    assert all(n.high_risk and n.attempts == 1 for n in told.values())

    # The child's history says who was told what, and when; never the body.
    events = AuditEvent.objects.filter(child_id=child.pk, object_type="notification")
    summaries = [e.summary for e in events]
    assert "Notifications queued to 1 person: Child reported missing: graded high risk" in summaries
    assert any(s.startswith("Told Coordinator by email") for s in summaries)
    assert any(s.startswith("Told Spoc by text message") for s in summaries)
    for event in events:
        assert "Open it in Visible" not in event.detail
        assert_names_absent(event.summary + event.detail, child)


def test_the_spoc_is_told_only_of_a_child_in_scope(
    sw_a, coordinator, spoc, force, make_child, smtp_server, notify_stub,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    child = make_child(sw_a)  # no flag: not in the report's scope
    report(sw_a, child, force, django_capture_on_commit_callbacks)
    assert [m.to for m in smtp_server.wait_for(1)] == [["coordinator.a@croydon.example"]]
    assert notify_stub.sent == []
    assert not Notification.objects.filter(recipient=spoc).exists()


def test_the_spoc_is_not_told_before_the_police_are(
    sw_a, coordinator, spoc, child, smtp_server, notify_stub, django_capture_on_commit_callbacks
):
    report(sw_a, child, None, django_capture_on_commit_callbacks)
    smtp_server.wait_for(1)
    assert notify_stub.sent == []


def test_nothing_is_queued_when_the_report_is_refused(sw_a, coordinator, child, smtp_server):
    with pytest.raises(Exception, match="must be now or in the past"):
        report(sw_a, child, last_seen_at=timezone.now() + dt.timedelta(hours=2))
    assert not Notification.objects.exists()


def test_an_organisation_may_allow_the_childs_name_in_email_to_its_secure_domain(
    sw_a, coordinator, council_a, child, smtp_server, django_capture_on_commit_callbacks
):
    other = make_user("coordinator.two", council_a, Role.MISSING_COORDINATOR)
    other.email = "coordinator.two@gmail.example"
    other.save()
    OrganisationSettings.objects.create(
        organisation=council_a,
        secure_email_domains=["croydon.example"],
        details_in_secure_email=True,
    )
    report(sw_a, child, None, django_capture_on_commit_callbacks)
    by_address = {m.to[0]: m for m in smtp_server.wait_for(2)}
    secure = by_address["coordinator.a@croydon.example"]
    assert "Child: Dawit Tekle (also known as" in secure.body
    assert "Dawit Teklay" in secure.body and "West Croydon bus station" in secure.body
    assert_names_absent(secure.subject, child)  # never in the subject line
    assert_names_absent(by_address["coordinator.two@gmail.example"].body, child)
    detail = dict(Notification.objects.values_list("address", "detail"))
    assert detail == {
        "coordinator.a@croydon.example": "full",
        "coordinator.two@gmail.example": "reference",
    }


def test_email_through_notify_never_carries_the_name(
    sw_a, coordinator, council_a, child, notify_stub, settings, django_capture_on_commit_callbacks
):
    settings.VISIBLE_NOTIFY_EMAIL = True
    OrganisationSettings.objects.create(
        organisation=council_a,
        secure_email_domains=["croydon.example"],
        details_in_secure_email=True,
    )
    report(sw_a, child, None, django_capture_on_commit_callbacks)
    [sent] = notify_stub.wait_for(1)
    assert sent.kind == "email" and sent.to == "coordinator.a@croydon.example"
    assert "Reference: case CR-4417" in sent.body
    assert_names_absent(sent.subject + sent.body + str(sent.personalisation), child)


def test_text_messages_fall_back_to_email_while_notify_is_not_set_up(
    sw_a, coordinator, child, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.VISIBLE_NOTIFY_API_KEY = ""
    Preferences.objects.create(user=coordinator, channels="sms", mobile="+447700900123")
    report(sw_a, child, None, django_capture_on_commit_callbacks)
    assert smtp_server.wait_for(1)[0].to == ["coordinator.a@croydon.example"]


# --- when sending fails ----------------------------------------------------------------------


def _start(coordinator, child, sw_a):
    """A notification to the coordinator about the child's episode, made at a known moment."""
    episode, _ = report(sw_a, child)
    start = timezone.now()
    [made] = Notification.objects.filter(recipient=coordinator)
    return episode, made, start


def test_a_failed_send_is_tried_again_after_30_s_2_min_10_min_and_30_min_then_given_up(
    sw_a, council_a, coordinator, child, smtp_server, notify_stub,
):  # fmt: skip
    # A second coordinator (told by text) is who hears that the first was not told.
    second = make_user("coordinator.b", council_a, Role.MISSING_COORDINATOR)
    Preferences.objects.create(user=second, channels="sms", mobile="+447700900456")
    smtp_server.refuse("coordinator.a@croydon.example", for_good=False)
    episode, made, start = _start(coordinator, child, sw_a)
    at = start
    waits = []
    for tries in range(1, 6):
        outcome = delivery.attempt(made.pk, now=at)
        made.refresh_from_db()
        assert made.attempts == tries
        if tries < 5:
            assert outcome.state == State.RETRYING == made.state
            assert "451" in made.last_error
            waits.append(int((outcome.retry_at - at).total_seconds()))
            # Not a moment before it is due.
            assert (
                delivery.attempt(made.pk, now=outcome.retry_at - dt.timedelta(seconds=1)).state
                == State.RETRYING
            )
            assert made.attempts == tries
            at = outcome.retry_at
    assert waits == [30, 120, 600, 1800]
    assert made.state == State.GIVEN_UP and outcome.not_sent_alert is not None
    assert smtp_server.messages == []

    alert = Alert.objects.get(code="notification_not_sent")
    assert alert == outcome.not_sent_alert
    assert (alert.organisation, alert.child, alert.episode) == (council_a, child, episode)
    assert alert.text.startswith(
        "A notification to Coordinator (Missing-children coordinator, Croydon children's "
        "services) about \u201cChild reported missing: graded high risk\u201d could not be sent "
        "by email to coordinator.a@croydon.example: The mail server refused the address for now: 451"
    )
    assert alert.text.endswith("Tell them another way.")

    # The coordinators are told of that alert, as of any other.
    from visible.notifications import jobs

    jobs.tell_coordinators(alert, now=at)
    deliver_due(at)  # the second coordinator's news of the episode, and of the alert
    texts = notify_stub.wait_for(2)
    assert {t.to for t in texts} == {"+447700900456"}
    [text] = [t for t in texts if "could not be sent" in t.body]
    assert text.body.startswith("Visible: A notification could not be sent")
    assert text.body.endswith("https://visible.test/alerts/")
    assert_names_absent(text.body, child)
    assert AuditEvent.objects.filter(
        child_id=child.pk, summary__startswith="Could not tell Coordinator"
    ).exists()


def test_an_address_refused_for_good_is_given_up_at_once(
    sw_a, coordinator, child, smtp_server, caplog
):
    smtp_server.refuse("coordinator.a@croydon.example")
    _, made, start = _start(coordinator, child, sw_a)
    with caplog.at_level("WARNING", logger="visible.notifications"):
        outcome = delivery.attempt(made.pk, now=start)
    assert outcome.state == State.GIVEN_UP and outcome.retry_at is None
    assert "550" in Alert.objects.get(code="notification_not_sent").text
    # The log says which notification and whom by number; never the address.
    [line] = [r.getMessage() for r in caplog.records if r.name == "visible.notifications"]
    assert line.startswith(
        f"Notification {made.pk} (email by smtp, to user {coordinator.pk}) given up"
    )
    assert "croydon.example" not in line and "Coordinator" not in line


def test_the_log_holds_no_address_or_number():
    assert delivery.loggable(
        "The mail server refused the address: 550 5.1.1 <sam.jones@council.example>: unknown; "
        "phone_number +44 7700 900982 is not valid"
    ) == (
        "The mail server refused the address: 550 5.1.1 <(address)>: unknown; "
        "phone_number (number) is not valid"
    )


def test_someone_with_no_address_is_reported_at_once(
    sw_a, council_a, coordinator, child, smtp_server, django_capture_on_commit_callbacks
):
    nobody = make_user("coordinator.nomail", council_a, Role.MISSING_COORDINATOR)
    report(sw_a, child, None, django_capture_on_commit_callbacks)
    [given_up] = Notification.objects.filter(recipient=nobody, kind="reported_missing")
    assert given_up.state == State.GIVEN_UP and given_up.attempts == 0
    # One alert: that they could not be told of the alert raises no other.
    alert = Alert.objects.get(code="notification_not_sent")
    assert Notification.objects.get(recipient=nobody, alert=alert).state == State.GIVEN_UP
    assert "No email address or mobile number for notifications" in alert.text
    # The coordinator who can be reached hears of the episode and of the alert.
    subjects = sorted(m.subject for m in smtp_server.wait_for(2))
    assert subjects[0].startswith("Visible: A notification could not be sent")
    assert subjects[1].startswith("Visible: Child reported missing")


def test_a_try_lost_with_its_worker_is_tried_again(sw_a, coordinator, child, smtp_server):
    _, made, start = _start(coordinator, child, sw_a)
    Notification.objects.filter(pk=made.pk).update(
        state=State.SENDING, attempts=1, last_attempt_at=start
    )
    assert delivery.due(start + dt.timedelta(minutes=4)) == []
    later = start + dt.timedelta(minutes=6)
    assert delivery.due(later) == [made.pk]
    deliver_due(later)
    made.refresh_from_db()
    assert made.state == State.SENT and made.attempts == 2
    assert len(smtp_server.wait_for(1)) == 1


def test_a_message_no_longer_needed_is_not_sent(sw_a, coordinator, child, smtp_server):
    episode, made, start = _start(coordinator, child, sw_a)
    from visible.missing import actions
    from visible.missing.inputs import ReturnInput

    actions.record_return(
        as_viewer(sw_a), episode, ReturnInput(returned_at=timezone.now(), found_by="self")
    )
    assert delivery.attempt(made.pk, now=timezone.now()).state == State.CANCELLED
    assert smtp_server.messages == []


# --- quiet hours -----------------------------------------------------------------------------


def test_quiet_hours_hold_back_a_medium_risk_report_but_never_a_high_risk_one(
    sw_a, coordinator, child, make_child, smtp_server
):
    Preferences.objects.create(
        user=coordinator, quiet_from=dt.time(22, 0), quiet_until=dt.time(7, 0)
    )
    late = dt.datetime(2026, 6, 10, 23, 15, tzinfo=dt.UTC)  # 00:15 BST
    morning = dt.datetime(2026, 6, 11, 6, 0, tzinfo=dt.UTC)  # 07:00 BST

    other = make_child(sw_a)  # not in scope: graded medium
    ordinary, _ = report(sw_a, other)
    assert ordinary.grade != "high"
    [held] = delivery.create(ordinary, [coordinator], "missing_coordinator", now=late)
    assert held.held_for_quiet_hours and held.due_at == morning
    assert delivery.attempt(held.pk, now=late).state == State.QUEUED
    assert smtp_server.messages == []
    assert delivery.due(morning) and deliver_due(morning)
    held.refresh_from_db()
    assert held.state == State.SENT

    urgent, _ = report(sw_a, child)
    [sent_now] = delivery.create(urgent, [coordinator], "missing_coordinator", now=late)
    assert not sent_now.held_for_quiet_hours and sent_now.due_at == late
    assert delivery.attempt(sent_now.pk, now=late).state == State.SENT


def test_an_alert_of_high_severity_is_never_held_back(sw_a, coordinator, make_child):
    """Quiet hours hold back a medium alert, never a high or critical one, as the alert stores
    its severity (a number: missing/severity.py). Before, the stored number was read as a
    word, so a critical alert about a child not graded high waited for the morning."""
    Preferences.objects.create(
        user=coordinator, quiet_from=dt.time(22, 0), quiet_until=dt.time(7, 0)
    )
    child = make_child(sw_a)
    late = dt.datetime(2026, 6, 10, 23, 15, tzinfo=dt.UTC)

    def alert(code):
        return Alert.objects.create(
            organisation=child.responsible_organisation, child=child, code=code,
            key=f"{child.pk}/test/{code}", text="t", source="s", due_at=late, raised_at=late,
        )  # fmt: skip

    [held] = delivery.create(
        alert("duty_to_notify"), [coordinator], "missing_coordinator", now=late
    )
    assert held.held_for_quiet_hours and held.severity == "medium"
    for code, level in (("long_missing", "high"), ("no_police_report", "critical")):
        [urgent] = delivery.create(alert(code), [coordinator], "missing_coordinator", now=late)
        assert not urgent.held_for_quiet_hours and urgent.severity == level
        assert urgent.due_at == late
    assert {name for name in names_of(child)}  # the child has names to leave out
