"""Telling people: the entry points the rest of Visible calls.

- ``notify(about, users, reason)``: tell these people of an alert or a missing episode, each as
  their preferences say; returns the notifications made. Call it inside the transaction that
  raised the alert: the sending is queued in the worker when it commits (and never if it
  rolls back).
- ``notify_missing(episode)``: a child was just reported missing: tell the people
  ``recipients.recipients_for_missing`` finds.
- ``report_missing(viewer, child, data)``: the report-missing operation of the pages and the
  API: missing.actions.report_missing, then notify_missing, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from visible.agencies.viewer import Viewer
from visible.children.models import Child
from visible.missing import actions as missing_actions
from visible.missing.inputs import ReportMissingInput
from visible.missing.models import Alert, Episode, Grading

from . import delivery, jobs
from .models import Notification
from .recipients import Recipient, recipients_for_missing


@transaction.atomic
def notify(
    about: Alert | Episode,
    users: Iterable[User],
    reason: str,
    *,
    now: dt.datetime | None = None,
    viewer: Viewer = delivery.SYSTEM,
) -> list[Notification]:
    now = now or timezone.now()
    made = delivery.create(about, users, reason, now=now, viewer=viewer)
    jobs.queue(made)
    for given_up in delivery.unreachable(made):
        alert = delivery.raise_not_sent(given_up, now)
        if alert is not None:
            jobs.tell_coordinators(alert, now=now)
    return made


def notify_recipients(
    about: Alert | Episode,
    recipients: Iterable[Recipient],
    *,
    now: dt.datetime | None = None,
    viewer: Viewer = delivery.SYSTEM,
) -> list[Notification]:
    """Tell each recipient, as the reason they are told (one notify per reason)."""
    by_reason: dict[str, list[User]] = defaultdict(list)
    for recipient in recipients:
        by_reason[recipient.reason].append(recipient.user)
    made: list[Notification] = []
    for reason, users in by_reason.items():
        made += notify(about, users, reason, now=now, viewer=viewer)
    return made


def notify_missing(
    episode: Episode, *, now: dt.datetime | None = None, viewer: Viewer = delivery.SYSTEM
) -> list[Notification]:
    now = now or timezone.now()
    return notify_recipients(episode, recipients_for_missing(episode, now), now=now, viewer=viewer)


@transaction.atomic
def report_missing(
    viewer: Viewer, child: Child, data: ReportMissingInput
) -> tuple[Episode, Grading]:
    """Report a child missing (missing.actions.report_missing) and tell the people who must
    know at once, in one transaction: the messages go when it commits."""
    episode, grading = missing_actions.report_missing(viewer, child, data)
    notify_missing(episode, viewer=viewer)
    return episode, grading
