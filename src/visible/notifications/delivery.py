"""Making notifications, and one try at sending one.

``create`` makes one Notification per person and channel, as each person's preferences say
(their channels and addresses; their quiet hours hold back anything but a high-risk alert),
and records in the audit log who is to be told what. It sends nothing: notify.py queues the
sending in the worker once the transaction commits.

``attempt`` is one try, by the worker: it takes the notification (one conditional UPDATE, so
two workers never send it twice), makes the message (content.py, digest.py), sends it by its
channel (channels.py) and records the outcome. A failure that may pass is tried again after
the next of VISIBLE_NOTIFY_RETRY_DELAYS; after the last, or at once for a failure that will
not pass, the notification is given up and an alert tells the child's missing-children
coordinators that the person was not told (``raise_not_sent``). The database is the record:
a try lost with its worker is found again by ``due``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q

from visible.agencies.models import Membership
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.dates import UK_TIME
from visible.missing.models import Alert, Episode
from visible.missing.severity import Severity

from . import content, digest, references
from .channels import (
    NOTIFY,
    SMTP,
    PermanentError,
    RetryableError,
    channel_for,
    email_provider,
    sms_available,
)
from .models import (
    PENDING_STATES,
    Channel,
    ChannelChoice,
    Notification,
    Preferences,
    State,
)
from .quiet import QuietHours, deliver_at

logger = logging.getLogger("visible.notifications")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NUMBER = re.compile(r"\+?\d[\d ()-]{7,}\d")


def loggable(error: str) -> str:
    """An error as the log may hold it: no address or number (people are logged by number,
    docs/operations.md); the notification's own record keeps it whole."""
    return _NUMBER.sub("(number)", _EMAIL.sub("(address)", error))


SYSTEM = Viewer.system("notifications")
HIGH_SEVERITIES = {"high", "critical"}
CHANNEL_WORDS: dict[str, str] = {Channel.EMAIL: "email", Channel.SMS: "text message"}


# --- who, how and when -----------------------------------------------------------------------


def preferences_for(user: User) -> Preferences:
    """The person's preferences, or the defaults (email to the account's address, any hour)."""
    found = Preferences.objects.filter(user=user).first()
    return found if found is not None else Preferences(user=user)


def quiet_hours(preferences: Preferences) -> QuietHours | None:
    if preferences.quiet_from is None or preferences.quiet_until is None:
        return None
    if preferences.quiet_from == preferences.quiet_until:
        return None
    return QuietHours(preferences.quiet_from, preferences.quiet_until, UK_TIME)


@dataclass(frozen=True)
class Route:
    channel: str
    provider: str
    address: str


def routes_for(user: User, preferences: Preferences) -> list[Route]:
    """The channels and addresses a person is told by: what they chose, where it can be sent.
    Text messages need GOV.UK Notify and a mobile number; without them a person who chose
    text messages is sent email instead, and a person with no email address a text message."""
    email = (preferences.email or getattr(user, "email", "") or "").strip()
    mobile = preferences.mobile.strip()
    choice = preferences.channels or ChannelChoice.EMAIL
    can_text = sms_available() and bool(mobile)
    wants_email = choice in (ChannelChoice.EMAIL, ChannelChoice.BOTH)
    wants_sms = choice in (ChannelChoice.SMS, ChannelChoice.BOTH)
    if wants_sms and not can_text:
        wants_email = True
    if wants_email and not email and can_text:
        wants_sms = True
    routes = []
    if wants_email and email:
        routes.append(Route(Channel.EMAIL, email_provider(), email))
    if wants_sms and can_text:
        routes.append(Route(Channel.SMS, NOTIFY, mobile))
    return routes


def open_episode_graded_high(child_id: int | None) -> bool:
    if child_id is None:
        return False
    return Episode.objects.filter(
        child_id=child_id, returned_at__isnull=True, grade="high"
    ).exists()


def severity_key(alert: Alert | None) -> str:
    """The alert's severity in words ("critical"), whether the field holds the stored number
    or a level's name; "" if it has none."""
    value = getattr(alert, "severity", None) if alert is not None else None
    if value in (None, ""):
        return ""
    try:
        return Severity.parse(value).key
    except ValueError:
        return str(value).lower()


def is_high_risk(alert: Alert | None, episode: Episode | None) -> bool:
    """High risk: an alert of severity high or critical, or anything about a child missing now
    and graded high. Quiet hours never hold these back."""
    if severity_key(alert) in HIGH_SEVERITIES:
        return True
    if episode is not None and episode.returned_at is None and episode.grade == "high":
        return True
    child_id = (
        episode.child_id if episode is not None else (alert.child_id if alert is not None else None)
    )
    return open_episode_graded_high(child_id)


def _name(user: User) -> str:
    full = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


def _role_of(user: User) -> tuple[str, str]:
    membership = (
        Membership.objects.select_related("organisation")
        .filter(user=user, is_active=True)
        .order_by("pk")
        .first()
    )
    if membership is None:
        return "", ""
    return references.role_label(membership.role), membership.organisation.name


# --- making notifications --------------------------------------------------------------------


def create(
    about: Alert | Episode,
    users: Iterable[User],
    reason: str,
    *,
    now: dt.datetime,
    kind: str | None = None,
    viewer: Viewer = SYSTEM,
) -> list[Notification]:
    """One notification per person and channel about an alert or a missing episode, due now
    or when the person's quiet hours end. Someone with no way to be reached gets one given up
    at once (and the alert that says so). Nothing is sent here."""
    if isinstance(about, Alert):
        alert, episode = about, about.episode
        kind = kind or about.code
    else:
        alert, episode = None, about
        kind = kind or references.REPORTED_MISSING
    child = (alert or episode).child  # type: ignore[union-attr]
    # The organisation whose inbox the alert is in (the child's council for a report).
    organisation = alert.organisation if alert is not None else child.responsible_organisation
    severity = severity_key(alert)
    high = is_high_risk(alert, episode)
    made: list[Notification] = []
    seen: set[int] = set()
    for user in users:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        preferences = preferences_for(user)
        due, held = deliver_at(now, quiet_hours(preferences), high_risk=high)
        common = {
            "kind": kind,
            "alert": alert,
            "episode": episode,
            "child": child,
            "organisation": organisation,
            "severity": severity[:16],
            "high_risk": high,
            "reason": reason,
            "recipient": user,
            "recipient_name": _name(user)[:300],
            "created_at": now,
            "due_at": due,
            "held_for_quiet_hours": held,
            "next_attempt_at": due,
        }
        routes = routes_for(user, preferences)
        if not routes:
            made.append(
                Notification.objects.create(
                    **(common | {"next_attempt_at": None}),
                    channel=Channel.EMAIL,
                    provider=SMTP,
                    address="",
                    state=State.GIVEN_UP,
                    finished_at=now,
                    last_error=(
                        "No email address or mobile number for notifications: add one on "
                        "their notification settings page"
                    ),
                )
            )
            continue
        for route in routes:
            made.append(
                Notification.objects.create(
                    **common, channel=route.channel, provider=route.provider, address=route.address
                )
            )
    if made:
        what = references.what_happened(kind, episode, high)
        record(
            viewer,
            AuditAction.CREATE,
            object_type="notification",
            object_id=made[0].pk,
            child_id=child.pk,
            summary=f"Notifications queued to {len(seen)} "
            f"{'person' if len(seen) == 1 else 'people'}: {what}"[:500],
            detail={
                "kind": kind,
                "alert": alert.pk if alert is not None else None,
                "episode": episode.pk if episode is not None else None,
                "high_risk": high,
                "notifications": [_recorded(n) for n in made],
            },
        )
    return made


def _recorded(n: Notification) -> dict:
    """A notification as the audit log records it: who, how, where, when; never the body."""
    return {
        "id": n.pk,
        "to": n.recipient.get_username(),
        "name": n.recipient_name,
        "reason": n.reason,
        "channel": n.channel,
        "provider": n.provider,
        "address": n.address,
        "state": n.state,
        "due_at": n.due_at.isoformat(),
        "held_for_quiet_hours": n.held_for_quiet_hours,
        **({"error": n.last_error} if n.last_error else {}),
    }


def unreachable(notifications: Iterable[Notification]) -> list[Notification]:
    """Those given up as they were made: the person had no address to be told at."""
    return [n for n in notifications if n.state == State.GIVEN_UP and n.attempts == 0]


# --- one try -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    state: str
    retry_at: dt.datetime | None = None
    not_sent_alert: Alert | None = None


def attempt(notification_id: int, *, now: dt.datetime) -> Outcome:
    """One try at sending a notification due by ``now``; nothing if it is not (another worker
    has it, it is done, or not yet due)."""
    taken = Notification.objects.filter(
        pk=notification_id, state__in=PENDING_STATES, next_attempt_at__lte=now
    ).update(state=State.SENDING, attempts=F("attempts") + 1, last_attempt_at=now)
    notification = Notification.objects.select_related(
        "alert", "episode", "child", "organisation", "recipient", "digest"
    ).get(pk=notification_id)
    if not taken:
        return Outcome(notification.state)
    if no_longer_needed(notification):
        return _finish(notification, State.CANCELLED, now, error="No longer needed")
    try:
        if notification.digest_id is not None:
            message, detail = digest.build(notification, now=now)
        else:
            message, detail = content.build(notification)
        channel = channel_for(notification.channel, notification.provider)
        # No transaction is open while the message goes: the database is not held waiting
        # for a mail server.
        provider_reference = channel.send(message)
    except PermanentError as error:
        return _failed(notification, str(error), now, permanent=True)
    except RetryableError as error:
        return _failed(notification, str(error), now, permanent=False)
    except Exception as error:  # a fault of Visible's own: logged in full, tried again
        logger.exception("Notification %s: could not be made or sent", notification.pk)
        return _failed(
            notification, f"Visible could not send it ({type(error).__name__})", now, False
        )
    notification.detail = detail
    notification.provider_reference = provider_reference[:200]
    return _finish(notification, channel.done_state, now)


def no_longer_needed(notification: Notification) -> bool:
    """An alert resolved, or a child back, before the message went: it is not sent."""
    if notification.digest_id is not None:
        return False
    if notification.alert_id is not None:
        return notification.alert is not None and notification.alert.resolved_at is not None
    if notification.kind == references.REPORTED_MISSING:
        return notification.episode is None or notification.episode.returned_at is not None
    return True  # what it was about has been deleted


def _failed(notification: Notification, error: str, now: dt.datetime, permanent: bool) -> Outcome:
    delays = settings.VISIBLE_NOTIFY_RETRY_DELAYS
    notification.last_error = error[:500]
    if not permanent and notification.attempts <= len(delays):
        retry_at = now + dt.timedelta(seconds=delays[notification.attempts - 1])
        notification.state = State.RETRYING
        notification.next_attempt_at = retry_at
        notification.save(update_fields=["state", "next_attempt_at", "last_error"])
        logger.warning(
            "Notification %s (%s by %s, to user %s): try %s failed, next try in %s s: %s",
            notification.pk,
            notification.channel,
            notification.provider,
            notification.recipient_id,
            notification.attempts,
            delays[notification.attempts - 1],
            loggable(error),
        )
        return Outcome(State.RETRYING, retry_at=retry_at)
    logger.error(
        "Notification %s (%s by %s, to user %s) given up after %s tries: %s",
        notification.pk,
        notification.channel,
        notification.provider,
        notification.recipient_id,
        notification.attempts,
        loggable(error),
    )
    outcome = _finish(notification, State.GIVEN_UP, now, error=error)
    return outcome


@transaction.atomic
def _finish(notification: Notification, state: str, now: dt.datetime, error: str = "") -> Outcome:
    notification.state = state
    notification.finished_at = now
    notification.next_attempt_at = None
    if error:
        notification.last_error = error[:500]
    notification.save(
        update_fields=[
            "state",
            "finished_at",
            "next_attempt_at",
            "last_error",
            "detail",
            "provider_reference",
        ]
    )
    _audit_outcome(notification)
    alert = None
    if state == State.GIVEN_UP:
        alert = raise_not_sent(notification, now)
    return Outcome(state, not_sent_alert=alert)


def _audit_outcome(notification: Notification) -> None:
    channel = CHANNEL_WORDS.get(notification.channel, notification.channel)
    if notification.digest_id is not None:
        what = "daily digest"
    else:
        what = references.what_happened(
            notification.kind, notification.episode, notification.high_risk
        )
    if notification.state in (State.SENT, State.ACCEPTED):
        action, summary = AuditAction.CHANGE, f"Told {notification.recipient_name} by {channel}"
    elif notification.state == State.CANCELLED:
        action, summary = AuditAction.END, f"Not sent to {notification.recipient_name}"
    else:
        action, summary = AuditAction.END, f"Could not tell {notification.recipient_name}"
    record(
        SYSTEM,
        action,
        object_type="notification",
        object_id=notification.pk,
        child_id=notification.child_id,
        summary=f"{summary}: {what}"[:500],
        detail={
            **_recorded(notification),
            "attempts": notification.attempts,
            "provider_reference": notification.provider_reference,
            "detail": notification.detail,
            "at": notification.finished_at.isoformat() if notification.finished_at else None,
            "alert": notification.alert_id,
            "episode": notification.episode_id,
            "digest": notification.digest_id,
        },
    )


def raise_not_sent(notification: Notification, now: dt.datetime) -> Alert | None:
    """The alert to the child's missing-children coordinators that a person was not told,
    through the alert inbox (once per notification). None for a message about no child (a
    digest) or itself about such an alert (no chain of alerts about alerts)."""
    child = notification.child
    if child is None or notification.kind == references.NOT_SENT:
        return None
    role, organisation = _role_of(notification.recipient)
    who = notification.recipient_name + (f" ({role}, {organisation})" if role else "")
    channel = CHANNEL_WORDS.get(notification.channel, notification.channel)
    where = f" to {notification.address}" if notification.address else ""
    what = references.what_happened(notification.kind, notification.episode, notification.high_risk)
    text = (
        f"A notification to {who} about \u201c{what}\u201d could not be sent by {channel}{where}: "
        f"{notification.last_error} Tell them another way."
    )
    alert, created = Alert.objects.get_or_create(
        key=f"notification/{notification.pk}/not-sent",
        defaults={
            "organisation": child.responsible_organisation,
            "child": child,
            "episode": notification.episode,
            "code": references.NOT_SENT,
            "text": text,
            "source": "Visible's notifications",
            "due_at": now,
            "raised_at": now,
        },
    )
    if created:
        record(
            SYSTEM,
            AuditAction.CREATE,
            object_type="alert",
            object_id=alert.pk,
            child_id=child.pk,
            summary=f"Alert: a notification to {notification.recipient_name} could not be sent"[
                :500
            ],
            detail={"notification": notification.pk, "code": references.NOT_SENT},
        )
    return alert


# --- what is due -----------------------------------------------------------------------------


def due(now: dt.datetime) -> list[int]:
    """Notifications waiting to be sent by ``now``: due, held for quiet hours until now, due
    for another try, or stuck being sent by a worker that died (those are released first)."""
    stuck_before = now - dt.timedelta(seconds=settings.VISIBLE_NOTIFY_STUCK_SECONDS)
    Notification.objects.filter(state=State.SENDING, last_attempt_at__lt=stuck_before).update(
        state=State.RETRYING, next_attempt_at=now, last_error="Its worker stopped while sending it"
    )
    return list(
        Notification.objects.filter(
            Q(state__in=PENDING_STATES) & Q(next_attempt_at__lte=now)
        ).values_list("pk", flat=True)[:1000]
    )
