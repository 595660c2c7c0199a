"""Escalation: an alert nobody acknowledges by its deadline goes up the organisation's on-call
rota, one step at a time, until someone acknowledges it (docs/alerts.md, ADR 0019).

Which alerts: every alert nobody has acknowledged, in two ways.

- **Critical and high** (a child missing now, someone reading a record under emergency
  access) escalate at any hour along the on-call rota, described below.
- **Medium and low** (duties of days: a return interview, an NRM decision the Home Office is
  late with) escalate only in office hours (9:00 to 17:00 UK time on the organisation's
  nation's working days), to the missing-children coordinators and then the senior managers,
  never to the on-call rota: nobody is woken at 03:00 about them, but nor does an
  unacknowledged one sit unseen.

An alert whose deadline passed longer ago than its level's ``LOOKBACK`` is left alone: a new
installation, or a worker back after days away, must not page people about last month.

Critical and high: each step goes to the next position of the ladder (rota.LADDER: first on call, on-call
manager, senior manager on call) above the last one it reached, skipping a position with
nobody on duty at that moment; with nobody on the senior managers' rota, the organisation's
senior managers. The first step is taken when the alert's own deadline passes, each next one
when the last step's has (the same length of time again, by the organisation's deadlines).
An alert that finds nobody on the rota at all at its first step goes to the coordinators, so
someone is always told.

A step is one AlertEscalation row (unique by alert and step), its audit event and the
notifications to the people it reached, in one transaction that holds the alert's row: two
workers running this at once take each step once, and an acknowledgement made meanwhile
(acknowledge_alert saves the same row) is seen before any step is taken. The clock is the
caller's.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from visible.agencies.models import Role
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction
from visible.dates import is_working_day
from visible.missing.models import Alert, AlertEscalation, deadline_settings_of
from visible.missing.severity import INTERRUPTS, Severity, deadlines, describe
from visible.risk.facts import NATIONS
from visible.rota.duty import on_duty, position_label
from visible.rota.models import LADDER, Position
from visible.rota.times import shown, uk_wall

from .models import Notification
from .recipients import coordinators_of, members_with_role
from .references import ESCALATED

logger = logging.getLogger("visible.notifications")

ON_CALL = INTERRUPTS  # critical and high: along the on-call rota, at any hour
IN_OFFICE_HOURS = (Severity.MEDIUM, Severity.LOW)  # to coordinators, then senior managers
ESCALATES = ON_CALL + IN_OFFICE_HOURS
# An alert whose deadline passed longer ago than this is not escalated: a new installation, or
# a worker back after days away, must not page people about last month's alerts. Longer than
# the whole ladder takes at each level: three steps of an hour for high; for medium, two steps
# of a day that may each wait for a long weekend's office hours; for low, two of a week.
LOOKBACK = {
    Severity.CRITICAL: dt.timedelta(hours=24),
    Severity.HIGH: dt.timedelta(hours=24),
    Severity.MEDIUM: dt.timedelta(days=7),
    Severity.LOW: dt.timedelta(days=28),
}
OFFICE_OPENS = dt.time(9, 0)
OFFICE_CLOSES = dt.time(17, 0)
ENGLAND = "England"  # the nation of an organisation with no authority (a force, a service)
COORDINATORS = "coordinators"  # the step taken when nobody is on the rota at all
# The office-hours ladder's two steps (medium and low alerts).
OFFICE_COORDINATORS = "office_coordinators"
OFFICE_SENIOR_MANAGERS = "office_senior_managers"
OFFICE_LADDER = (OFFICE_COORDINATORS, OFFICE_SENIOR_MANAGERS)
TOP_OF_LADDER = (Position.SENIOR_MANAGER.value, OFFICE_SENIOR_MANAGERS)
SYSTEM = Viewer.system("escalation")

# How the people of a step are told: notify.notify's signature (jobs.py passes it in, so that
# this module need not import the one that imports it).
Tell = Callable[[Alert, Sequence[User], str, dt.datetime], list[Notification]]


@dataclass
class Outcome:
    checked: int = 0
    steps: list[AlertEscalation] = field(default_factory=list)

    def describe(self) -> str:
        checked = f"{self.checked} alert{'s' if self.checked != 1 else ''} past the deadline"
        return f"{checked} checked, {len(self.steps)} escalated"


def office_hours(now: dt.datetime, nation: str) -> bool:
    """Whether ``now`` is within office hours in ``nation``: 9:00 to 17:00 UK time on a day
    that is neither a weekend nor one of that nation's bank holidays."""
    wall = uk_wall(now)
    return is_working_day(wall.date(), nation) and OFFICE_OPENS <= wall.time() < OFFICE_CLOSES


def nation_of(alert: Alert) -> str:
    authority = getattr(alert.organisation, "authority", None)
    return authority.nation if authority is not None else ENGLAND


def _levels_due(now: dt.datetime) -> Q:
    """The alerts of a level that may escalate at ``now``: critical and high always; medium
    and low where the organisation's nation is in office hours. Each within its lookback."""
    due = Q()
    for level in ON_CALL:
        due |= Q(severity=level.value, acknowledge_by__gt=now - LOOKBACK[level])
    open_nations = [nation for nation in sorted(NATIONS) if office_hours(now, nation)]
    if open_nations:
        where = Q(organisation__authority__nation__in=open_nations)
        if ENGLAND in open_nations:
            where |= Q(organisation__authority__isnull=True)
        for level in IN_OFFICE_HOURS:
            due |= where & Q(severity=level.value, acknowledge_by__gt=now - LOOKBACK[level])
    return due


def candidates(now: dt.datetime):
    """Open, unacknowledged alerts whose next escalation is due at ``now`` (the alert's
    deadline, or the last step's) and may be taken now (``_levels_due``)."""
    last_step = AlertEscalation.objects.filter(alert=OuterRef("pk")).order_by("-step")
    return (
        Alert.objects.filter(
            _levels_due(now),
            resolved_at__isnull=True,
            acknowledged_at__isnull=True,
            acknowledge_by__lte=now,
            organisation__is_active=True,
        )
        .annotate(
            next_due=Coalesce(
                Subquery(last_step.values("respond_by")[:1]),
                F("acknowledge_by"),
                output_field=DateTimeField(),
            )
        )
        .filter(next_due__lte=now)
        .order_by("severity", "acknowledge_by", "pk")
    )


def escalate_due(now: dt.datetime, tell: Tell) -> Outcome:
    """Take every escalation step due at ``now``, each alert in its own transaction."""
    outcome = Outcome()
    for pk in list(candidates(now).values_list("pk", flat=True)):
        outcome.checked += 1
        step = escalate(pk, now, tell)
        if step is not None:
            outcome.steps.append(step)
    if outcome.steps:
        logger.info("Escalation: %s", outcome.describe())
    return outcome


def next_rung(alert: Alert, reached: Sequence[str], now: dt.datetime) -> tuple[str, list[User]]:
    """The position the next step goes to and the people at it now; ("", []) when the ladder
    is climbed."""
    if Severity(alert.severity) in IN_OFFICE_HOURS:
        return _next_in_office(alert, reached)
    done = [LADDER.index(Position(p)) for p in reached if p in Position.values]
    start = max(done) + 1 if done else 0
    for position in LADDER[start:]:
        people = on_duty(alert.organisation_id, position, now)
        if not people and position == Position.SENIOR_MANAGER:
            people = members_with_role(alert.organisation, Role.SENIOR_MANAGER)
        if people:
            return position, people
    if not reached:
        people = coordinators_of(alert.organisation)
        if people:
            return COORDINATORS, people
    return "", []


def _next_in_office(alert: Alert, reached: Sequence[str]) -> tuple[str, list[User]]:
    """A medium or low alert's next step: the coordinators, then the senior managers (either
    skipped when the organisation has nobody in that role)."""
    done = [OFFICE_LADDER.index(p) for p in reached if p in OFFICE_LADDER]
    start = max(done) + 1 if done else 0
    for position in OFFICE_LADDER[start:]:
        if position == OFFICE_COORDINATORS:
            people = coordinators_of(alert.organisation)
        else:
            people = members_with_role(alert.organisation, Role.SENIOR_MANAGER)
        if people:
            return position, people
    return "", []


def escalate(alert_id: int, now: dt.datetime, tell: Tell) -> AlertEscalation | None:
    """The alert's next step if it is due at ``now`` and nobody has acknowledged it."""
    try:
        with transaction.atomic():
            alert = (
                Alert.objects.select_for_update(of=("self",))
                .select_related("organisation", "child", "episode")
                .filter(pk=alert_id)
                .first()
            )
            if alert is None or alert.acknowledged_at is not None or alert.resolved_at is not None:
                return None
            steps = list(AlertEscalation.objects.filter(alert=alert).order_by("step"))
            due = steps[-1].respond_by if steps else alert.acknowledge_by
            if due > now:
                return None  # another worker took this step a moment ago
            level = Severity(alert.severity)
            if level in IN_OFFICE_HOURS and not office_hours(now, nation_of(alert)):
                return None  # waits for the office to open
            position, people = next_rung(alert, [s.position for s in steps], now)
            if not people:
                return None
            window = _window(alert, level)
            why = _why(alert, steps, due)
            names = ", ".join(_name(user) for user in people)
            step = AlertEscalation.objects.create(
                alert=alert,
                step=len(steps) + 1,
                position=position,
                to_names=names[:500],
                at=now,
                why=why[:500],
                respond_by=now + window,
            )
            step.to.set(people)
            to_words = _position_words(position)
            record(
                SYSTEM,
                AuditAction.CHANGE,
                object_type="alert",
                object_id=alert.pk,
                child_id=alert.child_id,
                summary=f"Escalated alert to {names} ({to_words}): {why}"[:500],
                detail={
                    "record": "alert",
                    "escalation": {
                        "step": step.step,
                        "position": position,
                        "to": [user.get_username() for user in people],
                        "why": why,
                        "at": now.isoformat(),
                        "respond_by": step.respond_by.isoformat(),
                    },
                },
            )
            tell(alert, people, f"{ESCALATED}{position}", now)
            return step
    except IntegrityError:
        return None  # the same step, taken by another worker at the same moment


def _window(alert: Alert, level: Severity) -> dt.timedelta:
    """How long each step waits: the organisation's deadline for the alert's level."""
    try:
        return deadlines(deadline_settings_of(alert.organisation_id))[level]
    except ValueError:
        return deadlines()[level]


def _why(alert: Alert, steps: Sequence[AlertEscalation], due: dt.datetime) -> str:
    if not steps:
        return (
            f"Not acknowledged by {shown(due)}, "
            f"{describe(due - alert.raised_at)} after it was raised"
        )
    last = steps[-1]
    return (
        f"Still not acknowledged by {shown(due)}, {describe(due - last.at)} after it was "
        f"escalated to {last.to_names}"
    )


def _position_words(position: str) -> str:
    if position == COORDINATORS:
        return "nobody was on the rota: the missing-children coordinators"
    if position == OFFICE_COORDINATORS:
        return "in office hours: the missing-children coordinators"
    if position == OFFICE_SENIOR_MANAGERS:
        return "in office hours: the senior managers"
    return position_label(position).lower()


def _name(user: User) -> str:
    return user.get_full_name().strip() or user.get_username()


def timeline(alert: Alert) -> list[AlertEscalation]:
    """The alert's steps, first first, with the people they reached."""
    return list(AlertEscalation.objects.filter(alert=alert).prefetch_related("to").order_by("step"))


def label(position: str) -> str:
    """What the alert's page calls the step's position."""
    if position == COORDINATORS:
        return "Missing-children coordinators (nobody on the rota)"
    if position == OFFICE_COORDINATORS:
        return "Missing-children coordinators (in office hours)"
    if position == OFFICE_SENIOR_MANAGERS:
        return "Senior managers (in office hours)"
    return position_label(position)
