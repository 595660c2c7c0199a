"""Who may put organisations on Visible and change them: a national administrator
(Role.NATIONAL_ADMIN) of an active national body, on the pages; and an operator at the server's
command line (`visible organisations ...`), whose Viewer acts for no organisation and is named
``cli:<login>``. Nobody else, whatever their role: a refusal is audited as ``denied``, and the
pages answer "Page not found"."""

from __future__ import annotations

import getpass

from django.core.exceptions import PermissionDenied

from visible.agencies.models import OrganisationKind, Role
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction

OPERATOR_PREFIX = "cli"


def operator() -> Viewer:
    """The Viewer of whoever runs a command at the server (the login they run it under)."""
    try:
        name = f"{OPERATOR_PREFIX}:{getpass.getuser()}"
    except (KeyError, OSError):
        name = OPERATOR_PREFIX
    return Viewer(user_id=None, username=name, organisation=None, role=None)


def is_operator(viewer: Viewer) -> bool:
    """The command line's Viewer: no user, no organisation, named cli or cli:<login>. (A web
    request always has a user: every page is behind the sign-in.)"""
    return (
        viewer.user_id is None
        and viewer.organisation is None
        and (
            viewer.username == OPERATOR_PREFIX or viewer.username.startswith(OPERATOR_PREFIX + ":")
        )
    )


def is_national_admin(viewer: Viewer) -> bool:
    org = viewer.organisation
    return bool(
        org
        and org.is_active
        and org.kind == OrganisationKind.NATIONAL_BODY
        and viewer.role == Role.NATIONAL_ADMIN
    )


def may_manage_organisations(viewer: Viewer) -> bool:
    return is_national_admin(viewer) or is_operator(viewer)


def refuse(viewer: Viewer, what: str) -> None:
    """Record the refusal (``denied``) of `what` for this viewer."""
    record(
        viewer,
        AuditAction.DENIED,
        object_type="organisation",
        summary=f"Tried to {what} without being a national administrator",
    )


def require_organisation_manager(viewer: Viewer, what: str) -> None:
    """Raise PermissionDenied (audited) unless the viewer may manage organisations."""
    if not may_manage_organisations(viewer):
        refuse(viewer, what)
        raise PermissionDenied("Only a national administrator can do this")
