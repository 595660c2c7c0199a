"""API clients for the two councils of tests/conftest.py, and a DRF test client that sends a
client's bearer token."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from visible.agencies.models import Role
from visible.api import tokens


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


def make_api_client(organisation, role=Role.SENIOR_MANAGER, name="Case management system"):
    return tokens.create_client(organisation.name, role, name, by="test")


def bearer(secret: str) -> APIClient:
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return http


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
