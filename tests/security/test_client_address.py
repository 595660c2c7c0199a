"""The client's address: one rule (visible.security.throttle.client_ip) for the sign-in
throttle, the password reset limits and the API's limits. X-Forwarded-For is believed only as
far as our own proxies (VISIBLE_NUM_PROXIES) wrote it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings
from django.urls import reverse

from visible.config.settings.base import num_proxies_from
from visible.security.throttle import client_ip

PROXY = "10.0.0.2"


def ip_of(forwarded: str | None = None, remote: str = PROXY) -> str | None:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


def test_without_a_proxy_x_forwarded_for_is_ignored():
    assert ip_of("203.0.113.9", remote="198.51.100.7") == "198.51.100.7"


@override_settings(VISIBLE_NUM_PROXIES=1)
def test_behind_one_proxy_the_last_address_is_the_client_and_the_rest_are_ignored():
    assert ip_of("203.0.113.9, 198.51.100.7") == "198.51.100.7"
    assert ip_of("198.51.100.7") == "198.51.100.7"
    assert ip_of(None) == PROXY  # reached without the proxy: the address that connected


@override_settings(VISIBLE_NUM_PROXIES=2)
def test_behind_two_proxies_the_second_address_from_the_right():
    assert ip_of("203.0.113.9, 198.51.100.7, 10.0.0.1") == "198.51.100.7"


@override_settings(VISIBLE_NUM_PROXIES=1)
def test_an_address_that_is_not_one_is_no_address():
    assert ip_of("203.0.113.9, not-an-address") is None
    assert ip_of("2001:db8::7") == "2001:db8::7"


@pytest.mark.parametrize(
    ("environ", "proxies"),
    [
        ({}, 0),
        ({"VISIBLE_NUM_PROXIES": "2"}, 2),
        (
            {"VISIBLE_CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR"},
            1,
        ),  # the older setting: the last address, one proxy
        ({"VISIBLE_CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR", "VISIBLE_NUM_PROXIES": "0"}, 0),
    ],
)
def test_the_number_of_proxies_comes_from_the_environment(environ, proxies):
    assert num_proxies_from(environ) == proxies


@pytest.mark.parametrize(
    ("environ", "says"),
    [
        ({"VISIBLE_NUM_PROXIES": "one"}, "VISIBLE_NUM_PROXIES=one is not a number of proxies"),
        ({"VISIBLE_NUM_PROXIES": "-1"}, "VISIBLE_NUM_PROXIES=-1 is not a number of proxies"),
        (
            {"VISIBLE_CLIENT_IP_HEADER": "HTTP_X_REAL_IP"},
            "VISIBLE_CLIENT_IP_HEADER=HTTP_X_REAL_IP is no longer read",
        ),
    ],
)
def test_a_wrong_proxy_setting_stops_visible_starting_and_says_what_to_set(environ, says):
    with pytest.raises(ImproperlyConfigured, match=says):
        num_proxies_from(environ)


@pytest.mark.django_db
@override_settings(VISIBLE_NUM_PROXIES=1, VISIBLE_PASSWORD_RESETS_PER_HOUR=2)
def test_password_reset_limits_count_the_client_the_proxy_saw(client, sw_a):
    sw_a.email = "sw.a@example.org"
    sw_a.save()

    def ask(forwarded: str, email: str) -> None:
        client.post(
            reverse("web:password-reset"),
            {"email": email},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    for n in range(3):  # one client, a new forged address each time, guessing addresses
        ask(f"203.0.113.{n}, 198.51.100.7", f"guess{n}@example.org")
    ask("203.0.113.99, 198.51.100.7", "sw.a@example.org")
    assert mail.outbox == []  # over the limit for that client: not sent
    ask("198.51.100.8", "sw.a@example.org")  # another client behind the same proxy
    assert len(mail.outbox) == 1
