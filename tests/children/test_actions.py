"""Writing to the register: what is accepted, what is refused (and leaves nothing behind),
and what the audit log says afterwards."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import as_viewer, child_input
from visible.audit.models import AuditEvent
from visible.children import actions
from visible.children.inputs import (
    AgeAssessmentInput,
    ChildInput,
    GuardianInput,
    NrmReferralInput,
    PlacementInput,
)
from visible.children.models import Child, Flag, Placement
from visible.children.validation import Conflict
from visible.dates import years_before
from visible.reference.models import Authority

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate  # read when used: a run can pass midnight


def errors_of(excinfo) -> dict[str, list[str]]:
    return {k: [m for e in v for m in e.messages] for k, v in excinfo.value.error_dict.items()}


def test_a_new_child_is_saved_with_an_audit_event_naming_the_fields(sw_a, fake):
    viewer = as_viewer(sw_a)
    child = actions.create_child(
        viewer,
        child_input(fake, given_names="Anh", family_name="Nguyen"),
        [("Nguyễn Văn Anh", "own_script")],
    )
    assert child.responsible_organisation == viewer.organisation
    assert "nguyen" in child.search_text.split() and "van" in child.search_text.split()
    event = AuditEvent.objects.get(action="create", child_id=child.pk)
    assert event.actor_username == "sw.a"
    assert event.detail_data["changes"]["family_name"] == [None, "Nguyen"]


@pytest.mark.parametrize(
    "overrides, field, words",
    [  # each a function of today, worked out when the test runs
        (
            lambda today: {"date_of_birth": today + dt.timedelta(days=1)},
            "date_of_birth",
            "today or in the past",
        ),
        (
            lambda today: {"date_of_birth": years_before(today, 30)},
            "date_of_birth",
            "cannot be over 25",
        ),
        (
            lambda today: {"looked_after_from": years_before(today, 20)},
            "looked_after_from",
            "on or after the date of birth",
        ),
        (lambda today: {"nationality": "ZZZ"}, "nationality", "not a nationality code"),
        (lambda today: {"legal_status": "Q9"}, "legal_status", "not an SSDA903 legal status"),
    ],
)
def test_impossible_child_details_are_refused_and_nothing_is_saved(
    sw_a, fake, overrides, field, words
):
    before_children, before_events = Child.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        actions.create_child(as_viewer(sw_a), child_input(fake, **overrides(TODAY())))
    assert any(words in m for m in errors_of(excinfo)[field])
    assert Child.objects.count() == before_children
    assert AuditEvent.objects.count() == before_events


def test_a_duplicate_council_id_in_the_same_authority_is_refused(sw_a, sw_b, make_child):
    make_child(sw_a, council_id="CR-0001")
    with pytest.raises(ValidationError) as excinfo:
        make_child(sw_a, council_id="CR-0001")
    assert "already has council case ID CR-0001" in errors_of(excinfo)["council_id"][0]
    # Another authority may use the same number for its own child.
    assert make_child(sw_b, council_id="CR-0001").council_id == "CR-0001"


def _checks_that_miss_the_first_time(monkeypatch, name: str) -> None:
    """The action's check, as it is when another request has written but not yet committed:
    it finds nothing the first time; the database's constraint has to catch the duplicate."""
    real, calls = getattr(actions, name), []

    def racing(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            real(*args, **kwargs)

    monkeypatch.setattr(actions, name, racing)


def test_a_flag_that_loses_the_race_is_told_which_flag_is_open(monkeypatch, sw_a, make_child):
    child = make_child(sw_a)
    first = actions.record_flag(
        as_viewer(sw_a), child, "cce", TODAY() - dt.timedelta(days=4), "Referral (synthetic)"
    )
    _checks_that_miss_the_first_time(monkeypatch, "_check_no_open_flag")
    with pytest.raises(Conflict) as excinfo:
        actions.record_flag(as_viewer(sw_a), child, "cce", TODAY(), "Second referral (synthetic)")
    assert errors_of(excinfo)["kind"] == [
        f"This child already has an open 'Child criminal exploitation or county lines' flag from "
        f"{first.start_date:%-d %B %Y}. End it before recording a new one"
    ]
    assert list(Flag.objects.filter(child=child, kind="cce")) == [first]


def test_an_identifier_that_loses_the_race_is_named(monkeypatch, sw_a, make_child):
    make_child(sw_a, council_id="CR-0002", nrm_ref="NRM-1")
    _checks_that_miss_the_first_time(monkeypatch, "check_identifiers_unique")
    with pytest.raises(Conflict) as excinfo:
        make_child(sw_a, council_id="CR-0002", nrm_ref="NRM-1")
    assert set(errors_of(excinfo)) == {"council_id", "nrm_ref"}
    assert Child.objects.filter(council_id="CR-0002").count() == 1


def test_an_edit_made_from_a_stale_page_is_refused_not_lost(sw_a, coordinator_a, make_child):
    child = make_child(sw_a)
    version = child.version
    actions.update_child(
        as_viewer(coordinator_a),
        child,
        replace(ChildInput.of(child), preferred_name="Andy"),
        expected_version=version,
    )
    with pytest.raises(actions.StaleRecord):
        actions.update_child(
            as_viewer(sw_a),
            child,
            replace(ChildInput.of(child), preferred_name="Anh"),
            expected_version=version,
        )
    child.refresh_from_db()
    assert child.preferred_name == "Andy"


def test_a_change_records_old_and_new_values(sw_a, make_child):
    child = make_child(sw_a, nationality="VNM")
    actions.update_child(
        as_viewer(sw_a),
        child,
        replace(ChildInput.of(child), nationality="ALB"),
        expected_version=child.version,
    )
    event = AuditEvent.objects.filter(action="change", child_id=child.pk).latest("seq")
    assert event.detail_data["changes"] == {"nationality": ["VNM", "ALB"]}


def test_flags_are_dated_and_ending_one_keeps_it(sw_a, make_child):
    child = make_child(sw_a)
    viewer = as_viewer(sw_a)
    flag = actions.record_flag(
        viewer,
        child,
        "trafficked_suspected",
        TODAY() - dt.timedelta(days=30),
        "Found at a cannabis farm",
    )
    actions.end_flag(viewer, flag, TODAY(), "Negative conclusive grounds decision")
    flag.refresh_from_db()
    assert flag.end_date == TODAY() and flag.ended_by_name == "Sw"
    assert Flag.objects.filter(child=child).count() == 1
    assert not flag.is_active_on(TODAY() + dt.timedelta(days=1))


def test_a_flag_that_ends_before_it_starts_is_refused(sw_a, make_child):
    child = make_child(sw_a)
    viewer = as_viewer(sw_a)
    flag = actions.record_flag(
        viewer, child, "uasc", TODAY() - dt.timedelta(days=10), "Asylum claim"
    )
    with pytest.raises(ValidationError) as excinfo:
        actions.end_flag(viewer, flag, TODAY() - dt.timedelta(days=20), "Mistake")
    assert "same as or after the start date" in errors_of(excinfo)["end_date"][0]
    flag.refresh_from_db()
    assert flag.end_date is None


def test_criminalised_needs_its_stage_and_evidence_is_required(sw_a, make_child):
    child = make_child(sw_a)
    with pytest.raises(ValidationError) as excinfo:
        actions.record_flag(as_viewer(sw_a), child, "criminalised", TODAY(), "")
    errors = errors_of(excinfo)
    assert "stage" in errors and "evidence" in errors


def test_overlapping_placements_are_refused(sw_a, make_child):
    child = make_child(sw_a, looked_after_from=TODAY() - dt.timedelta(days=300))
    viewer = as_viewer(sw_a)
    croydon = Authority.objects.get(code="E09000008")
    actions.record_placement(
        viewer,
        child,
        PlacementInput(
            place_code="U6",
            start_date=TODAY() - dt.timedelta(days=200),
            end_date=TODAY() - dt.timedelta(days=100),
            authority=croydon,
        ),
    )
    with pytest.raises(ValidationError) as excinfo:
        actions.record_placement(
            viewer,
            child,
            PlacementInput(
                place_code="K3",
                start_date=TODAY() - dt.timedelta(days=150),
                authority=croydon,
            ),
        )
    assert "overlaps another placement" in errors_of(excinfo)["start_date"][0]
    assert Placement.objects.filter(child=child).count() == 1


def test_a_placement_code_must_be_in_use_in_its_collection_year(sw_a, make_child):
    # 16 by June 2023: semi-independent living is never open to a child under 16 (R-PLACE-UNDER-16)
    child = make_child(
        sw_a, looked_after_from=dt.date(2023, 1, 1), date_of_birth=dt.date(2007, 1, 1)
    )
    viewer = as_viewer(sw_a)
    kent = Authority.objects.get(code="E10000016")
    with pytest.raises(ValidationError) as excinfo:
        actions.record_placement(
            viewer,
            child,
            PlacementInput(place_code="H5", start_date=dt.date(2025, 6, 1), authority=kent),
        )
    assert "withdrawn after 2024/25" in errors_of(excinfo)["place_code"][0]
    with pytest.raises(ValidationError) as excinfo:
        actions.record_placement(
            viewer,
            child,
            PlacementInput(place_code="K3", start_date=dt.date(2023, 6, 1), authority=kent),
        )
    assert "starts in 2024/25" in errors_of(excinfo)["place_code"][0]
    placement = actions.record_placement(
        viewer,
        child,
        PlacementInput(place_code="H5", start_date=dt.date(2023, 6, 1), authority=kent),
    )
    assert placement.authority == kent


def test_nrm_decisions_must_follow_in_order(sw_a, make_child):
    child = make_child(sw_a)
    viewer = as_viewer(sw_a)
    referral = actions.record_nrm_referral(
        viewer,
        child,
        NrmReferralInput(
            referred_on=TODAY() - dt.timedelta(days=60),
            first_responder="Croydon children's services",
            first_responder_kind="local_authority",
        ),
    )
    with pytest.raises(ValidationError) as excinfo:
        actions.update_nrm_referral(
            viewer,
            referral,
            replace(NrmReferralInput.of(referral), cg_decision="positive", cg_decided_on=TODAY()),
        )
    assert "follows a positive reasonable grounds decision" in errors_of(excinfo)["cg_decision"][0]
    with pytest.raises(ValidationError) as excinfo:
        actions.update_nrm_referral(
            viewer,
            referral,
            replace(
                NrmReferralInput.of(referral),
                rg_decision="positive",
                rg_decided_on=TODAY() - dt.timedelta(days=90),
            ),
        )
    assert "on or after the referral date" in errors_of(excinfo)["rg_decided_on"][0]
    actions.update_nrm_referral(
        viewer,
        referral,
        replace(
            NrmReferralInput.of(referral),
            rg_decision="positive",
            rg_decided_on=TODAY() - dt.timedelta(days=55),
        ),
    )
    referral.refresh_from_db()
    assert referral.rg_decision == "positive"


def test_age_assessment_and_guardian_are_recorded_with_dates(sw_a, make_child):
    child = make_child(sw_a)
    viewer = as_viewer(sw_a)
    actions.record_age_assessment(
        viewer,
        child,
        AgeAssessmentInput(status="pending", status_from=TODAY() - dt.timedelta(days=20)),
    )
    actions.record_age_assessment(
        viewer,
        child,
        AgeAssessmentInput(status="concluded", status_from=TODAY(), concluded_on=TODAY()),
    )
    assert child.age_assessments.first().status == "concluded"
    assignment = actions.assign_guardian(
        viewer,
        child,
        GuardianInput(
            kind="ictg",
            guardian_name="Sam Jones",
            service="ICTG service",
            start_date=TODAY() - dt.timedelta(days=5),
        ),
    )
    actions.end_guardian(viewer, assignment, TODAY())
    assignment.refresh_from_db()
    assert assignment.end_date == TODAY()


def test_only_the_responsible_council_can_change_a_child(sw_a, sw_b, manager_b, make_child):
    child = make_child(sw_a)
    with pytest.raises(PermissionDenied):
        actions.update_child(
            as_viewer(sw_b),
            child,
            replace(ChildInput.of(child), preferred_name="X"),
            expected_version=child.version,
        )
    with pytest.raises(PermissionDenied):
        actions.record_flag(as_viewer(manager_b), child, "uasc", TODAY(), "x")


@pytest.mark.parametrize(("rg_on", "days"), [(dt.date(2024, 3, 1), 30), (dt.date(2022, 11, 1), 45)])
def test_conclusive_grounds_decision_waits_for_the_recovery_period(sw_a, make_child, rg_on, days):
    """Rulebook §4: at least 30 days after the RG decision (45 for RG decisions before
    30 January 2023). A CG date inside the period is refused, naming the earliest date."""
    child = make_child(sw_a, date_of_birth=dt.date(2008, 1, 1))
    viewer = as_viewer(sw_a)
    referral = actions.record_nrm_referral(
        viewer,
        child,
        NrmReferralInput(
            referred_on=rg_on - dt.timedelta(days=3),
            first_responder="Croydon children's services",
            first_responder_kind="local_authority",
            rg_decision="positive",
            rg_decided_on=rg_on,
        ),
    )
    too_soon = rg_on + dt.timedelta(days=days - 1)
    with pytest.raises(ValidationError) as excinfo:
        actions.update_nrm_referral(
            viewer,
            referral,
            replace(NrmReferralInput.of(referral), cg_decision="positive", cg_decided_on=too_soon),
        )
    message = errors_of(excinfo)["cg_decided_on"][0]
    assert f"at least {days} days" in message
    assert f"{rg_on + dt.timedelta(days=days):%d/%m/%Y}" in message
    referral.refresh_from_db()
    assert referral.cg_decision == "pending"
    actions.update_nrm_referral(
        viewer,
        referral,
        replace(
            NrmReferralInput.of(referral),
            cg_decision="positive",
            cg_decided_on=rg_on + dt.timedelta(days=days),
        ),
    )
    referral.refresh_from_db()
    assert referral.cg_decided_on == rg_on + dt.timedelta(days=days)


def test_an_unknown_age_assessment_status_is_refused(sw_a, make_child):
    """The form offers only the known statuses; the action (which the API also calls) checks
    too, so a stored status is always one the risk engine knows."""
    child = make_child(sw_a)
    with pytest.raises(ValidationError) as excinfo:
        actions.record_age_assessment(
            as_viewer(sw_a), child, AgeAssessmentInput(status="accepted", status_from=TODAY())
        )
    assert "Select the age assessment status" in errors_of(excinfo)["status"][0]
    assert not child.age_assessments.exists()
