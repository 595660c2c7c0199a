"""What the organisation tests share: the national body and its national administrator, made
as `visible setup` makes them (organisations.setup), and the operator's Viewer."""

from __future__ import annotations

from tests.factories import make_user
from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.agencies.viewer import Viewer
from visible.organisations.policy import OPERATOR_PREFIX

NATIONAL_BODY = "National Monitoring Body (synthetic)"


def national_body() -> Organisation:
    body, _ = Organisation.objects.get_or_create(
        kind=OrganisationKind.NATIONAL_BODY, defaults={"name": NATIONAL_BODY}
    )
    return body


def make_national_admin(username: str = "nat.admin"):
    return make_user(username, national_body(), Role.NATIONAL_ADMIN)


def operator() -> Viewer:
    return Viewer(user_id=None, username=f"{OPERATOR_PREFIX}:tester", organisation=None, role=None)
