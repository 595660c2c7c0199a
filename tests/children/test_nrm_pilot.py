"""A council's dates in the devolved NRM decision-making pilot (children/actions.py
set_nrm_pilot, end_nrm_pilot): who may say so, periods that may not overlap, leaving the
pilot, the audit events, and the referrals already recorded worked out again. Dated from the
clock (tests/frozen_dates.txt runs them at awkward moments)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import as_viewer, make_user
from visible.agencies.models import Role
from visible.audit.models import AuditEvent
from visible.children import actions
from visible.children.inputs import NrmReferralInput
from visible.children.models import NrmPilot
from visible.dates import years_before

pytestmark = pytest.mark.django_db


def errors_of(excinfo) -> dict[str, list[str]]:
    return {k: [m for e in v for m in e.messages] for k, v in excinfo.value.error_dict.items()}


def ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def refer(user, child, days_ago: int):
    return actions.record_nrm_referral(
        as_viewer(user),
        child,
        NrmReferralInput(
            referred_on=ago(days_ago),
            first_responder="Croydon Children's Services",
            first_responder_kind="local_authority",
        ),
    )


def test_only_a_councils_senior_manager_or_administrator_may_set_the_pilot(
    sw_a, coordinator_a, manager_a, council_a
):
    now = timezone.now()
    analyst = make_user("analyst.a", council_a, Role.ANALYST)
    for user in (sw_a, coordinator_a, analyst):
        with pytest.raises(PermissionDenied):
            actions.set_nrm_pilot(as_viewer(user), ago(30), None, now)
        with pytest.raises(PermissionDenied):
            actions.end_nrm_pilot(as_viewer(user), ago(1), now)
    admin = make_user("admin.a", council_a, Role.ORGANISATION_ADMIN)
    pilot = actions.set_nrm_pilot(as_viewer(admin), ago(30), ago(20), now)
    assert (pilot.organisation, pilot.recorded_by_name, pilot.recorded_at) == (
        council_a,
        as_viewer(admin).display_name,
        now,
    )
    assert actions.can_set_nrm_pilot(as_viewer(manager_a))
    assert not actions.can_set_nrm_pilot(as_viewer(sw_a))


def test_an_overlapping_period_is_refused_naming_the_field(manager_a):
    viewer, now = as_viewer(manager_a), timezone.now()
    actions.set_nrm_pilot(viewer, ago(100), ago(60), now)
    with pytest.raises(ValidationError) as refused:
        actions.set_nrm_pilot(viewer, ago(70), None, now)
    assert list(errors_of(refused)) == ["start_date"]
    assert "overlaps another pilot period" in errors_of(refused)["start_date"][0]
    # Before it and after it are both fine; then an open period overlaps everything after it.
    actions.set_nrm_pilot(viewer, ago(200), ago(150), now)
    actions.set_nrm_pilot(viewer, ago(30), None, now)
    with pytest.raises(ValidationError) as refused:
        actions.set_nrm_pilot(viewer, ago(10), ago(5), now)
    assert "still open" in errors_of(refused)["start_date"][0]
    with pytest.raises(ValidationError) as refused:
        actions.set_nrm_pilot(viewer, ago(-1), None, now)
    assert "today or in the past" in errors_of(refused)["start_date"][0]
    assert NrmPilot.objects.count() == 3


def test_another_councils_periods_do_not_overlap_this_ones(manager_a, manager_b):
    now = timezone.now()
    actions.set_nrm_pilot(as_viewer(manager_b), ago(30), None, now)
    actions.set_nrm_pilot(as_viewer(manager_a), ago(30), None, now)
    assert NrmPilot.objects.count() == 2


def test_leaving_the_pilot_ends_the_open_period_and_is_audited(manager_a):
    viewer, now = as_viewer(manager_a), timezone.now()
    with pytest.raises(ValidationError) as refused:
        actions.end_nrm_pilot(viewer, ago(1), now)
    assert "no open period" in errors_of(refused)["end_date"][0]
    pilot = actions.set_nrm_pilot(viewer, ago(30), None, now)
    with pytest.raises(ValidationError) as refused:
        actions.end_nrm_pilot(viewer, ago(31), now)
    assert "same as or after the start date" in errors_of(refused)["end_date"][0]
    actions.end_nrm_pilot(viewer, ago(2), now)
    pilot.refresh_from_db()
    assert pilot.end_date == ago(2)
    assert actions.nrm_pilot_on(pilot.organisation_id, ago(2)) == pilot
    assert actions.nrm_pilot_on(pilot.organisation_id, ago(1)) is None
    events = AuditEvent.objects.filter(object_type="nrmpilot", object_id=str(pilot.pk))
    assert [(e.action, e.actor_username) for e in events.order_by("seq")] == [
        ("create", "manager.a"),
        ("change", "manager.a"),
    ]
    assert f"{ago(2):%d/%m/%Y}" in events.order_by("seq").last().summary


def test_referrals_already_recorded_are_worked_out_again_and_it_is_on_the_childs_history(
    sw_a, manager_a, make_child
):
    viewer, now = as_viewer(manager_a), timezone.now()
    child = make_child(sw_a, date_of_birth=years_before(timezone.localdate(), 15))
    early, late = refer(sw_a, child, 10), refer(sw_a, child, 1)
    assert (early.decided_by, late.decided_by) == ("home_office", "home_office")

    actions.set_nrm_pilot(viewer, ago(30), None, now)
    early.refresh_from_db()
    late.refresh_from_db()
    assert (early.decided_by, late.decided_by) == ("pilot_panel", "pilot_panel")
    history = AuditEvent.objects.filter(
        child_id=child.pk, object_type="nrmreferral", action="change"
    )
    assert history.count() == 2
    assert history.first().detail_data["changes"] == {"decided_by": ["home_office", "pilot_panel"]}

    # Left the pilot five days ago: the later referral goes back to the Home Office.
    actions.end_nrm_pilot(viewer, ago(5), now)
    early.refresh_from_db()
    late.refresh_from_db()
    assert (early.decided_by, late.decided_by) == ("pilot_panel", "home_office")
    assert history.count() == 3


def test_the_command_line_adds_shows_and_ends_a_period_as_a_person_who_may(manager_a, sw_a, capsys):
    from tests.factories import CROYDON
    from visible.cli import main

    start, end = f"{ago(30):%Y-%m-%d}", f"{ago(2):%Y-%m-%d}"
    add = ["nrm-pilot", "add", "--organisation", CROYDON, "--from", start]
    assert main([*add, "--as", "sw.a"]) == 2
    assert "senior manager or an organisation administrator" in capsys.readouterr().err
    assert main([*add, "--as", "manager.a"]) == 0
    assert "in the pilot from" in capsys.readouterr().out
    assert main([*add, "--as", "manager.a"]) == 1
    assert "overlaps another pilot period" in capsys.readouterr().err
    assert main(["nrm-pilot", "show", "--organisation", CROYDON]) == 0
    assert "in the pilot today" in capsys.readouterr().out
    assert (
        main(["nrm-pilot", "end", "--organisation", CROYDON, "--as", "manager.a", "--on", end]) == 0
    )
    assert NrmPilot.objects.get().end_date == ago(2)
    assert (
        main(["nrm-pilot", "end", "--organisation", CROYDON, "--as", "manager.a", "--on", "x"]) == 2
    )
    assert "is not a date" in capsys.readouterr().err
