"""A small synthetic authority, generated once per test module and rolled back after it, made
ready for a return the way a case system's data would be (tests/ssda903/register.py)."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.factories import CROYDON
from tests.ssda903.register import DRAWN_AT, ready_for_return
from visible.demo.synthetic.generate import generate


@pytest.fixture(scope="module")
def authority_register(django_db_setup, django_db_blocker, request):
    """A synthetic Croydon of `CHILDREN` children (module attribute, default 150), ready for
    the return; rolled back when the module is done."""
    children = getattr(request.module, "CHILDREN", 150)
    with django_db_blocker.unblock():
        with transaction.atomic():
            generate(
                authorities=[CROYDON],
                national=False,
                children=children,
                seed=903,
                progress=False,
                as_at=DRAWN_AT,
            )
            from visible.ssda903.export import council_for_code

            organisation = council_for_code(CROYDON)
            ready_for_return(organisation)
            yield organisation
            transaction.set_rollback(True)
