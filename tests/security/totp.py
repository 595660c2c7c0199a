"""What a person's authenticator app does, for tests: hold the secret, show the code."""

from __future__ import annotations

import pyotp
from django.utils import timezone

from visible.security import second_factor
from visible.security.models import TotpDevice


def give_authenticator(user, secret: str | None = None) -> str:
    """The user has already set up an authenticator app (as every demo user has). Returns its secret."""
    secret = secret or pyotp.random_base32()
    TotpDevice.objects.update_or_create(
        user=user, defaults={"secret": secret, "confirmed_at": timezone.now(), "last_used_step": 0}
    )
    return secret


def fresh_code(user) -> str:
    """The code the app shows now, or the next one if this step's code has been used already
    (a test signs in more than once within 30 seconds; one step ahead is accepted)."""
    device = TotpDevice.objects.get(user=user)
    now = second_factor.step_at()
    step = max(now, device.last_used_step + 1)
    assert step <= now + second_factor.DRIFT_STEPS, (
        "every code the server would accept now has been used"
    )
    return second_factor.code_at(device.secret, step)
