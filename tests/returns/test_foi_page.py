"""The FOI return page for senior managers: the period form, the same numbers as the
downloads, downloads with and without disclosure control, and who may see it (audited)."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from tests.factories import PASSWORD
from tests.returns import register as known
from visible.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PERIOD = {
    "start_0": "1",
    "start_1": "4",
    "start_2": "2024",
    "end_0": "31",
    "end_1": "3",
    "end_2": "2025",
}


def sign_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def text_of(response) -> str:
    html = response.content.decode()
    return (
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
    )


def cells(html: str, testid: str, group: str) -> dict[str, str]:
    table = html[html.index(f'data-testid="{testid}"') :]
    table = table[: table.index("</table>")]
    row = table[table.index(f'data-group="{group}"') :]
    row = row[: row.index("</tr>")]
    return {m: v.strip() for m, v in re.findall(r'data-measure="([a-z0-9_]+)">([^<]*)<', row)}


@pytest.fixture
def register_a(sw_a, fake):
    return known.build(sw_a, fake)


def test_the_page_shows_the_hand_worked_numbers_for_the_chosen_period(
    client, manager_a, register_a
):
    sign_in(client, manager_a)
    response = client.get(reverse("web:foi-return"), PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert cells(html, "foi-counts", "any") == {
        "children": "6",
        "children_missing_or_away": "5",
        "children_missing": "5",
        "children_away": "2",
        "incidents": "7",
        "children_still_missing": "4",
        "children_still_missing_turned_18": "2",
    }
    assert cells(html, "foi-durations", "uasc") == {
        "incidents_under_24_hours": "0",
        "incidents_1_to_7_days": "0",
        "incidents_over_7_days": "1",
        "incidents_still_missing": "2",
        "incidents_returned_themselves": "0",
        "incidents_found": "1",
    }
    page = text_of(response)
    assert "1 April 2024 to 31 March 2025" in page
    assert "10 days 23 h" in page  # Fay's 263 hours across the start of the period
    event = AuditEvent.objects.filter(action="count", object_type="foi_return").latest("seq")
    assert event.actor_username == "manager.a"


def test_published_view_shows_c_and_the_breakdown_follows_the_chosen_group(
    client, manager_a, register_a
):
    sign_in(client, manager_a)
    response = client.get(
        reverse("web:foi-return"), PERIOD | {"suppress": "on", "group": "uasc_or_separated"}
    )
    html = response.content.decode()
    assert cells(html, "foi-counts", "any")["children_missing_or_away"] == "c"
    assert cells(html, "foi-counts", "unaccompanied")["children"] == "0"
    breakdown = html[html.index('data-testid="foi-breakdown-incidents-nationality"') :]
    assert (
        "UASC or separated (including unaccompanied): incidents of missing or away"
        in breakdown[:400]
    )
    assert "Eritrea" in breakdown[: breakdown.index("</table>")]


def test_the_default_period_is_the_last_complete_year_and_errors_name_the_field(client, manager_a):
    sign_in(client, manager_a)
    assert "April" in text_of(client.get(reverse("web:foi-return")))
    response = client.get(reverse("web:foi-return"), PERIOD | {"end_2": "2023"})
    page = text_of(response)
    assert "The last day of the period must be the same as or after its first day" in page
    assert 'href="#id_end_0"' in response.content.decode()
    response = client.get(reverse("web:foi-return"), PERIOD | {"start_1": "13"})
    assert "The first day of the period must be a real date" in text_of(response)


def test_each_download_holds_the_same_numbers_and_is_audited(client, manager_a, register_a):
    sign_in(client, manager_a)
    page = client.get(reverse("web:foi-return"), PERIOD).content.decode()
    links = re.findall(r'href="([^"]*/returns/foi/download\?[^"]*)"', page)
    assert len(links) == 6
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith(
            'attachment; filename="foi-return-E09000008-20240401-20250331-'
        )
    published = client.get(
        reverse("web:foi-return-download"),
        {"start": "2024-04-01", "end": "2025-03-31", "format": "json", "suppress": "on"},
    )
    document = json.loads(published.content)
    assert document["disclosure_control"]["applied"] and document["counts"]["any"]["incidents"] == 7
    exports = AuditEvent.objects.filter(action="export", object_type="foi_return")
    assert exports.count() == 7
    assert exports.filter(summary__contains="unsuppressed").count() == 3


def test_a_broken_download_link_says_what_is_wrong(client, manager_a):
    sign_in(client, manager_a)
    response = client.get(
        reverse("web:foi-return-download"), {"start": "2024-04-01", "format": "pdf"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "end:" in body and "format:" in body and "use its download links" in body


def test_social_workers_are_refused_and_audited(client, sw_a):
    sign_in(client, sw_a)
    assert client.get(reverse("web:foi-return")).status_code == 403
    assert (
        client.get(
            reverse("web:foi-return-download"),
            {"start": "2024-04-01", "end": "2025-03-31", "format": "csv"},
        ).status_code
        == 403
    )
    denied = AuditEvent.objects.filter(action="denied", object_type="foi_return")
    assert list(denied.values_list("actor_username", flat=True)) == ["sw.a", "sw.a"]


def test_another_councils_manager_sees_only_their_own_authoritys_return(
    client, manager_b, register_a
):
    sign_in(client, manager_b)
    response = client.get(reverse("web:foi-return"), PERIOD)
    assert "Kent (E10000016)" in text_of(response)
    assert (
        cells(response.content.decode(), "foi-counts", "any")["children"] == "0"
    )  # Croydon's children are not Kent's


def test_the_page_answers_the_2024_request_by_calendar_year_and_downloads_it(
    client, manager_a, register_a
):
    """The hand-worked register for 1/1/2024 to 31/3/2025 (tests/returns/test_foi_2024.py,
    without Lin): 2024 is a calendar year, January to March 2025 a part year."""
    sign_in(client, manager_a)
    period = {"start_0": "1", "start_1": "1", "start_2": "2024"} | {
        "end_0": "31",
        "end_1": "3",
        "end_2": "2025",
    }
    response = client.get(reverse("web:foi-return"), period | {"edition": "2024"})
    html = response.content.decode()
    page = text_of(response)
    assert "The 2024 request: 1 January 2024 to 31 March 2025" in page
    assert "1 January 2025 to 31 March 2025 (part year)" in page
    first = html.split('data-testid="foi-2024-period"')[1]
    row = re.search(r'data-group="uasc_or_separated".*?</tr>', first, re.S).group(0)
    cells = re.findall(r'data-measure="(\w+)">([^<]*)<', row)
    assert cells == [
        ("children", "4"),  # Dan, Eve, Fay, Gus
        ("children_missing_or_absent", "4"),
        ("incidents_missing_or_absent", "4"),
        ("children_still_missing", "2"),
    ]
    link = re.search(r'href="([^"]*format=json&amp;edition=2024)"', html).group(1)
    document = json.loads(client.get(link.replace("&amp;", "&")).content)
    assert document["schema_version"] == "2.0.0"
    assert document["periods"][0]["counts"]["uasc_or_separated"]["children"] == 4
    assert AuditEvent.objects.filter(
        action="export", object_type="foi_return", detail__contains='"edition":"2024"'
    ).exists()
