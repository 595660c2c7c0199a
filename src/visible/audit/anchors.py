"""Anchoring the audit chain outside the database.

The key (keys.py) stops someone who can only write to the database from rewriting the chain
so that it verifies. It does not stop someone who also holds the key. So the chain's head
(the newest event's number and hash, the time, the key's id) is copied at least hourly to a
place the database cannot reach: one JSON line appended to the anchor file
(VISIBLE_AUDIT_ANCHOR_FILE, opened O_APPEND, fsync'd, never rewritten by Visible) and, if
configured, to syslog (VISIBLE_AUDIT_ANCHOR_SYSLOG). `visible audit verify --anchors FILE`
then checks that the database still holds every anchored head: a chain rewritten after an
anchor was written no longer does, key or no key.

Anchoring is lazy: after a transaction that sealed events into the chain commits (seal.py),
if the last anchor is older than VISIBLE_AUDIT_ANCHOR_INTERVAL, one is written; the worker
seals every few seconds, so an anchor follows within seconds of falling due while events are
written. `visible audit anchor` writes one at once (for cron), and `visible sweep` writes one
when it finishes. An anchor that cannot be written never undoes the write that prompted it: the
failure is logged as an error, and verify later reports the gap.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .keys import UNKEYED, current_key_id
from .models import GENESIS_HASH, AuditChainHead, AuditEvent

logger = logging.getLogger("visible.audit")

SYSLOG_PORT = 514
_LOOKUP_BATCH = 1000


def anchor_file() -> Path:
    return Path(settings.VISIBLE_AUDIT_ANCHOR_FILE)


def anchor_interval() -> dt.timedelta:
    return dt.timedelta(seconds=int(settings.VISIBLE_AUDIT_ANCHOR_INTERVAL))


@dataclass(frozen=True)
class Anchor:
    """The chain's head at one moment: event number ``seq`` had hash ``hash``."""

    seq: int
    hash: str
    at: dt.datetime
    key_id: str

    def line(self) -> str:
        return (
            json.dumps(
                {
                    "seq": self.seq,
                    "hash": self.hash,
                    "at": self.at.astimezone(dt.UTC).isoformat(),
                    "key_id": self.key_id,
                },
                separators=(",", ":"),
            )
            + "\n"
        )

    def describe(self) -> str:
        return f"event #{self.seq} (hash {self.hash[:16]}…), anchored {timezone.localtime(self.at):%d/%m/%Y %H:%M:%S %Z}"


class UnkeyedChainError(ValueError):
    """The chain still begins with events hashed before it was keyed."""


# --- writing ------------------------------------------------------------------------------------


def anchor_due(head: AuditChainHead, now: dt.datetime) -> bool:
    return head.anchored_at is None or now - head.anchored_at >= anchor_interval()


def write_anchor(*, only_if_due: bool = False, unless_anchored: bool = False) -> Anchor | None:
    """Append the chain's head to the anchor file (and syslog, if configured) and return it;
    with ``only_if_due``, only if the last anchor is older than the interval (else None);
    with ``unless_anchored``, not if the head is already anchored (the anchor that has it is
    returned: a command finishing just after its own writes were anchored on commit).

    The head stays locked while the line is written, so anchors go into the file in the
    chain's order even when several processes write them. Raises OSError if the file cannot
    be written, UnkeyedChainError if the chain must be rekeyed first."""
    path = anchor_file()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        now = timezone.now()
        if only_if_due and not anchor_due(head, now):
            return None
        if unless_anchored and head.anchored_at is not None and head.anchored_seq == head.last_seq:
            return Anchor(
                seq=head.last_seq, hash=head.last_hash, at=head.anchored_at, key_id=current_key_id()
            )
        first_key = (
            AuditEvent.objects.filter(seq__isnull=False)
            .order_by("seq")
            .values_list("key_id", flat=True)
            .first()
        )
        if first_key == UNKEYED:
            # Rekeying changes every hash, so an anchor written now would stop matching.
            raise UnkeyedChainError(
                "the audit chain still begins with events hashed before it was keyed: run `visible audit rekey` "
                "first (docs/security.md); no anchor is written until then"
            )
        anchor = Anchor(seq=head.last_seq, hash=head.last_hash, at=now, key_id=current_key_id())
        _append(path, anchor.line())
        head.anchored_at, head.anchored_seq = now, head.last_seq
        head.save(update_fields=["anchored_at", "anchored_seq"])
    _to_syslog(anchor.line().strip())
    return anchor


def _append(path: Path, line: str) -> None:
    """One line at the end of the file, on disk before this returns. O_APPEND: the line goes
    at the end whatever else has the file open; the file is never truncated or rewritten."""
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:  # the new file's directory entry must survive a crash too
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


class _AnchorSyslogHandler(logging.handlers.SysLogHandler):
    def handleError(self, record):  # noqa: N802 (logging's name)
        raise  # called inside emit's `except`: let write_anchor's caller see the failure


def _syslog_address(address: str) -> str | tuple[str, int]:
    """'/dev/log' (a local socket), 'host:port' or 'host' (UDP, port 514)."""
    if address.startswith("/"):
        return address
    host, _, port = address.rpartition(":") if ":" in address else (address, "", str(SYSLOG_PORT))
    if not port.isdigit():
        raise ValueError(
            f"VISIBLE_AUDIT_ANCHOR_SYSLOG '{address}' is not a socket path, 'host' or 'host:port'"
        )
    return host, int(port)


def _to_syslog(line: str) -> None:
    address = getattr(settings, "VISIBLE_AUDIT_ANCHOR_SYSLOG", "")
    if not address:
        return
    try:
        handler = _AnchorSyslogHandler(
            address=_syslog_address(address), facility=logging.handlers.SysLogHandler.LOG_AUTH
        )
        try:
            handler.ident = "visible-audit-anchor: "
            handler.emit(
                logging.makeLogRecord(
                    {
                        "name": "visible.audit.anchor",
                        "levelno": logging.INFO,
                        "levelname": "INFO",
                        "msg": line,
                    }
                )
            )
        finally:
            handler.close()
    except (OSError, ValueError) as error:
        # The file has the anchor; syslog is the second copy.
        logger.error(
            "Audit anchor not sent to syslog at %s: %s. It is in the anchor file.", address, error
        )


def anchor_if_due() -> None:
    """After a transaction that appended events commits: write an anchor if one is due. Never
    raises: the user's write has committed and must stand, so a failure is logged loudly."""
    try:
        write_anchor(only_if_due=True)
    except Exception as error:  # noqa: BLE001 (anything at all must not reach the user)
        _log_failure(error)


def anchor_now(context: str) -> tuple[Anchor | None, str]:
    """Anchor the head now, unless it already is, for a command that has finished its own work
    (the sweep, the rekey): the anchor, or None and why not (already logged)."""
    try:
        return write_anchor(unless_anchored=True), ""
    except Exception as error:  # noqa: BLE001 (the command's work is done and kept)
        _log_failure(error, context)
        return None, str(error)


def _log_failure(error: Exception, context: str = "") -> None:
    fix = (
        ""
        if isinstance(error, UnkeyedChainError)
        else ": fix the anchor file (VISIBLE_AUDIT_ANCHOR_FILE) and run `visible audit anchor`"
    )
    logger.error(
        "AUDIT ANCHOR NOT WRITTEN%s to %s: %s. The write that prompted it was kept, but the chain's newest "
        "events are protected by the key alone until an anchor is written%s.",
        f" ({context})" if context else "",
        anchor_file(),
        error,
        fix,
        exc_info=not isinstance(error, OSError | ValueError),
    )


# --- checking -----------------------------------------------------------------------------------


def read_anchors(path: Path) -> list[tuple[int, Anchor]]:
    """The anchors in the file, with their line numbers. A line that is not an anchor is an
    error naming the line: the file is written only by Visible, one anchor a line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(
            f"no anchor file at {path}: give the file VISIBLE_AUDIT_ANCHOR_FILE names "
            "(or a copy of it, e.g. from syslog)"
        ) from None
    except OSError as error:
        raise ValueError(f"cannot read the anchor file {path}: {error.strerror}") from None
    anchors = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
            at = dt.datetime.fromisoformat(data["at"])
            if at.tzinfo is None:
                raise ValueError("time without a time zone")
            anchor = Anchor(
                seq=int(data["seq"]),
                hash=str(data["hash"]),
                at=at,
                key_id=str(data.get("key_id", "")),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(
                f"{path}, line {number} is not an anchor ({error}): expected one JSON object a line "
                'with "seq", "hash", "at" and "key_id"'
            ) from None
        anchors.append((number, anchor))
    return anchors


@dataclass
class AnchorCheck:
    path: Path
    anchors_checked: int = 0
    newest: Anchor | None = None
    problems: list[str] = field(
        default_factory=list
    )  # the first anchor no longer matched; anchors out of order
    mismatched: int = 0
    gaps: list[str] = field(default_factory=list)
    unanchored_events: int = 0  # written after the newest anchor

    @property
    def ok(self) -> bool:
        return not self.problems


def check_anchors(path: Path) -> AnchorCheck:
    """Does the database still hold every anchored head? Each anchor's event must exist with
    the anchored hash, and the anchors must move forward through the chain. Also reports
    gaps: events that waited more than the interval for an anchor (an anchor write failed)."""
    check = AnchorCheck(path)
    anchors = read_anchors(path)
    head = AuditChainHead.objects.filter(pk=1).first()
    last_seq = head.last_seq if head else 0
    if not anchors:
        if AuditEvent.objects.exists():
            check.problems.append(
                f"{path} holds no anchors, so nothing shows what the chain was: was it emptied?"
            )
        return check

    for (before, earlier), (number, anchor) in zip(anchors, anchors[1:], strict=False):
        if anchor.seq < earlier.seq:
            check.problems.append(
                f"line {number} of {path} anchors event #{anchor.seq} after line {before} anchored event "
                f"#{earlier.seq}: anchors only move forward, so lines were added, moved or edited"
            )
            break

    for start in range(0, len(anchors), _LOOKUP_BATCH):
        batch = anchors[start : start + _LOOKUP_BATCH]
        held = dict(
            AuditEvent.objects.filter(seq__in={a.seq for _, a in batch}).values_list("seq", "hash")
        )
        held[0] = GENESIS_HASH  # an anchor of the empty chain
        for number, anchor in batch:
            check.anchors_checked += 1
            now_held = held.get(anchor.seq)
            if now_held == anchor.hash:
                continue
            check.mismatched += 1
            if check.mismatched == 1:  # the first: everything after it is suspect too
                now = (
                    "is no longer in the database"
                    if now_held is None
                    else f"now has hash {now_held[:16]}…"
                )
                check.problems.insert(
                    0,
                    f"line {number} of {path}: {anchor.describe()}, no longer matches: "
                    f"event #{anchor.seq} {now}. The chain was rewritten after this anchor "
                    "was written.",
                )
    check.newest = anchors[-1][1]
    check.unanchored_events = max(0, last_seq - max(a.seq for _, a in anchors))
    check.gaps = _gaps([a for _, a in anchors])
    return check


def _gaps(anchors: list[Anchor]) -> list[str]:
    """Where an anchor was due but none came: after anchor A, the first event written more
    than the interval later should have prompted the next anchor within moments; if the next
    came more than another interval after that event (or never), anchor writes were failing."""
    interval = anchor_interval()
    gaps = []
    for earlier, later in zip(anchors, [*anchors[1:], None], strict=True):
        events = AuditEvent.objects.filter(seq__gt=earlier.seq, at__gt=earlier.at + interval)
        if later is not None:
            events = events.filter(seq__lte=later.seq)
        due = events.order_by("seq").values_list("seq", "at").first()
        if due is None:
            continue
        seq, at = due
        until = later.at if later is not None else timezone.now()
        if until - at > interval:
            gaps.append(
                f"no anchor from {timezone.localtime(earlier.at):%d/%m/%Y %H:%M} until "
                f"{f'{timezone.localtime(later.at):%d/%m/%Y %H:%M}' if later else 'now'}, though event #{seq} "
                f"({timezone.localtime(at):%d/%m/%Y %H:%M}) was due one: anchor writes were failing (see the error "
                "log) or anchoring was off. Events in the gap are protected by the key alone."
            )
    return gaps
