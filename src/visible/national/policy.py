"""Who may do what in national monitoring. The national body sees returns and tables (never a
child); a council sees the collections addressed to it and submits its own return."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from visible.agencies.models import OrganisationKind, Role
from visible.agencies.viewer import Viewer
from visible.audit.log import record
from visible.audit.models import AuditAction

# Council roles that may send their authority's return (as they may make the FOI return).
ROLES_THAT_SUBMIT = {Role.SENIOR_MANAGER, Role.MISSING_COORDINATOR, Role.ANALYST}


def is_national_analyst(viewer: Viewer) -> bool:
    org = viewer.organisation
    return bool(org and org.kind == OrganisationKind.NATIONAL_BODY and viewer.role == Role.ANALYST)


def require_national_analyst(viewer: Viewer, what: str) -> None:
    if not is_national_analyst(viewer):
        record(
            viewer,
            AuditAction.DENIED,
            object_type="national",
            summary=f"Tried to {what} without being a national analyst",
        )
        raise PermissionDenied("Only analysts of the national body can do this")


def can_submit_for(viewer: Viewer, authority_id: int) -> bool:
    org = viewer.organisation
    return bool(
        org
        and org.is_responsible_body
        and org.authority_id == authority_id
        and viewer.role in ROLES_THAT_SUBMIT
    )


def nav_items(viewer: Viewer, path: str) -> list[tuple[str, str, bool]]:
    """The service navigation's national entries for this viewer."""
    from django.urls import reverse

    if is_national_analyst(viewer):
        return [("National monitoring", reverse("web:national-home"), path.startswith("/national"))]
    org = viewer.organisation
    if org and org.authority_id and can_submit_for(viewer, org.authority_id):
        return [
            (
                "National returns",
                reverse("web:national-council"),
                path.startswith("/returns/national"),
            )
        ]
    return []
