"""Where the audit chain's key comes from: production refuses to start without it in the
environment; the local demo makes a random one once and keeps it in a file of its own (mode
0600), never in the database; the tests' key says it is not for production."""

from __future__ import annotations

import json
import stat

from django.conf import settings

from tests.security.test_passwords_and_settings import settings_in_a_fresh_process


def test_production_refuses_to_start_without_an_audit_key():
    result = settings_in_a_fresh_process(
        "visible.config.settings.production", "DEBUG", env={"VISIBLE_SECRET_KEY": "k" * 50}
    )
    assert (
        result.returncode != 0
        and "Set VISIBLE_AUDIT_KEY in the environment before starting Visible" in result.stderr
    )
    short = settings_in_a_fresh_process(
        "visible.config.settings.production",
        "DEBUG",
        env={"VISIBLE_SECRET_KEY": "k" * 50, "VISIBLE_AUDIT_KEY": "too-short"},
    )
    assert short.returncode != 0 and "at least 32 random characters" in short.stderr
    good = settings_in_a_fresh_process(
        "visible.config.settings.production",
        "VISIBLE_AUDIT_KEY",
        env={"VISIBLE_SECRET_KEY": "k" * 50, "VISIBLE_AUDIT_KEY": "a" * 40},
    )
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout.strip().splitlines()[-1])["VISIBLE_AUDIT_KEY"] == "a" * 40


def test_the_demo_makes_its_key_once_and_keeps_it_in_a_private_file(tmp_path):
    env = {"VISIBLE_VAR_DIR": str(tmp_path)}
    first = settings_in_a_fresh_process(
        "visible.config.settings.dev", "VISIBLE_AUDIT_KEY", "VISIBLE_AUDIT_ANCHOR_FILE", env=env
    )
    assert first.returncode == 0, first.stderr
    values = json.loads(first.stdout.strip().splitlines()[-1])
    key_file = tmp_path / "audit.key"
    assert (
        len(values["VISIBLE_AUDIT_KEY"]) == 64
        and key_file.read_text().strip() == values["VISIBLE_AUDIT_KEY"]
    )
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert values["VISIBLE_AUDIT_ANCHOR_FILE"] == str(tmp_path / "audit-anchors.log")
    again = settings_in_a_fresh_process("visible.config.settings.dev", "VISIBLE_AUDIT_KEY", env=env)
    assert (
        json.loads(again.stdout.strip().splitlines()[-1])["VISIBLE_AUDIT_KEY"]
        == values["VISIBLE_AUDIT_KEY"]
    )
    assert [
        p.name for p in tmp_path.iterdir() if p.name.startswith(".audit.key")
    ] == []  # no half-made files left


def test_the_tests_key_says_it_is_not_for_production():
    assert "NOT-FOR-PRODUCTION" in settings.VISIBLE_AUDIT_KEY
