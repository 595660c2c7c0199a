"""What the child's page shows about sharing: for the responsible organisation, every
disclosure made about the child, the forces the grab pack is shared with, break-glass
accesses to review and transfers; for others, nothing more."""

from __future__ import annotations

from typing import Any

from visible.access import register as policy
from visible.agencies.models import Organisation, OrganisationKind
from visible.agencies.viewer import Viewer
from visible.children.models import Child
from visible.sharing import actions
from visible.sharing.models import BreakGlass, Disclosure, GrabPackShare, Transfer

DISCLOSURES_SHOWN = 50


def sharing_context(viewer: Viewer, child: Child, grant: policy.Grant) -> dict[str, Any]:
    if grant.access < policy.Access.READ:
        return {"sharing": None}
    own = grant.access == policy.Access.FULL
    disclosures = list(
        Disclosure.objects.filter(child=child).select_related("organisation")[
            : DISCLOSURES_SHOWN + 1
        ]
    )
    shares = list(
        GrabPackShare.objects.filter(child=child, ended_at__isnull=True).select_related("force")
    )
    shared_forces = {s.force_id for s in shares}
    return {
        "sharing": {
            "own": own,
            "can_share": own and viewer.role in actions.SHARE_ROLES,
            "can_transfer": own and viewer.role in actions.TRANSFER_ROLES,
            "can_review": own and viewer.role in {"senior_manager", "missing_coordinator"},
            "disclosures": disclosures[:DISCLOSURES_SHOWN],
            "more_disclosures": len(disclosures) > DISCLOSURES_SHOWN,
            "shares": shares,
            "forces": [
                f
                for f in Organisation.objects.filter(kind=OrganisationKind.POLICE).order_by("name")
                if f.pk not in shared_forces
            ],
            "break_glass": list(
                BreakGlass.objects.filter(child=child).select_related("organisation")
            ),
            "transfers": list(
                Transfer.objects.filter(child=child).select_related(
                    "from_organisation", "to_organisation"
                )
            ),
        }
    }
