"""An enrolled social worker for the sign-in tests; the sign-in steps themselves are in
tests/security/signing_in.py."""

from __future__ import annotations

import pytest

from tests.security.totp import give_authenticator


@pytest.fixture
def enrolled(sw_a):
    """sw.a, with an authenticator app already set up."""
    give_authenticator(sw_a)
    return sw_a
