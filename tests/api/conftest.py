"""API clients for the two councils of tests/conftest.py, and DRF test clients that send their
bearer tokens (made by tests/factories.py's make_api_client and bearer)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import bearer, make_api_client


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client_a(council_a):
    """Council A's case system, acting as a senior manager."""
    return make_api_client(council_a)


@pytest.fixture
def client_b(council_b):
    return make_api_client(council_b)


@pytest.fixture
def api_a(client_a) -> APIClient:
    return bearer(client_a.secret)


@pytest.fixture
def api_b(client_b) -> APIClient:
    return bearer(client_b.secret)
