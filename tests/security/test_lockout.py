"""Login throttling: too many wrong passwords or codes for one username, or from one address,
and further attempts are refused for a while, with words that do not say whether the account
exists. An administrator can unlock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from tests.factories import PASSWORD
from tests.security.signing_in import (
    ELSEWHERE,
    OFFICE,
    code_step,
    is_signed_in,
    page_text,
    password_step,
    sign_in,
)
from tests.security.totp import fresh_code
from visible.audit.log import verify
from visible.audit.models import AuditEvent
from visible.cli import main as visible

pytestmark = pytest.mark.django_db

LOCKED = "There have been too many attempts to sign in. Wait 15 minutes, then try again"
WRONG = "Enter a correct username and password"


def fail_passwords(client, username: str, times: int, ip: str = OFFICE):
    response = None
    for _ in range(times):
        response = password_step(client, username, "not-the-password", ip=ip)
    return response


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(client, enrolled):
    fourth = fail_passwords(client, "sw.a", 4)
    assert WRONG in page_text(fourth) and fourth.status_code == 200
    fifth = password_step(client, "sw.a", "not-the-password")
    assert fifth.status_code == 429 and LOCKED in page_text(fifth)
    assert "Error: Sign in" in page_text(fifth)  # the page title says there is a problem

    right = password_step(client, "sw.a", PASSWORD)
    assert right.status_code == 429 and LOCKED in page_text(right)
    assert not is_signed_in(client)
    lockout = AuditEvent.objects.get(action="sign_in_lockout")
    assert lockout.summary == (
        f"Sign-in locked for account 'sw.a' from client address {OFFICE} after 5 failed attempts; "
        "attempts at it from addresses it has not signed in from are slowed"
    )


def test_a_lockout_looks_the_same_for_an_account_that_does_not_exist(client, enrolled):
    real = fail_passwords(client, "sw.a", 5)
    invented = fail_passwords(client, "nobody.here", 5)
    assert real.status_code == invented.status_code == 429
    assert page_text(real).replace("sw.a", "USER") == page_text(invented).replace(
        "nobody.here", "USER"
    )


def test_a_wrong_password_and_an_unknown_username_get_the_same_answer(client, enrolled, sw_b):
    known = password_step(client, "sw.b", "not-the-password", ip=ELSEWHERE)
    unknown = password_step(client, "sw.z", "not-the-password", ip=ELSEWHERE)
    assert known.status_code == unknown.status_code == 200
    assert WRONG in page_text(known)
    assert page_text(known).replace("sw.b", "U") == page_text(unknown).replace("sw.z", "U")


def test_changing_the_case_of_the_username_does_not_buy_more_guesses(client, enrolled):
    for name in ("sw.a", "SW.A", "Sw.A", "sW.a"):
        password_step(client, name, "wrong")
    assert password_step(client, "SW.a", "wrong").status_code == 429
    assert password_step(client, "sw.a", PASSWORD).status_code == 429


def test_the_lockout_ends_after_fifteen_minutes(client, enrolled):
    start = timezone.now()
    with freeze_time(start) as clock:
        fail_passwords(client, "sw.a", 5)
        clock.tick(dt.timedelta(minutes=14, seconds=50))
        assert password_step(client, "sw.a", PASSWORD).status_code == 429
        clock.tick(dt.timedelta(seconds=20))
        response = sign_in(client, enrolled)
        assert response.status_code == 302 and is_signed_in(client)


def test_failures_spread_beyond_the_window_do_not_lock(client, enrolled):
    with freeze_time(timezone.now()) as clock:
        for _ in range(8):
            password_step(client, "sw.a", "wrong")
            clock.tick(dt.timedelta(minutes=4))  # at most four inside any 15 minutes
        assert sign_in(client, enrolled).status_code == 302


def test_a_full_sign_in_starts_the_count_again_but_a_password_alone_does_not(client, enrolled):
    fail_passwords(client, "sw.a", 4)
    # the right password, then a wrong code: the fifth failure
    assert password_step(client, "sw.a").status_code == 302
    assert code_step(client, "000000").status_code == 429
    client.logout()

    from visible.cli import main

    assert main(["users", "unlock", "sw.a"]) == 0
    fail_passwords(client, "sw.a", 4)
    assert sign_in(client, enrolled).status_code == 302
    client.post(reverse("web:sign-out"))
    fail_passwords(client, "sw.a", 4)  # four more after a full sign-in: not locked
    assert sign_in(client, enrolled).status_code == 302


def test_wrong_codes_count_and_lock_too(client, enrolled):
    password_step(client, "sw.a")
    for _ in range(4):
        response = code_step(client, "123456")
        assert response.status_code == 200
        assert "The code is not right or has run out" in page_text(response)
    response = code_step(client, "654321")
    assert response.status_code == 429 and LOCKED in page_text(response)
    # the half-done sign-in is gone: the code page now sends people back to the start
    assert client.get(reverse("web:second-factor"))["Location"] == reverse("web:sign-in")
    assert (
        AuditEvent.objects.filter(action="second_factor_failed", actor_username="sw.a").count() == 5
    )
    assert AuditEvent.objects.filter(action="sign_in_lockout").count() == 1


@override_settings(VISIBLE_SIGN_IN_MAX_FAILURES_PER_IP=6)
def test_many_usernames_from_one_address_lock_the_address_not_other_addresses(client, enrolled):
    for name in (
        "amy",
        "bob",
        "cat",
        "dan",
        "eve",
        "fay",
    ):  # one or two guesses each: no account is locked
        password_step(client, name, "guess", ip=OFFICE)
    refused = password_step(client, "sw.a", PASSWORD, ip=OFFICE)
    assert refused.status_code == 429 and LOCKED in page_text(refused)
    assert (
        AuditEvent.objects.get(action="sign_in_lockout").summary
        == f"Sign-in locked for client address {OFFICE} after 6 failed attempts"
    )

    elsewhere = sign_in(client, enrolled, ip=ELSEWHERE)
    assert elsewhere.status_code == 302 and is_signed_in(client)


@override_settings(VISIBLE_SIGN_IN_MAX_FAILURES_PER_IP=3, VISIBLE_NUM_PROXIES=1)
def test_behind_a_proxy_the_address_the_proxy_saw_is_counted(client, enrolled):
    for forged in (
        "203.0.113.1",
        "203.0.113.2",
        "203.0.113.3",
    ):  # the client claims a new address each time
        client.post(
            reverse("web:sign-in"),
            {"username": "x", "password": "y"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"{forged}, {OFFICE}",
        )
    refused = client.post(
        reverse("web:sign-in"),
        {"username": "sw.a", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=f"203.0.113.99, {OFFICE}",
    )
    assert refused.status_code == 429  # the forged first addresses were not what was counted
    other = client.post(
        reverse("web:sign-in"),
        {"username": "sw.a", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=f"{OFFICE}, {ELSEWHERE}",
    )
    assert other.status_code == 302  # another client behind the same proxy is not locked out


def test_an_administrator_unlocks_an_account_from_the_command_line(client, enrolled, capsys):
    fail_passwords(client, "sw.a", 5)
    assert visible(["users", "lockouts"]) == 0
    assert "sw.a" in capsys.readouterr().out

    assert visible(["users", "unlock", "sw.a"]) == 0
    assert "Unlocked 'sw.a': 1 lockout ended" in capsys.readouterr().out
    assert sign_in(client, enrolled).status_code == 302 and is_signed_in(client)
    unlock = AuditEvent.objects.get(action="sign_in_unlock")
    assert (
        unlock.summary == "Sign-in unlocked for account 'sw.a'"
        and unlock.actor_username.startswith("<cli")
    )
    assert verify().ok


@override_settings(VISIBLE_SIGN_IN_MAX_FAILURES_PER_IP=5)
def test_an_administrator_unlocks_an_address(client, enrolled, capsys):
    for name in ("amy", "bob", "cat", "dan", "eve"):
        password_step(client, name, "guess", ip=OFFICE)
    assert password_step(client, "sw.a", PASSWORD, ip=OFFICE).status_code == 429
    assert visible(["users", "unlock", "--ip", OFFICE]) == 0
    assert sign_in(client, enrolled, ip=OFFICE).status_code == 302


def test_unlock_needs_something_to_unlock(capsys):
    assert visible(["users", "unlock"]) == 2
    assert "name a USERNAME to unlock" in capsys.readouterr().err


def test_a_locked_account_can_still_be_used_once_unlocked_with_a_fresh_code(client, enrolled):
    password_step(client, "sw.a")
    for _ in range(5):
        code_step(client, "111111")
    visible(["users", "unlock", "sw.a"])
    assert password_step(client, "sw.a").status_code == 302
    assert code_step(client, fresh_code(enrolled)).status_code == 302


def test_attempts_older_than_a_day_are_cleared_away(client, enrolled):
    from visible.security.models import FailedSignIn

    with freeze_time(timezone.now()) as clock:
        fail_passwords(client, "sw.a", 3)
        clock.tick(dt.timedelta(days=1, minutes=1))
        fail_passwords(client, "sw.b", 1)
        assert list(FailedSignIn.objects.values_list("username", flat=True)) == ["sw.b"]
        assert (
            AuditEvent.objects.filter(action="sign_in_failed").count() == 4
        )  # the audit log keeps them all
