"""Fixtures of the organisation tests: the national administrator (tests/organisations/support.py)."""

from __future__ import annotations

import pytest

from tests.factories import as_viewer
from tests.organisations.support import make_national_admin


@pytest.fixture
def national_admin(db):
    return make_national_admin()


@pytest.fixture
def admin_viewer(national_admin):
    return as_viewer(national_admin)
