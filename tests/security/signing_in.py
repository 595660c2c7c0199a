"""Signing in through the pages, as a person does: password, then the code."""

from __future__ import annotations

import re

from django.urls import reverse

from tests.factories import PASSWORD
from tests.security.totp import fresh_code

OFFICE = "192.0.2.10"  # documentation addresses (RFC 5737): never real clients
ELSEWHERE = "198.51.100.7"


def password_step(
    client, username: str, password: str = PASSWORD, ip: str = OFFICE, next_url: str = ""
):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("web:sign-in"), data, REMOTE_ADDR=ip)


def code_step(client, code: str, ip: str = OFFICE):
    return client.post(reverse("web:second-factor"), {"code": code}, REMOTE_ADDR=ip)


def sign_in(client, user, ip: str = OFFICE, next_url: str = ""):
    """Both steps, right; returns the response to the code."""
    response = password_step(client, user.username, ip=ip, next_url=next_url)
    assert response.status_code == 302 and response["Location"] == reverse("web:second-factor"), (
        response
    )
    return code_step(client, fresh_code(user), ip=ip)


def is_signed_in(client) -> bool:
    response = client.get(reverse("web:children"))
    return response.status_code == 200


def page_text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'").strip()
