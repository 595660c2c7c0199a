"""Generated registers shared by the tests of one module.

Generating is the slow part, so each module that needs a register generates it once, inside
a transaction that is rolled back when the module's tests are done; each test runs in its own
savepoint inside it (pytest-django's `db`), so nothing leaks between modules.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from visible.demo.synthetic.generate import generate


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker, request):
    """The summaries of the runs the module lists in RUNS (keyword arguments to generate())."""
    runs = request.module.RUNS
    with django_db_blocker.unblock():
        with transaction.atomic():
            summaries = [generate(progress=False, **run) for run in runs]
            yield summaries
            transaction.set_rollback(True)
