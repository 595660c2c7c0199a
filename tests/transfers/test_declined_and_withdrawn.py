"""A National Transfer Scheme transfer that ends without the child arriving
(transfers/actions.py): the receiving council declines the referral, or the sending council
withdraws it, with a date and a reason. Who may, what it closes, what it refuses after, and the
pages that show it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import as_viewer, create_uasc_child, make_council, make_user
from visible.agencies.models import Organisation, Role
from visible.audit.models import AuditEvent
from visible.children.validation import Conflict
from visible.dates import UK_TIME
from visible.missing import actions as missing_actions
from visible.missing import triage
from visible.missing.actions import AUTO_RESOLVER
from visible.missing.models import Alert
from visible.missing.severity import Severity
from visible.risk import nts
from visible.transfers import actions, queries
from visible.transfers.models import NtsTransfer
from visible.transfers.sweep import sweep_transfers

pytestmark = pytest.mark.django_db

WHY = "No placement for a 16-year-old boy this month"


def _referred(sw_a, council_b, days_ago: int = 0) -> NtsTransfer:
    child = create_uasc_child(sw_a, days_in_care=days_ago + 30)
    today = timezone.localdate()
    return actions.refer(as_viewer(sw_a), child, council_b, today - dt.timedelta(days=days_ago))


def _kent_officer():
    return make_user(
        "officer.kent", Organisation.objects.get(name="Kent Police"), Role.POLICE_OFFICER
    )


def _denied(summary: str) -> int:
    return AuditEvent.objects.filter(
        action="denied", object_type="nts_transfer", summary__contains=summary
    ).count()


def test_the_receiving_council_declines_with_a_reason_and_the_packet_stays_readable(
    sw_a, sw_b, council_b
):
    done = _referred(sw_a, council_b)
    officer = _kent_officer()
    today = timezone.localdate()
    declined = actions.decline(as_viewer(sw_b), done, today, f"  {WHY}  ")

    declined.refresh_from_db()
    assert (declined.outcome, declined.ended_on, declined.ended_reason) == ("declined", today, WHY)
    assert declined.ended_by_name == "Sw" and declined.ended_at is not None
    assert declined.version == done.version + 1
    assert actions.clock_of(declined, today + dt.timedelta(days=30)).state == "declined"
    # The packet's "acknowledge me" alerts to Kent and Kent Police close with it.
    packet_alerts = Alert.objects.filter(code=actions.PACKET_SENT)
    assert packet_alerts.count() == 2
    assert all(a.resolution == "The receiving council declined the transfer" for a in packet_alerts)
    event = AuditEvent.objects.get(action="change", object_type="nts_transfer")
    assert event.summary.startswith("Kent") and "declined this transfer" in event.summary
    assert event.detail_data["reason"] == WHY and event.child_id == done.child_id
    # All three parties can still read what was sent.
    for user in (sw_a, sw_b, officer):
        assert actions.open_transfer(as_viewer(user), done.pk)[0].packet == done.packet


def test_only_the_receiving_council_declines_and_only_the_sender_withdraws(sw_a, sw_b, council_b):
    done = _referred(sw_a, council_b)
    today = timezone.localdate()
    officer = _kent_officer()
    for who in (sw_a, officer):
        with pytest.raises(PermissionDenied, match="receiving council"):
            actions.decline(as_viewer(who), done, today, WHY)
    for who in (sw_b, officer):
        with pytest.raises(PermissionDenied, match="sending council"):
            actions.withdraw(as_viewer(who), done, today, WHY)
    assert _denied("Tried to decline a National Transfer Scheme transfer") == 2
    assert _denied("Tried to withdraw a National Transfer Scheme referral") == 2
    assert actions.can_end(as_viewer(sw_b), done, "declined")
    assert not actions.can_end(as_viewer(sw_b), done, "withdrawn")
    assert actions.can_end(as_viewer(sw_a), done, "withdrawn")
    done.refresh_from_db()
    assert done.in_progress


def test_bad_input_names_the_field_and_changes_nothing(sw_a, sw_b, council_b):
    done = _referred(sw_a, council_b, days_ago=3)
    receiver = as_viewer(sw_b)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        actions.decline(receiver, done, None, "   ")
    assert error.value.message_dict == {
        "ended_on": ["Enter the date the transfer was declined, for example 3 3 2026"],
        "reason": ["Say why the transfer is being declined"],
    }
    with pytest.raises(ValidationError, match="must be today or in the past") as error:
        actions.withdraw(as_viewer(sw_a), done, today + dt.timedelta(days=1), WHY)
    assert set(error.value.message_dict) == {"ended_on"}
    with pytest.raises(ValidationError, match="on or after the date of the referral") as error:
        actions.decline(receiver, done, today - dt.timedelta(days=4), WHY)
    with pytest.raises(ValidationError, match="2,000 characters or fewer"):
        actions.decline(receiver, done, today, "x" * 2001)
    done.refresh_from_db()
    assert done.in_progress and done.outcome == ""
    assert not AuditEvent.objects.filter(action="change", object_type="nts_transfer").exists()


def test_a_transfer_that_has_arrived_cannot_be_declined_or_withdrawn(sw_a, sw_b, council_b):
    done = _referred(sw_a, council_b)
    today = timezone.localdate()
    actions.record_arrival(as_viewer(sw_b), done, today)
    with pytest.raises(Conflict, match="a transfer that has arrived cannot be declined"):
        actions.decline(as_viewer(sw_b), done, today, WHY)
    with pytest.raises(Conflict, match="a transfer that has arrived cannot be withdrawn"):
        actions.withdraw(as_viewer(sw_a), done, today, WHY)
    done.refresh_from_db()
    assert done.outcome == "" and done.has_arrived


def test_a_withdrawn_transfer_cannot_arrive_or_be_acknowledged(sw_a, sw_b, council_b):
    done = _referred(sw_a, council_b)
    today = timezone.localdate()
    actions.withdraw(as_viewer(sw_a), done, today, "The child went missing")
    with pytest.raises(Conflict, match="withdrew the referral on") as error:
        actions.record_arrival(as_viewer(sw_b), done, today)
    assert set(error.value.message_dict) == {"arrived_on"}
    with pytest.raises(Conflict, match="no packet to acknowledge"):
        actions.acknowledge(as_viewer(sw_b), done)
    done.refresh_from_db()
    assert done.arrived_on is None and done.council_acknowledged_at is None
    child = done.child
    child.refresh_from_db()
    assert child.responsible_organisation_id == done.from_organisation_id


def test_a_second_ending_from_a_stale_page_is_refused(sw_a, sw_b, council_b):
    done = _referred(sw_a, council_b)
    today = timezone.localdate()
    opened_at = done.version
    # Both councils opened the transfer; Kent declines first.
    actions.decline(as_viewer(sw_b), done, today, WHY, expected_version=opened_at)
    with pytest.raises(Conflict, match="declined this transfer on .*nothing more can be recorded"):
        actions.withdraw(as_viewer(sw_a), done, today, "Placement fell through")
    with pytest.raises(Conflict, match="nothing more can be recorded"):
        actions.decline(as_viewer(sw_b), done, today, WHY)
    assert NtsTransfer.objects.get().outcome == "declined"
    assert AuditEvent.objects.filter(action="change", object_type="nts_transfer").count() == 1


def test_a_page_opened_before_a_change_is_refused(sw_a, sw_b, council_b):
    done = _referred(sw_a, council_b)
    opened_at = done.version
    actions.acknowledge(as_viewer(sw_b), done)
    with pytest.raises(Conflict, match="Someone else changed this transfer"):
        actions.withdraw(
            as_viewer(sw_a), done, timezone.localdate(), WHY, expected_version=opened_at
        )
    assert NtsTransfer.objects.get().in_progress


def test_after_a_withdrawal_the_child_can_be_referred_again(sw_a, council_b):
    done = _referred(sw_a, council_b)
    today = timezone.localdate()
    leeds = make_council("E08000035")
    with pytest.raises(ValidationError, match="or withdraw it, first"):
        actions.refer(as_viewer(sw_a), done.child, leeds, today)
    actions.withdraw(as_viewer(sw_a), done, today, "Placement fell through")
    again = actions.refer(as_viewer(sw_a), done.child, leeds, today)
    assert again.in_progress and NtsTransfer.objects.filter(child=done.child).count() == 2
    # The database holds it too: never two in progress.
    with pytest.raises(IntegrityError), transaction.atomic():
        NtsTransfer.objects.filter(pk=done.pk).update(outcome="", ended_on=None, ended_reason="")


def test_the_database_refuses_an_ending_without_a_reason_or_with_an_arrival(sw_a, council_b):
    done = _referred(sw_a, council_b)
    today = timezone.localdate()
    for values in (
        {"outcome": "declined", "ended_on": today, "ended_reason": ""},
        {"outcome": "declined", "ended_on": today, "ended_reason": WHY, "arrived_on": today},
        {"outcome": "", "ended_on": today, "ended_reason": WHY},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            NtsTransfer.objects.filter(pk=done.pk).update(**values)


def test_the_clock_alerts_close_at_once_and_the_sweep_raises_none_after(sw_a, sw_b, council_b):
    child = create_uasc_child(
        sw_a, days_in_care=(timezone.localdate() - dt.date(2026, 1, 1)).days + 10
    )
    # Monday 2 March 2026: at risk from Thursday 12 March, overdue from Tuesday 17.
    done = actions.refer(
        as_viewer(sw_a),
        child,
        council_b,
        dt.date(2026, 3, 2),
        now=dt.datetime(2026, 3, 2, 10, tzinfo=UK_TIME),
    )
    assert sweep_transfers(dt.datetime(2026, 3, 12, 9, tzinfo=UK_TIME)).alerts_raised == 1
    at_risk = Alert.objects.get(code=nts.NTS_AT_RISK)
    actions.decline(
        as_viewer(sw_b),
        done,
        dt.date(2026, 3, 13),
        WHY,
        now=dt.datetime(2026, 3, 13, 11, tzinfo=UK_TIME),
    )
    at_risk.refresh_from_db()
    assert at_risk.resolved_at is not None
    assert at_risk.resolution == "The receiving council declined the transfer"
    swept = sweep_transfers(dt.datetime(2026, 3, 18, 9, tzinfo=UK_TIME))
    assert (swept.transfers_checked, swept.alerts_raised) == (0, 0)
    assert not Alert.objects.filter(code=nts.NTS_OVERDUE).exists()


def test_the_sweep_closes_a_clock_alert_left_open_on_a_withdrawn_transfer(sw_a, council_b):
    done = _referred(sw_a, council_b)
    now = timezone.now()
    actions.withdraw(as_viewer(sw_a), done, timezone.localdate(), "Found to be an adult")
    # An alert the action did not see (written by a sweep that began before it).
    left = Alert.objects.create(
        organisation_id=done.from_organisation_id,
        child_id=done.child_id,
        code=nts.NTS_OVERDUE,
        key=f"nts/{done.pk}/{nts.NTS_OVERDUE}",
        text="Overdue",
        source="test",
        due_at=now,
        raised_at=now,
    )
    assert sweep_transfers(now).alerts_closed == 1
    left.refresh_from_db()
    assert (left.resolved_by_name, left.resolution) == (
        AUTO_RESOLVER,
        "The sending council withdrew the referral",
    )


def test_the_timeline_shows_the_ending_with_its_reason(sw_a, sw_b, council_b):
    done = _referred(sw_a, council_b)
    today = timezone.localdate()
    actions.decline(as_viewer(sw_b), done, today, WHY)
    events = queries.timeline(done.child, today)
    assert events[0].title == "Transfer declined by Kent children's services"
    assert events[0].detail == f"Reason: {WHY}" and events[0].by == "Sw"
    assert events[1].title.startswith("Referred under the National Transfer Scheme")


# --- the other party is told -----------------------------------------------------------------


def test_declining_tells_the_sending_council_once_what_to_do_next(sw_a, sw_b, council_b):
    done = _referred(sw_a, council_b)
    today = timezone.localdate()
    at = timezone.now()
    actions.decline(as_viewer(sw_b), done, today, WHY, now=at)

    told = Alert.objects.get(code=actions.DECLINED)
    assert told.organisation_id == done.from_organisation_id
    assert told.child_id == done.child_id and told.resolved_at is None
    assert (told.level, told.acknowledge_by) == (Severity.MEDIUM, at + dt.timedelta(days=1))
    assert told.key == f"{done.child_id}/{actions.DECLINED}/{done.pk}/{done.from_organisation_id}"
    assert told.source == actions.SOURCE
    assert "Kent children's services declined the National Transfer Scheme transfer" in told.text
    assert f"on {today:%-d %B %Y}" in told.text and f"“{WHY}”" in told.text
    assert "refer them to another council, or plan their placement" in told.text
    # Nothing to the receivers; the ending's audit event names who was told.
    assert not Alert.objects.filter(code=actions.WITHDRAWN).exists()
    event = AuditEvent.objects.get(action="change", object_type="nts_transfer")
    assert event.detail_data["told"] == ["Croydon children's services"]
    # Raised once: a second ending is refused, and telling again finds the key.
    with pytest.raises(Conflict):
        actions.decline(as_viewer(sw_b), done, today, WHY)
    done.refresh_from_db()
    assert actions._tell_the_other_party(done, at) == []
    assert Alert.objects.filter(code=actions.DECLINED).count() == 1

    # In the sending council's inbox, with its reason; not in the receiving council's.
    page = _client(sw_a).get(reverse("web:alerts")).content.decode()
    assert "Transfer declined" in page and WHY in page
    assert told not in triage.inbox(as_viewer(sw_b))
    # A person resolves it there; or referring the child again closes it.
    missing_actions.resolve_alert(as_viewer(sw_a), told, "Placement with us planned")
    told.refresh_from_db()
    assert told.resolution == "Placement with us planned"


def test_referring_again_after_a_decline_closes_the_alert(sw_a, sw_b, council_b):
    done = _referred(sw_a, council_b)
    today = timezone.localdate()
    actions.decline(as_viewer(sw_b), done, today, WHY)
    actions.refer(as_viewer(sw_a), done.child, make_council("E08000035"), today)
    told = Alert.objects.get(code=actions.DECLINED)
    assert told.resolved_at is not None and told.resolved_by_name == "Sw"
    assert told.resolution.startswith("Referred again, to ")


def test_withdrawing_tells_the_receiving_council_and_force_and_not_the_sender(
    sw_a, sw_b, council_b
):
    done = _referred(sw_a, council_b)
    officer = _kent_officer()
    today = timezone.localdate()
    at = timezone.now()
    actions.withdraw(as_viewer(sw_a), done, today, "Found to be an adult", now=at)

    told = Alert.objects.filter(code=actions.WITHDRAWN).order_by("pk")
    assert [a.organisation_id for a in told] == [done.to_organisation_id, done.receiving_force_id]
    assert not Alert.objects.filter(code=actions.DECLINED).exists()
    assert not Alert.objects.filter(
        organisation_id=done.from_organisation_id, code=actions.WITHDRAWN
    ).exists()
    for alert in told:
        assert (alert.level, alert.acknowledge_by) == (Severity.LOW, at + dt.timedelta(days=7))
        assert alert.text.startswith("Croydon children's services withdrew its National")
        assert f"on {today:%-d %B %Y}" in alert.text and "“Found to be an adult”" in alert.text
        assert "recorded by Sw" in alert.text and alert.source == actions.SOURCE
    # Raised once.
    done.refresh_from_db()
    assert actions._tell_the_other_party(done, at) == []
    assert told.count() == 2

    # Each is in its own inbox, for a person there to acknowledge and resolve: the council's
    # staff and the force's officers, though neither can open the child's record.
    council_alert, force_alert = told
    assert "Transfer withdrawn" in _client(sw_b).get(reverse("web:alerts")).content.decode()
    force_page = _client(officer).get(reverse("web:alerts")).content.decode()
    assert "Transfer withdrawn" in force_page and "Found to be an adult" in force_page
    missing_actions.resolve_alert(as_viewer(sw_b), council_alert, "Stood the placement down")
    missing_actions.acknowledge_alert(as_viewer(officer), force_alert)
    missing_actions.resolve_alert(as_viewer(officer), force_alert, "Noted")
    assert not Alert.objects.filter(code=actions.WITHDRAWN, resolved_at__isnull=True).exists()
    with pytest.raises(PermissionDenied):
        missing_actions.acknowledge_alert(as_viewer(sw_a), council_alert)


def test_a_withdrawal_with_no_receiving_force_tells_the_council_alone(sw_a):
    leeds = make_council("E08000035")
    done = _referred(sw_a, leeds)
    # A council whose area had no force in the reference data when the child was referred.
    NtsTransfer.objects.filter(pk=done.pk).update(receiving_force=None)
    actions.withdraw(as_viewer(sw_a), done, timezone.localdate(), "Placement fell through")
    assert list(
        Alert.objects.filter(code=actions.WITHDRAWN).values_list("organisation", flat=True)
    ) == [leeds.pk]


# --- the pages -------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _date(prefix: str, day: dt.date) -> dict:
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def test_the_receiving_council_declines_on_the_page_and_the_sender_sees_why(sw_a, sw_b, council_b):
    done = _referred(sw_a, council_b)
    kent, croydon = _client(sw_b), _client(sw_a)
    page = kent.get(f"/transfers/{done.pk}").content.decode()
    assert "Decline this transfer" in page and "Withdraw this referral" not in page
    assert "Decline this transfer" not in croydon.get(f"/transfers/{done.pk}").content.decode()
    url = f"/transfers/{done.pk}/decline"
    form = kent.get(url)
    assert (
        form.status_code == 200 and "Why are you declining the transfer?" in form.content.decode()
    )
    bad = kent.post(url, {"version": done.version, **_date("ended_on", timezone.localdate())})
    assert (
        bad.status_code == 400 and "Say why the transfer is being declined" in bad.content.decode()
    )
    good = kent.post(
        url,
        {"version": done.version, "reason": WHY, **_date("ended_on", timezone.localdate())},
        follow=True,
    )
    shown = good.content.decode()
    assert "You have declined the transfer of Dawit Tekle" in shown
    assert "Decline this transfer" not in shown and "Acknowledge the transfer packet" not in shown
    seen = croydon.get(f"/transfers/{done.pk}").content.decode()
    assert "Kent children&#x27;s services declined this transfer" in seen and WHY in seen
    assert "Record the arrival" not in seen and "Withdraw this referral" not in seen
    assert "Declined" in croydon.get("/transfers").content.decode()
    # Croydon may refer the child again: the referral form is back.
    again = croydon.get(f"/children/{done.child_id}/nts-transfers").content.decode()
    assert "Refer and send the transfer packet" in again and "Declined" in again
    # Asking again sends them back to the transfer, which says it is over.
    assert kent.get(url).url == f"/transfers/{done.pk}"


def test_the_sender_withdraws_on_the_page_and_a_receiver_cannot(sw_a, sw_b, council_b):
    done = _referred(sw_a, council_b)
    url = f"/transfers/{done.pk}/withdraw"
    assert _client(sw_b).get(url).status_code == 403
    assert _client(sw_b).post(url, {"reason": WHY}).status_code == 403
    croydon = _client(sw_a)
    page = croydon.get(f"/transfers/{done.pk}").content.decode()
    assert "Withdraw this referral" in page
    done_page = croydon.post(
        url,
        {
            "version": done.version,
            "reason": "Went missing",
            **_date("ended_on", timezone.localdate()),
        },
    )
    assert done_page.status_code == 302
    assert NtsTransfer.objects.get().outcome == "withdrawn"
    assert "Withdrawn" in _client(sw_b).get("/transfers").content.decode()
