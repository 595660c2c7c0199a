"""Whatever is typed into a date, on a page or through the API, the answer is the date or a
message saying what is wrong with it: never a server error. '²' passes str.isdigit() but not
int(); twenty nines make a number no date can hold."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from tests.factories import bearer, make_api_client
from visible.api.fields import StrictDateField, StrictDateTimeField
from visible.web.children.forms import CountsPeriodForm
from visible.web.fields import GovukDateField

SUPERSCRIPT_TWO = "\u00b2"
TOO_BIG = "99999999999999999999"

# Text a person or a script might type: digits of every script, signs, spaces, huge numbers.
part = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(categories=["Nd", "No", "Zs"]), max_size=6),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "00",
            "31",
            "29",
            "2",
            "02",
            "2024",
            "0000",
            "0001",
            "9999",
            SUPERSCRIPT_TWO,
            TOO_BIG,
            "1e3",
            "٣",
            "12\x00",
        ]
    ),
)


def _real_date_or_message(parts: list[str]) -> None:
    field = GovukDateField(label="Date of birth")
    try:
        value = field.clean(parts)
    except ValidationError as error:
        assert error.messages and all(m.strip() for m in error.messages)
        assert all("date of birth" in m for m in error.messages)  # names the field it is about
    else:
        assert isinstance(value, dt.date) and 1900 <= value.year <= 2100
        assert value == dt.date(int(parts[2]), int(parts[1]), int(parts[0]))


@settings(max_examples=400, deadline=None)
@given(day=part, month=part, year=part)
def test_any_three_parts_make_a_date_or_a_message(day, month, year):
    _real_date_or_message([day, month, year])


@pytest.mark.parametrize(
    "parts",
    [
        [SUPERSCRIPT_TWO, "1", "2024"],
        ["1", SUPERSCRIPT_TWO, "2024"],
        ["1", "1", "202" + SUPERSCRIPT_TWO],
        [TOO_BIG, "1", "2024"],
        ["1", TOO_BIG, "2024"],
        ["1", "1", TOO_BIG],
        ["٣", "1", "2024"],
    ],
)
def test_the_inputs_that_were_server_errors_are_messages(parts):
    with pytest.raises(ValidationError) as error:
        GovukDateField(label="From").clean(parts)
    assert error.value.messages[0].startswith(("The from must", "The year of the from"))


@settings(max_examples=200, deadline=None)
@given(day=part, month=part, year=part)
def test_a_bound_form_is_valid_or_has_errors(day, month, year):
    form = CountsPeriodForm(
        {
            "start_0": day,
            "start_1": month,
            "start_2": year,
            "end_0": "31",
            "end_1": "3",
            "end_2": "2025",
        }
    )
    if not form.is_valid():
        assert form.errors


# --- the API's dates ----------------------------------------------------------------------------


def _api_value_or_message(field: serializers.Field, text: str) -> None:
    try:
        field.run_validation(text)
    except serializers.ValidationError as error:
        assert error.detail


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=40),
        st.builds(
            lambda y, m, d, rest: f"{y}-{m}-{d}{rest}",
            part,
            part,
            part,
            st.sampled_from(
                [
                    "",
                    "T00:00:00Z",
                    "T23:59:59-01:00",
                    "T00:00:00+01:00",
                    "T25:00:00Z",
                    "T12:00:00+99:00",
                ]
            ),
        ),
    )
)
def test_api_dates_and_times_are_values_or_messages(text):
    for field in (StrictDateField(), StrictDateTimeField(), serializers.DateField()):
        _api_value_or_message(field, text)


# --- pages and endpoints that take dates ------------------------------------------------------

BAD_PARTS = [
    pytest.param(
        {"start_0": SUPERSCRIPT_TWO},
        "The from must be a real date, in numbers",
        id="superscript-two-day",
    ),
    pytest.param({"start_0": TOO_BIG}, "The from must be a real date", id="huge-day"),
    pytest.param({"start_1": TOO_BIG}, "The from must be a real date", id="huge-month"),
    pytest.param({"start_2": TOO_BIG}, "The year of the from must have 4 numbers", id="huge-year"),
]


def _error_summary(response) -> str:
    html = response.content.decode()
    block = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert block, "no error summary on the page"
    return re.sub(r"<[^>]+>", " ", block.group(0)).replace("&#x27;", "'")


@pytest.mark.django_db
@pytest.mark.parametrize(("bad", "message"), BAD_PARTS)
def test_the_counts_page_shows_the_date_error(client, manager_a, bad, message):
    client.force_login(manager_a)
    query = {
        "start_0": "1",
        "start_1": "4",
        "start_2": "2024",
        "end_0": "31",
        "end_1": "3",
        "end_2": "2025",
    } | bad
    response = client.get(reverse("web:counts"), query)
    assert response.status_code == 200
    assert message in _error_summary(response)


@pytest.mark.django_db
@pytest.mark.parametrize(("bad", "message"), BAD_PARTS)
def test_the_foi_return_page_shows_the_date_error(client, manager_a, bad, message):
    client.force_login(manager_a)
    query = {
        "start_0": "1",
        "start_1": "4",
        "start_2": "2024",
        "end_0": "31",
        "end_1": "3",
        "end_2": "2025",
    } | bad
    response = client.get(reverse("web:foi-return"), query)
    assert response.status_code == 200
    assert message.replace(" from ", " first day of the period ") in _error_summary(response)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["web:counts", "web:foi-return"])
@pytest.mark.parametrize(
    ("start", "end"),
    [(("1", "1", "0001"), ("31", "12", "9999")), (("31", "12", "9999"), ("31", "12", "9999"))],
)
def test_years_no_period_can_have_are_a_message_not_a_server_error(
    client, manager_a, sw_a, make_child, page, start, end
):
    make_child(sw_a)
    client.force_login(manager_a)
    query = {f"start_{i}": v for i, v in enumerate(start)} | {
        f"end_{i}": v for i, v in enumerate(end)
    }
    response = client.get(reverse(page), query)
    assert response.status_code == 200
    assert "must be between 1900 and 2100" in _error_summary(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start",
    [
        SUPERSCRIPT_TWO,
        TOO_BIG,
        f"2024-04-0{SUPERSCRIPT_TWO}",
        "2024-13-01",
        "0001-01-01",
        "9999-12-31",
    ],
)
def test_the_foi_download_link_with_a_bad_date_is_a_message(client, manager_a, start):
    client.force_login(manager_a)
    response = client.get(
        reverse("web:foi-return-download"), {"start": start, "end": "2025-03-31", "format": "csv"}
    )
    assert response.status_code == 400
    assert "start:" in response.content.decode()
    response = client.get(
        reverse("web:foi-return-download"),
        {"start": "2024-04-01", "end": "9999-12-31", "format": "csv"},
    )
    assert response.status_code == 400
    assert "must be between 1900 and 2100" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, TOO_BIG, f"2024-04-0{SUPERSCRIPT_TWO}"])
def test_api_dates_in_the_query_and_the_body_are_400s_naming_the_field(
    council_a, sw_a, make_child, fake, value
):
    http = bearer(make_api_client(council_a).secret)
    listed = http.get("/api/v1/children", {"flag": "uasc", "active_from": value})
    assert listed.status_code == 400
    assert [e["field"] for e in listed.json()["errors"]] == ["active_from"]
    child = make_child(sw_a)
    flagged = http.post(
        f"/api/v1/children/{child.pk}/flags",
        {"kind": "cse", "start_date": value, "evidence": "Referral (synthetic)"},
        format="json",
    )
    assert flagged.status_code == 400
    assert [e["field"] for e in flagged.json()["errors"]] == ["start_date"]
