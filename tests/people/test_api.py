"""The people API (SCIM-like, docs/api.md "People"): an organisation's directory, as an API
client acting as its administrator, lists, creates (invites), reads, deactivates and
reactivates its people; every change audited with the client's name; anyone else refused."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import bearer, make_api_client
from visible.agencies.models import Membership, Role, Team
from visible.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PEOPLE = "/api/v1/people"


@pytest.fixture
def directory(council_a, admin_a):
    return bearer(make_api_client(council_a, Role.ORGANISATION_ADMIN, "Staff directory").secret)


def _new(directory, **values):
    body = {
        "email": "api.sw@croydon.example",
        "given_name": "Api",
        "family_name": "Worker",
        "role": "social_worker",
    } | values
    return directory.post(PEOPLE, body, format="json")


def test_create_read_list_deactivate_reactivate(directory, council_a, sw_a):
    Team.objects.create(organisation=council_a, name="UASC team")
    created = _new(directory, team="uasc team", job_title="Social worker (UASC)")
    assert created.status_code == 201, created.json()
    person = created.json()
    assert person["status"] == "invited" and person["active"] is False
    assert person["username"] == "api.sw@croydon.example"
    assert person["team"]["name"] == "UASC team" and person["invitation_expires_at"].endswith("Z")
    assert created["Location"] == reverse("api:person", args=[person["id"]])
    assert mail.outbox[0].to == ["api.sw@croydon.example"]
    assert f"{council_a.name}'s staff directory" in mail.outbox[0].body

    read = directory.get(created["Location"])
    assert read.status_code == 200 and read.json() == person and read["ETag"]

    listed = directory.get(PEOPLE).json()
    assert {p["username"] for p in listed["results"]} == {
        "admin.a",
        "sw.a",
        "api.sw@croydon.example",
    }
    assert listed["count"] == 3
    only = directory.get(PEOPLE, {"email": "API.SW@croydon.example"}).json()
    assert [p["id"] for p in only["results"]] == [person["id"]]
    active = directory.get(PEOPLE, {"status": "active"}).json()
    assert {p["username"] for p in active["results"]} == {"admin.a", "sw.a"}

    theirs = sw_a.memberships.get().pk
    gone = directory.post(f"{PEOPLE}/{theirs}/deactivate", format="json")
    assert gone.status_code == 200 and gone.json()["status"] == "deactivated"
    assert gone.json()["deactivated_at"]
    again = directory.post(f"{PEOPLE}/{theirs}/deactivate", format="json")
    assert again.status_code == 409
    assert "already deactivated" in again.json()["errors"][0]["message"]
    back = directory.post(f"{PEOPLE}/{theirs}/reactivate", format="json")
    assert back.status_code == 200 and back.json()["status"] == "active"

    events = AuditEvent.objects.filter(object_type="membership").order_by("seq")
    assert {e.actor_username for e in events} == {"api:Staff directory"}
    assert [e.action for e in events if e.action != "view"] == [
        "create",
        "list",
        "list",
        "list",
        "end",
        "change",
    ]


def test_refusals_are_clear_and_change_nothing(directory, admin_a, council_a):
    assert _new(directory).status_code == 201
    duplicate = _new(directory)
    assert duplicate.status_code == 409
    assert "resend the invitation" in duplicate.json()["errors"][0]["message"]
    bad = _new(directory, email="not-an-email", role="police_officer", team="Nowhere")
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"team"}
    bad = _new(directory, email="not-an-email", role="police_officer")
    assert {e["field"] for e in bad.json()["errors"]} == {"email", "role"}
    unknown = _new(directory, organisation="Kent")
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "organisation"
    last = directory.post(f"{PEOPLE}/{admin_a.memberships.get().pk}/deactivate", format="json")
    assert (
        last.status_code == 409
        and "last active administrator" in last.json()["errors"][0]["message"]
    )
    assert Membership.objects.count() == 2 and len(mail.outbox) == 1
    council_a.is_active = False
    council_a.save()
    # A client of a deactivated organisation cannot use the API at all.
    assert _new(directory, email="late@croydon.example").status_code == 401


def test_other_clients_are_refused_and_other_organisations_people_not_found(
    council_a, council_b, admin_b, sw_a
):
    theirs = sw_a.memberships.get().pk
    case_system = bearer(make_api_client(council_a, Role.SENIOR_MANAGER).secret)
    for method, url in (
        ("get", PEOPLE),
        ("post", PEOPLE),
        ("get", f"{PEOPLE}/{theirs}"),
        ("post", f"{PEOPLE}/{theirs}/deactivate"),
    ):
        before = AuditEvent.objects.filter(action="denied").count()
        response = getattr(case_system, method)(url, {}, format="json")
        assert response.status_code == 403, url
        assert AuditEvent.objects.filter(action="denied").count() == before + 1
    kent = bearer(make_api_client(council_b, Role.ORGANISATION_ADMIN, "Kent directory").secret)
    assert kent.get(f"{PEOPLE}/{theirs}").status_code == 404
    assert kent.post(f"{PEOPLE}/{theirs}/deactivate", format="json").status_code == 404
    assert kent.get(f"{PEOPLE}/{theirs + 10_000}").status_code == 404
    assert sw_a.memberships.get().is_active
    assert "sw.a" not in str(kent.get(PEOPLE).json())


def test_an_administrators_client_sees_no_child(directory, sw_a, make_child):
    child = make_child(sw_a)
    assert directory.get("/api/v1/children").json()["count"] == 0
    assert directory.get(f"/api/v1/children/{child.pk}").status_code == 404
