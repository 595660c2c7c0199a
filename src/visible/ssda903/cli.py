"""The `visible import 903`, `visible import factors` and `visible export 903` commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_export_903(args: argparse.Namespace) -> int:
    from .export import council_for_code, export_return

    organisation = council_for_code(args.authority)
    result = export_return(organisation, args.year, Path(args.directory))
    counts = result.counts()
    print(
        f"Wrote the SSDA903 return {args.year}/{str(args.year + 1)[-2:]} for {organisation.name} to {args.directory}: "
        + ", ".join(f"{table} {n:,}" for table, n in counts.items())
    )
    return 0


def cmd_import_903(args: argparse.Namespace) -> int:
    from .importer import import_return_folder

    outcome = import_return_folder(Path(args.directory), args.year, args.authority)
    return _report(outcome, args)


def cmd_import_factors(args: argparse.Namespace) -> int:
    from .factors import import_factors_file

    outcome = import_factors_file(Path(args.file), args.authority)
    return _report(outcome, args)


def _report(outcome, args: argparse.Namespace) -> int:
    print(outcome.report.as_text(), file=sys.stderr if not outcome.imported else sys.stdout)
    if args.problems_csv and outcome.report.problems:
        Path(args.problems_csv).write_text(outcome.report.as_csv(), encoding="utf-8")
        print(f"Every problem, one a row: {args.problems_csv}", file=sys.stderr)
    if outcome.imported:
        print(outcome.summary())
        return 0
    return 1


def add_import_commands(import_sub: argparse._SubParsersAction) -> None:
    """Subcommands of `visible import`."""
    p = import_sub.add_parser(
        "903", help="import an SSDA903 return (CSV files or the XML form) into the register"
    )
    p.add_argument(
        "directory", metavar="DIR", help="folder holding the return's files (.csv or one .xml)"
    )
    p.add_argument(
        "--year",
        type=int,
        required=True,
        help="collection year by the year it starts: 2025 for 2025/26",
    )
    p.add_argument(
        "--authority",
        required=True,
        metavar="GSS",
        help="GSS code of the authority the return belongs to",
    )
    p.add_argument(
        "--problems-csv", metavar="FILE", help="also write every problem found to this CSV file"
    )
    p.set_defaults(func=cmd_import_903)

    p = import_sub.add_parser(
        "factors", help="import CIN census assessment factors (CHILD, factor, date) as dated flags"
    )
    p.add_argument("file", metavar="FILE", help="CSV file with columns CHILD, FACTOR and DATE")
    p.add_argument(
        "--authority",
        required=True,
        metavar="GSS",
        help="GSS code of the authority the children belong to",
    )
    p.add_argument(
        "--problems-csv", metavar="FILE", help="also write every problem found to this CSV file"
    )
    p.set_defaults(func=cmd_import_factors)


def add_export_commands(export_sub: argparse._SubParsersAction) -> None:
    """Subcommands of `visible export`."""
    p = export_sub.add_parser(
        "903", help="write an authority's SSDA903 return for a collection year from the register"
    )
    p.add_argument(
        "--year",
        type=int,
        required=True,
        help="collection year by the year it starts: 2025 for 2025/26",
    )
    p.add_argument("--authority", required=True, metavar="GSS", help="GSS code of the authority")
    p.add_argument(
        "directory", metavar="DIR", help="folder to write the CSV files into (made if need be)"
    )
    p.set_defaults(func=cmd_export_903)
