"""The roles a person may hold in each kind of organisation, and who counts as its
administrators."""

from __future__ import annotations

from visible.agencies.models import ADMINISTRATOR_ROLES, Organisation, OrganisationKind, Role

_COUNCIL = (
    Role.SOCIAL_WORKER,
    Role.MISSING_COORDINATOR,
    Role.SENIOR_MANAGER,
    Role.ANALYST,
    Role.ORGANISATION_ADMIN,
)

# Every kind has an administrator role: the people who manage the organisation's people.
ROLES_FOR_KIND: dict[str, tuple[Role, ...]] = {
    OrganisationKind.COUNCIL: _COUNCIL,
    OrganisationKind.HSC_TRUST: _COUNCIL,
    # A force's senior managers act on the notices about their own staff (break-glass use).
    OrganisationKind.POLICE: (
        Role.POLICE_OFFICER,
        Role.TRAFFICKING_SPOC,
        Role.SENIOR_MANAGER,
        Role.ORGANISATION_ADMIN,
    ),
    OrganisationKind.GUARDIAN_SERVICE: (Role.GUARDIAN, Role.ORGANISATION_ADMIN),
    OrganisationKind.NGO: (Role.NGO_WORKER, Role.ORGANISATION_ADMIN),
    # Only the national body has national administrators, and only they appoint more.
    OrganisationKind.NATIONAL_BODY: (Role.ANALYST, Role.ORGANISATION_ADMIN, Role.NATIONAL_ADMIN),
}


def roles_for(organisation: Organisation) -> tuple[Role, ...]:
    return ROLES_FOR_KIND.get(organisation.kind, ())


def is_administrator_role(role: str) -> bool:
    return role in ADMINISTRATOR_ROLES


def role_label(role: str) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return role
