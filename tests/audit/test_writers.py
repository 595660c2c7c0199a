"""One way onto the audit chain, two ways of storing the rows: record_many computes the chain
(order, keyed hashes, the head, the anchor, refusals noted) and its writer only stores the
rows, as model instances (write_models) or in bulk for imports (write_rows). Whichever wrote
them, the events are the same and `visible audit verify` passes."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from freezegun import freeze_time

from tests.factories import as_viewer
from visible.audit import refusals
from visible.audit.log import Entry, record, record_many, verify, write_models, write_rows
from visible.audit.models import AuditChainHead, AuditEvent
from visible.cli import main

pytestmark = pytest.mark.django_db

FIELDS = [
    f.attname
    for f in AuditEvent._meta.concrete_fields
    if f.attname not in ("id", "seq", "hash", "prev_hash")  # the chain's own: checked by verify
]


def entries(n: int, action: str = "view") -> list[Entry]:
    return [
        Entry(
            action,
            object_type="child",
            object_id=i,
            child_id=None,
            summary=f"Looked at record {i} (synthetic) — naïve café",
            detail={"i": i, "when": "2026-03-02", "nested": {"b": [1, 2], "a": None}},
        )
        for i in range(n)
    ]


def stored(seqs) -> list[dict]:
    return list(AuditEvent.objects.filter(seq__in=seqs).order_by("seq").values(*FIELDS, "seq"))


def test_both_writers_store_the_same_events_and_the_chain_verifies(sw_a, capsys):
    viewer = as_viewer(sw_a)
    record(viewer, "view", object_type="child", object_id=1, summary="Before")
    with freeze_time("2026-03-02 09:00:00"):
        as_models = record_many(viewer, entries(3), writer=write_models)
        in_bulk = record_many(viewer, entries(3), writer=write_rows, sealed=True)
    assert all(isinstance(e, AuditEvent) for e in as_models)
    assert [row["seq"] for row in in_bulk] == [5, 6, 7]
    models_rows, bulk_rows = stored([2, 3, 4]), stored([5, 6, 7])
    for a, b in zip(models_rows, bulk_rows, strict=True):
        assert b["seq"] == a["seq"] + 3
        assert {k: v for k, v in a.items() if k != "seq"} == {
            k: v for k, v in b.items() if k != "seq"
        }
    assert json.loads(bulk_rows[0]["detail"])["nested"] == {"a": None, "b": [1, 2]}
    head = AuditChainHead.objects.get(pk=1)
    assert head.last_seq == 7 and head.last_hash == AuditEvent.objects.get(seq=7).hash
    record(viewer, "view", object_type="child", object_id=2, summary="After")  # chains on
    assert verify().ok and verify().events_checked == 8
    assert main(["audit", "verify"]) == 0
    assert "Audit chain intact: 8 events checked" in capsys.readouterr().out


def test_a_bulk_write_rolls_back_with_its_transaction(sw_a):
    viewer = as_viewer(sw_a)
    record(viewer, "view", summary="Kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        record_many(viewer, entries(50), writer=write_rows, sealed=True)
        raise RuntimeError("the import failed")
    assert AuditEvent.objects.count() == 1
    assert AuditChainHead.objects.get(pk=1).last_seq == 1
    record(viewer, "view", summary="Next")
    assert verify().ok and AuditEvent.objects.get(seq=2).summary == "Next"


def test_nothing_to_append_writes_nothing(sw_a):
    assert record_many(as_viewer(sw_a), [], writer=write_rows, sealed=True) == []
    assert not AuditEvent.objects.exists()


def test_a_bulk_import_anchors_the_head_after_it_commits(
    sw_a, settings, tmp_path, django_capture_on_commit_callbacks
):
    anchors = tmp_path / "anchors.log"
    settings.VISIBLE_AUDIT_ANCHOR_FILE = str(anchors)
    with django_capture_on_commit_callbacks(execute=True):
        record_many(as_viewer(sw_a), entries(20), writer=write_rows, sealed=True)
        assert not anchors.exists()  # nothing before the transaction commits
    written = [json.loads(line) for line in anchors.read_text().splitlines()]
    assert [(a["seq"], a["hash"]) for a in written] == [(20, AuditEvent.objects.get(seq=20).hash)]


def test_denials_count_for_the_request_whichever_writer_stored_them(sw_a, rf):
    token = refusals.begin(rf.get("/children/1/"))
    try:
        assert not refusals.already_audited()
        record_many(as_viewer(sw_a), entries(2, action="denied"), writer=write_rows, sealed=True)
        assert refusals.already_audited()
    finally:
        refusals.end(token)
