"""Who is told when a child is reported missing (docs/notifications.md, "Who is told"): the
child's allocated social worker, the council's on-call manager on the rota at that moment,
its missing-children coordinators, and, when the child is in scope (trafficked, suspected,
UASC, separated, unaccompanied) and the episode names the police force it was reported to,
that force's trafficking single points of contact. Each person once, under the first reason
that names them.

``recipients_for_missing`` returns the people, each with the reason they are told;
``notify.notify_missing`` tells them. What happens when nobody acknowledges the alert is
escalation.py's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone

from visible.access.register import IN_SCOPE_FLAGS
from visible.agencies.models import Membership, Organisation, Role
from visible.children.models import Child, Flag
from visible.dates import uk_date
from visible.missing.models import Episode
from visible.rota.duty import on_duty
from visible.rota.models import Position

ALLOCATED_SOCIAL_WORKER = "allocated_social_worker"
ON_CALL_MANAGER = "on_call_manager"


@dataclass(frozen=True)
class Recipient:
    user: User
    reason: str  # the role they are told as: missing_coordinator, trafficking_spoc, ...


def members_with_role(organisation: Organisation | None, role: str) -> list[User]:
    """The people who hold ``role`` in ``organisation`` now (active, in an active organisation)."""
    if organisation is None or not organisation.is_active:
        return []
    memberships = (
        Membership.objects.filter(
            organisation=organisation, role=role, is_active=True, user__is_active=True
        )
        .select_related("user")
        .order_by("user__username")
    )
    return [membership.user for membership in memberships]


def coordinators_of(organisation: Organisation | None) -> list[User]:
    return members_with_role(organisation, Role.MISSING_COORDINATOR)


def in_scope(child: Child, day: dt.date) -> bool:
    """Whether the child carries a flag in force that puts them in the report's scope."""
    return (
        Flag.objects.filter(child=child, kind__in=IN_SCOPE_FLAGS, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .exists()
    )


def allocated_worker_of(child: Child) -> list[User]:
    """The child's allocated social worker, while they are an active member of the child's
    council (a worker who has left keeps the allocation on record until it is changed)."""
    worker = child.allocated_worker
    organisation = child.responsible_organisation
    if worker is None or not worker.is_active or organisation is None:
        return []
    serving = Membership.objects.filter(
        user=worker, organisation=organisation, is_active=True, organisation__is_active=True
    ).exists()
    return [worker] if serving else []


def on_call_manager_of(organisation: Organisation | None, at: dt.datetime) -> list[User]:
    """The on-call manager on the organisation's rota at ``at``."""
    if organisation is None or not organisation.is_active:
        return []
    return on_duty(organisation, Position.ON_CALL_MANAGER, at)


def recipients_for_missing(episode: Episode, at: dt.datetime | None = None) -> list[Recipient]:
    """The people told when ``episode`` is reported at ``at``: the child's allocated social
    worker, the on-call manager on the rota then, the council's missing-children coordinators,
    and the trafficking SPOCs of the force it was reported to when the child is in scope. A
    person who is two of these is told once, as the first."""
    child = episode.child
    at = at or timezone.now()
    organisation = child.responsible_organisation
    found = [Recipient(user, ALLOCATED_SOCIAL_WORKER) for user in allocated_worker_of(child)]
    found += [Recipient(user, ON_CALL_MANAGER) for user in on_call_manager_of(organisation, at)]
    found += [Recipient(user, Role.MISSING_COORDINATOR) for user in coordinators_of(organisation)]
    if episode.police_force_id and in_scope(child, uk_date(at)):
        found += [
            Recipient(user, Role.TRAFFICKING_SPOC)
            for user in members_with_role(episode.police_force, Role.TRAFFICKING_SPOC)
        ]
    return once_each(found)


def once_each(recipients: list[Recipient]) -> list[Recipient]:
    seen: set[int] = set()
    kept = []
    for recipient in recipients:
        if recipient.user.pk not in seen:
            seen.add(recipient.user.pk)
            kept.append(recipient)
    return kept
