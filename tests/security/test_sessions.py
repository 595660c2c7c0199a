"""Sessions end after 30 minutes without activity and 8 hours after signing in; the next
request goes to the sign-in page, which says why, and afterwards back to the page (only ever
a page on this site)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from tests.security.signing_in import code_step, is_signed_in, page_text, password_step, sign_in
from tests.security.totp import fresh_code
from visible.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

IDLE = "You were signed out after 30 minutes without activity"


def test_thirty_minutes_without_activity_signs_out_and_sign_in_returns_to_the_page(
    client, enrolled, make_child
):
    child = make_child(enrolled)
    page = reverse("web:child", args=[child.pk])
    with freeze_time(timezone.now()) as clock:
        sign_in(client, enrolled)
        assert client.get(page).status_code == 200
        clock.tick(dt.timedelta(minutes=29))
        assert client.get(page).status_code == 200  # activity: the clock starts again
        clock.tick(dt.timedelta(minutes=29))
        assert client.get(page).status_code == 200
        clock.tick(dt.timedelta(minutes=30, seconds=30))

        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('web:sign-in')}?next={quote(page)}"
        sign_in_page = client.get(response["Location"])
        assert IDLE in page_text(sign_in_page)
        assert "Important" in page_text(sign_in_page)
        assert IDLE not in page_text(client.get(response["Location"]))  # said once
        assert not is_signed_in(client)
        event = AuditEvent.objects.filter(action="sign_out", actor_username="sw.a").get()
        assert event.summary == IDLE

        back = sign_in(client, enrolled, next_url=page)
        assert back["Location"] == page


def test_a_form_sent_after_the_timeout_comes_back_to_its_page(client, enrolled, make_child):
    child = make_child(enrolled)
    form_page = reverse("web:flag-add", args=[child.pk])
    with freeze_time(timezone.now()) as clock:
        sign_in(client, enrolled)
        clock.tick(dt.timedelta(minutes=31))
        response = client.post(
            form_page, {"kind": "uasc"}, HTTP_REFERER=f"http://testserver{form_page}"
        )
        assert response["Location"] == f"{reverse('web:sign-in')}?next={quote(form_page)}"


@override_settings(VISIBLE_SESSION_IDLE_TIMEOUT=5 * 60)
def test_the_idle_timeout_is_a_setting(client, enrolled):
    with freeze_time(timezone.now()) as clock:
        sign_in(client, enrolled)
        clock.tick(dt.timedelta(minutes=5, seconds=30))
        response = client.get(reverse("web:children"))
        assert "You were signed out after 5 minutes without activity" in page_text(
            client.get(response["Location"])
        )


def test_eight_hours_after_signing_in_the_session_ends_however_busy(client, enrolled):
    with freeze_time(timezone.now()) as clock:
        sign_in(client, enrolled)
        for _ in range(23):  # a request every 20 minutes for 7 hours 40 minutes
            clock.tick(dt.timedelta(minutes=20))
            assert client.get(reverse("web:children")).status_code == 200
        clock.tick(dt.timedelta(minutes=20, seconds=5))
        response = client.get(reverse("web:children"))
        assert response.status_code == 302
        assert "You were signed out because you had been signed in for 8 hours" in page_text(
            client.get(response["Location"])
        )


def test_sign_in_goes_only_to_pages_on_this_site(client, enrolled):
    with freeze_time(timezone.now()) as clock:
        for unsafe in (
            "https://phishing.example/children/",
            "//phishing.example/",
            "javascript:alert(1)",
        ):
            response = sign_in(client, enrolled, next_url=unsafe)
            assert response["Location"] == reverse("web:home"), unsafe
            client.post(reverse("web:sign-out"))
            clock.tick(dt.timedelta(seconds=30))  # a new code
    page = client.get(reverse("web:sign-in") + "?next=https://phishing.example/")
    assert "phishing" not in page.content.decode()


def test_the_next_page_is_kept_through_the_code_step(client, enrolled):
    password_step(client, "sw.a", next_url="/counts/")
    assert code_step(client, fresh_code(enrolled))["Location"] == "/counts/"
