"""Who may manage whose access. An organisation's administrators (Role.ORGANISATION_ADMIN, and
the national body's national administrators) manage the people of their own organisation only;
a national administrator may also invite an organisation's administrators into any
organisation, and resend or withdraw those invitations until they are accepted. Holding an
administrator role opens no child's record (access/register.py). The operator on the server
(`visible users ...`, a Viewer.system) may do all of it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from visible.agencies.models import (
    ADMINISTRATOR_ROLES,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)
from visible.agencies.viewer import Viewer

from .roles import roles_for


def is_operator(viewer: Viewer) -> bool:
    """The command line on the server: Viewer.system('cli:...'), acting for no organisation."""
    return (
        viewer.user_id is None and viewer.organisation is None and viewer.username.startswith("<")
    )


def manages_people(viewer: Viewer) -> bool:
    """An administrator of an active organisation, acting for it."""
    org = viewer.organisation
    return bool(org and org.is_active and viewer.role in ADMINISTRATOR_ROLES)


def is_national_administrator(viewer: Viewer) -> bool:
    org = viewer.organisation
    return bool(
        org
        and org.is_active
        and org.kind == OrganisationKind.NATIONAL_BODY
        and viewer.role == Role.NATIONAL_ADMIN
    )


def manages(viewer: Viewer, organisation: Organisation) -> bool:
    """May manage the people and teams of `organisation`."""
    if is_operator(viewer):
        return True
    return manages_people(viewer) and viewer.organisation_id == organisation.pk


def manages_membership(viewer: Viewer, membership: Membership) -> bool:
    """May see and change this person's access: their own organisation's administrators; a
    national administrator, for an organisation administrator invited and not yet accepted."""
    if manages(viewer, membership.organisation):
        return True
    return (
        is_national_administrator(viewer)
        and membership.role == Role.ORGANISATION_ADMIN
        and not membership.is_active
        and membership.deactivated_at is None
    )


def may_invite(viewer: Viewer, organisation: Organisation, role: str) -> bool:
    """Into this organisation, at all (which roles they may give: may_give)."""
    if manages(viewer, organisation):
        return True
    return role == Role.ORGANISATION_ADMIN and is_national_administrator(viewer)


def may_give(viewer: Viewer, organisation: Organisation, role: str) -> bool:
    """The role exists in this kind of organisation, and the viewer may hand it out."""
    if role not in roles_for(organisation):
        return False
    return role != Role.NATIONAL_ADMIN or is_operator(viewer) or is_national_administrator(viewer)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)
