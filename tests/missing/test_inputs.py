"""The missing-episode actions take typed inputs (missing/inputs.py). A caller that leaves out
a required field is stopped where it calls, with the field named, before anything is read or
written; a person who leaves a field empty on a page or in an API request is still answered
in the usual words, field by field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import bearer, make_api_client, missing_episode, report_missing
from visible.missing.inputs import (
    ReportMissingInput,
    ReturnInput,
    ReturnInterviewInput,
    SafetyPlanInput,
)
from visible.missing.models import Episode, ReturnInterview

LAST_SEEN = dt.datetime(2025, 3, 3, 21, 30, tzinfo=dt.UTC)

# Every input with its required fields only: what each is required to have.
COMPLETE = {
    ReportMissingInput: {
        "category": "M",
        "last_seen_at": LAST_SEEN,
        "last_seen_place": "West Croydon bus station",
        "reported_by_name": "Carer (synthetic)",
        "reported_by_role": "carer",
    },
    ReturnInput: {"returned_at": LAST_SEEN + dt.timedelta(hours=5), "found_by": "self"},
    ReturnInterviewInput: {"offered_at": LAST_SEEN + dt.timedelta(hours=8), "outcome": "offered"},
    SafetyPlanInput: {},  # every part of a safety plan is optional
}
REQUIRED = [(kind, field) for kind, values in COMPLETE.items() for field in values]
IDS = [f"{k.__name__}.{f}" for k, f in REQUIRED]


def test_each_input_requires_exactly_the_fields_the_record_cannot_do_without():
    for kind, values in COMPLETE.items():
        assert set(kind.required_names()) == set(values), kind.__name__
        made = kind(**values)
        assert all(getattr(made, name) == value for name, value in values.items())
    assert ReportMissingInput(**COMPLETE[ReportMissingInput]).police_force is None
    assert SafetyPlanInput().agreed_on is None and SafetyPlanInput().places == ""


@pytest.mark.parametrize(("kind", "field"), REQUIRED, ids=IDS)
def test_a_required_field_left_out_is_a_type_error_naming_it(kind, field):
    values = {k: v for k, v in COMPLETE[kind].items() if k != field}
    with pytest.raises(TypeError, match=f"missing 1 required keyword-only argument: '{field}'"):
        kind(**values)


@pytest.mark.parametrize(("kind", "field"), REQUIRED, ids=IDS)
def test_from_mapping_names_the_required_field_missing(kind, field):
    values = {k: v for k, v in COMPLETE[kind].items() if k != field}
    with pytest.raises(ValueError) as excinfo:
        kind.from_mapping(values)
    assert str(excinfo.value) == f"{kind.__name__}: required field(s) missing: {field}"


def test_from_mapping_names_every_problem_at_once():
    with pytest.raises(ValueError) as excinfo:
        ReportMissingInput.from_mapping({"category": "M", "last_seen": LAST_SEEN})
    assert str(excinfo.value) == (
        "ReportMissingInput: required field(s) missing: last_seen_at, last_seen_place, "
        "reported_by_name, reported_by_role; field(s) it does not take: last_seen"
    )


def test_lists_in_an_input_are_kept_as_tuples():
    report = ReportMissingInput(**COMPLETE[ReportMissingInput], factors=["drugs_alcohol"])
    interview = ReturnInterviewInput(**COMPLETE[ReturnInterviewInput], indicators=["money"])
    assert report.factors == ("drugs_alcohol",) and interview.indicators == ("money",)


# --- the pages and the API answer people as before ---------------------------------------------

EMPTY_FORM = {"csrfmiddlewaretoken": "not-checked-by-the-test-client"}


@pytest.fixture
def page(client, sw_a):
    client.force_login(sw_a)
    return client


def _text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


@pytest.mark.django_db
def test_an_empty_report_form_is_answered_field_by_field_and_opens_no_episode(page, uasc_child):
    response = page.post(reverse("web:report-missing", args=[uasc_child.pk]), EMPTY_FORM)
    assert response.status_code == 200
    for message in (
        "Select missing or away from placement",
        "Enter the date last seen",
        "Enter where the child was last seen",
        "Select who is reporting",
    ):
        assert message in _text(response), message
    assert not Episode.objects.filter(child=uasc_child).exists()


@pytest.mark.django_db
def test_empty_return_and_interview_forms_are_answered_field_by_field(page, sw_a, uasc_child):
    closed = missing_episode(
        sw_a, uasc_child, hours_ago=400, returned_hours_ago=390, last_seen_place="Croydon"
    )
    episode, _ = report_missing(sw_a, uasc_child)
    response = page.post(reverse("web:episode-return", args=[episode.pk]), EMPTY_FORM)
    assert response.status_code == 200
    assert "Enter the date they came back or were found" in _text(response)
    assert "Select who found the child, or whether they came back by themselves" in _text(response)
    episode.refresh_from_db()
    assert episode.returned_at is None

    response = page.post(reverse("web:episode-interview", args=[closed.pk]), EMPTY_FORM)
    assert response.status_code == 200
    assert "Select whether the interview was offered, accepted, declined or held" in _text(response)
    assert "Enter the date the interview was offered" in _text(response)
    assert not ReturnInterview.objects.exists()


@pytest.mark.django_db
def test_the_actions_own_checks_still_reach_the_page_on_their_fields(page, sw_a, uasc_child):
    episode, _ = report_missing(sw_a, uasc_child, hours_ago=3)
    before = timezone.localtime(episode.last_seen_at - dt.timedelta(hours=1))
    response = page.post(
        reverse("web:episode-return", args=[episode.pk]),
        {
            "return-returned_date_0": before.day,
            "return-returned_date_1": before.month,
            "return-returned_date_2": before.year,
            "return-returned_time": f"{before:%H:%M}",
            "return-found_by": "self",
        },
    )
    assert response.status_code == 200
    assert "The return must be after the child was last seen" in _text(response)
    episode.refresh_from_db()
    assert episode.returned_at is None


@pytest.fixture
def api(council_a):
    return bearer(make_api_client(council_a).secret)


@pytest.mark.django_db
def test_the_api_names_each_required_field_left_out(api, sw_a, uasc_child):
    response = api.post(
        f"/api/v1/children/{uasc_child.pk}/episodes",
        {"category": "M", "last_seen_at": timezone.now().isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {
        "last_seen_place",
        "reported_by_name",
        "reported_by_role",
    }
    assert not Episode.objects.exists()

    episode, _ = report_missing(sw_a, uasc_child)
    response = api.post(
        f"/api/v1/episodes/{episode.pk}/return",
        {"returned_at": timezone.now().isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["found_by"]
    episode.refresh_from_db()
    assert episode.returned_at is None
