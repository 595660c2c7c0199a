"""The register's actions take typed inputs (children/inputs.py). A caller that leaves out a
required field is stopped where it calls, with the field named, before anything is read or
written; a person who leaves a field empty on a page or in an API request is still answered
in the usual words, field by field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import bearer, child_values, make_api_client
from visible.audit.models import AuditEvent
from visible.children.inputs import (
    AgeAssessmentInput,
    ChildInput,
    GuardianInput,
    NrmReferralInput,
    PlacementInput,
)
from visible.children.models import (
    AgeAssessment,
    Child,
    GuardianAssignment,
    NrmReferral,
    Placement,
)
from visible.reference.models import Authority

TODAY = timezone.localdate
KENT = Authority(code="E10000016", name="Kent")  # never saved: construction needs no database

# Every input with its required fields only, and what each is required to have.
COMPLETE = {
    ChildInput: {
        "given_names": "Anh",
        "date_of_birth": dt.date(2009, 3, 27),
        "dob_basis": "claimed",
        "sex": "M",
        "nationality": "VNM",
        "looked_after_from": dt.date(2024, 5, 1),
    },
    PlacementInput: {"place_code": "U4", "start_date": dt.date(2024, 5, 1), "authority": KENT},
    NrmReferralInput: {
        "referred_on": dt.date(2024, 5, 2),
        "first_responder": "Croydon children's services",
        "first_responder_kind": "local_authority",
    },
    AgeAssessmentInput: {"status": "pending", "status_from": dt.date(2024, 5, 3)},
    GuardianInput: {
        "kind": "ictg",
        "guardian_name": "Sam Jones",
        "service": "ICTG service",
        "start_date": dt.date(2024, 5, 4),
    },
}
REQUIRED = [(kind, field) for kind, values in COMPLETE.items() for field in values]


def test_each_input_requires_exactly_the_fields_the_record_cannot_do_without():
    for kind, values in COMPLETE.items():
        assert set(kind.required_names()) == set(values), kind.__name__
        made = kind(**values)  # the optional fields take the record's defaults
        assert made.as_values() == {
            name: getattr(made, name) for name in kind.field_names()
        } and all(made.as_values()[name] == value for name, value in values.items())


@pytest.mark.parametrize(
    ("kind", "field"), REQUIRED, ids=[f"{k.__name__}.{f}" for k, f in REQUIRED]
)
def test_a_required_field_left_out_is_a_type_error_naming_it(kind, field):
    values = {k: v for k, v in COMPLETE[kind].items() if k != field}
    with pytest.raises(TypeError, match=f"missing 1 required keyword-only argument: '{field}'"):
        kind(**values)


@pytest.mark.parametrize(
    ("kind", "field"), REQUIRED, ids=[f"{k.__name__}.{f}" for k, f in REQUIRED]
)
def test_from_mapping_names_the_required_field_missing(kind, field):
    values = {k: v for k, v in COMPLETE[kind].items() if k != field}
    with pytest.raises(ValueError) as excinfo:
        kind.from_mapping(values)
    assert str(excinfo.value) == f"{kind.__name__}: required field(s) missing: {field}"


def test_from_mapping_names_a_field_the_action_does_not_take():
    """A misspelt key is not quietly dropped (the value would never be saved)."""
    with pytest.raises(ValueError) as excinfo:
        PlacementInput.from_mapping(COMPLETE[PlacementInput] | {"post_code": "ME14 1XX"})
    assert str(excinfo.value) == "PlacementInput: field(s) it does not take: post_code"
    placement = PlacementInput.from_mapping(COMPLETE[PlacementInput] | {"postcode": "ME14 1XX"})
    assert placement.postcode == "ME14 1XX" and placement.end_date is None


def test_an_input_cannot_be_changed_after_it_is_made():
    details = ChildInput(**COMPLETE[ChildInput], other_languages=["ara", "amh"])
    assert details.other_languages == ("ara", "amh")  # a tuple: nothing can append to it
    with pytest.raises(AttributeError):
        details.given_names = "Someone else"  # type: ignore[misc]


# --- the pages and the API answer people as before ---------------------------------------------


# What a browser sends for a form left empty: its boxes blank, and the form's CSRF token.
EMPTY_FORM = {"csrfmiddlewaretoken": "not-checked-by-the-test-client"}


@pytest.fixture
def page(client, sw_a):
    client.force_login(sw_a)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "words"),
    [
        (
            "placement-add",
            [
                "Select the placement type",
                "Enter the start date",
                "Select the authority whose area the placement is in",
            ],
        ),
        (
            "nrm-add",
            [
                "Enter the date referred",
                "Enter the first responder organisation",
                "Select the kind of first responder",
            ],
        ),
        (
            "age-assessment-add",
            ["Select the age assessment status", "Enter the status applies from"],
        ),
        (
            "guardian-add",
            [
                "Select the kind of guardian or advocate",
                "Enter the guardian's name",
                "Enter the organisation or service",
                "Enter the start date",
            ],
        ),
    ],
)
def test_an_empty_form_is_answered_field_by_field_and_saves_nothing(
    page, sw_a, make_child, url_name, words
):
    child = make_child(sw_a)
    writes = AuditEvent.objects.filter(action__in=["create", "change"])
    before = writes.count()
    response = page.post(reverse(f"web:{url_name}", args=[child.pk]), EMPTY_FORM)
    assert response.status_code == 200
    body = response.content.decode().replace("&#x27;", "'")
    assert "There is a problem" in body
    for message in words:
        assert message in body, message
    assert not (
        Placement.objects.filter(child=child).exists()
        or NrmReferral.objects.filter(child=child).exists()
        or AgeAssessment.objects.filter(child=child).exists()
        or GuardianAssignment.objects.filter(child=child).exists()
    )
    assert writes.count() == before


@pytest.mark.django_db
def test_an_empty_add_a_child_form_is_answered_field_by_field(page):
    response = page.post(reverse("web:child-new"), EMPTY_FORM)
    body = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 200
    for message in (
        "Enter the child's given names",
        "Enter the date of birth",
        "Select how the date of birth is known",
        "Select the child's sex",
        "Select the child's nationality, 'Stateless' or 'Not known'",
        "Enter the date became looked after",
    ):
        assert message in body, message
    assert not Child.objects.exists()


@pytest.mark.django_db
def test_the_actions_own_checks_still_reach_the_page_on_their_fields(page, sw_a, make_child):
    child = make_child(sw_a)
    tomorrow = TODAY() + dt.timedelta(days=1)
    response = page.post(
        reverse("web:placement-add", args=[child.pk]),
        {
            "place_code": "U4",
            "start_date_0": tomorrow.day,
            "start_date_1": tomorrow.month,
            "start_date_2": tomorrow.year,
            "authority": Authority.objects.get(code="E09000008").pk,
        },
    )
    assert response.status_code == 200
    assert "Placement start date must be today or in the past" in response.content.decode()
    response = page.post(
        reverse("web:age-assessment-add", args=[child.pk]),
        {
            "status": "concluded",
            "status_from_0": TODAY().day,
            "status_from_1": TODAY().month,
            "status_from_2": TODAY().year,
        },
    )
    assert "Enter the date the assessment concluded" in response.content.decode()
    assert not child.placements.exists() and not child.age_assessments.exists()


@pytest.fixture
def api(council_a):
    return bearer(make_api_client(council_a).secret)


@pytest.mark.django_db
def test_the_api_names_each_required_field_left_out(api, sw_a, make_child, fake):
    body = {
        k: v.isoformat() if isinstance(v, dt.date) else v
        for k, v in child_values(fake).items()
        if k not in ("given_names", "looked_after_from")
    }
    response = api.post("/api/v1/children", body, format="json")
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"given_names", "looked_after_from"}
    assert not Child.objects.exists()

    child = make_child(sw_a)
    response = api.post(
        f"/api/v1/children/{child.pk}/placements",
        {"place_code": "U4", "start_date": TODAY().isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["authority"]
    assert not child.placements.exists()
