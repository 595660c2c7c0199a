"""Django's default validation messages never reach a page as Django words them: they name the
field, in GOV.UK's pattern ("Given names must be 200 characters or fewer")."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from visible.web.plain_errors import plain

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_a_name_too_long_is_named_in_the_summary_and_at_the_field(sw_a):
    client = Client()
    client.force_login(sw_a)
    page = client.post(
        reverse("web:child-new"), {"given_names": "A" * 250, "family_name": "Tesfay"}
    )
    text = _text(page)
    assert "Ensure this value" not in text
    said = "Given names must be 200 characters or fewer (you entered 250)"
    # Once in the error summary, once at the field.
    assert text.count(said) == 2, text


@pytest.mark.parametrize(
    ("label", "message", "said"),
    [
        (
            "Other names and spellings (optional)",
            "Ensure this value has at most 1000 characters (it has 1204).",
            "Other names and spellings must be 1,000 characters or fewer (you entered 1,204)",
        ),
        ("Hours", "Ensure this value is less than or equal to 72.", "Hours must be 72 or less"),
        ("Hours", "Ensure this value is greater than or equal to 0.", "Hours must be 0 or more"),
        ("Hours", "Enter a whole number.", "Hours must be a whole number, like 3"),
        (
            "Police force",
            "Select a valid choice. 99 is not one of the available choices.",
            "Choose one of the options for police force",
        ),
        ("NRM reference", "This field is required.", "Enter or choose NRM reference"),
        (
            "Which organisation are you working for now?",
            "Select a valid choice. 7 is not one of the available choices.",
            "Choose one of the answers given",
        ),
        (
            "Is the child missing or away from placement?",
            "This field is required.",
            "Answer the question \u2018Is the child missing or away from placement?\u2019",
        ),
        (
            "Email address",
            "Enter a valid email address.",
            "Enter email address in the correct format, like name@example.gov.uk",
        ),
        # Visible's own words are left alone.
        ("Given names", "Enter the child's given names", "Enter the child's given names"),
    ],
)
def test_each_default_is_said_plainly(label, message, said):
    assert plain(label, message) == said
