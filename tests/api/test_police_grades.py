"""A police force's system sends the force's grade (R-POLICE-GRADE): kept exactly as sent, the
same action as the episode's police page (so a child in scope graded below high is challenged),
the history and the challenges read back; the force's trafficking SPOC answers the challenge.
Another force is refused as for any episode it cannot see, and the refusal is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import bearer, make_api_client, report_missing
from visible.agencies.models import Organisation, Role
from visible.audit.models import AuditEvent
from visible.missing.models import Alert, PoliceGradeChallenge, PoliceGrading

pytestmark = pytest.mark.django_db


@pytest.fixture
def met(db) -> Organisation:
    return Organisation.objects.get(name="Metropolitan Police Service")


@pytest.fixture
def episode(sw_a, uasc_child, met):
    """Council A's unaccompanied child (in scope), missing and reported to the Met."""
    return report_missing(sw_a, uasc_child, force=met, hours_ago=3)[0]


def police(organisation, role=Role.POLICE_OFFICER, name="Command and control"):
    made = make_api_client(organisation, role=role, name=name)
    return bearer(made.secret), made.client.actor_name


def url(episode) -> str:
    return f"/api/v1/episodes/{episode.pk}/police-grades"


def test_the_force_s_grade_is_kept_as_sent_and_a_child_in_scope_is_challenged(episode, met, api_a):
    api, actor = police(met)
    graded_at = timezone.now() - dt.timedelta(hours=1)
    response = api.post(
        url(episode),
        {"as_written": "Low risk (NAR later?)  ", "category": "low", "graded_at": graded_at},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    [grading] = body["police_gradings"]
    assert grading["as_written"] == "Low risk (NAR later?)"  # as the page keeps it: trimmed
    assert grading["category"] == "low" and grading["force"] == met.name
    assert grading["graded_at"] == graded_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    assert grading["visible_grade"] == "high" and grading["recorded_by_name"] == actor
    [challenge] = body["challenges"]
    assert grading["challenge_id"] == challenge["id"]
    assert challenge["state"] == "open" and challenge["police_grade"] == "low"
    assert challenge["proposed_grade"] == "high" and challenge["reasons"]
    # The same action as the page: the alert in the force's inbox, the audit with the client.
    assert Alert.objects.get(code="police_grade_challenge").organisation == met
    assert AuditEvent.objects.filter(
        action="create", object_type="policegrading", actor_username=actor
    ).exists()
    # The history reads back the same, for the force and for the child's council.
    assert api.get(url(episode)).json() == body
    read = api_a.get(url(episode))
    assert read.status_code == 200 and read.json()["police_gradings"] == body["police_gradings"]


def test_the_spoc_answers_kept_and_the_council_reads_the_outcome(episode, met, api_a):
    officer, _ = police(met)
    officer.post(url(episode), {"as_written": "Medium"}, format="json")
    challenge = PoliceGradeChallenge.objects.get()
    answer = f"/api/v1/police-challenges/{challenge.pk}/answer"
    body = {"answer": "kept", "answer_reasons": "Seen safe with an aunt (synthetic)"}
    # An officer of the force sees the challenge but cannot answer it: 403, audited.
    refused = officer.post(answer, body, format="json")
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(
        action="denied", object_type="policegradechallenge", object_id=str(challenge.pk)
    ).exists()
    spoc, _ = police(met, Role.TRAFFICKING_SPOC, "Trafficking desk")
    bad = spoc.post(answer, {"answer": "kept", "answer_reasons": "  "}, format="json")
    assert bad.status_code == 400
    assert [e["field"] for e in bad.json()["errors"]] == ["answer_reasons"]
    answered = spoc.post(answer, body, format="json")
    assert answered.status_code == 200, answered.json()
    assert answered.json()["state"] == "answered" and answered.json()["outcome"] == "kept"
    assert spoc.post(answer, body, format="json").status_code == 409
    [read] = api_a.get(url(episode)).json()["challenges"]
    assert read["answer"] == "kept" and read["answer_reasons"] == body["answer_reasons"]
    # The council is told, in its own inbox.
    kept = Alert.objects.get(code="police_grade_kept")
    assert kept.organisation == episode.child.responsible_organisation


def test_another_force_is_refused_as_for_an_episode_it_cannot_see(episode):
    api, actor = police(Organisation.objects.get(name="Kent Police"))
    for response in (
        api.get(url(episode)),
        api.post(url(episode), {"as_written": "High"}, format="json"),
    ):
        assert response.status_code == 404
    assert (
        AuditEvent.objects.filter(
            action="denied", object_type="episode", object_id=str(episode.pk), actor_username=actor
        ).count()
        == 2
    )
    assert not PoliceGrading.objects.exists()


def test_a_grade_not_on_the_scale_is_a_400_naming_the_field(episode, met):
    api, _ = police(met)
    response = api.post(url(episode), {"category": "amber"}, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["category"]
    # Words that name another grade than the one chosen: the page's message, on the field.
    response = api.post(url(episode), {"as_written": "High", "category": "low"}, format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "category" and "say high" in error["message"]
    # A field the endpoint does not take, and a time without its offset.
    response = api.post(
        url(episode), {"grade": "low", "graded_at": "2026-01-01T10:00:00"}, format="json"
    )
    assert {e["field"] for e in response.json()["errors"]} == {"grade", "graded_at"}
    assert not PoliceGrading.objects.exists()


def test_the_schema_documents_the_endpoints():
    paths = Client().get("/api/v1/schema.json").json()["paths"]
    grades = paths["/api/v1/episodes/{id}/police-grades"]
    assert set(grades["get"]["responses"]) >= {"200", "401", "404", "429"}
    assert set(grades["post"]["responses"]) >= {"201", "400", "403", "404"}
    answer = paths["/api/v1/police-challenges/{id}/answer"]["post"]
    assert set(answer["responses"]) >= {"200", "400", "403", "404", "409"}
