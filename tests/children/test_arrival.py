"""The arrival checklist and the placement suitability gate on the register: what is kept,
what is refused (and what of a refusal is kept), the audit events, and the sweep's alerts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import as_viewer
from visible.audit.models import AuditEvent
from visible.children import actions
from visible.children.inputs import PlacementInput
from visible.children.models import Arrival, Placement, PlacementRefusal
from visible.dates import uk_midnight, years_before
from visible.missing.actions import sweep_child
from visible.missing.models import Alert
from visible.missing.sweep import sweep_all
from visible.reference.models import Authority
from visible.sharing import actions as sharing_actions

pytestmark = pytest.mark.django_db


def errors_of(excinfo) -> dict[str, list[str]]:
    return {k: [m for e in v for m in e.messages] for k, v in excinfo.value.error_dict.items()}


@pytest.fixture
def arriving(sw_a, make_child):
    """A 15-year-old UASC child who became looked after three days ago."""
    today = timezone.localdate()
    since = today - dt.timedelta(days=3)
    child = make_child(
        sw_a, date_of_birth=years_before(today, 15) - dt.timedelta(days=30), looked_after_from=since
    )
    actions.record_flag(as_viewer(sw_a), child, "uasc", since, "Arrived at Dover in a lorry")
    return child


def test_a_hotel_for_a_child_under_16_is_refused_and_the_attempt_is_kept(sw_a, arriving):
    viewer = as_viewer(sw_a)
    kent = Authority.objects.get(code="E10000016")
    hotel = PlacementInput(
        place_code="Z11",
        detail="hotel",
        start_date=timezone.localdate(),
        authority=kent,
        provider="Seaview Hotel",
        signed_off_by_name="A Senior",
        sign_off_reason="No foster carer tonight",
    )
    with pytest.raises(ValidationError) as excinfo:
        sharing_actions.record_placement(viewer, arriving, hotel)
    assert "under 16 cannot be placed in a hotel" in errors_of(excinfo)["detail"][0]
    assert not Placement.objects.filter(child=arriving).exists()
    refusal = PlacementRefusal.objects.get(child=arriving)
    assert refusal.provider == "Seaview Hotel" and refusal.refused_by_name == "Sw"
    assert refusal.reasons[0]["rule_id"] == "R-PLACE-UNDER-16"
    event = AuditEvent.objects.get(child_id=arriving.pk, object_type="placementrefusal")
    assert event.action == "create" and event.summary.startswith("Placement refused: Z11 (hotel)")


def test_supported_accommodation_at_16_needs_the_urn_and_an_unregulated_one_a_sign_off(
    sw_a, make_child
):
    today = timezone.localdate()
    child = make_child(sw_a, date_of_birth=years_before(today, 17), looked_after_from=today)
    viewer = as_viewer(sw_a)
    kent = Authority.objects.get(code="E10000016")
    with pytest.raises(ValidationError) as excinfo:
        actions.record_placement(
            viewer, child, PlacementInput(place_code="K3", start_date=today, authority=kent)
        )
    assert "Ofsted unique reference number" in errors_of(excinfo)["ofsted_urn"][0]
    with pytest.raises(ValidationError) as excinfo:
        actions.record_placement(
            viewer,
            child,
            PlacementInput(place_code="Z11", unregulated=True, start_date=today, authority=kent),
        )
    assert "senior manager's written sign-off" in errors_of(excinfo)["signed_off_by_name"][0]
    placement = actions.record_placement(
        viewer,
        child,
        PlacementInput(
            place_code="Z11",
            unregulated=True,
            start_date=today,
            authority=kent,
            signed_off_by_name="Priya Senior",
            sign_off_reason="Emergency: no supported bed in the county tonight",
        ),
    )
    assert placement.unregulated and placement.signed_off_by_name == "Priya Senior"


def test_the_checklist_opens_itself_for_a_child_in_scope_in_their_first_week(
    sw_a, make_child, arriving
):
    arrival = Arrival.objects.get(child=arriving)
    since = arriving.looked_after_from
    assert arrival.time_estimated and arrival.opened_by_name == "Visible"
    assert arrival.arrived_at == uk_midnight(since)
    event = AuditEvent.objects.get(child_id=arriving.pk, object_type="arrival")
    assert event.actor_username == "sw.a"
    assert event.summary.startswith(
        "Arrival checklist opened: recorded as Unaccompanied asylum-seeking child (UASC) 3 days "
        f"after becoming looked after ({since:%d/%m/%Y})"
    )
    # A second flag in scope opens no second checklist.
    viewer = as_viewer(sw_a)
    actions.record_flag(viewer, arriving, "trafficked_suspected", since, "Told the police so")
    assert Arrival.objects.filter(child=arriving).count() == 1

    today = timezone.localdate()
    # Looked after eight days ago: past the first week, so nobody is told a checklist is late.
    settled = make_child(sw_a, looked_after_from=today - dt.timedelta(days=8))
    actions.record_flag(viewer, settled, "separated", today, "Came with an aunt, who left")
    # A risk marker that is not in scope opens nothing.
    exploited = make_child(sw_a, looked_after_from=today)
    actions.record_flag(viewer, exploited, "cse", today, "Referral from the school")
    assert not Arrival.objects.filter(child__in=[settled, exploited]).exists()


def test_a_checklist_is_started_by_hand_only_for_a_child_in_scope_and_only_once(sw_a, make_child):
    viewer = as_viewer(sw_a)
    now = timezone.now()
    today = timezone.localdate(now)
    outside = make_child(sw_a)
    with pytest.raises(ValidationError) as excinfo:
        actions.open_arrival(viewer, outside, now - dt.timedelta(hours=1), now)
    assert "record the flag first" in errors_of(excinfo)["arrived_at"][0]
    late = make_child(sw_a, looked_after_from=today - dt.timedelta(days=10))
    actions.record_flag(viewer, late, "uasc", today, "Asylum claim made late")
    with pytest.raises(ValidationError) as excinfo:
        actions.open_arrival(viewer, late, now + dt.timedelta(hours=1), now)
    assert "now or in the past" in errors_of(excinfo)["arrived_at"][0]
    assert not Arrival.objects.exists()
    arrival = actions.open_arrival(viewer, late, now - dt.timedelta(hours=1), now)
    assert not arrival.time_estimated and arrival.opened_by_name == "Sw"
    with pytest.raises(ValidationError) as excinfo:
        actions.open_arrival(viewer, late, now - dt.timedelta(hours=2), now)
    assert "already has an arrival checklist" in errors_of(excinfo)["arrived_at"][0]
    assert AuditEvent.objects.filter(child_id=late.pk, object_type="arrival").count() == 1


def test_recording_when_the_child_arrived_moves_every_step_and_its_alerts(sw_a, arriving):
    viewer = as_viewer(sw_a)
    now = timezone.now()
    arrival = Arrival.objects.get(child=arriving)
    # From the start of the day care began, three days ago: every step is overdue.
    raised, _ = sweep_child(arriving, now)
    assert len([a for a in raised if a.code == "arrival_item_overdue"]) == 7
    with pytest.raises(ValidationError) as excinfo:
        actions.record_arrival_time(viewer, arrival, now + dt.timedelta(minutes=5), now)
    assert "now or in the past" in errors_of(excinfo)["arrived_at"][0]
    actions.record_arrival_item(
        viewer, arrival, "grab_pack", now - dt.timedelta(hours=40), "Photo taken", now
    )
    with pytest.raises(ValidationError) as excinfo:
        actions.record_arrival_time(viewer, arrival, now - dt.timedelta(hours=30), now)
    assert errors_of(excinfo)["arrived_at"][0].startswith(
        "'Make the grab pack ready' was recorded as done at "
    )
    arrived = (now - dt.timedelta(hours=50)).replace(microsecond=0)
    actions.record_arrival_time(viewer, arrival, arrived, now)
    arrival.refresh_from_db()
    assert arrival.arrived_at == arrived and not arrival.time_estimated
    raised, closed = sweep_child(arriving, now + dt.timedelta(minutes=1))
    # 50 hours in: the 24- and 48-hour steps not done are overdue on the new clock; the rest
    # are not due yet, and the alerts on the old clock are closed.
    overdue = {a.key.rsplit("/", 1)[1] for a in raised if a.code == "arrival_item_overdue"}
    assert overdue == {"placement_check", "safety_plan", "phones"}
    assert len(closed) == 7
    event = AuditEvent.objects.get(child_id=arriving.pk, object_type="arrival", action="change")
    assert event.summary == (
        f"Arrival checklist: the child arrived at {timezone.localtime(arrived):%d/%m/%Y %H:%M}"
    )
    assert event.detail_data["changes"]["time_estimated"] == [True, False]


def test_overdue_items_raise_alerts_that_close_when_done(sw_a, arriving):
    viewer = as_viewer(sw_a)
    now = timezone.now()
    arrival = actions.record_arrival_time(
        viewer, Arrival.objects.get(child=arriving), now - dt.timedelta(hours=30), now
    )
    raised, _ = sweep_child(arriving, now)
    overdue = {a.key.rsplit("/", 1)[1] for a in raised if a.code == "arrival_item_overdue"}
    assert overdue == {"grab_pack", "placement_check", "safety_plan"}
    alert = Alert.objects.get(child=arriving, key__endswith="/grab_pack")
    assert "Operation Innerste" in alert.source and alert.get_severity_display() == "High"

    with pytest.raises(ValidationError) as excinfo:
        actions.record_arrival_item(viewer, arrival, "grab_pack", now, "  ", now)
    assert "Say what was done" in errors_of(excinfo)["note"][0]
    actions.record_arrival_item(viewer, arrival, "grab_pack", now, "Photo taken, pack shared", now)
    _, closed = sweep_child(arriving, now + dt.timedelta(minutes=1))
    assert [a.key for a in closed] == [alert.key]
    event = AuditEvent.objects.get(child_id=arriving.pk, object_type="arrivalitemdone")
    assert event.actor_username == "sw.a" and "grab pack" in event.summary


def test_the_national_sweep_raises_the_same_arrival_alerts(sw_a, arriving):
    now = timezone.now()
    actions.record_arrival_time(
        as_viewer(sw_a), Arrival.objects.get(child=arriving), now - dt.timedelta(hours=49), now
    )
    summary = sweep_all(now)
    assert summary.alerts_raised == 4  # the 24- and 48-hour items
    keys = set(Alert.objects.filter(child=arriving).values_list("key", flat=True))
    raised, _ = sweep_child(arriving, now)
    assert {a.key for a in raised} == keys


def test_a_referral_in_a_pilot_council_is_timed_by_its_panel_unless_the_home_office_keeps_it(
    sw_a, manager_a, make_child
):
    from django.core.exceptions import PermissionDenied

    from visible.children.inputs import NrmReferralInput

    today = timezone.localdate()
    now = timezone.now()
    with pytest.raises(PermissionDenied):
        actions.set_nrm_pilot(as_viewer(sw_a), today - dt.timedelta(days=30), None, now)
    actions.set_nrm_pilot(as_viewer(manager_a), today - dt.timedelta(days=30), None, now)
    assert AuditEvent.objects.filter(object_type="nrmpilot", actor_username="manager.a").exists()
    child = make_child(sw_a, date_of_birth=years_before(today, 15))

    def refer(**fields):
        return actions.record_nrm_referral(
            as_viewer(sw_a),
            child,
            NrmReferralInput(
                referred_on=today,
                first_responder="Croydon Children's Services",
                first_responder_kind="local_authority",
                **fields,
            ),
        )

    referral = refer()
    assert referral.decided_by == "pilot_panel"
    assert referral.rg_threshold == "reasonable_grounds_to_believe_2023"
    assert refer(public_order=True).decided_by == "home_office"
    older = make_child(sw_a, date_of_birth=years_before(today, 18) + dt.timedelta(days=50))
    kept = actions.record_nrm_referral(
        as_viewer(sw_a),
        older,
        NrmReferralInput(
            referred_on=today,
            first_responder="Croydon Children's Services",
            first_responder_kind="local_authority",
        ),
    )
    assert kept.decided_by == "home_office"
