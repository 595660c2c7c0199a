"""Shared fixtures: two councils (A: Croydon, B: Kent) with their staff, and a factory for
children built through the same actions the web pages use."""

from __future__ import annotations

import datetime as dt
import os
import socket

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from faker import Faker

from visible.agencies.models import Membership, Organisation, OrganisationKind, Role
from visible.agencies.viewer import Viewer, viewer_for
from visible.dates import years_before
from visible.reference.models import Authority

COUNCIL_A_CODE = "E09000008"  # Croydon
COUNCIL_B_CODE = "E10000016"  # Kent
PASSWORD = "test-password-123"

# `VISIBLE_FROZEN_AT=2028-02-29T12:00:00+00:00 pytest ...` runs the suite as if that moment
# were now (the clock still moves on from it), so a test that passes only this month shows.
# It starts before collection, so module-level dates in the tests are frozen too. `.ci/run`
# runs the date-sensitive tests at the awkward moments listed in `tests/frozen_dates.txt`.
FROZEN_AT = os.environ.get("VISIBLE_FROZEN_AT", "").strip()
_freezer = None


def pytest_configure(config):
    global _freezer
    if FROZEN_AT:
        from freezegun import freeze_time

        _freezer = freeze_time(FROZEN_AT, tick=True)
        _freezer.start()


def pytest_unconfigure(config):
    if _freezer is not None:
        _freezer.stop()


def pytest_report_header(config):
    if FROZEN_AT:
        return f"clock frozen at {FROZEN_AT} (VISIBLE_FROZEN_AT), ticking on from there"


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Tests never reach beyond this machine."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")
        ):
            raise RuntimeError(f"Test tried to reach the network: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def make_council(code: str) -> Organisation:
    authority = Authority.objects.get(code=code)
    organisation, _ = Organisation.objects.get_or_create(
        authority=authority,
        defaults={
            "name": f"{authority.name} children's services",
            "kind": OrganisationKind.COUNCIL,
        },
    )
    return organisation


def make_user(username: str, organisation: Organisation, role: str):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, first_name=username.split(".")[0].title()
    )
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def council_a(db) -> Organisation:
    return make_council(COUNCIL_A_CODE)


@pytest.fixture
def council_b(db) -> Organisation:
    return make_council(COUNCIL_B_CODE)


@pytest.fixture
def sw_a(council_a):
    return make_user("sw.a", council_a, Role.SOCIAL_WORKER)


@pytest.fixture
def manager_a(council_a):
    return make_user("manager.a", council_a, Role.SENIOR_MANAGER)


@pytest.fixture
def coordinator_a(council_a):
    return make_user("coordinator.a", council_a, Role.MISSING_COORDINATOR)


@pytest.fixture
def sw_b(council_b):
    return make_user("sw.b", council_b, Role.SOCIAL_WORKER)


@pytest.fixture
def manager_b(council_b):
    return make_user("manager.b", council_b, Role.SENIOR_MANAGER)


def as_viewer(user) -> Viewer:
    return viewer_for(user)


@pytest.fixture
def fake() -> Faker:
    generator = Faker("en_GB")
    generator.seed_instance(20161)
    return generator


def child_values(fake: Faker, **overrides) -> dict:
    today = timezone.localdate()
    values = {
        "given_names": fake.first_name(),
        "family_name": fake.last_name(),
        "date_of_birth": years_before(today, 16) - dt.timedelta(days=40),
        "dob_basis": "claimed",
        "sex": "M",
        "gender": "boy",
        "nationality": "VNM",
        "first_language": "vie",
        "other_languages": [],
        "interpreter_needed": True,
        "looked_after_from": today - dt.timedelta(days=200),
        "legal_status": "V2",
    }
    values.update(overrides)
    return values


@pytest.fixture
def make_child(fake):
    """make_child(user, **fields) -> Child, created through children.actions.create_child."""
    from visible.children import actions

    def _make(user, other_names=(), **overrides):
        return actions.create_child(
            as_viewer(user), child_values(fake, **overrides), list(other_names)
        )

    return _make


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Counts kept in the cache (API rate limits, password reset limits) start at zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
