"""What the national administrator's pages and `visible organisations list|show` show: the
organisations with their people, administrators and areas. Reads the pages make are audited
by the pages (a list, a view), as every other read is."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from visible.agencies.models import Membership, Organisation, OrganisationKind, Role
from visible.children.models import Child
from visible.reference.models import Authority

STATUSES = {"active": "Active", "deactivated": "Deactivated"}


def organisations(kind: str = "", status: str = "", q: str = "") -> QuerySet[Organisation]:
    """Every organisation, filtered by kind, status (active / deactivated) and a piece of its
    name or its authority's GSS code; each with ``people`` (active memberships) and
    ``administrators`` (active organisation administrators) counted."""
    found = Organisation.objects.select_related("authority").annotate(
        people=Count("memberships", filter=Q(memberships__is_active=True), distinct=True),
        administrators=Count(
            "memberships",
            filter=Q(
                memberships__is_active=True,
                memberships__role__in=[Role.ORGANISATION_ADMIN, Role.NATIONAL_ADMIN],
            ),
            distinct=True,
        ),
    )
    if kind:
        found = found.filter(kind=kind)
    if status == "active":
        found = found.filter(is_active=True)
    elif status == "deactivated":
        found = found.filter(is_active=False)
    q = (q or "").strip()
    if q:
        found = found.filter(Q(name__icontains=q) | Q(authority__code__iexact=q))
    return found.order_by("name")


@dataclass(frozen=True)
class Person:
    name: str
    username: str
    email: str
    role: str


@dataclass(frozen=True)
class Summary:
    organisation: Organisation
    people: int
    administrators: list[Person]
    areas: list[Authority]
    api_clients: int
    children: int  # records it holds (a count only: administrators see no child)


def summary(organisation: Organisation) -> Summary:

    admins = (
        Membership.objects.filter(
            organisation=organisation,
            is_active=True,
            role__in=[Role.ORGANISATION_ADMIN, Role.NATIONAL_ADMIN],
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    return Summary(
        organisation=organisation,
        people=Membership.objects.filter(organisation=organisation, is_active=True).count(),
        administrators=[
            Person(
                name=m.user.get_full_name() or m.user.get_username(),
                username=m.user.get_username(),
                email=m.user.email,
                role=m.get_role_display(),
            )
            for m in admins
        ],
        areas=list(organisation.areas.order_by("name")),
        api_clients=organisation.api_clients.filter(revoked_at__isnull=True).count(),
        children=Child.objects.filter(responsible_organisation=organisation).count(),
    )


def kind_choices() -> list[tuple[str, str]]:
    return [(k.value, k.label) for k in OrganisationKind]


def ended_organisation(user) -> Organisation | None:
    """For someone acting for no organisation: the deactivated organisation they are still a
    member of (the most recently deactivated), if that is why. None for someone who never had
    an organisation, or who has an active one."""
    if not getattr(user, "is_authenticated", False):
        return None
    memberships = Membership.objects.filter(user=user, is_active=True)
    if memberships.filter(organisation__is_active=True).exists():
        return None
    ended = (
        memberships.filter(organisation__is_active=False)
        .select_related("organisation")
        .order_by("-organisation__deactivated_at", "-pk")
        .first()
    )
    return ended.organisation if ended else None
