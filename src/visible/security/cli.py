"""`visible users ...`, `visible totp-code` and `visible retention ...`: thin wrappers over
throttle.py, second_factor.py and retention.py. Mistakes in what was asked for raise
ValueError, which `visible` turns into a one-line message and exit status 2."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass


def _user(username: str):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValueError(
            f"there is no user '{username}'; check the spelling (usernames are case-sensitive)"
        )
    return user


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def cmd_unlock(args: argparse.Namespace) -> int:
    from . import throttle

    if not args.username and not args.ip:
        raise ValueError("name a USERNAME to unlock, or --ip ADDRESS, or both")
    ended = throttle.unlock(username=args.username, ip=args.ip, by=_operator())
    what = " and ".join(
        filter(
            None,
            [
                f"'{args.username}'" if args.username else "",
                f"address {args.ip}" if args.ip else "",
            ],
        )
    )
    print(
        f"Unlocked {what}: {ended} lockout{'s' if ended != 1 else ''} ended; earlier failed attempts no longer count."
    )
    return 0


def cmd_lockouts(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from . import throttle

    locks = throttle.active_lockouts()
    if not locks:
        print("No sign-in lockouts in force.")
    for lock in locks:
        until = timezone.localtime(lock.until)
        what = f"{lock.key} from {lock.ip_address}" if lock.ip_address else lock.key
        print(f"  {lock.get_scope_display():<32} {what:<56} until {until:%d/%m/%Y %H:%M}")
    return 0


def cmd_reset_second_factor(args: argparse.Namespace) -> int:
    from . import second_factor

    user = _user(args.username)
    second_factor.reset(user, by=_operator())
    print(
        f"Removed the authenticator and recovery codes of '{user.username}': they set up a new one at their next sign-in."
    )
    return 0


def cmd_totp_code(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.utils import timezone

    from visible import installation

    from . import second_factor

    if not getattr(settings, "VISIBLE_ALLOW_DEMO_CODES", False):
        raise ValueError(
            "prints codes for the local demo only, and these settings are not the demo's "
            f"({settings.SETTINGS_MODULE}); use the person's authenticator app"
        )
    if not installation.is_demo():
        raise ValueError(
            "prints codes for the local demo only, and this database is not a demo; "
            "use the person's authenticator app"
        )
    user = _user(args.username)
    device = second_factor.confirmed_device(user) or getattr(user, "totp_device", None)
    if device is None:
        raise ValueError(f"'{user.username}' has no authenticator yet: sign in once to set one up")
    step = second_factor.step_at()
    seconds_left = (
        second_factor.STEP_SECONDS - int(timezone.now().timestamp()) % second_factor.STEP_SECONDS
    )
    print(
        f"{second_factor.code_at(device.secret, step)}  (for {user.username}; valid for about {seconds_left} more seconds)"
    )
    return 0


def cmd_retention_report(args: argparse.Namespace) -> int:
    from . import retention

    as_at = _date("--as-at", args.as_at) if args.as_at else None
    report = retention.report(as_at)
    print(report.describe())
    return 0


def cmd_retention_delete(args: argparse.Namespace) -> int:
    from . import retention

    if not args.confirm:
        raise ValueError(
            "deleting is permanent: run `visible retention report` first, then add --confirm"
        )
    print(retention.delete(by=_operator()).describe())
    return 0


def _date(option: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(
            f"{option}: '{text}' is not a date; write it as YYYY-MM-DD, for example 2031-04-01"
        ) from None


def add_commands(sub, extend_users=None) -> None:
    """`extend_users(users)` adds more `visible users` commands (visible/cli.py passes the
    people commands, visible/people/cli.py, which this layer does not import)."""
    p = sub.add_parser(
        "users",
        help="staff accounts: invite, list, deactivate, reactivate, role, team; unlock after a "
        "lockout, reset the second factor",
    )
    users = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    if extend_users is not None:
        extend_users(users)
    u = users.add_parser(
        "unlock",
        help="end a sign-in lockout now (an account from every address, an address, or both)",
    )
    u.add_argument(
        "username", nargs="?", help="the username that was locked out (from any address) or slowed"
    )
    u.add_argument("--ip", help="also (or only) unlock this client IP address")
    u.set_defaults(func=cmd_unlock)
    u = users.add_parser("lockouts", help="list the sign-in lockouts in force")
    u.set_defaults(func=cmd_lockouts)
    u = users.add_parser(
        "reset-second-factor",
        help="remove someone's authenticator and recovery codes (lost phone): they set up a new one",
    )
    u.add_argument("username")
    u.set_defaults(func=cmd_reset_second_factor)

    p = sub.add_parser(
        "totp-code", help="print a demo user's current second-factor code (local demo only)"
    )
    p.add_argument("username")
    p.set_defaults(func=cmd_totp_code)

    p = sub.add_parser(
        "retention", help="the retention schedule (rulebook §9): records past retention"
    )
    retention_sub = p.add_subparsers(dest="retention_command", required=True, metavar="ACTION")
    r = retention_sub.add_parser(
        "report", help="list the children's records past their retention date"
    )
    r.add_argument(
        "--as-at",
        metavar="DATE",
        help="judge retention as at this date (YYYY-MM-DD; default today)",
    )
    r.set_defaults(func=cmd_retention_report)
    r = retention_sub.add_parser(
        "delete", help="delete the records past retention, with an audit event for each"
    )
    r.add_argument("--confirm", action="store_true", help="required: deleting is permanent")
    r.set_defaults(func=cmd_retention_delete)
