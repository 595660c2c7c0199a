"""Reading who has access: an organisation's people with their role, team, status, last
sign-in and what they last did (from the audit log), in a fixed number of queries however many
people there are (the latest event of each person is one index lookup: audit's
``audit_actor_latest``). What they last did is said by its kind only ("Viewed: a child's
record"), never by its summary, which may name a child: an administrator sees no child."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from visible.agencies.models import Membership, Organisation, Team
from visible.audit.models import AuditAction, AuditEvent

from .models import Invitation

STATUSES = {
    "active": "Active",
    "invited": "Invited",
    "expired": "Invitation expired",
    "withdrawn": "Invitation withdrawn",
    "deactivated": "Deactivated",
    "none": "No access",
}
# What an event was about, in words that never identify a child.
OBJECTS = {
    "child": "a child's record",
    "episode": "a missing episode",
    "alert": "an alert",
    "flag": "a child's flag",
    "placement": "a placement",
    "nrmreferral": "an NRM referral",
    "ageassessment": "an age assessment",
    "guardianassignment": "a guardian assignment",
    "childname": "a child's other name",
    "membership": "a person's access",
    "team": "a team",
    "session": "the organisation they act for",
    "apiclient": "an API client",
    "grabpack": "a grab pack",
    "breakglass": "break-glass access",
}


def describe_action(action: str, object_type: str) -> str:
    try:
        label = str(AuditAction(action).label)
    except ValueError:
        label = action.replace("_", " ").capitalize()
    if object_type in ("", "user"):
        return label
    return f"{label}: {OBJECTS.get(object_type, object_type.replace('_', ' '))}"


@dataclass(frozen=True)
class LastAction:
    at: dt.datetime
    what: str


@dataclass(frozen=True)
class Person:
    membership: Membership
    status: str  # a key of STATUSES
    invitation: Invitation | None  # the latest link sent, if they have not accepted
    last_sign_in: dt.datetime | None
    last_action: LastAction | None

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def user(self):
        return self.membership.user

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


def status_of(membership: Membership, invitation: Invitation | None, now: dt.datetime) -> str:
    if membership.is_active:
        return "active"
    if membership.deactivated_at is not None:
        return "deactivated"
    if invitation is None or invitation.accepted_at is not None:
        return "none"
    state = invitation.state(now)
    if state == "open":
        return "invited"
    if state == "expired":
        return "expired"
    return "withdrawn"


def people(
    memberships, now: dt.datetime | None = None, *, last_actions: bool = True
) -> list[Person]:
    """Each membership with its status and last activity: three queries in all."""
    now = now or timezone.now()
    latest = AuditEvent.objects.filter(actor_user_id=OuterRef("user_id")).order_by("-seq")
    rows = list(
        memberships.select_related("user", "team", "organisation").annotate(
            last_event_id=Subquery(latest.values("pk")[:1])
        )
        if last_actions
        else memberships.select_related("user", "team", "organisation")
    )
    waiting = [m.pk for m in rows if not m.is_active]
    invitations: dict[int, Invitation] = {}
    if waiting:
        for sent in Invitation.objects.filter(membership_id__in=waiting).order_by(
            "membership_id", "-created_at", "-pk"
        ):
            invitations.setdefault(sent.membership_id, sent)
    events = {}
    if last_actions:
        ids = [m.last_event_id for m in rows if m.last_event_id]
        events = AuditEvent.objects.only("at", "action", "object_type").in_bulk(ids)
    found = []
    for m in rows:
        invitation = invitations.get(m.pk)
        event = events.get(getattr(m, "last_event_id", None))
        found.append(
            Person(
                membership=m,
                status=status_of(m, invitation, now),
                invitation=invitation,
                last_sign_in=m.user.last_login,
                last_action=LastAction(event.at, describe_action(event.action, event.object_type))
                if event
                else None,
            )
        )
    return found


def people_of(organisation: Organisation, now: dt.datetime | None = None) -> list[Person]:
    """Everyone who has, had or was offered access to the organisation, by name."""
    return people(
        Membership.objects.filter(organisation=organisation).order_by(
            "user__last_name", "user__first_name", "user__username", "pk"
        ),
        now,
    )


def person(membership: Membership, now: dt.datetime | None = None) -> Person:
    return people(Membership.objects.filter(pk=membership.pk), now)[0]


def teams_of(organisation: Organisation) -> list[Team]:
    """The organisation's teams, open ones first, each with how many active people are in it."""
    from django.db.models import Count, Q

    return list(
        Team.objects.filter(organisation=organisation)
        .annotate(people=Count("memberships", filter=Q(memberships__is_active=True)))
        .order_by("-is_active", "name")
    )


def access_history(membership: Membership, limit: int = 50) -> list[AuditEvent]:
    """The changes to this person's access, newest first: invitations, roles, teams, leaving."""
    return list(
        AuditEvent.objects.filter(object_type="membership", object_id=str(membership.pk))
        .exclude(action__in=[AuditAction.VIEW, AuditAction.DENIED])
        .order_by("-seq")[:limit]
    )


def pending_administrators(now: dt.datetime | None = None) -> list[Person]:
    """Organisation administrators invited into any organisation and not yet in: for the
    national administrators, who may resend or withdraw those invitations."""
    from visible.agencies.models import OrganisationKind, Role

    return [
        p
        for p in people(
            Membership.objects.filter(
                role=Role.ORGANISATION_ADMIN, is_active=False, deactivated_at__isnull=True
            )
            .exclude(organisation__kind=OrganisationKind.NATIONAL_BODY)
            .order_by("organisation__name", "user__username"),
            now,
            last_actions=False,
        )
        if p.status in ("invited", "expired", "withdrawn")
    ]
