"""Recording what crosses between organisations. Called wherever another organisation sees a
child's information (the record, an episode, a grab pack), so that each child's record can
list every disclosure: to whom, what, on what legal basis, for what purpose."""

from __future__ import annotations

from visible.agencies.viewer import Viewer
from visible.children.models import Child
from visible.sharing.models import LEGAL_BASIS, Basis, Disclosure

from . import register as policy


def disclose(
    viewer: Viewer, child: Child, what: str, purpose: str, basis: str | None = None
) -> Disclosure | None:
    """Record that ``viewer``'s organisation saw ``what`` about ``child``, if it is not the
    child's responsible organisation. The basis is the grant's unless given."""
    org = viewer.organisation
    if org is None or org.pk == child.responsible_organisation_id:
        return None
    basis = basis or policy.grant_for(viewer, child).basis
    if basis not in Basis.values:
        return None
    return Disclosure.objects.create(
        child=child,
        organisation=org,
        by_user_id=viewer.user_id,
        by_name=viewer.display_name,
        what=what[:200],
        basis=basis,
        legal_basis=LEGAL_BASIS[Basis(basis)],
        purpose=(purpose or what)[:300],
    )
