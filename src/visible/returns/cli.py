"""The `visible foi-return`, `visible partnership-report` and `visible partnership-area`
commands. Each is a thin wrapper over the functions the pages use; mistakes in what was asked
for raise ValueError, which `visible` turns into a one-line message and exit status 2."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path


def _date(option: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(
            f"{option}: '{text}' is not a date; write it as YYYY-MM-DD, for example 2014-09-01"
        ) from None


def _write(content: bytes, output: str | None) -> None:
    if output in (None, "-"):
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    path = Path(output)
    if not path.parent.exists():
        raise ValueError(
            f"-o: the folder {path.parent} does not exist; create it or choose another file"
        )
    path.write_bytes(content)
    print(f"Wrote {path} ({len(content):,} bytes)", file=sys.stderr)


def cmd_foi_return(args: argparse.Namespace) -> int:
    from visible.agencies.viewer import Viewer
    from visible.audit.log import record
    from visible.audit.models import AuditAction

    from . import foi, formats

    start, end = _date("--from", args.start), _date("--to", args.end)
    foi.check_period(start, end)
    fmt = args.format or _format_from(args.output)
    if args.round_totals and not args.suppress:
        raise ValueError(
            "--round-totals rounds the totals of a published return: add --suppress too"
        )
    authority = foi.authority_by_code(args.authority)
    viewer = Viewer.system("foi-return")
    edition = getattr(args, "edition", "2016") or "2016"
    if edition == "2024":
        from . import edition2024

        if fmt not in ("json", "csv"):
            raise ValueError(f"--format: the 2024 edition is written as json or csv, not '{fmt}'")

        content = edition2024.render(
            edition2024.foi_return_2024_for(
                viewer,
                authority,
                start,
                end,
                args.missing_definition or edition2024.DEFAULT_DEFINITION,
                purpose="FOI return, 2024 edition (command line)",
            ),
            fmt,
            suppress=args.suppress,
            round_totals=args.round_totals,
        )
    else:
        if args.missing_definition:
            raise ValueError(
                "--missing-definition belongs to the 2024 edition: add --edition 2024, or leave "
                "it out (the 2016 request counts missing and away separately)"
            )
        result = foi.foi_return_for(
            viewer, authority, start, end, purpose="FOI return (command line)"
        )
        content = formats.render(
            result, fmt, suppress=args.suppress, round_totals=args.round_totals
        )
    record(
        viewer,
        AuditAction.EXPORT,
        object_type="foi_return",
        object_id=authority.code,
        summary=f"Wrote the FOI return for {authority.name} as {fmt.upper()}"
        f"{' with disclosure control' if args.suppress else ' (unsuppressed)'}",
        detail={
            "edition": edition,
            "format": fmt,
            "suppressed": args.suppress,
            "round_totals": args.round_totals,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "bytes": len(content),
            "output": args.output or "-",
        },
    )
    _write(content, args.output)
    return 0


def _format_from(output: str | None) -> str:
    if output and "." in Path(output).name:
        suffix = Path(output).suffix.lstrip(".").lower()
        if suffix in ("json", "csv", "xlsx"):
            return suffix
    return "json"


def cmd_partnership_report(args: argparse.Namespace) -> int:
    from visible.agencies.viewer import Viewer

    from . import partnership

    area = partnership.partnership_by_name(args.partnership)
    viewer = Viewer.system("partnership-report")
    report = partnership.report_for(
        viewer, area, args.year, purpose="partnership report (command line)"
    )
    fmt = "html" if (args.output or "").lower().endswith((".html", ".htm")) else "pdf"
    content = (
        partnership.render_pdf(report) if fmt == "pdf" else partnership.render_html(report).encode()
    )
    partnership.audit_export(viewer, report, fmt, len(content))
    if fmt == "pdf" and args.output in (None, "-") and sys.stdout.isatty():
        raise ValueError(
            "-o: give a file name for the PDF (for example -o report.pdf); it will not be written to a terminal"
        )
    _write(content, args.output)
    return 0


def cmd_partnership_area(args: argparse.Namespace) -> int:
    from visible.agencies.viewer import Viewer

    from . import actions

    area, created = actions.define_partnership(
        Viewer.system("partnership-area"),
        args.name,
        args.authority,
        kind=args.kind,
        year_start_month=args.year_starts,
    )
    names = ", ".join(f"{a.name} ({a.code})" for a in area.authorities.order_by("name"))
    print(f"{'Created' if created else 'Updated'} partnership area '{area.name}': {names}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Top-level subcommands of `visible`."""
    p = sub.add_parser(
        "foi-return",
        help="the report's data request (Appendix 1 Q1-Q5), answered for an authority and period",
    )
    p.add_argument(
        "--authority",
        required=True,
        metavar="GSS",
        help="GSS code of the authority, e.g. E09000008",
    )
    p.add_argument(
        "--from", dest="start", required=True, metavar="YYYY-MM-DD", help="first day of the period"
    )
    p.add_argument(
        "--to",
        dest="end",
        required=True,
        metavar="YYYY-MM-DD",
        help="last day of the period (inclusive)",
    )
    p.add_argument(
        "--format",
        choices=["json", "csv", "xlsx"],
        help="json (default; the versioned schema in docs/foi-return.schema.json), csv or xlsx",
    )
    p.add_argument(
        "--suppress",
        action="store_true",
        help="apply disclosure control (rulebook section 8): counts 1-5 as c, with secondary suppression",
    )
    p.add_argument(
        "--round-totals",
        action="store_true",
        help="with --suppress: round totals to the nearest 10",
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (default: standard output)"
    )
    p.add_argument(
        "--edition",
        choices=("2016", "2024"),
        default="2016",
        help="2016 (default): the request of Heading back to harm, one period (schema 1.x); "
        "2024: the request as asked today, each calendar year plus a part year, with "
        "unaccompanied or separated children who are also trafficked (schema 2.x, json or csv)",
    )
    p.add_argument(
        "--missing-definition",
        choices=("missing_or_away", "missing_only"),
        default=None,
        help="2024 edition: what counts as 'missing or absent' (default missing_or_away: "
        "SSDA903 M and A; docs/foi-return.md)",
    )
    p.set_defaults(func=cmd_foi_return)

    p = sub.add_parser(
        "partnership-report",
        help="a safeguarding partnership's annual report (PDF, or HTML for a .html file)",
    )
    p.add_argument(
        "--partnership", required=True, metavar="NAME", help="the partnership area's name"
    )
    p.add_argument(
        "--year",
        required=True,
        type=int,
        help="the reporting year, by the year it starts in (2025 = 2025 to 2026)",
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (.pdf, or .html for the page)"
    )
    p.set_defaults(func=cmd_partnership_report)

    p = sub.add_parser(
        "partnership-area", help="create or update a partnership area (one or more authorities)"
    )
    p.add_argument("--name", required=True, help="e.g. 'Croydon Safeguarding Children Partnership'")
    p.add_argument(
        "--authority", required=True, action="append", metavar="GSS", help="GSS code (repeatable)"
    )
    p.add_argument(
        "--kind",
        default="safeguarding_children_partnership",
        help="safeguarding_children_partnership (default), child_protection_committee, sbni",
    )
    p.add_argument(
        "--year-starts",
        type=int,
        default=4,
        metavar="MONTH",
        help="month the reporting year starts (default 4, April)",
    )
    p.set_defaults(func=cmd_partnership_area)
