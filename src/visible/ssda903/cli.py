"""The `visible import 903`, `visible import factors` and `visible export 903` commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_export_903(args: argparse.Namespace) -> int:
    if args.all:
        from .folder import export_national_folder

        done = export_national_folder(
            args.year, Path(args.directory), progress=None if args.quiet else sys.stderr
        )
        print(done.describe(args.year, Path(args.directory)))
        return 0

    from .export import council_for_code, export_return
    from .nations import outside_england

    organisation = council_for_code(args.authority)
    refused = outside_england(organisation.authority)
    if refused is not None:
        raise ValueError(f"{refused[0]}. {refused[1]}.")
    result = export_return(organisation, args.year, Path(args.directory))
    counts = result.counts()
    print(
        f"Wrote the SSDA903 return {args.year}/{str(args.year + 1)[-2:]} for {organisation.name} to {args.directory}: "
        + ", ".join(f"{table} {n:,}" for table, n in counts.items())
    )
    return 0


def cmd_import_903(args: argparse.Namespace) -> int:
    from .folder import is_national_folder

    directory = Path(args.directory)
    if not directory.is_dir():
        raise ValueError(
            f"{directory} is not a folder: give the folder holding the return's files, or a "
            "national folder (one sub-folder per authority)"
        )
    national = is_national_folder(directory)
    if args.authority is None:
        if not national and not any(p.is_dir() or p.is_file() for p in directory.iterdir()):
            raise ValueError(
                f"{directory} is empty: give the folder holding a return's files (with "
                "--authority GSS), or a national folder (one sub-folder per authority)"
            )
        if not national:
            raise ValueError(
                f"{directory} holds one return's files: give --authority GSS (the authority it "
                "belongs to, e.g. E09000008) to import it; a national folder holds one "
                "sub-folder per authority (or a manifest.csv) and no return files of its own"
            )
        return _import_national(directory, args)
    if national:
        raise ValueError(
            f"{directory} is a national folder (one sub-folder per authority, or a "
            "manifest.csv): leave out --authority, each sub-folder says its own authority; "
            "to import one authority's return, give its sub-folder with --authority"
        )
    from .importer import import_return_folder
    from .progress import TerminalProgress

    outcome = import_return_folder(
        directory, args.year, args.authority, progress=TerminalProgress(sys.stderr)
    )
    return report_outcome(outcome, args)


def _import_national(directory: Path, args: argparse.Namespace) -> int:
    from .folder import FolderRefused, import_national_folder, refused_reports

    try:
        done = import_national_folder(
            directory, args.year, progress=None if args.quiet else sys.stderr
        )
    except FolderRefused as refused:
        count = len(refused.problems)
        print(
            f"visible import: the national folder {directory} cannot be imported "
            f"({count} problem{'s' if count != 1 else ''}); nothing has been imported:",
            file=sys.stderr,
        )
        for problem in refused.problems:
            print(f"- {problem}", file=sys.stderr)
        return 2
    if done.refused:
        print(refused_reports(done), file=sys.stderr)
    if args.problems_csv and any(r.outcome.report.problems for r in done.results):
        Path(args.problems_csv).write_text(done.problems_csv(), encoding="utf-8")
        print(f"Every problem, one a row, with its authority: {args.problems_csv}", file=sys.stderr)
    print(done.summary())
    return done.exit_code


def cmd_import_factors(args: argparse.Namespace) -> int:
    from .factors import import_factors_file
    from .progress import TerminalProgress

    outcome = import_factors_file(
        Path(args.file), args.authority, progress=TerminalProgress(sys.stderr)
    )
    return report_outcome(outcome, args)


def report_outcome(outcome, args: argparse.Namespace) -> int:
    """An import's report (to stdout when imported, stderr when refused), every problem to
    --problems-csv when asked, the summary; exit 0 imported, 1 refused. The register import's
    command says it the same way (register/cli.py)."""
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
        "903",
        help="import an SSDA903 return (CSV files or the XML form), or a national folder of "
        "them, into the register",
        description="Import one authority's SSDA903 return (DIR holds its files; give "
        "--authority), or a national folder: DIR holds one sub-folder per authority, named by "
        "its GSS code (E09000008/) or listed in DIR/manifest.csv (columns folder,gss). Each "
        "authority's return is imported all or nothing on its own: a return with an error "
        "changes nothing for its authority, and the other authorities are still imported. "
        "Exit code: 0 every return imported; 1 a return refused (the problems are listed); "
        "2 a usage error (nothing imported). See docs/ssda903.md.",
    )
    p.add_argument(
        "directory",
        metavar="DIR",
        help="folder holding the return's files (.csv or one .xml), or a national folder",
    )
    p.add_argument(
        "--year",
        type=int,
        required=True,
        help="collection year by the year it starts: 2025 for 2025/26",
    )
    p.add_argument(
        "--authority",
        metavar="GSS",
        help="GSS code of the authority the return belongs to: required for one return; "
        "not given with a national folder, whose sub-folders say their authorities",
    )
    p.add_argument(
        "--problems-csv",
        metavar="FILE",
        help="also write every problem found to this CSV file (for a national folder, with "
        "each problem's authority: columns gss, authority, folder first)",
    )
    p.add_argument(
        "--quiet",
        action="store_true",
        help="national folder: no progress lines (authority n of N) on stderr",
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
        "903",
        help="write an authority's SSDA903 return for a collection year from the register, "
        "or (--all) every English council's, one sub-folder each",
    )
    p.add_argument(
        "--year",
        type=int,
        required=True,
        help="collection year by the year it starts: 2025 for 2025/26",
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--authority", metavar="GSS", help="GSS code of the authority")
    which.add_argument(
        "--all",
        action="store_true",
        help="every English council with a child looked after in the year, each in a "
        "sub-folder of DIR named by its GSS code: a national folder `visible import 903 DIR` "
        "reads",
    )
    p.add_argument("--quiet", action="store_true", help="with --all: no progress lines on stderr")
    p.add_argument(
        "directory", metavar="DIR", help="folder to write the CSV files into (made if need be)"
    )
    p.set_defaults(func=cmd_export_903)
