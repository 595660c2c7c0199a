"""The report-missing page and the API's report both tell the child's coordinators at once:
the email is on the mail server when the request has answered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import bearer, make_api_client, make_user
from visible.agencies.models import Role
from visible.missing.models import Episode

from .support import assert_names_absent

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(council_a):
    user = make_user("coordinator.a", council_a, Role.MISSING_COORDINATOR)
    user.email = "coordinator.a@croydon.example"
    user.save()
    return user


def test_the_report_missing_page_tells_the_coordinator(
    client, sw_a, coordinator, uasc_child, smtp_server, django_capture_on_commit_callbacks
):
    seen = timezone.localtime(timezone.now() - dt.timedelta(hours=2))
    client.force_login(sw_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("web:report-missing", args=[uasc_child.pk]),
            {
                "category": "M",
                "last_seen_date_0": str(seen.day),
                "last_seen_date_1": str(seen.month),
                "last_seen_date_2": str(seen.year),
                "last_seen_time": f"{seen:%H:%M}",
                "last_seen_place": "East Croydon station",
                "reported_by_name": "Sam Carer (synthetic)",
                "reported_by_role": "carer",
            },
        )
    episode = Episode.objects.get(child=uasc_child)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    [email] = smtp_server.wait_for(1)
    assert email.to == ["coordinator.a@croydon.example"]
    assert f"https://visible.test/episodes/{episode.pk}/" in email.body
    assert_names_absent(email.subject + email.body, uasc_child)
    # The child's history says who was told, how and when.
    history = client.get(reverse("web:child-history", args=[uasc_child.pk])).content.decode()
    assert "Notifications queued to 1 person: Child reported missing: graded high risk" in history
    assert "Told Coordinator by email: Child reported missing: graded high risk" in history


def test_the_apis_report_tells_the_coordinator(
    council_a, sw_a, coordinator, uasc_child, smtp_server, django_capture_on_commit_callbacks
):
    api = bearer(make_api_client(council_a).secret)
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(
            f"/api/v1/children/{uasc_child.pk}/episodes",
            {
                "category": "M",
                "last_seen_at": (timezone.now() - dt.timedelta(hours=2)).isoformat(),
                "last_seen_place": "East Croydon station (synthetic)",
                "reported_by_name": "Carer (synthetic)",
                "reported_by_role": "carer",
            },
            format="json",
        )
    assert answer.status_code == 201, answer.json()
    [email] = smtp_server.wait_for(1)
    assert email.subject.startswith("Visible: Child reported missing: graded high risk")
    assert_names_absent(email.subject + email.body, uasc_child)
