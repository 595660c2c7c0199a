"""Sealing the audit log: giving each appended event its place in the chain.

Appending an event (log.record, log.record_many) inserts it *unsealed*, in the writer's own
transaction, without touching the chain's head: no number, no chain hash yet, but every field
the chain's hash will cover is fixed, and its digest (an HMAC of those fields with the chain's
key, models.digest_of) is made there and then. So a page view never waits for another's audit
event, and an event still rolls back with the write it describes.

Sealing takes the head's lock, takes the committed unsealed events in the order they were
appended (by id), gives each the next number, the previous hash and its keyed chain hash,
updates them and moves the head, all in one short transaction; then anchors the head if an
anchor is due (anchors.py). Whoever holds the lock seals; everyone else carries on:

- the worker seals whatever is waiting every VISIBLE_AUDIT_SEAL_EVERY_SECONDS (5;
  worker/tasks.seal_audit), waiting for the lock if a bulk writer holds it; `visible audit
  seal` does the same by hand;
- should the oldest event waiting have waited VISIBLE_AUDIT_SEAL_DELAY (10 s: the worker is
  behind, or down), a request, once its own transaction has committed, tries the lock without
  waiting (SKIP LOCKED on PostgreSQL) and seals a batch if it gets it (seal_after_commit).
  Requests do not seal as a rule: a second transaction for every page view halved how many
  events a second could be appended (bench/results/audit-append.md);
- a bulk writer (an import's tens of thousands of events, the sweep) seals inline: it takes
  the lock, seals the pending events first and then appends its own already sealed
  (log.record_many with sealed=True), so the chain keeps one order.

An unsealed event whose contents no longer match its digest was changed (or made up) by
someone writing to the database directly: it is sealed as it stands, so that the chain goes on
protecting everything after it, and logged as an error; `visible audit verify` names it.

`unsealed_tail` says how many events wait and since when: /readyz and `visible status` fail,
and `visible audit verify` fails, once the oldest has waited longer than
VISIBLE_AUDIT_SEAL_LIMIT (docs/decisions/0010-audit-sealing.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .anchors import anchor_due, anchor_if_due
from .keys import chain_key, key_id
from .models import AuditChainHead, AuditEvent, hash_of

logger = logging.getLogger("visible.audit")

SEAL_BATCH = 1000  # events sealed per transaction by the worker and `visible audit seal`
AFTER_COMMIT_BATCH = 1000  # at most, by a request once its own transaction has committed
UPDATE_BATCH = 1000
CHAIN_COLUMNS = ["seq", "prev_hash", "hash", "key_id"]


def seal_limit() -> dt.timedelta:
    """How long an event may wait to be sealed before verify and /readyz say so."""
    return dt.timedelta(seconds=int(settings.VISIBLE_AUDIT_SEAL_LIMIT))


def unsealed() -> QuerySet[AuditEvent]:
    """The events appended and not yet sealed (the partial index audit_unsealed finds them)."""
    return AuditEvent.objects.filter(seq__isnull=True)


# --- the tail -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tail:
    """The events waiting to be sealed, as of ``now``."""

    count: int
    oldest_id: int | None
    oldest_at: dt.datetime | None
    now: dt.datetime
    limit: dt.timedelta

    @property
    def age(self) -> dt.timedelta:
        if self.oldest_at is None:
            return dt.timedelta(0)
        return max(dt.timedelta(0), self.now - self.oldest_at)

    @property
    def young(self) -> bool:
        """Nothing waits, or nothing has waited longer than the limit."""
        return self.count == 0 or self.age <= self.limit

    def describe(self) -> str:
        if not self.count:
            return "every event is sealed into the chain"
        when = timezone.localtime(self.oldest_at).strftime("%d/%m/%Y %H:%M:%S %Z")
        waiting = f"{self.count} event{'s' if self.count != 1 else ''} waiting to be sealed"
        return (
            f"{waiting}, the oldest (row id {self.oldest_id}) appended {when}, "
            f"{_seconds(self.age)} ago"
        )

    def problem(self) -> str:
        """Why the tail is too old, and what to do: empty when it is young."""
        if self.young:
            return ""
        return (
            f"{self.describe()}, longer than the limit of {int(self.limit.total_seconds())} s "
            "(VISIBLE_AUDIT_SEAL_LIMIT). Is the worker running? Start `visible worker`, or run "
            "`visible audit seal`"
        )


def _seconds(span: dt.timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def unsealed_tail(now: dt.datetime) -> Tail:
    waiting = unsealed()
    oldest = waiting.order_by("at", "id").values_list("id", "at").first()
    return Tail(
        count=waiting.count() if oldest else 0,
        oldest_id=oldest[0] if oldest else None,
        oldest_at=oldest[1] if oldest else None,
        now=now,
        limit=seal_limit(),
    )


# --- sealing ------------------------------------------------------------------------------------


def lock_head() -> AuditChainHead:
    """The chain's head, locked until the caller's transaction ends (waiting for it if another
    sealer holds it)."""
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    return head


def try_lock_head() -> AuditChainHead | None:
    """The chain's head, locked, or None at once if someone else holds it (PostgreSQL's SKIP
    LOCKED; on SQLite a transaction already holds the whole database's write lock)."""
    head = AuditChainHead.objects.select_for_update(skip_locked=True).filter(pk=1).first()
    if head is not None or AuditChainHead.objects.filter(pk=1).exists():
        return head
    return lock_head()  # not made yet: nobody can be holding it


def link(events: Iterable[Any], head: AuditChainHead, key: bytes) -> None:
    """Give each event (a row's values, or an AuditEvent) the next place in the chain after
    the head, and move the head (in memory: save_head stores it)."""
    kid = key_id(key)
    seq, last_hash = head.last_seq, head.last_hash
    for event in events:
        seq += 1
        if isinstance(event, dict):
            event.update(seq=seq, prev_hash=last_hash, key_id=kid)
            event["hash"] = last_hash = hash_of(event, key)
        else:
            event.seq, event.prev_hash, event.key_id = seq, last_hash, kid
            event.hash = last_hash = event.compute_hash(key)
    head.last_seq, head.last_hash = seq, last_hash


def save_head(head: AuditChainHead, now: dt.datetime) -> None:
    """Store the moved head; once the transaction commits, anchor it if an anchor is due
    (never before: the events might yet roll back)."""
    head.save(update_fields=["last_seq", "last_hash"])
    if anchor_due(head, now):
        transaction.on_commit(anchor_if_due, robust=True)


def seal_locked(head: AuditChainHead, *, limit: int | None = None) -> list[AuditEvent]:
    """With the head locked in the caller's transaction: seal up to ``limit`` of the waiting
    events this transaction can see, oldest appended first, and move the head (in memory: the
    caller calls save_head). Returns the events sealed."""
    waiting = unsealed().order_by("id")
    events = list(waiting[:limit] if limit is not None else waiting)
    if not events:
        return []
    key = chain_key()
    for event in events:
        if not event.digest or event.compute_digest(key) != event.digest:
            logger.error(
                "AUDIT EVENT ALTERED BEFORE IT WAS SEALED: row id %s no longer matches the digest "
                "made when it was appended (changed, or written straight into the database). It is "
                "sealed as it stands so that the chain goes on; `visible audit verify` reports it.",
                event.pk,
            )
    link(events, head, key)
    for start in range(0, len(events), UPDATE_BATCH):
        _store_places(events[start : start + UPDATE_BATCH])
    return events


def _store_places(events: list[AuditEvent]) -> None:
    """Write the sealed events' places in the chain with one statement (PostgreSQL: an UPDATE
    joined to the new values; SQLite: one prepared UPDATE, run for each), touching only rows
    still unsealed. Django's bulk_update builds a CASE per column that every row walks: it
    sealed a third as fast."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    values = [(e.seq, e.prev_hash, e.hash, e.key_id, e.pk) for e in events]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS e SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash, "
                "key_id = v.key_id FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], "
                "%s::bigint[]) AS v(seq, prev_hash, hash, key_id, id) "
                "WHERE e.id = v.id AND e.seq IS NULL",
                [list(column) for column in zip(*values, strict=True)],
            )
            stored = cursor.rowcount
        else:
            stored = 0
            for row in values:
                cursor.execute(
                    f"UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s, key_id = %s "
                    "WHERE id = %s AND seq IS NULL",
                    row,
                )
                stored += cursor.rowcount
    if stored != len(events):  # the head's lock rules this out: never seal over a doubt
        raise RuntimeError(
            f"sealing {len(events)} audit events found only {stored} still unsealed: another "
            "sealer without the chain head's lock? Nothing was sealed"
        )


@dataclass(frozen=True)
class Sealed:
    events: int  # sealed by this call
    head_seq: int | None  # the chain's newest event now (None: the head was busy, nothing done)


def seal_pending(*, limit: int | None = None, wait: bool = True, batch: int = SEAL_BATCH) -> Sealed:
    """Seal the committed events waiting, ``batch`` to a transaction (each releasing the head
    between batches), up to ``limit`` in all. Without ``wait``, stops at once if someone else
    holds the head (they are sealing)."""
    done, head_seq = 0, None
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        if not unsealed().exists():  # a read: no lock, no write transaction for nothing
            newest = AuditChainHead.objects.filter(pk=1).values_list("last_seq", flat=True)
            head_seq = newest.first() or 0
            break
        with transaction.atomic():
            head = lock_head() if wait else try_lock_head()
            if head is None:
                break
            events = seal_locked(head, limit=size)
            if events:
                save_head(head, timezone.now())
            head_seq = head.last_seq
        done += len(events)
        if len(events) < size:
            break
    return Sealed(done, head_seq)


def seal_after_commit() -> None:
    """After a transaction that appended events commits: if the oldest event waiting has
    waited VISIBLE_AUDIT_SEAL_DELAY seconds (the worker is behind, or down), seal a batch,
    unless someone else is sealing (then carry on at once: they are). Otherwise leave it to the
    worker, so that a page view pays for one transaction, not two. Never raises: the write has
    committed and stands; the worker seals what is left."""
    try:
        oldest = unsealed().order_by("id").values_list("at", flat=True).first()
        delay = dt.timedelta(seconds=float(settings.VISIBLE_AUDIT_SEAL_DELAY))
        if oldest is None or timezone.now() - oldest < delay:
            return
        seal_pending(limit=AFTER_COMMIT_BATCH, wait=False, batch=AFTER_COMMIT_BATCH)
    except Exception:  # noqa: BLE001 (nothing may reach the user: their write is kept)
        logger.warning(
            "Audit events not sealed after a write; the worker will seal them", exc_info=True
        )
