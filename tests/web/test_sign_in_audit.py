import pytest
from django.urls import reverse

from tests.factories import PASSWORD
from tests.security.totp import fresh_code, give_authenticator
from visible.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_sign_in_failure_and_sign_out_are_audited(client, sw_a):
    response = client.post(reverse("web:sign-in"), {"username": "sw.a", "password": "wrong"})
    assert (
        response.status_code == 200
        and "Enter a correct username and password" in response.content.decode()
    )
    assert AuditEvent.objects.filter(action="sign_in_failed", actor_username="sw.a").exists()
    give_authenticator(sw_a)
    response = client.post(reverse("web:sign-in"), {"username": "sw.a", "password": PASSWORD})
    assert response.status_code == 302
    response = client.post(
        reverse("web:second-factor"), {"code": fresh_code(sw_a)}
    )  # the second factor
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="sign_in", actor_username="sw.a").exists()
    client.post(reverse("web:sign-out"))
    assert AuditEvent.objects.filter(action="sign_out", actor_username="sw.a").exists()


def test_pages_need_a_signed_in_user(client):
    response = client.get(reverse("web:children"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:sign-in"))


def test_responses_carry_a_strict_content_security_policy(client, sw_a):
    client.login(username="sw.a", password=PASSWORD)
    response = client.get(reverse("web:children"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["Cache-Control"] == "no-store"
