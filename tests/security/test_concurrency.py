"""Sign-in state lives in the database, so it holds across processes: two requests racing with
the same code (a replay from a second browser or server process) sign in once; failures sent
at the same moment are let in no more than the limit, and those are counted."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.test import override_settings

from tests.connections import make_room_for
from tests.security.totp import give_authenticator
from visible.security import second_factor, throttle
from visible.security.models import FailedSignIn, Lockout, TotpDevice

concurrent_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)
# Fifty threads hold fifty database connections at once: the modules that do this run on one
# test worker, one after the other, so that together they stay under PostgreSQL's 100.
pytestmark = pytest.mark.xdist_group("fifty-connections")


def race(count: int, work) -> tuple[list, list[BaseException]]:
    make_room_for(count)
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(work())
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run) for _ in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return results, errors


@concurrent_db
def test_one_code_sent_twice_at_once_is_accepted_once(sw_a):
    secret = give_authenticator(sw_a)
    code = second_factor.current_code(secret)
    results, errors = race(4, lambda: second_factor.verify(TotpDevice.objects.get(user=sw_a), code))
    assert not errors, errors
    assert sorted(results) == [False, False, False, True]


@concurrent_db
@override_settings(
    VISIBLE_SIGN_IN_MAX_FAILURES=4, VISIBLE_SIGN_IN_SLOWDOWN=600, VISIBLE_SIGN_IN_SLOWDOWN_MAX=600
)
def test_attempts_at_the_same_moment_at_most_the_limit_are_let_in_and_all_of_those_counted(sw_a):
    """The throttle's own answer, without the pages: fifty attempts reserved at once (one
    address), four let in; each of those fails; the account is locked from that address."""

    def attempt():
        reserved = throttle.begin("sw.a", "192.0.2.50", "password")
        if reserved.refused:
            return "refused"
        throttle.failed(reserved)
        return "checked"

    results, errors = race(50, attempt)
    assert not errors, errors
    assert results.count("checked") == 4 and results.count("refused") == 46
    assert FailedSignIn.objects.filter(username="sw.a", checking=False).count() == 4
    assert (
        Lockout.objects.filter(scope="account_ip", key="sw.a", ip_address="192.0.2.50").count() == 1
    )
    assert throttle.refusal("sw.a", "192.0.2.50") is not None
    assert throttle.refusal("sw.a", "198.51.100.7") is not None  # and slowed from elsewhere
