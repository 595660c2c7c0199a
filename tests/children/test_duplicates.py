"""Adding a child who may already be on the register: the likely matches (a tolerant name and a
close date of birth, in the worker's own organisation only), shown on the page and in the API;
opening one, or confirming a new child with a reason, which is audited; nothing added until then."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import bearer, child_values, create_child, make_api_client
from visible.audit.models import AuditEvent
from visible.children.duplicates import likely_matches
from visible.children.models import Child

pytestmark = pytest.mark.django_db

BORN = dt.date(2010, 3, 7)


@pytest.fixture
def amina(sw_a):
    return create_child(
        sw_a,
        given_names="Amina",
        family_name="Haile",
        date_of_birth=BORN,
        nationality="ERI",
        other_names=[("Aminat Hailu", "alias")],
    )


def matches(council, **new):
    return likely_matches(
        Child.objects.filter(responsible_organisation=council),
        given_names=new.get("given_names", "Amina"),
        family_name=new.get("family_name", "Haile"),
        date_of_birth=new.get("date_of_birth", BORN),
        dob_basis=new.get("dob_basis", "claimed"),
    )


def test_the_same_child_under_another_spelling_or_a_close_birthday_is_found(amina, council_a):
    assert [(m.child, m.why) for m in matches(council_a)] == [
        (amina, "Same name and date of birth")
    ]
    assert [m.why for m in matches(council_a, given_names="Aminah", family_name="Hayle")] == [
        "A similar name and date of birth"
    ]
    assert [m.why for m in matches(council_a, date_of_birth=dt.date(2010, 7, 3))] == [
        "Same name and date of birth with the day and month swapped"
    ]
    assert [m.why for m in matches(council_a, date_of_birth=dt.date(2010, 11, 20))] == [
        "Same name and date of birth within a year"
    ]
    # An alias on the record counts as the child's name.
    assert [m.child for m in matches(council_a, given_names="Aminat", family_name="Hailu")] == [
        amina
    ]


def test_a_different_child_is_not_a_match(amina, council_a, council_b, sw_b):
    assert matches(council_a, given_names="Selam", family_name="Haile") == []
    assert matches(council_a, date_of_birth=dt.date(2008, 3, 7)) == []
    # Two documented dates of birth a few months apart are two children.
    Child.objects.filter(pk=amina.pk).update(dob_basis="documented")
    assert matches(council_a, date_of_birth=dt.date(2010, 9, 1), dob_basis="documented") == []
    # Another council's child is never shown (it would disclose their record).
    assert matches(council_b) == []


def _form(values: dict, **extra) -> dict:
    dob, looked_after = values["date_of_birth"], values["looked_after_from"]
    return {
        "given_names": values["given_names"],
        "family_name": values["family_name"],
        "date_of_birth_0": dob.day,
        "date_of_birth_1": dob.month,
        "date_of_birth_2": dob.year,
        "dob_basis": "claimed",
        "sex": "F",
        "gender": "girl",
        "nationality": values["nationality"],
        "looked_after_from_0": looked_after.day,
        "looked_after_from_1": looked_after.month,
        "looked_after_from_2": looked_after.year,
        **extra,
    }


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_page_shows_the_likely_match_then_adds_a_new_child_only_with_a_reason(
    amina, sw_a, fake
):
    client = Client()
    client.force_login(sw_a)
    url = reverse("web:child-new")
    copy = _form(
        child_values(
            fake, given_names="Amina", family_name="Haile", date_of_birth=BORN, nationality="ERI"
        )
    )

    first = client.post(url, copy)
    assert first.status_code == 200
    text = _text(first)
    assert "This child may already be on your register" in text
    assert (
        "Amina Haile" in text and "7 March 2010" in text and "Same name and date of birth" in text
    )
    assert f'href="{reverse("web:child", args=[amina.pk])}"' in first.content.decode()
    assert "There is a problem" not in text  # a warning, not a mistake
    assert Child.objects.count() == 1

    # Sent again without a reason: now an error, still nothing added.
    again = client.post(url, copy | {"seen_matches": str(amina.pk)})
    assert "Say why this is a new child and not one of the children listed" in _text(again)
    assert Child.objects.count() == 1

    reason = "A different girl: same name, arrived from Calais this week (synthetic)"
    added = client.post(url, copy | {"seen_matches": str(amina.pk), "new_child_reason": reason})
    assert added.status_code == 302
    new = Child.objects.exclude(pk=amina.pk).get()
    event = AuditEvent.objects.get(action="create", object_type="child", object_id=str(new.pk))
    detail = json.loads(event.detail)
    assert detail["likely_matches"] == [amina.pk]
    assert detail["new_child_reason"] == reason


def test_a_match_not_shown_before_asks_again(amina, sw_a, fake):
    client = Client()
    client.force_login(sw_a)
    create_child(
        sw_a,
        given_names="Amina",
        family_name="Haile",
        date_of_birth=BORN,
        nationality="ERI",
        council_id="CR-TWIN",
    )
    copy = _form(
        child_values(
            fake, given_names="Amina", family_name="Haile", date_of_birth=BORN, nationality="ERI"
        )
    )
    response = client.post(
        reverse("web:child-new"),
        copy | {"seen_matches": str(amina.pk), "new_child_reason": "Not her (synthetic)"},
    )
    assert response.status_code == 200
    assert "Council case ID CR-TWIN" in _text(response)
    assert Child.objects.count() == 2


def test_the_api_answers_409_with_the_matches_then_adds_with_a_reason(council_a, amina, fake):
    api_a = bearer(make_api_client(council_a).secret)
    body = {
        k: v.isoformat() if isinstance(v, dt.date) else v
        for k, v in child_values(
            fake, given_names="Amina", family_name="Haile", date_of_birth=BORN, nationality="ERI"
        ).items()
    }
    refused = api_a.post("/api/v1/children", body, format="json")
    assert refused.status_code == 409, refused.json()
    [match] = refused.json()["likely_matches"]
    assert (match["id"], match["why"], match["date_of_birth"]) == (
        amina.pk,
        "Same name and date of birth",
        "2010-03-07",
    )
    assert refused.json()["errors"][0]["field"] == "new_child_reason"
    assert Child.objects.count() == 1

    added = api_a.post(
        "/api/v1/children",
        body | {"new_child_reason": "Another girl (synthetic)", "likely_matches_seen": [amina.pk]},
        format="json",
    )
    assert added.status_code == 201, added.json()
    assert Child.objects.count() == 2
