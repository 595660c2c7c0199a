"""Who may send pseudonymised child-level records, and who may read what the national body
builds from them (rulebook section 9: a national body sees pseudonymised or aggregate data
only; least privilege everywhere).

- Submitting an authority's records: a senior manager, missing coordinator or analyst of that
  authority's own council (the roles that make its FOI return), or the command line.
- Reading the national tables (every authority's figures, unsuppressed, and the links between
  authorities): an analyst of the national body, or the command line. A council, even its
  analyst, is refused: the tables show other authorities' children.
Refusals are audited by the caller (actions.py).
"""

from __future__ import annotations

from visible.agencies.models import OrganisationKind, Role
from visible.agencies.viewer import Viewer
from visible.reference.models import Authority
from visible.returns.policy import can_make_foi_return, is_system


def can_submit(viewer: Viewer, authority: Authority) -> bool:
    return can_make_foi_return(viewer, authority)


def can_read_tables(viewer: Viewer) -> bool:
    if is_system(viewer):
        return True
    org = viewer.organisation
    return bool(
        org
        and org.is_active
        and org.kind == OrganisationKind.NATIONAL_BODY
        and viewer.role == Role.ANALYST
    )
