"""The morning digest, by email only: to each person who asks for it, their own open alerts
(overdue, not yet acknowledged); to each coordinator and senior manager who asks for it, their
organisation's (overdue, new and not acknowledged, notifications that could not be sent).
Like every message it names no child: each line is what, a reference, when due and a link.

``make_due`` (the worker's routine, every minute) makes the day's digests once the UK clock
has passed VISIBLE_DIGEST_AT: one per person, kind and day (a unique row, so two workers never
make two). A worker that was stopped at that hour sends them when it starts again, the same
day; a day missed altogether is not sent late. Each is then sent like any notification
(delivery.attempt), its content read as it is sent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string

from visible.agencies.models import Membership, Organisation, Role
from visible.dates import UK_TIME
from visible.missing.models import Alert
from visible.missing.severity import Severity

from . import references
from .channels import Message, email_provider
from .models import Channel, Detail, Digest, Notification, Preferences, State
from .quiet import QuietHours, deliver_at, parse_time

ORGANISATION_DIGEST_ROLES = (Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER)
LISTED = 20  # lines in each section; the rest are counted


@dataclass(frozen=True)
class Section:
    title: str
    total: int
    lines: list[str]

    @property
    def more(self) -> int:
        return self.total - len(self.lines)


def digest_time() -> dt.time:
    return parse_time(settings.VISIBLE_DIGEST_AT)


def make_due(now: dt.datetime) -> list[Notification]:
    """Today's digests not yet made, once the morning's hour has come (UK time)."""
    local = now.astimezone(UK_TIME)
    if local.time() < digest_time():
        return []
    day = local.date()
    made = []
    wanted = Preferences.objects.filter(user__is_active=True).filter(
        daily_digest=True
    ) | Preferences.objects.filter(user__is_active=True, organisation_digest=True)
    for preferences in wanted.select_related("user"):
        membership = (
            Membership.objects.select_related("organisation")
            .filter(user=preferences.user, is_active=True, organisation__is_active=True)
            .order_by("pk")
            .first()
        )
        if membership is None:
            continue
        kinds = []
        if preferences.daily_digest:
            kinds.append(Digest.Kind.PERSONAL)
        if (
            preferences.organisation_digest
            and membership.role in ORGANISATION_DIGEST_ROLES
            and membership.organisation.is_responsible_body
        ):
            kinds.append(Digest.Kind.ORGANISATION)
        for kind in kinds:
            notification = _make(preferences, membership.organisation, kind, day, now)
            if notification is not None:
                made.append(notification)
    return made


def _make(
    preferences: Preferences, organisation: Organisation, kind: str, day: dt.date, now
) -> Notification | None:
    user = preferences.user
    try:
        with transaction.atomic():
            found = Digest.objects.create(
                user=user, organisation=organisation, kind=kind, day=day, created_at=now
            )
            quiet = (
                QuietHours(preferences.quiet_from, preferences.quiet_until, UK_TIME)
                if preferences.quiet_from
                and preferences.quiet_until
                and preferences.quiet_from != preferences.quiet_until
                else None
            )
            due, held = deliver_at(now, quiet, high_risk=False)
            address = (preferences.email or user.email or "").strip()
            return Notification.objects.create(
                kind=references.DIGEST,
                digest=found,
                organisation=organisation,
                reason="digest",
                recipient=user,
                recipient_name=(user.get_full_name().strip() or user.get_username())[:300],
                channel=Channel.EMAIL,
                provider=email_provider(),
                address=address,
                created_at=now,
                due_at=due,
                held_for_quiet_hours=held,
                next_attempt_at=due if address else None,
                state=State.QUEUED if address else State.GIVEN_UP,
                finished_at=None if address else now,
                last_error="" if address else "No email address for the digest",
            )
    except IntegrityError:
        return None  # another worker made it first


# --- what it says ------------------------------------------------------------------------------


def _line(alert: Alert, organisation: Organisation, now: dt.datetime) -> str:
    high = alert.severity in (Severity.CRITICAL, Severity.HIGH) or (
        alert.episode is not None
        and alert.episode.returned_at is None
        and alert.episode.grade == "high"
    )
    what = references.what_happened(alert.code, alert.episode, high)
    reference = references.reference_for(alert.child, alert.episode, alert, organisation)
    due = "overdue since" if alert.due_at < now else "due"
    link = references.link_for(alert.code, alert.child, alert.episode)
    return f"{what}, {reference}, {due} {references.when(alert.due_at)}: {link}"


def _section(title: str, alerts: QuerySet, organisation: Organisation, now) -> Section:
    total = alerts.count()
    listed = alerts.select_related("child", "episode")[:LISTED]
    return Section(title, total, [_line(alert, organisation, now) for alert in listed])


def sections(notification: Notification, now: dt.datetime) -> list[Section]:
    found = notification.digest
    assert found is not None
    organisation = found.organisation
    open_alerts = Alert.objects.filter(organisation=organisation, resolved_at__isnull=True)
    if found.kind == Digest.Kind.PERSONAL:
        mine = open_alerts.filter(assigned_to=found.user)
        return [
            _section(
                "Your overdue alerts",
                mine.filter(due_at__lt=now).order_by("due_at"),
                organisation,
                now,
            ),
            _section(
                "Your alerts not yet acknowledged",
                mine.filter(acknowledged_at__isnull=True).order_by("-raised_at"),
                organisation,
                now,
            ),
        ]
    day_before = now - dt.timedelta(days=1)
    return [
        _section(
            "New in the last 24 hours and not acknowledged",
            open_alerts.filter(acknowledged_at__isnull=True, raised_at__gte=day_before).order_by(
                "-raised_at"
            ),
            organisation,
            now,
        ),
        _section(
            "Escalated in the last 24 hours: nobody acknowledged them in time",
            open_alerts.filter(escalations__at__gte=day_before)
            .distinct()
            .order_by("-acknowledge_by"),
            organisation,
            now,
        ),
        _section(
            "Notifications that could not be sent (last 24 hours)",
            open_alerts.filter(code=references.NOT_SENT, raised_at__gte=day_before).order_by(
                "-raised_at"
            ),
            organisation,
            now,
        ),
        _section(
            "Overdue", open_alerts.filter(due_at__lt=now).order_by("-due_at"), organisation, now
        ),
    ]


def build(notification: Notification, *, now: dt.datetime) -> tuple[Message, str]:
    found = notification.digest
    assert found is not None
    parts = sections(notification, now)
    day = f"{found.day:%-d %B %Y}"
    title = (
        "Your alerts"
        if found.kind == Digest.Kind.PERSONAL
        else f"{found.organisation.name}: alerts"
    )
    summary = "; ".join(f"{part.title}: {part.total}" for part in parts)
    context = {
        "title": title,
        "day": day,
        "summary": summary,
        "sections": parts,
        "link": references.link_for(references.DIGEST, None, None),
        "preferences_link": references.preferences_link(),
    }
    subject = " ".join(render_to_string("notifications/email/digest_subject.txt", context).split())
    body = render_to_string("notifications/email/digest_body.txt", context)
    personalisation: dict[str, object] = {
        "title": title,
        "day": day,
        "summary": summary,
        "alerts": [f"{part.title} ({part.total}): {line}" for part in parts for line in part.lines]
        or ["Nothing overdue or waiting to be acknowledged"],
        "link": context["link"],
        "preferences_link": context["preferences_link"],
    }
    return (
        Message(
            to=notification.address,
            subject=subject,
            body=body,
            template="digest",
            personalisation=personalisation,
            reference=f"visible-notification-{notification.pk}",
        ),
        Detail.REFERENCE,
    )
