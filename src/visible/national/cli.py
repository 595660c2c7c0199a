"""`visible national-2024`: the national tables of the 2024 edition, ready to publish, from the
authorities' 2024-edition returns (`visible foi-return --edition 2024`, unsuppressed JSON).
Mistakes raise ValueError, which `visible` turns into a one-line message and exit status 2."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path


def _read(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not JSON (line {error.lineno}: {error.msg})") from None


def national_2024_csv(documents: list[dict], suppress: bool = True) -> bytes:
    """Each period's table in the reports' shape, then the trend across every request."""
    from . import tables

    totals = tables.add_2024_documents(documents)
    built = [
        tables.published_shape(label, values, len(documents)) for label, values in totals.items()
    ]
    built.append(tables.request_trend(totals))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for table in built:
        writer.writerow([table.title])
        writer.writerows(table.grid(suppress=suppress))
        writer.writerow([table.coverage, *table.notes])
        writer.writerow([])
    return buffer.getvalue().encode("utf-8-sig")


def cmd_national_2024(args: argparse.Namespace) -> int:
    from visible.agencies.viewer import Viewer
    from visible.audit.log import record
    from visible.audit.models import AuditAction

    documents = [_read(path) for path in args.files]
    content = national_2024_csv(documents, suppress=not args.unsuppressed)
    record(
        Viewer.system("national-2024"),
        AuditAction.EXPORT,
        object_type="national_tables",
        object_id="2024-edition",
        summary=f"Wrote the 2024-edition national tables from {len(documents)} returns"
        f"{' (unsuppressed)' if args.unsuppressed else ' with disclosure control'}",
        detail={"returns": len(documents), "suppressed": not args.unsuppressed},
    )
    if args.output in (None, "-"):
        sys.stdout.buffer.write(content)
    else:
        Path(args.output).write_bytes(content)
        print(f"Wrote {args.output} ({len(content):,} bytes)", file=sys.stderr)
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "national-2024",
        help="national tables of the 2024 edition (in care, missing, still missing; the trend "
        "across every request) from authorities' 2024-edition returns, as CSV",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="unsuppressed 2024-edition JSON")
    p.add_argument("-o", "--output", help="the CSV file to write (default: standard output)")
    p.add_argument(
        "--unsuppressed",
        action="store_true",
        help="without disclosure control (for use inside the national body only)",
    )
    p.set_defaults(func=cmd_national_2024)
