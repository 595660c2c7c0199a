"""`visible audit rekey`: once, on a database whose audit chain was written before the chain
was keyed (plain SHA-256), re-hash it with the key.

The old chain is checked first, link by link, with the hashing it was written with: events
without a key id with the old plain hash, and any events the new version appended before
the rekey with the key. If any link is broken, nothing is changed: a rekey must never turn a
tampered chain into one that verifies. Otherwise every event is re-hashed with the key in
one transaction, with the chain's head locked so nothing is appended meanwhile, and the
rekey itself is recorded as an audit event (the old and new head hashes in its detail).

Refused when the anchor file already holds anchors: anchors are written only once a chain is
keyed (anchors.py), so a chain that needs rekeying after that was rewritten, and re-hashing
it would launder the rewrite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from django.db import transaction

from visible.agencies.viewer import Viewer

from .anchors import anchor_file, read_anchors
from .keys import UNKEYED, chain_key, key_id
from .log import record
from .models import (
    GENESIS_HASH,
    HASHED_FIELDS,
    AuditAction,
    AuditChainHead,
    AuditEvent,
    hash_of,
    unkeyed_hash_of,
)

PAGE = 2000


@dataclass(frozen=True)
class Rekeyed:
    events: int  # re-hashed (the rekey's own event not counted)
    old_head_hash: str
    new_head_hash: str
    key_id: str


def rekey(viewer: Viewer) -> Rekeyed:
    key = chain_key()
    new_key_id = key_id(key)
    _refuse_if_anchored()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        old_prev = new_prev = GENESIS_HASH
        seq = unkeyed = 0
        keyed_seen = False
        while True:
            page = list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq")[:PAGE])
            if not page:
                break
            for event in page:
                seq += 1
                where = f"event #{seq}"
                if event.seq != seq:
                    _refuse(
                        where, f"is missing (the next event is #{event.seq}): events were deleted"
                    )
                if event.prev_hash != old_prev:
                    _refuse(
                        where,
                        "does not follow the event before it: an earlier event was changed or removed",
                    )
                values = {name: getattr(event, name) for name in HASHED_FIELDS}
                if event.key_id == UNKEYED:
                    if keyed_seen:
                        _refuse(
                            where,
                            "has no key id but comes after keyed events: the chain was rewritten",
                        )
                    if unkeyed_hash_of(values) != event.hash:
                        _refuse(
                            where,
                            "no longer matches its (unkeyed) hash: the row was changed after it was written",
                        )
                    unkeyed += 1
                elif event.key_id == new_key_id:
                    keyed_seen = True
                    if hash_of(values, key) != event.hash:
                        _refuse(
                            where,
                            "no longer matches its hash: the row was changed after it was written",
                        )
                else:
                    _refuse(
                        where,
                        f"was written with a different key (key id {event.key_id}, this server's is "
                        f"{new_key_id}): rekey with the key the chain was written with",
                    )
                old_prev = event.hash
                event.prev_hash = values["prev_hash"] = new_prev
                event.hash = new_prev = hash_of(values, key)
                event.key_id = new_key_id
            AuditEvent.objects.bulk_update(page, ["prev_hash", "hash", "key_id"], batch_size=500)
        if head.last_seq != seq:
            _refuse(
                f"event #{seq + 1}",
                f"is missing: the chain head records {head.last_seq} events but {seq} remain",
            )
        if head.last_hash != old_prev:
            _refuse(
                f"event #{seq}",
                "is not the one the chain head records: the newest events were changed",
            )
        if not unkeyed:
            raise ValueError(
                f"nothing to rekey: every event is already hashed with this key (key id {new_key_id})"
            )
        head.last_hash = new_prev
        head.save(update_fields=["last_hash"])
        record(
            viewer,
            AuditAction.REKEY,
            object_type="audit_chain",
            summary=f"Audit chain re-hashed with its key (key id {new_key_id}): {seq} events, {unkeyed} of them "
            "written before the chain was keyed",
            detail={
                "events": seq,
                "unkeyed_events": unkeyed,
                "old_head_hash": old_prev,
                "new_head_hash": new_prev,
                "key_id": new_key_id,
            },
        )
    return Rekeyed(events=seq, old_head_hash=old_prev, new_head_hash=new_prev, key_id=new_key_id)


def _refuse(where: str, problem: str) -> NoReturn:
    raise ValueError(
        f"the audit chain is broken at {where}, which {problem}. Nothing was re-hashed: "
        "find out what happened to the chain first (`visible audit verify` will not pass)"
    )


def _refuse_if_anchored() -> None:
    path = anchor_file()
    if path.exists() and read_anchors(path):
        raise ValueError(
            f"the anchor file {path} already holds anchors, which are written only for a keyed chain: "
            "this chain was keyed before, so an unkeyed chain now means it was rewritten. Nothing was "
            "re-hashed; run `visible audit verify --anchors` to see where"
        )
