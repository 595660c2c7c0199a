"""Shared fixtures: two councils (A: Croydon, B: Kent) with their staff, and children made
through the same actions the web pages use. The helpers behind them are in tests/factories.py,
which is what test modules import (never this file)."""

from __future__ import annotations

import os
import socket

import pytest
from faker import Faker

from tests import factories
from tests.factories import COUNCIL_A_CODE, COUNCIL_B_CODE, make_council, make_user
from visible.agencies.models import Organisation, Role

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


# With the clock frozen, the tests it cannot reach or that hold no date are left out (and
# counted as deselected): `real_clock`, whose work runs in another process on the machine's
# own clock (a server, the worker, `visible setup`), and `timeless`, which read code,
# settings or files. Every other test runs at each of the awkward moments.
NOT_FROZEN = ("real_clock", "timeless")


def pytest_collection_modifyitems(config, items):
    if not FROZEN_AT:
        return
    kept, left_out = [], []
    for item in items:
        (left_out if any(item.get_closest_marker(m) for m in NOT_FROZEN) else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


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


@pytest.fixture
def fake() -> Faker:
    return factories.fake_people()


@pytest.fixture
def make_child(fake):
    """make_child(user, other_names=(), **fields) -> Child, through children.actions.create_child
    (factories.create_child with this test's `fake`, so each child has its own name)."""

    def _make(user, other_names=(), **overrides):
        return factories.create_child(user, fake, other_names, **overrides)

    return _make


@pytest.fixture
def uasc_child(sw_a, fake):
    """Dawit Tekle, an unaccompanied asylum-seeking child of council A, in care 200 days."""
    return factories.create_uasc_child(sw_a, fake)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Counts kept in the cache (API rate limits, password reset limits) start at zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
