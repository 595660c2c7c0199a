"""Who may see and change which children. Every access decision about the register is made
here (and in access/missing.py for episodes), so the web pages and the API share one code path.

- The responsible organisation (council or HSC Trust) sees and edits its children in full.
- The council a child is currently placed in (the host) sees a limited view.
- A police force sees a limited view of a child while the child is reported missing to it (an
  open episode whose police force is theirs); its trafficking SPOC sees the children in scope
  among them. A grab pack shared in advance (sharing.GrabPackShare) opens to the force only then.
- A guardian or advocacy service sees the children assigned to it (an active assignment).
- The sending authority of a transfer keeps a read-only view for a set period.
- Anyone with break-glass access (a stated reason, for a few hours) has a read-only view; the
  responsible organisation is alerted.
- The national body never sees a child.
- Nobody else sees the child at all: the record does not exist for them.
docs/access.md has the whole matrix; tests/sharing/test_access_matrix.py tests every cell.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from visible.agencies.models import (
    ADMINISTRATOR_ROLES,
    ROLES_THAT_EDIT_REGISTER,
    ROLES_THAT_SEE_COUNTS,
    OrganisationKind,
    Role,
)
from visible.agencies.viewer import Viewer
from visible.children.models import Child, Flag, GuardianAssignment, Placement
from visible.missing.models import Episode
from visible.sharing.models import BreakGlass, Transfer


class Access(enum.IntEnum):
    NONE = 0
    LIMITED = 1  # the sections of LIMITED_SECTIONS (and SECTIONS_BY_BASIS), nothing else
    READ = 2  # everything, read-only
    FULL = 3  # everything, and the right to change it (by role)


# What the host council's limited view includes (see docs/access.md).
LIMITED_SECTIONS = frozenset(
    {"identity", "photo", "flags", "current_placement", "open_episodes", "safety_plan"}
)
POLICE_ROLES = {Role.POLICE_OFFICER, Role.TRAFFICKING_SPOC}
GUARDIAN_ROLES = {Role.GUARDIAN, Role.NGO_WORKER}
IN_SCOPE_FLAGS = (
    "trafficked_identified",
    "trafficked_suspected",
    "uasc",
    "separated",
    "unaccompanied",
)


@dataclass(frozen=True)
class Grant:
    """What a viewer may do with a child, and why: the basis names the rule (sharing.Basis)."""

    access: Access
    basis: str = ""  # "responsible", or a sharing.Basis value
    note: str = ""  # for the page's banner: why this view

    @property
    def is_own(self) -> bool:
        return self.basis == "responsible"


NO_GRANT = Grant(Access.NONE)


def _org(viewer: Viewer):
    """The organisation whose children the viewer may be granted. None for the administrator
    roles: they manage people, and holding one opens no child's record (docs/access.md)."""
    if viewer.role in ADMINISTRATOR_ROLES:
        return None
    return viewer.organisation


def _hosted_here(viewer: Viewer) -> Q:
    """Children currently placed in the viewer's authority area. An uncorrelated IN
    (computed once) rather than EXISTS per row, so the list stays fast nationally."""
    authority_id = viewer.organisation.authority_id if viewer.organisation else None
    today = timezone.localdate()
    placed_here = (
        Placement.objects.current_on(today).filter(authority_id=authority_id).values("child_id")
    )
    return Q(pk__in=placed_here)


SPOC_FOLLOW_UP_DAYS = 90  # a SPOC keeps seeing a child in scope this long after the return


def _missing_to_force(viewer: Viewer) -> QuerySet:
    """Ids of children with an episode open now that was reported to the viewer's force."""
    return Episode.objects.filter(
        police_force=viewer.organisation, returned_at__isnull=True
    ).values("child_id")


def _spoc_children(viewer: Viewer) -> QuerySet:
    """Ids of children in scope reported missing to the viewer's force: missing now, or back
    within SPOC_FOLLOW_UP_DAYS (the return interview's intelligence comes after the return)."""
    since = timezone.now() - dt.timedelta(days=SPOC_FOLLOW_UP_DAYS)
    return (
        Episode.objects.filter(police_force=viewer.organisation, child_id__in=_in_scope_now())
        .filter(Q(returned_at__isnull=True) | Q(returned_at__gte=since))
        .values("child_id")
    )


def _in_scope_now() -> QuerySet:
    today = timezone.localdate()
    return (
        Flag.objects.filter(kind__in=IN_SCOPE_FLAGS, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values("child_id")
    )


def _assigned_here(viewer: Viewer) -> QuerySet:
    today = timezone.localdate()
    return (
        GuardianAssignment.objects.filter(organisation=viewer.organisation, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values("child_id")
    )


def _transferred_from_here(viewer: Viewer) -> QuerySet:
    return Transfer.objects.filter(
        from_organisation=viewer.organisation, read_only_until__gte=timezone.localdate()
    ).values("child_id")


def _break_glass_now(viewer: Viewer) -> QuerySet:
    return BreakGlass.objects.filter(user_id=viewer.user_id, expires_at__gt=timezone.now()).values(
        "child_id"
    )


def full_access_children(viewer: Viewer) -> QuerySet[Child]:
    org = _org(viewer)
    if not org or not org.is_responsible_body:
        return Child.objects.none()
    return Child.objects.filter(responsible_organisation=org)


def visible_children(viewer: Viewer) -> QuerySet[Child]:
    """Children the viewer may find in lists and searches: every child any grant opens to them."""
    org = _org(viewer)
    if not org or org.kind == OrganisationKind.NATIONAL_BODY:
        return Child.objects.none()
    if org.is_responsible_body:
        seen = Q(responsible_organisation=org) | Q(pk__in=_transferred_from_here(viewer))
        if org.authority_id is not None:
            seen |= _hosted_here(viewer)
    elif org.kind == OrganisationKind.POLICE and viewer.role in POLICE_ROLES:
        seen = Q(pk__in=_missing_to_force(viewer))
        if viewer.role == Role.TRAFFICKING_SPOC:
            seen |= Q(pk__in=_spoc_children(viewer))
    elif (
        org.kind in (OrganisationKind.GUARDIAN_SERVICE, OrganisationKind.NGO)
        and viewer.role in GUARDIAN_ROLES
    ):
        seen = Q(pk__in=_assigned_here(viewer))
    else:
        seen = Q(pk__in=[])
    return Child.objects.filter(seen | Q(pk__in=_break_glass_now(viewer)))


def whole_record_children(viewer: Viewer) -> QuerySet[Child]:
    """Children whose whole record the viewer sees (Access.READ or FULL in grant_for): their own
    organisation's, a transfer's sender's for the read-only period, and break-glass. Every other
    child the viewer finds (visible_children) they see in a limited view."""
    org = _org(viewer)
    if not org or org.kind == OrganisationKind.NATIONAL_BODY:
        return Child.objects.none()
    whole = Q(pk__in=_break_glass_now(viewer))
    if org.is_responsible_body:
        whole |= Q(responsible_organisation=org) | Q(pk__in=_transferred_from_here(viewer))
    return Child.objects.filter(whole)


def limited_grant(viewer: Viewer) -> Grant:
    """The grant by which the viewer sees the children they see only in part: a council the
    children placed in its area, a police force those reported missing to it, a guardian or
    NGO service those assigned to it (the basis decides the sections, sections_for)."""
    org = _org(viewer)
    if org is None:
        return NO_GRANT
    if org.is_responsible_body:
        return Grant(Access.LIMITED, "host")
    if org.kind == OrganisationKind.POLICE and viewer.role in POLICE_ROLES:
        return Grant(Access.LIMITED, "police_missing")
    if (
        org.kind in (OrganisationKind.GUARDIAN_SERVICE, OrganisationKind.NGO)
        and viewer.role in GUARDIAN_ROLES
    ):
        return Grant(Access.LIMITED, "guardian")
    return NO_GRANT


def grant_for(viewer: Viewer, child: Child | None) -> Grant:
    """The one place that decides what a viewer may do with a child, and on what basis."""
    org = _org(viewer)
    if child is None or org is None or org.kind == OrganisationKind.NATIONAL_BODY:
        return NO_GRANT
    if org.is_responsible_body and child.responsible_organisation_id == org.pk:
        return Grant(Access.FULL, "responsible")
    grant = NO_GRANT
    if org.is_responsible_body:
        if (
            org.authority_id
            and Placement.objects.current_on(timezone.localdate())
            .filter(child=child, authority_id=org.authority_id)
            .exists()
        ):
            grant = Grant(
                Access.LIMITED,
                "host",
                f"This child is placed in your area by {child.responsible_organisation.name}.",
            )
        transfer = Transfer.objects.filter(
            child=child, from_organisation=org, read_only_until__gte=timezone.localdate()
        ).first()
        if transfer:
            grant = Grant(
                Access.READ,
                "transferred_from",
                f"Transferred to {transfer.to_organisation.name} on {timezone.localtime(transfer.transferred_at):%-d %B %Y}: "
                f"you can read the record until {transfer.read_only_until:%-d %B %Y}.",
            )
    elif org.kind == OrganisationKind.POLICE and viewer.role in POLICE_ROLES:
        if _missing_to_force(viewer).filter(child_id=child.pk).exists():
            grant = Grant(
                Access.LIMITED,
                "police_missing",
                f"Reported missing to {org.name}: you see what the police need while the child is missing.",
            )
        elif (
            viewer.role == Role.TRAFFICKING_SPOC
            and _spoc_children(viewer).filter(child_id=child.pk).exists()
        ):
            grant = Grant(
                Access.LIMITED,
                "spoc",
                f"A child in scope reported missing to {org.name} in the last {SPOC_FOLLOW_UP_DAYS} days.",
            )
    elif (
        org.kind in (OrganisationKind.GUARDIAN_SERVICE, OrganisationKind.NGO)
        and viewer.role in GUARDIAN_ROLES
    ):
        if _assigned_here(viewer).filter(child_id=child.pk).exists():
            grant = Grant(
                Access.LIMITED,
                "guardian",
                f"Assigned to {org.name} by {child.responsible_organisation.name}.",
            )
    if grant.access < Access.READ:
        glass = BreakGlass.objects.filter(
            child=child, user_id=viewer.user_id, expires_at__gt=timezone.now()
        ).first()
        if glass:
            grant = Grant(
                Access.READ,
                "break_glass",
                f"Break-glass access until {timezone.localtime(glass.expires_at):%H:%M on %-d %B %Y}, "
                f"for the reason you gave. {child.responsible_organisation.name} has been told.",
            )
    return grant


def access_to(viewer: Viewer, child: Child | None) -> Access:
    return grant_for(viewer, child).access


def sections_for(grant: Grant) -> frozenset[str]:
    """The parts of the record a grant shows (read in the child page and the grab pack)."""
    if grant.access >= Access.READ:
        return frozenset({"all"}) | LIMITED_SECTIONS
    if grant.basis == "guardian":
        return LIMITED_SECTIONS | {"nrm", "return_interviews"}
    return LIMITED_SECTIONS if grant.access else frozenset()


# The child's identifiers, shown with the whole record (or the "identifiers" section).
IDENTIFIER_FIELDS = ("council_id", "child_903_id", "home_office_ref", "police_ref", "nrm_ref")


@dataclass(frozen=True)
class Searchable:
    """What a search may match for a child, by what the viewer's view of that child shows, so
    that a search never confirms something the viewer could not read on the record: the
    identifiers shown, and the other names (aliases, spellings) only where they are shown."""

    identifiers: tuple[str, ...]
    other_names: bool


def searchable(grant: Grant) -> Searchable:
    sections = sections_for(grant)
    whole = "all" in sections
    return Searchable(
        IDENTIFIER_FIELDS if whole or "identifiers" in sections else (),
        whole or "other_names" in sections,
    )


def can_edit(viewer: Viewer, child: Child) -> bool:
    return access_to(viewer, child) == Access.FULL and viewer.role in ROLES_THAT_EDIT_REGISTER


def require_edit(viewer: Viewer, child: Child) -> None:
    if not can_edit(viewer, child):
        raise PermissionDenied("You cannot change this child's record")


def can_create(viewer: Viewer) -> bool:
    org = viewer.organisation
    return bool(org and org.is_responsible_body and viewer.role in ROLES_THAT_EDIT_REGISTER)


def require_create(viewer: Viewer) -> None:
    if not can_create(viewer):
        raise PermissionDenied("You cannot add children to the register")


def can_see_counts(viewer: Viewer) -> bool:
    org = viewer.organisation
    return bool(org and org.is_responsible_body and viewer.role in ROLES_THAT_SEE_COUNTS)


def can_see_history(viewer: Viewer, child: Child) -> bool:
    return access_to(viewer, child) >= Access.READ
