"""`visible pseudo submit` and `visible pseudo tables`: thin wrappers over pseudo.actions and
pseudo.tables. Mistakes in what was asked for raise ValueError, which `visible` turns into a
one-line message and exit status 2."""

from __future__ import annotations

import argparse
import datetime as dt
import sys


def _date(option: str, text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{option}: '{text}' is not a date; write it as YYYY-MM-DD, for example 2014-09-01"
        ) from None


def cmd_submit(args: argparse.Namespace) -> int:
    from visible.agencies.viewer import Viewer
    from visible.returns import foi

    from . import actions, tables
    from .models import LOCAL_BASES
    from .pseudonymise import NoNationalKey, is_dev_key

    start, end = _date("--from", args.start), _date("--to", args.end)
    foi.check_period(start, end)
    authority = foi.authority_by_code(args.authority)
    try:
        submission = actions.submit(Viewer.system("pseudo-submit"), authority, start, end)
    except NoNationalKey as error:
        raise ValueError(f"nothing submitted: {error}") from None
    print(
        f"Submitted {authority.name} ({authority.code}), {start:%d/%m/%Y} to {end:%d/%m/%Y}, version "
        f"{submission.version}: {submission.children:,} children, {submission.episodes:,} episodes"
        f"{f', {submission.records_merged} duplicate records merged' if submission.records_merged else ''}."
        f"{' It replaces version ' + str(submission.version - 1) + '.' if submission.version > 1 else ''}"
    )
    bases = tables.submission_bases(submission)
    if any(bases[b] for b in LOCAL_BASES):
        print(tables.not_linked_sentence(bases) + ".")
    if is_dev_key(submission.key_id):
        print(
            "Warning: made with the development key, which only the local demo allows "
            "(VISIBLE_PSEUDO_ALLOW_DEVELOPMENT_KEY): these pseudo ids protect nothing.",
            file=sys.stderr,
        )
    return 0


def cmd_tables(args: argparse.Namespace) -> int:
    from visible.agencies.viewer import Viewer
    from visible.returns import foi

    from . import tables

    start, end = _date("--from", args.start), _date("--to", args.end)
    if start is None and end is None:
        period = tables.latest_period()
        if period is None:
            raise ValueError(
                "no authority has submitted child-level records yet: run 'visible pseudo submit' first"
            )
        start, end = period
    foi.check_period(start, end)
    result = tables.tables_for(
        Viewer.system("pseudo-tables"), start, end, purpose="national tables (command line)"
    )
    if not result.authorities:
        raise ValueError(
            f"no authority has submitted child-level records for {start:%d/%m/%Y} to {end:%d/%m/%Y}"
        )
    sys.stdout.write(tables.render_text(result, suppress=args.suppress))
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pseudo", help="pseudonymised child-level records for the national body")
    pseudo_sub = p.add_subparsers(dest="pseudo_command", required=True, metavar="ACTION")

    s = pseudo_sub.add_parser(
        "submit",
        help="pseudonymise an authority's register for a period and store it "
        "(replaces its earlier submission for the same period)",
    )
    s.add_argument(
        "--authority",
        required=True,
        metavar="GSS",
        help="GSS code of the authority, e.g. E09000008",
    )
    s.add_argument(
        "--from", dest="start", required=True, metavar="YYYY-MM-DD", help="first day of the period"
    )
    s.add_argument(
        "--to",
        dest="end",
        required=True,
        metavar="YYYY-MM-DD",
        help="last day of the period (inclusive)",
    )
    s.set_defaults(func=cmd_submit)

    t = pseudo_sub.add_parser(
        "tables", help="print the national tables from the child-level records"
    )
    t.add_argument(
        "--from",
        dest="start",
        metavar="YYYY-MM-DD",
        help="first day of the period (default: the latest submitted)",
    )
    t.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day of the period")
    t.add_argument(
        "--suppress",
        action="store_true",
        help="disclosure control (rulebook section 8): counts 1-5 as c, national totals rounded to 10",
    )
    t.set_defaults(func=cmd_tables)
