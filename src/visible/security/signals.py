"""When someone is signed in (both factors passed, or a test's force_login), the session
records when, for the idle and absolute timeouts (web/middleware.py)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import sessions


@receiver(user_logged_in)
def _stamp_session(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        sessions.stamp(request.session)
