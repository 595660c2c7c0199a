"""Most urgent first (docs/alerts.md): the order of the alerts inbox, the missing-now board and a
police force's list; the older backlog kept apart; what is new since a person last looked; the
alerts that interrupt every page with a banner; and the small fingerprints the live pages poll.

Queries only, over the alerts and episodes the caller may already see (the organisation's inbox
here, ``access.register.visible_children`` for the board): who sees what stays in access/.
The clock is the caller's: every function that depends on the time takes ``now``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from visible.access import missing as missing_policy
from visible.agencies.models import ADMINISTRATOR_ROLES, Role
from visible.agencies.viewer import Viewer

from .models import Alert, AlertDismissal, AlertEscalation, Episode, LastLooked
from .severity import INTERRUPTS

# An alert that fell due more than this long ago, about no child who is missing now, is
# "older backlog": kept out of the way of today's alerts, in a tab of its own with its count.
BACKLOG_DAYS = 30
# A critical or high alert raised this recently, not yet acknowledged, is shown in the banner.
BANNER_HOURS = 24
# At most this many banner alerts are read; the banner says "and N more" up to it.
BANNER_READ = 11

# The pages whose last look is kept per person.
ALERTS_PAGE = "alerts"
BOARD_PAGE = "missing-now"
FORCE_PAGE = "force-missing"


# --- the inbox -----------------------------------------------------------------------------


def inbox(viewer: Viewer) -> QuerySet[Alert]:
    """The alerts in the organisation's inbox: a council's (or HSC Trust's) every alert; any
    other organisation's only those about its own staff (missing_policy.STAFF_NOTICE_CODES),
    and a police force's its notices (FORCE_NOTICE_CODES) and its SPOC's challenges."""
    org = viewer.organisation
    if org is None or viewer.role in ADMINISTRATOR_ROLES:  # administrators see no child
        return Alert.objects.none()
    alerts = Alert.objects.filter(organisation=org)
    if org.is_responsible_body:
        return alerts
    codes = set(missing_policy.STAFF_NOTICE_CODES)
    if viewer.role == Role.TRAFFICKING_SPOC:
        codes |= missing_policy.SPOC_CODES  # challenges to the force's grades (R-POLICE-GRADE)
    if viewer.role in (Role.POLICE_OFFICER, Role.TRAFFICKING_SPOC):
        codes |= missing_policy.FORCE_NOTICE_CODES  # a transfer into its area withdrawn
    return alerts.filter(code__in=codes)


def _acknowledged_last() -> Case:
    return Case(When(acknowledged_at__isnull=True, then=Value(0)), default=Value(1))


def urgent_first(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    """Severity (critical first); within it, those still awaiting acknowledgement before those
    someone has taken on; then the acknowledgement deadline (overdue first); then newest."""
    return alerts.order_by("severity", _acknowledged_last(), "acknowledge_by", "-raised_at", "-pk")


def with_escalation(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    """Each alert with how many times it has been escalated (``escalation_steps``, 0 if never:
    the inbox's "Escalated" tag), one correlated subquery."""
    steps = (
        AlertEscalation.objects.filter(alert=OuterRef("pk"))
        .order_by()
        .values("alert")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return alerts.annotate(
        escalation_steps=Coalesce(Subquery(steps[:1], output_field=IntegerField()), Value(0))
    )


def backlog(now: dt.datetime) -> Q:
    """Older backlog: fell due more than BACKLOG_DAYS ago and is not about an episode still
    open (a child missing now is never backlog, however old the alert)."""
    return Q(due_at__lt=now - dt.timedelta(days=BACKLOG_DAYS)) & (
        Q(episode__isnull=True) | Q(episode__returned_at__isnull=False)
    )


def inbox_counts(
    alerts: QuerySet[Alert], user_id: int | None, now: dt.datetime, since: dt.datetime | None
) -> dict:
    """One query: the open alerts now (not backlog), the older backlog, those assigned to the
    person, those new since ``since`` (not backlog), and the newest alert's number (which moves
    whenever one is raised)."""
    older = backlog(now)
    counts = alerts.filter(resolved_at__isnull=True).aggregate(
        open=Count("pk", filter=~older),
        backlog=Count("pk", filter=older),
        mine=Count("pk", filter=Q(assigned_to_id=user_id)),
        new=Count("pk", filter=~older & Q(raised_at__gt=since or now)),
        acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
        newest=Max("pk"),
    )
    if since is None:  # a first look: nothing is new
        counts["new"] = 0
    return counts


def overdue(alert_acknowledged_at, acknowledge_by, now: dt.datetime) -> bool:
    """Not acknowledged by its deadline."""
    return alert_acknowledged_at is None and acknowledge_by is not None and acknowledge_by <= now


# --- the board and the force's list --------------------------------------------------------

_GRADE_RANK = Case(
    When(grade="high", then=Value(3)),
    When(grade="medium", then=Value(2)),
    When(grade="low", then=Value(1)),
    When(grade="no_apparent_risk", then=Value(0)),
    default=Value(-1),
    output_field=IntegerField(),
)


def with_urgency(episodes: QuerySet[Episode]) -> QuerySet[Episode]:
    """Each episode with its most urgent open alert (as the inbox orders them): its severity,
    whether someone has acknowledged it, its deadline and its kind. Correlated subqueries, so
    the board stays one query however many alerts there are."""
    top = urgent_first(Alert.objects.filter(episode=OuterRef("pk"), resolved_at__isnull=True))
    return episodes.annotate(
        top_severity=Subquery(top.values("severity")[:1]),
        top_acknowledged_at=Subquery(top.values("acknowledged_at")[:1]),
        top_deadline=Subquery(top.values("acknowledge_by")[:1]),
        top_code=Subquery(top.values("code")[:1]),
        grade_rank=_GRADE_RANK,
    )


def episodes_urgent_first(episodes: QuerySet[Episode], *, open_first: bool = False):
    """The board's order: the most urgent open alert's severity (episodes with none after
    every one with some), still awaiting acknowledgement first, its deadline (overdue first);
    then the grade, highest first; then the newest report. ``open_first`` puts episodes still
    open before those that have ended (the trafficking SPOC's list has both)."""
    order = [
        F("top_severity").asc(nulls_last=True),
        Case(When(top_acknowledged_at__isnull=True, then=Value(0)), default=Value(1)),
        F("top_deadline").asc(nulls_last=True),
        F("grade_rank").desc(),
        F("reported_at").desc(),
        F("pk").desc(),
    ]
    if open_first:
        order.insert(0, F("returned_at").desc(nulls_first=True))
    return with_urgency(episodes).order_by(*order)


# --- what is new since a person last looked ---------------------------------------------------


def last_look(user_id: int | None, page: str) -> dt.datetime | None:
    if user_id is None:
        return None
    return (
        LastLooked.objects.filter(user_id=user_id, page=page).values_list("at", flat=True).first()
    )


def look(user_id: int | None, page: str, at: dt.datetime) -> None:
    """The person has seen the page as it is at ``at``."""
    if user_id is not None:
        LastLooked.objects.update_or_create(user_id=user_id, page=page, defaults={"at": at})


def is_new(moment: dt.datetime | None, since: dt.datetime | None) -> bool:
    """Raised (or reported) after the person's previous look. On a first look nothing is
    "new": everything would be."""
    return since is not None and moment is not None and moment > since


# --- the banner ------------------------------------------------------------------------------


def can_be_interrupted(viewer: Viewer) -> bool:
    """The banner is for those whose inbox holds children's alerts and who may act on them."""
    org = viewer.organisation
    return bool(org and org.is_responsible_body and viewer.role in missing_policy.ROLES_THAT_ACT)


def banner_alerts(viewer: Viewer, now: dt.datetime) -> list[Alert]:
    """The critical and high alerts raised in the last BANNER_HOURS that nobody has
    acknowledged and this person has not put away, most urgent first (one query)."""
    if viewer.user_id is None or not can_be_interrupted(viewer):
        return []
    found = (
        inbox(viewer)
        .filter(
            resolved_at__isnull=True,
            acknowledged_at__isnull=True,
            severity__in=[s.value for s in INTERRUPTS],
            raised_at__gte=now - dt.timedelta(hours=BANNER_HOURS),
        )
        .exclude(pk__in=AlertDismissal.objects.filter(user_id=viewer.user_id).values("alert_id"))
        .only("pk", "code", "severity", "raised_at", "acknowledge_by", "episode_id", "child_id")
    )
    return list(urgent_first(found)[:BANNER_READ])


# --- fingerprints ----------------------------------------------------------------------------


def episodes_fingerprint(episodes: QuerySet[Episode], now: dt.datetime, *extra: object) -> str:
    """What a list of episodes (the board, the force's list) shows that can change, in two
    plain queries: each episode's state (its version moves with the police report and the
    return), and the open alerts on them (one raised, acknowledged, resolved or fallen overdue
    changes the count, the newest number or the tallies). Not the rows' order, which follows
    from these."""
    rows = sorted(
        (pk, version, grade, category, police is not None, returned is not None)
        for pk, version, grade, category, police, returned in episodes.order_by().values_list(
            "pk", "version", "grade", "category", "police_reported_at", "returned_at"
        )
    )
    # By the numbers just read: the episodes' own query (the access rules' subqueries) once.
    alerts = Alert.objects.filter(
        episode_id__in=[row[0] for row in rows], resolved_at__isnull=True
    ).aggregate(
        open=Count("pk"),
        newest=Max("pk"),
        severities=Sum("severity"),
        acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
        overdue=Count("pk", filter=Q(acknowledged_at__isnull=True, acknowledge_by__lte=now)),
    )
    return fingerprint([rows, sorted(alerts.items()), *extra])


def fingerprint(parts: Iterable[object]) -> str:
    """A short stable digest of what a live page would show: a poll whose fingerprint matches
    the page's changes nothing (and renders, sends and audits nothing)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\x1f")
    return digest.hexdigest()[:24]
