"""The audit log: an append-only, hash-chained record of every view, search, count, change
and export.

Each event's hash covers its own contents and the previous event's hash, so changing or
deleting any row breaks the chain from that row on; `visible audit verify` finds the first
broken link. The hash is an HMAC with a key kept outside the database (keys.py): without
it, a rewritten chain cannot be made to verify. The chain head (last sequence number and
hash) is kept in its own row, locked while events are sealed into the chain, so events are
chained in one order even under concurrent writes, and deleting the newest events is detected
too; the head is also copied, at least hourly, to an append-only anchor file outside the
database (anchors.py), which catches a rewrite even by someone who holds the key.

An event is appended *unsealed* (no number, no chain hash) without taking the head's lock, and
sealed into the chain moments later, in order, by seal.py (docs/decisions/0010-audit-sealing.md).
While it waits it is protected by its digest: an HMAC, with the same key, of its own contents,
made when it was appended, so that it cannot be changed or made up unnoticed before it is
sealed.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from django.db import models
from django.db.models import F, Q

from .keys import chain_key


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    LIST = "list", "Listed"
    SEARCH = "search", "Searched"
    COUNT = "count", "Counted"
    CREATE = "create", "Created"
    CHANGE = "change", "Changed"
    END = "end", "Ended"
    EXPORT = "export", "Exported"
    DENIED = "denied", "Access denied"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGN_OUT = "sign_out", "Signed out"
    GENERATE = "generate", "Generated synthetic data"
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled", "Set up a second factor"
    SECOND_FACTOR_FAILED = "second_factor_failed", "Second-factor code refused"
    SECOND_FACTOR_RESET = "second_factor_reset", "Second factor reset"
    RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used"
    SIGN_IN_LOCKOUT = "sign_in_lockout", "Locked out after failed sign-ins"
    SIGN_IN_UNLOCK = "sign_in_unlock", "Lockout lifted"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset asked for"
    PASSWORD_RESET = "password_reset", "Password reset"
    RETENTION_REPORT = "retention_report", "Retention report made"
    RETENTION_DELETE = "retention_delete", "Deleted at the end of retention"
    REKEY = "rekey", "Audit chain re-hashed with its key"


GENESIS_HASH = "0" * 64

# The fields, in order, that an event's hash covers.
HASHED_FIELDS = (
    "seq",
    "at",
    "actor_user_id",
    "actor_username",
    "organisation_id",
    "organisation_name",
    "role",
    "action",
    "object_type",
    "object_id",
    "child_id",
    "summary",
    "purpose",
    "detail",
    "prev_hash",
)
# The fields an event's digest covers: its own contents, made when it is appended, before it
# has a place in the chain.
DIGESTED_FIELDS = tuple(name for name in HASHED_FIELDS if name not in ("seq", "prev_hash"))
# Kept apart from the chain's hashes: a digest is never a valid chain hash, nor the reverse.
_DIGEST_DOMAIN = b"visible-audit-event-digest\x00"

# Newest last in the chain's order; events not yet sealed (no seq) come after every sealed one,
# in the order they were appended.
CHAIN_ORDER = (F("seq").asc(nulls_last=True), F("id").asc())
NEWEST_FIRST = (F("seq").desc(nulls_first=True), F("id").desc())


class AuditEvent(models.Model):
    # Its place in the chain, given when it is sealed (seal.py); null while it waits.
    seq = models.BigIntegerField(unique=True, null=True, blank=True)
    at = models.DateTimeField(db_index=True)
    actor_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # Not a foreign key: the log outlives the records it describes and must never cascade.
    child_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    summary = models.CharField(max_length=500, blank=True)
    purpose = models.CharField(max_length=500, blank=True)
    detail = models.TextField(blank=True, help_text="Canonical JSON: what changed, what was asked")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # Which key the hash was made with (keys.key_id; empty: before the chain was keyed). A
    # label for verify's message, not evidence: it is not hashed, the key itself is.
    key_id = models.CharField(max_length=8, blank=True, default="")
    # HMAC of the event's own contents (DIGESTED_FIELDS), made when it was appended: an event
    # waiting to be sealed cannot be changed or made up without the key. Empty on events
    # written before sealing was introduced (the chain's hash protects those).
    digest = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = CHAIN_ORDER
        indexes = [
            # The events waiting to be sealed, in the order they were appended: a handful of
            # rows, found at once however long the log grows.
            models.Index(fields=["id"], condition=Q(seq__isnull=True), name="audit_unsealed"),
            # Each person's latest event, for the who-has-access page (people/queries.py): one
            # index lookup a person, however long the log.
            models.Index(fields=["actor_user_id", "-seq"], name="audit_actor_latest"),
        ]

    def __str__(self) -> str:
        place = f"#{self.seq}" if self.seq is not None else "(unsealed)"
        return f"{place} {self.action} {self.object_type} {self.object_id} by {self.actor_username}"

    @property
    def sealed(self) -> bool:
        return self.seq is not None

    @property
    def detail_data(self) -> dict:
        return json.loads(self.detail) if self.detail else {}

    def compute_hash(self, key: bytes | None = None) -> str:
        return hash_of({name: getattr(self, name) for name in HASHED_FIELDS}, key)

    def compute_digest(self, key: bytes | None = None) -> str:
        return digest_of({name: getattr(self, name) for name in DIGESTED_FIELDS}, key)


def _payload(values, fields: tuple[str, ...] = HASHED_FIELDS) -> bytes:
    """What an event's hash covers: the values of HASHED_FIELDS in that order as compact
    JSON, the time to the microsecond (its digest: the same for DIGESTED_FIELDS)."""
    payload = [
        values[name].isoformat(timespec="microseconds") if name == "at" else values[name]
        for name in fields
    ]
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def hash_of(values, key: bytes | None = None) -> str:
    """An event's hash from its field values (a mapping with every name in HASHED_FIELDS):
    HMAC-SHA256 of _payload with the chain's key (settings.VISIBLE_AUDIT_KEY unless another
    is given). The one place the chain's hashing is defined, for events written one by one or
    in bulk."""
    return hmac.digest(key if key is not None else chain_key(), _payload(values), "sha256").hex()


def digest_of(values, key: bytes | None = None) -> str:
    """An event's digest from its field values (a mapping with every name in
    DIGESTED_FIELDS): HMAC-SHA256, with the chain's key, of its own contents, apart from the
    chain's hashes by a prefix of its own."""
    return hmac.digest(
        key if key is not None else chain_key(),
        _DIGEST_DOMAIN + _payload(values, DIGESTED_FIELDS),
        "sha256",
    ).hex()


def unkeyed_hash_of(values) -> str:
    """The hash events had before the chain was keyed (plain SHA-256 of the same payload):
    only `visible audit rekey` uses it, to check an old chain before re-hashing it."""
    return hashlib.sha256(_payload(values)).hexdigest()


class AuditChainHead(models.Model):
    """One row: the newest sealed event's sequence number and hash, and when and at which event
    the head was last copied to the anchor file (so that sealers know when the next copy is
    due). Whoever seals events into the chain holds this row's lock while doing it."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    anchored_at = models.DateTimeField(null=True, blank=True)
    anchored_seq = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"audit chain head at #{self.last_seq}"
