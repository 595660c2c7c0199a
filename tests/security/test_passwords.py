"""Password reset by email (the same answer whether or not the address has an account; the
link works once and runs out after an hour) and changing a password."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from tests.factories import PASSWORD
from tests.security.signing_in import is_signed_in, page_text, password_step, sign_in
from visible.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

NEW = "a-brand-new-synthetic-passphrase"


@pytest.fixture
def with_email(enrolled):
    enrolled.email = "sw.a@example.org"
    enrolled.save()
    return enrolled


def ask_for_link(client, email: str):
    return client.post(reverse("web:password-reset"), {"email": email})


def link_in(message) -> str:
    match = re.search(r"http://testserver(/password-reset/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def set_new_password(client, link: str, password: str = NEW):
    form = client.get(link, follow=True)
    assert "Set a new password" in page_text(form), page_text(form)
    return client.post(
        form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )


def test_the_same_answer_whether_or_not_the_address_has_an_account(client, with_email):
    known = ask_for_link(client, "sw.a@example.org")
    unknown = ask_for_link(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("web:password-reset-sent")
    sent = client.get(known["Location"])
    assert "If the address you entered belongs to a Visible account" in page_text(sent)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sw.a@example.org"]
    assert mail.outbox[0].subject == "Reset your Visible password"
    assert "It works once, and for 60 minutes" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="password_reset_requested").count() == 2


def test_the_link_sets_a_new_password_once(client, with_email):
    ask_for_link(client, "sw.a@example.org")
    link = link_in(mail.outbox[0])
    done = set_new_password(client, link)
    assert done["Location"] == reverse("web:password-reset-complete")
    assert "Your password has been changed" in page_text(client.get(done["Location"]))
    assert not is_signed_in(client)  # the second factor is still needed

    assert (
        password_step(client, "sw.a", PASSWORD).status_code == 200
    )  # the old password no longer works
    assert password_step(client, "sw.a", NEW)["Location"] == reverse("web:second-factor")

    again = client.get(link, follow=True)
    assert "This link does not work" in page_text(again)
    assert "has been used or has run out" in page_text(again)
    assert AuditEvent.objects.filter(action="password_reset", actor_username="sw.a").count() == 1


def test_the_link_runs_out_after_an_hour(client, with_email):
    with freeze_time(timezone.now()) as clock:
        ask_for_link(client, "sw.a@example.org")
        link = link_in(mail.outbox[0])
        clock.tick(dt.timedelta(minutes=61))
        page = client.get(link, follow=True)
        assert "This link does not work" in page_text(page)


def test_a_new_password_must_be_long_enough(client, with_email):
    ask_for_link(client, "sw.a@example.org")
    response = set_new_password(client, link_in(mail.outbox[0]), "short")
    assert response.status_code == 200
    assert "This password is too short. It must contain at least 12 characters." in page_text(
        response
    )


def test_changing_the_password_keeps_you_signed_in(client, enrolled):
    sign_in(client, enrolled)
    page = client.get(reverse("web:password-change"))
    assert "Change your password" in page_text(page)
    wrong = client.post(
        reverse("web:password-change"),
        {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
    )
    assert "Your old password was entered incorrectly" in page_text(wrong)
    done = client.post(
        reverse("web:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert done["Location"] == reverse("web:home")
    assert is_signed_in(client)
    enrolled.refresh_from_db()
    assert enrolled.check_password(NEW)
    assert AuditEvent.objects.filter(action="password_changed", actor_username="sw.a").count() == 1


def test_the_password_change_page_needs_a_full_sign_in(client, enrolled):
    password_step(client, "sw.a")
    assert client.get(reverse("web:password-change"))["Location"].startswith(reverse("web:sign-in"))


@pytest.mark.parametrize(
    "addresses", [["sw.a@example.org"] * 7, [f"guess{n}@example.org" for n in range(7)]]
)
def test_reset_links_are_limited_per_address_and_per_client(
    client, with_email, settings, addresses
):
    """Five an hour to one address (no mail flood) and five from one client (no guessing
    through addresses); the page looks the same after the limit, and each ask is audited."""
    settings.VISIBLE_PASSWORD_RESETS_PER_HOUR = 5
    answers = [ask_for_link(client, address) for address in addresses]
    assert {a["Location"] for a in answers} == {reverse("web:password-reset-sent")}
    assert len(mail.outbox) == (5 if addresses[0] == "sw.a@example.org" else 0)
    assert AuditEvent.objects.filter(action="password_reset_requested").count() == 7
    assert AuditEvent.objects.filter(summary__contains="too often in an hour").count() == 2
