"""Eight requests at the same moment, each making a write the register allows only once: one
open flag of a kind per child, one child per council case ID (or Home Office reference) in an
organisation. One succeeds; the other seven are told what is already there, as a 409 naming the
field (API) or the error on the form (pages), never a second record and never a server error.

Real concurrent transactions: on PostgreSQL the requests race past the actions' checks and the
database's unique constraints decide; on SQLite writers queue, and the checks decide."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.connections import at_once
from tests.factories import bearer, child_values, make_api_client
from visible.audit.models import AuditEvent
from visible.children.models import Child, Flag

PARALLEL = 8
concurrent = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).replace(
        "&#x27;", "'"
    )


def _signed_in_clients(user, n: int = PARALLEL) -> list[Client]:
    clients = []
    for _ in range(n):
        client = Client()
        client.force_login(user)
        clients.append(client)
    return clients


# --- one open flag of a kind ------------------------------------------------------------------


@concurrent
def test_eight_api_requests_for_one_flag_make_one_open_flag_and_seven_409s(
    council_a, sw_a, make_child
):
    child = make_child(sw_a)
    start = timezone.localdate() - dt.timedelta(days=3)
    secret = make_api_client(council_a).secret

    def post(i: int):
        return bearer(secret).post(
            f"/api/v1/children/{child.pk}/flags",
            {
                "kind": "cse",
                "start_date": start.isoformat(),
                "evidence": f"Referral {i} (synthetic)",
            },
            format="json",
        )

    responses = at_once(post, PARALLEL)
    assert sorted(r.status_code for r in responses) == [201] + [409] * (PARALLEL - 1)
    assert Flag.objects.filter(child=child, kind="cse", end_date__isnull=True).count() == 1
    for refused in (r for r in responses if r.status_code == 409):
        errors = refused.json()["errors"]
        assert errors[0]["field"] == "kind"
        assert errors[0]["message"].startswith(
            f"This child already has an open 'Child sexual exploitation' flag from {start:%-d %B %Y}"
        )
    assert (
        AuditEvent.objects.filter(action="create", object_type="flag", child_id=child.pk).count()
        == 1
    )


@concurrent
def test_eight_people_recording_one_flag_on_the_page_make_one_and_are_told_it_is_open(
    sw_a, make_child
):
    child = make_child(sw_a)
    start = timezone.localdate() - dt.timedelta(days=3)
    clients = _signed_in_clients(sw_a)

    def post(i: int):
        return clients[i].post(
            reverse("web:flag-add", args=[child.pk]),
            {
                "kind": "uasc",
                "start_date_0": start.day,
                "start_date_1": start.month,
                "start_date_2": start.year,
                "evidence": f"Arrived alone, statement {i} (synthetic)",
            },
        )

    responses = at_once(post, PARALLEL)
    assert sorted(r.status_code for r in responses) == [200] * (PARALLEL - 1) + [302]
    for page in (r for r in responses if r.status_code == 200):
        assert (
            f"This child already has an open 'Unaccompanied asylum-seeking child (UASC)' flag from "
            f"{start:%-d %B %Y}"
        ) in _text(page)
    assert Flag.objects.filter(child=child, kind="uasc", end_date__isnull=True).count() == 1


# --- one child per identifier -----------------------------------------------------------------


@concurrent
@pytest.mark.parametrize(
    ("field", "label"),
    [("council_id", "council case ID"), ("home_office_ref", "Home Office reference")],
)
def test_eight_api_creates_with_one_identifier_make_one_child_and_seven_409s(
    council_a, fake, field, label
):
    secret = make_api_client(council_a).secret
    bodies = [
        {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in child_values(fake).items()}
        | {field: "CR-77"}
        for _ in range(PARALLEL)
    ]

    responses = at_once(
        lambda i: bearer(secret).post("/api/v1/children", bodies[i], format="json"), PARALLEL
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * (PARALLEL - 1), [
        r.json() for r in responses
    ]
    assert Child.objects.filter(**{field: "CR-77"}).count() == 1
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.json()["errors"] == [
            {
                "field": field,
                "message": f"Another child in your authority already has {label} CR-77. Check the number, "
                "or open that child's record instead",
            }
        ]


@concurrent
def test_eight_people_adding_one_council_case_id_on_the_page_make_one_child(sw_a, fake):
    clients = _signed_in_clients(sw_a)

    def post(i: int):
        values = child_values(fake)
        dob, looked_after = values["date_of_birth"], values["looked_after_from"]
        return clients[i].post(
            reverse("web:child-new"),
            {
                "given_names": values["given_names"],
                "family_name": values["family_name"],
                "date_of_birth_0": dob.day,
                "date_of_birth_1": dob.month,
                "date_of_birth_2": dob.year,
                "dob_basis": "claimed",
                "sex": "M",
                "gender": "boy",
                "nationality": "VNM",
                "looked_after_from_0": looked_after.day,
                "looked_after_from_1": looked_after.month,
                "looked_after_from_2": looked_after.year,
                "council_id": "CR-88",
            },
        )

    responses = at_once(post, PARALLEL)
    assert sorted(r.status_code for r in responses) == [200] * (PARALLEL - 1) + [302]
    for page in (r for r in responses if r.status_code == 200):
        assert "Another child in your authority already has council case ID CR-88" in _text(page)
    assert Child.objects.filter(council_id="CR-88").count() == 1


@concurrent
def test_two_children_changed_to_one_council_case_id_at_once_one_is_refused(
    council_a, sw_a, make_child
):
    children = [make_child(sw_a, council_id=f"CR-{i}") for i in range(2)]
    secret = make_api_client(council_a).secret
    etags = [bearer(secret).get(f"/api/v1/children/{c.pk}")["ETag"] for c in children]

    responses = at_once(
        lambda i: bearer(secret).patch(
            f"/api/v1/children/{children[i].pk}",
            {"council_id": "CR-99"},
            format="json",
            HTTP_IF_MATCH=etags[i],
        ),
        n=2,
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    assert Child.objects.filter(council_id="CR-99").count() == 1
