"""Who may see and act on missing episodes, safety plans and alerts. Builds on the register's
policy (children/policy.py): the same organisations see the same children; the multi-agency
issue extends these functions for police forces and guardians."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from visible.agencies.models import Role
from visible.agencies.viewer import Viewer
from visible.children import policy as register_policy
from visible.children.models import Child

# Council roles that report, grade, search for and record the return of a missing child.
ROLES_THAT_ACT = {Role.SOCIAL_WORKER, Role.MISSING_COORDINATOR, Role.SENIOR_MANAGER}
# Roles that may change an authority's risk settings (the rulebook's local thresholds).
ROLES_THAT_SET_RULES = {Role.SENIOR_MANAGER}


def can_act(viewer: Viewer, child: Child) -> bool:
    """Report missing, grade, log the search, record the return and the interview."""
    return register_policy.access_to(viewer, child) == register_policy.Access.FULL and viewer.role in ROLES_THAT_ACT


def require_act(viewer: Viewer, child: Child) -> None:
    if not can_act(viewer, child):
        raise PermissionDenied("You cannot act on this child's missing episodes")


def can_view_episodes(viewer: Viewer, child: Child) -> bool:
    """The responsible council sees every episode; the host council sees the open ones."""
    return register_policy.access_to(viewer, child) != register_policy.Access.NONE


def can_set_rules(viewer: Viewer) -> bool:
    org = viewer.organisation
    return bool(org and org.is_responsible_body and viewer.role in ROLES_THAT_SET_RULES)
