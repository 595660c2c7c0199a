"""When the force's trafficking SPOC answers Visible's challenge by keeping the force's grade
below high for a child in scope, the child's council is told (alert police_grade_kept, through
missing/actions.py): once, naming the force, the grade kept and the SPOC's reason; closed when
the force regrades the child high."""

from __future__ import annotations

import pytest

from tests.factories import as_viewer, report_missing
from visible.access import missing as missing_policy
from visible.audit.models import AuditEvent
from visible.missing import actions, triage
from visible.missing.models import Alert, PoliceGradeChallenge
from visible.missing.severity import POLICE_GRADE_KEPT, Severity

pytestmark = pytest.mark.django_db

REASON = "Seen safe at a friend's address by an officer (synthetic)"


@pytest.fixture
def episode(sw_a, uasc_child, met):
    return report_missing(sw_a, uasc_child, force=met, hours_ago=3)[0]


def kept_alerts():
    return Alert.objects.filter(code=POLICE_GRADE_KEPT)


def keep(sw_a, spoc, episode, words="Absent"):
    actions.record_police_grade(as_viewer(sw_a), episode, words)
    challenge = PoliceGradeChallenge.objects.get(episode=episode, outcome="")
    return actions.answer_police_challenge(as_viewer(spoc), challenge, "kept", REASON)


def test_kept_below_high_tells_the_child_s_council_once(sw_a, spoc, episode, met):
    challenge = keep(sw_a, spoc, episode)
    [alert] = kept_alerts()
    assert alert.organisation == episode.child.responsible_organisation
    assert alert.episode == episode and alert.severity == Severity.HIGH
    assert met.name in alert.text and "no apparent risk (absent)" in alert.text
    assert REASON in alert.text and "R-" not in alert.text
    assert "College of Policing" in alert.source
    # In the council's inbox, for its staff who act on the child; not in the force's.
    assert alert in triage.inbox(as_viewer(sw_a))
    assert missing_policy.can_handle_alert(as_viewer(sw_a), alert)
    assert not triage.inbox(as_viewer(spoc)).filter(code=POLICE_GRADE_KEPT).exists()
    assert AuditEvent.objects.filter(object_type="alert", object_id=str(alert.pk)).exists()
    # Stored by its key: raising it again for the same challenge adds nothing.
    assert actions._raise_police_grade_kept(as_viewer(spoc), challenge, alert.raised_at) is None
    assert kept_alerts().count() == 1


def test_the_alert_closes_when_the_force_regrades_high(sw_a, officer, spoc, episode, met):
    keep(sw_a, spoc, episode, "Medium risk")
    actions.record_police_grade(as_viewer(sw_a), episode, "Low")  # a new challenge
    assert kept_alerts().get().is_open
    actions.record_police_grade(as_viewer(officer), episode, "High")
    alert = kept_alerts().get()
    assert not alert.is_open and f"{met.name} regraded the child high" in alert.resolution


def test_not_raised_when_the_force_regrades_high_or_still_below(sw_a, spoc, episode):
    for regraded_to in ("high", "medium"):
        actions.record_police_grade(as_viewer(sw_a), episode, "Low")
        challenge = PoliceGradeChallenge.objects.get(outcome="")
        actions.answer_police_challenge(
            as_viewer(spoc), challenge, "regraded", "Reviewed", regraded_to
        )
    assert not kept_alerts().exists()


def test_not_raised_for_a_child_not_in_scope(sw_a, spoc, make_child, met):
    episode, _ = report_missing(sw_a, make_child(sw_a), force=met)
    actions.record_police_grade(as_viewer(sw_a), episode, "Low")
    assert not PoliceGradeChallenge.objects.exists()
    assert not kept_alerts().exists()
