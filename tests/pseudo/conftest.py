"""The national body and its staff, for the pseudonymisation tests."""

from __future__ import annotations

import pytest

from tests.factories import make_user
from visible.agencies.models import Organisation, OrganisationKind, Role


@pytest.fixture
def national_body(db) -> Organisation:
    return Organisation.objects.create(
        name="National monitoring body (synthetic)", kind=OrganisationKind.NATIONAL_BODY
    )


@pytest.fixture
def national_analyst(national_body):
    return make_user("analyst.national", national_body, Role.ANALYST)


@pytest.fixture
def analyst_a(council_a):
    return make_user("analyst.a", council_a, Role.ANALYST)
