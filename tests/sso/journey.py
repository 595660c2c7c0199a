"""Signing in through the tests' provider as a browser would, with Django's test client: the
work email, the continue page, to the provider (over HTTP, no redirects followed) and back to
Visible's callback with what the provider put in the redirect."""

from __future__ import annotations

import http.client
import urllib.parse

from django.urls import reverse
from django.utils import timezone

from tests.factories import as_viewer, make_user
from tests.sso.provider import TestProvider
from visible.agencies.models import Role
from visible.sso import actions
from visible.sso.inputs import ProviderInput

OFFICE = "192.0.2.10"  # a documentation address (RFC 5737)


def kent_admin(kent):
    return make_user("admin.kent", kent, Role.ORGANISATION_ADMIN)


def set_up_provider(
    admin, oidc: TestProvider, *, enforces_mfa: bool = False, domains=("kent.gov.uk",)
):
    """The organisation's provider set up, checked and turned on by its administrator, through
    the same actions the page calls."""
    viewer = as_viewer(admin)
    now = timezone.now()
    provider = actions.configure(
        viewer,
        viewer.organisation,
        ProviderInput(
            issuer=oidc.issuer,
            client_id=oidc.client_id,
            client_secret=oidc.client_secret,
            email_domains=tuple(domains),
            enforces_mfa=enforces_mfa,
        ),
        now,
    )
    actions.check(viewer, provider, now)
    return actions.set_enabled(viewer, provider, True, now)


def member(username: str, organisation, email: str, role=Role.SOCIAL_WORKER):
    user = make_user(username, organisation, role)
    user.email = email
    user.save(update_fields=["email"])
    return user


def provider_get(url: str) -> tuple[int, str]:
    """GET at the tests' provider without following its redirect: (status, Location)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", parts.path + ("?" + parts.query if parts.query else ""))
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location", "")
    finally:
        connection.close()


def start(client, email: str, ip: str = OFFICE, next_url: str = ""):
    """The work email, then Continue: the response to Continue (a redirect to the provider)."""
    data = {"email": email}
    if next_url:
        data["next"] = next_url
    chosen = client.post(reverse("web:sso-sign-in"), data, REMOTE_ADDR=ip)
    assert chosen.status_code == 200, chosen
    return client.get(reverse("web:sso-go"), REMOTE_ADDR=ip)


def come_back(client, location: str, ip: str = OFFICE):
    """Follow the provider's redirect back to Visible's callback."""
    back = urllib.parse.urlsplit(location)
    return client.get(back.path + "?" + back.query, REMOTE_ADDR=ip)


def sign_in_through(client, oidc: TestProvider, email: str, ip: str = OFFICE, next_url: str = ""):
    """The whole round trip; the response of Visible's callback."""
    going = start(client, email, ip, next_url)
    assert going.status_code == 302 and going["Location"].startswith(oidc.issuer + "/authorize"), (
        going
    )
    status, location = provider_get(going["Location"])
    assert status == 302, (status, location)
    return come_back(client, location, ip)
