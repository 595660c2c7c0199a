"""`visible nrm-pilot show|add|end --organisation ORG`: a council's dates in the devolved NRM
decision-making pilot, as the "NRM decision-making pilot" page shows and sets them. Adding a
period or recording that the council left is done as a person who may (a senior manager or
organisation administrator of the council: `--as USERNAME`), checked and audited as the page
does (children/actions.py set_nrm_pilot, end_nrm_pilot).

Exit status: 0 done; 1 refused (each problem printed); 2 a mistake in what was asked for (no
such organisation or person, a date that is not a date, a person who may not)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys


def _date(option: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(
            f"{option}: '{text}' is not a date; write it as YYYY-MM-DD, for example 2024-04-01"
        ) from None


def _periods(organisation) -> list[str]:
    from .models import NrmPilot

    return [
        f"from {p.start_date:%d/%m/%Y} "
        + (f"to {p.end_date:%d/%m/%Y}" if p.end_date else "(still in the pilot)")
        + f", recorded by {p.recorded_by_name or 'someone'}"
        for p in NrmPilot.objects.filter(organisation=organisation).order_by("start_date")
    ]


def cmd_show(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from visible.rota.cli import _organisation

    from .actions import nrm_pilot_on

    organisation = _organisation(args.organisation)
    current = nrm_pilot_on(organisation.pk, timezone.localdate())
    print(
        f"{organisation.name}: " + ("in the pilot today" if current else "not in the pilot today")
    )
    for line in _periods(organisation) or ["no periods recorded"]:
        print(f"  {line}")
    return 0


def _run(args: argparse.Namespace, change) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.utils import timezone

    from visible.rota.cli import _organisation, _viewer

    organisation = _organisation(args.organisation)
    viewer = _viewer(args.as_user, organisation)
    try:
        summary = change(viewer, timezone.now())
    except PermissionDenied as error:
        raise ValueError(str(error)) from None
    except ValidationError as error:
        print("Refused; nothing has changed.", file=sys.stderr)
        for message in error.messages:
            print(message, file=sys.stderr)
        return 1
    print(f"{organisation.name}: {summary}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from .actions import set_nrm_pilot

    start = _date("--from", args.start)
    end = _date("--to", args.end) if args.end else None

    def change(viewer, now):
        set_nrm_pilot(viewer, start, end, now)
        return f"in the pilot from {start:%d/%m/%Y}" + (f" to {end:%d/%m/%Y}" if end else "")

    return _run(args, change)


def cmd_end(args: argparse.Namespace) -> int:
    from .actions import end_nrm_pilot

    end = _date("--on", args.on)

    def change(viewer, now):
        end_nrm_pilot(viewer, end, now)
        return f"left the pilot on {end:%d/%m/%Y}"

    return _run(args, change)


def add_commands(sub: argparse._SubParsersAction) -> None:
    """`visible nrm-pilot show|add|end`."""
    p = sub.add_parser(
        "nrm-pilot", help="a council's dates in the devolved NRM decision-making pilot"
    )
    pilot = p.add_subparsers(dest="nrm_pilot_command", required=True, metavar="ACTION")

    def organisation(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--organisation",
            required=True,
            metavar="ORG",
            help="the council: its GSS code (e.g. E10000016) or its exact name",
        )

    def as_user(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--as",
            dest="as_user",
            required=True,
            metavar="USERNAME",
            help="the council's senior manager or organisation administrator (audited as them)",
        )

    s = pilot.add_parser(
        "show", help="the council's periods in the pilot, and whether it is in today"
    )
    organisation(s)
    s.set_defaults(func=cmd_show)
    s = pilot.add_parser(
        "add",
        help="record a period the council is (or was) in the pilot",
        description="Record that the council joined the pilot on --from (and left after --to, "
        "if given). Refused if it overlaps another of its periods. Referrals already recorded "
        "in the period are worked out again. Exit code: 0 added; 1 refused; 2 a usage error.",
    )
    organisation(s)
    as_user(s)
    s.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    s.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="its last day in the pilot")
    s.set_defaults(func=cmd_add)
    s = pilot.add_parser(
        "end",
        help="record that the council left the pilot (ends its open period)",
        description="End the council's open period in the pilot on --on, its last day in it. "
        "Exit code: 0 ended; 1 refused; 2 a usage error.",
    )
    organisation(s)
    as_user(s)
    s.add_argument("--on", required=True, metavar="YYYY-MM-DD", help="its last day in the pilot")
    s.set_defaults(func=cmd_end)
