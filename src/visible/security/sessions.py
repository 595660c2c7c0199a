"""The two steps of signing in, and how long a session lasts.

After the password, the session holds only a *pending* sign-in (who, which backend, where to
go next, since when): the person is not signed in to anything until the second factor is
passed, and only then does Django's ``login`` run (rotating the session key). A pending
sign-in lapses after ``VISIBLE_SECOND_FACTOR_TIMEOUT`` seconds.

A signed-in session ends after ``VISIBLE_SESSION_IDLE_TIMEOUT`` seconds without a request, and
``VISIBLE_SESSION_ABSOLUTE_TIMEOUT`` seconds after signing in, whatever the activity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

PENDING = "visible.pending_sign_in"
SIGNED_IN_AT = "visible.signed_in_at"
LAST_SEEN = "visible.last_seen"
TIMED_OUT = "visible.timed_out"
RECOVERY_CODES = "visible.new_recovery_codes"
# The organisation (its id) a person with several memberships chose to act for
# (web/people/views.choose_organisation); web/middleware.AccessMiddleware reads it.
ACTING_FOR = "visible.acting_for"

# How often the last-seen time is written back (a session save) while someone is active.
LAST_SEEN_RESOLUTION = dt.timedelta(seconds=60)


def idle_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "VISIBLE_SESSION_IDLE_TIMEOUT", 30 * 60)))


def absolute_timeout() -> dt.timedelta:
    return dt.timedelta(
        seconds=int(
            getattr(settings, "VISIBLE_SESSION_ABSOLUTE_TIMEOUT", settings.SESSION_COOKIE_AGE)
        )
    )


def second_factor_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "VISIBLE_SECOND_FACTOR_TIMEOUT", 10 * 60)))


def describe(delta: dt.timedelta) -> str:
    if delta.total_seconds() < 60:
        seconds = int(delta.total_seconds())
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(delta.total_seconds() / 60)
    if minutes % 60 == 0 and minutes >= 60:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """Only a path on this site: never another host, scheme or a protocol-relative URL."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


# --- the pending sign-in -------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    user: object
    backend: str
    next: str
    started: dt.datetime
    # How the first step was passed, for the 'Signed in' event (the organisation's identity
    # provider: sso/signing_in.py); empty for a password.
    via: dict | None = None


def start_pending(request: HttpRequest, user, next_url: str, via: dict | None = None) -> None:
    # A new session key now, so a session id planted before the password step is useless.
    request.session.cycle_key()
    request.session[PENDING] = {
        "user_id": user.pk,
        "backend": user.backend,
        "next": next_url,
        "started": timezone.now().isoformat(),
        **({"via": via} if via else {}),
    }


def pending(request: HttpRequest) -> Pending | None:
    data = request.session.get(PENDING) if hasattr(request, "session") else None
    if not data:
        return None
    started = dt.datetime.fromisoformat(data["started"])
    if timezone.now() - started > second_factor_timeout():
        clear_pending(request)
        return None
    user = get_user_model().objects.filter(pk=data["user_id"], is_active=True).first()
    if user is None:
        clear_pending(request)
        return None
    return Pending(
        user=user,
        backend=data["backend"],
        next=data.get("next") or "",
        started=started,
        via=data.get("via"),
    )


def has_pending(request: HttpRequest) -> bool:
    return pending(request) is not None


def clear_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING, None)


SIGN_IN_DETAIL = "visible_sign_in_detail"


def complete(request: HttpRequest, pending: Pending) -> str:
    """Both steps passed: sign in for real (a new session key; the audit event 'Signed in',
    with how the first step was passed, and the session's timestamps come from the
    user_logged_in signal). Returns where to go next."""
    clear_pending(request)
    setattr(request, SIGN_IN_DETAIL, pending.via)
    login(request, cast(Any, pending.user), backend=pending.backend)
    return pending.next or reverse("web:home")


# --- timeouts ------------------------------------------------------------------------------


def stamp(session) -> None:
    now = timezone.now().isoformat()
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now


def expired(session, now: dt.datetime | None = None, touch: bool = True) -> str | None:
    """'idle' or 'absolute' if the signed-in session has run out, else None (and the last-seen
    time is moved on, unless ``touch`` is false: a live page's poll is not the person's
    activity, web/live.py)."""
    now = now or timezone.now()
    signed_in = session.get(SIGNED_IN_AT)
    last_seen = session.get(LAST_SEEN)
    if not signed_in or not last_seen:
        stamp(session)  # a session from before timeouts existed: it starts now
        return None
    if now - dt.datetime.fromisoformat(signed_in) > absolute_timeout():
        return "absolute"
    seen = dt.datetime.fromisoformat(last_seen)
    if now - seen > idle_timeout():
        return "idle"
    if touch and now - seen >= LAST_SEEN_RESOLUTION:
        session[LAST_SEEN] = now.isoformat()
    return None


def timed_out_message(reason: str | None) -> str:
    if reason == "idle":
        return f"You were signed out after {describe(idle_timeout())} without activity"
    if reason == "ended":
        return (
            "You were signed out because your access to Visible has ended. If you think this is "
            "a mistake, ask your organisation's Visible administrator"
        )
    if reason == "absolute":
        return (
            f"You were signed out because you had been signed in for {describe(absolute_timeout())}"
        )
    return ""
