"""Appending to and checking the audit chain."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from visible.agencies.viewer import Viewer
from visible.db.bulk import BulkTable

from . import seal, watch
from .keys import UNKEYED, chain_key, key_id
from .models import (
    GENESIS_HASH,
    NEWEST_FIRST,
    AuditAction,
    AuditChainHead,
    AuditEvent,
    digest_of,
    hash_of,
)


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


def entry_values(viewer: Viewer, entry: Entry, at: dt.datetime) -> dict[str, Any]:
    """What an event appended for ``entry`` at ``at`` says: the fields its digest covers."""
    return dict(
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
    )


def unsealed_values(viewer: Viewer, entry: Entry, at: dt.datetime, key: bytes) -> dict[str, Any]:
    """Every field of the event appended, unsealed, for ``entry``: its contents and their
    digest, no place in the chain yet (seal.py gives it one). What an EventWriter stores."""
    values = entry_values(viewer, entry, at)
    values["digest"] = digest_of(values, key)
    values.update(seq=None, prev_hash="", hash="", key_id=key_id(key))
    return values


def event_values(
    viewer: Viewer, entry: Entry, seq: int, at: dt.datetime, prev_hash: str
) -> dict[str, Any]:
    """Every field of the event sealed for ``entry`` at ``seq`` after ``prev_hash``, its hash
    (keyed) and key id included, but no digest: what migration children.0004 appends (its
    historical model may predate the digest)."""
    key = chain_key()
    values = dict(seq=seq, **entry_values(viewer, entry, at), prev_hash=prev_hash)
    values["hash"] = hash_of(values, key)
    values["key_id"] = key_id(key)
    return values


EventWriter = Callable[[list[dict[str, Any]]], Sequence[Any]]
"""How appended events are stored: given every field of each new event (unsealed_values,
sealed or not), in order, it writes them in the caller's transaction and returns what it
wrote. The chain itself (order, hashes, the head) is record_many's and seal.py's alone: a
writer only chooses how rows go in.
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
    """Append one event to the log, to be sealed into the chain moments later (seal.py). Joins
    the caller's transaction: if the write it describes rolls back, so does its audit event."""
    entry = Entry(action, object_type, object_id, child_id, summary, purpose, detail)
    return record_many(viewer, [entry])[0]


def record_many(
    viewer: Viewer,
    entries: Iterable[Entry],
    writer: EventWriter = write_models,
    *,
    sealed: bool = False,
) -> list[Any]:
    """Append events in order, all by one viewer at one moment: the one way anything joins the
    log. Each event's contents and digest are computed, `writer` stores the rows (write_models,
    or write_rows for bulk imports), all in the caller's transaction. Returns what the writer
    wrote. Each event is exactly what ``record`` would append; ``verify`` checks them alike.

    The events are appended unsealed, without the chain head's lock, so appending never waits
    for another writer; they are sealed into the chain once the transaction commits, by the
    first writer to find the head free or by the worker (seal.py). With
    VISIBLE_AUDIT_SEAL_AT_ONCE (the tests) they are sealed at once, in the caller's transaction.

    With ``sealed`` (bulk writers: an import's tens of thousands of events, the sweep), the
    head is locked instead, the events already waiting are sealed first and these are appended
    sealed after them: one write of each row rather than an insert and an update, at the cost
    of holding the head until the caller commits (other writers still append; only sealing
    waits). Either way, an anchor due is written once the transaction has committed: never
    before, as the events might yet be rolled back, and never so that a failed anchor undoes
    the write."""
    with transaction.atomic():
        at = timezone.now().astimezone(dt.UTC)
        key = chain_key()
        rows = [unsealed_values(viewer, _with_route(entry), at, key) for entry in entries]
        if not rows:
            return []
        if sealed:
            head = seal.lock_head()
            seal.seal_locked(head)  # those waiting first: one order
            seal.link(rows, head, key)
            written = list(writer(rows))
            seal.save_head(head, at)
        else:
            written = list(writer(rows))
            if settings.VISIBLE_AUDIT_SEAL_AT_ONCE:
                _seal_at_once(written)
            elif settings.VISIBLE_AUDIT_SEAL_AFTER_COMMIT:
                transaction.on_commit(seal.seal_after_commit, robust=True)
    watch.noted(rows)
    return written


def _seal_at_once(written: list[Any]) -> None:
    """Seal in the caller's transaction, waiting for the head: the tests' way
    (VISIBLE_AUDIT_SEAL_AT_ONCE), so that every event has its number when record returns. The
    instances written are given their place too."""
    head = seal.lock_head()
    events = seal.seal_locked(head)
    if not events:
        return
    seal.save_head(head, timezone.now())
    placed = {event.pk: event for event in events}
    for event in written:
        if isinstance(event, AuditEvent) and event.pk in placed:
            for column in seal.CHAIN_COLUMNS:
                setattr(event, column, getattr(placed[event.pk], column))


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
class Altered:
    """An event whose contents no longer match the digest made when it was appended."""

    event_id: int
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = (
            f"event #{self.seq} (row id {self.event_id})"
            if self.seq is not None
            else f"the unsealed event with row id {self.event_id}"
        )
        return f"{where}: {self.problem}"


ALTERED_LISTED = 20  # verify names this many altered events, and counts the rest


@dataclass(frozen=True)
class VerifyResult:
    events_checked: int  # sealed events, from #1 to the head
    broken: BrokenLink | None  # the first broken link of the chain, if any
    head_hash: str
    altered: tuple[Altered, ...] = ()  # the first ALTERED_LISTED, sealed or not
    altered_count: int = 0
    tail: seal.Tail | None = None  # the events waiting to be sealed

    @property
    def chain_ok(self) -> bool:
        """The sealed chain is whole and no event differs from its digest."""
        return self.broken is None and not self.altered_count

    @property
    def ok(self) -> bool:
        """That, and nothing has waited too long to be sealed."""
        return self.chain_ok and (self.tail is None or self.tail.young)


def _events_in_order(chunk_size: int = 5000) -> Iterator[AuditEvent]:
    return (
        AuditEvent.objects.filter(seq__isnull=False).order_by("seq").iterator(chunk_size=chunk_size)
    )


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


def _digest_problem(event: AuditEvent, key: bytes, current_key_id: str) -> str:
    """Why an event does not match its digest (empty if it does). Events sealed before
    digests were made have none, and the chain's hash alone protects them."""
    if event.sealed and not event.digest:
        return ""
    if not event.digest:
        return "has no digest, so it was not appended by Visible: it was written straight into the database"
    if event.compute_digest(key) == event.digest:
        return ""
    if event.key_id != current_key_id:
        return (
            f"was appended with a different key (key id {event.key_id}; this server's has key id "
            f"{current_key_id})"
        )
    when = "before it was sealed" if event.sealed else "while it waits to be sealed"
    return (
        "its contents no longer match the digest made when it was appended: it was changed "
        f"{when}, or written straight into the database"
    )


def verify(progress: Any = None, now: dt.datetime | None = None) -> VerifyResult:
    """Walk the sealed chain from event #1 to the head; stop at the first broken link and say
    what is wrong there. Each hash is checked with the chain's key, which the database does
    not hold, and so is each event's digest (every event it finds altered is counted). Then
    the unsealed tail: each waiting event's digest, and how long the oldest has waited, as of
    ``now``: older than VISIBLE_AUDIT_SEAL_LIMIT fails (is the worker sealing?)."""
    key = chain_key()
    current_key_id = key_id(key)
    altered: list[Altered] = []
    altered_count = 0

    def check_digest(event: AuditEvent) -> None:
        nonlocal altered_count
        problem = _digest_problem(event, key, current_key_id)
        if problem:
            altered_count += 1
            if len(altered) < ALTERED_LISTED:
                altered.append(Altered(event.pk, event.seq, problem))

    checked, broken, head_hash = _walk_chain(key, current_key_id, check_digest, progress)
    for event in seal.unsealed().order_by("id").iterator(chunk_size=5000):
        check_digest(event)
        if progress is not None:
            progress.update(1)
    return VerifyResult(
        checked,
        broken,
        head_hash,
        altered=tuple(altered),
        altered_count=altered_count,
        tail=seal.unsealed_tail(now or timezone.now()),
    )


def _walk_chain(
    key: bytes, current_key_id: str, check_digest: Callable[[AuditEvent], None], progress: Any
) -> tuple[int, BrokenLink | None, str]:
    """(events checked, the first broken link or None, the last good hash)."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in _events_in_order():
        assert event.seq is not None  # sealed events only
        if event.seq != expected_seq:
            missing = (
                f"{expected_seq}"
                if event.seq == expected_seq + 1
                else f"{expected_seq} to {event.seq - 1}"
            )
            return (
                checked,
                BrokenLink(expected_seq, None, f"missing: event(s) {missing} were deleted"),
                expected_prev,
            )
        if event.prev_hash != expected_prev:
            return (
                checked,
                BrokenLink(
                    event.seq,
                    event.pk,
                    "does not follow the event before it: an earlier event was changed or removed",
                ),
                expected_prev,
            )
        if event.compute_hash(key) != event.hash:
            return (
                checked,
                BrokenLink(event.seq, event.pk, _hash_problem(event, current_key_id)),
                expected_prev,
            )
        check_digest(event)
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
        if progress is not None:
            progress.update(1)
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None and checked:
        return checked, BrokenLink(checked, None, "the chain head row is missing"), expected_prev
    if head is not None and (head.last_seq != checked or head.last_hash != expected_prev):
        return (
            checked,
            BrokenLink(
                checked + 1,
                None,
                f"missing: the chain head records {head.last_seq} events but only {checked} remain; the newest were deleted",
            ),
            expected_prev,
        )
    return checked, None, expected_prev


def events_for_child(child_id: int, actions: tuple[str, ...] | None = None):
    """A child's events, newest first: those still waiting to be sealed before the rest."""
    events = AuditEvent.objects.filter(child_id=child_id)
    if actions:
        events = events.filter(action__in=actions)
    return events.order_by(*NEWEST_FIRST)
