"""The API and the web pages answer alike, because they ask the same policy functions: for
each kind of viewer (the responsible council, the host council, another council, the police
force a child is reported missing to, another force), opening the child, the episode and the
grab pack through the API succeeds exactly where the web page does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from faker import Faker

from tests.factories import (
    as_viewer,
    bearer,
    child_input,
    make_api_client,
    make_council,
    make_user,
    missing_episode,
)
from visible.agencies.models import Organisation, Role
from visible.children import actions as register
from visible.children.inputs import PlacementInput
from visible.reference.models import Authority
from visible.sharing import actions as sharing_actions


@pytest.fixture
def scene(council_a, council_b, sw_a):
    """Council A's child, placed in council B's area and reported missing to Kent Police."""
    kent = Authority.objects.get(code="E10000016")
    viewer = as_viewer(sw_a)
    today = timezone.localdate()
    child = register.create_child(viewer, child_input(Faker("en_GB")))
    sharing_actions.record_placement(
        viewer,
        child,
        PlacementInput(place_code="U1", start_date=today - dt.timedelta(days=10), authority=kent),
    )
    police = Organisation.objects.get(name="Kent Police")
    episode = missing_episode(sw_a, child, force=police, last_seen_place="Maidstone")
    return child, episode


VIEWERS = [  # (label, organisation name or fixture, role, opens: child record, episode, grab pack)
    ("responsible council", "council_a", Role.SOCIAL_WORKER, (True, True, True)),
    ("host council", "council_b", Role.SOCIAL_WORKER, (True, True, True)),
    (
        "police force reported to",
        "Kent Police",
        Role.POLICE_OFFICER,
        (True, True, False),
    ),  # pack not shared
    ("another force", "Essex Police", Role.POLICE_OFFICER, (False, False, False)),
    ("another council", "other_council", Role.SOCIAL_WORKER, (False, False, False)),
]


@pytest.mark.parametrize(
    ("label", "organisation", "role", "opens"), VIEWERS, ids=[v[0] for v in VIEWERS]
)
def test_api_opens_what_the_web_opens(request, scene, label, organisation, role, opens):
    child, episode = scene
    if organisation == "other_council":
        org = make_council("E08000025")  # Birmingham
    elif organisation.startswith("council_"):
        org = request.getfixturevalue(organisation)
    else:
        org = Organisation.objects.get(name=organisation)
    person = make_user(f"person.{org.pk}", org, role)
    browser = Client()
    browser.force_login(person)
    system = bearer(make_api_client(org, role=role, name="System").secret)
    pairs = [
        (f"/children/{child.pk}/", f"/api/v1/children/{child.pk}"),
        (f"/episodes/{episode.pk}/", f"/api/v1/episodes/{episode.pk}"),
        (f"/episodes/{episode.pk}/grab-pack", f"/api/v1/episodes/{episode.pk}/grab-pack"),
    ]
    for (page, endpoint), expected in zip(pairs, opens, strict=True):
        web, api = browser.get(page).status_code, system.get(endpoint).status_code
        assert (web == 200) == (api == 200) == expected, (
            f"{label}: {page} answered {web}, {endpoint} answered {api}"
        )
        assert web in (200, 404) and api in (200, 404)
