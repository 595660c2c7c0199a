"""Lockout as a weapon: knowing someone's username must not be enough to keep them out.

Failures lock an account *from one address* (5 there); from addresses the account has never
signed in from, failures from anywhere only slow it (a wait that doubles, a few minutes at
most), and an address it has signed in from is not slowed by failures elsewhere. The owner is
told by email. A missing-children coordinator whose organisation has a child missing now is
never locked out from an address they have signed in from. One address is still locked after
20 failures, whatever the usernames."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from tests.factories import PASSWORD, as_viewer, missing_episode
from tests.security.signing_in import (
    ELSEWHERE,
    OFFICE,
    is_signed_in,
    page_text,
    password_step,
    sign_in,
)
from tests.security.totp import give_authenticator
from visible.audit.models import AuditEvent
from visible.children import actions as register

pytestmark = pytest.mark.django_db

WRONG = "Enter a correct username and password"


def attacker(n: int) -> str:
    return f"203.0.113.{n + 1}"  # documentation addresses (RFC 5737)


def refused_for(response) -> str:
    """The sentence a refused person reads."""
    text = page_text(response)
    assert response.status_code == 429, text
    start = text.index("There have been too many attempts")
    return text[start : text.index("then try again") + len("then try again")]


@pytest.fixture
def owner(sw_a):
    """sw.a, with an authenticator and an email address, who has signed in from the office."""
    give_authenticator(sw_a)
    sw_a.email = "sw.a@example.org"
    sw_a.save()
    assert sign_in(Client(), sw_a, ip=OFFICE).status_code == 302
    mail.outbox.clear()
    return sw_a


def test_failures_from_elsewhere_do_not_lock_the_owner_out_where_they_sign_in(client, owner):
    for _ in range(12):
        password_step(client, "sw.a", "a-guess", ip=ELSEWHERE)
    assert (
        password_step(client, "sw.a", PASSWORD, ip=ELSEWHERE).status_code == 429
    )  # locked from there
    response = sign_in(client, owner, ip=OFFICE)
    assert response.status_code == 302 and is_signed_in(client)


def test_an_attack_from_many_addresses_slows_new_addresses_a_little_and_locks_nobody(client, owner):
    with freeze_time(timezone.now()) as clock:
        for n in range(5):  # five addresses, one guess each: no address is locked
            assert WRONG in page_text(password_step(client, "sw.a", "a-guess", ip=attacker(n)))
        # from an address it has never signed in from, the account now waits 2 seconds...
        assert (
            refused_for(password_step(client, "sw.a", PASSWORD, ip=attacker(50)))
            == "There have been too many attempts to sign in. Wait 1 minute, then try again"
        )
        clock.tick(dt.timedelta(seconds=2.1))
        assert WRONG in page_text(password_step(client, "sw.a", "a-guess", ip=attacker(5)))
        # ...then 4 after the next failure, 8, 16...
        clock.tick(dt.timedelta(seconds=3))
        assert password_step(client, "sw.a", "a-guess", ip=attacker(6)).status_code == 429
        clock.tick(dt.timedelta(seconds=1.1))
        assert WRONG in page_text(password_step(client, "sw.a", "a-guess", ip=attacker(6)))
        for n in range(7, 20):  # a patient attacker, as fast as they are let
            clock.tick(dt.timedelta(minutes=3, seconds=1))
            assert WRONG in page_text(password_step(client, "sw.a", "a-guess", ip=attacker(n)))
        # at worst three minutes' wait, never fifteen
        assert (
            refused_for(password_step(client, "sw.a", PASSWORD, ip=attacker(60)))
            == "There have been too many attempts to sign in. Wait 3 minutes, then try again"
        )
        # where they have signed in before: let in at once
        assert password_step(Client(), "sw.a", PASSWORD, ip=OFFICE)["Location"] == reverse(
            "web:second-factor"
        )
        clock.tick(dt.timedelta(minutes=3, seconds=1))
        assert (
            sign_in(client, owner, ip=attacker(61)).status_code == 302
        )  # a new address, after the wait


@override_settings(VISIBLE_SIGN_IN_SLOWDOWN=600, VISIBLE_SIGN_IN_SLOWDOWN_MAX=600)
def test_a_slowed_account_looks_the_same_whether_or_not_it_exists(client, owner):
    answers = []
    for username in ("sw.a", "nobody.here"):
        for n in range(5):
            password_step(client, username, "a-guess", ip=attacker(n))
        answers.append(
            page_text(password_step(client, username, PASSWORD, ip=attacker(9))).replace(
                username, "U"
            )
        )
    assert answers[0] == answers[1] and "Wait 10 minutes" in answers[0]


def test_the_owner_is_told_by_email_with_only_the_address_and_the_time(client, owner):
    with freeze_time("2031-03-04 14:05:00+00:00"):
        for _ in range(
            5
        ):  # the attacker's own choices: the case of the username, the password, the browser
            client.post(
                reverse("web:sign-in"),
                {"username": "SW.A", "password": "attacker-password-guess"},
                REMOTE_ADDR=ELSEWHERE,
                HTTP_USER_AGENT="AttackBrowser/9.9",
            )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sw.a@example.org"]
    assert message.subject == "Visible: attempts to sign in to your account"
    assert (
        f"The latest attempt came from the address {ELSEWHERE} at 14:05 on 4 March 2031 (UK time)"
        in message.body
    )
    assert "from that address is paused for 15 minutes" in message.body
    assert (
        "You can still sign in as usual from places you have signed in from before" in message.body
    )
    for chosen in ("SW.A", "sw.a", "attacker-password-guess", "AttackBrowser"):
        assert chosen not in message.body

    # More failures within the quarter hour, from more addresses: no flood of email.
    for n in range(10):
        password_step(client, "SW.A", "another-guess", ip=attacker(n))
    assert len(mail.outbox) == 1


def test_the_owner_is_told_when_their_account_is_slowed(client, owner):
    for n in range(5):
        password_step(client, "sw.a", "a-guess", ip=attacker(n))
    assert len(mail.outbox) == 1
    assert attacker(4) in mail.outbox[0].body
    assert "from places you have not signed in from before is slowed down" in mail.outbox[0].body
    event = AuditEvent.objects.get(action="sign_in_lockout")
    assert event.summary == (
        "Sign-in slowed for account 'sw.a' after 5 failed attempts from 5 addresses: "
        "addresses it has not signed in from wait between attempts"
    )


def test_nobody_is_emailed_about_a_username_no_account_has(client, owner):
    for _ in range(5):
        password_step(client, "nobody.here", "a-guess", ip=ELSEWHERE)
    assert mail.outbox == []


def test_one_address_is_still_locked_after_twenty_failures_whatever_the_usernames(client, owner):
    for n in range(20):
        password_step(client, f"guess{n}", "a-guess", ip=ELSEWHERE)
    assert password_step(client, "sw.a", PASSWORD, ip=ELSEWHERE).status_code == 429
    assert sign_in(client, owner, ip=OFFICE).status_code == 302


def test_an_address_is_known_after_a_full_sign_in_not_after_the_password_alone(client, sw_a):
    from visible.security.models import KnownAddress

    give_authenticator(sw_a)
    password_step(client, "sw.a", PASSWORD, ip=ELSEWHERE)
    assert not KnownAddress.objects.filter(user=sw_a).exists()
    client.post(reverse("web:second-factor"), {"code": "000000"}, REMOTE_ADDR=ELSEWHERE)
    assert not KnownAddress.objects.filter(user=sw_a).exists()
    assert sign_in(client, sw_a, ip=ELSEWHERE).status_code == 302
    assert list(KnownAddress.objects.filter(user=sw_a).values_list("ip_address", flat=True)) == [
        ELSEWHERE
    ]


@override_settings(VISIBLE_SIGN_IN_KNOWN_ADDRESSES=3, VISIBLE_SIGN_IN_KNOWN_ADDRESS_DAYS=90)
def test_a_person_keeps_a_few_recent_addresses_and_forgets_old_ones(client, sw_a):
    from visible.security.models import KnownAddress

    give_authenticator(sw_a)
    with freeze_time(timezone.now()) as clock:
        for n in range(5):
            clock.tick(dt.timedelta(minutes=1))
            assert sign_in(client, sw_a, ip=attacker(n)).status_code == 302
            client.post(reverse("web:sign-out"))
        assert sorted(
            KnownAddress.objects.filter(user=sw_a).values_list("ip_address", flat=True)
        ) == [attacker(2), attacker(3), attacker(4)]
        clock.tick(dt.timedelta(days=91))
        assert sign_in(client, sw_a, ip=OFFICE).status_code == 302
        assert list(
            KnownAddress.objects.filter(user=sw_a).values_list("ip_address", flat=True)
        ) == [OFFICE]


# --- a missing-children coordinator during a live missing episode -----------------------------


@pytest.fixture
def live_episode(sw_a, make_child):
    """A child of council A missing now."""
    today = timezone.localdate()
    child = make_child(sw_a, looked_after_from=today - dt.timedelta(days=100))
    register.record_flag(
        as_viewer(sw_a), child, "uasc", today - dt.timedelta(days=100), "Asylum claim"
    )
    return missing_episode(sw_a, child, hours_ago=3)


@pytest.fixture
def coordinator(coordinator_a):
    give_authenticator(coordinator_a)
    assert (
        sign_in(Client(), coordinator_a, ip=OFFICE).status_code == 302
    )  # the office is a known address
    return coordinator_a


def others_fail_at_the_office(client):
    """Others at the office's address: a spray of usernames (the address is locked), and
    guesses at the coordinator's own password from the same address."""
    for n in range(20):
        password_step(client, f"guess{n}", "a-guess", ip=OFFICE)
    for n in range(12):
        password_step(client, "coordinator.a", "a-guess", ip=OFFICE if n % 2 else attacker(n))


def test_a_coordinator_signs_in_from_a_known_address_during_a_live_missing_episode(
    client, coordinator, live_episode
):
    with freeze_time(timezone.now()) as clock:
        others_fail_at_the_office(client)
        assert (
            password_step(client, "sw.a", PASSWORD, ip=OFFICE).status_code == 429
        )  # the address is locked
        clock.tick(
            dt.timedelta(seconds=5)
        )  # failures for them from there slow them for seconds, not 15 minutes
        response = sign_in(client, coordinator, ip=OFFICE)
        assert response.status_code == 302 and is_signed_in(client)
    assert AuditEvent.objects.get(
        action="sign_in_lockout", summary__contains="not locked"
    ).summary == (
        f"Sign-in slowed, not locked, for account 'coordinator.a' from client address {OFFICE} after 5 failed "
        "attempts: a missing-children coordinator during a live missing episode"
    )


def test_once_the_child_is_back_the_coordinator_is_locked_like_anyone(
    client, coordinator, live_episode
):
    live_episode.returned_at = timezone.now()
    live_episode.save(update_fields=["returned_at"])
    with freeze_time(timezone.now()) as clock:
        others_fail_at_the_office(client)
        clock.tick(dt.timedelta(seconds=5))
        assert password_step(client, "coordinator.a", PASSWORD, ip=OFFICE).status_code == 429


def test_a_coordinator_at_an_address_they_have_not_used_is_not_excepted(
    client, coordinator, live_episode
):
    for _ in range(5):
        password_step(client, "coordinator.a", "a-guess", ip=ELSEWHERE)
    assert password_step(client, "coordinator.a", PASSWORD, ip=ELSEWHERE).status_code == 429
