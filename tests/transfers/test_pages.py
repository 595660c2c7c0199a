"""The pages (Django's test client): refer and acknowledge, the timeline, the long-term missing
case on the episode page, and the still-missing list per council and nationally."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import (
    as_viewer,
    create_uasc_child,
    make_council,
    make_user,
    missing_episode,
    record_placement,
)
from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.missing.models import Alert
from visible.transfers import actions
from visible.transfers.models import LongTermCase, NtsTransfer
from visible.transfers.sweep import sweep_transfers

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def date_fields(prefix: str, day: dt.date) -> dict:
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def test_a_council_refers_through_the_page_and_bad_input_names_the_field(sw_a, council_b):
    child = create_uasc_child(sw_a)
    client = signed_in(sw_a)
    page = client.get(f"/children/{child.pk}/")
    assert "National Transfer Scheme transfers" in page.content.decode()
    url = f"/children/{child.pk}/nts-transfers"
    bad = client.post(url, {"to": council_b.pk})
    assert bad.status_code == 200 and "Enter the date of the referral" in bad.content.decode()
    assert not NtsTransfer.objects.exists()
    done = client.post(
        url, {"to": council_b.pk, **date_fields("referred_on", timezone.localdate())}
    )
    transfer = NtsTransfer.objects.get()
    assert done.url == f"/transfers/{transfer.pk}"
    shown = client.get(done.url).content.decode()
    assert "Transfer packet: Dawit Tekle" in shown and "On track" in shown
    assert "Acknowledge the transfer packet" not in shown  # the sender does not acknowledge


def test_the_receiving_council_finds_and_acknowledges_the_packet(sw_a, sw_b, council_b):
    child = create_uasc_child(sw_a)
    transfer = actions.refer(as_viewer(sw_a), child, council_b, timezone.localdate())
    client = signed_in(sw_b)
    inbox = client.get("/alerts/").content.decode()
    assert "National Transfer Scheme transfers" in inbox
    # The alert leads to the packet, not to a record they cannot open yet.
    assert re.search(r'href="/transfers">\s*Dawit Tekle</a>', inbox)
    listed = client.get("/transfers").content.decode()
    assert "Dawit Tekle" in listed
    # The packet, but not the record: the child is not theirs until the arrival.
    assert client.get(f"/children/{child.pk}/").status_code == 404
    client.post(f"/transfers/{transfer.pk}/acknowledge")
    transfer.refresh_from_db()
    assert transfer.council_acknowledged_by_name == "Sw"
    arrived = client.post(
        f"/transfers/{transfer.pk}/arrival", date_fields("arrival-arrived_on", timezone.localdate())
    )
    assert arrived.status_code == 302
    assert client.get(f"/children/{child.pk}/").status_code == 200


def test_an_outsider_cannot_open_a_transfer(sw_a, council_b):
    child = create_uasc_child(sw_a)
    transfer = actions.refer(as_viewer(sw_a), child, council_b, timezone.localdate())
    leeds = make_user("sw.leeds", make_council("E08000035"), Role.SOCIAL_WORKER)
    assert signed_in(leeds).get(f"/transfers/{transfer.pk}").status_code == 404


def test_the_timeline_shows_care_placements_transfers_and_episodes(sw_a, council_b):
    child = create_uasc_child(sw_a)
    record_placement(sw_a, child, "E09000008", timezone.localdate() - dt.timedelta(days=100))
    missing_episode(sw_a, child, hours_ago=30, returned_hours_ago=5)
    actions.refer(as_viewer(sw_a), child, council_b, timezone.localdate())
    page = signed_in(sw_a).get(f"/children/{child.pk}/timeline").content.decode()
    assert "Placed in Croydon" in page
    assert "Referred under the National Transfer Scheme to Kent" in page
    assert "Missing: last seen at West Croydon bus station" in page
    assert "Came back or was found" in page
    assert page.index("Referred under") < page.index("Placed in Croydon")  # newest first


def test_an_episode_open_28_days_shows_its_long_term_case_and_records_what_is_done(sw_a):
    child = create_uasc_child(sw_a, days_in_care=400)
    episode = missing_episode(sw_a, child, hours_ago=24 * 30)
    client = signed_in(sw_a)
    page = client.get(f"/episodes/{episode.pk}/").content.decode()
    assert (
        "Long-term missing case" in page
        and "Not yet referred to the UK Missing Persons Unit" in page
    )
    sweep_transfers()
    assert LongTermCase.objects.filter(episode=episode).exists()
    assert Alert.objects.filter(code="long_term_missing_review", episode=episode).exists()
    today = timezone.localdate()
    bad = client.post(
        f"/episodes/{episode.pk}/long-term/review", date_fields("review-held_on", today)
    )
    assert bad.status_code == 400 and "Say who took part" in bad.content.decode()
    client.post(
        f"/episodes/{episode.pk}/long-term/review",
        {
            **date_fields("review-held_on", today),
            "review-agencies": "Police, social care",
            "review-outcome": "Search widened",
        },
    )
    client.post(
        f"/episodes/{episode.pk}/long-term/ukmpu",
        {**date_fields("ukmpu-referred_on", today), "ukmpu-reference": "UKMPU-9"},
    )
    page = client.get(f"/episodes/{episode.pk}/long-term").content.decode()
    assert "Search widened" in page and "UKMPU-9" in page
    assert not Alert.objects.filter(
        code="long_term_missing_review", resolved_at__isnull=True
    ).exists()


def test_the_still_missing_list_as_at_a_day_with_how_long_and_its_csv(sw_a, make_child):
    long_gone = create_uasc_child(sw_a, days_in_care=900)
    missing_episode(sw_a, long_gone, hours_ago=24 * 400)
    recent = make_child(sw_a, given_names="Sam", family_name="Smith")
    missing_episode(sw_a, recent, hours_ago=24 * 3)
    back = make_child(sw_a, given_names="Ali", family_name="Khan")
    missing_episode(sw_a, back, hours_ago=24 * 50, returned_hours_ago=24 * 10)
    today = timezone.localdate()
    client = signed_in(sw_a)
    page = client.get("/still-missing", date_fields("as_at", today)).content.decode()
    assert "2 still missing" in page
    assert page.index("Dawit Tekle") < page.index("Sam Smith")  # longest first
    assert "1 year, 35 days" in page or "1 year, 34 days" in page or "1 year, 36 days" in page
    assert "Ali Khan" not in page
    # Twenty days ago Ali was still missing, and Sam had not gone yet.
    earlier = client.get("/still-missing", date_fields("as_at", today - dt.timedelta(days=20)))
    assert "Ali Khan" in earlier.content.decode() and "Sam Smith" not in earlier.content.decode()
    csv = client.get("/still-missing", {**date_fields("as_at", today), "format": "csv"})
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("child,name,last seen") and len(lines) == 3
    future = client.get("/still-missing", date_fields("as_at", today + dt.timedelta(days=3)))
    assert "The date must be today or in the past" in future.content.decode()


def test_the_national_table_suppresses_small_counts_and_only_analysts_see_it(sw_a, make_child):
    for n in range(3):
        child = make_child(sw_a, given_names=f"Child{n}")
        missing_episode(sw_a, child, hours_ago=24 * 40)
    body = Organisation.objects.create(name="National body", kind=OrganisationKind.NATIONAL_BODY)
    analyst = make_user("analyst.national", body, Role.ANALYST)
    page = signed_in(analyst).get("/national/still-missing").content.decode()
    assert "Child0" not in page  # counts only
    assert "c" in page and ">3<" not in page
    csv = signed_in(analyst).get("/national/still-missing", {"format": "csv"}).content.decode()
    assert csv.splitlines()[0].startswith("authority,Under 28 days")
    assert signed_in(sw_a).get("/national/still-missing").status_code == 403
