"""Who is asking: the user, the organisation they act for and their role.

Every policy, query and action takes a Viewer rather than a request, so the CLI, importers and
tests ask the same questions as the web pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from .models import Membership, Organisation, Role


@dataclass(frozen=True)
class Viewer:
    user_id: int | None
    username: str
    organisation: Organisation | None
    role: str | None
    # The person's name as people know them (their full name), kept in the records they make
    # ("Recorded by Priya Shah"), where the username is only how they sign in.
    name: str = ""

    @property
    def display_name(self) -> str:
        """Who this is, in words for a page: the person's full name; the username only for an
        account with no name; "Visible" for the system itself (a sweep, an import)."""
        if self.name.strip():
            return self.name.strip()[:150]
        if self.user_id is None and self.username.startswith("<"):
            return "Visible"
        return self.username

    @property
    def organisation_id(self) -> int | None:
        return self.organisation.pk if self.organisation else None

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else ""

    @classmethod
    def system(cls, reason: str = "system") -> Viewer:
        """The system itself (generators, migrations): acts for no organisation."""
        return cls(user_id=None, username=f"<{reason}>", organisation=None, role=None)


def active_memberships(user) -> list[Membership]:
    """The memberships a person may act for: active, of an active organisation, oldest first."""
    return list(
        Membership.objects.select_related("organisation", "organisation__authority")
        .filter(user=user, is_active=True, organisation__is_active=True)
        .order_by("pk")
    )


def viewer_from(user, memberships: list[Membership], acting_for: int | None = None) -> Viewer:
    """The Viewer for `user` acting for the organisation `acting_for` (an id), which must be one
    of `memberships` (else they act for none); without a choice, their first membership."""
    if acting_for is not None:
        membership = next((m for m in memberships if m.organisation_id == acting_for), None)
    else:
        membership = memberships[0] if memberships else None
    return Viewer(
        user_id=user.pk,
        username=user.get_username(),
        organisation=membership.organisation if membership else None,
        role=membership.role if membership else None,
        name=user.get_full_name().strip(),
    )


def viewer_for(user: AbstractBaseUser | AnonymousUser, acting_for: int | None = None) -> Viewer:
    """Who `user` is when asking: acting for the organisation `acting_for` (the choice a person
    in two organisations makes, kept in their session by the web), or their first active
    membership if they have not chosen."""
    if not user.is_authenticated:
        return Viewer(user_id=None, username="", organisation=None, role=None)
    return viewer_from(user, active_memberships(user), acting_for)
