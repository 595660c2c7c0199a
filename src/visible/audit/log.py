"""Appending to and checking the audit chain."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.utils import timezone

from visible.agencies.viewer import Viewer
from visible.db.bulk import BulkTable

from . import watch
from .anchors import anchor_due, anchor_if_due
from .keys import UNKEYED, chain_key, key_id
from .models import GENESIS_HASH, AuditAction, AuditChainHead, AuditEvent, hash_of


def canonical_json(detail: dict[str, Any] | None) -> str:
    if not detail:
        return ""
    return json.dumps(
        detail, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )


@dataclass(frozen=True)
class Entry:
    """One event to append: what was done, to what, and why."""

    action: AuditAction | str
    object_type: str = ""
    object_id: object = ""
    child_id: int | None = None
    summary: str = ""
    purpose: str = ""
    detail: dict[str, Any] | None = None


def event_values(
    viewer: Viewer, entry: Entry, seq: int, at: dt.datetime, prev_hash: str
) -> dict[str, Any]:
    """Every field of the event appended for ``entry`` at ``seq``, its hash (keyed) and key id
    included: what an EventWriter stores."""
    key = chain_key()
    values = dict(
        seq=seq,
        at=at,
        actor_user_id=viewer.user_id,
        actor_username=viewer.username[:150],
        organisation_id=viewer.organisation_id,
        organisation_name=viewer.organisation.name if viewer.organisation else "",
        role=viewer.role or "",
        action=str(entry.action),
        object_type=entry.object_type,
        object_id=str(entry.object_id or "")[:64],
        child_id=entry.child_id,
        summary=entry.summary[:500],
        purpose=entry.purpose[:500],
        detail=canonical_json(entry.detail),
        prev_hash=prev_hash,
    )
    values["hash"] = hash_of(values, key)
    values["key_id"] = key_id(key)
    return values


EventWriter = Callable[[list[dict[str, Any]]], Sequence[Any]]
"""How appended events are stored: given every field of each new event (event_values), in
chain order, it writes them in the caller's transaction and returns what it wrote. The chain
itself (order, hashes, the head) is record_many's alone: a writer only chooses how rows go in.
"""


def write_models(rows: list[dict[str, Any]], batch: int = 1000) -> list[AuditEvent]:
    """The usual writer: AuditEvent instances, one saved, or many with bulk_create in batches
    (the national sweep, retention). Returns the saved instances."""
    events = [AuditEvent(**values) for values in rows]
    if len(events) == 1:
        events[0].save(force_insert=True)
    else:
        for start in range(0, len(events), batch):
            AuditEvent.objects.bulk_create(events[start : start + batch])
    return events


def write_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bulk writer, for imports that append tens of thousands of events: the rows go
    straight in with visible.db.bulk (COPY on PostgreSQL), with no model instances; bulk_create
    spent more on 50,000 events than the rest of an SSDA903 import together. The same columns
    are stored, so verify checks them alike. Returns the rows."""
    BulkTable(AuditEvent, rows[0]["at"], repeats=True).insert(rows)  # one `at` for all
    return rows


def record(
    viewer: Viewer,
    action: AuditAction | str,
    *,
    object_type: str = "",
    object_id: object = "",
    child_id: int | None = None,
    summary: str = "",
    purpose: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain. Joins the caller's transaction: if the write it
    describes rolls back, so does its audit event."""
    entry = Entry(action, object_type, object_id, child_id, summary, purpose, detail)
    return record_many(viewer, [entry])[0]


def record_many(
    viewer: Viewer, entries: Iterable[Entry], writer: EventWriter = write_models
) -> list[Any]:
    """Append events to the chain in order, all by one viewer at one moment: the one way
    anything joins the chain. The head is locked once, each event's values and keyed hash are
    computed in order from it, `writer` stores the rows (write_models, or write_rows for bulk
    imports) and the head moves on, all in the caller's transaction. Returns what the writer
    wrote. Each event is exactly what ``record`` would append; ``verify`` checks them alike.

    If the chain's head is due to be anchored (anchors.py), an anchor is written once the
    transaction has committed: never before, as the events might yet be rolled back, and
    never so that a failed anchor undoes the write."""
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        at = timezone.now().astimezone(dt.UTC)
        rows, seq, last_hash = [], head.last_seq, head.last_hash
        for entry in entries:
            entry = _with_route(entry)
            seq += 1
            values = event_values(viewer, entry, seq, at, last_hash)
            last_hash = values["hash"]
            rows.append(values)
        if not rows:
            return []
        written = list(writer(rows))
        head.last_seq, head.last_hash = seq, last_hash
        head.save(update_fields=["last_seq", "last_hash"])
        if anchor_due(head, at):
            transaction.on_commit(anchor_if_due, robust=True)
    watch.noted(rows)
    return written


def _with_route(entry: Entry) -> Entry:
    """A denied event written while a request is answered names the route it came through
    (watch.route_detail), whoever writes it."""
    if str(entry.action) != AuditAction.DENIED:
        return entry
    route = watch.route_detail()
    if not route:
        return entry
    return replace(entry, detail=route | (entry.detail or {}))


def plain_value(value: Any) -> Any:
    """A value as the audit detail stores it: dates as ISO text, records by their id."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain_value(v) for v in value]
    if hasattr(value, "pk"):
        return value.pk
    return value


def record_for(
    viewer: Viewer, action: AuditAction | str, obj: Any, child_id: int, summary: str, detail: dict
) -> AuditEvent:
    """Record an action on one record of a child's (a flag, an episode, an alert...)."""
    return record(
        viewer,
        action,
        object_type=type(obj).__name__.lower(),
        object_id=obj.pk,
        child_id=child_id,
        summary=summary,
        detail=detail,
    )


@dataclass(frozen=True)
class BrokenLink:
    seq: int
    event_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event #{self.seq}" + (f" (row id {self.event_id})" if self.event_id else "")
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class VerifyResult:
    events_checked: int
    broken: BrokenLink | None
    head_hash: str

    @property
    def ok(self) -> bool:
        return self.broken is None


def _events_in_order(chunk_size: int = 5000) -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size)


def _hash_problem(event: AuditEvent, current_key_id: str) -> str:
    """Why an event's hash does not match: the key tells a changed row from a chain written
    with another key (or before the chain was keyed)."""
    if event.key_id == UNKEYED:
        return (
            "was hashed before the audit chain was keyed: run `visible audit rekey` once to re-hash the old "
            "chain with the key (docs/security.md)"
        )
    if event.key_id != current_key_id:
        return (
            f"was written with a different key (key id {event.key_id}; this server's VISIBLE_AUDIT_KEY has key id "
            f"{current_key_id}): set the key the chain was written with, or the chain was rewritten with another"
        )
    return "its contents no longer match its hash: the row was changed after it was written"


def verify(progress: Any = None) -> VerifyResult:
    """Walk the whole chain; stop at the first broken link and say what is wrong there. Each
    hash is checked with the chain's key, which the database does not hold."""
    key = chain_key()
    current_key_id = key_id(key)
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in _events_in_order():
        if event.seq != expected_seq:
            missing = (
                f"{expected_seq}"
                if event.seq == expected_seq + 1
                else f"{expected_seq} to {event.seq - 1}"
            )
            return VerifyResult(
                checked,
                BrokenLink(expected_seq, None, f"missing: event(s) {missing} were deleted"),
                expected_prev,
            )
        if event.prev_hash != expected_prev:
            return VerifyResult(
                checked,
                BrokenLink(
                    event.seq,
                    event.pk,
                    "does not follow the event before it: an earlier event was changed or removed",
                ),
                expected_prev,
            )
        if event.compute_hash(key) != event.hash:
            return VerifyResult(
                checked,
                BrokenLink(event.seq, event.pk, _hash_problem(event, current_key_id)),
                expected_prev,
            )
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
        if progress is not None:
            progress.update(1)
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None and checked:
        return VerifyResult(
            checked, BrokenLink(checked, None, "the chain head row is missing"), expected_prev
        )
    if head is not None and (head.last_seq != checked or head.last_hash != expected_prev):
        return VerifyResult(
            checked,
            BrokenLink(
                checked + 1,
                None,
                f"missing: the chain head records {head.last_seq} events but only {checked} remain; the newest were deleted",
            ),
            expected_prev,
        )
    return VerifyResult(checked, None, expected_prev)


def events_for_child(child_id: int, actions: tuple[str, ...] | None = None):
    events = AuditEvent.objects.filter(child_id=child_id)
    if actions:
        events = events.filter(action__in=actions)
    return events.order_by("-seq")
