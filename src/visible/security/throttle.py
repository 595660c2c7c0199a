"""Sign-in throttling: whether a password or code may be checked now, and what failures lead to.

The policy (docs/security.md), for an attempt at username U from client address A:

- **An address**: after ``VISIBLE_SIGN_IN_MAX_FAILURES_PER_IP`` failures from A within
  ``VISIBLE_SIGN_IN_FAILURE_WINDOW`` seconds, whatever the usernames, A is locked for
  ``VISIBLE_SIGN_IN_LOCKOUT`` seconds.
- **An account from one address**: after ``VISIBLE_SIGN_IN_MAX_FAILURES`` failures for U from
  A within the window, U is locked *from A* for ``VISIBLE_SIGN_IN_LOCKOUT`` seconds. Nobody
  at any other address is affected.
- **An account from everywhere**: after ``VISIBLE_SIGN_IN_MAX_FAILURES`` failures for U within
  the window, from any addresses, attempts at U from addresses U has not signed in from are
  *slowed*, never locked: each must wait ``VISIBLE_SIGN_IN_SLOWDOWN`` seconds after the last
  failure, doubling with each further failure, up to ``VISIBLE_SIGN_IN_SLOWDOWN_MAX``. An
  address U has signed in from before (``KnownAddress``) is not slowed by failures from other
  addresses, so knowing someone's username is not enough to keep them out.
- **Missing-children coordinators during a live episode**: a coordinator whose organisation
  has a child missing now (an open episode), signing in from an address they have signed in
  from before, is never locked: not by the address's lockout (others' failures), and failures
  for their own account from there only slow them.

The owner of an account is told by email when it is locked from an address or slowed (at
most once a window), with the address and the time, nothing else the attacker chose.

Failures are counted for usernames whether or not the account exists, and from an address the
account has never used a real account and an invented one are treated alike, so the answer
never tells anyone which accounts exist. Counts start again after a full sign-in (password and
code: an attacker who knows only the password cannot reset them): the account's count after
any full sign-in, an address's count for the account after a full sign-in from that address.
An administrator's unlock starts them again too.

**Atomic.** An attempt is reserved before the password or code is checked (``begin``): in one
transaction it locks the account's and the address's ``SignInGuard`` rows, counts the failures
so far *including attempts still being checked*, and either refuses or writes its own failure
row. A right password or code then deletes that row (``succeeded``); a wrong one keeps it
(``failed``). However many attempts arrive together, at most the limit are ever checked. On
PostgreSQL the guard rows are locked with ``SELECT ... FOR NO KEY UPDATE``; on SQLite the
transaction itself is the lock (it begins IMMEDIATE, and its first statement is a write).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import math
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.http import HttpRequest
from django.utils import dateformat, timezone

from visible.agencies.viewer import Viewer
from visible.audit.log import record

from .models import FailedSignIn, KnownAddress, Lockout, LockoutScope, SignInGuard

LOCKOUT = "sign_in_lockout"
UNLOCK = "sign_in_unlock"
KEEP_ATTEMPTS = dt.timedelta(days=1)

log = logging.getLogger(__name__)


# --- settings ------------------------------------------------------------------------------


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


def backoff(beyond: int) -> dt.timedelta:
    """How long a slowed account waits after its (limit + 1 + beyond)th failure: the first
    delay, doubled for each failure after it, never more than the maximum."""
    first = _seconds("VISIBLE_SIGN_IN_SLOWDOWN", 2)
    most = _seconds("VISIBLE_SIGN_IN_SLOWDOWN_MAX", 180)
    return min(most, first * 2 ** min(max(beyond, 0), 30))


def known_address_limit() -> int:
    return int(getattr(settings, "VISIBLE_SIGN_IN_KNOWN_ADDRESSES", 10))


def known_address_days() -> int:
    return int(getattr(settings, "VISIBLE_SIGN_IN_KNOWN_ADDRESS_DAYS", 90))


def account_key(username: str) -> str:
    """Usernames are case-sensitive for signing in, but not for counting: 'SW.A' and 'sw.a'
    share one count, so changing the case does not buy more guesses."""
    return username.strip().lower()[:150]


# --- the client's address ------------------------------------------------------------------


def num_proxies() -> int:
    return int(getattr(settings, "VISIBLE_NUM_PROXIES", 0))


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the one answer the sign-in throttle, the password reset limits,
    the API's limits and the audit log all use.

    ``X-Forwarded-For`` is whatever the client chose to send unless our own proxies wrote it.
    With ``VISIBLE_NUM_PROXIES`` = 0 (the default) it is ignored entirely and ``REMOTE_ADDR``
    is the client. With N trusted proxies in front of Visible, each appending the address it
    received the request from, the Nth address from the right is the one the outermost of
    them saw; everything to its left is the client's own claim and is ignored. (DRF's
    NUM_PROXIES rule, set from the same setting.) None if that is not an IP address."""
    candidate = request.META.get("REMOTE_ADDR", "")
    proxies = num_proxies()
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if proxies > 0 else ""
    if forwarded:
        addresses = [part.strip() for part in forwarded.split(",")]
        candidate = addresses[-min(proxies, len(addresses))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


# --- what is refused -----------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    scope: str
    until: dt.datetime
    slowed: bool = False  # a short wait (an account slowed), not a lockout

    def wait(self, now: dt.datetime | None = None) -> dt.timedelta:
        return max(dt.timedelta(0), self.until - (now or timezone.now()))

    def wait_minutes(self, now: dt.datetime | None = None) -> int:
        """Whole minutes, rounded up: the page never says less than the wait."""
        return max(1, math.ceil(self.wait(now).total_seconds() / 60))


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt: refused, or reserved (a failure row, until it proves right)."""

    key: str
    ip: str | None
    stage: str
    reservation: int | None = None
    refused: Refusal | None = None


@dataclass(frozen=True)
class _Count:
    """Failures in one scope: all of them (with attempts still being checked: what refusals go
    by), those that have failed (what lockouts go by), and when the latest was."""

    all: int = 0
    failed: int = 0
    last: dt.datetime | None = None


def _count(failures) -> _Count:
    found = failures.aggregate(
        all=Count("pk"), failed=Count("pk", filter=Q(checking=False)), last=Max("at")
    )
    return _Count(found["all"], found["failed"], found["last"])


@dataclass
class _Standing:
    """What an attempt at `key` from `ip` is judged by."""

    key: str
    ip: str | None
    account_ids: list[int]
    known: bool
    protected: bool
    account_reset: dt.datetime | None  # the account's last full sign-in or unlock
    account_since: dt.datetime
    account: _Count
    address: _Count = _Count()
    pair: _Count = _Count()
    slowed_at: dt.datetime | None = None  # when the account's slowdown began, while it lasts
    since_slowed: int = 0  # failures since then (with those still being checked)


def active_lockout(
    scope: str, key: str | None, now: dt.datetime | None = None, ip: str | None = None
) -> Lockout | None:
    if not key:
        return None
    now = now or timezone.now()
    locks = Lockout.objects.filter(scope=scope, key=key, until__gt=now, unlocked_at__isnull=True)
    if scope == LockoutScope.ACCOUNT_ADDRESS:
        locks = locks.filter(ip_address=ip)
    return locks.order_by("-until").first()


def _accounts(key: str) -> list[int]:
    return (
        list(
            get_user_model()
            .objects.filter(username__iexact=key, is_active=True)
            .values_list("pk", flat=True)
        )
        if key
        else []
    )


def _known(account_ids: list[int], ip: str | None, now: dt.datetime) -> bool:
    if not account_ids or not ip:
        return False
    fresh = now - dt.timedelta(days=known_address_days())
    return KnownAddress.objects.filter(
        user_id__in=account_ids, ip_address=ip, last_signed_in_at__gte=fresh
    ).exists()


def coordinating_a_live_episode(account_ids: list[int]) -> bool:
    """A missing-children coordinator whose organisation is responsible for a child who is
    missing now: they must be able to sign in while it lasts."""
    from visible.agencies.models import Membership, Role
    from visible.missing.models import Episode

    if not account_ids:
        return False
    live = Episode.objects.filter(
        returned_at__isnull=True, child__responsible_organisation=OuterRef("organisation")
    )
    return (
        Membership.objects.filter(
            user_id__in=account_ids,
            role=Role.MISSING_COORDINATOR,
            is_active=True,
            organisation__is_active=True,
        )
        .filter(Exists(live))
        .exists()
    )


def _latest(*moments: dt.datetime | None) -> dt.datetime:
    return max(m for m in moments if m is not None)


def _marks(locks) -> list[dt.datetime | None]:
    found = locks.aggregate(started=Max("started_at"), unlocked=Max("unlocked_at"))
    return [found["started"], found["unlocked"]]


def _standing(
    key: str, ip: str | None, now: dt.datetime, guard: SignInGuard | None = None
) -> _Standing:
    """Failures count inside the window, after the last lockout of that scope began or was
    unlocked, and after the last full sign-in (of the account; from the address, for the
    account from that address)."""
    accounts = _accounts(key)
    known = _known(accounts, ip, now)
    start = now - window()
    account_locks = Lockout.objects.filter(scope=LockoutScope.ACCOUNT, key=key)
    last_login = (
        get_user_model().objects.filter(pk__in=accounts).aggregate(last=Max("last_login"))["last"]
        if accounts
        else None
    )
    marks = [m for m in (*_marks(account_locks), last_login) if m is not None]
    account_reset = max(marks) if marks else None
    account_since = _latest(start, account_reset)
    mine = FailedSignIn.objects.filter(username=key, at__gt=account_since)
    st = _Standing(
        key=key,
        ip=ip,
        account_ids=accounts,
        known=known,
        protected=known and coordinating_a_live_episode(accounts),
        account_reset=account_reset,
        account_since=account_since,
        account=_count(mine),
    )
    if guard is None:
        guard = SignInGuard.objects.filter(scope=LockoutScope.ACCOUNT, key=key).first()
    if guard and guard.slowed_at and _slowdown_lasts(guard.slowed_at, st):
        st.slowed_at = guard.slowed_at
        # Since it began, not only inside the window: that is what keeps the wait long.
        st.since_slowed = FailedSignIn.objects.filter(username=key, at__gt=guard.slowed_at).count()
    if ip:
        ip_since = _latest(start, *_marks(Lockout.objects.filter(scope=LockoutScope.IP, key=ip)))
        st.address = _count(FailedSignIn.objects.filter(ip_address=ip, at__gt=ip_since))
        pair_locks = Lockout.objects.filter(
            scope=LockoutScope.ACCOUNT_ADDRESS, key=key, ip_address=ip
        )
        signed_in_here = (
            KnownAddress.objects.filter(user_id__in=accounts, ip_address=ip).aggregate(
                last=Max("last_signed_in_at")
            )["last"]
            if accounts
            else None
        )
        # An administrator's unlock of the account starts its count from every address again.
        unlocked = account_locks.aggregate(last=Max("unlocked_at"))["last"]
        pair_since = _latest(start, *_marks(pair_locks), unlocked, signed_in_here)
        st.pair = _count(
            FailedSignIn.objects.filter(username=key, ip_address=ip, at__gt=pair_since)
        )
    return st


def _slowdown_lasts(slowed_at: dt.datetime, st: _Standing) -> bool:
    """A slowdown lasts until a full sign-in or an unlock, or a whole window without a failure:
    an attacker who keeps trying as fast as they are let stays at the longest wait, rather
    than the count of the sliding window falling back and the waits with it."""
    return (
        st.account_reset is None or slowed_at > st.account_reset
    ) and st.account.last is not None


def _refusal(st: _Standing, now: dt.datetime) -> Refusal | None:
    """Whether an attempt with these counts is refused now. Counts include attempts still
    being checked: the limit-th may yet turn out right, but until it has, no more are let in."""
    key_limit = limit(LockoutScope.ACCOUNT)
    if st.ip and not st.protected:
        lock = active_lockout(LockoutScope.IP, st.ip, now)
        if lock:
            return Refusal(LockoutScope.IP, lock.until)
        if st.address.all >= limit(LockoutScope.IP):
            return Refusal(LockoutScope.IP, now + lockout_period())
        lock = active_lockout(LockoutScope.ACCOUNT_ADDRESS, st.key, now, ip=st.ip)
        if lock:
            return Refusal(LockoutScope.ACCOUNT_ADDRESS, lock.until)
        if st.pair.all >= key_limit:
            return Refusal(LockoutScope.ACCOUNT_ADDRESS, now + lockout_period())
    elif st.ip and st.pair.all >= key_limit:  # a coordinator in a live episode: slowed only
        until = st.pair.last + backoff(st.pair.all - key_limit)
        if until > now:
            return Refusal(LockoutScope.ACCOUNT_ADDRESS, until, slowed=True)
    if not st.known and (st.slowed_at or st.account.all >= key_limit):
        # While a slowdown lasts, each failure since it began doubles the wait; before it is
        # recorded (attempts still being checked), each one beyond the limit does.
        beyond = max(st.since_slowed, st.account.all - key_limit)
        until = st.account.last + backoff(beyond)
        if until > now:
            return Refusal(LockoutScope.ACCOUNT, until, slowed=True)
    return None


def refusal(username: str, ip: str | None) -> Refusal | None:
    """Whether attempts at this username from this address are refused now (a look only: an
    attempt that will check a password or code goes through ``begin``)."""
    now = timezone.now()
    key = account_key(username)
    if not key:  # nothing to count for an account: only the address can be locked
        lock = active_lockout(LockoutScope.IP, ip, now)
        return Refusal(LockoutScope.IP, lock.until) if lock else None
    return _refusal(_standing(key, ip, now), now)


# --- an attempt: reserve, then failed or succeeded ---------------------------------------


def _guard(scope: str, key: str, now: dt.datetime) -> SignInGuard:
    """Lock the guard row of (scope, key), made if need be. Its first statement is a write, so
    on SQLite the transaction holds the database's write lock from here on."""
    for _ in range(3):  # a row cleared away by a concurrent clean-up is made again
        SignInGuard.objects.bulk_create(
            [SignInGuard(scope=scope, key=key, touched_at=now)], ignore_conflicts=True
        )
        guard = (
            SignInGuard.objects.select_for_update(no_key=True).filter(scope=scope, key=key).first()
        )
        if guard is not None:
            if guard.touched_at < now:
                SignInGuard.objects.filter(pk=guard.pk).update(touched_at=now)
            return guard
    raise RuntimeError(f"could not lock the sign-in guard for {scope} {key}")


def _lock_guards(key: str, ip: str | None, now: dt.datetime) -> SignInGuard:
    """Always the account's row first, then the address's: one order, so no two attempts can
    each hold a row the other is waiting for. Returns the account's row."""
    account = _guard(LockoutScope.ACCOUNT, key, now)
    if ip:
        _guard(LockoutScope.IP, ip, now)
    return account


def begin(username: str, ip: str | None, stage: str) -> Attempt:
    """Before checking a password or code: refuse, or reserve the attempt (counted as a
    failure from now, so that attempts arriving together see each other)."""
    now = timezone.now()
    key = account_key(username)
    with transaction.atomic():
        guard = _lock_guards(key, ip, now)
        st = _standing(key, ip, now, guard)
        if guard.slowed_at and st.slowed_at is None:  # the slowdown is over; the next begins afresh
            guard.slowed_at = None
            guard.save(update_fields=["slowed_at"])
        refused = _refusal(st, now)
        if refused:
            return Attempt(key, ip, stage, refused=refused)
        row = FailedSignIn.objects.create(
            at=now, username=key, ip_address=ip, stage=stage, checking=True
        )
    return Attempt(key, ip, stage, reservation=row.pk)


def succeeded(attempt: Attempt, signed_in=None) -> None:
    """The password or code was right: its reservation was not a failure. `signed_in` is the
    user when this completed the sign-in (both steps): their address becomes a known one."""
    if attempt.reservation:
        FailedSignIn.objects.filter(pk=attempt.reservation).delete()
    if signed_in is not None and attempt.ip:
        remember_address(signed_in, attempt.ip)


def failed(attempt: Attempt) -> Refusal | None:
    """The password or code was wrong: the reservation stays as a failure. Locks what it took
    over a limit, starts a slowdown, tells the owner; returns the lockout this failure began
    (the page says so at once), if it did."""
    now = timezone.now()
    key, ip = attempt.key, attempt.ip
    mail: list[str] = []
    with transaction.atomic():
        guard = _lock_guards(key, ip, now)
        FailedSignIn.objects.filter(pk=attempt.reservation).update(checking=False)
        st = _standing(key, ip, now, guard)
        key_limit = limit(LockoutScope.ACCOUNT)
        who = Viewer(user_id=None, username=key, organisation=None, role=None)
        detail = {"stage": attempt.stage}
        if (
            ip
            and st.address.failed >= limit(LockoutScope.IP)
            and not active_lockout(LockoutScope.IP, ip, now)
        ):
            lock = Lockout.objects.create(
                scope=LockoutScope.IP, key=ip, started_at=now, until=now + lockout_period()
            )
            record(
                who,
                LOCKOUT,
                object_type="lockout",
                object_id=lock.pk,
                summary=f"Sign-in locked for client address {ip} after {limit(LockoutScope.IP)} failed attempts",
                detail={**detail, "scope": lock.scope, "key": ip, "until": lock.until.isoformat()},
            )
        if ip and st.protected and st.pair.failed == key_limit:
            record(
                who,
                LOCKOUT,
                object_type="lockout",
                object_id=key,
                summary=f"Sign-in slowed, not locked, for account '{key}' from client address {ip} after "
                f"{key_limit} failed attempts: a missing-children coordinator during a live missing episode",
                detail={
                    **detail,
                    "scope": LockoutScope.ACCOUNT_ADDRESS,
                    "key": key,
                    "ip": ip,
                    "slowed": True,
                },
            )
            mail.append(
                "Signing in to your account from that address is slowed down for a few minutes "
                "(not paused, as your organisation has a child missing now)."
            )
        slows = st.account.failed >= key_limit and st.slowed_at is None  # a slowdown begins
        if slows:
            guard.slowed_at = now
            guard.save(update_fields=["slowed_at"])
        slowed_too = (
            "; attempts at it from addresses it has not signed in from are slowed" if slows else ""
        )
        if (
            ip
            and not st.protected
            and st.pair.failed >= key_limit
            and not active_lockout(LockoutScope.ACCOUNT_ADDRESS, key, now, ip=ip)
        ):
            lock = Lockout.objects.create(
                scope=LockoutScope.ACCOUNT_ADDRESS,
                key=key,
                ip_address=ip,
                started_at=now,
                until=now + lockout_period(),
            )
            # One event for what this failure began (the slowdown usually begins with it).
            record(
                who,
                LOCKOUT,
                object_type="lockout",
                object_id=lock.pk,
                summary=f"Sign-in locked for account '{key}' from client address {ip} after {key_limit} failed "
                f"attempts{slowed_too}",
                detail={
                    **detail,
                    "scope": lock.scope,
                    "key": key,
                    "ip": ip,
                    "until": lock.until.isoformat(),
                    "slowed": slows,
                },
            )
            mail.append(
                f"Signing in to your account from that address is paused for {lockout_minutes()} minutes. "
                "You can still sign in from anywhere else."
            )
        elif slows:
            addresses = (
                FailedSignIn.objects.filter(username=key, at__gt=st.account_since, checking=False)
                .values("ip_address")
                .distinct()
                .count()
            )
            record(
                who,
                LOCKOUT,
                object_type="lockout",
                object_id=key,
                summary=f"Sign-in slowed for account '{key}' after {st.account.failed} failed attempts from "
                f"{addresses} address{'es' if addresses != 1 else ''}: addresses it has not signed in from "
                "wait between attempts",
                detail={**detail, "scope": LockoutScope.ACCOUNT, "key": key, "slowed": True},
            )
        if slows:
            mail.append(
                "Signing in to your account from places you have not signed in from before is slowed down "
                "for a few minutes. You can still sign in as usual from places you have signed in from before."
            )
        outbox = _to_tell(guard, st, mail, now) if mail else []
        refused = _refusal(st, now)
    _clear_away(now)
    for message in outbox:
        _send(message, ip, now)
    return refused if refused and not refused.slowed else None


def _to_tell(
    guard: SignInGuard, st: _Standing, what: list[str], now: dt.datetime
) -> list[tuple[list[str], list[str]]]:
    """Who to email about what: the account's owner, at most once a window (a flood of
    failures is not a flood of email). Nobody, for a username no account has."""
    if not st.account_ids or (guard.notified_at and guard.notified_at > now - window()):
        return []
    emails = list(
        get_user_model()
        .objects.filter(pk__in=st.account_ids)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not emails:
        return []
    guard.notified_at = now
    guard.save(update_fields=["notified_at"])
    return [(emails, what)]


def _send(message: tuple[list[str], list[str]], ip: str | None, now: dt.datetime) -> None:
    """Only the address and the time: not the username as typed, the password, the browser,
    or anything else the person trying chose."""
    emails, what = message
    when = dateformat.format(timezone.localtime(now), "H:i \\o\\n j F Y")
    body = "\n\n".join(
        [
            "Someone has tried to sign in to your Visible account with a wrong password or code, several times.",
            f"The latest attempt came from the address {ip or 'not known'} at {when} (UK time).",
            *what,
            "If this was you, you need do nothing: wait a little and try again. If it was not you, tell your "
            "organisation's Visible administrator, and change your password once you have signed in.",
            "Visible",
        ]
    )
    try:
        send_mail("Visible: attempts to sign in to your account", body, None, emails)
    except Exception:  # noqa: BLE001 - the lockout stands without the email; say so in the log
        log.exception("Could not email the owner of an account about failed sign-ins")


def _clear_away(now: dt.datetime) -> None:
    """Attempts older than a day count for nothing (the audit log keeps the record of them),
    nor do guard rows untouched for a day. Outside the guard's transaction: it holds no lock
    another attempt is waiting for."""
    FailedSignIn.objects.filter(at__lt=now - max(window(), KEEP_ATTEMPTS)).delete()
    SignInGuard.objects.filter(touched_at__lt=now - KEEP_ATTEMPTS).delete()


def remember_address(user, ip: str) -> None:
    """Keep the address a person has just signed in from; keep only their few most recent,
    and forget those unused for long."""
    now = timezone.now()
    known, made = KnownAddress.objects.get_or_create(
        user=user, ip_address=ip, defaults={"first_signed_in_at": now, "last_signed_in_at": now}
    )
    if not made:
        KnownAddress.objects.filter(pk=known.pk).update(last_signed_in_at=now)
    keep = list(
        KnownAddress.objects.filter(user=user)
        .order_by("-last_signed_in_at", "-pk")
        .values_list("pk", flat=True)[: known_address_limit()]
    )
    stale = now - dt.timedelta(days=known_address_days())
    KnownAddress.objects.filter(user=user).exclude(pk__in=keep).delete()
    KnownAddress.objects.filter(user=user, last_signed_in_at__lt=stale).delete()


# --- an administrator's tools --------------------------------------------------------------


def unlock(*, username: str | None = None, ip: str | None = None, by: str = "") -> int:
    """End the lockouts of an account (from every address) and/or an address now. Returns how
    many were ended. Failures before the unlock no longer count, and a slowdown ends."""
    now = timezone.now()
    ended = 0
    targets = []
    if username:
        targets.append((LockoutScope.ACCOUNT, account_key(username)))
    if ip:
        targets.append((LockoutScope.IP, ip))
    for scope, key in targets:
        scopes = (
            [LockoutScope.ACCOUNT, LockoutScope.ACCOUNT_ADDRESS]
            if scope == LockoutScope.ACCOUNT
            else [scope]
        )
        count = Lockout.objects.filter(
            scope__in=scopes, key=key, until__gt=now, unlocked_at__isnull=True
        ).update(unlocked_at=now, unlocked_by=by[:150])
        # The mark from which failures count again, whether or not anything was locked.
        Lockout.objects.create(
            scope=scope, key=key, started_at=now, until=now, unlocked_at=now, unlocked_by=by[:150]
        )
        what = f"account '{key}'" if scope == LockoutScope.ACCOUNT else f"client address {key}"
        record(
            Viewer.system(by or "administrator"),
            UNLOCK,
            object_type="lockout",
            object_id=key,
            summary=f"Sign-in unlocked for {what}"
            + ("" if count else " (it was not locked; its failed attempts were cleared)"),
            detail={"scope": scope, "key": key, "lockouts_ended": count},
        )
        ended += count
    return ended


def active_lockouts() -> list[Lockout]:
    return list(
        Lockout.objects.filter(until__gt=timezone.now(), unlocked_at__isnull=True).order_by("until")
    )
