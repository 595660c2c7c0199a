"""Who may make an authority's FOI return, and see or write a partnership's annual report.

- The FOI return of an authority: a senior manager, missing coordinator or analyst of that
  authority's own council (the roles that see counts), or the command line (the system).
- A partnership's annual report: the same roles in any council of the partnership area.
- The partnership's written sections: a senior manager of a council in the area.
Everyone else is refused, and the refusal is audited by the caller.
"""

from __future__ import annotations

from visible.agencies.models import ROLES_THAT_SEE_COUNTS, Role
from visible.agencies.viewer import Viewer
from visible.reference.models import Authority

from .models import PartnershipArea

ROLES_THAT_WRITE_SECTIONS = {Role.SENIOR_MANAGER}


def is_system(viewer: Viewer) -> bool:
    """The command line and other system jobs: no user, no organisation."""
    return (
        viewer.user_id is None and viewer.organisation is None and viewer.username.startswith("<")
    )


def can_make_foi_return(viewer: Viewer, authority: Authority) -> bool:
    if is_system(viewer):
        return True
    org = viewer.organisation
    return bool(
        org
        and org.is_responsible_body
        and org.authority_id == authority.pk
        and viewer.role in ROLES_THAT_SEE_COUNTS
    )


def _member_council(viewer: Viewer, area: PartnershipArea) -> bool:
    org = viewer.organisation
    return bool(
        org
        and org.is_responsible_body
        and org.authority_id
        and area.authorities.filter(pk=org.authority_id).exists()
    )


def can_view_partnership(viewer: Viewer, area: PartnershipArea) -> bool:
    return is_system(viewer) or (
        _member_council(viewer, area) and viewer.role in ROLES_THAT_SEE_COUNTS
    )


def can_write_sections(viewer: Viewer, area: PartnershipArea) -> bool:
    return _member_council(viewer, area) and viewer.role in ROLES_THAT_WRITE_SECTIONS


def partnerships_for(viewer: Viewer):
    """The partnership areas whose reports this viewer may see."""
    if is_system(viewer):
        return PartnershipArea.objects.all()
    org = viewer.organisation
    if not (
        org
        and org.is_responsible_body
        and org.authority_id
        and viewer.role in ROLES_THAT_SEE_COUNTS
    ):
        return PartnershipArea.objects.none()
    return PartnershipArea.objects.filter(authorities=org.authority_id)
