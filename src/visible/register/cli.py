"""`visible import register FILE --council GSS [--mapping FILE]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_import_register(args: argparse.Namespace) -> int:
    from visible.ssda903.cli import report_outcome
    from visible.ssda903.progress import TerminalProgress

    from .importer import import_register_file
    from .mapping import read_mapping_file

    mapping = None
    if args.mapping:
        path = Path(args.mapping)
        if not path.is_file():
            raise ValueError(
                f"{path} is not a file: give the mapping as CSV (field,column) or JSON"
            )
        mapping = read_mapping_file(path.name, path.read_bytes())
    outcome = import_register_file(
        Path(args.file), args.council, progress=TerminalProgress(sys.stderr), mapping=mapping
    )
    return report_outcome(outcome, args)


def add_import_commands(import_sub: argparse._SubParsersAction) -> None:
    """`visible import register`."""
    p = import_sub.add_parser(
        "register",
        help="import a council's register of children from its case system (CSV or XLSX)",
        description="Import a register file (CSV or XLSX, one row per child) for a council: "
        "children matched with the register by their SSDA903 CHILD id, new ones added, all or "
        "nothing. The columns are read with --mapping, or else the council's saved mapping, or "
        "else Visible's own headings. The same file twice changes nothing the second time. "
        "Exit code: 0 imported; 1 refused (the problems are listed); 2 a usage error. See "
        "docs/register-import.md.",
    )
    p.add_argument("file", metavar="FILE", help="the register: .csv or .xlsx")
    p.add_argument(
        "--council",
        required=True,
        metavar="GSS",
        help="GSS code of the council whose register it is, e.g. E09000008",
    )
    p.add_argument(
        "--mapping",
        metavar="FILE",
        help="the file's headings for Visible's fields: CSV with columns field,column, or a "
        "JSON object; instead of the council's saved mapping",
    )
    p.add_argument(
        "--problems-csv", metavar="FILE", help="also write every problem found to this CSV file"
    )
    p.set_defaults(func=cmd_import_register)
