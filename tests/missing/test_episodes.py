"""From "she's not come back" to the return interview: reporting, grading with reasons,
the episode rules, the return, the interview and the alerts, through missing/actions.py."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import as_viewer, report_missing
from visible.audit.log import verify
from visible.audit.models import AuditEvent
from visible.children import actions as register
from visible.children.inputs import GuardianInput
from visible.dates import years_before
from visible.missing import actions
from visible.missing.facts import facts_for, facts_from_json
from visible.missing.inputs import ReturnInput, ReturnInterviewInput, SafetyPlanInput
from visible.missing.models import Alert, Episode, Grading
from visible.risk import Grade, assess_episode, sweep

pytestmark = pytest.mark.django_db
NOW = timezone.now
# Reports here were made two hours ago unless a test says otherwise.
report = partial(report_missing, hours_ago=2)


def errors_of(excinfo) -> dict[str, list[str]]:
    return {k: [m for e in v for m in e.messages] for k, v in excinfo.value.error_dict.items()}


def test_a_uasc_child_reported_missing_is_graded_high_with_the_reason_and_source(sw_a, uasc_child):
    episode, grading = report(sw_a, uasc_child)
    assert episode.grade == "high" and grading.proposed_grade == "high"
    reasons = grading.assessment["reasons"]
    r_high = next(r for r in reasons if r["rule_id"] == "R-HIGH")
    assert "Rec 5.ii" in r_high["citation"]
    assert AuditEvent.objects.filter(
        action="create", object_type="episode", child_id=uasc_child.pk
    ).exists()
    assert verify().ok


def test_a_grading_replays_exactly_from_its_stored_facts(sw_a, uasc_child):
    _, grading = report(sw_a, uasc_child)
    facts = facts_from_json(grading.facts)
    from visible.risk import RiskSettings

    replayed = assess_episode(
        facts,
        str(grading.episode_id),
        grading.assessed_at,
        RiskSettings.from_dict(grading.settings),
    )
    assert replayed.as_dict() == grading.assessment


def test_missing_soon_after_becoming_looked_after_raises_suspected_trafficking(sw_a, make_child):
    today = timezone.localdate()
    child = make_child(sw_a, looked_after_from=today - dt.timedelta(days=3))
    register.record_flag(
        as_viewer(sw_a),
        child,
        "unaccompanied",
        today - dt.timedelta(days=3),
        "Arrived alone at Dover",
    )
    _, grading = report(sw_a, child)
    assert grading.grade == "high"
    assert any(r["rule_id"] == "R-EARLY" for r in grading.assessment["reasons"])
    flag = child.flags.get(kind="trafficked_suspected")
    assert (
        flag.source == "risk engine R-EARLY"
        and "R-EARLY" not in flag.evidence
        or "looked after" in flag.evidence
    )
    assert "Make an NRM referral" in grading.assessment["prompts"]


@pytest.mark.parametrize(
    "case", ["before_looked_after", "second_open", "overlap", "future", "absent"]
)
def test_episode_rules_refuse_bad_reports_and_save_nothing(sw_a, uasc_child, case):
    viewer = as_viewer(sw_a)
    if case in ("second_open", "overlap"):
        episode, _ = report(sw_a, uasc_child, hours_ago=48)
        if case == "overlap":
            actions.record_return(
                viewer,
                episode,
                ReturnInput(returned_at=NOW() - dt.timedelta(hours=10), found_by="police"),
            )
    before = (Episode.objects.count(), Grading.objects.count(), AuditEvent.objects.count())
    overrides = {
        "before_looked_after": {"last_seen_at": NOW() - dt.timedelta(days=400)},
        "second_open": {},
        "overlap": {"last_seen_at": NOW() - dt.timedelta(hours=20)},
        "future": {"last_seen_at": NOW() + dt.timedelta(hours=1)},
        "absent": {"category": "absent"},
    }[case]
    expected = {
        "before_looked_after": ("last_seen_at", "rule 581"),
        "second_open": ("last_seen_at", "already recorded as missing"),
        "overlap": ("last_seen_at", "overlaps another episode"),
        "future": ("last_seen_at", "now or in the past"),
        "absent": ("category", "no 'absent' category"),
    }[case]
    with pytest.raises(ValidationError) as excinfo:
        report(sw_a, uasc_child, **overrides)
    field, words = expected
    assert any(words in m for m in errors_of(excinfo)[field]), errors_of(excinfo)
    assert (Episode.objects.count(), Grading.objects.count(), AuditEvent.objects.count()) == before


def test_overrides_go_up_freely_down_only_with_a_reason_and_never_below_the_floor(
    sw_a, coordinator_a, uasc_child, make_child
):
    episode, _ = report(sw_a, uasc_child)
    with pytest.raises(ValidationError) as excinfo:
        actions.grade_episode(
            as_viewer(coordinator_a), episode, "medium", "Known to be with an aunt"
        )
    assert any("cannot be lower than High" in m for m in errors_of(excinfo)["grade"])
    # A child with no scope flag: medium is the floor (R-MIN-CHILD); high is allowed upward.
    other = make_child(sw_a, given_names="Sam", family_name="Smith", nationality="GBR")
    ep2, grading = report(sw_a, other)
    assert grading.proposed_grade == "medium"
    actions.grade_episode(as_viewer(coordinator_a), ep2, "high", "")
    ep2.refresh_from_db()
    assert ep2.grade == "high"
    with pytest.raises(ValidationError) as excinfo:
        actions.grade_episode(as_viewer(coordinator_a), ep2, "low", "")
    messages = errors_of(excinfo)["grade"]
    assert any("written reason" in m for m in messages) and any(
        "cannot be lower than Medium" in m for m in messages
    )
    assert Grading.objects.filter(episode=ep2).count() == 2  # every grading is kept


def test_return_rules(sw_a, uasc_child):
    viewer = as_viewer(sw_a)
    episode, _ = report(sw_a, uasc_child, hours_ago=10)
    with pytest.raises(ValidationError) as excinfo:
        actions.record_return(
            viewer,
            episode,
            ReturnInput(returned_at=NOW() - dt.timedelta(hours=11), found_by="police"),
        )
    assert "rule 567" in errors_of(excinfo)["returned_at"][0]
    actions.record_return(
        viewer, episode, ReturnInput(returned_at=NOW() - dt.timedelta(hours=1), found_by="self")
    )
    with pytest.raises(ValidationError) as excinfo:
        actions.record_return(viewer, episode, ReturnInput(returned_at=NOW(), found_by="police"))
    assert "already ended" in errors_of(excinfo)["returned_at"][0]


def test_no_police_report_then_interview_overdue_then_resolved_by_holding_it(sw_a, uasc_child):
    viewer = as_viewer(sw_a)
    episode, _ = report(sw_a, uasc_child, hours_ago=100)
    assert Alert.objects.filter(
        child=uasc_child, code="no_police_report", resolved_at__isnull=True
    ).exists()
    met = actions.record_police_report(
        viewer,
        episode,
        _force("Metropolitan Police Service"),
        NOW() - dt.timedelta(hours=99),
        "MPS-1",
    )
    assert met.police_reference == "MPS-1"
    assert not Alert.objects.filter(
        child=uasc_child, code="no_police_report", resolved_at__isnull=True
    ).exists()
    returned_at = NOW() - dt.timedelta(hours=76)
    actions.record_return(viewer, episode, ReturnInput(returned_at=returned_at, found_by="police"))
    before_due = returned_at + dt.timedelta(hours=71)
    assert not [
        a
        for a in sweep(facts_for(uasc_child, before_due), before_due)
        if a.code == "return_interview_overdue"
    ]
    raised, _ = actions.sweep_child(uasc_child)
    overdue = [a for a in raised if a.code == "return_interview_overdue"]
    assert len(overdue) == 1 and "72" in overdue[0].text
    # The same sweep again raises nothing new.
    actions.sweep_child(uasc_child)
    assert Alert.objects.filter(code="return_interview_overdue").count() == 1
    actions.record_return_interview(
        viewer,
        episode,
        ReturnInterviewInput(
            offered_at=returned_at + dt.timedelta(hours=1),
            outcome="done",
            done_at=NOW(),
            interviewer_name="Independent worker (synthetic)",
            independent=True,
            language="tir",
            interpreter_used=True,
            where_been="Birmingham",
            who_with="Older men",
            indicators=["trafficker_contact"],
        ),
        flags_to_raise=["trafficked_suspected"],
    )
    assert uasc_child.flags.filter(kind="trafficked_suspected", end_date__isnull=True).exists()
    overdue[0].refresh_from_db()
    assert overdue[0].resolved_at is not None and "no longer holds" in overdue[0].resolution
    assert episode.gradings.filter(kind="return").exists()


def test_turning_18_while_missing_keeps_the_episode_open_and_the_grade(sw_a, make_child):
    today = timezone.localdate()
    dob = years_before(today, 18) + dt.timedelta(days=2)  # 18 in two days
    child = make_child(sw_a, date_of_birth=dob, looked_after_from=today - dt.timedelta(days=300))
    register.record_flag(
        as_viewer(sw_a), child, "separated", today - dt.timedelta(days=300), "Separated from family"
    )
    episode, grading = report(sw_a, child, hours_ago=1)
    assert grading.grade == "high"
    raised, _ = actions.sweep_child(child, NOW() + dt.timedelta(days=3))
    assert any(a.code == "turned_18_while_missing" for a in raised)
    episode.refresh_from_db()
    assert episode.is_open
    later = assess_episode(
        facts_for(child, NOW() + dt.timedelta(days=3)),
        str(episode.pk),
        NOW() + dt.timedelta(days=3),
    )
    assert later.grade == Grade.HIGH and "turned_18_while_missing" in later.markers


def test_forbidden_labels_are_refused_in_the_safety_plan_and_flagged_in_notes(sw_a, uasc_child):
    viewer = as_viewer(sw_a)
    with pytest.raises(ValidationError) as excinfo:
        actions.save_safety_plan(
            viewer,
            uasc_child,
            SafetyPlanInput(description="Known absconder, tall"),
            expected_version=None,
        )
    assert "Rec 5.iv" in errors_of(excinfo)["description"][0]
    episode, _ = report(sw_a, uasc_child)
    entry = actions.add_log_entry(
        viewer, episode, "note", NOW(), "Police say he is wanted and an absconder"
    )
    assert entry.flagged_words


def test_another_council_cannot_report_or_grade(sw_b, sw_a, uasc_child):
    with pytest.raises(PermissionDenied):
        report(sw_b, uasc_child)
    episode, _ = report(sw_a, uasc_child)
    with pytest.raises(PermissionDenied):
        actions.grade_episode(as_viewer(sw_b), episode, "high", "")


def test_alerts_are_acknowledged_and_resolved_with_a_record(sw_a, coordinator_a, uasc_child):
    report(sw_a, uasc_child, hours_ago=3)
    alert = Alert.objects.get(child=uasc_child, code="no_police_report")
    actions.acknowledge_alert(as_viewer(coordinator_a), alert)
    with pytest.raises(ValidationError):
        actions.resolve_alert(as_viewer(coordinator_a), alert, "")
    actions.resolve_alert(as_viewer(coordinator_a), alert, "Reported by phone; reference to follow")
    alert.refresh_from_db()
    assert alert.acknowledged_by_name == "Coordinator" and alert.resolved_by_name == "Coordinator"


def test_risk_settings_change_only_by_a_senior_manager_and_are_used(sw_a, manager_a, uasc_child):
    with pytest.raises(PermissionDenied):
        actions.save_risk_settings(as_viewer(sw_a), {"early_missing_days": 14})
    with pytest.raises(ValidationError):
        actions.save_risk_settings(as_viewer(manager_a), {"early_missing_days": -1})
    actions.save_risk_settings(as_viewer(manager_a), {"early_missing_days": 14})
    assert actions.settings_for(uasc_child.responsible_organisation).early_missing_days == 14
    assert AuditEvent.objects.filter(object_type="authorityrisksettings").exists()


def _force(name):
    from visible.agencies.models import Organisation

    return Organisation.objects.get(name=name, kind="police")


def test_an_open_episode_cannot_start_before_a_later_recorded_one(sw_a, uasc_child):
    viewer = as_viewer(sw_a)
    episode, _ = report(sw_a, uasc_child, hours_ago=10)
    actions.record_return(
        viewer, episode, ReturnInput(returned_at=NOW() - dt.timedelta(hours=8), found_by="self")
    )
    with pytest.raises(ValidationError) as excinfo:
        report(
            sw_a, uasc_child, hours_ago=20
        )  # would be open-ended, running over the later episode
    assert "overlaps another episode" in errors_of(excinfo)["last_seen_at"][0]


def test_the_potential_trafficking_alert_stays_open_until_a_person_resolves_it(sw_a, make_child):
    today = timezone.localdate()
    child = make_child(sw_a, looked_after_from=today - dt.timedelta(days=2))
    register.record_flag(
        as_viewer(sw_a), child, "uasc", today - dt.timedelta(days=2), "Asylum claim at Dover"
    )
    report(sw_a, child, hours_ago=1)
    actions.sweep_child(child)
    alert = Alert.objects.get(child=child, code="potential_trafficking_victim")
    assert alert.resolved_at is None


def test_sweeping_writes_an_audit_event_when_alerts_change(sw_a, uasc_child):
    report(sw_a, uasc_child, hours_ago=3)
    actions.sweep_child(uasc_child, NOW() + dt.timedelta(days=8))  # long missing by then
    event = AuditEvent.objects.filter(object_type="alert", actor_username="<sweep>").latest("seq")
    assert "1 raised" in event.summary and any(
        "long_missing" in key for key in event.detail_data["raised"]
    )


def test_facts_as_at_a_moment_know_only_what_was_written_by_then(sw_a, uasc_child):
    """Replaying "why was she graded high at 2 am?" must not see a note written at 9 am, and
    the guardian in place is judged on the UK calendar day (00:30 BST on 1 July is still
    30 June in UTC)."""
    episode, grading = report(sw_a, uasc_child, hours_ago=5)
    graded_at = grading.assessed_at
    actions.add_log_entry(
        as_viewer(sw_a),
        episode,
        "sighting",
        NOW() - dt.timedelta(hours=1),
        "Seen near the station by a bus driver",
    )
    assert facts_for(uasc_child, graded_at).episodes[0].notes == ("Did not come back from college",)
    assert "Seen near the station by a bus driver" in facts_for(uasc_child, NOW()).episodes[0].notes

    register.assign_guardian(
        as_viewer(sw_a),
        uasc_child,
        GuardianInput(
            kind="ictg",
            guardian_name="Sam Guardian (synthetic)",
            service="ICTG service",
            start_date=dt.date(2026, 7, 1),
        ),
    )
    just_after_midnight_bst = dt.datetime(
        2026, 6, 30, 23, 30, tzinfo=dt.UTC
    )  # 00:30 on 1 July in London
    assert facts_for(uasc_child, just_after_midnight_bst).has_guardian
    assert not facts_for(uasc_child, just_after_midnight_bst - dt.timedelta(hours=1)).has_guardian
