"""Wrong passwords and codes sent all at once, as a script would: an attempt is reserved (and
counted) before the password or code is checked, so however many arrive together at most the
limit are ever checked. Counted where it matters: how often the password hasher and the code
check actually ran. On SQLite (one writer at a time, WAL) and PostgreSQL (row locks)."""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connections
from django.test import Client, override_settings
from django.urls import reverse

from tests.connections import make_room_for
from tests.factories import PASSWORD
from tests.security.totp import give_authenticator
from visible.security import second_factor

concurrent_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)
# Fifty threads hold fifty database connections at once: the modules that do this run on one
# test worker, one after the other, so that together they stay under PostgreSQL's 100.
pytestmark = pytest.mark.xdist_group("fifty-connections")

BURST = 50
LIMIT = 5
# An attack from many addresses is slowed (not locked) for the account: a long first delay here
# so that the whole burst falls inside it, however slowly this machine runs the threads.
SLOW = {"VISIBLE_SIGN_IN_SLOWDOWN": 600, "VISIBLE_SIGN_IN_SLOWDOWN_MAX": 600}


def address(n: int, many: bool) -> str:
    return f"203.0.113.{n + 1}" if many else "192.0.2.10"


def burst(clients: list[tuple[Client, str]], url: str, data: dict) -> list[int]:
    """Every client posts at the same moment; returns the status codes."""
    make_room_for(len(clients))
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []
    errors: list[BaseException] = []

    def run(client: Client, ip: str):
        try:
            barrier.wait(timeout=30)
            codes.append(client.post(url, data, REMOTE_ADDR=ip).status_code)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=pair) for pair in clients]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors
    assert len(codes) == len(clients)
    return codes


@pytest.fixture
def hasher_checks(monkeypatch) -> list[int]:
    """How many passwords the hasher checked. Each check takes a little while, as argon2's
    does, which is when a check-then-count throttle lets a crowd through."""
    checks: list[int] = []
    real = MD5PasswordHasher.verify

    def verify(self, password, encoded):
        checks.append(1)
        time.sleep(0.05)
        return real(self, password, encoded)

    monkeypatch.setattr(MD5PasswordHasher, "verify", verify)
    return checks


@pytest.fixture
def code_checks(monkeypatch) -> list[int]:
    checks: list[int] = []
    real = second_factor.verify

    def verify(device, code, at=None):
        checks.append(1)
        time.sleep(0.05)
        return real(device, code, at)

    monkeypatch.setattr(second_factor, "verify", verify)
    return checks


@concurrent_db
@override_settings(VISIBLE_SIGN_IN_MAX_FAILURES=LIMIT, **SLOW)
@pytest.mark.parametrize("many", [False, True], ids=["one address", "many addresses"])
def test_fifty_wrong_passwords_at_once_at_most_the_limit_are_checked(sw_a, hasher_checks, many):
    clients = [(Client(), address(n, many)) for n in range(BURST)]
    codes = burst(
        clients, reverse("web:sign-in"), {"username": "sw.a", "password": "not-the-password"}
    )
    assert len(hasher_checks) <= LIMIT, f"{len(hasher_checks)} passwords checked"
    assert codes.count(429) >= BURST - LIMIT
    # and the owner's right password is refused too, from those addresses, without being checked
    before = len(hasher_checks)
    again = Client().post(
        reverse("web:sign-in"),
        {"username": "sw.a", "password": PASSWORD},
        REMOTE_ADDR=address(BURST + 1 if many else 0, many),
    )
    assert again.status_code == 429 and len(hasher_checks) == before


@concurrent_db
@override_settings(VISIBLE_SIGN_IN_MAX_FAILURES=LIMIT, **SLOW)
@pytest.mark.parametrize("many", [False, True], ids=["one address", "many addresses"])
def test_fifty_wrong_codes_at_once_at_most_the_limit_are_checked(sw_a, code_checks, many):
    give_authenticator(sw_a)
    clients = []
    for n in range(BURST):  # fifty half-done sign-ins: the right password, then a code to guess
        client = Client()
        response = client.post(
            reverse("web:sign-in"),
            {"username": "sw.a", "password": PASSWORD},
            REMOTE_ADDR=address(n, many),
        )
        assert response.status_code == 302 and response["Location"] == reverse("web:second-factor")
        clients.append((client, address(n, many)))
    codes = burst(clients, reverse("web:second-factor"), {"code": "000000"})
    assert len(code_checks) <= LIMIT, f"{len(code_checks)} codes checked"
    assert codes.count(429) >= BURST - LIMIT
