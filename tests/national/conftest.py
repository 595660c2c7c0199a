"""A national body with an analyst, a collection addressed to every authority, and returns
generated for it with known figures."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from tests.factories import as_viewer, make_user
from tests.national.collections import PERIOD
from visible.agencies.models import Organisation, OrganisationKind, Role
from visible.demo.synthetic.returns import fill_collection
from visible.national import actions, ingest


@pytest.fixture
def national_body(db) -> Organisation:
    return Organisation.objects.create(
        name="National monitoring body (synthetic)", kind=OrganisationKind.NATIONAL_BODY
    )


@pytest.fixture
def analyst(national_body):
    return make_user("analyst.national", national_body, Role.ANALYST)


@pytest.fixture
def collection(analyst):
    return actions.open_collection(
        as_viewer(analyst), "Missing children 2024 to 2025", *PERIOD, dt.date(2025, 11, 30)
    )


@pytest.fixture
def filled(collection, analyst):
    """Every authority answers (visible.demo.synthetic.returns): about 12% give no information (cost
    limit, refused, silent), 8% have no such children, 5% a partial return, the rest a full one.
    Returns what was sent; the first few documents are checked against the schema."""
    sent = fill_collection(as_viewer(analyst), collection, seed=2016)
    for code, document in [(c, d) for c, d in sent.items() if d][:3]:
        request = collection.requests.get(authority__code=code)
        ingest.check_document(copy.deepcopy(document), request.authority, collection, "generated")
    return sent
