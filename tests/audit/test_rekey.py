"""`visible audit rekey`: a database whose chain was hashed before the chain was keyed is
checked with the old hashing and then re-hashed with the key, once; a broken old chain is
refused and left as it was."""

from __future__ import annotations

import pytest

from tests.audit.tampering import plain_sha256, rewrite_chain
from tests.factories import as_viewer
from visible.audit.anchors import write_anchor
from visible.audit.log import record, verify
from visible.audit.models import AuditChainHead, AuditEvent
from visible.cli import main

pytestmark = pytest.mark.django_db


@pytest.fixture
def anchors(settings, tmp_path):
    path = tmp_path / "audit-anchors.log"
    settings.VISIBLE_AUDIT_ANCHOR_FILE = str(path)
    return path


def old_chain(viewer, count: int) -> None:
    """Events as a database written before the chain was keyed holds them after migrating:
    plain SHA-256 hashes, no key id."""
    for n in range(count):
        record(viewer, "view", object_type="child", object_id=n, summary=f"Viewed record {n}")
    rewrite_chain(plain_sha256)
    AuditEvent.objects.update(key_id="")


def hashes() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("hash", flat=True))


def run_cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_an_old_chain_is_named_by_verify_and_rekeyed_once(sw_a, anchors, capsys):
    viewer = as_viewer(sw_a)
    old_chain(viewer, 12)
    code, out, err = run_cli(capsys, "audit", "verify")
    assert code == 1 and "hashed before the audit chain was keyed: run `visible audit rekey`" in err
    with pytest.raises(ValueError, match="run `visible audit rekey` first"):
        write_anchor()  # no anchor of a chain whose hashes are about to change
    old_head = AuditChainHead.objects.get(pk=1).last_hash

    code, out, err = run_cli(capsys, "audit", "rekey")
    assert code == 0, err
    assert (
        "12 events checked with the old hashing and re-hashed" in out
        and f"Old head hash {old_head}" in out
    )
    assert "Audit chain head anchored: event #13" in out
    assert verify().ok and verify().events_checked == 13
    rekey_event = AuditEvent.objects.get(seq=13)
    assert rekey_event.action == "rekey" and rekey_event.actor_username.startswith("cli")
    assert (
        rekey_event.detail_data["old_head_hash"] == old_head
        and rekey_event.detail_data["unkeyed_events"] == 12
    )
    code, out, err = run_cli(capsys, "audit", "verify", "--anchors", str(anchors))
    assert code == 0 and "Anchors match" in out

    anchors.unlink()
    code, out, err = run_cli(capsys, "audit", "rekey")
    assert code == 2 and "nothing to rekey" in err


def test_events_the_new_version_appended_before_the_rekey_are_kept(sw_a, anchors):
    viewer = as_viewer(sw_a)
    old_chain(viewer, 5)
    record(
        viewer,
        "view",
        object_type="child",
        object_id=99,
        summary="After the upgrade, before the rekey",
    )
    assert main(["audit", "rekey"]) == 0
    assert (
        verify().ok
        and AuditEvent.objects.get(seq=6).summary == "After the upgrade, before the rekey"
    )


def test_a_broken_old_chain_is_refused_and_left_as_it_was(sw_a, anchors, capsys):
    old_chain(as_viewer(sw_a), 8)
    AuditEvent.objects.filter(seq=4).update(summary="Nothing to see")
    before = hashes()
    code, out, err = run_cli(capsys, "audit", "rekey")
    assert (
        code == 2
        and "the audit chain is broken at event #4" in err
        and "Nothing was re-hashed" in err
    )
    assert hashes() == before and not AuditEvent.objects.filter(action="rekey").exists()

    AuditEvent.objects.filter(seq=4).delete()
    code, out, err = run_cli(capsys, "audit", "rekey")
    assert (
        code == 2
        and "event #4, which is missing" in err
        and hashes() == [h for h in before if h != before[3]]
    )


def test_a_chain_that_was_anchored_is_not_rekeyed(sw_a, anchors, capsys):
    """Someone without the key rewrites a keyed chain in the old, unkeyed form, hoping that a
    rekey will bless it: anchors exist only for keyed chains, so the rekey refuses."""
    viewer = as_viewer(sw_a)
    for n in range(6):
        record(viewer, "view", object_type="child", object_id=n)
    write_anchor()
    rewrite_chain(plain_sha256, drop=[2, 3])
    AuditEvent.objects.update(key_id="")
    before = hashes()
    code, out, err = run_cli(capsys, "audit", "rekey")
    assert code == 2 and "already holds anchors" in err and hashes() == before
