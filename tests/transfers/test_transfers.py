"""National Transfer Scheme transfers (transfers/actions.py): the referral and its packet, who
may see and acknowledge it, the arrival that moves the record with everything open on it, and
the sweep's at-risk alert."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from tests.factories import (
    as_viewer,
    create_uasc_child,
    make_council,
    make_user,
    missing_episode,
)
from visible.agencies.models import Organisation, Role
from visible.audit.models import AuditEvent
from visible.dates import UK_TIME
from visible.missing.models import Alert, Episode
from visible.sharing.models import Disclosure
from visible.transfers import actions
from visible.transfers.models import NtsTransfer
from visible.transfers.sweep import sweep_transfers

KENT_POLICE = "Kent Police"


def test_the_receiving_force_is_the_one_whose_area_the_receiving_council_is_in(council_b):
    assert actions.receiving_force_for(council_b).name == KENT_POLICE


def test_a_referral_prepares_the_packet_and_tells_the_receiving_council_and_force(sw_a, council_b):
    child = create_uasc_child(sw_a)
    episode = missing_episode(sw_a, child, hours_ago=5)
    today = timezone.localdate()
    done = actions.refer(as_viewer(sw_a), child, council_b, today, "NTS-123")

    assert done.receiving_force.name == KENT_POLICE
    assert done.nation == "England"
    packet = done.packet
    assert packet["record"]["full_name"] == "Dawit Tekle"
    assert [e["id"] for e in packet["open_episodes"]] == [episode.pk]
    assert packet["open_alerts"], "the open episode's alerts travel in the packet"
    assert packet["grab_pack"]["full_name"] == "Dawit Tekle"
    assert [e["episode_id"] for e in packet["risk_history"]] == [episode.pk]
    told = Alert.objects.filter(code="nts_packet_sent")
    assert sorted(a.organisation.name for a in told) == sorted([council_b.name, KENT_POLICE])
    assert Disclosure.objects.filter(child=child, organisation=council_b).exists()
    assert AuditEvent.objects.filter(
        object_type="nts_transfer", summary__contains="National Transfer Scheme"
    ).exists()
    # The record itself has not moved yet.
    child.refresh_from_db()
    assert child.responsible_organisation_id == sw_a.memberships.get().organisation_id


def test_bad_referrals_name_the_field_and_change_nothing(sw_a, council_a, council_b):
    child = create_uasc_child(sw_a)
    viewer = as_viewer(sw_a)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        actions.refer(viewer, child, council_a, tomorrow)
    assert set(error.value.message_dict) == {"to", "referred_on"}
    assert "receiving council" in error.value.message_dict["to"][0]
    with pytest.raises(ValidationError) as error:
        actions.refer(viewer, child, council_b, None)
    assert "date of the referral" in error.value.message_dict["referred_on"][0]
    actions.refer(viewer, child, council_b, timezone.localdate())
    with pytest.raises(ValidationError, match="already in progress"):
        actions.refer(viewer, child, council_b, timezone.localdate())
    assert NtsTransfer.objects.count() == 1


def test_only_the_three_parties_see_the_packet_and_only_the_receivers_acknowledge(
    sw_a, sw_b, council_b
):
    child = create_uasc_child(sw_a)
    done = actions.refer(as_viewer(sw_a), child, council_b, timezone.localdate())
    kent = Organisation.objects.get(name=KENT_POLICE)
    officer = make_user("officer.kent", kent, Role.POLICE_OFFICER)
    met = Organisation.objects.get(name="Metropolitan Police Service")
    stranger = make_user("officer.met", met, Role.POLICE_OFFICER)
    leeds = make_user("sw.leeds", make_council("E08000035"), Role.SOCIAL_WORKER)

    assert actions.open_transfer(as_viewer(sw_a), done.pk)[1] == actions.SENDING
    assert actions.open_transfer(as_viewer(sw_b), done.pk)[1] == actions.RECEIVING_COUNCIL
    assert actions.open_transfer(as_viewer(officer), done.pk)[1] == actions.RECEIVING_FORCE
    for outsider in (stranger, leeds):
        with pytest.raises(Http404):
            actions.open_transfer(as_viewer(outsider), done.pk)
    assert AuditEvent.objects.filter(action="denied", object_type="nts_transfer").count() == 2

    with pytest.raises(PermissionDenied):
        actions.acknowledge(as_viewer(sw_a), done)
    done = actions.acknowledge(as_viewer(sw_b), done)
    assert done.council_acknowledged_at and done.council_acknowledged_by_name == "Sw"
    with pytest.raises(ValidationError, match="already acknowledged"):
        actions.acknowledge(as_viewer(sw_b), done)
    done = actions.acknowledge(as_viewer(officer), done)
    assert done.force_acknowledged_by_name == "Officer"
    assert not Alert.objects.filter(code="nts_packet_sent", resolved_at__isnull=True).exists()


def test_arrival_moves_the_record_with_its_open_alerts_and_episodes(sw_a, sw_b, council_b):
    child = create_uasc_child(sw_a)
    episode = missing_episode(sw_a, child, hours_ago=5)
    open_alerts = set(
        Alert.objects.filter(child=child, resolved_at__isnull=True).values_list("pk", flat=True)
    )
    assert open_alerts
    today = timezone.localdate()
    done = actions.refer(as_viewer(sw_a), child, council_b, today)
    with pytest.raises(ValidationError, match="on or after the date of the referral"):
        actions.record_arrival(as_viewer(sw_b), done, today - dt.timedelta(days=1))
    done = actions.record_arrival(as_viewer(sw_b), done, today)

    child.refresh_from_db()
    assert child.responsible_organisation == council_b
    assert done.transfer is not None and done.transfer.to_organisation == council_b
    moved = Alert.objects.filter(pk__in=open_alerts)
    assert all(a.resolved_at is None and a.organisation_id == council_b.pk for a in moved)
    assert Episode.objects.get(pk=episode.pk).returned_at is None
    assert actions.clock_of(done, today).state == "arrived_in_time"
    with pytest.raises(ValidationError, match="already been recorded"):
        actions.record_arrival(as_viewer(sw_b), done, today)


def test_the_sweep_raises_the_at_risk_alert_then_overdue_and_the_arrival_clears_it(
    sw_a, sw_b, council_b
):
    # In care since before the referral, whatever day the tests run on.
    child = create_uasc_child(
        sw_a, days_in_care=(timezone.localdate() - dt.date(2026, 1, 1)).days + 10
    )
    # Monday 2 March 2026: the 8th working day is Thursday 12 March, the 10th Monday 16.
    done = actions.refer(
        as_viewer(sw_a),
        child,
        council_b,
        dt.date(2026, 3, 2),
        now=dt.datetime(2026, 3, 2, 10, tzinfo=UK_TIME),
    )
    swept = sweep_transfers(dt.datetime(2026, 3, 11, 18, tzinfo=UK_TIME))
    assert swept.alerts_raised == 0
    swept = sweep_transfers(dt.datetime(2026, 3, 12, 9, tzinfo=UK_TIME))
    assert swept.alerts_raised == 1
    at_risk = Alert.objects.get(code="nts_transfer_at_risk")
    assert at_risk.organisation == sw_a.memberships.get().organisation
    assert "at risk" in at_risk.text and "Kent" in at_risk.text
    assert sweep_transfers(dt.datetime(2026, 3, 12, 10, tzinfo=UK_TIME)).alerts_raised == 0
    swept = sweep_transfers(dt.datetime(2026, 3, 17, 9, tzinfo=UK_TIME))
    assert (swept.alerts_raised, swept.alerts_closed) == (1, 1)
    actions.record_arrival(
        as_viewer(sw_b), done, dt.date(2026, 3, 18), now=dt.datetime(2026, 3, 18, tzinfo=UK_TIME)
    )
    assert not Alert.objects.filter(
        code__startswith="nts_transfer_", resolved_at__isnull=True
    ).exists()


@pytest.mark.django_db
class TestATransferNeverLosesAnything(HypothesisTestCase):
    """Whatever was open on the record (episodes, alerts of any kind) is open on it after the
    arrival, and the receiving council's to act on."""

    @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        days_ago=st.lists(st.integers(1, 300), unique=True, max_size=4),
        last_open=st.booleans(),
        manual_alerts=st.integers(0, 3),
        referred_days_ago=st.integers(0, 20),
    )
    def test_open_alerts_and_episodes_survive_the_arrival(
        self, days_ago, last_open, manual_alerts, referred_days_ago
    ):
        a = make_council("E09000008")
        b = make_council("E10000016")
        sw = make_user("sw.croydon.h", a, Role.SOCIAL_WORKER)
        receiver = make_user("sw.kent.h", b, Role.SOCIAL_WORKER)
        child = create_uasc_child(sw, days_in_care=1000)
        now = timezone.now()
        # Episodes one after another (never overlapping), oldest first; the newest may be open.
        starts = sorted(days_ago, reverse=True)
        for n, days in enumerate(starts):
            still_open = last_open and n == len(starts) - 1
            missing_episode(
                sw,
                child,
                hours_ago=days * 24,
                returned_hours_ago=None if still_open else days * 24 - 2,
            )
        for n in range(manual_alerts):
            Alert.objects.create(
                organisation=a,
                child=child,
                code="manual",
                key=f"manual/{child.pk}/{n}",
                text="Synthetic",
                source="test",
                due_at=now,
                raised_at=now,
            )
        open_alerts = set(
            Alert.objects.filter(child=child, resolved_at__isnull=True).values_list("pk", flat=True)
        )
        open_episodes = set(
            Episode.objects.filter(child=child, returned_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        referred = timezone.localdate() - dt.timedelta(days=referred_days_ago)
        done = actions.refer(as_viewer(sw), child, b, referred)
        assert {x["id"] for x in done.packet["open_alerts"]} == open_alerts
        assert {x["id"] for x in done.packet["open_episodes"]} == open_episodes
        actions.record_arrival(as_viewer(receiver), done, timezone.localdate())

        still = Alert.objects.filter(pk__in=open_alerts)
        assert still.count() == len(open_alerts)
        assert all(x.resolved_at is None and x.organisation_id == b.pk for x in still)
        assert (
            set(
                Episode.objects.filter(child=child, returned_at__isnull=True).values_list(
                    "pk", flat=True
                )
            )
            == open_episodes
        )
        assert Episode.objects.filter(
            pk__in=open_episodes, child__responsible_organisation=b
        ).count() == len(open_episodes)
