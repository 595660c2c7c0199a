"""A police force with an officer and a trafficking SPOC, a guardian service with a guardian,
and a national analyst (the UASC child of council A is tests/conftest.py's `uasc_child`)."""

from __future__ import annotations

import pytest

from tests.factories import make_user
from visible.agencies.models import Organisation, OrganisationKind, Role


@pytest.fixture
def met(db) -> Organisation:
    return Organisation.objects.get(name="Metropolitan Police Service")


@pytest.fixture
def kent_police(db) -> Organisation:
    return Organisation.objects.get(name="Kent Police")


@pytest.fixture
def officer(met):
    return make_user("officer.met", met, Role.POLICE_OFFICER)


@pytest.fixture
def spoc(met):
    return make_user("spoc.met", met, Role.TRAFFICKING_SPOC)


@pytest.fixture
def kent_officer(kent_police):
    return make_user("officer.kent", kent_police, Role.POLICE_OFFICER)


@pytest.fixture
def guardian_service(db) -> Organisation:
    return Organisation.objects.create(
        name="Independent guardians (synthetic)", kind=OrganisationKind.GUARDIAN_SERVICE
    )


@pytest.fixture
def guardian(guardian_service):
    return make_user("guardian.one", guardian_service, Role.GUARDIAN)


@pytest.fixture
def analyst_national(db):
    body = Organisation.objects.create(
        name="National body (synthetic)", kind=OrganisationKind.NATIONAL_BODY
    )
    return make_user("analyst.nb", body, Role.ANALYST)
