"""The council (or HSC Trust) organisation for an authority, created on first use."""

from __future__ import annotations

from visible.reference.models import Authority

from .models import Organisation, OrganisationKind


def council_for(authority: Authority) -> Organisation:
    is_trust = authority.code.startswith("NIHSCT")
    kind = OrganisationKind.HSC_TRUST if is_trust else OrganisationKind.COUNCIL
    name = authority.name if is_trust else f"{authority.name} children's services"
    organisation, _ = Organisation.objects.get_or_create(
        authority=authority, defaults={"name": name, "kind": kind}
    )
    return organisation
