"""Passwords are hashed with argon2 under the real settings; production refuses to start
without its secret key from the environment, and turns on secure cookies and HSTS; DEBUG is
off unless asked for; CSRF is enforced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def settings_in_a_fresh_process(
    module: str, *names: str, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Load a settings module the way a server would, in a process of its own."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: str(getattr(settings, n)) for n in {list(names)!r}}}))"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("VISIBLE_")}
    environment.update({"DJANGO_SETTINGS_MODULE": module, "PYTHONPATH": str(ROOT / "src")})
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        cwd=ROOT,
    )


@pytest.mark.django_db
def test_the_real_settings_hash_passwords_with_argon2(client, sw_a):
    """The tests use a fast hasher; base.py (so dev and production) uses argon2id."""
    from django.test import override_settings

    from visible.config.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        sw_a.set_password("a-long-synthetic-password")
        sw_a.save()
        assert sw_a.password.startswith("argon2$argon2id$")
        assert client.login(username="sw.a", password="a-long-synthetic-password")


def test_production_refuses_to_start_without_a_secret_key_from_the_environment():
    result = settings_in_a_fresh_process("visible.config.settings.production", "DEBUG")
    assert result.returncode != 0
    assert "Set VISIBLE_SECRET_KEY in the environment before starting Visible." in result.stderr


def test_production_with_a_secret_key_is_locked_down():
    result = settings_in_a_fresh_process(
        "visible.config.settings.production",
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_NAME",
        "PASSWORD_HASHERS",
        "VISIBLE_ALLOW_DEMO_CODES",
        "SECRET_KEY",
        env={"VISIBLE_SECRET_KEY": "k" * 50, "VISIBLE_AUDIT_KEY": "a" * 50, "VISIBLE_DEBUG": "1"},
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] == "False"  # even when VISIBLE_DEBUG asks for it
    assert (
        values["SESSION_COOKIE_SECURE"]
        == values["CSRF_COOKIE_SECURE"]
        == values["SECURE_SSL_REDIRECT"]
        == "True"
    )
    assert int(values["SECURE_HSTS_SECONDS"]) >= 31536000
    assert values["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert "Argon2PasswordHasher" in values["PASSWORD_HASHERS"].split(",")[0]
    assert values["VISIBLE_ALLOW_DEMO_CODES"] == "False"
    assert values["SECRET_KEY"] == "k" * 50


def test_production_asks_browsers_to_preload_https_only_when_the_domain_owner_has_chosen_to():
    """Preloading binds every subdomain of the council's or force's domain for months: their
    choice, so off by default, and `check --deploy`'s reminder about it is the only one silenced."""
    keys = {"VISIBLE_SECRET_KEY": "k" * 50, "VISIBLE_AUDIT_KEY": "a" * 50}
    names = ("SECURE_HSTS_PRELOAD", "SILENCED_SYSTEM_CHECKS", "SECURE_PROXY_SSL_HEADER")
    default = settings_in_a_fresh_process("visible.config.settings.production", *names, env=keys)
    assert default.returncode == 0, default.stderr
    values = json.loads(default.stdout.strip().splitlines()[-1])
    assert values["SECURE_HSTS_PRELOAD"] == "False"
    assert values["SILENCED_SYSTEM_CHECKS"] == "['security.W021']"
    assert values["SECURE_PROXY_SSL_HEADER"] == "None"  # X-Forwarded-Proto trusted only if asked

    chosen = settings_in_a_fresh_process(
        "visible.config.settings.production",
        *names,
        env={**keys, "VISIBLE_HSTS_PRELOAD": "1", "VISIBLE_BEHIND_TLS_PROXY": "1"},
    )
    assert chosen.returncode == 0, chosen.stderr
    values = json.loads(chosen.stdout.strip().splitlines()[-1])
    assert values["SECURE_HSTS_PRELOAD"] == "True"
    assert values["SILENCED_SYSTEM_CHECKS"] == "[]"
    assert values["SECURE_PROXY_SSL_HEADER"] == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_debug_is_off_unless_asked_for():
    assert (
        json.loads(settings_in_a_fresh_process("visible.config.settings.dev", "DEBUG").stdout)[
            "DEBUG"
        ]
        == "False"
    )
    asked = settings_in_a_fresh_process(
        "visible.config.settings.dev", "DEBUG", env={"VISIBLE_DEBUG": "1"}
    )
    assert json.loads(asked.stdout)["DEBUG"] == "True"


def test_no_secret_key_is_committed_for_production():
    """The only keys in the repository are the demo's and the tests', each saying so."""
    text = (ROOT / "src/visible/config/settings/production.py").read_text()
    assert "SECRET_KEY = os.environ[" in text
    assert 'SECRET_KEY = "' not in text and "SECRET_KEY = '" not in text


@pytest.mark.django_db
def test_a_sign_in_form_sent_without_its_csrf_token_is_refused(sw_a):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("web:sign-in"), {"username": "sw.a", "password": PASSWORD})
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["web:sign-in", "web:password-reset"])
def test_the_new_pages_carry_the_strict_content_security_policy(client, name):
    response = client.get(reverse(name))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    html = response.content.decode()
    assert "<script>" not in html and " style=" not in html
