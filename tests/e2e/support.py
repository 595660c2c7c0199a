"""What the browser tests share besides fixtures: the chromium they drive, the database mark
every live-server test carries, and the session a signed-in page holds."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING_CHROMIUM = (
    f"The browser tests need Debian's chromium at {CHROMIUM}, and it is not there. "
    "Install it with `make browser` (apt-get install chromium). "
    "Playwright's own browser download is not used and cannot be used on this machine."
)
# Every live-server test: committed data the server thread can see, and the reference data
# (authorities, loaded by a migration) restored after the flush that ends each test.
e2e_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def chromium_problem() -> str | None:
    if not CHROMIUM.exists():
        return MISSING_CHROMIUM
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} exists but is not executable. " + MISSING_CHROMIUM
    return None


def session_cookie(user, url: str) -> dict:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": url,
    }


def back_date_last_activity(page, by: dt.timedelta) -> None:
    """Move the last activity of the session `page` is signed in with `by` into the past, as if
    the person had been away that long: the idle timeout compares it with now
    (security/sessions.py), so a test proves the timeout without waiting for it."""
    from importlib import import_module

    from django.conf import settings

    from visible.security import sessions

    key = next(
        cookie["value"]
        for cookie in page.context.cookies()
        if cookie["name"] == settings.SESSION_COOKIE_NAME
    )
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    last_seen = dt.datetime.fromisoformat(session[sessions.LAST_SEEN])
    session[sessions.LAST_SEEN] = (last_seen - by).isoformat()
    session.save()
