"""GOV.UK Notify's settings are checked when Visible starts: a key that is not a Notify key, or
a template id that is not one, stops it with a message naming the setting, never the key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.notifications.notify_stub import API_KEY, TEMPLATE_IDS
from visible.config.settings.base import notify_problems

ROOT = Path(__file__).resolve().parents[2]


def test_good_settings_pass():
    assert notify_problems(API_KEY, {"VISIBLE_NOTIFY_SMS_TEMPLATE_ID": TEMPLATE_IDS["sms"]}) == []
    assert notify_problems("", {"VISIBLE_NOTIFY_SMS_TEMPLATE_ID": ""}) == []  # Notify off


def test_a_key_that_is_not_a_notify_key_is_named_without_quoting_it():
    [problem] = notify_problems(
        "secret-123", {"VISIBLE_NOTIFY_SMS_TEMPLATE_ID": TEMPLATE_IDS["sms"]}
    )
    assert problem.startswith("VISIBLE_NOTIFY_API_KEY is not a GOV.UK Notify API key")
    assert "secret-123" not in problem


def test_a_missing_template_is_named():
    [problem] = notify_problems(API_KEY, {"VISIBLE_NOTIFY_SMS_TEMPLATE_ID": ""})
    assert problem.startswith("VISIBLE_NOTIFY_SMS_TEMPLATE_ID must be the id of a template")


def test_visible_refuses_to_start_with_a_broken_notify_setting():
    env = {k: v for k, v in os.environ.items() if not k.startswith("VISIBLE_NOTIFY")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "visible.config.settings.test",
        "PYTHONPATH": str(ROOT / "src"),
        "VISIBLE_NOTIFY_API_KEY": API_KEY,
        "VISIBLE_NOTIFY_EMAIL": "1",
        "VISIBLE_NOTIFY_SMS_TEMPLATE_ID": TEMPLATE_IDS["sms"],
    }
    ran = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode != 0
    assert "VISIBLE_NOTIFY_EMAIL_TEMPLATE_ID must be the id of a template" in ran.stderr
    assert API_KEY not in ran.stderr
