"""`make run` prints working demo logins: each demo user's setup key signs in through the
pages with the demo password, and so does the code `visible totp-code` prints."""

from __future__ import annotations

import io
import re

import pyotp
import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from visible.demo.setup import DEMO_PASSWORD, DEMO_USERS, create_demo_users, print_logins

pytestmark = pytest.mark.django_db


def test_the_printed_setup_key_and_the_demo_password_sign_in(client):
    create_demo_users()
    out = io.StringIO()
    print_logins(out)
    text = out.getvalue()
    assert f"password for all: {DEMO_PASSWORD}" in text
    assert "visible totp-code USERNAME" in text
    keys = re.findall(r"setup key: ([A-Z2-7 ]{39})", text)
    assert len(keys) == len(DEMO_USERS)

    first = DEMO_USERS[0].username
    response = client.post(reverse("web:sign-in"), {"username": first, "password": DEMO_PASSWORD})
    assert response["Location"] == reverse("web:second-factor")
    code = pyotp.TOTP(keys[0].replace(" ", "")).now()
    assert client.post(reverse("web:second-factor"), {"code": code})["Location"] == reverse(
        "web:home"
    )
    assert client.get(reverse("web:children")).status_code == 200


@override_settings(VISIBLE_ALLOW_DEMO_CODES=True)
def test_the_code_printed_by_totp_code_signs_in(client, capsys):
    from visible.agencies.models import Installation, InstallationMode
    from visible.cli import main as visible
    from visible.security.models import TotpDevice

    Installation.objects.create(
        pk=1, mode=InstallationMode.DEMO, set_at=timezone.now(), set_by="test"
    )
    create_demo_users()
    keys = dict(TotpDevice.objects.values_list("user__username", "secret"))
    create_demo_users()  # running the demo again keeps the keys people have added to their apps
    assert dict(TotpDevice.objects.values_list("user__username", "secret")) == keys
    username = DEMO_USERS[-1].username
    assert visible(["totp-code", username]) == 0
    code = capsys.readouterr().out.split()[0]
    client.post(reverse("web:sign-in"), {"username": username, "password": DEMO_PASSWORD})
    assert client.post(reverse("web:second-factor"), {"code": code})["Location"] == reverse(
        "web:home"
    )
