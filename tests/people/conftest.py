"""Council A's and B's organisation administrators and the national administrator; the helpers
the tests use are in tests/people/support.py."""

from __future__ import annotations

import pytest

from tests.factories import make_user
from visible.agencies.models import Organisation, OrganisationKind, Role


@pytest.fixture
def admin_a(council_a):
    return make_user("admin.a", council_a, Role.ORGANISATION_ADMIN)


@pytest.fixture
def admin_b(council_b):
    return make_user("admin.b", council_b, Role.ORGANISATION_ADMIN)


@pytest.fixture
def national_body(db):
    return Organisation.objects.create(
        name="National monitoring body (synthetic)", kind=OrganisationKind.NATIONAL_BODY
    )


@pytest.fixture
def national_admin(national_body):
    return make_user("national.admin", national_body, Role.NATIONAL_ADMIN)
