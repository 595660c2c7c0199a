"""Login throttling and lockout.

After ``VISIBLE_SIGN_IN_MAX_FAILURES`` failed attempts (a wrong password or a wrong code) for
one username within ``VISIBLE_SIGN_IN_FAILURE_WINDOW`` seconds, or
``VISIBLE_SIGN_IN_MAX_FAILURES_PER_IP`` from one client IP address, further attempts are refused
for ``VISIBLE_SIGN_IN_LOCKOUT`` seconds, without the password or code even being checked.

Failures are counted for usernames whether or not the account exists, so the response to a
locked-out username never tells anyone which accounts exist. An account's count starts again
after a full sign-in (password and code: an attacker who knows only the password cannot reset
it); an IP address's count starts again only after a lockout or an unlock.

Attempts are rows in the database, so every process (and SQLite and PostgreSQL alike) counts
the same attempts.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from visible.agencies.viewer import Viewer
from visible.audit.log import record

from .models import FailedSignIn, Lockout, LockoutScope

LOCKOUT = "sign_in_lockout"
UNLOCK = "sign_in_unlock"
KEEP_ATTEMPTS = dt.timedelta(days=1)


def _seconds(name: str, default: int) -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, name, default)))


def window() -> dt.timedelta:
    return _seconds("VISIBLE_SIGN_IN_FAILURE_WINDOW", 15 * 60)


def lockout_period() -> dt.timedelta:
    return _seconds("VISIBLE_SIGN_IN_LOCKOUT", 15 * 60)


def lockout_minutes() -> int:
    return max(1, round(lockout_period().total_seconds() / 60))


def limit(scope: str) -> int:
    if scope == LockoutScope.IP:
        return int(getattr(settings, "VISIBLE_SIGN_IN_MAX_FAILURES_PER_IP", 20))
    return int(getattr(settings, "VISIBLE_SIGN_IN_MAX_FAILURES", 5))


def account_key(username: str) -> str:
    """Usernames are case-sensitive for signing in, but not for counting: 'SW.A' and 'sw.a'
    share one count, so changing the case does not buy more guesses."""
    return username.strip().lower()[:150]


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. Behind a reverse proxy, set VISIBLE_CLIENT_IP_HEADER (for example
    HTTP_X_FORWARDED_FOR): the last address in it, the one our own proxy added, is used, as
    the ones before it are whatever the client chose to send."""
    header = getattr(settings, "VISIBLE_CLIENT_IP_HEADER", "")
    value = request.META.get(header, "") if header else ""
    candidate = value.split(",")[-1].strip() if value else request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


@dataclass(frozen=True)
class Refusal:
    scope: str
    until: dt.datetime


def active_lockout(scope: str, key: str | None, now: dt.datetime | None = None) -> Lockout | None:
    if not key:
        return None
    now = now or timezone.now()
    return (Lockout.objects.filter(scope=scope, key=key, until__gt=now, unlocked_at__isnull=True)
            .order_by("-until").first())


def refusal(username: str, ip: str | None) -> Refusal | None:
    """Whether attempts for this username or from this address are refused now."""
    for scope, key in ((LockoutScope.ACCOUNT, account_key(username)), (LockoutScope.IP, ip)):
        lock = active_lockout(scope, key)
        if lock:
            return Refusal(scope, lock.until)
    return None


def _counting_from(scope: str, key: str, now: dt.datetime) -> dt.datetime:
    """Failures after this moment count: within the window, after the last lockout began or
    was unlocked, and (for an account) after its last full sign-in."""
    since = now - window()
    marks = Lockout.objects.filter(scope=scope, key=key).aggregate(started=Max("started_at"), unlocked=Max("unlocked_at"))
    candidates = [since, marks["started"], marks["unlocked"]]
    if scope == LockoutScope.ACCOUNT:
        last_login = (get_user_model().objects.filter(username__iexact=key).aggregate(last=Max("last_login"))["last"])
        candidates.append(last_login)
    return max(c for c in candidates if c is not None)


def _failures(scope: str, key: str, now: dt.datetime) -> int:
    since = _counting_from(scope, key, now)
    field = "username" if scope == LockoutScope.ACCOUNT else "ip_address"
    return FailedSignIn.objects.filter(**{field: key, "at__gt": since}).count()


def record_failure(username: str, ip: str | None, stage: str) -> Refusal | None:
    """Count a failed attempt; lock the account or address if that was one too many. Returns
    the new refusal if this attempt caused one."""
    now = timezone.now()
    key = account_key(username)
    # Attempts older than a day count for nothing (the audit log keeps the record of them).
    FailedSignIn.objects.filter(at__lt=now - max(window(), KEEP_ATTEMPTS)).delete()
    FailedSignIn.objects.create(at=now, username=key, ip_address=ip, stage=stage)
    caused = None
    for scope, scope_key in ((LockoutScope.ACCOUNT, key), (LockoutScope.IP, ip)):
        if not scope_key or active_lockout(scope, scope_key, now):
            continue
        if _failures(scope, scope_key, now) >= limit(scope):
            lock = Lockout.objects.create(scope=scope, key=scope_key, started_at=now, until=now + lockout_period())
            what = f"account '{scope_key}'" if scope == LockoutScope.ACCOUNT else f"client address {scope_key}"
            record(Viewer(user_id=None, username=key, organisation=None, role=None), LOCKOUT,
                   object_type="lockout", object_id=lock.pk,
                   summary=f"Sign-in locked for {what} after {limit(scope)} failed attempts",
                   detail={"scope": scope, "key": scope_key, "until": lock.until.isoformat(), "stage": stage})
            caused = caused or Refusal(scope, lock.until)
    return caused


def unlock(*, username: str | None = None, ip: str | None = None, by: str = "") -> int:
    """End the lockouts of an account and/or an address now. Returns how many were ended.
    Failures before the unlock no longer count."""
    now = timezone.now()
    ended = 0
    for scope, key in ((LockoutScope.ACCOUNT, account_key(username) if username else None), (LockoutScope.IP, ip)):
        if not key:
            continue
        count = Lockout.objects.filter(scope=scope, key=key, until__gt=now, unlocked_at__isnull=True).update(
            unlocked_at=now, unlocked_by=by[:150])
        # An unlock with no lockout in force still clears the count of failures so far.
        if count == 0:
            Lockout.objects.create(scope=scope, key=key, started_at=now, until=now, unlocked_at=now, unlocked_by=by[:150])
        what = f"account '{key}'" if scope == LockoutScope.ACCOUNT else f"client address {key}"
        record(Viewer.system(by or "administrator"), UNLOCK, object_type="lockout", object_id=key,
               summary=f"Sign-in unlocked for {what}" + ("" if count else " (it was not locked; its failed attempts were cleared)"),
               detail={"scope": scope, "key": key, "lockouts_ended": count})
        ended += count
    return ended


def active_lockouts() -> list[Lockout]:
    return list(Lockout.objects.filter(until__gt=timezone.now(), unlocked_at__isnull=True).order_by("until"))
