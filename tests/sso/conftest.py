"""The tests' own OpenID Connect provider, started for each test that asks for it."""

from __future__ import annotations

import pytest

from tests.sso.provider import TestProvider


@pytest.fixture
def oidc():
    provider = TestProvider().start()
    yield provider
    provider.stop()
