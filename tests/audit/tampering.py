"""What someone with write access to the database does to hide events, for the audit tests:
delete them, renumber the rest so no number is missing, re-hash the chain and move its head
to match. Whether the rewrite verifies depends only on the hash they can make."""

from __future__ import annotations

import hashlib
import json

from visible.audit.models import GENESIS_HASH, HASHED_FIELDS, AuditChainHead, AuditEvent


def plain_sha256(values) -> str:
    """The chain's hash as it was before it was keyed, which anyone can compute: SHA-256 of
    the hashed fields as compact JSON."""
    payload = [
        values[name].isoformat(timespec="microseconds") if name == "at" else values[name]
        for name in HASHED_FIELDS
    ]
    return hashlib.sha256(
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    ).hexdigest()


def rewrite_chain(hasher, drop=()) -> int:
    """Delete the events numbered in ``drop``, renumber and re-hash the rest with ``hasher``
    (field values -> hash), and update the head. Returns the new number of events."""
    AuditEvent.objects.filter(seq__in=list(drop)).delete()
    prev, seq = GENESIS_HASH, 0
    for seq, event in enumerate(list(AuditEvent.objects.order_by("seq")), start=1):
        event.seq, event.prev_hash = seq, prev
        event.hash = prev = hasher({name: getattr(event, name) for name in HASHED_FIELDS})
        event.save(update_fields=["seq", "prev_hash", "hash"])
    AuditChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=prev)
    return seq
