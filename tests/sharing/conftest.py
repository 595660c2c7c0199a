"""A police force with an officer and a trafficking SPOC, a guardian service with a guardian,
a national analyst, and a UASC child of council A."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.conftest import as_viewer, make_user
from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.children import actions as register
from visible.missing import actions as missing


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


@pytest.fixture
def uasc_child(sw_a, make_child):
    today = timezone.localdate()
    child = make_child(
        sw_a,
        given_names="Dawit",
        family_name="Tekle",
        nationality="ERI",
        looked_after_from=today - dt.timedelta(days=200),
    )
    register.record_flag(
        as_viewer(sw_a), child, "uasc", today - dt.timedelta(days=200), "Asylum claim (synthetic)"
    )
    return child


def report(user, child, force=None, hours_ago: float = 3):
    now = timezone.now()
    values = {
        "category": "M",
        "last_seen_at": now - dt.timedelta(hours=hours_ago),
        "last_seen_place": "West Croydon bus station",
        "with_whom": "",
        "clothing": "Grey hoodie",
        "circumstances": "Did not come back from college",
        "reported_by_name": "Carer (synthetic)",
        "reported_by_role": "carer",
        "police_force": force,
        "police_reported_at": now - dt.timedelta(hours=hours_ago - 1) if force else None,
        "police_reference": "MPS-1" if force else "",
    }
    return missing.report_missing(as_viewer(user), child, values)


CSRF_VALUE = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*"')


def comparable(response) -> bytes:
    """A response's body without what differs on every request (the masked CSRF token), to
    check that two refusals look the same to the person refused."""
    return CSRF_VALUE.sub(rb'\1"', response.content)
