"""The audit log is a hash chain keyed with VISIBLE_AUDIT_KEY: verify passes on an honest log,
names the first broken link after a row is edited or deleted directly in the database, and a
rewritten chain re-hashed without the key does not verify. (Anchors, which catch a rewrite by
someone who has the key: test_anchors.py.)"""

from __future__ import annotations

import hashlib

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from tests.audit.tampering import plain_sha256, rewrite_chain
from tests.factories import as_viewer
from visible.audit.log import record, verify
from visible.audit.models import AuditChainHead, AuditEvent, hash_of
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
        cursor.execute(
            "UPDATE audit_auditevent SET summary = %s WHERE id = %s", ["Nothing to see", victim.pk]
        )
    result = verify()
    assert not result.ok and result.broken.seq == victim.seq
    code, output = run_cli(capsys, "audit", "verify")
    assert code == 1
    assert (
        f"event #{victim.seq} (row id {victim.pk})" in output
        and "changed after it was written" in output
    )


def test_rewriting_a_rows_hash_to_match_is_still_detected_by_the_next_link(log):
    victim = log[1]
    victim.summary = "Rewritten"
    victim.hash = victim.compute_hash()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET summary = %s, hash = %s WHERE id = %s",
            [victim.summary, victim.hash, victim.pk],
        )
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


def test_a_chain_rewritten_without_the_key_does_not_verify(sw_a, capsys):
    """The reviewer's attack: delete 30 events, re-hash the rest and update the head. Without
    the key they can only make plain SHA-256 hashes (or hashes with a key of their own)."""
    viewer = as_viewer(sw_a)
    for n in range(40):
        record(viewer, "view", object_type="child", object_id=n, summary=f"Viewed record {n}")
    assert verify().ok
    remaining = rewrite_chain(plain_sha256, drop=range(5, 35))
    assert remaining == 10 and AuditChainHead.objects.get(pk=1).last_seq == 10
    result = verify()
    assert not result.ok and result.broken.seq == 1
    code, output = run_cli(capsys, "audit", "verify")
    assert (
        code == 1
        and "Audit chain BROKEN at event #1" in output
        and "changed after it was written" in output
    )

    # Nor with the right algorithm and a key of their own: verify says which key it was.
    rewrite_chain(lambda values: hash_of(values, b"a-key-of-the-attackers-own-choosing-0123456789"))
    result = verify()
    assert not result.ok and result.broken.seq == 1


def test_each_event_records_the_keys_id_and_never_the_key(log):
    expected = hashlib.sha256(settings.VISIBLE_AUDIT_KEY.encode()).hexdigest()[:8]
    assert {event.key_id for event in AuditEvent.objects.all()} == {expected}
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_auditevent")
        stored = repr(cursor.fetchall()) + repr(list(AuditChainHead.objects.values()))
    assert settings.VISIBLE_AUDIT_KEY not in stored


def test_a_chain_written_with_another_key_says_so(sw_a, capsys):
    other_key = "another-servers-audit-key-0123456789-abcdefghijklmnop"
    with override_settings(VISIBLE_AUDIT_KEY=other_key):
        for n in range(3):
            record(as_viewer(sw_a), "view", object_type="child", object_id=n)
        assert verify().ok  # under the key it was written with
    other_id = hashlib.sha256(other_key.encode()).hexdigest()[:8]
    ours = hashlib.sha256(settings.VISIBLE_AUDIT_KEY.encode()).hexdigest()[:8]
    result = verify()
    assert not result.ok and result.broken.seq == 1
    code, output = run_cli(capsys, "audit", "verify")
    assert code == 1
    assert (
        "written with a different key" in output
        and f"key id {other_id}" in output
        and f"key id {ours}" in output
    )
