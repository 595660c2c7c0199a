"""Who may import a council's statutory returns: its senior managers and missing-children
coordinators (the people who answer for the data the council sends the DfE)."""

from __future__ import annotations

from django.urls import reverse

from visible.agencies.models import Role
from visible.agencies.viewer import Viewer

ROLES_THAT_IMPORT = frozenset({Role.SENIOR_MANAGER, Role.MISSING_COORDINATOR})


def can_import(viewer: Viewer) -> bool:
    organisation = viewer.organisation
    return bool(
        organisation
        and organisation.is_responsible_body
        and organisation.authority_id
        and viewer.role in ROLES_THAT_IMPORT
    )


def nav_items(viewer: Viewer, path: str) -> list[tuple[str, str, bool]]:
    """The service navigation's entry for the upload page, for those who may use it."""
    if not can_import(viewer):
        return []
    return [
        (
            "Import an SSDA903 return",
            reverse("web:ssda903-import"),
            path.startswith("/returns/ssda903"),
        )
    ]
