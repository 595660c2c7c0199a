"""The audit log is a hash chain: verify passes on an honest log, and names the first broken
link after a row is edited or deleted directly in the database."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.conftest import as_viewer
from visible.audit.log import record, verify
from visible.audit.models import AuditEvent
from visible.cli import main

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(sw_a):
    viewer = as_viewer(sw_a)
    for n in range(6):
        record(viewer, "view", object_type="child", object_id=n, summary=f"Viewed record {n}")
    return list(AuditEvent.objects.order_by("seq"))


def run_cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_an_untouched_chain_verifies(log, capsys):
    result = verify()
    assert result.ok and result.events_checked == len(log)
    code, output = run_cli(capsys, "audit", "verify")
    assert code == 0 and f"{len(log)} events checked" in output


def test_editing_a_row_in_the_database_is_detected_and_named(log, capsys):
    victim = log[2]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET summary = %s WHERE id = %s", ["Nothing to see", victim.pk])
    result = verify()
    assert not result.ok and result.broken.seq == victim.seq
    code, output = run_cli(capsys, "audit", "verify")
    assert code == 1
    assert f"event #{victim.seq} (row id {victim.pk})" in output and "changed after it was written" in output


def test_rewriting_a_rows_hash_to_match_is_still_detected_by_the_next_link(log):
    victim = log[1]
    victim.summary = "Rewritten"
    victim.hash = victim.compute_hash()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET summary = %s, hash = %s WHERE id = %s", [victim.summary, victim.hash, victim.pk])
    result = verify()
    assert not result.ok and result.broken.seq == victim.seq + 1
    assert "does not follow the event before it" in result.broken.problem


def test_deleting_a_row_is_detected(log, capsys):
    victim = log[3]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
    result = verify()
    assert not result.ok and result.broken.seq == victim.seq
    assert "deleted" in result.broken.problem


def test_deleting_the_newest_rows_is_detected(log):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq > %s", [log[-3].seq])
    result = verify()
    assert not result.ok and "newest were deleted" in result.broken.problem


def test_events_record_who_and_for_which_organisation(log, sw_a):
    event = log[0]
    assert event.actor_user_id == sw_a.pk and event.organisation_name.startswith("Croydon")
    assert event.role == "social_worker"
