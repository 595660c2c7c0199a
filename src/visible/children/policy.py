"""Who may see and change which children. Every access decision about the register is made
here, so that the multi-agency rules (police, guardians, national body) extend this module
rather than being scattered through views.

- The responsible organisation (council or HSC Trust) sees and edits its children in full.
- The council a child is currently placed in (the host) sees a limited view: identity,
  photograph, flags, current placement.
- Nobody else sees the child at all: the record does not exist for them.
"""

from __future__ import annotations

import enum

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from visible.agencies.models import ROLES_THAT_EDIT_REGISTER, ROLES_THAT_SEE_COUNTS
from visible.agencies.viewer import Viewer

from .models import Child, Placement


class Access(enum.IntEnum):
    NONE = 0
    LIMITED = 1
    FULL = 2


# What the host council's limited view includes (see docs/access.md).
LIMITED_SECTIONS = frozenset({"identity", "photo", "flags", "current_placement"})


def _hosted_here(viewer: Viewer) -> Q:
    """Children currently placed in the viewer's authority area. An uncorrelated IN
    (computed once) rather than EXISTS per row, so the list stays fast nationally."""
    authority_id = viewer.organisation.authority_id if viewer.organisation else None
    today = timezone.localdate()
    placed_here = Placement.objects.current_on(today).filter(authority_id=authority_id).values("child_id")
    return Q(pk__in=placed_here)


def full_access_children(viewer: Viewer) -> QuerySet[Child]:
    if not viewer.organisation or not viewer.organisation.is_responsible_body:
        return Child.objects.none()
    return Child.objects.filter(responsible_organisation=viewer.organisation)


def visible_children(viewer: Viewer) -> QuerySet[Child]:
    """Children the viewer may find: their own, and those placed in their area."""
    org = viewer.organisation
    if not org or not org.is_responsible_body:
        return Child.objects.none()
    if org.authority_id is None:
        return full_access_children(viewer)
    return Child.objects.filter(Q(responsible_organisation=org) | _hosted_here(viewer))


def access_to(viewer: Viewer, child: Child) -> Access:
    org = viewer.organisation
    if not org or not org.is_responsible_body:
        return Access.NONE
    if child.responsible_organisation_id == org.pk:
        return Access.FULL
    if org.authority_id and visible_children(viewer).filter(pk=child.pk).exists():
        return Access.LIMITED
    return Access.NONE


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
    return access_to(viewer, child) == Access.FULL
