"""The child's record in people's words: how a date of birth is known reads after the date
("from an age assessment"), never as a code list's label nested in brackets."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import create_child

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("basis", "said"),
    [
        ("assessed", "(from an age assessment)"),
        ("claimed", "(claimed by the child)"),
        ("documented", "(from documents)"),
    ],
)
def test_how_the_date_of_birth_is_known(sw_a, fake, basis, said):
    child = create_child(sw_a, fake, dob_basis=basis)
    client = Client()
    client.force_login(sw_a)
    text = re.sub(
        r"\s+",
        " ",
        re.sub(r"<[^>]+>", " ", client.get(reverse("web:child", args=[child.pk])).content.decode()),
    )
    born = f"{child.date_of_birth.day} {child.date_of_birth:%B %Y}"
    assert f"{born} {said}" in text
    assert "(assessed (age assessment))" not in text


@pytest.mark.parametrize(
    ("stored", "said"),
    [
        ("Priya Shah", "Recorded by Priya Shah"),
        ("<sweep>", "Recorded by Visible"),
        ("SSDA903 import", "Imported from the SSDA903 return"),
        ("<SSDA903 import>", "Imported from the SSDA903 return"),
        ("CIN factors import", "Imported from the CIN census factors"),
        ("", "Who recorded it is not known"),
    ],
)
def test_who_recorded_a_record_is_said_in_words(stored, said):
    from visible.web.templatetags.visible import recorded_by

    assert recorded_by(stored) == said


def test_a_person_is_named_by_their_full_name_and_the_system_as_visible(sw_a):
    from visible.agencies.viewer import Viewer, viewer_for

    sw_a.first_name, sw_a.last_name = "Priya", "Shah"
    sw_a.save()
    assert viewer_for(sw_a).display_name == "Priya Shah"
    assert Viewer(user_id=7, username="nameless", organisation=None, role=None).display_name == (
        "nameless"
    )
    assert Viewer.system("sweep").display_name == "Visible"


def test_reasons_sharing_a_source_are_grouped_under_it_once():
    from visible.web.missing.views import reasons_by_source, rule_references

    reasons = [
        {"rule_id": "R-HIGH", "text": "UASC child missing", "citation": "HBTH 5.ii", "source": "A"},
        {"rule_id": "R-SCORE", "text": "No guardian", "citation": "HBTH 5.i", "source": "B"},
        {"rule_id": "R-SCORE", "text": "Missing before", "citation": "HBTH 5.i", "source": "B"},
    ]
    groups = reasons_by_source(reasons)
    assert [(g["citation"], [r["text"] for r in g["reasons"]]) for g in groups] == [
        ("HBTH 5.ii", ["UASC child missing"]),
        ("HBTH 5.i", ["No guardian", "Missing before"]),
    ]
    assert [r["rule_id"] for r in rule_references(reasons)] == ["R-HIGH", "R-SCORE"]


def test_the_grade_page_shows_each_source_once_and_rule_ids_only_in_rule_references(
    sw_a, coordinator_a, fake
):
    from tests.factories import create_uasc_child, report_missing

    episode, _ = report_missing(sw_a, create_uasc_child(sw_a, fake))
    client = Client()
    client.force_login(coordinator_a)
    html = client.get(reverse("web:episode-grade", args=[episode.pk])).content.decode()
    outside = re.sub(r"<details.*?</details>", "", html, flags=re.S)
    assert "R-HIGH" not in outside and "R-HIGH" in html
    assert 'data-testid="rule-references"' in html
    sources = re.findall(r'data-testid="reason-source"', html)
    citations = re.findall(r"Source: ([^<]+)<", html)
    assert len(citations) == len(set(citations)) == len(sources) >= 1
