"""The tolerant name search says which name matched and ranks the best match first (issue 16,
point 10): a search for "Muhamad" finds dozens of children; each row shows the name or other
name (alias, other spelling) that matched, with the matching words in <mark>, the date of
birth (namesakes are told apart by it, not by their age) and the current placement; exact
matches come before matches of a name's start, and those before tolerant matches."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import COUNCIL_B_CODE, as_viewer, record_placement
from visible.children.queries import ChildFilters, find_children, name_matches

pytestmark = pytest.mark.django_db


def test_exact_before_prefix_before_tolerant_however_similar():
    rows = [
        (1, "muhammad rahimi"),  # tolerant: one letter more, Jaro-Winkler 0.97
        (2, "muhamadou diallo"),  # the query is the start of this name
        (3, "muhamad karimi"),  # exact
        (4, "mohamed ali"),  # tolerant: the same consonant outline
    ]
    ranked = name_matches(rows, "Muhamad")
    assert [m.pk for m in ranked] == [3, 2, 1, 4]
    assert ranked[0].tokens == frozenset({"muhamad"})
    assert ranked[1].tokens == frozenset({"muhamadou"})


@pytest.fixture
def muhamads(sw_a, make_child):
    return {
        "alias": make_child(
            sw_a,
            given_names="Reza",
            family_name="Rahimi",
            date_of_birth=dt.date(2009, 3, 2),
            other_names=[("Muhamad Rahimi", "alias")],
        ),
        "tolerant": make_child(
            sw_a, given_names="Muhammad", family_name="Noori", date_of_birth=dt.date(2010, 1, 9)
        ),
        "exact": make_child(
            sw_a, given_names="Muhamad", family_name="Karimi", date_of_birth=dt.date(2010, 5, 14)
        ),
        "prefix": make_child(
            sw_a,
            given_names="Muhamadou",
            family_name="Diallo",
            date_of_birth=dt.date(2011, 7, 30),
        ),
    }


def test_each_child_found_says_which_name_matched(sw_a, muhamads):
    result = find_children(as_viewer(sw_a), ChildFilters(q="muhamad"))
    order = [c.pk for c in result.children]
    exact_ones = {muhamads["exact"].pk, muhamads["alias"].pk}
    assert set(order[:2]) == exact_ones
    assert order[2:] == [muhamads["prefix"].pk, muhamads["tolerant"].pk]

    alias = result.matches[muhamads["alias"].pk]
    assert (alias.kind, alias.text, alias.on_main_name) == (
        "alias or name used",
        "Muhamad Rahimi",
        False,
    )
    assert alias.parts == (("Muhamad", True), (" Rahimi", False))
    exact = result.matches[muhamads["exact"].pk]
    assert exact.on_main_name and exact.parts == (("KARIMI, ", False), ("Muhamad", True))
    prefix = result.matches[muhamads["prefix"].pk]
    assert prefix.parts == (("DIALLO, ", False), ("Muhamadou", True))


def test_an_identifier_that_matched_is_named(sw_a, make_child):
    child = make_child(sw_a, home_office_ref="T7654321")
    result = find_children(as_viewer(sw_a), ChildFilters(q="t7654321"))
    assert [c.pk for c in result.children] == [child.pk]
    matched = result.matches[child.pk]
    assert (matched.kind, matched.text, matched.on_main_name) == (
        "Home Office reference",
        "T7654321",
        False,
    )


def test_a_host_council_sees_no_alias_matched(sw_a, sw_b, muhamads):
    """The host council's limited view shows no other names: the alias neither matches nor
    shows (access.register.searchable)."""
    record_placement(
        sw_a, muhamads["alias"], COUNCIL_B_CODE, timezone.localdate() - dt.timedelta(days=10)
    )
    result = find_children(as_viewer(sw_b), ChildFilters(q="muhamad"))
    assert muhamads["alias"].pk not in [c.pk for c in result.children]


def _main(html: str) -> str:
    return html[html.index("<main") :]


def test_the_list_marks_the_matched_name_and_shows_date_of_birth_and_placement(
    client, sw_a, muhamads
):
    record_placement(
        sw_a, muhamads["exact"], COUNCIL_B_CODE, timezone.localdate() - dt.timedelta(days=10)
    )
    client.force_login(sw_a)
    html = _main(client.get(reverse("web:children"), {"q": "Muhamad"}).content.decode())
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))
    assert "KARIMI, <mark>Muhamad</mark>" in html
    assert "Matched alias or name used: <mark>Muhamad</mark> Rahimi" in unescape(html)
    assert "DIALLO, <mark>Muhamadou</mark>" in html
    assert "Date of birth" in text and "14 May 2010" in text and "2 March 2009" in text
    assert "U4: Foster placement with other foster carer: long term, Kent" in text
    rows = re.findall(r'data-testid="child-row".*?</tr>', html, flags=re.S)
    assert len(rows) == 4
    assert "Muhammad" in rows[3] and "Muhamadou" in rows[2]


def test_the_api_says_which_name_matched(sw_a, muhamads, council_a):
    from tests.factories import bearer, make_api_client

    client = bearer(make_api_client(council_a).secret)
    body = client.get("/api/v1/children", {"q": "Muhamad"}).json()
    by_id = {r["id"]: r for r in body["results"]}
    assert [r["id"] for r in body["results"]][2:] == [
        muhamads["prefix"].pk,
        muhamads["tolerant"].pk,
    ]
    assert by_id[muhamads["alias"].pk]["matched"] == {
        "kind": "alias or name used",
        "text": "Muhamad Rahimi",
        "matched_words": ["Muhamad"],
    }
    assert by_id[muhamads["tolerant"].pk]["matched"]["matched_words"] == ["Muhammad"]
