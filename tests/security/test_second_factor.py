"""The TOTP second factor: set up at the first sign-in, a code at every sign-in, codes
accepted for one 30-second step either side and never twice, one-time recovery codes, and no
page open to anyone who has passed only the password."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from freezegun import freeze_time

from tests.security.signing_in import code_step, is_signed_in, page_text, password_step
from tests.security.totp import fresh_code, give_authenticator
from visible.audit.log import verify
from visible.audit.models import AuditEvent
from visible.cli import main as visible
from visible.security import second_factor
from visible.security.models import RecoveryCode, TotpDevice

pytestmark = pytest.mark.django_db


def set_up_page(client):
    response = client.get(reverse("web:second-factor-set-up"))
    assert response.status_code == 200
    return response


def secret_on(response) -> str:
    match = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', response.content.decode())
    assert match, "no setup key on the page"
    return match.group(1).replace(" ", "")


# --- enrolment -----------------------------------------------------------------------------


def test_first_sign_in_sets_up_the_authenticator_with_a_qr_code_and_the_key_as_text(client, sw_a):
    response = password_step(client, "sw.a")
    assert response["Location"] == reverse("web:second-factor-set-up")
    assert not is_signed_in(client)

    page = set_up_page(client)
    html = page.content.decode()
    assert "Set up your authenticator app" in page_text(page)
    secret = secret_on(page)
    assert len(secret) == 32
    assert (
        '<svg role="img" aria-label="QR code to scan with your authenticator app"' in html
    )  # drawn on the server
    assert "<script" not in html.split("<footer")[0] and " style=" not in html
    assert page["Cache-Control"].startswith("max-age=0") and "no-store" in page["Cache-Control"]
    # The QR code encodes the same secret: decode the otpauth URI we built from it.
    assert (
        pyotp.parse_uri(second_factor.provisioning_uri(TotpDevice.objects.get(user=sw_a))).secret
        == secret
    )

    # coming back shows the same key (the person may have scanned it already)
    assert secret_on(set_up_page(client)) == secret

    wrong = client.post(reverse("web:second-factor-set-up"), {"code": "000000"})
    assert "The code is not right or has run out" in page_text(wrong)
    assert not TotpDevice.objects.get(user=sw_a).is_confirmed

    done = client.post(reverse("web:second-factor-set-up"), {"code": pyotp.TOTP(secret).now()})
    assert done["Location"] == reverse("web:recovery-codes")
    codes_page = client.get(reverse("web:recovery-codes"))
    codes = re.findall(r"<code>([A-Z0-9-]{14})</code>", codes_page.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "You will not see these codes again" in page_text(codes_page)
    assert client.get(reverse("web:recovery-codes"))["Location"] == reverse(
        "web:home"
    )  # shown once
    assert is_signed_in(client)

    # only hashes are stored
    stored = list(RecoveryCode.objects.filter(user=sw_a).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not any(
        code.replace("-", "") in h for code in codes for h in stored
    )
    assert (
        AuditEvent.objects.filter(action="second_factor_enrolled", actor_username="sw.a").count()
        == 1
    )
    assert AuditEvent.objects.filter(action="sign_in", actor_username="sw.a").count() == 1


def test_after_enrolment_every_sign_in_asks_for_a_code(client, enrolled):
    response = password_step(client, "sw.a")
    assert response["Location"] == reverse("web:second-factor")
    page = client.get(reverse("web:second-factor"))
    assert "Enter the code from your authenticator app" in page_text(page)
    assert client.get(reverse("web:second-factor-set-up"))["Location"] == reverse(
        "web:second-factor"
    )
    assert code_step(client, fresh_code(enrolled))["Location"] == reverse("web:home")
    assert is_signed_in(client)


def test_signing_in_is_audited_only_once_both_steps_are_passed(client, enrolled):
    password_step(client, "sw.a")
    assert not AuditEvent.objects.filter(action="sign_in").exists()
    code_step(client, "999999")
    failed = AuditEvent.objects.get(action="second_factor_failed")
    assert (
        failed.actor_username == "sw.a"
        and failed.summary == "Wrong code at the second sign-in step"
    )
    code_step(client, fresh_code(enrolled))
    assert AuditEvent.objects.filter(action="sign_in", actor_username="sw.a").count() == 1
    assert verify().ok


# --- before the second factor, nothing -----------------------------------------------------


def _staff_urls() -> list[str]:
    """Every page behind staff_view, with 1 for each id in its path."""
    from visible.web.common import staff_view

    marker = staff_view(lambda request: None).__code__
    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                if getattr(p.callback, "__code__", None) is marker:
                    path = prefix + str(p.pattern)
                    found.append("/" + re.sub(r"<(?:\w+:)?\w+>", "1", path).lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns)
    return found


def test_every_staff_page_sends_a_half_signed_in_person_to_the_code_page(
    client, enrolled, make_child
):
    make_child(enrolled)  # so that /children/1/ could exist
    urls = _staff_urls()
    assert len(urls) >= 30 and "/children/" in urls and "/counts/" in urls
    password_step(client, "sw.a")
    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302 and response["Location"] == reverse(
                "web:second-factor"
            ), (
                f"{method.__name__.upper()} {url} answered {response.status_code} before the second factor"
            )
    assert client.get(reverse("web:password-change")).status_code == 302
    assert client.get(reverse("web:password-change"))["Location"].startswith(reverse("web:sign-in"))


def test_a_half_done_sign_in_runs_out_after_ten_minutes(client, enrolled):
    with freeze_time(timezone.now()) as clock:
        password_step(client, "sw.a")
        clock.tick(dt.timedelta(minutes=10, seconds=5))
        assert client.get(reverse("web:children"))["Location"].startswith(reverse("web:sign-in"))
        assert code_step(client, fresh_code(enrolled))["Location"] == reverse("web:sign-in")
        assert not is_signed_in(client)


def test_the_code_page_needs_the_password_first(client, enrolled):
    assert code_step(client, fresh_code(enrolled))["Location"] == reverse("web:sign-in")
    assert client.get(reverse("web:second-factor-set-up"))["Location"] == reverse("web:sign-in")
    assert not is_signed_in(client)


def test_the_session_key_changes_at_each_step(client, enrolled):
    client.get(reverse("web:sign-in"))
    password_step(client, "sw.a")
    after_password = client.session.session_key
    code_step(client, fresh_code(enrolled))
    assert client.session.session_key != after_password


# --- the time window and replays -----------------------------------------------------------


def test_codes_are_accepted_one_step_either_side_and_not_beyond(enrolled):
    secret = TotpDevice.objects.get(user=enrolled).secret
    now = timezone.now()
    step = second_factor.step_at(now)
    device = TotpDevice.objects.get(user=enrolled)
    assert not second_factor.verify(device, second_factor.code_at(secret, step - 2), at=now)
    assert second_factor.verify(device, second_factor.code_at(secret, step - 1), at=now)
    assert second_factor.verify(device, second_factor.code_at(secret, step), at=now)
    assert second_factor.verify(device, second_factor.code_at(secret, step + 1), at=now)
    assert not second_factor.verify(device, second_factor.code_at(secret, step + 2), at=now)


def test_a_code_from_a_minute_ago_is_refused(client, enrolled):
    secret = TotpDevice.objects.get(user=enrolled).secret
    password_step(client, "sw.a")
    old = second_factor.code_at(secret, second_factor.step_at() - 2)
    response = code_step(client, old)
    assert response.status_code == 200 and "The code is not right or has run out" in page_text(
        response
    )


def test_the_same_code_cannot_be_used_twice(client, enrolled):
    secret = TotpDevice.objects.get(user=enrolled).secret
    with freeze_time(timezone.now()):
        code = second_factor.current_code(secret)
        password_step(client, "sw.a")
        assert code_step(client, code).status_code == 302
        client.post(reverse("web:sign-out"))

        password_step(client, "sw.a")
        replay = code_step(client, code)
        assert replay.status_code == 200 and "The code is not right or has run out" in page_text(
            replay
        )
        # nor an earlier one once a later one was used
        earlier = second_factor.code_at(secret, second_factor.step_at() - 1)
        assert code_step(client, earlier).status_code == 200
        assert not is_signed_in(client)


def test_two_sign_ins_racing_with_one_code_only_one_wins(enrolled):
    device_a = TotpDevice.objects.get(user=enrolled)
    device_b = TotpDevice.objects.get(
        user=enrolled
    )  # another process, loaded before either used the code
    code = second_factor.current_code(device_a.secret)
    assert second_factor.verify(device_a, code) is True
    assert second_factor.verify(device_b, code) is False


# --- recovery codes ------------------------------------------------------------------------


def test_a_recovery_code_signs_in_once(client, enrolled):
    codes = second_factor.new_recovery_codes(enrolled)
    password_step(client, "sw.a")
    response = client.post(
        reverse("web:recovery-code"), {"recovery_code": codes[3].lower().replace("-", " ")}
    )
    assert response["Location"] == reverse("web:home")
    assert "You signed in with a recovery code. You have 9 recovery codes left." in page_text(
        client.get(reverse("web:children"))
    )
    used = AuditEvent.objects.get(action="recovery_code_used")
    assert used.summary == "Signed in with a recovery code (9 left)" and codes[3] not in used.detail
    client.post(reverse("web:sign-out"))

    password_step(client, "sw.a")
    again = client.post(reverse("web:recovery-code"), {"recovery_code": codes[3]})
    assert (
        again.status_code == 200
        and "That recovery code is not right or has been used" in page_text(again)
    )
    assert (
        AuditEvent.objects.filter(
            action="second_factor_failed", summary__contains="recovery code"
        ).count()
        == 1
    )
    assert client.post(reverse("web:recovery-code"), {"recovery_code": codes[4]}).status_code == 302


def test_an_administrator_resets_a_lost_authenticator(client, enrolled, capsys):
    second_factor.new_recovery_codes(enrolled)
    assert visible(["users", "reset-second-factor", "sw.a"]) == 0
    assert (
        not TotpDevice.objects.filter(user=enrolled).exists()
        and not RecoveryCode.objects.filter(user=enrolled).exists()
    )
    assert password_step(client, "sw.a")["Location"] == reverse("web:second-factor-set-up")
    assert AuditEvent.objects.filter(action="second_factor_reset").count() == 1


# --- the demo's code printer ---------------------------------------------------------------


def test_totp_code_refuses_outside_the_demo(enrolled, capsys):
    assert visible(["totp-code", "sw.a"]) == 2
    assert "prints codes for the local demo only" in capsys.readouterr().err


def _a_demo_database() -> None:
    from visible.agencies.models import Installation, InstallationMode

    Installation.objects.create(
        pk=1, mode=InstallationMode.DEMO, set_at=timezone.now(), set_by="test"
    )


@override_settings(VISIBLE_ALLOW_DEMO_CODES=True)
def test_totp_code_refuses_a_database_that_is_not_a_demo_even_on_the_demo_settings(
    enrolled, capsys
):
    assert visible(["totp-code", "sw.a"]) == 2
    assert "this database is not a demo" in capsys.readouterr().err


@override_settings(VISIBLE_ALLOW_DEMO_CODES=True)
def test_totp_code_prints_the_code_the_app_shows(client, enrolled, capsys):
    _a_demo_database()
    secret = TotpDevice.objects.get(user=enrolled).secret
    with freeze_time(timezone.now()):
        assert visible(["totp-code", "sw.a"]) == 0
        printed = capsys.readouterr().out.split()[0]
        assert printed == pyotp.TOTP(secret).at(
            timezone.now()
        )  # .now() reads the server's local time
        password_step(client, "sw.a")
        assert code_step(client, printed)["Location"] == reverse("web:home")


def test_totp_code_refuses_under_production_settings():
    import os
    import subprocess
    import sys

    from tests.security.test_passwords_and_settings import ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith("VISIBLE_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "visible.config.settings.production",
            "VISIBLE_SECRET_KEY": "k" * 50,
            "VISIBLE_AUDIT_KEY": "a" * 50,
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "visible.cli", "totp-code", "sw.croydon"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "prints codes for the local demo only" in result.stderr and "production" in result.stderr


def test_a_person_with_an_app_signs_in_with_what_it_shows(client, sw_a):
    secret = give_authenticator(sw_a)
    password_step(client, "sw.a")
    assert code_step(client, pyotp.TOTP(secret).now()).status_code == 302
    assert is_signed_in(client)
