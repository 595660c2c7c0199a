"""One name for one thing (issue 16, point 13): each page of the Returns section is called the
same in the section's list, its title, its h1 and its breadcrumbs; and a council's national
returns page says a year it has not answered is "Not answered yet", tagged "Overdue" once its
deadline has passed, never a status nobody gave."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, as_viewer, make_user
from visible.agencies.models import Membership, Organisation, OrganisationKind, Role
from visible.national import actions
from visible.national.models import RequestStatus

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _h1(html: str) -> str:
    return _text(re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1))


def _title(html: str) -> str:
    return _text(re.search(r"<title>(.*?)</title>", html, re.S).group(1))


def test_every_return_is_called_the_same_in_the_list_its_title_its_h1_and_breadcrumbs(
    client, manager_a
):
    client.login(username=manager_a.username, password=PASSWORD)
    children = client.get(reverse("web:children")).content.decode()
    assert f'href="{reverse("web:returns")}"' in children, "no Returns section in the navigation"
    section = client.get(reverse("web:returns")).content.decode()
    entries = re.findall(
        r'<a class="govuk-link" href="([^"]+)">([^<]+)</a>',
        section.split('data-testid="returns"')[1],
    )
    names = [name for _, name in entries]
    assert names == [
        "Import an SSDA903 return",
        "FOI return",
        "Partnership annual reports",
        "National returns",
    ]
    for href, name in entries:
        page = client.get(href).content.decode()
        assert _h1(page) == name, f"{href}: h1 {_h1(page)!r}, called {name!r} in Returns"
        assert _title(page) == f"{name} – Visible", f"{href}: title {_title(page)!r}"
        crumbs = page.split('class="govuk-breadcrumbs"')[1].split("</nav>")[0]
        assert f'href="{reverse("web:returns")}"' in crumbs and ">Returns<" in crumbs
        # No other name for the same thing on its page.
        assert "data request, answered" not in page and "National collections" not in page


@pytest.fixture
def national_requests(council_a):
    body = Organisation.objects.create(
        name="National body (synthetic)", kind=OrganisationKind.NATIONAL_BODY
    )
    analyst = as_viewer(make_user("analyst.national", body, Role.ANALYST))
    today = timezone.localdate()
    past = actions.open_collection(
        analyst,
        "Missing children, last year",
        dt.date(2023, 9, 1),
        dt.date(2024, 8, 31),
        today - dt.timedelta(days=1),
    )
    current = actions.open_collection(
        analyst,
        "Missing children, this year",
        dt.date(2024, 9, 1),
        dt.date(2025, 8, 31),
        today + dt.timedelta(days=30),
    )
    return past, current


def _row(page: str, name: str) -> str:
    row = next(r for r in page.split("<tr") if name in r)
    return _text("<tr" + row.split("</tr>")[0])


def test_a_year_not_answered_says_so_and_is_overdue_after_its_deadline(
    client, manager_a, national_requests
):
    client.login(username=manager_a.username, password=PASSWORD)
    page = client.get(reverse("web:national-council")).content.decode()
    late = _row(page, "Missing children, last year")
    assert "Not answered yet" in late and "Overdue" in late, late
    waiting = _row(page, "Missing children, this year")
    assert "Not answered yet" in waiting and "Overdue" not in waiting, waiting


def test_a_status_the_national_body_recorded_says_who_recorded_it(
    client, manager_a, national_requests
):
    past, _ = national_requests
    request = past.requests.get(authority__code="E09000008")
    analyst = as_viewer(Membership.objects.get(role=Role.ANALYST).user)
    actions.set_status(analyst, request, RequestStatus.NO_SUCH_CHILDREN, "")
    client.login(username=manager_a.username, password=PASSWORD)
    row = _row(client.get(reverse("web:national-council")).content.decode(), "last year")
    assert "Not answered yet" not in row
    assert "No such children, recorded by the national body" in row, row
    assert "Overdue" not in row
