"""The arrival checklist's pages and the placement form's refusal, through the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, as_viewer
from visible.children import actions
from visible.children.models import ArrivalItemDone, Placement, PlacementRefusal
from visible.dates import years_before

pytestmark = pytest.mark.django_db


@pytest.fixture
def arriving(sw_a, make_child):
    today = timezone.localdate()
    child = make_child(
        sw_a,
        date_of_birth=years_before(today, 14),
        looked_after_from=today - dt.timedelta(days=2),
        given_names="Yonas",
        family_name="Haile",
    )
    actions.record_flag(
        as_viewer(sw_a), child, "uasc", today - dt.timedelta(days=2), "Found at a service station"
    )
    return child


@pytest.fixture
def client_a(client, sw_a):
    assert client.login(username=sw_a.username, password=PASSWORD)
    return client


def _arrived(moment: dt.datetime) -> dict:
    return {
        "arrived_date_0": moment.day,
        "arrived_date_1": moment.month,
        "arrived_date_2": moment.year,
        "arrived_time": f"{moment:%H:%M}",
    }


def _due(arrived: dt.datetime, hours: int) -> str:
    due = timezone.localtime(
        arrived.replace(second=0, microsecond=0).astimezone(dt.UTC) + dt.timedelta(hours=hours)
    )
    return f"Due by {due:%H:%M} on {due.day} {due:%B %Y}"


def test_the_checklist_is_open_on_the_record_and_asks_when_the_child_arrived(client_a, arriving):
    record = client_a.get(reverse("web:child", args=[arriving.pk])).content.decode()
    assert "0 of 7 steps of the first 72 hours done" in record
    page = client_a.get(reverse("web:child-arrival", args=[arriving.pk])).content.decode()
    began = arriving.looked_after_from
    assert (
        "its clock runs from the start of "
        f"{began.day} {began:%B %Y}, the day they became looked after" in page
    )
    # From midnight two days ago, the 24- and 48-hour steps are all overdue.
    assert "0 of 7 done, 4 overdue" in page
    url = reverse("web:child-arrival-time", args=[arriving.pk])
    assert "Record when the child arrived" in page and url in page
    future = timezone.localtime(timezone.now() + dt.timedelta(hours=2))
    response = client_a.post(url, _arrived(future))
    assert "must be now or in the past" in response.content.decode()
    arrived = timezone.localtime(timezone.now() - dt.timedelta(hours=2))
    response = client_a.post(url, _arrived(arrived))
    assert response.status_code == 302
    page = client_a.get(reverse("web:child-arrival", args=[arriving.pk])).content.decode()
    assert "0 of 7 done" in page and "overdue" not in page
    assert _due(arrived, 24) in page and "Record when the child arrived" not in page
    history = client_a.get(reverse("web:child-history", args=[arriving.pk])).content.decode()
    assert f"Arrival checklist: the child arrived at {arrived:%d/%m/%Y %H:%M}" in history


def test_a_child_recorded_after_their_first_week_has_the_checklist_started_by_hand(
    client_a, sw_a, make_child
):
    today = timezone.localdate()
    child = make_child(sw_a, looked_after_from=today - dt.timedelta(days=10))
    actions.record_flag(as_viewer(sw_a), child, "separated", today, "Aunt left the country")
    record = client_a.get(reverse("web:child", args=[child.pk])).content.decode()
    assert "no arrival checklist yet" in record
    page = client_a.get(reverse("web:child-arrival", args=[child.pk])).content.decode()
    assert "Start the arrival checklist" in page
    arrived = timezone.localtime(timezone.now() - dt.timedelta(hours=2))
    response = client_a.post(reverse("web:child-arrival-start", args=[child.pk]), _arrived(arrived))
    assert response.status_code == 302
    page = client_a.get(reverse("web:child-arrival", args=[child.pk])).content.decode()
    assert _due(arrived, 24) in page and "0 of 7 done" in page


def test_an_item_is_done_with_who_and_when_and_bad_input_changes_nothing(client_a, sw_a, arriving):
    now = timezone.now()
    actions.record_arrival_time(
        as_viewer(sw_a), arriving.arrivals.get(), now - dt.timedelta(hours=30), now
    )
    url = reverse("web:child-arrival-item", args=[arriving.pk, "grab_pack"])
    done = timezone.localtime(now - dt.timedelta(hours=1))
    fields = {
        "done_date_0": done.day,
        "done_date_1": done.month,
        "done_date_2": done.year,
        "done_time": "25:99",
        "note": "Photo taken; description written with the carer",
    }
    response = client_a.post(url, fields)
    assert "24-hour clock" in response.content.decode()
    assert not ArrivalItemDone.objects.exists()
    response = client_a.post(url, fields | {"done_time": f"{done:%H:%M}"})
    assert response.status_code == 302
    page = client_a.get(reverse("web:child-arrival", args=[arriving.pk])).content.decode()
    assert "1 of 7 done, 2 overdue" in page
    assert f"Done at {done:%H:%M}" in page and "by Sw" in page
    history = client_a.get(reverse("web:child-history", args=[arriving.pk])).content.decode()
    assert "Arrival checklist: make the grab pack ready" in history


def test_a_hotel_placement_for_a_14_year_old_is_refused_and_shown(client_a, arriving):
    today = timezone.localdate()
    response = client_a.post(
        reverse("web:placement-add", args=[arriving.pk]),
        {
            "place_code": "Z11",
            "detail": "hotel",
            "start_date_0": today.day,
            "start_date_1": today.month,
            "start_date_2": today.year,
            "authority": arriving.responsible_organisation.authority_id,
            "provider": "Harbour Hotel",
        },
    )
    assert response.status_code == 200
    assert "A child under 16 cannot be placed in a hotel" in response.content.decode()
    assert not Placement.objects.filter(child=arriving).exists()
    assert PlacementRefusal.objects.filter(child=arriving).count() == 1
    record = client_a.get(reverse("web:child", args=[arriving.pk])).content.decode()
    assert "Placements refused" in record and "Harbour Hotel" in record
    history = client_a.get(reverse("web:child-history", args=[arriving.pk])).content.decode()
    assert "Placement refused: Z11 (hotel)" in history
