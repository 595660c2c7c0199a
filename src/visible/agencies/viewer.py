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


def viewer_for(user: AbstractBaseUser | AnonymousUser) -> Viewer:
    if not user.is_authenticated:
        return Viewer(user_id=None, username="", organisation=None, role=None)
    membership = (
        Membership.objects.select_related("organisation", "organisation__authority")
        .filter(user=user, is_active=True, organisation__is_active=True)
        .order_by("pk")
        .first()
    )
    return Viewer(
        user_id=user.pk,
        username=user.get_username(),
        organisation=membership.organisation if membership else None,
        role=membership.role if membership else None,
    )
