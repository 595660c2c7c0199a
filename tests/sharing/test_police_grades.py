"""The police grade as the force gave it, with its history, and Visible's challenge to the
force's trafficking SPOC when a child in scope is graded below high (R-POLICE-GRADE), through
missing/actions.py: who may record and answer, the alert in the force's inbox, the audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import as_viewer, make_user, report_missing
from visible.agencies.models import Role
from visible.audit.log import verify
from visible.audit.models import AuditEvent
from visible.children.validation import Conflict
from visible.missing import actions, triage
from visible.missing.models import Alert, PoliceGradeChallenge, PoliceGrading

pytestmark = pytest.mark.django_db


def errors_of(excinfo) -> dict[str, list[str]]:
    return {k: [m for e in v for m in e.messages] for k, v in excinfo.value.error_dict.items()}


@pytest.fixture
def episode(sw_a, uasc_child, met):
    return report_missing(sw_a, uasc_child, force=met, hours_ago=3)[0]


def test_the_grade_is_kept_as_the_force_wrote_it_beside_visible_s(sw_a, episode):
    grading = actions.record_police_grade(as_viewer(sw_a), episode, "Very low risk")
    assert grading.as_written == "Very low risk"
    assert grading.category == "very_low"
    assert grading.visible_grade == "high"
    assert grading.force.name == "Metropolitan Police Service"
    assert grading.recorded_by_name == sw_a.get_full_name()
    event = AuditEvent.objects.get(object_type="policegrading", object_id=grading.pk)
    assert "Very low" in event.summary and verify().ok


def test_the_force_s_grades_are_a_history_newest_first(sw_a, officer, episode):
    first = actions.record_police_grade(as_viewer(sw_a), episode, "ABSENT")
    second = actions.record_police_grade(as_viewer(officer), episode, "Medium risk")
    assert list(episode.police_gradings.all()) == [second, first]
    assert [g.recorded_by_name for g in episode.police_gradings.all()] == [
        officer.get_full_name(),
        sw_a.get_full_name(),
    ]


def test_a_child_in_scope_graded_below_high_opens_one_challenge_to_the_spoc(sw_a, spoc, episode):
    grading = actions.record_police_grade(as_viewer(sw_a), episode, "No apparent risk (absent)")
    challenge = PoliceGradeChallenge.objects.get(episode=episode)
    assert challenge.police_grading == grading and challenge.force == episode.police_force
    assert challenge.is_open and challenge.proposed_grade == "high"
    assert any("child missing" in text for text in challenge.reason_texts)
    alert = Alert.objects.get(code="police_grade_challenge")
    assert alert.organisation == episode.police_force and alert.severity == 2
    # In the SPOC's inbox; not in an officer's, nor the council's.
    assert list(triage.inbox(as_viewer(spoc))) == [alert]
    officer = make_user("officer.two", episode.police_force, Role.POLICE_OFFICER)
    assert not triage.inbox(as_viewer(officer)).exists()
    assert not triage.inbox(as_viewer(sw_a)).filter(code="police_grade_challenge").exists()
    # Another grade below high while it is open adds to the history, not a second challenge.
    actions.record_police_grade(as_viewer(sw_a), episode, "Low")
    assert PoliceGradeChallenge.objects.filter(episode=episode).count() == 1


def test_high_or_not_given_opens_no_challenge(sw_a, episode):
    actions.record_police_grade(as_viewer(sw_a), episode, "High")
    actions.record_police_grade(as_viewer(sw_a), episode, "", category="not_given")
    assert not PoliceGradeChallenge.objects.exists()
    assert not Alert.objects.filter(code="police_grade_challenge").exists()


def test_a_child_not_in_scope_is_not_challenged(sw_a, make_child, met):
    child = make_child(sw_a)
    episode, _ = report_missing(sw_a, child, force=met)
    actions.record_police_grade(as_viewer(sw_a), episode, "Low")
    assert not PoliceGradeChallenge.objects.exists()


def test_the_spoc_answers_kept_with_reasons_and_the_alert_closes(sw_a, spoc, episode):
    actions.record_police_grade(as_viewer(sw_a), episode, "Medium")
    challenge = PoliceGradeChallenge.objects.get()
    answered = actions.answer_police_challenge(
        as_viewer(spoc), challenge, "kept", "Seen safe with a relative by an officer"
    )
    assert answered.outcome == "kept" and answered.answered_by_name == spoc.get_full_name()
    assert answered.answer_reasons == "Seen safe with a relative by an officer"
    alert = Alert.objects.get(code="police_grade_challenge")
    assert alert.resolved_at is not None and "kept" in alert.resolution
    with pytest.raises(Conflict):
        actions.answer_police_challenge(as_viewer(spoc), challenge, "kept", "Again")


def test_the_spoc_regrades_high_and_the_new_grade_joins_the_history(sw_a, spoc, episode):
    actions.record_police_grade(as_viewer(sw_a), episode, "Low")
    challenge = PoliceGradeChallenge.objects.get()
    answered = actions.answer_police_challenge(
        as_viewer(spoc), challenge, "regraded", "Agreed: trafficking indicators", "high"
    )
    assert answered.outcome == "regraded_high"
    latest = episode.police_gradings.first()
    assert latest.category == "high" and latest.recorded_by_name == spoc.get_full_name()


def test_regraded_but_still_below_high_is_its_own_outcome(sw_a, spoc, episode):
    actions.record_police_grade(as_viewer(sw_a), episode, "Absent")
    challenge = PoliceGradeChallenge.objects.get()
    answered = actions.answer_police_challenge(
        as_viewer(spoc), challenge, "regraded", "Now medium", "medium"
    )
    assert answered.outcome == "regraded_below_high"
    assert PoliceGradeChallenge.objects.count() == 1  # the answer opens no new challenge


def test_a_high_grade_recorded_later_closes_the_open_challenge(sw_a, episode):
    actions.record_police_grade(as_viewer(sw_a), episode, "Low")
    actions.record_police_grade(as_viewer(sw_a), episode, "High risk")
    challenge = PoliceGradeChallenge.objects.get()
    assert challenge.outcome == "regraded_high"
    assert Alert.objects.get(code="police_grade_challenge").resolved_at is not None


def test_only_the_force_s_spoc_may_answer(sw_a, officer, episode, kent_police):
    actions.record_police_grade(as_viewer(sw_a), episode, "Low")
    challenge = PoliceGradeChallenge.objects.get()
    other_spoc = make_user("spoc.kent", kent_police, Role.TRAFFICKING_SPOC)
    for who in (sw_a, officer, other_spoc):
        with pytest.raises(PermissionDenied):
            actions.answer_police_challenge(as_viewer(who), challenge, "kept", "No")
    assert PoliceGradeChallenge.objects.get().is_open


def test_bad_answers_name_the_field_and_change_nothing(sw_a, spoc, episode):
    actions.record_police_grade(as_viewer(sw_a), episode, "Low")
    challenge = PoliceGradeChallenge.objects.get()
    with pytest.raises(ValidationError) as e:
        actions.answer_police_challenge(as_viewer(spoc), challenge, "regraded", "", "")
    assert set(errors_of(e)) == {"answer_reasons", "regraded_to"}
    with pytest.raises(ValidationError) as e:
        actions.answer_police_challenge(as_viewer(spoc), challenge, "regraded", "Why", "low")
    assert "the one challenged" in errors_of(e)["regraded_to"][0]
    with pytest.raises(ValidationError) as e:
        actions.answer_police_challenge(as_viewer(spoc), challenge, "kept", "Why", "high")
    assert "regraded_to" in errors_of(e)
    assert PoliceGradeChallenge.objects.get().is_open


def test_words_that_name_no_grade_ask_for_the_category(sw_a, episode):
    with pytest.raises(ValidationError) as e:
        actions.record_police_grade(as_viewer(sw_a), episode, "Amber")
    assert "Amber" in errors_of(e)["category"][0]
    grading = actions.record_police_grade(as_viewer(sw_a), episode, "Amber", category="medium")
    assert grading.as_written == "Amber" and grading.category == "medium"


def test_no_grade_without_the_force_and_no_time_in_the_future(sw_a, uasc_child):
    episode, _ = report_missing(sw_a, uasc_child)
    with pytest.raises(ValidationError) as e:
        actions.record_police_grade(as_viewer(sw_a), episode, "Low")
    assert "force" in errors_of(e)["as_written"][0]
    assert not PoliceGrading.objects.exists()


def test_graded_at_must_be_after_last_seen_and_not_ahead(sw_a, episode):
    for when in (
        episode.last_seen_at - dt.timedelta(hours=1),
        timezone.now() + dt.timedelta(hours=1),
    ):
        with pytest.raises(ValidationError) as e:
            actions.record_police_grade(as_viewer(sw_a), episode, "Low", graded_at=when)
        assert "graded_at" in errors_of(e)
    assert not PoliceGrading.objects.exists()


def test_another_force_s_officer_cannot_record_a_grade(kent_officer, episode):
    with pytest.raises(PermissionDenied):
        actions.record_police_grade(as_viewer(kent_officer), episode, "Low")


def test_words_and_a_chosen_grade_that_disagree_are_refused(sw_a, episode):
    with pytest.raises(ValidationError) as e:
        actions.record_police_grade(as_viewer(sw_a), episode, "High risk", category="low")
    assert "high" in errors_of(e)["category"][0]
    assert not PoliceGrading.objects.exists()
