"""The worker's side of notifications (worker/queue.py): ``send`` sends one, and queues its
next try when it fails; ``deliver`` is a routine, run with the sweep every
VISIBLE_SWEEP_EVERY_SECONDS, that makes the morning's digests and sends whatever is due that
no job is bringing (held for quiet hours until now, a try whose job was lost with its broker
or worker); ``escalate`` is another, on the same beat (every minute by default), that takes
the escalation steps fallen due (escalation.py), one worker at a time."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from visible.missing.models import Alert
from visible.worker import routines
from visible.worker.queue import after_commit, huey, job, routine

from . import delivery, digest, escalation
from .models import PENDING_STATES, Notification
from .recipients import coordinators_of

logger = logging.getLogger("visible.notifications")


@job(retries=0, name="notifications.send")  # tries are counted and timed by delivery.attempt
def send(notification_id: int) -> str:
    return send_now(notification_id, timezone.now())


def send_now(notification_id: int, now: dt.datetime) -> str:
    """One try at ``now``; the next queued if it failed, the coordinators told if given up."""
    outcome = delivery.attempt(notification_id, now=now)
    if outcome.retry_at is not None:
        send.schedule(args=(notification_id,), eta=outcome.retry_at)
    if outcome.not_sent_alert is not None:
        tell_coordinators(outcome.not_sent_alert, now=now)
    return outcome.state


def queue(notifications: Iterable[Notification]) -> None:
    """Send each notification in the worker once the transaction commits: at once, or when
    quiet hours end."""
    for notification in notifications:
        if notification.state not in PENDING_STATES:
            continue
        if notification.due_at <= timezone.now():
            after_commit(send, notification.pk)
        else:
            transaction.on_commit(
                functools.partial(send.schedule, args=(notification.pk,), eta=notification.due_at)
            )


def tell_coordinators(alert: Alert, *, now: dt.datetime | None = None) -> list[Notification]:
    """Tell the child's missing-children coordinators of an alert that someone was not told."""
    with transaction.atomic():
        made = delivery.create(
            alert,
            coordinators_of(alert.organisation),
            "missing_coordinator",
            now=now or timezone.now(),
        )
        queue(made)
    return made


@routine("notifications.deliver")
def deliver() -> str:
    return deliver_due(timezone.now())


def deliver_due(now: dt.datetime) -> str:
    """Make the digests due by ``now`` and send everything due that is waiting."""
    made = digest.make_due(now)
    pending = delivery.due(now)
    sent = 0
    for pk in pending:
        if huey.immediate:  # the tests: at the moment they ask about
            send_now(pk, now)
        else:
            huey.enqueue(send.s(pk))
        sent += 1
    if made or sent:
        logger.info("Notifications: %s digests made, %s sends queued", len(made), sent)
    return f"{len(made)} digests made, {sent} sends queued"


ESCALATE = "notifications.escalate"


def tell(alert: Alert, users, reason: str, now: dt.datetime) -> list[Notification]:
    """Tell ``users`` of ``alert`` (as notify.notify does, inside the caller's transaction:
    sent once it commits), and the coordinators if one of them cannot be reached."""
    made = delivery.create(alert, list(users), reason, now=now, viewer=escalation.SYSTEM)
    queue(made)
    for given_up in delivery.unreachable(made):
        not_sent = delivery.raise_not_sent(given_up, now)
        if not_sent is not None:
            tell_coordinators(not_sent, now=now)
    return made


@routine(ESCALATE)
def escalate() -> str:
    return run_escalation().outcome


def run_escalation(now: dt.datetime | None = None) -> routines.Run:
    """Take the escalation steps due at ``now`` (default: the clock's), unless another worker
    is doing so; the steps' own rows make each step once even without the lock."""
    at = now or timezone.now()
    return routines.run_once(
        ESCALATE,
        lambda: escalate_due(at).describe(),
        now=lambda: now or timezone.now(),
        hold_for=dt.timedelta(seconds=settings.VISIBLE_SWEEP_LOCK_SECONDS),
    )


def escalate_due(now: dt.datetime) -> escalation.Outcome:
    return escalation.escalate_due(now, tell)
